package console

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"time"
)

// actorHub marks changes made by the hub's deployment and actions, as
// opposed to people signed in to the console.
const actorHub = "hub"

// audit records a change inside the transaction that makes it, so the
// trail never claims a change that was rolled back.
func audit(ctx context.Context, tx *sql.Tx, at time.Time, actor, action, detail string) error {
	if v, err := txVersion(ctx, tx); err != nil {
		return fmt.Errorf("console: audit %s: %w", action, err)
	} else if v < 2 {
		return nil // the audit trail came with schema version 2
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Errorf("console: audit id: %w", err)
	}
	_, err := tx.ExecContext(ctx,
		`INSERT INTO audit (id, at, actor, action, detail) VALUES ($1, $2, $3, $4, $5)`,
		hex.EncodeToString(b[:]), at.UnixMilli(), actor, action, detail)
	if err != nil {
		return fmt.Errorf("console: audit %s: %w", action, err)
	}
	return nil
}

// inTx runs fn in one write transaction on the customer's current-schema
// database; the immediate lock makes concurrent retries of a step queue
// instead of interleaving.
func (m *Manager) inTx(ctx context.Context, customerID string, fn func(*sql.Tx) error) error {
	db, err := m.current(ctx, customerID)
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("console: begin %s: %w", customerID, err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("console: commit %s: %w", customerID, err)
	}
	return nil
}
