package partnersystem

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"partnerhub/internal/sqlitedb"
)

// engine opens a fresh, migrated database for one test.
type engine struct {
	name string
	open func(t *testing.T) *sql.DB
}

// engines returns SQLite always and PostgreSQL when
// PARTNERHUB_TEST_DATABASE_URL is set, so the SQL is proven on both.
func engines() []engine {
	e := []engine{{"sqlite", openSQLite}}
	if u := os.Getenv("PARTNERHUB_TEST_DATABASE_URL"); u != "" {
		e = append(e, engine{"postgres", func(t *testing.T) *sql.DB { return openPostgres(t, u) }})
	}
	return e
}

// eachEngine runs fn once per engine, each on its own migrated database.
func eachEngine(t *testing.T, fn func(t *testing.T, svc *Service)) {
	t.Helper()
	for _, e := range engines() {
		t.Run(e.name, func(t *testing.T) {
			db := e.open(t)
			// Twice: Migrate runs at every start and must be idempotent.
			for range 2 {
				if err := Migrate(context.Background(), db); err != nil {
					t.Fatalf("migrate: %v", err)
				}
			}
			fn(t, NewService(db))
		})
	}
}

// setup returns a Service on a migrated SQLite database in t.TempDir(), for
// tests about HTTP and the client rather than about SQL.
func setup(t *testing.T) *Service {
	t.Helper()
	db := openSQLite(t)
	if err := Migrate(context.Background(), db); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return NewService(db)
}

func openSQLite(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sqlitedb.Open(filepath.Join(t.TempDir(), "ps.db"), 8)
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openPostgres gives the test its own schema, so tests and parallel runs
// never see each other's rows, and drops it afterwards.
func openPostgres(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "ps_test_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { admin.Close() })
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	db, err := sql.Open("pgx", withSearchPath(dsn, schema))
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	db.SetMaxOpenConns(8)
	t.Cleanup(func() {
		db.Close()
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	return db
}

// withSearchPath adds search_path to a URL or keyword/value DSN; pgx sends
// unknown settings to the server as run-time parameters.
func withSearchPath(dsn, schema string) string {
	if strings.Contains(dsn, "://") {
		u, err := url.Parse(dsn)
		if err == nil {
			q := u.Query()
			q.Set("search_path", schema)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return dsn + " search_path=" + schema
}
