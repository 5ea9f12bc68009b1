package console

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// GrantPartnerAccess lets partnerID's staff sign in to the console through a
// hand-off. Sessions of any other partner end, because at most one partner
// holds delegated access at a time. The hub's deployment calls it.
func (m *Manager) GrantPartnerAccess(ctx context.Context, customerID, partnerID string) error {
	return m.grant(ctx, customerID, partnerID, actorHub)
}

// CustomerGrantPartnerAccess is the customer's admin giving the partner its
// access back, from the console's settings; by names them in the audit.
func (m *Manager) CustomerGrantPartnerAccess(ctx context.Context, customerID, partnerID, by string) error {
	return m.grant(ctx, customerID, partnerID, by)
}

func (m *Manager) grant(ctx context.Context, customerID, partnerID, actor string) error {
	if strings.TrimSpace(partnerID) == "" {
		return fmt.Errorf("%w: partner id is required", ErrInvalid)
	}
	now := m.now()
	return m.inTx(ctx, customerID, func(tx *sql.Tx) error {
		granted, current, err := readAccess(ctx, tx)
		if err != nil || (granted && current == partnerID) {
			return err
		}
		if _, err := tx.ExecContext(ctx,
			`UPDATE settings SET partner_access = TRUE, partner_id = $1 WHERE id = 1`, partnerID); err != nil {
			return fmt.Errorf("console: grant access: %w", err)
		}
		// Other partners' sessions end; the customer's own (partner_id '')
		// stay.
		if _, err := tx.ExecContext(ctx,
			`DELETE FROM console_sessions WHERE partner_id <> $1 AND partner_id <> ''`, partnerID); err != nil {
			return fmt.Errorf("console: grant access: %w", err)
		}
		return audit(ctx, tx, now, actor, "partner_access.grant", partnerID)
	})
}

// RevokePartnerAccess withdraws the partner's access and ends the partner's
// open console sessions at once, not when they expire.
func (m *Manager) RevokePartnerAccess(ctx context.Context, customerID string) error {
	return m.revoke(ctx, customerID, actorHub)
}

// CustomerRevokePartnerAccess is the customer's admin taking the partner's
// access away from the console's settings.
func (m *Manager) CustomerRevokePartnerAccess(ctx context.Context, customerID, by string) error {
	return m.revoke(ctx, customerID, by)
}

func (m *Manager) revoke(ctx context.Context, customerID, actor string) error {
	now := m.now()
	return m.inTx(ctx, customerID, func(tx *sql.Tx) error {
		granted, current, err := readAccess(ctx, tx)
		if err != nil || !granted {
			return err
		}
		if _, err := tx.ExecContext(ctx,
			`UPDATE settings SET partner_access = FALSE, partner_id = '' WHERE id = 1`); err != nil {
			return fmt.Errorf("console: revoke access: %w", err)
		}
		if _, err := tx.ExecContext(ctx,
			`DELETE FROM console_sessions WHERE partner_id <> ''`); err != nil {
			return fmt.Errorf("console: revoke access: %w", err)
		}
		return audit(ctx, tx, now, actor, "partner_access.revoke", current)
	})
}

// PartnerAccess reports whether a partner holds delegated access, and which.
func (m *Manager) PartnerAccess(ctx context.Context, customerID string) (granted bool, partnerID string, err error) {
	db, err := m.current(ctx, customerID)
	if err != nil {
		return false, "", err
	}
	return readAccess(ctx, db)
}

func readAccess(ctx context.Context, q querier) (granted bool, partnerID string, err error) {
	err = q.QueryRowContext(ctx, `SELECT partner_access, partner_id FROM settings WHERE id = 1`).
		Scan(&granted, &partnerID)
	if err != nil {
		return false, "", fmt.Errorf("console: read access: %w", err)
	}
	return granted, partnerID, nil
}
