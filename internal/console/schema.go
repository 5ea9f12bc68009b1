package console

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// CurrentVersion is the console schema this code reads and writes.
const CurrentVersion = 2

// MinVersion is the oldest schema this code still serves; Update brings a
// database from there to CurrentVersion.
const MinVersion = 1

// txVersion reads the schema version inside a transaction, for writes that
// depend on it (the audit table and endpoint OS builds came with version 2).
func txVersion(ctx context.Context, tx *sql.Tx) (int, error) {
	var v int
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&v)
	return v, err
}

// migrations are the ordered schema steps: migrations[v-1] brings the
// database to version v. Steps are only ever appended, never edited, because
// customer databases already ran them. Times are BIGINT unix milliseconds
// and ids TEXT so the same DDL runs on PostgreSQL.
var migrations = [][]string{{ // version 1: the first console
	`CREATE TABLE profile (
			id INTEGER PRIMARY KEY CHECK (id = 1),
			company_name TEXT NOT NULL,
			short_name TEXT NOT NULL,
			type TEXT NOT NULL CHECK (type IN ('customer', 'demo')),
			updated_at BIGINT NOT NULL)`,
	`CREATE TABLE settings (
			id INTEGER PRIMARY KEY CHECK (id = 1),
			partner_access BOOLEAN NOT NULL DEFAULT FALSE,
			partner_id TEXT NOT NULL DEFAULT '',
			demo_anchor BIGINT NOT NULL DEFAULT 0)`,
	`INSERT INTO settings (id) VALUES (1)`,
	`CREATE TABLE policies (
			id TEXT PRIMARY KEY,
			name TEXT NOT NULL,
			description TEXT NOT NULL,
			enabled BOOLEAN NOT NULL DEFAULT TRUE)`,
	`CREATE TABLE classifications (
			id TEXT PRIMARY KEY,
			name TEXT NOT NULL,
			rank INTEGER NOT NULL)`,
	`CREATE TABLE users (
			id TEXT PRIMARY KEY,
			name TEXT NOT NULL,
			email TEXT NOT NULL,
			department TEXT NOT NULL,
			created_at BIGINT NOT NULL,
			last_login_at BIGINT NOT NULL,
			demo BOOLEAN NOT NULL DEFAULT FALSE)`,
	`CREATE TABLE endpoints (
			id TEXT PRIMARY KEY,
			hostname TEXT NOT NULL,
			os TEXT NOT NULL,
			owner_email TEXT NOT NULL,
			last_seen_at BIGINT NOT NULL,
			demo BOOLEAN NOT NULL DEFAULT FALSE)`,
	`CREATE TABLE events (
			id TEXT PRIMARY KEY,
			occurred_at BIGINT NOT NULL,
			risk TEXT NOT NULL CHECK (risk IN ('high', 'medium', 'low', 'info')),
			endpoint TEXT NOT NULL,
			user_email TEXT NOT NULL,
			title TEXT NOT NULL,
			demo BOOLEAN NOT NULL DEFAULT FALSE)`,
	`CREATE INDEX events_occurred_at ON events (occurred_at)`,
	`CREATE TABLE console_sessions (
			token_hash TEXT PRIMARY KEY,
			user_id TEXT NOT NULL,
			email TEXT NOT NULL,
			partner_id TEXT NOT NULL,
			created_at BIGINT NOT NULL,
			expires_at BIGINT NOT NULL)`,
}, { // version 2: endpoint OS builds and an audit trail of console changes
	`ALTER TABLE endpoints ADD COLUMN os_version TEXT NOT NULL DEFAULT ''`,
	`CREATE TABLE audit (
			id TEXT PRIMARY KEY,
			at BIGINT NOT NULL,
			actor TEXT NOT NULL,
			action TEXT NOT NULL,
			detail TEXT NOT NULL DEFAULT '')`,
	`CREATE INDEX audit_at ON audit (at)`,
}}

// migrateTo applies the missing steps up to target in one transaction, so a
// crash leaves the database at the old version, never in between. The
// transaction takes the write lock first (immediate), so two concurrent
// runs apply each step once.
func migrateTo(ctx context.Context, db *sql.DB, target int) (from, to int, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("console: migrate: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
		version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return 0, 0, fmt.Errorf("console: migrate: %w", err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&from); err != nil {
		return 0, 0, fmt.Errorf("console: migrate: %w", err)
	}
	if from > CurrentVersion {
		return from, from, fmt.Errorf("%w: database at version %d is newer than this code (%d)", ErrOutdated, from, CurrentVersion)
	}
	for v := from + 1; v <= target; v++ {
		for _, stmt := range migrations[v-1] {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return from, from, fmt.Errorf("console: migrate to version %d: %w", v, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)`,
			v, time.Now().UnixMilli()); err != nil {
			return from, from, fmt.Errorf("console: migrate to version %d: %w", v, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return from, from, fmt.Errorf("console: migrate: %w", err)
	}
	return from, max(from, target), nil
}

// schemaVersion reads the version, 0 for a file never migrated (a crash
// right after creating it). It asks the engine's catalog: sqlite_master
// for a customer's file, pg_tables for a customer's schema.
func schemaVersion(ctx context.Context, db *sql.DB) (int, error) {
	q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'`
	if isPostgres(db) {
		q = `SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_version'`
	}
	var n int
	if err := db.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return 0, fmt.Errorf("console: schema version: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	var v int
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("console: schema version: %w", err)
	}
	return v, nil
}

func outdated(v int) error {
	return fmt.Errorf("%w: schema version %d, want %d", ErrOutdated, v, CurrentVersion)
}
