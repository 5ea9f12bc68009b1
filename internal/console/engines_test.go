package console_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"partnerhub/internal/console"
	"partnerhub/internal/testkit/pgtest"
)

// eachEngine runs fn with a Manager on SQLite files and, when
// PARTNERHUB_TEST_DATABASE_URL is set, with one on PostgreSQL schemas whose
// prefix is the test's own (all dropped when it ends).
func eachEngine(t *testing.T, fn func(t *testing.T, m *console.Manager)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		m, _ := setup(t)
		fn(t, m)
	})
	if pgtest.URL() == "" {
		t.Log(pgtest.SkipMessage)
		return
	}
	t.Run("postgres", func(t *testing.T) {
		ctx := context.Background()
		m, err := console.NewPostgresManager(ctx, pgtest.URL(), pgtest.Name("t")+"_", 4)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ids, _ := m.List()
			for _, id := range ids {
				if err := m.Drop(ctx, id); err != nil {
					t.Errorf("drop %s: %v", id, err)
				}
			}
			m.Close()
		})
		fn(t, m)
	})
}

// TestEnvironmentLifecycle is the deployment's view of a customer
// environment, the same on both engines: create (idempotent, also when
// racing), profile, seed, grant access, health check, list, drop, and no
// resurrection after the drop.
func TestEnvironmentLifecycle(t *testing.T) {
	eachEngine(t, func(t *testing.T, m *console.Manager) {
		ctx := context.Background()
		now := time.Now()
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for range 4 {
			wg.Go(func() { errs <- m.Create(ctx, "0190e0b2-demo-ab") })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("concurrent Create: %v", err)
			}
		}
		if err := m.Check(ctx, "0190e0b2-demo-ab"); !errors.Is(err, console.ErrNoProfile) {
			t.Fatalf("Check before profile: %v, want ErrNoProfile", err)
		}
		deployed(t, m, "0190e0b2-demo-ab", console.Profile{CompanyName: "Contoso", ShortName: "Contoso", Type: "demo"}, now)
		deployed(t, m, "cust", console.Profile{CompanyName: "Fabrikam", ShortName: "FAB", Type: "customer"}, now)
		// Seeding again adds nothing.
		if err := m.Seed(ctx, "0190e0b2-demo-ab", "demo", now); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"0190e0b2-demo-ab", "cust"} {
			if err := m.GrantPartnerAccess(ctx, id, "partner-1"); err != nil {
				t.Fatal(err)
			}
			if err := m.Check(ctx, id); err != nil {
				t.Fatalf("Check(%s): %v", id, err)
			}
			if v, err := m.SchemaVersion(ctx, id); err != nil || v != console.CurrentVersion {
				t.Fatalf("SchemaVersion(%s) = %d, %v", id, v, err)
			}
		}
		demo, err := m.Stats(ctx, "0190e0b2-demo-ab", now)
		if err != nil {
			t.Fatal(err)
		}
		events := 0
		for _, n := range demo.EventsByRisk {
			events += n
		}
		if demo.Users != 30 || demo.Endpoints != 40 || events != 2000 || demo.Policies != 5 {
			t.Fatalf("demo stats %+v (%d events)", demo, events)
		}
		cust, err := m.Stats(ctx, "cust", now)
		if err != nil {
			t.Fatal(err)
		}
		if cust.Users != 0 || cust.Endpoints != 0 || cust.Policies != 5 {
			t.Fatalf("a Customer sees another environment's rows: %+v", cust)
		}
		if granted, p, err := m.PartnerAccess(ctx, "cust"); err != nil || !granted || p != "partner-1" {
			t.Fatalf("PartnerAccess = %v %q %v", granted, p, err)
		}
		if latest, err := m.LatestEvents(ctx, "0190e0b2-demo-ab", 5); err != nil || len(latest) != 5 {
			t.Fatalf("LatestEvents = %d, %v", len(latest), err)
		}
		ids, err := m.List()
		if err != nil || !slices.Equal(ids, []string{"0190e0b2-demo-ab", "cust"}) {
			t.Fatalf("List = %v, %v", ids, err)
		}

		for range 2 { // a retried deletion succeeds
			if err := m.Drop(ctx, "0190e0b2-demo-ab"); err != nil {
				t.Fatalf("Drop: %v", err)
			}
		}
		if m.Exists("0190e0b2-demo-ab") {
			t.Fatal("dropped environment exists")
		}
		if err := m.Check(ctx, "0190e0b2-demo-ab"); !errors.Is(err, console.ErrNotFound) {
			t.Fatalf("Check after Drop: %v, want ErrNotFound", err)
		}
		// A late step after the drop cannot bring the customer back.
		if err := m.SetProfile(ctx, "0190e0b2-demo-ab", console.Profile{CompanyName: "X", ShortName: "X", Type: "demo"}); !errors.Is(err, console.ErrNotFound) {
			t.Fatalf("SetProfile after Drop: %v, want ErrNotFound", err)
		}
		if m.Exists("0190e0b2-demo-ab") {
			t.Fatal("a late write resurrected the environment")
		}
		if ids, _ := m.List(); !slices.Equal(ids, []string{"cust"}) {
			t.Fatalf("List after Drop = %v", ids)
		}
		if err := m.Create(ctx, "bad id!"); !errors.Is(err, console.ErrInvalidID) {
			t.Fatalf("Create(bad id): %v, want ErrInvalidID", err)
		}
	})
}

