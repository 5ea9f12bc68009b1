package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// SigninLock returns until when the latest lock among keys holds, or the
// zero time when none is locked at now.
func (s *Store) SigninLock(ctx context.Context, keys []string, now time.Time) (time.Time, error) {
	var until time.Time
	for _, k := range keys {
		var v int64
		err := s.Read.QueryRowContext(ctx, `SELECT locked_until FROM signin_failures WHERE key = $1`, k).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return time.Time{}, err
		}
		if t := fromMS(v); t.After(now) && t.After(until) {
			until = t
		}
	}
	return until, nil
}

// RecordSigninFailure counts a failed sign-in for key. Failures older than
// window start the count again; the limit-th failure within it locks the
// key for lockFor and reports locked. One upsert counts, so concurrent
// failures on PostgreSQL are all counted.
func (s *Store) RecordSigninFailure(ctx context.Context, key string, now time.Time, window time.Duration, limit int, lockFor time.Duration) (locked bool, err error) {
	var n int
	err = s.Write.QueryRowContext(ctx, `INSERT INTO signin_failures (key, failures, first_at, locked_until) VALUES ($1, 1, $2, 0)
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN signin_failures.first_at < $3 THEN 1 ELSE signin_failures.failures + 1 END,
			first_at = CASE WHEN signin_failures.first_at < $3 THEN $2 ELSE signin_failures.first_at END
		RETURNING failures`, key, ms(now), ms(now.Add(-window))).Scan(&n)
	if err != nil || n < limit {
		return false, err
	}
	_, err = s.Write.ExecContext(ctx, `UPDATE signin_failures SET failures = 0, first_at = $1, locked_until = $2 WHERE key = $3`,
		ms(now), ms(now.Add(lockFor)), key)
	return err == nil, err
}

// ClearSigninFailures forgets key's failures (after a successful sign-in);
// a lock in force stays until it runs out.
func (s *Store) ClearSigninFailures(ctx context.Context, key string) error {
	_, err := s.Write.ExecContext(ctx, `DELETE FROM signin_failures WHERE key = $1 AND locked_until < $2`, key, s.nowMS())
	return err
}

// LiftSigninLock forgets key's failures and lifts its lock, in force or not
// (a password reset: its new holder must be able to sign in at once).
func (s *Store) LiftSigninLock(ctx context.Context, key string) error {
	_, err := s.Write.ExecContext(ctx, `DELETE FROM signin_failures WHERE key = $1`, key)
	return err
}

// PutOIDCState keeps what the OIDC callback needs under the hash of the
// state, and sweeps states nobody came back for.
func (s *Store) PutOIDCState(ctx context.Context, stateHash, nonce, verifier string, expires time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM oidc_states WHERE expires_at < $1`, s.nowMS()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO oidc_states (state_hash, nonce, code_verifier, expires_at) VALUES ($1, $2, $3, $4)`,
			stateHash, nonce, verifier, ms(expires))
		return err
	})
}

// TakeOIDCState returns and deletes a state, once: a replayed callback
// finds nothing. An expired state is not found either.
func (s *Store) TakeOIDCState(ctx context.Context, stateHash string, now time.Time) (nonce, verifier string, err error) {
	var exp int64
	err = s.Write.QueryRowContext(ctx, `DELETE FROM oidc_states WHERE state_hash = $1 RETURNING nonce, code_verifier, expires_at`, stateHash).
		Scan(&nonce, &verifier, &exp)
	if errors.Is(err, sql.ErrNoRows) || err == nil && exp <= ms(now) {
		return "", "", ErrNotFound
	}
	return nonce, verifier, err
}
