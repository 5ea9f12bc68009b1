package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"partnerhub/internal/store"
	"partnerhub/internal/testkit/pgtest"
)

// engine opens a fresh, migrated store for one test.
type engine struct {
	name string
	open func(t *testing.T) *store.Store
}

// engines is SQLite always and PostgreSQL when PARTNERHUB_TEST_DATABASE_URL
// is set: the one conformance suite below runs on both, so the SQL is
// proven on each engine the hub ships with.
func engines() []engine {
	e := []engine{{"sqlite", func(t *testing.T) *store.Store {
		return openStore(t, store.Options{DataDir: filepath.Join(t.TempDir(), "data")})
	}}}
	if pgtest.URL() == "" {
		return e
	}
	return append(e, engine{"postgres", func(t *testing.T) *store.Store {
		dsn, _ := pgtest.Schema(t)
		return openStore(t, store.Options{DatabaseURL: dsn, MaxConns: 8})
	}})
}

func openStore(t *testing.T, o store.Options) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), o)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// setup runs fn once per engine, each time on a store of its own; it logs
// plainly when the PostgreSQL half is skipped.
func setup(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	es := engines()
	if len(es) == 1 {
		t.Log(pgtest.SkipMessage)
	}
	for _, e := range es {
		t.Run(e.name, func(t *testing.T) { fn(t, e.open(t)) })
	}
}
