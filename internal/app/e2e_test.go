package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/partnersystem"
	"partnerhub/internal/testkit"
)

// TestEndToEnd deploys one customer of each type through the API, visits
// each console through its single-use hand-off, deletes both and checks that
// nothing is left: no customer database, no route, the accounts closed.
func TestEndToEnd(t *testing.T) {
	s := testkit.Start(t)
	ctx := context.Background()

	ids := map[string]string{}
	for _, typ := range []string{"customer", "demo"} {
		code, body := s.Do(t, "POST", "/api/v1/customers", map[string]any{
			"type": typ, "companyName": "Contoso " + typ + " Ltd",
			"contact": map[string]string{"name": "Ada Admin", "email": "ada@contoso.example", "phone": "+1 (555) 010-0000"},
		})
		if code != http.StatusAccepted {
			t.Fatalf("create %s: %d %s", typ, code, body)
		}
		var c testkit.Customer
		if err := json.Unmarshal(body, &c); err != nil {
			t.Fatal(err)
		}
		if c.Status != "deploying" || c.StatusLabel != "Deploying" {
			t.Fatalf("new customer status = %q/%q, want deploying", c.Status, c.StatusLabel)
		}
		if c.ShortName == "" || len([]rune(c.ShortName)) > 10 {
			t.Fatalf("suggested short name %q", c.ShortName)
		}
		ids[typ] = c.ID
	}
	for typ, id := range ids {
		c := s.WaitStatus(t, id, "ready", 60*time.Second)
		if c.ConsoleURL == "" {
			t.Fatalf("%s: ready customer without consoleUrl", typ)
		}
		visitConsole(t, s, id, typ)
	}

	accounts, err := s.App.PartnerSystem.List(ctx, partnersystem.ListFilter{Kind: "customer"})
	if err != nil {
		t.Fatal(err)
	}
	if len(accounts) != 2 {
		t.Fatalf("partner system has %d customer accounts, want 2", len(accounts))
	}
	for _, acc := range accounts {
		if acc.ParentAccountID == "" || acc.Status != "active" {
			t.Fatalf("account %+v: want active and linked to the partner's account", acc)
		}
	}

	for _, id := range ids {
		if code, body := s.Do(t, "DELETE", "/api/v1/customers/"+id, nil); code != http.StatusAccepted {
			t.Fatalf("delete: %d %s", code, body)
		}
	}
	for _, id := range ids {
		s.WaitStatus(t, id, "gone", 60*time.Second)
	}

	// Nothing is left behind.
	left, err := s.App.Consoles.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Fatalf("customer databases left: %v", left)
	}
	files, _ := filepath.Glob(filepath.Join(s.DataDir, "customers", "*"))
	if len(files) != 0 {
		t.Fatalf("files left in the customers directory: %v", files)
	}
	for _, id := range ids {
		routed, err := s.App.Store.ConsoleRouted(ctx, id)
		if err != nil || routed {
			t.Fatalf("route for %s still there (err %v)", id, err)
		}
		resp, err := http.Get(s.App.ConsoleURL + "/c/" + id + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("console of deleted customer answers %d, want 404", resp.StatusCode)
		}
	}
	accounts, err = s.App.PartnerSystem.List(ctx, partnersystem.ListFilter{Kind: "customer"})
	if err != nil {
		t.Fatal(err)
	}
	for _, acc := range accounts {
		if acc.Status != "closed" {
			t.Fatalf("partner-system account %s is %s after delete, want closed", acc.ExternalRef, acc.Status)
		}
	}
	code, body := s.Do(t, "GET", "/api/v1/customers", nil)
	if code != 200 || !strings.Contains(string(body), `"items":[]`) {
		t.Fatalf("list after delete: %d %s", code, body)
	}
}

// visitConsole opens the hand-off URL like a browser, checks the dashboard
// shows this customer's data, and that the token does not work twice.
func visitConsole(t *testing.T, s *testkit.Server, id, typ string) {
	t.Helper()
	code, body := s.Do(t, "POST", "/api/v1/customers/"+id+"/visit", nil)
	if code != http.StatusOK {
		t.Fatalf("visit: %d %s", code, body)
	}
	var v struct{ URL string }
	if err := json.Unmarshal(body, &v); err != nil || v.URL == "" {
		t.Fatalf("visit body %s: %v", body, err)
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := browser.Get(v.URL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("hand-off: %d %s", resp.StatusCode, page)
	}
	if !strings.Contains(string(page), "Contoso") {
		t.Fatalf("dashboard does not name the customer:\n%s", page)
	}
	st, err := s.App.Consoles.Stats(context.Background(), id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	events := 0
	for _, n := range st.EventsByRisk {
		events += n
	}
	if typ == "demo" && (st.Users < 25 || st.Endpoints < 40 || events < 2000 || st.EventsByRisk["high"] == 0 || st.EventsByRisk["info"] == 0) {
		t.Fatalf("DEMO data too thin: %+v", st)
	}
	if typ == "customer" && (st.Users != 0 || events != 0 || st.Policies == 0) {
		t.Fatalf("a Customer must start with the baseline only: %+v", st)
	}
	again, err := (&http.Client{Timeout: 30 * time.Second}).Get(v.URL)
	if err != nil {
		t.Fatal(err)
	}
	again.Body.Close()
	if again.StatusCode != http.StatusForbidden {
		t.Fatalf("second use of the hand-off token: %d, want 403", again.StatusCode)
	}
}
