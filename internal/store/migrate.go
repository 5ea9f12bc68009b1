package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/pressly/goose/v3"
)

// migrationLockSQL takes a session-level advisory lock named after the
// schema the hub lives in, so that replicas sharing one database migrate one
// at a time while installations in other schemas (tests, a staging copy) do
// not wait for each other.
const (
	migrationLockSQL   = `SELECT pg_advisory_lock(hashtextextended('partnerhub.migrate.' || current_schema(), 0))`
	migrationUnlockSQL = `SELECT pg_advisory_unlock(hashtextextended('partnerhub.migrate.' || current_schema(), 0))`
)

// Migrate applies the hub's pending migrations, holding the migration lock.
func (s *Store) Migrate(ctx context.Context) error {
	return s.WithMigrationLock(ctx, s.migrate)
}

// ApplyMigrations applies the hub's pending migrations; the caller holds
// the migration lock (WithMigrationLock), as `partnerhub migrate up` does
// around the hub's, River's and the partner system's migrations together.
func (s *Store) ApplyMigrations(ctx context.Context) error { return s.migrate(ctx) }

// WithMigrationLock runs fn while holding the migration lock. On PostgreSQL
// it is an advisory lock held by one dedicated connection: replicas that
// start together queue on it, the first one migrates, and the others find
// nothing left to do. The lock dies with the connection, so a replica killed
// half-way never leaves the others waiting. On SQLite, which one process
// owns, fn simply runs.
func (s *Store) WithMigrationLock(ctx context.Context, fn func(ctx context.Context) error) error {
	if s.Engine != Postgres {
		return fn(ctx)
	}
	conn, err := s.Write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, migrationLockSQL); err != nil {
		// Whether or not the lock was granted before the error, this
		// connection must not go back to the pool holding it.
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		return fmt.Errorf("migration lock: %w", err)
	}
	defer func() {
		unlockCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, err := conn.ExecContext(unlockCtx, migrationUnlockSQL); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	return fn(ctx)
}

// MigrationState is one of the hub's migrations and whether it is applied.
type MigrationState struct {
	Version int64
	Name    string
	Applied bool
	At      time.Time
}

// MigrationStatus lists the hub's migrations, applied or pending, without
// changing anything.
func (s *Store) MigrationStatus(ctx context.Context) ([]MigrationState, error) {
	p, err := s.goose()
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	out := make([]MigrationState, 0, len(st))
	for _, m := range st {
		out = append(out, MigrationState{Version: m.Source.Version, Name: baseName(m.Source.Path),
			Applied: m.State == goose.StateApplied, At: m.AppliedAt})
	}
	return out, nil
}

func baseName(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return p
}

// ErrNotMigrated means the database answers but misses migrations this
// binary needs: a replica of a newer release started before `partnerhub
// migrate up` ran, say.
var ErrNotMigrated = errors.New("database schema is not up to date")

// Ready checks what a load balancer needs to know before sending traffic:
// the database answers and the hub's schema is at this binary's version. It
// only reads.
func (s *Store) Ready(ctx context.Context) error {
	if err := s.Write.PingContext(ctx); err != nil {
		return fmt.Errorf("database unreachable: %w", err)
	}
	var current int64
	err := s.Read.QueryRowContext(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version`).Scan(&current)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotMigrated, err)
	}
	if want := latestMigration(s.Engine); current < want {
		return fmt.Errorf("%w: at version %d, want %d", ErrNotMigrated, current, want)
	}
	return nil
}

// latestMigration is the highest migration version embedded for engine.
func latestMigration(e Engine) int64 {
	dir := "migrations/sqlite"
	if e == Postgres {
		dir = "migrations/postgres"
	}
	entries, err := migrations.ReadDir(dir)
	if err != nil {
		return 0
	}
	var latest int64
	for _, e := range entries {
		if v, err := goose.NumericComponent(e.Name()); err == nil && v > latest {
			latest = v
		}
	}
	return latest
}
