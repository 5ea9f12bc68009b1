package store

import (
	"context"
	"database/sql"
	"time"
)

// Partner is a reseller or managed service provider using the hub.
type Partner struct {
	ID        string
	Name      string
	CreatedAt time.Time
}

// User is a person of a partner who signs in to the hub.
type User struct {
	ID           string
	PartnerID    string
	Email        string
	Name         string
	Role         string
	PasswordHash string
	CreatedAt    time.Time
	// OIDCIssuer and OIDCSubject name the identity-provider account linked
	// at the user's first OIDC sign-in; empty until then.
	OIDCIssuer  string
	OIDCSubject string
	// InvitedBy is the id of the admin who invited the user ("" for a
	// partner's first admin and people who joined through their tenant).
	InvitedBy    string
	LastSignInAt *time.Time
	// MustChangePassword marks a one-time password (the first admin's, an
	// invitation's) that its holder must replace before anything else.
	// On a user read through a session it is the session's flag: set only
	// when the session was opened with that password.
	MustChangePassword bool
	// SessionsRevokedAt is when the user's sessions were last ended; a
	// console session opened before it is over too.
	SessionsRevokedAt time.Time
}

// CreatePartnerWithAdmin creates a partner and its first user in one
// transaction, so a partner never exists without someone who can sign in.
func (s *Store) CreatePartnerWithAdmin(ctx context.Context, p Partner, admin User) error {
	now := s.nowMS()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO partners (id, name, created_at) VALUES ($1, $2, $3)`, p.ID, p.Name, now); err != nil {
			return err
		}
		return insertUser(ctx, tx, admin, now)
	})
}

func insertUser(ctx context.Context, tx *sql.Tx, u User, now int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO users (id, partner_id, email, name, role, password_hash, created_at,
		oidc_issuer, oidc_subject, invited_by, must_change_password) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		u.ID, u.PartnerID, u.Email, u.Name, u.Role, u.PasswordHash, now, u.OIDCIssuer, u.OIDCSubject, u.InvitedBy, boolInt(u.MustChangePassword))
	if isUnique(err) {
		return ErrEmailTaken
	}
	return err
}

// ErrEmailTaken means a user with that email exists already.
var ErrEmailTaken = errorString("a user with this email exists already")

type errorString string

func (e errorString) Error() string { return string(e) }

// CountPartners tells whether the hub is new.
func (s *Store) CountPartners(ctx context.Context) (int, error) {
	var n int
	err := s.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM partners`).Scan(&n)
	return n, err
}

// GetPartner returns a partner by id.
func (s *Store) GetPartner(ctx context.Context, id string) (Partner, error) {
	var p Partner
	var created int64
	err := s.Read.QueryRowContext(ctx, `SELECT id, name, created_at FROM partners WHERE id = $1`, id).Scan(&p.ID, &p.Name, &created)
	p.CreatedAt = fromMS(created)
	return p, notFound(err, ErrNotFound)
}

const userCols = `u.id, u.partner_id, u.email, u.name, u.role, u.password_hash, u.created_at,
	u.oidc_issuer, u.oidc_subject, u.invited_by, u.last_sign_in_at, u.must_change_password, u.sessions_revoked_at`

func scanUser(row interface{ Scan(...any) error }, extra ...any) (User, error) {
	var u User
	var created int64
	var last sql.NullInt64
	var must int
	var revoked int64
	dest := append([]any{&u.ID, &u.PartnerID, &u.Email, &u.Name, &u.Role, &u.PasswordHash, &created,
		&u.OIDCIssuer, &u.OIDCSubject, &u.InvitedBy, &last, &must, &revoked}, extra...)
	err := row.Scan(dest...)
	u.CreatedAt, u.LastSignInAt, u.MustChangePassword, u.SessionsRevokedAt = fromMS(created), fromNullMS(last), must != 0, fromMS(revoked)
	return u, notFound(err, ErrNotFound)
}

// UserByEmail finds the user who signs in with email (stored lower-case).
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	return scanUser(s.Read.QueryRowContext(ctx, `SELECT `+userCols+` FROM users u WHERE u.email = $1`, email))
}
