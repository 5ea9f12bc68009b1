package metrics

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Instrument wraps one listener's whole handler: every request it answers
// is counted and timed by listener, route, method and status code.
//
// The route is the pattern of the ServeMux that took the request, never the
// raw path, so the number of series is bounded by the route tables. It is
// read after the handler returns: the muxes of partnerhub are nested (the
// probes, then the hub's split between /api/ and the UI, then each one's
// route table) and every mux sets the Pattern of the request it was given,
// which is this same *http.Request as long as nothing between here and the
// innermost mux replaces it (r.WithContext would). Then the innermost,
// most specific pattern is what is seen; a middleware that did replace the
// request would leave its outer mux's pattern ("/api/"), coarser but still
// bounded. Requests no pattern matched are labelled "unmatched".
func (m *Metrics) Instrument(listener string, next http.Handler) http.Handler {
	return &instrumented{
		next:     next,
		listener: listener,
		inFlight: m.httpInFlight.WithLabelValues(listener),
		requests: m.httpRequests,
		duration: m.httpDuration,
	}
}

type instrumented struct {
	next     http.Handler
	listener string
	inFlight prometheus.Gauge
	// The vectors, not curried ones: a curried histogram is an interface,
	// through which the label values escape (one allocation per request).
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func (h *instrumented) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	h.inFlight.Inc()
	rec := &recorder{ResponseWriter: w}
	returned := false
	defer func() {
		h.inFlight.Dec()
		code := rec.code
		switch {
		case !returned:
			code = http.StatusInternalServerError // the handler panicked; net/http drops the connection
		case code == 0:
			code = http.StatusOK // nothing written: net/http sends 200
		}
		route, method, c := routeOf(r.Pattern), methodOf(r.Method), codeOf(code)
		h.requests.WithLabelValues(h.listener, route, method, c).Inc()
		h.duration.WithLabelValues(h.listener, route, method, c).Observe(time.Since(start).Seconds())
	}()
	h.next.ServeHTTP(rec, r)
	returned = true
}

// routeOf is the path part of a ServeMux pattern: "POST /api/v1/customers"
// becomes "/api/v1/customers" (the method has its own label).
func routeOf(pattern string) string {
	if pattern == "" {
		return "unmatched"
	}
	if _, path, ok := strings.Cut(pattern, " "); ok {
		return strings.TrimLeft(path, " \t")
	}
	return pattern
}

// methodOf keeps the label's values to the standard methods: a client can
// send any token as a method, and each would otherwise be a new series.
func methodOf(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

// codes are the status codes' labels, made once: strconv.Itoa allocates
// for every number above 99.
var codes = func() (c [500]string) {
	for i := range c {
		c[i] = strconv.Itoa(100 + i)
	}
	return c
}()

func codeOf(code int) string {
	if code >= 100 && code < 600 {
		return codes[code-100]
	}
	return strconv.Itoa(code)
}

// recorder remembers the status code a handler sends. Flush and Unwrap keep
// http.ResponseController working through it (the live event streams
// flush and set deadlines through one).
type recorder struct {
	http.ResponseWriter
	code int
}

func (r *recorder) WriteHeader(code int) {
	// 1xx answers (103 Early Hints) come before the real one, except 101.
	if r.code == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// FlushError is what http.ResponseController.Flush calls first.
func (r *recorder) FlushError() error {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return http.NewResponseController(r.ResponseWriter).Flush()
}

// Flush serves callers that assert http.Flusher.
func (r *recorder) Flush() { _ = r.FlushError() }

// Unwrap lets http.ResponseController reach the connection's writer for
// deadlines and the like.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
