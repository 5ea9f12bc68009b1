package partnersystem

import (
	"context"
	"database/sql"
	"fmt"
)

// schema is the partner system's whole schema. Every statement is idempotent
// so Migrate can run at every start. The SQL is the common ground of SQLite
// and PostgreSQL (TEXT, BIGINT, CHECK, ON CONFLICT), and the ps_ prefix keeps
// the tables apart from the hub's when both share one PostgreSQL database.
// Times are BIGINT unix milliseconds: both engines compare and sort them the
// same way, which is not true of their native time types.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS ps_accounts (
		id                TEXT    NOT NULL PRIMARY KEY,
		kind              TEXT    NOT NULL CHECK (kind IN ('partner', 'customer')),
		name              TEXT    NOT NULL,
		external_ref      TEXT    NOT NULL UNIQUE,
		parent_account_id TEXT    REFERENCES ps_accounts (id),
		status            TEXT    NOT NULL CHECK (status IN ('active', 'closed')),
		created_at        BIGINT  NOT NULL,
		closed_at         BIGINT,
		CHECK ((kind = 'partner') = (parent_account_id IS NULL))
	)`,
	`CREATE INDEX IF NOT EXISTS ps_accounts_parent_idx ON ps_accounts (parent_account_id)`,
	`CREATE INDEX IF NOT EXISTS ps_accounts_kind_status_idx ON ps_accounts (kind, status)`,
}

// Migrate creates the partner system's tables and indexes when missing.
func Migrate(ctx context.Context, db *sql.DB) error {
	for i, stmt := range schema {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("partnersystem: migrate statement %d: %w", i+1, err)
		}
	}
	return nil
}
