package metrics_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"partnerhub/internal/metrics"
)

// TestInstrumentLabels serves requests through nested muxes, as the hub
// does, over a real listener, and checks the series each one lands in.
func TestInstrumentLabels(t *testing.T) {
	inner := http.NewServeMux()
	inner.HandleFunc("POST /api/v1/customers/{id}/actions/{action}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	})
	inner.HandleFunc("GET /api/v1/events", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusEarlyHints) // informational: not the answer
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("flush through the middleware: %v", err)
		}
		io.WriteString(w, "data: x\n\n")
	})
	inner.HandleFunc("POST /api/v1/panic", func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) })
	outer := http.NewServeMux()
	outer.Handle("/api/", inner)
	outer.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {})

	m := metrics.New(slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(m.Instrument("hub", outer))
	defer srv.Close()
	for _, req := range []struct{ method, path string }{
		{"POST", "/api/v1/customers/c1/actions/rename"},
		{"POST", "/api/v1/customers/c2/actions/convert"},
		{"GET", "/api/v1/events"},
		{"GET", "/"},
		{"GET", "/nowhere"},            // no pattern matches: the mux's own 404
		{"BREW", "/api/v1/customers/"}, // a method of the client's own invention; the inner mux's 404
		{"POST", "/api/v1/panic"},      // POST: the client does not retry it
	} {
		r, _ := http.NewRequest(req.method, srv.URL+req.path, nil)
		if resp, err := http.DefaultClient.Do(r); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}

	want := `
# HELP partnerhub_http_requests_total HTTP requests answered, by listener (hub, console, partner-system), route pattern, method and status code.
# TYPE partnerhub_http_requests_total counter
partnerhub_http_requests_total{code="200",listener="hub",method="GET",route="/api/v1/events"} 1
partnerhub_http_requests_total{code="200",listener="hub",method="GET",route="/{$}"} 1
partnerhub_http_requests_total{code="202",listener="hub",method="POST",route="/api/v1/customers/{id}/actions/{action}"} 2
partnerhub_http_requests_total{code="404",listener="hub",method="GET",route="unmatched"} 1
partnerhub_http_requests_total{code="404",listener="hub",method="OTHER",route="unmatched"} 1
partnerhub_http_requests_total{code="500",listener="hub",method="POST",route="/api/v1/panic"} 1
`
	if err := testutil.GatherAndCompare(m.Registry, strings.NewReader(want), "partnerhub_http_requests_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(m.Registry, "partnerhub_http_request_duration_seconds"); n != 6 {
		t.Errorf("duration histogram has %d series, want 6 (one per counter series)", n)
	}
}

// TestCountCollector: the counts come from the query at each scrape, every
// known value is reported, and a failing or slow query leaves its gauge
// out with success 0 instead of failing the scrape.
func TestCountCollector(t *testing.T) {
	m := metrics.New(slog.New(slog.DiscardHandler))
	var answer map[string]int
	var fail error
	var delay time.Duration
	m.RegisterCount(metrics.Count{
		Name: "things", Help: "Things by colour.", Label: "colour", Values: []string{"red", "green"},
		Timeout: 50 * time.Millisecond,
		Query: func(ctx context.Context) (map[string]int, error) {
			select {
			case <-time.After(delay):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			return answer, fail
		},
	})
	check := func(want string) {
		t.Helper()
		if err := testutil.GatherAndCompare(m.Registry, strings.NewReader(want), "partnerhub_things", "partnerhub_scrape_collector_success"); err != nil {
			t.Error(err)
		}
	}
	const success = `
# HELP partnerhub_scrape_collector_success Whether a collector that queries the database at scrape time succeeded (1) or failed or timed out (0), by collector.
# TYPE partnerhub_scrape_collector_success gauge
`
	const things = `
# HELP partnerhub_things Things by colour.
# TYPE partnerhub_things gauge
`
	answer = map[string]int{"red": 3, "blue": 1}
	check(things + `partnerhub_things{colour="blue"} 1
partnerhub_things{colour="green"} 0
partnerhub_things{colour="red"} 3
` + success + `partnerhub_scrape_collector_success{collector="things"} 1
`)
	fail = errors.New("database down")
	check(success + `partnerhub_scrape_collector_success{collector="things"} 0
`)
	fail, delay = nil, time.Second
	start := time.Now()
	check(success + `partnerhub_scrape_collector_success{collector="things"} 0
`)
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Errorf("a slow query held the scrape for %s; the timeout is 50ms", took)
	}
}

// TestHandler: the registry is served in Prometheus' text format with the
// runtime's and the process's metrics.
func TestHandler(t *testing.T) {
	m := metrics.New(nil)
	m.Step("deploy", "seed", "ok", 20*time.Millisecond)
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`partnerhub_operation_steps_total{op="deploy",result="ok",step="seed"} 1`,
		`partnerhub_operation_step_duration_seconds_bucket{step="seed",le="0.025"} 1`,
		"go_goroutines ", "process_resident_memory_bytes ", "go_build_info{",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("the scrape lacks %q", want)
		}
	}
}

// TestRegistriesApart: two registries (two Apps in one test binary) count
// on their own.
func TestRegistriesApart(t *testing.T) {
	a, b := metrics.New(nil), metrics.New(nil)
	a.SignIn("password", "ok")
	if n := testutil.CollectAndCount(b.Registry, "partnerhub_sign_ins_total"); n != 0 {
		t.Errorf("b has %d sign-in series after a counted one", n)
	}
}
