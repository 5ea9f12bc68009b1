package app_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"partnerhub/internal/app"
	"partnerhub/internal/config"
	"partnerhub/internal/partnersystem"
	"partnerhub/internal/testkit"
)

func addCustomer(t *testing.T, s *testkit.Server, typ, company, short string) string {
	t.Helper()
	code, body := s.Do(t, "POST", "/api/v1/customers", map[string]any{
		"type": typ, "companyName": company, "shortName": short,
		"contact": map[string]string{"name": "Ada Admin", "email": "ada@example.com"},
	})
	if code != http.StatusAccepted {
		t.Fatalf("create %s: %d %s", company, code, body)
	}
	var c testkit.Customer
	json.Unmarshal(body, &c)
	return c.ID
}

func getCustomer(t *testing.T, s *testkit.Server, id string) testkit.Customer {
	t.Helper()
	code, body := s.Do(t, "GET", "/api/v1/customers/"+id, nil)
	if code != http.StatusOK {
		t.Fatalf("get %s: %d %s", id, code, body)
	}
	var c testkit.Customer
	json.Unmarshal(body, &c)
	return c
}

func act(t *testing.T, s *testkit.Server, id, action string, body any, wantCode int) string {
	t.Helper()
	code, resp := s.Do(t, "POST", "/api/v1/customers/"+id+"/actions/"+action, body)
	if code != wantCode {
		t.Fatalf("action %s: %d %s, want %d", action, code, resp, wantCode)
	}
	return string(resp)
}

