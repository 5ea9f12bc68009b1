package partnersystem

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const testKey = "test-key-0123456789"

// scenario is one HTTP exchange: what is sent and what must come back.
// "{partner}" and "{customer}" in path are replaced with the seeded ids.
type scenario struct {
	name       string
	method     string
	path       string
	key        string // "" sends no Authorization header
	header     map[string]string
	body       string
	wantStatus int
	wantType   string   // Content-Type prefix
	want       []string // substrings of the body
}

func TestHandlerScenarios(t *testing.T) {
	big := `{"kind":"partner","name":"` + strings.Repeat("a", 1<<20) + `","externalRef":"big"}`
	problem := "application/problem+json"
	scenarios := []scenario{
		{name: "health needs no key", method: "GET", path: "/healthz", wantStatus: 200, wantType: "application/json", want: []string{`"status":"ok"`}},
		{name: "no key", method: "GET", path: "/api/v1/accounts", wantStatus: 401, wantType: problem, want: []string{`"status":401`}},
		{name: "wrong key", method: "GET", path: "/api/v1/accounts", key: "wrong", wantStatus: 401, wantType: problem},
		{name: "key not as bearer", method: "GET", path: "/api/v1/accounts", header: map[string]string{"Authorization": "Basic " + testKey}, wantStatus: 401, wantType: problem},
		{name: "wrong key before body is read", method: "POST", path: "/api/v1/accounts", key: "wrong", body: `{`, wantStatus: 401, wantType: problem},
		{name: "create partner", method: "POST", path: "/api/v1/accounts", key: testKey, body: `{"kind":"partner","name":"New","externalRef":"partner:2"}`,
			wantStatus: 201, wantType: "application/json", want: []string{`"externalRef":"partner:2"`, `"status":"active"`, `"id":"acc_`}},
		{name: "create existing", method: "POST", path: "/api/v1/accounts", key: testKey, body: `{"kind":"partner","name":"Seed","externalRef":"partner:1"}`,
			wantStatus: 200, want: []string{`"id":"{partner}"`}},
		{name: "create customer linked", method: "POST", path: "/api/v1/accounts", key: testKey, header: map[string]string{"Idempotency-Key": "customer:2"},
			body: `{"kind":"customer","name":"C2","externalRef":"customer:2","parentExternalRef":"partner:1"}`, wantStatus: 201, want: []string{`"parentAccountId":"{partner}"`}},
		{name: "idempotency key differs", method: "POST", path: "/api/v1/accounts", key: testKey, header: map[string]string{"Idempotency-Key": "other"},
			body: `{"kind":"partner","name":"X","externalRef":"partner:3"}`, wantStatus: 422, wantType: problem, want: []string{`"Idempotency-Key"`}},
		{name: "bad JSON", method: "POST", path: "/api/v1/accounts", key: testKey, body: `{"kind":`, wantStatus: 400, wantType: problem, want: []string{"not valid JSON"}},
		{name: "wrong JSON type", method: "POST", path: "/api/v1/accounts", key: testKey, body: `{"kind":"partner","name":7,"externalRef":"x"}`,
			wantStatus: 400, wantType: problem, want: []string{`"errors":{"name":`}},
		{name: "body not an object", method: "POST", path: "/api/v1/accounts", key: testKey, body: `["a"]`, wantStatus: 400, wantType: problem},
		{name: "unknown field", method: "POST", path: "/api/v1/accounts", key: testKey, body: `{"kind":"partner","name":"A","externalRef":"x","owner":"me"}`,
			wantStatus: 400, wantType: problem, want: []string{`"owner"`}},
		{name: "trailing data", method: "POST", path: "/api/v1/accounts", key: testKey, body: `{"kind":"partner","name":"A","externalRef":"x"} {}`, wantStatus: 400, wantType: problem},
		{name: "empty body", method: "POST", path: "/api/v1/accounts", key: testKey, wantStatus: 400, wantType: problem},
		{name: "1 MiB body", method: "POST", path: "/api/v1/accounts", key: testKey, body: big, wantStatus: 413, wantType: problem},
		{name: "invalid fields", method: "POST", path: "/api/v1/accounts", key: testKey, body: `{"kind":"reseller","name":"","externalRef":"x"}`,
			wantStatus: 422, wantType: problem, want: []string{`"kind":`, `"name":`}},
		{name: "customer without partner", method: "POST", path: "/api/v1/accounts", key: testKey, body: `{"kind":"customer","name":"C","externalRef":"customer:9","parentExternalRef":"partner:404"}`,
			wantStatus: 422, wantType: problem, want: []string{`"parentExternalRef"`}},
		{name: "list", method: "GET", path: "/api/v1/accounts", key: testKey, wantStatus: 200, want: []string{`"items":[`, `"id":"{partner}"`, `"id":"{customer}"`}},
		{name: "list by kind", method: "GET", path: "/api/v1/accounts?kind=customer&status=active", key: testKey, wantStatus: 200, want: []string{`"id":"{customer}"`, `"parentAccountId":"{partner}"`}},
		{name: "list by ref", method: "GET", path: "/api/v1/accounts?externalRef=customer:1", key: testKey, wantStatus: 200, want: []string{`"externalRef":"customer:1"`}},
		{name: "list by parent", method: "GET", path: "/api/v1/accounts?parentAccountId={partner}", key: testKey, wantStatus: 200, want: []string{`"id":"{customer}"`}},
		{name: "list empty", method: "GET", path: "/api/v1/accounts?externalRef=nope", key: testKey, wantStatus: 200, want: []string{`{"items":[]}`}},
		{name: "list bad filter", method: "GET", path: "/api/v1/accounts?kind=reseller", key: testKey, wantStatus: 422, wantType: problem},
		{name: "get", method: "GET", path: "/api/v1/accounts/{customer}", key: testKey, wantStatus: 200, want: []string{`"kind":"customer"`}},
		{name: "get unknown", method: "GET", path: "/api/v1/accounts/acc_nope", key: testKey, wantStatus: 404, wantType: problem, want: []string{`"status":404`}},
		{name: "rename", method: "PATCH", path: "/api/v1/accounts/{customer}", key: testKey, body: `{"name":"Renamed"}`, wantStatus: 200, want: []string{`"name":"Renamed"`}},
		{name: "rename empty", method: "PATCH", path: "/api/v1/accounts/{customer}", key: testKey, body: `{"name":" "}`, wantStatus: 422, wantType: problem},
		{name: "rename unknown field", method: "PATCH", path: "/api/v1/accounts/{customer}", key: testKey, body: `{"status":"closed"}`, wantStatus: 400, wantType: problem},
		{name: "rename unknown", method: "PATCH", path: "/api/v1/accounts/acc_nope", key: testKey, body: `{"name":"X"}`, wantStatus: 404, wantType: problem},
		{name: "close", method: "POST", path: "/api/v1/accounts/{customer}/close", key: testKey, wantStatus: 200, want: []string{`"status":"closed"`, `"closedAt":`}},
		{name: "close again", method: "POST", path: "/api/v1/accounts/{customer}/close", key: testKey, wantStatus: 200, want: []string{`"status":"closed"`}},
		{name: "close unknown", method: "POST", path: "/api/v1/accounts/acc_nope/close", key: testKey, wantStatus: 404, wantType: problem},
		{name: "wrong method", method: "DELETE", path: "/api/v1/accounts/{customer}", key: testKey, wantStatus: 405, wantType: problem},
		{name: "unknown route", method: "GET", path: "/api/v2/things", key: testKey, wantStatus: 404, wantType: problem},
	}

	svc := setup(t)
	p := mustCreate(t, svc, partner("partner:1"))
	c := mustCreate(t, svc, customer("customer:1", "partner:1"))
	srv := httptest.NewServer(NewHandler(svc, testKey))
	t.Cleanup(srv.Close)
	fill := strings.NewReplacer("{partner}", p.ID, "{customer}", c.ID).Replace

	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			req, err := http.NewRequest(sc.method, srv.URL+fill(sc.path), strings.NewReader(sc.body))
			if err != nil {
				t.Fatal(err)
			}
			if sc.key != "" {
				req.Header.Set("Authorization", "Bearer "+sc.key)
			}
			for k, v := range sc.header {
				req.Header.Set(k, v)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != sc.wantStatus {
				t.Errorf("status = %d, want %d; body %s", resp.StatusCode, sc.wantStatus, body)
			}
			if ct := resp.Header.Get("Content-Type"); sc.wantType != "" && !strings.HasPrefix(ct, sc.wantType) {
				t.Errorf("Content-Type = %q, want %q", ct, sc.wantType)
			}
			for _, w := range sc.want {
				if !strings.Contains(string(body), fill(w)) {
					t.Errorf("body lacks %s: %s", fill(w), body)
				}
			}
			if resp.StatusCode >= 400 {
				checkProblem(t, resp.StatusCode, body)
			}
		})
	}
}

// checkProblem holds every error body to the RFC 9457 shape.
func checkProblem(t *testing.T, status int, body []byte) {
	t.Helper()
	var p Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("error body is not JSON: %v: %s", err, body)
	}
	if p.Type == "" || p.Title == "" || p.Status != status || p.Detail == "" {
		t.Errorf("problem %+v lacks type, title, detail or the right status %d", p, status)
	}
}

func TestHandlerWithoutKeyRefusesEveryone(t *testing.T) {
	srv := httptest.NewServer(NewHandler(setup(t), ""))
	t.Cleanup(srv.Close)
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/accounts", nil)
	req.Header.Set("Authorization", "Bearer ")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("empty key configured: status %d, want 401", resp.StatusCode)
	}
}
