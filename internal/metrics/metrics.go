// Package metrics is partnerhub's Prometheus instrumentation for operators:
// one registry per process (per App, so several Apps in one test binary
// never collide), the metric definitions, the HTTP middleware, the
// collectors that count at scrape time, and the small functions the domain
// packages' hooks are wired to. The domain packages do not import it: they
// expose a hook (deploy's OnStep, hub's OnSignIn, the partner-system
// client's Observe) and internal/app connects the two.
//
// No metric carries a partner or customer label: the metrics listener is
// for the vendor's operators, and per-partner series would both leak one
// partner's activity next to another's and grow without bound.
package metrics

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

const namespace = "partnerhub"

// Metrics holds one process's registry and the metrics the rest of
// partnerhub feeds.
type Metrics struct {
	Registry *prometheus.Registry
	log      *slog.Logger

	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	httpInFlight *prometheus.GaugeVec

	steps        *prometheus.CounterVec
	stepDuration *prometheus.HistogramVec
	operations   *prometheus.CounterVec

	psCalls    *prometheus.CounterVec
	psDuration *prometheus.HistogramVec

	signIns *prometheus.CounterVec
}

// New makes a registry with the Go runtime, process and build collectors
// and partnerhub's own metrics. log hears collectors that fail at scrape
// time (a database that does not answer).
func New(log *slog.Logger) *Metrics {
	if log == nil {
		log = slog.Default()
	}
	reg := prometheus.NewRegistry()
	m := &Metrics{Registry: reg, log: log}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewBuildInfoCollector(),
	)

	m.httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Subsystem: "http", Name: "requests_total",
		Help: "HTTP requests answered, by listener (hub, console, partner-system), route pattern, method and status code.",
	}, []string{"listener", "route", "method", "code"})
	m.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Subsystem: "http", Name: "request_duration_seconds",
		Help:    "Time from a request's arrival at the listener's handler to its handler's return (for event streams: the stream's life).",
		Buckets: prometheus.DefBuckets,
	}, []string{"listener", "route", "method", "code"})
	m.httpInFlight = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace, Subsystem: "http", Name: "requests_in_flight",
		Help: "HTTP requests being served now, by listener (open event streams included).",
	}, []string{"listener"})

	m.steps = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "operation_steps_total",
		Help: "Steps of deployments, deletions and actions run, by operation, step and result (ok, failed, canceled).",
	}, []string{"op", "step", "result"})
	m.stepDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "operation_step_duration_seconds",
		Help:    "How long one run of a step took, by step, whatever its result.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
	}, []string{"step"})
	m.operations = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "operations_total",
		Help: "Deployments, deletions and actions that ended, by operation and result (done, failed).",
	}, []string{"op", "result"})

	m.psCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Subsystem: "partner_system", Name: "calls_total",
		Help: "Calls of the hub's partner-system client, by operation and outcome.",
	}, []string{"op", "outcome"})
	m.psDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Subsystem: "partner_system", Name: "call_duration_seconds",
		Help:    "How long one call of the partner-system client took, by operation, whatever its outcome.",
		Buckets: prometheus.DefBuckets,
	}, []string{"op"})

	m.signIns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "sign_ins_total",
		Help: "Sign-in attempts, by method (password, oidc, handoff, console_password) and result (ok, bad_credentials, locked, denied, error).",
	}, []string{"method", "result"})

	reg.MustRegister(m.httpRequests, m.httpDuration, m.httpInFlight, m.steps, m.stepDuration, m.operations,
		m.psCalls, m.psDuration, m.signIns)
	return m
}

// Handler serves the registry in Prometheus' text (or protobuf) format. A
// collector that fails is logged and left out of that scrape rather than
// failing it, so the rest stays visible; promhttp's own scrape counters
// (promhttp_metric_handler_requests_total) are included.
func (m *Metrics) Handler() http.Handler {
	return promhttp.InstrumentMetricHandler(m.Registry, promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(m.log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
		Registry:      m.Registry,
		Timeout:       10 * time.Second,
	}))
}

// Step records one run of a deployment, deletion or action step; it is
// deploy.Worker's OnStep.
func (m *Metrics) Step(op, step, result string, took time.Duration) {
	m.steps.WithLabelValues(op, step, result).Inc()
	m.stepDuration.WithLabelValues(step).Observe(took.Seconds())
}

// Operation records an operation that ended; it is deploy.Worker's OnOperation.
func (m *Metrics) Operation(op, result string) {
	m.operations.WithLabelValues(op, result).Inc()
}

// PartnerSystemCall records one call of the partner-system client; it is
// partnersystem.Client's Observe.
func (m *Metrics) PartnerSystemCall(op, outcome string, took time.Duration) {
	m.psCalls.WithLabelValues(op, outcome).Inc()
	m.psDuration.WithLabelValues(op).Observe(took.Seconds())
}

// SignIn records a sign-in attempt; it is hub.Service's OnSignIn.
func (m *Metrics) SignIn(method, result string) {
	m.signIns.WithLabelValues(method, result).Inc()
}
