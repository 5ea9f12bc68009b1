package store_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"partnerhub/internal/store"
	"partnerhub/internal/testkit/pgtest"
)

// TestConcurrentMigration starts several stores on one empty schema at once,
// as replicas starting together do: the advisory lock lets one migrate while
// the others wait, and all of them come up.
func TestConcurrentMigration(t *testing.T) {
	dsn, _ := pgtest.Schema(t)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			s, err := store.Open(context.Background(), store.Options{DatabaseURL: dsn, MaxConns: 3})
			if err == nil {
				err = s.Ready(context.Background())
				s.Close()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent start: %v", err)
		}
	}
}

// TestNotReadyBeforeMigration: a replica whose schema was never migrated
// says so on its readiness check instead of serving errors.
func TestNotReadyBeforeMigration(t *testing.T) {
	dsn, _ := pgtest.Schema(t)
	s, err := store.Open(context.Background(), store.Options{DatabaseURL: dsn, NoMigrate: true, MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Ready(context.Background()); err == nil {
		t.Fatal("Ready on an empty schema passed")
	}
}

// TestChangeNotifications: a change committed through one store reaches a
// listener of another store on the same schema (another replica), and a
// store does not hear its own changes back.
func TestChangeNotifications(t *testing.T) {
	dsn, _ := pgtest.Schema(t)
	a := openStore(t, store.Options{DatabaseURL: dsn, MaxConns: 3})
	b := openStore(t, store.Options{DatabaseURL: dsn, MaxConns: 3})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	type change struct{ store, partner, customer string }
	got := make(chan change, 16)
	for name, s := range map[string]*store.Store{"a": a, "b": b} {
		ready := make(chan struct{})
		var once sync.Once
		go s.Listen(ctx, dsn, log, func() { once.Do(func() { close(ready) }) }, func(p, c string) { got <- change{name, p, c} })
		select {
		case <-ready:
		case <-time.After(30 * time.Second):
			t.Fatal("listener not ready")
		}
	}
	p, _ := partner(t, a, "alpha")
	start := time.Now()
	c := addCustomer(t, a, p.ID, "Contoso", "contoso")
	select {
	case ch := <-got:
		if ch != (change{"b", p.ID, c.ID}) {
			t.Fatalf("got %+v, want b to hear of %s", ch, c.ID)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("the change took %s to reach the other replica", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the other replica heard nothing")
	}
	// The writer itself must not hear its own change back.
	select {
	case ch := <-got:
		t.Fatalf("unexpected %+v", ch)
	case <-time.After(300 * time.Millisecond):
	}
}
