package store

import (
	"context"
	"database/sql"
	"time"
)

// CreateSession stores a browser session under the hash of its token.
func (s *Store) CreateSession(ctx context.Context, tokenHash, userID string, expires time.Time) error {
	now := s.nowMS()
	_, err := s.Write.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at)
		VALUES ($1, $2, $3, $4, $3)`, tokenHash, userID, now, ms(expires))
	return err
}

// SessionUser returns the user of a live session.
func (s *Store) SessionUser(ctx context.Context, tokenHash string, now time.Time) (User, error) {
	return scanUser(s.Read.QueryRowContext(ctx, `SELECT `+userCols+` FROM sessions x JOIN users u ON u.id = x.user_id
		WHERE x.token_hash = $1 AND x.expires_at > $2`, tokenHash, ms(now)))
}

// DeleteSession ends a session (sign-out).
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := s.Write.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash)
	return err
}

// APIToken is a named bearer token of a user; only its hash is kept.
type APIToken struct {
	ID        string
	UserID    string
	Name      string
	TokenHash string
}

// CreateAPIToken stores a new token.
func (s *Store) CreateAPIToken(ctx context.Context, t APIToken) error {
	_, err := s.Write.ExecContext(ctx, `INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)`,
		t.ID, t.UserID, t.Name, t.TokenHash, s.nowMS())
	return err
}

// TokenUser returns the user of a token that is not revoked, and records
// its use at most once a minute. The read tells whether the record is due,
// so the usual request costs one query, not a read and a write.
func (s *Store) TokenUser(ctx context.Context, tokenHash string) (User, error) {
	var u User
	var created int64
	var lastUsed sql.NullInt64
	err := s.Read.QueryRowContext(ctx, `SELECT `+userCols+`, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1 AND t.revoked_at IS NULL`, tokenHash).
		Scan(&u.ID, &u.PartnerID, &u.Email, &u.Name, &u.Role, &u.PasswordHash, &created, &lastUsed)
	if err != nil {
		return u, notFound(err, ErrNotFound)
	}
	u.CreatedAt = fromMS(created)
	now := s.nowMS()
	if lastUsed.Valid && lastUsed.Int64 >= now-60000 {
		return u, nil
	}
	// The threshold is a parameter of its own: PostgreSQL would type
	// "$1 - 60000" as integer and refuse a millisecond timestamp.
	_, err = s.Write.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2 AND (last_used_at IS NULL OR last_used_at < $3)`, now, tokenHash, now-60000)
	return u, err
}
