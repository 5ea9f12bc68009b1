package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/config"
	"partnerhub/internal/partnersystem"
	"partnerhub/internal/testkit"
	"partnerhub/internal/testkit/pgtest"
)

// TestTwoReplicasOnPostgres runs two partnerhub processes' worth of wiring
// (two Apps, each with its own listeners, job queue and data directory) on
// one PostgreSQL database: a customer added through one is deployed, seen
// live and visited through the other, with the other's tokens, and deleted
// without a trace in the shared database.
func TestTwoReplicasOnPostgres(t *testing.T) {
	dsn := pgtest.Database(t)
	onPG := func(c *config.Config) { c.DatabaseURL = dsn }
	a := testkit.Start(t, onPG)
	b := testkit.Start(t, onPG)
	ctx := context.Background()

	for _, s := range []*testkit.Server{a, b} {
		for _, probe := range []string{"/healthz", "/readyz"} {
			resp, err := http.Get(s.App.HubURL + probe)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d %s", probe, resp.StatusCode, body)
			}
		}
	}

	// Browsers on b watch the partner's customers.
	actor, err := b.App.Hub.TokenActor(ctx, a.Token)
	if err != nil {
		t.Fatalf("a's API token on b: %v", err)
	}
	changes, cancel := b.App.Broker.Subscribe(actor.PartnerID)
	defer cancel()

	start := time.Now()
	code, body := a.Do(t, "POST", "/api/v1/customers", map[string]any{
		"type": "demo", "companyName": "Contoso Ltd",
		"contact": map[string]string{"name": "Ada", "email": "ada@contoso.example"},
	})
	if code != http.StatusAccepted {
		t.Fatalf("create on a: %d %s", code, body)
	}
	var c testkit.Customer
	if err := json.Unmarshal(body, &c); err != nil {
		t.Fatal(err)
	}
	select {
	case ch := <-changes:
		if ch.CustomerID != c.ID {
			t.Fatalf("b heard of %s, want %s", ch.CustomerID, c.ID)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("the change took %s to reach b's browsers, want under a second", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("b's browsers heard nothing of a's new customer")
	}

	// a's token works on b; the deployment (console schema, partner-system
	// account) runs on whichever replica took the job.
	b.Token = a.Token
	b.WaitStatus(t, c.ID, "ready", 90*time.Second)

	// A browser session opened on a is valid on b.
	if a.AdminPassword != "" {
		_, session, err := a.App.Hub.SignIn(ctx, a.AdminEmail, a.AdminPassword, "")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := b.App.Hub.SessionActor(ctx, session); err != nil || got.PartnerID != actor.PartnerID {
			t.Fatalf("a's session on b: %+v, %v", got, err)
		}
	}

	// A hand-off issued by b opens the console served by a.
	code, body = b.Do(t, "POST", "/api/v1/customers/"+c.ID+"/visit", nil)
	if code != http.StatusOK {
		t.Fatalf("visit on b: %d %s", code, body)
	}
	var v struct{ URL string }
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := browser.Get(strings.Replace(v.URL, b.App.ConsoleURL, a.App.ConsoleURL, 1))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "Contoso") {
		t.Fatalf("console on a through b's hand-off: %d\n%s", resp.StatusCode, page)
	}

	if code, body := b.Do(t, "DELETE", "/api/v1/customers/"+c.ID, nil); code != http.StatusAccepted {
		t.Fatalf("delete on b: %d %s", code, body)
	}
	a.WaitStatus(t, c.ID, "gone", 90*time.Second)
	for _, s := range []*testkit.Server{a, b} {
		if left, err := s.App.Consoles.List(); err != nil || len(left) != 0 {
			t.Fatalf("customer schemas left: %v (%v)", left, err)
		}
	}
	accounts, err := b.App.PartnerSystem.List(ctx, partnersystem.ListFilter{Kind: "customer"})
	if err != nil {
		t.Fatal(err)
	}
	if len(accounts) != 1 || accounts[0].Status != "closed" {
		t.Fatalf("partner-system accounts after delete: %+v", accounts)
	}
}