// TestActions runs every action end to end through the API on a real server.
func TestActions(t *testing.T) {
	s := testkit.Start(t, func(c *config.Config) {
		c.ConsoleVersion = 1 // customers start at console version 1
		c.ReconcileEvery = 200 * time.Millisecond
	})
	ctx := context.Background()
	demo := addCustomer(t, s, "demo", "Fabrikam Inc", "Fabrikam")
	cust := addCustomer(t, s, "customer", "Northwind Traders", "Northwind")
	s.WaitStatus(t, demo, "ready", time.Minute)
	s.WaitStatus(t, cust, "ready", time.Minute)

	t.Run("update brings the console to the current version", func(t *testing.T) {
		if v := getCustomer(t, s, demo).ConsoleVersion; v != 1 {
			t.Fatalf("console version %d, want 1", v)
		}
		act(t, s, demo, "update", nil, http.StatusAccepted)
		s.WaitStatus(t, demo, "ready", time.Minute)
		if v := getCustomer(t, s, demo).ConsoleVersion; v != 2 {
			t.Fatalf("console version after update %d, want 2", v)
		}
		if v, _ := s.App.Consoles.SchemaVersion(ctx, demo); v != 2 {
			t.Fatalf("database at version %d, want 2", v)
		}
		act(t, s, demo, "update", nil, http.StatusConflict) // already current
	})

	t.Run("reset moves DEMO data to today", func(t *testing.T) {
		before, _ := s.App.Consoles.LatestEvents(ctx, demo, 1)
		act(t, s, demo, "reset-demo-data", nil, http.StatusAccepted)
		s.WaitStatus(t, demo, "ready", time.Minute)
		after, _ := s.App.Consoles.LatestEvents(ctx, demo, 1)
		if len(before) != 1 || len(after) != 1 || after[0].OccurredAt.Before(before[0].OccurredAt) {
			t.Fatalf("latest event before %v, after %v", before, after)
		}
		st, _ := s.App.Consoles.Stats(ctx, demo, time.Now())
		if st.EventsByRisk["high"]+st.EventsByRisk["medium"]+st.EventsByRisk["low"]+st.EventsByRisk["info"] < 2000 {
			t.Fatalf("events lost by the reset: %+v", st)
		}
	})

	t.Run("rename carries the names into the console and the partner system", func(t *testing.T) {
		body := act(t, s, cust, "rename", map[string]string{"shortName": "fabrikam"}, http.StatusUnprocessableEntity)
		if !strings.Contains(body, "shortName") {
			t.Fatalf("taken short name: %s", body)
		}
		act(t, s, cust, "rename", map[string]string{"shortName": "has space"}, http.StatusUnprocessableEntity)
		act(t, s, cust, "rename", map[string]string{"companyName": "Northwind Holdings", "shortName": "NWH"}, http.StatusAccepted)
		c := s.WaitStatus(t, cust, "ready", time.Minute)
		if c.CompanyName != "Northwind Holdings" || c.ShortName != "NWH" {
			t.Fatalf("hub has %q/%q", c.CompanyName, c.ShortName)
		}
		p, err := s.App.Consoles.Profile(ctx, cust)
		if err != nil || p.CompanyName != "Northwind Holdings" || p.ShortName != "NWH" {
			t.Fatalf("console profile %+v, %v", p, err)
		}
		acc, err := s.App.PartnerSystem.GetByExternalRef(ctx, "customer:"+cust)
		if err != nil || acc.Name != "Northwind Holdings" {
			t.Fatalf("partner-system account %+v, %v", acc, err)
		}
	})

	t.Run("convert removes the DEMO data and keeps the baseline", func(t *testing.T) {
		act(t, s, cust, "convert", nil, http.StatusConflict) // not a DEMO
		act(t, s, demo, "convert", nil, http.StatusAccepted)
		c := s.WaitStatus(t, demo, "ready", time.Minute)
		if c.Type != "customer" {
			t.Fatalf("type after convert %q", c.Type)
		}
		st, _ := s.App.Consoles.Stats(ctx, demo, time.Now())
		if st.Users != 0 || st.Endpoints != 0 || st.Policies == 0 {
			t.Fatalf("after convert: %+v", st)
		}
		if p, _ := s.App.Consoles.Profile(ctx, demo); p.Type != "customer" {
			t.Fatalf("console still shows type %q", p.Type)
		}
		act(t, s, demo, "reset-demo-data", nil, http.StatusConflict)
	})

	t.Run("repair mends drift found by the reconciler", func(t *testing.T) {
		act(t, s, cust, "repair", nil, http.StatusConflict) // ready: nothing to repair
		if err := s.App.Store.DeleteRoute(ctx, getPartner(t, s), cust); err != nil {
			t.Fatal(err)
		}
		c := s.WaitStatus(t, cust, "unknown", time.Minute)
		if !strings.Contains(c.StatusReason, "route") {
			t.Fatalf("drift reason %q", c.StatusReason)
		}
		act(t, s, cust, "repair", nil, http.StatusAccepted)
		s.WaitStatus(t, cust, "ready", time.Minute)
		if ok, _ := s.App.Store.ConsoleRouted(ctx, cust); !ok {
			t.Fatal("repair did not restore the route")
		}
		// The database removed behind the hub's back: an issue, and Repair makes it anew.
		for _, suffix := range []string{".db", ".db-wal", ".db-shm"} {
			os.Remove(filepath.Join(s.DataDir, "customers", cust+suffix))
		}
		c = s.WaitStatus(t, cust, "unknown", time.Minute)
		if !strings.Contains(c.StatusReason, "database") {
			t.Fatalf("drift reason %q", c.StatusReason)
		}
		act(t, s, cust, "repair", nil, http.StatusAccepted)
		s.WaitStatus(t, cust, "ready", time.Minute)
		if err := s.App.Consoles.Check(ctx, cust); err != nil {
			t.Fatalf("after repair: %v", err)
		}
	})

	t.Run("extend DEMO", func(t *testing.T) {
		d := addCustomer(t, s, "demo", "Tailspin Toys", "Tailspin")
		c := getCustomer(t, s, d)
		if c.DemoExpiresAt == nil || time.Until(*c.DemoExpiresAt) < 29*24*time.Hour {
			t.Fatalf("DEMO expiry %v, want about 30 days", c.DemoExpiresAt)
		}
		act(t, s, d, "extend-demo", map[string]int{"days": 0}, http.StatusUnprocessableEntity)
		act(t, s, d, "extend-demo", map[string]int{"days": 10}, http.StatusOK)
		for range 3 {
			act(t, s, d, "extend-demo", map[string]int{"days": 90}, http.StatusOK)
		}
		if body := act(t, s, d, "extend-demo", map[string]int{"days": 90}, http.StatusUnprocessableEntity); !strings.Contains(body, "at most a year") {
			t.Fatalf("no cap on extensions: %s", body)
		}
		if got := getCustomer(t, s, d).DemoExpiresAt; got.Sub(*c.DemoExpiresAt) < 280*24*time.Hour-time.Minute {
			t.Fatalf("expiry %v after extending %v by 10 days", got, c.DemoExpiresAt)
		}
		act(t, s, d, "unknown-action", nil, http.StatusNotFound)
	})

	t.Run("timeline", func(t *testing.T) {
		code, body := s.Do(t, "GET", "/api/v1/customers/"+cust+"/operations", nil)
		if code != 200 || !strings.Contains(string(body), "Step 6 of 6") || !strings.Contains(string(body), `"to":"ready"`) {
			t.Fatalf("operations: %d %s", code, body)
		}
	})
}

