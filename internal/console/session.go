package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// sessionTTL bounds a console session: a working day, after which the
// partner visits again from the hub.
const sessionTTL = 8 * time.Hour

// hashToken is what the database keeps of a session token, so a copy of a
// customer database does not hand out live sessions.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// startSession stores a new session for v in the customer's own database
// (a cookie of one customer is meaningless in another's) and returns the
// token for the cookie. Expired sessions are swept in the same transaction.
func (m *Manager) startSession(ctx context.Context, customerID string, v Visitor, now time.Time) (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("console: session token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(b[:])
	err := m.inTx(ctx, customerID, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM console_sessions WHERE expires_at <= $1`, now.UnixMilli()); err != nil {
			return fmt.Errorf("console: sweep sessions: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO console_sessions
			(token_hash, user_id, email, partner_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			hashToken(token), v.UserID, v.Email, v.PartnerID, now.UnixMilli(), now.Add(sessionTTL).UnixMilli()); err != nil {
			return fmt.Errorf("console: start session: %w", err)
		}
		return audit(ctx, tx, now, v.Email, "console.sign_in", "partner "+v.PartnerID)
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// sessionVisitor returns who holds token; ok is false for an unknown or
// expired token.
func (m *Manager) sessionVisitor(ctx context.Context, customerID, token string, now time.Time) (v Visitor, ok bool, err error) {
	db, err := m.current(ctx, customerID)
	if err != nil {
		return Visitor{}, false, err
	}
	var since int64
	err = db.QueryRowContext(ctx, `SELECT user_id, email, partner_id, created_at FROM console_sessions
		WHERE token_hash = $1 AND expires_at > $2`, hashToken(token), now.UnixMilli()).
		Scan(&v.UserID, &v.Email, &v.PartnerID, &since)
	v.Since = time.UnixMilli(since)
	if errors.Is(err, sql.ErrNoRows) {
		return Visitor{}, false, nil
	}
	if err != nil {
		return Visitor{}, false, fmt.Errorf("console: read session: %w", err)
	}
	return v, true, nil
}

// endSession deletes a session (sign-out).
func (m *Manager) endSession(ctx context.Context, customerID, token string) error {
	return m.inTx(ctx, customerID, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM console_sessions WHERE token_hash = $1`, hashToken(token))
		return err
	})
}
