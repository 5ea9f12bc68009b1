package console_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"partnerhub/internal/console"
	"partnerhub/internal/sqlitedb"
)

// setup returns a Manager on a fresh directory, closed when the test ends.
func setup(t testing.TB) (*console.Manager, string) {
	t.Helper()
	dir := t.TempDir()
	m := console.NewManager(dir)
	t.Cleanup(func() { m.Close() })
	return m, dir
}

// deployed creates, profiles and seeds a customer the way the hub's
// deployment steps do.
func deployed(t testing.TB, m *console.Manager, id string, p console.Profile, now time.Time) {
	t.Helper()
	ctx := context.Background()
	if err := m.Create(ctx, id); err != nil {
		t.Fatalf("Create(%s): %v", id, err)
	}
	if err := m.SetProfile(ctx, id, p); err != nil {
		t.Fatalf("SetProfile(%s): %v", id, err)
	}
	if err := m.Seed(ctx, id, p.Type, now); err != nil {
		t.Fatalf("Seed(%s): %v", id, err)
	}
}

// count runs a COUNT query on a customer database opened beside the
// Manager, for the few checks its API does not expose.
func count(t *testing.T, dir, id, query string, args ...any) int {
	t.Helper()
	db, err := sqlitedb.Open(filepath.Join(dir, id+".db"), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestCreateIsIdempotent(t *testing.T) {
	m, _ := setup(t)
	ctx := context.Background()
	for range 2 {
		if err := m.Create(ctx, "acme"); err != nil {
			t.Fatalf("Create: %v", err)
		}
	}
	// Two deployments racing on the same step still apply each migration once.
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() { errs <- m.Create(ctx, "race") })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent Create: %v", err)
		}
	}
	for _, id := range []string{"acme", "race"} {
		if v, err := m.SchemaVersion(ctx, id); err != nil || v != console.CurrentVersion {
			t.Errorf("SchemaVersion(%s) = %d, %v; want %d", id, v, err, console.CurrentVersion)
		}
	}
	ids, _ := m.List()
	if !slices.Equal(ids, []string{"acme", "race"}) {
		t.Errorf("List = %v", ids)
	}
}

