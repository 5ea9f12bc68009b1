package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"partnerhub/internal/config"
	"partnerhub/internal/testkit"
	"partnerhub/internal/testkit/pgtest"
)

// TestMetrics adds a customer through the API until it is ready, signs in,
// visits its console, and then scrapes the metrics listener over HTTP as
// Prometheus would: every series the operator relies on is there with the
// values this traffic must have produced, and nothing is reachable on the
// partners' listeners. It runs on SQLite, and on PostgreSQL when
// PARTNERHUB_TEST_DATABASE_URL is set (the scrape-time queries differ).
func TestMetrics(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testMetrics(t, testkit.Start(t)) })
	t.Run("postgres", func(t *testing.T) {
		dsn := pgtest.Database(t)
		testMetrics(t, testkit.Start(t, func(c *config.Config) { c.DatabaseURL = dsn }))
	})
}

func testMetrics(t *testing.T, s *testkit.Server) {
	a := s.App
	if !strings.HasSuffix(a.MetricsURL, "/metrics") || strings.Contains(a.MetricsURL, ":8083") {
		t.Fatalf("MetricsURL = %q, want a free port's /metrics", a.MetricsURL)
	}
	metricsBase := strings.TrimSuffix(a.MetricsURL, "/metrics")

	// The partners' listeners do not serve the metrics.
	for name, base := range map[string]string{"hub": a.HubURL, "console": a.ConsoleURL, "partner system": a.PartnerSystemURL} {
		if code, _ := get(t, base+"/metrics"); code != http.StatusNotFound {
			t.Errorf("%s listener: GET /metrics = %d, want 404", name, code)
		}
	}
	// The metrics listener answers the same probes as the hub's.
	for _, probe := range []string{"/healthz", "/readyz"} {
		if code, body := get(t, metricsBase+probe); code != http.StatusOK {
			t.Errorf("metrics listener: GET %s = %d %s", probe, code, body)
		}
	}

	code, body := s.Do(t, "POST", "/api/v1/customers", map[string]any{
		"type": "customer", "companyName": "Metrics Ltd", "contact": map[string]string{"name": "Ada", "email": "ada@metrics.example"},
	})
	if code != http.StatusAccepted {
		t.Fatalf("create: %d %s", code, body)
	}
	var c testkit.Customer
	if err := json.Unmarshal(body, &c); err != nil {
		t.Fatal(err)
	}
	s.WaitStatus(t, c.ID, "ready", 60*time.Second)

	web := newWebClient(t, a.HubURL)
	if resp, _ := web.post("/signin", url.Values{"email": {s.AdminEmail}, "password": {"not the password"}}); resp.StatusCode == http.StatusSeeOther {
		t.Fatal("a wrong password signed in")
	}
	web.signIn(s.AdminEmail, s.AdminPassword)
	code, body = s.Do(t, "POST", "/api/v1/customers/"+c.ID+"/visit", nil)
	var visit struct{ URL string }
	if code != http.StatusOK || json.Unmarshal(body, &visit) != nil {
		t.Fatalf("visit: %d %s", code, body)
	}
	jar, _ := cookiejar.New(nil)
	resp, err := (&http.Client{Jar: jar, Timeout: 30 * time.Second}).Get(visit.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("hand-off: %d", resp.StatusCode)
	}

	code, body = get(t, a.MetricsURL)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", a.MetricsURL, code, body)
	}
	m := parseMetrics(t, body)

	// Every deployment step ran once and succeeded, and was timed.
	for _, step := range []string{"database", "seed", "access", "partner_account", "route", "verify"} {
		m.want(t, "partnerhub_operation_steps_total", labels{"op": "deploy", "step": step, "result": "ok"}, 1)
		if n := m.value(t, "partnerhub_operation_step_duration_seconds", labels{"step": step}); n != 1 {
			t.Errorf("step %s: duration histogram counted %v runs, want 1", step, n)
		}
	}
	m.want(t, "partnerhub_operations_total", labels{"op": "deploy", "result": "done"}, 1)

	// Scrape-time counts, from the database: one ready customer, every
	// status reported, no job left running.
	m.want(t, "partnerhub_customers", labels{"status": "ready"}, 1)
	m.want(t, "partnerhub_customers", labels{"status": "deploying"}, 0)
	if n := len(m.series("partnerhub_customers")); n != 8 {
		t.Errorf("partnerhub_customers has %d series, want the 8 statuses", n)
	}
	m.want(t, "partnerhub_jobs", labels{"state": "running"}, 0)
	if n := len(m.series("partnerhub_jobs")); n != 7 {
		t.Errorf("partnerhub_jobs has %d series, want 7 states", n)
	}
	m.want(t, "partnerhub_scrape_collector_success", labels{"collector": "customers"}, 1)
	m.want(t, "partnerhub_scrape_collector_success", labels{"collector": "jobs"}, 1)

	// HTTP by listener, route pattern (not the path), method and code.
	m.want(t, "partnerhub_http_requests_total", labels{"listener": "hub", "route": "/api/v1/customers", "method": "POST", "code": "202"}, 1)
	m.want(t, "partnerhub_http_requests_total", labels{"listener": "hub", "route": "/api/v1/customers/{id}/visit", "method": "POST", "code": "200"}, 1)
	m.want(t, "partnerhub_http_requests_total", labels{"listener": "hub", "route": "/signin", "method": "POST", "code": "303"}, 1)
	m.want(t, "partnerhub_http_requests_total", labels{"listener": "hub", "route": "/", "method": "GET", "code": "404"}, 1) // GET /metrics
	m.want(t, "partnerhub_http_requests_total", labels{"listener": "console", "route": "/c/{customerID}/healthz", "method": "GET", "code": "200"}, 1)
	m.want(t, "partnerhub_http_requests_total", labels{"listener": "partner-system", "route": "/api/v1/accounts", "method": "POST", "code": "201"}, 2)
	if n := m.value(t, "partnerhub_http_request_duration_seconds", labels{"listener": "hub", "route": "/api/v1/customers", "method": "POST", "code": "202"}); n != 1 {
		t.Errorf("POST /api/v1/customers: duration histogram counted %v, want 1", n)
	}
	m.want(t, "partnerhub_http_requests_in_flight", labels{"listener": "hub"}, 0)

	// The partner system was called for the partner's account and the customer's.
	m.want(t, "partnerhub_partner_system_calls_total", labels{"op": "ensure_account", "outcome": "ok"}, 2)
	if n := m.value(t, "partnerhub_partner_system_call_duration_seconds", labels{"op": "ensure_account"}); n != 2 {
		t.Errorf("ensure_account: duration histogram counted %v, want 2", n)
	}

	m.want(t, "partnerhub_sign_ins_total", labels{"method": "password", "result": "ok"}, 1)
	m.want(t, "partnerhub_sign_ins_total", labels{"method": "password", "result": "bad_credentials"}, 1)
	m.want(t, "partnerhub_sign_ins_total", labels{"method": "handoff", "result": "ok"}, 1)

	// The runtime, the process and the database pools are there too.
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total", "go_sql_open_connections", "go_build_info"} {
		if len(m.series(name)) == 0 {
			t.Errorf("%s is missing", name)
		}
	}
	// No series names a partner or a customer.
	for name, fam := range m {
		for _, s := range fam.GetMetric() {
			for _, l := range s.GetLabel() {
				if strings.Contains(l.GetValue(), c.ID) || strings.Contains(l.GetName(), "partner_id") || strings.Contains(l.GetName(), "customer") {
					t.Errorf("%s{%s=%q} names a partner or customer", name, l.GetName(), l.GetValue())
				}
			}
		}
	}
}

