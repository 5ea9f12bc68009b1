package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// PutRoute routes a customer's console URL to its environment (idempotent).
func (s *Store) PutRoute(ctx context.Context, partnerID, customerID string) error {
	_, err := s.Write.ExecContext(ctx, `INSERT INTO console_routes (customer_id, partner_id, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (customer_id) DO NOTHING`, customerID, partnerID, s.nowMS())
	return err
}

// DeleteRoute removes a customer's console route (idempotent).
func (s *Store) DeleteRoute(ctx context.Context, partnerID, customerID string) error {
	_, err := s.Write.ExecContext(ctx, `DELETE FROM console_routes WHERE partner_id = $1 AND customer_id = $2`, partnerID, customerID)
	return err
}

// ConsoleRouted tells the console server whether a customer's URL leads anywhere.
func (s *Store) ConsoleRouted(ctx context.Context, customerID string) (bool, error) {
	var n int
	err := s.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM console_routes WHERE customer_id = $1`, customerID).Scan(&n)
	return n > 0, err
}

// CountRoutes counts the console routes of a partner (checks and tests).
func (s *Store) CountRoutes(ctx context.Context, partnerID string) (int, error) {
	var n int
	err := s.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM console_routes WHERE partner_id = $1`, partnerID).Scan(&n)
	return n, err
}

// Handoff is a single-use ticket that takes a partner user into one
// customer's console; only the hash of its token is kept.
type Handoff struct {
	TokenHash  string
	CustomerID string
	PartnerID  string
	UserID     string
	Email      string
	ExpiresAt  time.Time
}

// CreateHandoff stores a hand-off ticket.
func (s *Store) CreateHandoff(ctx context.Context, h Handoff) error {
	_, err := s.Write.ExecContext(ctx, `INSERT INTO handoff_tokens (token_hash, customer_id, partner_id, user_id, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, h.TokenHash, h.CustomerID, h.PartnerID, h.UserID, ms(h.ExpiresAt))
	return err
}

// ErrHandoffInvalid covers unknown, used, expired and wrong-customer tickets
// alike: the console does not tell an attacker which.
var ErrHandoffInvalid = errors.New("hand-off token invalid, used or expired")

// RedeemHandoff marks a ticket used, once, if it is for customerID and not
// expired, and returns it with the user's email.
func (s *Store) RedeemHandoff(ctx context.Context, tokenHash, customerID string, now time.Time) (Handoff, error) {
	var h Handoff
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE handoff_tokens SET used_at = $1
			WHERE token_hash = $2 AND customer_id = $3 AND used_at IS NULL AND expires_at > $1`, ms(now), tokenHash, customerID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrHandoffInvalid
		}
		var exp int64
		err = tx.QueryRowContext(ctx, `SELECT h.token_hash, h.customer_id, h.partner_id, h.user_id, u.email, h.expires_at
			FROM handoff_tokens h JOIN users u ON u.id = h.user_id WHERE h.token_hash = $1`, tokenHash).
			Scan(&h.TokenHash, &h.CustomerID, &h.PartnerID, &h.UserID, &h.Email, &exp)
		h.ExpiresAt = fromMS(exp)
		return err
	})
	return h, err
}

// DeleteHandoffs removes a customer's tickets (part of deleting it).
func (s *Store) DeleteHandoffs(ctx context.Context, partnerID, customerID string) error {
	_, err := s.Write.ExecContext(ctx, `DELETE FROM handoff_tokens WHERE partner_id = $1 AND customer_id = $2`, partnerID, customerID)
	return err
}

// RevokeHandoffs uses up a customer's outstanding hand-off tickets (when
// its admin revokes the partner's access).
func (s *Store) RevokeHandoffs(ctx context.Context, customerID string) error {
	_, err := s.Write.ExecContext(ctx, `UPDATE handoff_tokens SET used_at = $1 WHERE customer_id = $2 AND used_at IS NULL`, s.nowMS(), customerID)
	return err
}
