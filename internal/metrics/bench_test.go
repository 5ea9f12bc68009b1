package metrics_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"partnerhub/internal/metrics"
)

// discard is a ResponseWriter that keeps nothing, so the benchmark measures
// the middleware and the mux, not a recorder's buffers.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkInstrument measures what the HTTP middleware adds to one request.
// "middleware" wraps a handler that does nothing, on a request whose
// pattern is already set: that is the middleware's own cost. "bare" and
// "instrumented" serve the same mux and handler without and with it, for
// the cost in context; -parallel runs them on every CPU at once (one
// series, so every request updates the same counter).
//
//	go test -run '^$' -bench BenchmarkInstrument -benchmem ./internal/metrics/
func BenchmarkInstrument(b *testing.B) {
	b.Run("middleware", func(b *testing.B) {
		h := metrics.New(nil).Instrument("hub", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusAccepted)
		}))
		r := httptest.NewRequest(http.MethodPost, "/api/v1/customers/c1/actions/rename", nil)
		r.Pattern = "POST /api/v1/customers/{id}/actions/{action}"
		w := &discard{h: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			h.ServeHTTP(w, r)
		}
	})

	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/customers/{id}/actions/{action}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	})
	m := metrics.New(nil)
	for _, bc := range []struct {
		name string
		h    http.Handler
	}{
		{"bare", mux},
		{"instrumented", m.Instrument("hub", mux)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodPost, "/api/v1/customers/c1/actions/rename", nil)
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				bc.h.ServeHTTP(w, r)
			}
		})
		b.Run(bc.name+"-parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				r := httptest.NewRequest(http.MethodPost, "/api/v1/customers/c1/actions/rename", nil)
				w := &discard{h: http.Header{}}
				for pb.Next() {
					bc.h.ServeHTTP(w, r)
				}
			})
		})
	}
}
