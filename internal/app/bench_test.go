package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"partnerhub/internal/testkit"
)

// BenchmarkAddToReady measures, per customer type, the time from the API's
// 202 for a new customer to the moment the API reports it ready. It reports
// the median as ms-median (ns/op is the mean).
func BenchmarkAddToReady(b *testing.B) {
	for _, typ := range []string{"customer", "demo"} {
		b.Run(typ, func(b *testing.B) { benchAddToReady(b, testkit.Start(b), typ) })
	}
}

// BenchmarkAddToReadySlowPartnerSystem is BenchmarkAddToReady with the
// partner system behind a proxy that adds 200 ms to every call.
func BenchmarkAddToReadySlowPartnerSystem(b *testing.B) {
	for _, typ := range []string{"customer", "demo"} {
		b.Run(typ, func(b *testing.B) {
			s, proxy, _ := testkit.StartWithFaults(b)
			proxy.Set(testkit.FaultNone, 200*time.Millisecond)
			benchAddToReady(b, s, typ)
		})
	}
}

// benchAddToReady adds customers of typ one after the other and reports the
// median time from the request to ready as ms-median (ns/op is the mean).
func benchAddToReady(b *testing.B, s *testkit.Server, typ string) {
	var took []time.Duration
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		code, body := s.Do(b, "POST", "/api/v1/customers", map[string]any{
			"type": typ, "companyName": fmt.Sprintf("Bench %s %d", typ, i), "shortName": fmt.Sprintf("b%s%d", typ[:1], i),
			"contact": map[string]string{"name": "Bench", "email": "bench@example.com"},
		})
		if code != http.StatusAccepted {
			b.Fatalf("create: %d %s", code, body)
		}
		var c testkit.Customer
		json.Unmarshal(body, &c)
		waitReady(b, s, c.ID)
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "ms-median")
}

// waitReady polls tightly (2 ms) so the measurement is not the poll interval.
func waitReady(b *testing.B, s *testkit.Server, id string) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		_, body := s.Do(b, "GET", "/api/v1/customers/"+id, nil)
		var c testkit.Customer
		json.Unmarshal(body, &c)
		switch c.Status {
		case "ready":
			return
		case "deploy_failed":
			b.Fatalf("deploy failed: %s", c.StatusReason)
		}
		time.Sleep(2 * time.Millisecond)
	}
	b.Fatalf("customer %s not ready in 30s", id)
}
