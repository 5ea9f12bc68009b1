package app_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/config"
	"partnerhub/internal/testkit"
	"partnerhub/internal/testkit/pgtest"
)

// BenchmarkScrape measures one scrape of the metrics listener over HTTP at
// 10,000 customers on each engine: the Go, process and pool collectors and
// the two queries counted at scrape time (customers by status, jobs by
// state). It reports p50 and p95 of the scrape and of the customers query
// alone; run it with a fixed count, e.g.
//
//	go test -run '^$' -bench BenchmarkScrape -benchtime 200x ./internal/app/
func BenchmarkScrape(b *testing.B) {
	engines := map[string]func(b *testing.B) func(*config.Config){
		"sqlite": func(*testing.B) func(*config.Config) { return func(*config.Config) {} },
	}
	if pgtest.URL() != "" {
		engines["postgres"] = func(b *testing.B) func(*config.Config) {
			dsn := pgtest.Database(b)
			return func(c *config.Config) { c.DatabaseURL = dsn }
		}
	} else {
		b.Log(pgtest.SkipMessage)
	}
	for _, name := range []string{"sqlite", "postgres"} {
		mutate, ok := engines[name]
		if !ok {
			continue
		}
		b.Run(name, func(b *testing.B) {
			s := testkit.Start(b, mutate(b), func(c *config.Config) { c.Workers = 1 })
			actor, err := s.App.Hub.TokenActor(context.Background(), s.Token)
			if err != nil {
				b.Fatal(err)
			}
			seedCustomers(b, s.App.Store, actor.PartnerID, listCustomers)
			hc := &http.Client{Timeout: 30 * time.Second}
			scrape := func() {
				resp, err := hc.Get(s.App.MetricsURL)
				if err != nil {
					b.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `partnerhub_customers{status="ready"} 7000`) {
					b.Fatalf("scrape: %d, want 7000 ready customers in:\n%.3000s", resp.StatusCode, body)
				}
			}
			for range 5 {
				scrape() // warm connections and caches
			}
			// Interleaved with the customers query alone, to tell its share.
			var took, query []time.Duration
			for b.Loop() {
				start := time.Now()
				scrape()
				took = append(took, time.Since(start))
				start = time.Now()
				if _, err := s.App.Store.CountByStatus(context.Background()); err != nil {
					b.Fatal(err)
				}
				query = append(query, time.Since(start))
			}
			p50, p95 := percentiles(took)
			q50, q95 := percentiles(query)
			b.ReportMetric(ms(p50), "scrape-p50-ms")
			b.ReportMetric(ms(p95), "scrape-p95-ms")
			b.ReportMetric(ms(q50), "customers-query-p50-ms")
			b.ReportMetric(ms(q95), "customers-query-p95-ms")
		})
	}
}