// TestMetricsOff: --metrics-addr off leaves the listener out.
func TestMetricsOff(t *testing.T) {
	s := testkit.Start(t, func(c *config.Config) { c.MetricsAddr = config.MetricsOff })
	if s.App.MetricsURL != "" {
		t.Fatalf("MetricsURL = %q with the listener off", s.App.MetricsURL)
	}
	// The rest serves as ever (and, answering, has finished starting).
	if code, body := get(t, s.App.HubURL+"/healthz"); code != http.StatusOK {
		t.Fatalf("hub /healthz: %d %s", code, body)
	}
}

func get(t *testing.T, u string) (int, []byte) {
	t.Helper()
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// scraped is a parsed scrape, by metric family name.
type scraped map[string]*dto.MetricFamily

type labels map[string]string

func parseMetrics(t *testing.T, body []byte) scraped {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("parse the scrape: %v\n%s", err, body)
	}
	return fams
}

// series are the samples of the family name.
func (s scraped) series(name string) []*dto.Metric {
	if f := s[name]; f != nil {
		return f.GetMetric()
	}
	return nil
}

// value is the value of the one series of name with exactly these labels:
// a counter's or gauge's value, a histogram's count. It fails the test
// when there is no such series.
func (s scraped) value(t *testing.T, name string, want labels) float64 {
	t.Helper()
	for _, m := range s.series(name) {
		if len(m.GetLabel()) != len(want) {
			continue
		}
		match := true
		for _, l := range m.GetLabel() {
			if v, ok := want[l.GetName()]; !ok || v != l.GetValue() {
				match = false
			}
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	var have []string
	for _, m := range s.series(name) {
		var ls []string
		for _, l := range m.GetLabel() {
			ls = append(ls, l.GetName()+"="+l.GetValue())
		}
		have = append(have, "{"+strings.Join(ls, ",")+"}")
	}
	sort.Strings(have)
	t.Errorf("no series %s%v; have:\n  %s", name, want, strings.Join(have, "\n  "))
	return -1
}

func (s scraped) want(t *testing.T, name string, l labels, v float64) {
	t.Helper()
	if got := s.value(t, name, l); got != v && got != -1 {
		t.Errorf("%s%v = %v, want %v", name, l, got, v)
	}
}