// TestMigrateOldEnvironment: an environment created at version 1 is
// brought to the current version by Migrate, on both engines.
func TestMigrateOldEnvironment(t *testing.T) {
	eachEngine(t, func(t *testing.T, m *console.Manager) {
		ctx := context.Background()
		if err := m.CreateAt(ctx, "old", 1); err != nil {
			t.Fatal(err)
		}
		if v, err := m.SchemaVersion(ctx, "old"); err != nil || v != 1 {
			t.Fatalf("SchemaVersion = %d, %v; want 1", v, err)
		}
		from, to, err := m.Migrate(ctx, "old")
		if err != nil || from != 1 || to != console.CurrentVersion {
			t.Fatalf("Migrate = %d→%d, %v", from, to, err)
		}
		if from, to, err := m.Migrate(ctx, "old"); err != nil || from != to {
			t.Fatalf("Migrate again = %d→%d, %v; want nothing to do", from, to, err)
		}
		if _, _, err := m.Migrate(ctx, "never-created"); !errors.Is(err, console.ErrNotFound) {
			t.Fatalf("Migrate of a missing environment: %v, want ErrNotFound", err)
		}
	})
}

// TestTwoReplicasShareEnvironments: two Managers on one PostgreSQL
// database, as two replicas have, see each other's environments; a drop by
// one is seen by the other's health check, and a later Create through the
// other (whose handle is cached) brings the schema back instead of failing.
func TestTwoReplicasShareEnvironments(t *testing.T) {
	if pgtest.URL() == "" {
		t.Skip(pgtest.SkipMessage)
	}
	ctx := context.Background()
	prefix := pgtest.Name("t") + "_"
	var ms []*console.Manager
	for range 2 {
		m, err := console.NewPostgresManager(ctx, pgtest.URL(), prefix, 2)
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	a, b := ms[0], ms[1]
	t.Cleanup(func() {
		_ = a.Drop(ctx, "shared")
		a.Close()
		b.Close()
	})
	deployed(t, a, "shared", console.Profile{CompanyName: "Shared", ShortName: "SH", Type: "customer"}, time.Now())
	if err := b.Check(ctx, "shared"); err != nil {
		t.Fatalf("b's health check of a's environment: %v", err)
	}
	if err := a.Drop(ctx, "shared"); err != nil {
		t.Fatal(err)
	}
	if err := b.Check(ctx, "shared"); !errors.Is(err, console.ErrNotFound) {
		t.Fatalf("b's health check after a's drop: %v, want ErrNotFound", err)
	}
	deployed(t, b, "shared", console.Profile{CompanyName: "Shared", ShortName: "SH", Type: "customer"}, time.Now())
	if err := a.Check(ctx, "shared"); err != nil {
		t.Fatalf("a's health check after b redeployed: %v", err)
	}
}
