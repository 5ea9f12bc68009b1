// Package store keeps the hub's data: partners, users, sessions, tokens,
// customers, their timeline, console routes and hand-off tokens. One code base
// serves SQLite (the embedded default) and PostgreSQL through database/sql;
// every query is written with $n placeholders, which both engines accept, and
// every customer query is scoped by the partner.
package store

import (
	"cmp"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/pressly/goose/v3"

	"partnerhub/internal/sqlitedb"
)

//go:embed migrations
var migrations embed.FS

// Engine names the database behind a Store.
type Engine string

const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Store is the hub's persistence. Write is the pool that takes writes (one
// connection on SQLite, which allows one writer; River shares it so that jobs
// are inserted in the same transaction as the customer). Read serves queries.
type Store struct {
	Engine Engine
	Write  *sql.DB
	Read   *sql.DB
	// OnChange, when set, is called after a customer's status or progress
	// changed and the change committed; the live view fans it out.
	OnChange func(partnerID, customerID string)
	now      func() time.Time
	// origin tells this Store's change notifications from other
	// replicas' on PostgreSQL, so a process does not nudge itself twice.
	origin string
}

// Options say where the hub's data lives.
type Options struct {
	DataDir     string // SQLite: <DataDir>/hub.db
	DatabaseURL string // postgres://… puts everything on PostgreSQL instead
	// MaxConns bounds the PostgreSQL pool (default 16); every replica
	// holds up to this many of the server's max_connections.
	MaxConns int
	// NoMigrate leaves the schema alone: the caller migrates everything
	// under one lock (see MigrateAll in internal/app) or only reads status.
	NoMigrate bool
}

// Open opens the hub's database and applies its migrations.
func Open(ctx context.Context, o Options) (*Store, error) {
	s := &Store{now: time.Now, origin: newOrigin()}
	if o.DatabaseURL != "" {
		db, err := sql.Open("pgx", o.DatabaseURL)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		db.SetMaxOpenConns(cmp.Or(o.MaxConns, 16))
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("connect to postgres: %w", err)
		}
		s.Engine, s.Write, s.Read = Postgres, db, db
	} else {
		if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
		path := filepath.Join(o.DataDir, "hub.db")
		w, err := sqlitedb.Open(path, 1)
		if err != nil {
			return nil, err
		}
		r, err := sqlitedb.Open(path, 4)
		if err != nil {
			w.Close()
			return nil, err
		}
		s.Engine, s.Write, s.Read = SQLite, w, r
	}
	if !o.NoMigrate {
		if err := s.Migrate(ctx); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// Close releases the pools.
func (s *Store) Close() error {
	err := s.Write.Close()
	if s.Read != s.Write {
		err = errors.Join(err, s.Read.Close())
	}
	return err
}

func (s *Store) migrate(ctx context.Context) error {
	p, err := s.goose()
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	return nil
}

// goose returns the migration provider of the store's engine.
func (s *Store) goose() (*goose.Provider, error) {
	dialect, dir := goose.DialectSQLite3, "migrations/sqlite"
	if s.Engine == Postgres {
		dialect, dir = goose.DialectPostgres, "migrations/postgres"
	}
	sub, err := fs.Sub(migrations, dir)
	if err != nil {
		return nil, err
	}
	p, err := goose.NewProvider(dialect, s.Write, sub)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return p, nil
}

// Now is the store's clock, in unix milliseconds.
func (s *Store) nowMS() int64 { return s.now().UnixMilli() }

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func nullMS(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ms(*t)
}

func fromNullMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

// inTx runs fn in a write transaction and commits when it returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.Write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// isUnique reports a unique-constraint violation on either engine.
func isUnique(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "SQLSTATE 23505")
}

// ErrNotFound is returned for rows that do not exist for the caller.
var ErrNotFound = errors.New("not found")

func notFound(err error, domainErr error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return domainErr
	}
	return err
}

// boolInt stores a flag as 0 or 1, the same on both engines.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
