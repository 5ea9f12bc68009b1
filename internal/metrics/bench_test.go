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

// BenchmarkInstrument measures what the HTTP middleware adds to one request:
// the same mux and handler served bare and through Instrument; the
// difference between the two is the middleware's cost per request.
//
//	go test -run '^$' -bench BenchmarkInstrument -benchmem ./internal/metrics/
func BenchmarkInstrument(b *testing.B) {
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
