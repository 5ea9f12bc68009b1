package app_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"partnerhub/internal/config"
	"partnerhub/internal/customer"
	"partnerhub/internal/store"
	"partnerhub/internal/testkit"
	"partnerhub/internal/testkit/pgtest"
)

// listCustomers is the measured request: a page of 50 with a search term
// and a status filter, as the Customers page asks when a partner searches.
const (
	listQuery     = "wind"
	listStatus    = customer.StatusReady
	listCustomers = 10_000
	listPath      = "/api/v1/customers?limit=50&q=" + listQuery + "&status=ready"
)

// BenchmarkListCustomers measures GET /api/v1/customers at 10,000 customers
// of one partner on each engine, and the same query made directly through
// the store (database/sql, no HTTP, no token, no JSON). It reports p50 and
// p95 of both and their ratio; run it with a fixed count, e.g.
//
//	go test -run '^$' -bench BenchmarkListCustomers -benchtime 1000x ./internal/app/
func BenchmarkListCustomers(b *testing.B) {
	engines := []struct {
		name   string
		mutate func(*config.Config)
	}{{"sqlite", func(*config.Config) {}}}
	if pgtest.URL() != "" {
		engines = append(engines, struct {
			name   string
			mutate func(*config.Config)
		}{"postgres", nil})
	} else {
		b.Log(pgtest.SkipMessage)
	}
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			mutate := e.mutate
			if mutate == nil {
				dsn := pgtest.Database(b)
				mutate = func(c *config.Config) { c.DatabaseURL = dsn }
			}
			s := testkit.Start(b, mutate, func(c *config.Config) { c.Workers = 1 })
			ctx := context.Background()
			actor, err := s.App.Hub.TokenActor(ctx, s.Token)
			if err != nil {
				b.Fatal(err)
			}
			seedCustomers(b, s.App.Store, actor.PartnerID, listCustomers)
			f := store.ListFilter{Q: listQuery, Status: listStatus, Limit: 50}
			if page, _, err := s.App.Store.ListCustomers(ctx, actor.PartnerID, f); err != nil || len(page) != 50 {
				b.Fatalf("the page has %d customers (%v), want 50", len(page), err)
			}
			// Warm both paths (connections, statement caches).
			for range 20 {
				s.Do(b, "GET", listPath, nil)
				s.App.Store.ListCustomers(ctx, actor.PartnerID, f)
			}

			// Interleaved, so that both see the same machine: on a shared
			// two-core box the noise of the moment is most of a p95.
			var api, bare []time.Duration
			for b.Loop() {
				start := time.Now()
				code, body := s.Do(b, "GET", listPath, nil)
				api = append(api, time.Since(start))
				if code != http.StatusOK || !strings.Contains(string(body), `"items":[{`) {
					b.Fatalf("list: %d %.200s", code, body)
				}
				start = time.Now()
				if _, _, err := s.App.Store.ListCustomers(ctx, actor.PartnerID, f); err != nil {
					b.Fatal(err)
				}
				bare = append(bare, time.Since(start))
			}
			ap50, ap95 := percentiles(api)
			bp50, bp95 := percentiles(bare)
			b.ReportMetric(ms(ap50), "api-p50-ms")
			b.ReportMetric(ms(ap95), "api-p95-ms")
			b.ReportMetric(ms(bp50), "query-p50-ms")
			b.ReportMetric(ms(bp95), "query-p95-ms")
			b.ReportMetric(ms(ap50)/ms(bp50), "p50-ratio")
			b.ReportMetric(ms(ap95)/ms(bp95), "p95-ratio")
		})
	}
}

func percentiles(d []time.Duration) (p50, p95 time.Duration) {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)*50/100], s[len(s)*95/100]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// seedCustomers inserts n customers of a partner in one transaction, with
// the realistic mix the benchmark needs: names from a few dozen companies
// (one in ten matches "wind"), mostly ready, some in the other statuses,
// created over the past year.
func seedCustomers(b *testing.B, st *store.Store, partnerID string, n int) {
	b.Helper()
	ctx := context.Background()
	names := []string{"Contoso", "Fabrikam", "Northwind", "Tailspin", "Wingtip", "Litware", "Adatum", "Proseware", "Woodgrove", "Humongous"}
	statuses := []customer.Status{customer.StatusReady, customer.StatusReady, customer.StatusReady, customer.StatusReady,
		customer.StatusReady, customer.StatusReady, customer.StatusReady, customer.StatusDeploying,
		customer.StatusActionFailed, customer.StatusDeployFailed}
	tx, err := st.Write.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO customers (id, partner_id, type, company_name, short_name, short_name_key,
		contact_name, contact_email, contact_phone, status, status_reason, status_step, created_at, updated_at)
		VALUES ($1, $2, 'customer', $3, $4, $5, 'Ada', 'ada@example.com', '', $6, '', '', $7, $7)`)
	if err != nil {
		b.Fatal(err)
	}
	defer stmt.Close()
	start := time.Now().Add(-365 * 24 * time.Hour).UnixMilli()
	for i := range n {
		company := fmt.Sprintf("%s %s %05d", names[i%len(names)], []string{"Ltd", "GmbH", "Inc", "AB", "BV"}[i%5], i)
		short := fmt.Sprintf("c%05d", i)
		at := start + int64(i)*3_000_000 // ~50 minutes apart
		if _, err := stmt.ExecContext(ctx, uuid.Must(uuid.NewV7()).String(), partnerID, company, short, short,
			statuses[(i/len(names))%len(statuses)], at); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if st.Engine == store.Postgres {
		if _, err := st.Write.ExecContext(ctx, `ANALYZE customers`); err != nil {
			b.Fatal(err)
		}
	}
}
