package store

import (
	"context"
	"database/sql"
	"time"
)

// CreateSession stores a browser session under the hash of its token.
// mustChange holds the session to the password change until it is made
// (opened with a one-time password).
func (s *Store) CreateSession(ctx context.Context, tokenHash, userID string, expires time.Time, mustChange bool) error {
	now := s.nowMS()
	_, err := s.Write.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at, must_change_password)
		VALUES ($1, $2, $3, $4, $3, $5)`, tokenHash, userID, now, ms(expires), boolInt(mustChange))
	return err
}

// touchEvery spaces the writes that record a session's or a token's use:
// once a minute is precise enough for idle timeouts and "last used", and
// keeps the usual request at one read.
const touchEvery = time.Minute

// SessionUser returns the user of a live session: not past its absolute
// expiry, and used within idle (0: no idle timeout). It records the use at
// most once a minute. The user's MustChangePassword is the session's.
func (s *Store) SessionUser(ctx context.Context, tokenHash string, now time.Time, idle time.Duration) (User, error) {
	var lastSeen int64
	var must int
	idleCut := int64(0)
	if idle > 0 {
		idleCut = ms(now.Add(-idle))
	}
	u, err := scanUser(s.Read.QueryRowContext(ctx, `SELECT `+userCols+`, x.last_seen_at, x.must_change_password FROM sessions x JOIN users u ON u.id = x.user_id
		WHERE x.token_hash = $1 AND x.expires_at > $2 AND x.last_seen_at > $3`, tokenHash, ms(now), idleCut), &lastSeen, &must)
	u.MustChangePassword = must != 0
	if err != nil || lastSeen >= ms(now.Add(-touchEvery)) {
		return u, err
	}
	_, err = s.Write.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2`, ms(now), tokenHash)
	return u, err
}

// DeleteSession ends a session (sign-out).
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := s.Write.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash)
	return err
}

// DeleteUserSessions ends every session of a user (sign-out everywhere, a
// password change) except the one whose hash is keep ("" keeps none).
// The user's console sessions end too (sessions_revoked_at), the kept
// hub session's included: it opens them again with a Visit.
func (s *Store) DeleteUserSessions(ctx context.Context, userID, keep string) (n int, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		n, err = endSessions(ctx, tx, userID, keep, s.nowMS())
		return err
	})
	return n, err
}

// endSessions ends the user's hub sessions but keep, their console sessions
// opened until now (sessions_revoked_at), and the sign-in links to consoles
// they have not used yet: a link taken just before would otherwise open a
// fresh console session afterwards.
func endSessions(ctx context.Context, tx *sql.Tx, userID, keep string, now int64) (int, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2`, userID, keep)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	if _, err := tx.ExecContext(ctx, `UPDATE users SET sessions_revoked_at = $1 WHERE id = $2`, now, userID); err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM handoff_tokens WHERE user_id = $1 AND used_at IS NULL`, userID)
	return int(n), err
}

// APIToken is a named bearer token of a user; only its hash is kept.
type APIToken struct {
	ID        string
	UserID    string
	Name      string
	TokenHash string
	// Role narrows the token below its user's role; "" is the user's role.
	Role       string
	UserEmail  string // filled by Tokens
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// CreateAPIToken stores a new token.
func (s *Store) CreateAPIToken(ctx context.Context, t APIToken) error {
	_, err := s.Write.ExecContext(ctx, `INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, role) VALUES ($1, $2, $3, $4, $5, $6)`,
		t.ID, t.UserID, t.Name, t.TokenHash, s.nowMS(), t.Role)
	return err
}

// TokenUser returns the user of a token that is not revoked with the
// token's own role cap, and records its use at most once a minute. The read
// tells whether the record is due, so the usual request costs one query,
// not a read and a write.
func (s *Store) TokenUser(ctx context.Context, tokenHash string) (User, string, error) {
	var lastUsed sql.NullInt64
	var role string
	u, err := scanUser(s.Read.QueryRowContext(ctx, `SELECT `+userCols+`, t.last_used_at, t.role FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1 AND t.revoked_at IS NULL`, tokenHash), &lastUsed, &role)
	if err != nil {
		return u, "", err
	}
	now := s.nowMS()
	if lastUsed.Valid && lastUsed.Int64 >= now-touchEvery.Milliseconds() {
		return u, role, nil
	}
	// The threshold is a parameter of its own: PostgreSQL would type
	// "$1 - 60000" as integer and refuse a millisecond timestamp.
	_, err = s.Write.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2 AND (last_used_at IS NULL OR last_used_at < $3)`,
		now, tokenHash, now-touchEvery.Milliseconds())
	return u, role, err
}

// Tokens lists the API tokens of a partner's users, newest first, revoked
// ones included (they show when they were revoked).
func (s *Store) Tokens(ctx context.Context, partnerID string) ([]APIToken, error) {
	return s.tokens(ctx, `u.partner_id = $1`, partnerID)
}

func (s *Store) tokens(ctx context.Context, where string, args ...any) ([]APIToken, error) {
	rows, err := s.Read.QueryContext(ctx, `SELECT t.id, t.user_id, u.email, t.name, t.role, t.created_at, t.last_used_at, t.revoked_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE `+where+` ORDER BY t.created_at DESC, t.id DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		var t APIToken
		var created int64
		var used, revoked sql.NullInt64
		if err := rows.Scan(&t.ID, &t.UserID, &t.UserEmail, &t.Name, &t.Role, &created, &used, &revoked); err != nil {
			return nil, err
		}
		t.CreatedAt, t.LastUsedAt, t.RevokedAt = fromMS(created), fromNullMS(used), fromNullMS(revoked)
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken revokes one of the partner's tokens and returns it; another
// partner's token is not found. Revoking twice keeps the first time.
func (s *Store) RevokeToken(ctx context.Context, partnerID, tokenID string) (APIToken, error) {
	if _, err := s.Write.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL
		AND user_id IN (SELECT id FROM users WHERE partner_id = $3)`, s.nowMS(), tokenID, partnerID); err != nil {
		return APIToken{}, err
	}
	ts, err := s.tokens(ctx, `u.partner_id = $1 AND t.id = $2`, partnerID, tokenID)
	if err != nil {
		return APIToken{}, err
	}
	if len(ts) == 0 {
		return APIToken{}, ErrNotFound
	}
	return ts[0], nil
}