func TestMigrateFromV1KeepsData(t *testing.T) {
	m, dir := setup(t)
	ctx := context.Background()
	if err := m.CreateAt(ctx, "old", 1); err != nil {
		t.Fatal(err)
	}
	if v, _ := m.SchemaVersion(ctx, "old"); v != 1 {
		t.Fatalf("version = %d, want 1", v)
	}
	// A version-1 database (deployed by an earlier release) is still served.
	if _, err := m.Stats(ctx, "old", time.Now()); err != nil {
		t.Fatalf("Stats on v1 = %v, want it served", err)
	}
	// Rows as the version-1 console wrote them.
	db, err := sqlitedb.Open(filepath.Join(dir, "old.db"), 1)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, q := range []string{
		`INSERT INTO profile (id, company_name, short_name, type, updated_at) VALUES (1, 'Old Co', 'OLD', 'customer', 1)`,
		`INSERT INTO users (id, name, email, department, created_at, last_login_at) VALUES ('u1', 'Ann', 'ann@old.example', 'IT', 1, 1)`,
		`INSERT INTO endpoints (id, hostname, os, owner_email, last_seen_at) VALUES ('e1', 'LAPTOP-1', 'Windows 11', 'ann@old.example', 1)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := db.Exec(`INSERT INTO events (id, occurred_at, risk, endpoint, user_email, title) VALUES ('ev1', $1, 'high', 'LAPTOP-1', 'ann@old.example', 'Malware quarantined')`,
		now.Add(-time.Hour).UnixMilli()); err != nil {
		t.Fatal(err)
	}
	db.Close()

	if from, to, err := m.Migrate(ctx, "old"); err != nil || from != 1 || to != 2 {
		t.Fatalf("Migrate = %d, %d, %v; want 1, 2", from, to, err)
	}
	if from, to, err := m.Migrate(ctx, "old"); err != nil || from != 2 || to != 2 {
		t.Fatalf("second Migrate = %d, %d, %v; want 2, 2", from, to, err)
	}
	if err := m.CreateAt(ctx, "old", 1); err != nil {
		t.Fatal(err)
	}
	if v, _ := m.SchemaVersion(ctx, "old"); v != 2 {
		t.Fatalf("CreateAt(1) on a v2 database moved it to %d", v)
	}
	p, err := m.Profile(ctx, "old")
	if err != nil || p != (console.Profile{CompanyName: "Old Co", ShortName: "OLD", Type: "customer"}) {
		t.Fatalf("Profile = %+v, %v", p, err)
	}
	s, err := m.Stats(ctx, "old", now)
	if err != nil || s.Users != 1 || s.Endpoints != 1 || s.EventsByRisk["high"] != 1 {
		t.Fatalf("Stats = %+v, %v", s, err)
	}
	if err := m.Check(ctx, "old"); err != nil {
		t.Fatalf("Check after migrate: %v", err)
	}
	if n := count(t, dir, "old", `SELECT COUNT(*) FROM endpoints WHERE os_version = ''`); n != 1 {
		t.Errorf("os_version default rows = %d", n)
	}
}

func TestDropLeavesNothing(t *testing.T) {
	m, dir := setup(t)
	ctx := context.Background()
	deployed(t, m, "a", console.Profile{CompanyName: "A", ShortName: "A", Type: "demo"}, time.Now())
	deployed(t, m, "b", console.Profile{CompanyName: "B", ShortName: "B", Type: "customer"}, time.Now())
	for range 2 {
		if err := m.Drop(ctx, "a"); err != nil {
			t.Fatalf("Drop: %v", err)
		}
	}
	if ids, _ := m.List(); !slices.Equal(ids, []string{"b"}) {
		t.Errorf("List = %v, want [b]", ids)
	}
	if err := m.Drop(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if ids, _ := m.List(); len(ids) != 0 || len(entries) != 0 {
		t.Errorf("left behind: List = %v, files = %v", ids, entries)
	}
	if m.Exists("a") {
		t.Error("Exists after Drop")
	}
	// A late step of a crashed deployment must not bring the database back.
	if err := m.Seed(ctx, "a", "demo", time.Now()); !errors.Is(err, console.ErrNotFound) {
		t.Errorf("Seed after Drop = %v, want ErrNotFound", err)
	}
	if m.Exists("a") {
		t.Error("Seed recreated the database")
	}
}

func TestCheck(t *testing.T) {
	m, dir := setup(t)
	ctx := context.Background()
	if err := m.Check(ctx, "nobody"); !errors.Is(err, console.ErrNotFound) {
		t.Errorf("missing: %v, want ErrNotFound", err)
	}
	m.Create(ctx, "bare")
	if err := m.Check(ctx, "bare"); !errors.Is(err, console.ErrNoProfile) {
		t.Errorf("no profile: %v, want ErrNoProfile", err)
	}
	m.CreateAt(ctx, "old", 1)
	if err := m.Check(ctx, "old"); !errors.Is(err, console.ErrNoProfile) {
		t.Errorf("old schema without profile: %v, want ErrNoProfile", err)
	}
	if err := m.SetProfile(ctx, "old", console.Profile{CompanyName: "Old", ShortName: "OLD", Type: "demo"}); err != nil {
		t.Fatalf("SetProfile on v1: %v", err)
	}
	if err := m.Seed(ctx, "old", "demo", time.Now()); err != nil {
		t.Fatalf("Seed on v1: %v", err)
	}
	if err := m.Check(ctx, "old"); err != nil {
		t.Errorf("deployed v1: %v, want healthy", err)
	}
	deployed(t, m, "good", console.Profile{CompanyName: "Good", ShortName: "GOOD", Type: "customer"}, time.Now())
	if err := m.Check(ctx, "good"); err != nil {
		t.Errorf("healthy: %v", err)
	}
	// The file removed behind the Manager's back, handle still cached.
	os.Remove(filepath.Join(dir, "good.db"))
	if err := m.Check(ctx, "good"); !errors.Is(err, console.ErrNotFound) {
		t.Errorf("file removed: %v, want ErrNotFound", err)
	}
}

func TestPartnerAccess(t *testing.T) {
	m, _ := setup(t)
	ctx := context.Background()
	deployed(t, m, "pa", console.Profile{CompanyName: "PA", ShortName: "PA", Type: "customer"}, time.Now())
	if granted, _, _ := m.PartnerAccess(ctx, "pa"); granted {
		t.Fatal("access granted before GrantPartnerAccess")
	}
	for range 2 {
		if err := m.GrantPartnerAccess(ctx, "pa", "partner-1"); err != nil {
			t.Fatal(err)
		}
	}
	if granted, pid, err := m.PartnerAccess(ctx, "pa"); !granted || pid != "partner-1" || err != nil {
		t.Fatalf("PartnerAccess = %v, %q, %v", granted, pid, err)
	}
	for range 2 {
		if err := m.RevokePartnerAccess(ctx, "pa"); err != nil {
			t.Fatal(err)
		}
	}
	if granted, pid, _ := m.PartnerAccess(ctx, "pa"); granted || pid != "" {
		t.Fatalf("after revoke: %v, %q", granted, pid)
	}
}

func TestRejectsBadInput(t *testing.T) {
	m, _ := setup(t)
	ctx := context.Background()
	for _, id := range []string{"", "../etc", "a/b", "a.db", " x"} {
		if err := m.Create(ctx, id); !errors.Is(err, console.ErrInvalidID) {
			t.Errorf("Create(%q) = %v, want ErrInvalidID", id, err)
		}
	}
	m.Create(ctx, "ok")
	for _, p := range []console.Profile{
		{CompanyName: "", ShortName: "X", Type: "customer"},
		{CompanyName: "X", ShortName: "ELEVENCHARS", Type: "customer"},
		{CompanyName: "X", ShortName: "A B", Type: "customer"},
		{CompanyName: "X", ShortName: "X", Type: "trial"},
	} {
		if err := m.SetProfile(ctx, "ok", p); !errors.Is(err, console.ErrInvalid) {
			t.Errorf("SetProfile(%+v) = %v, want ErrInvalid", p, err)
		}
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// TestCreateAfterFileRemoved: when a customer's database file disappears
// behind the manager's back, the cached handle is not reused: Check reports
// it missing and Create makes a new, working database.
func TestCreateAfterFileRemoved(t *testing.T) {
	m, dir := setup(t)
	ctx := context.Background()
	deployed(t, m, "gone", console.Profile{CompanyName: "Gone", ShortName: "GONE", Type: "customer"}, time.Now())
	for _, suffix := range []string{".db", ".db-wal", ".db-shm"} {
		os.Remove(filepath.Join(dir, "gone"+suffix))
	}
	if err := m.Check(ctx, "gone"); !errors.Is(err, console.ErrNotFound) {
		t.Fatalf("Check after removal: %v, want ErrNotFound", err)
	}
	deployed(t, m, "gone", console.Profile{CompanyName: "Gone", ShortName: "GONE", Type: "customer"}, time.Now())
	if err := m.Check(ctx, "gone"); err != nil {
		t.Fatalf("Check after re-create: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "gone.db")); err != nil {
		t.Fatalf("no file after re-create: %v", err)
	}
}