func getPartner(t *testing.T, s *testkit.Server) string {
	t.Helper()
	u, err := s.App.Store.UserByEmail(context.Background(), s.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	return u.PartnerID
}

// TestPartnerSystemFaults deploys against a partner system that answers
// 5xx, times out, or is down: the status stays honest while retrying, turns
// deploy_failed past the attempts, and retry succeeds once it is back.
func TestPartnerSystemFaults(t *testing.T) {
	s, proxy, ps := testkit.StartWithFaults(t, func(c *config.Config) {
		c.RetryBase, c.RetryMax, c.PartnerSystemTimeout = 20*time.Millisecond, 150*time.Millisecond, 300*time.Millisecond
	})
	ctx := context.Background()
	for _, fault := range []testkit.Fault{testkit.FaultError, testkit.FaultTimeout, testkit.FaultDown} {
		t.Run(string(fault), func(t *testing.T) {
			proxy.Set(fault, 0)
			id := addCustomer(t, s, "customer", "Fault "+string(fault), "f"+string(fault)[:3])
			c := s.WaitStatus(t, id, "deploy_failed", 2*time.Minute)
			if !strings.Contains(c.StatusReason, "partner system") || !strings.Contains(c.StatusReason, "8 attempts") {
				t.Fatalf("failure reason %q", c.StatusReason)
			}
			code, body := s.Do(t, "GET", "/api/v1/customers/"+id+"/operations", nil)
			if code != 200 || !strings.Contains(string(body), "attempt 3 of 8") {
				t.Fatalf("the timeline does not show the retries: %s", body)
			}
			proxy.Set(testkit.FaultNone, 0)
			act(t, s, id, "retry", nil, http.StatusAccepted)
			s.WaitStatus(t, id, "ready", time.Minute)
			accs, _ := ps.List(ctx, partnersystem.ListFilter{ExternalRef: "customer:" + id})
			if len(accs) != 1 {
				t.Fatalf("%d partner-system accounts, want 1", len(accs))
			}
		})
	}

	t.Run("delete fails, then retry deletes", func(t *testing.T) {
		proxy.Set(testkit.FaultNone, 0)
		id := addCustomer(t, s, "customer", "Delete fault", "delfault")
		s.WaitStatus(t, id, "ready", time.Minute)
		proxy.Set(testkit.FaultError, 0)
		if code, body := s.Do(t, "DELETE", "/api/v1/customers/"+id, nil); code != http.StatusAccepted {
			t.Fatalf("delete: %d %s", code, body)
		}
		s.WaitStatus(t, id, "delete_failed", 2*time.Minute)
		proxy.Set(testkit.FaultNone, 0)
		act(t, s, id, "retry", nil, http.StatusAccepted)
		s.WaitStatus(t, id, "gone", time.Minute)
		acc, err := ps.GetByExternalRef(ctx, "customer:"+id)
		if err != nil || acc.Status != "closed" {
			t.Fatalf("account after delete: %+v %v", acc, err)
		}
	})

	t.Run("action fails and the customer stays usable", func(t *testing.T) {
		proxy.Set(testkit.FaultNone, 0)
		id := addCustomer(t, s, "customer", "Action fault", "actfault")
		s.WaitStatus(t, id, "ready", time.Minute)
		proxy.Set(testkit.FaultError, 0)
		act(t, s, id, "rename", map[string]string{"companyName": "Action fault renamed"}, http.StatusAccepted)
		c := s.WaitStatus(t, id, "action_failed", 2*time.Minute)
		if !strings.Contains(c.StatusReason, "Renaming") {
			t.Fatalf("reason %q", c.StatusReason)
		}
		if code, body := s.Do(t, "POST", "/api/v1/customers/"+id+"/visit", nil); code != http.StatusOK {
			t.Fatalf("visit after a failed action: %d %s", code, body)
		}
		// Another action must not paper over the failure: only Retry (or Delete).
		if body := act(t, s, id, "rename", map[string]string{"companyName": "Something else"}, http.StatusConflict); !strings.Contains(body, "retry it") {
			t.Fatalf("another action after a failed one: %s", body)
		}
		proxy.Set(testkit.FaultNone, 0)
		act(t, s, id, "retry", nil, http.StatusAccepted)
		s.WaitStatus(t, id, "ready", time.Minute)
		if acc, _ := ps.GetByExternalRef(ctx, "customer:"+id); acc.Name != "Action fault renamed" {
			t.Fatalf("account name %q", acc.Name)
		}
	})

	t.Run("one operation at a time; delete wins over a deployment", func(t *testing.T) {
		proxy.Set(testkit.FaultNone, 150*time.Millisecond) // a slow partner system keeps the deployment running
		id := addCustomer(t, s, "demo", "Slow deploy", "slow")
		deadline := time.Now().Add(time.Minute)
		for {
			c := getCustomer(t, s, id)
			if c.Status == "deploying" && strings.Contains(c.StatusStep, "partner_account") {
				break // mid-deployment, held up by the slow partner system
			}
			if c.Status != "deploying" || time.Now().After(deadline) {
				t.Fatalf("never saw the deployment at its partner-system step: %s %q", c.Status, c.StatusStep)
			}
			time.Sleep(20 * time.Millisecond)
		}
		body := act(t, s, id, "update", nil, http.StatusConflict)
		if !strings.Contains(body, "a deployment is running") {
			t.Fatalf("409 does not name the running operation: %s", body)
		}
		if code, body := s.Do(t, "DELETE", "/api/v1/customers/"+id, nil); code != http.StatusAccepted {
			t.Fatalf("delete during deployment: %d %s", code, body)
		}
		if code, _ := s.Do(t, "DELETE", "/api/v1/customers/"+id, nil); code != http.StatusConflict {
			t.Fatalf("second delete: %d, want 409", code)
		}
		s.WaitStatus(t, id, "gone", time.Minute)
		proxy.Set(testkit.FaultNone, 0)
		if s.App.Consoles.Exists(id) {
			t.Fatal("the customer's database was left behind")
		}
		if ok, _ := s.App.Store.ConsoleRouted(ctx, id); ok {
			t.Fatal("the route was left behind")
		}
		if acc, err := ps.GetByExternalRef(ctx, "customer:"+id); err == nil && acc.Status != "closed" {
			t.Fatalf("partner-system account left %s", acc.Status)
		}
	})
}

// TestIdempotentCreate: 50 concurrent identical requests with one key make
// one customer and the same answer; the key with another body is refused.
func TestIdempotentCreate(t *testing.T) {
	s := testkit.Start(t)
	body := `{"type":"customer","companyName":"Once Ltd","shortName":"once","contact":{"name":"A","email":"a@once.example"}}`
	var wg sync.WaitGroup
	answers := make([]string, 50)
	codes := make([]int, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", s.App.HubURL+"/api/v1/customers", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+s.Token)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", "create-once-1")
			resp, err := s.HTTP.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			var c testkit.Customer
			json.NewDecoder(resp.Body).Decode(&c)
			codes[i], answers[i] = resp.StatusCode, c.ID
		}()
	}
	wg.Wait()
	for i := range 50 {
		if codes[i] != http.StatusAccepted || answers[i] != answers[0] || answers[0] == "" {
			t.Fatalf("request %d: %d %q, first %q", i, codes[i], answers[i], answers[0])
		}
	}
	code, list := s.Do(t, "GET", "/api/v1/customers", nil)
	if n := strings.Count(string(list), `"id"`); code != 200 || n != 1 {
		t.Fatalf("%d customers after 50 identical requests: %s", n, list)
	}
	post := func(body string) (int, string) {
		req, _ := http.NewRequest("POST", s.App.HubURL+"/api/v1/customers", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+s.Token)
		req.Header.Set("Idempotency-Key", "create-once-1")
		resp, err := s.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var c testkit.Customer
		json.NewDecoder(resp.Body).Decode(&c)
		return resp.StatusCode, c.ID
	}
	// The same request written otherwise (spacing, key order, the type's
	// case) is the same request.
	same := `{ "contact": {"email": "a@once.example", "name": "A"},
		"shortName": "once", "companyName": "Once Ltd", "type": "CUSTOMER" }`
	if code, id := post(same); code != http.StatusAccepted || id != answers[0] {
		t.Fatalf("the same request written otherwise: %d %q, want 202 %q", code, id, answers[0])
	}
	if code, _ := post(strings.Replace(body, "Once Ltd", "Twice Ltd", 1)); code != http.StatusUnprocessableEntity {
		t.Fatalf("same key, other body: %d, want 422", code)
	}
}

