package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// ErrLastAdmin refuses a change that would leave a partner without an admin.
var ErrLastAdmin = errors.New("a partner must keep at least one admin")

// CreateUser adds a user to a partner (an invitation, or someone who joined
// through the partner's identity-provider tenant).
func (s *Store) CreateUser(ctx context.Context, u User) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return insertUser(ctx, tx, u, s.nowMS()) })
}

// UserByID returns one of the partner's users; another partner's is not found.
func (s *Store) UserByID(ctx context.Context, partnerID, id string) (User, error) {
	return scanUser(s.Read.QueryRowContext(ctx, `SELECT `+userCols+` FROM users u WHERE u.partner_id = $1 AND u.id = $2`, partnerID, id))
}

// UserByOIDC finds the user linked to an identity-provider account.
func (s *Store) UserByOIDC(ctx context.Context, issuer, subject string) (User, error) {
	if subject == "" {
		return User{}, ErrNotFound
	}
	return scanUser(s.Read.QueryRowContext(ctx, `SELECT `+userCols+` FROM users u WHERE u.oidc_issuer = $1 AND u.oidc_subject = $2`, issuer, subject))
}

// Users lists a partner's users by email.
func (s *Store) Users(ctx context.Context, partnerID string) ([]User, error) {
	rows, err := s.Read.QueryContext(ctx, `SELECT `+userCols+` FROM users u WHERE u.partner_id = $1 ORDER BY u.email`, partnerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// SetRole changes a user's role; demoting the partner's last admin is refused.
func (s *Store) SetRole(ctx context.Context, partnerID, userID, role string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET role = $1 WHERE partner_id = $2 AND id = $3`, role, partnerID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrNotFound
		}
		return keepsAdmin(ctx, tx, partnerID)
	})
}

// DeleteUser removes a user with their sessions and API tokens (the
// foreign keys cascade); removing the partner's last admin is refused.
func (s *Store) DeleteUser(ctx context.Context, partnerID, userID string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		// Explicit deletes as well as the cascade: SQLite cascades only
		// with foreign_keys on, and this must not depend on a pragma.
		for _, q := range []string{`DELETE FROM sessions WHERE user_id = $1`, `DELETE FROM api_tokens WHERE user_id = $1`} {
			if _, err := tx.ExecContext(ctx, q, userID); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM users WHERE partner_id = $1 AND id = $2`, partnerID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrNotFound
		}
		return keepsAdmin(ctx, tx, partnerID)
	})
}

// keepsAdmin fails the transaction when the partner has no admin left. The
// count runs inside the write transaction, so two admins demoting each
// other at once cannot both succeed.
func keepsAdmin(ctx context.Context, tx *sql.Tx, partnerID string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE partner_id = $1 AND role = 'admin'`, partnerID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return ErrLastAdmin
	}
	return nil
}

// LinkOIDC ties a user to an identity-provider account at their first
// OIDC sign-in.
func (s *Store) LinkOIDC(ctx context.Context, userID, issuer, subject string) error {
	_, err := s.Write.ExecContext(ctx, `UPDATE users SET oidc_issuer = $1, oidc_subject = $2 WHERE id = $3`, issuer, subject, userID)
	if isUnique(err) {
		return ErrEmailTaken
	}
	return err
}

// MarkSignedIn records a successful sign-in; an invitation counts as
// accepted from then on.
func (s *Store) MarkSignedIn(ctx context.Context, userID string, at time.Time) error {
	_, err := s.Write.ExecContext(ctx, `UPDATE users SET last_sign_in_at = $1 WHERE id = $2`, ms(at), userID)
	return err
}

// SetUserPassword replaces a user's password hash with one the person chose:
// a one-time password is spent, and no session of theirs is held back by it
// any more.
func (s *Store) SetUserPassword(ctx context.Context, userID, hash string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, must_change_password = 0 WHERE id = $2`, hash, userID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE sessions SET must_change_password = 0 WHERE user_id = $1`, userID)
		return err
	})
}

// ResetUserPassword gives one of the partner's users a new one-time
// password: it must be replaced at the next sign-in, and every session of
// theirs ends now (whoever had lost the password may hold one).
func (s *Store) ResetUserPassword(ctx context.Context, partnerID, userID, hash string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, must_change_password = 1 WHERE partner_id = $2 AND id = $3`, hash, partnerID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrNotFound
		}
		_, err = endSessions(ctx, tx, userID, "", s.nowMS())
		return err
	})
}

// ErrTenantTaken means another partner (or this one) allows the tenant already.
var ErrTenantTaken = errors.New("this tenant is allowed for a partner already")

// AddTenant allows people of an identity-provider tenant to join the partner.
func (s *Store) AddTenant(ctx context.Context, partnerID, tenant string) error {
	_, err := s.Write.ExecContext(ctx, `INSERT INTO partner_tenants (tenant_id, partner_id, created_at) VALUES ($1, $2, $3)`,
		tenant, partnerID, s.nowMS())
	if isUnique(err) {
		return ErrTenantTaken
	}
	return err
}

// RemoveTenant stops a tenant's people from joining (and signing in, unless invited).
func (s *Store) RemoveTenant(ctx context.Context, partnerID, tenant string) error {
	res, err := s.Write.ExecContext(ctx, `DELETE FROM partner_tenants WHERE partner_id = $1 AND tenant_id = $2`, partnerID, tenant)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrNotFound
	}
	return nil
}

// Tenants lists the partner's allowed tenants.
func (s *Store) Tenants(ctx context.Context, partnerID string) ([]string, error) {
	rows, err := s.Read.QueryContext(ctx, `SELECT tenant_id FROM partner_tenants WHERE partner_id = $1 ORDER BY tenant_id`, partnerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// TenantPartner returns the partner that allows tenant, ErrNotFound when none does.
func (s *Store) TenantPartner(ctx context.Context, tenant string) (string, error) {
	var p string
	err := s.Read.QueryRowContext(ctx, `SELECT partner_id FROM partner_tenants WHERE tenant_id = $1`, tenant).Scan(&p)
	return p, notFound(err, ErrNotFound)
}
