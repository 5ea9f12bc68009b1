package console_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"partnerhub/internal/console"
)

func TestSeedIsIdempotent(t *testing.T) {
	m, dir := setup(t)
	ctx := context.Background()
	now := time.Now()
	for _, typ := range []string{console.TypeCustomer, console.TypeDemo} {
		id := "seed-" + typ
		p := console.Profile{CompanyName: "Seed Co", ShortName: "SEED", Type: typ}
		deployed(t, m, id, p, now)
		first, err := m.Stats(ctx, id, now)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Seed(ctx, id, typ, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		second, _ := m.Stats(ctx, id, now)
		if first.Users != second.Users || first.Endpoints != second.Endpoints || first.Policies != second.Policies ||
			sum(first.EventsByRisk) != sum(second.EventsByRisk) {
			t.Errorf("%s: seeding twice changed %+v into %+v", typ, first, second)
		}
		if first.Policies != 5 {
			t.Errorf("%s: policies = %d, want 5", typ, first.Policies)
		}
		if n := count(t, dir, id, `SELECT COUNT(*) FROM classifications`); n != 4 {
			t.Errorf("%s: classifications = %d, want 4", typ, n)
		}
	}
	s, _ := m.Stats(ctx, "seed-customer", now)
	if s.Users != 0 || s.Endpoints != 0 || sum(s.EventsByRisk) != 0 {
		t.Errorf("a Customer got dummy data: %+v", s)
	}
}

func TestDemoData(t *testing.T) {
	m, dir := setup(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	deployed(t, m, "demo1", console.Profile{CompanyName: "Acme Corporation", ShortName: "ACME", Type: "demo"}, now)
	s, err := m.Stats(ctx, "demo1", now)
	if err != nil {
		t.Fatal(err)
	}
	if s.Users < 25 || s.Endpoints < 40 || sum(s.EventsByRisk) < 2000 {
		t.Fatalf("demo counts %+v, want at least 25 users, 40 endpoints, 2000 events in the last 30 days", s)
	}
	if total := count(t, dir, "demo1", `SELECT COUNT(*) FROM events`); total != sum(s.EventsByRisk) {
		t.Errorf("%d events, %d of them in the last 30 days", total, sum(s.EventsByRisk))
	}
	if h, md, l, i := s.EventsByRisk["high"], s.EventsByRisk["medium"], s.EventsByRisk["low"], s.EventsByRisk["info"]; !(0 < h && h < md && md < l && l < i) {
		t.Errorf("risk mix high %d, medium %d, low %d, info %d: want few high, most info", h, md, l, i)
	}
	if n := count(t, dir, "demo1", `SELECT COUNT(*) FROM users WHERE email NOT LIKE '%@acme-demo.example'`); n != 0 {
		t.Errorf("%d users outside the demo domain", n)
	}
	if n := count(t, dir, "demo1", `SELECT COUNT(DISTINCT os) FROM endpoints`); n != 3 {
		t.Errorf("%d operating systems, want 3", n)
	}
	if n := count(t, dir, "demo1", `SELECT COUNT(*) FROM events WHERE demo = TRUE`); n != 2000 {
		t.Errorf("%d events flagged demo, want 2000", n)
	}

	// The same customer id gives the same data on every run.
	other, _ := setup(t)
	deployed(t, other, "demo1", console.Profile{CompanyName: "Acme Corporation", ShortName: "ACME", Type: "demo"}, now)
	a, _ := m.LatestEvents(ctx, "demo1", 20)
	b, _ := other.LatestEvents(ctx, "demo1", 20)
	if len(a) != 20 || !slices.Equal(a, b) {
		t.Errorf("demo data differs between runs:\n%v\n%v", a, b)
	}
}

func TestResetDemoDataMovesDatesToNow(t *testing.T) {
	m, _ := setup(t)
	ctx := context.Background()
	seeded := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	now := seeded.Add(10 * 24 * time.Hour)
	deployed(t, m, "demo", console.Profile{CompanyName: "Demo Ltd", ShortName: "DEMO", Type: "demo"}, seeded)
	before, _ := m.Stats(ctx, "demo", now)
	if sum(before.EventsByRisk) >= 2000 {
		t.Fatalf("stale data still all in the window: %+v", before)
	}
	for range 2 { // the second run must not shift again
		if err := m.ResetDemoData(ctx, "demo", now); err != nil {
			t.Fatal(err)
		}
	}
	after, _ := m.Stats(ctx, "demo", now)
	if sum(after.EventsByRisk) != 2000 || after.Users != before.Users || after.Endpoints != before.Endpoints {
		t.Errorf("after reset %+v, before %+v", after, before)
	}
	latest, _ := m.LatestEvents(ctx, "demo", 1)
	if age := now.Sub(latest[0].OccurredAt); age < 0 || age > 24*time.Hour {
		t.Errorf("latest event %v is %v before now", latest[0].OccurredAt, age)
	}
}

func TestRemoveDemoDataKeepsBaseline(t *testing.T) {
	m, dir := setup(t)
	ctx := context.Background()
	now := time.Now()
	deployed(t, m, "conv", console.Profile{CompanyName: "Conv AG", ShortName: "CONV", Type: "demo"}, now)
	for range 2 {
		if err := m.RemoveDemoData(ctx, "conv"); err != nil {
			t.Fatal(err)
		}
	}
	s, _ := m.Stats(ctx, "conv", now)
	if s.Users != 0 || s.Endpoints != 0 || sum(s.EventsByRisk) != 0 || s.Policies != 5 {
		t.Errorf("after removal %+v, want only the 5 baseline policies", s)
	}
	if n := count(t, dir, "conv", `SELECT COUNT(*) FROM classifications`); n != 4 {
		t.Errorf("classifications = %d, want 4", n)
	}
	if p, _ := m.Profile(ctx, "conv"); p.Type != console.TypeCustomer {
		t.Errorf("profile type = %q, want customer", p.Type)
	}
}

// BenchmarkSeedDemo measures the DEMO seed, which must stay well under 300 ms.
func BenchmarkSeedDemo(b *testing.B) {
	m, _ := setup(b)
	ctx := context.Background()
	now := time.Now()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		id := fmt.Sprintf("bench-%d", i)
		if err := m.Create(ctx, id); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := m.Seed(ctx, id, console.TypeDemo, now); err != nil {
			b.Fatal(err)
		}
	}
}
