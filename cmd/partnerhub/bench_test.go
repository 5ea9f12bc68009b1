package main_test

import (
	"database/sql"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"partnerhub/internal/testkit"
	"partnerhub/internal/testkit/pgtest"
)

// deployBatch is how many customers each run deploys.
const deployBatch = 120

// BenchmarkDeploymentsPerMinute measures deployment throughput on
// PostgreSQL with one, two and three `partnerhub serve` processes sharing
// the job queue: it adds deployBatch customers (type Customer) through the
// processes in turn as fast as the API takes them and reports deployments
// per minute from the first request to the last customer ready. Run it as
//
//	go test -run '^$' -bench BenchmarkDeploymentsPerMinute -benchtime 1x ./cmd/partnerhub/
//
// with PARTNERHUB_TEST_DATABASE_URL set.
func BenchmarkDeploymentsPerMinute(b *testing.B) {
	if pgtest.URL() == "" {
		b.Skip(pgtest.SkipMessage)
	}
	bin := testkit.BuildBinary(b, b.TempDir())
	for _, procs := range []int{1, 2, 3} {
		b.Run(fmt.Sprintf("processes=%d", procs), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				rate := deployRun(b, bin, procs)
				b.StartTimer()
				b.ReportMetric(rate, "deploys/min")
			}
		})
	}
}

func deployRun(b *testing.B, bin string, procs int) float64 {
	dsn := pgtest.Database(b)
	key := pgtest.Name("psk_")
	var replicas []*replica
	var wg sync.WaitGroup
	for i := range procs {
		r := &replica{name: fmt.Sprintf("replica%d", i), bin: bin, dir: b.TempDir(), dsn: dsn, key: key}
		replicas = append(replicas, r)
		wg.Go(func() { r.start(b) })
	}
	wg.Wait()
	defer func() {
		for _, r := range replicas {
			r.stop(b)
		}
	}()
	for _, r := range replicas {
		if err := r.waitURL(60 * time.Second); err != nil {
			b.Fatalf("%s: %v", r.name, err)
		}
	}
	out, err := exec.Command(bin, "token", "create", "--database-url", dsn, "--email", "admin@partner.example").Output()
	if err != nil {
		b.Fatalf("token create: %v", err)
	}
	token := strings.TrimSpace(string(out))
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()

	start := time.Now()
	for i := range deployBatch {
		createCustomer(b, replicas[i%procs].hubURL, token, "customer", i)
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		counts := statusCounts(b, db)
		if counts["ready"] == deployBatch {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("not all ready after 5 minutes: %v", counts)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return float64(deployBatch) / time.Since(start).Minutes()
}
