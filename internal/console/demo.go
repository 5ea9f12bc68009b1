package console

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// ResetDemoData moves the dummy data so that it ends at now, as it did on
// the day it was seeded: every demo date shifts by the time since the last
// seed or reset (kept in settings.demo_anchor), and no row is added or
// removed. Running it twice with the same now shifts nothing the second time.
// Without dummy data it does nothing.
func (m *Manager) ResetDemoData(ctx context.Context, customerID string, now time.Time) error {
	return m.inTx(ctx, customerID, func(tx *sql.Tx) error {
		var anchor int64
		if err := tx.QueryRowContext(ctx, `SELECT demo_anchor FROM settings WHERE id = 1`).Scan(&anchor); err != nil {
			return fmt.Errorf("console: reset demo: %w", err)
		}
		if anchor == 0 {
			return nil
		}
		delta := now.UnixMilli() - anchor
		if delta == 0 {
			return nil
		}
		for _, q := range []string{
			`UPDATE events SET occurred_at = occurred_at + $1 WHERE demo = TRUE`,
			`UPDATE endpoints SET last_seen_at = last_seen_at + $1 WHERE demo = TRUE`,
			`UPDATE users SET created_at = created_at + $1, last_login_at = last_login_at + $1 WHERE demo = TRUE`,
		} {
			if _, err := tx.ExecContext(ctx, q, delta); err != nil {
				return fmt.Errorf("console: reset demo: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE settings SET demo_anchor = $1 WHERE id = 1`, now.UnixMilli()); err != nil {
			return fmt.Errorf("console: reset demo: %w", err)
		}
		return audit(ctx, tx, now, actorHub, "demo.reset", time.Duration(delta*int64(time.Millisecond)).String())
	})
}

// RemoveDemoData converts a DEMO environment into a customer's: the dummy
// rows go, the baseline stays, and the profile's type becomes customer so
// the console stops showing the DEMO badge even before the hub renames it.
func (m *Manager) RemoveDemoData(ctx context.Context, customerID string) error {
	now := m.now()
	return m.inTx(ctx, customerID, func(tx *sql.Tx) error {
		var anchor int64
		if err := tx.QueryRowContext(ctx, `SELECT demo_anchor FROM settings WHERE id = 1`).Scan(&anchor); err != nil {
			return fmt.Errorf("console: remove demo: %w", err)
		}
		for _, q := range []string{
			`DELETE FROM events WHERE demo = TRUE`,
			`DELETE FROM endpoints WHERE demo = TRUE`,
			`DELETE FROM users WHERE demo = TRUE`,
			`UPDATE settings SET demo_anchor = 0 WHERE id = 1`,
			`UPDATE profile SET type = 'customer' WHERE type = 'demo'`,
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("console: remove demo: %w", err)
			}
		}
		if anchor == 0 {
			return nil // nothing was there; keep the audit trail quiet on retries
		}
		return audit(ctx, tx, now, actorHub, "demo.remove", "")
	})
}