// TestDemoExpiry: an expired DEMO stays while the partner has not chosen
// automatic removal, and is removed (nothing left) once they have.
func TestDemoExpiry(t *testing.T) {
	s := testkit.Start(t, func(c *config.Config) { c.ReconcileEvery = 200 * time.Millisecond })
	ctx := context.Background()
	id := addCustomer(t, s, "demo", "Expiring Demo", "expiring")
	keep := addCustomer(t, s, "demo", "Fresh Demo", "fresh")
	s.WaitStatus(t, id, "ready", time.Minute)
	s.WaitStatus(t, keep, "ready", time.Minute)
	if err := s.App.Store.ExtendDemo(ctx, getPartner(t, s), id, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	code, body := s.Do(t, "GET", "/api/v1/settings", nil)
	if code != 200 || !strings.Contains(string(body), `"demoAutoDelete":false`) {
		t.Fatalf("settings: %d %s", code, body)
	}
	time.Sleep(time.Second) // several reconciler rounds: the expired DEMO must stay
	if c := getCustomer(t, s, id); c.Status != "ready" {
		t.Fatalf("expired DEMO removed without the setting: %s", c.Status)
	}
	if code, body := s.Do(t, "PATCH", "/api/v1/settings", map[string]any{"demoAutoDelete": "yes"}); code != http.StatusBadRequest {
		t.Fatalf("wrong type: %d %s", code, body)
	}
	if code, body := s.Do(t, "PATCH", "/api/v1/settings", map[string]any{"demoAutoDelete": true}); code != 200 {
		t.Fatalf("patch settings: %d %s", code, body)
	}
	s.WaitStatus(t, id, "gone", time.Minute)
	if s.App.Consoles.Exists(id) {
		t.Fatal("the expired DEMO's database is left")
	}
	if c := getCustomer(t, s, keep); c.Status != "ready" {
		t.Fatalf("a DEMO that has not expired was touched: %s", c.Status)
	}
}

// TestSecondServerOnOneDataDir: a second process on the same SQLite data
// directory is refused with a message, and a taken port is a clean error.
func TestSecondServerOnOneDataDir(t *testing.T) {
	s := testkit.Start(t)
	cfg := config.Defaults()
	cfg.DataDir = s.DataDir
	cfg.Addr, cfg.ConsoleAddr, cfg.PartnerSystemAddr, cfg.MetricsAddr = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	_, err := app.Open(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "already running on the data directory") {
		t.Fatalf("second server: %v", err)
	}
	cfg.DataDir = t.TempDir()
	cfg.Addr = strings.TrimPrefix(s.App.HubURL, "http://")
	if _, err := app.Open(context.Background(), cfg, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "listen on") {
		t.Fatalf("taken port: %v", err)
	}
}

// TestConcurrentSuggestedShortNames: concurrent adds that leave the short
// name to the suggestion all succeed, each with its own short name.
func TestConcurrentSuggestedShortNames(t *testing.T) {
	s := testkit.Start(t)
	var wg sync.WaitGroup
	names := make(chan string, 10)
	for range 10 {
		wg.Go(func() {
			code, body := s.Do(t, "POST", "/api/v1/customers", map[string]any{"type": "customer", "companyName": "Crash Co",
				"contact": map[string]string{"name": "C", "email": "c@crash.example"}})
			var c testkit.Customer
			json.Unmarshal(body, &c)
			if code != http.StatusAccepted {
				t.Errorf("create: %d %s", code, body)
			}
			names <- c.ShortName
		})
	}
	wg.Wait()
	close(names)
	seen := map[string]bool{}
	for n := range names {
		if seen[strings.ToLower(n)] {
			t.Errorf("short name %q given twice", n)
		}
		seen[strings.ToLower(n)] = true
	}
	code, body := s.Do(t, "POST", "/api/v1/customers", map[string]any{"type": "customer", "companyName": "Bad\x07Co",
		"contact": map[string]string{"name": "C", "email": "c@crash.example"}})
	if code != http.StatusUnprocessableEntity || strings.Contains(string(body), "shortName") {
		t.Fatalf("an invalid company name also blamed the short name: %d %s", code, body)
	}
}

var attemptOf8 = regexp.MustCompile(`attempt ([1-8]) of 8`)

// TestDeleteAfterRetryingDeploy: a delete that wins over a deployment that
// was retrying counts its own attempts from one, and finishes.
func TestDeleteAfterRetryingDeploy(t *testing.T) {
	s, proxy, ps := testkit.StartWithFaults(t, func(c *config.Config) {
		c.RetryBase, c.RetryMax, c.PartnerSystemTimeout = 100*time.Millisecond, 300*time.Millisecond, 300*time.Millisecond
	})
	proxy.Set(testkit.FaultError, 0)
	id := addCustomer(t, s, "customer", "Retrying Co", "retrying")
	// Wait until the deployment has spent a few attempts and is still
	// retrying. Each "attempt N of 8" shows only for one backoff (150 to
	// 300 ms here), so the test waits for any of the later ones rather than
	// for one exact attempt that a slow poll can miss.
	deadline := time.Now().Add(time.Minute)
	for {
		c := getCustomer(t, s, id)
		if m := attemptOf8.FindStringSubmatch(c.StatusReason); c.Status == "deploying" && m != nil && m[1] >= "4" {
			break
		}
		if c.Status != "deploying" || time.Now().After(deadline) {
			t.Fatalf("the deployment did not retry (or stopped retrying before the test saw attempt 4): %+v", c)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, body := s.Do(t, "DELETE", "/api/v1/customers/"+id, nil); code != http.StatusAccepted {
		t.Fatalf("delete: %d %s", code, body)
	}
	c := s.WaitStatus(t, id, "delete_failed", time.Minute) // the partner system is still failing
	if !strings.Contains(c.StatusReason, "after 8 attempts") {
		t.Fatalf("reason %q", c.StatusReason)
	}
	code, body := s.Do(t, "GET", "/api/v1/customers/"+id+"/operations", nil)
	if code != 200 || !strings.Contains(string(body), `Removing the console route failed`) && !strings.Contains(string(body), "Closing the account in the partner system failed") {
		t.Fatalf("operations: %s", body)
	}
	// The delete's first retry says attempt 2, not the deployment's count.
	ops := string(body)
	delStart := strings.Index(ops, `"to":"deleting"`)
	if delStart < 0 || !strings.Contains(ops[delStart:], "attempt 2 of 8") {
		t.Fatalf("the deletion did not count its attempts from one: %s", ops[delStart:])
	}
	proxy.Set(testkit.FaultNone, 0)
	act(t, s, id, "retry", nil, http.StatusAccepted)
	s.WaitStatus(t, id, "gone", time.Minute)
	if accs, _ := ps.List(context.Background(), partnersystem.ListFilter{ExternalRef: "customer:" + id}); len(accs) > 1 {
		t.Fatalf("%d accounts", len(accs))
	}
}
