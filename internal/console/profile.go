package console

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Customer types, as the hub names them.
const (
	TypeCustomer = "customer"
	TypeDemo     = "demo"
)

// Profile is what the console shows about whose environment it is.
type Profile struct {
	CompanyName string
	ShortName   string
	Type        string
}

// validate repeats the hub's rules because the console must not store what
// it cannot show: a short name is at most 10 characters without white space.
func (p Profile) validate() error {
	switch {
	case strings.TrimSpace(p.CompanyName) == "":
		return fmt.Errorf("%w: company name is required", ErrInvalid)
	case p.ShortName == "" || utf8.RuneCountInString(p.ShortName) > 10 || strings.IndexFunc(p.ShortName, unicode.IsSpace) >= 0:
		return fmt.Errorf("%w: short name must be 1 to 10 characters without white space", ErrInvalid)
	case p.Type != TypeCustomer && p.Type != TypeDemo:
		return fmt.Errorf("%w: type must be %q or %q", ErrInvalid, TypeCustomer, TypeDemo)
	}
	return nil
}

// SetProfile stores the profile; setting the same profile again changes
// nothing and records nothing, so a rename can be retried.
func (m *Manager) SetProfile(ctx context.Context, customerID string, p Profile) error {
	if err := p.validate(); err != nil {
		return err
	}
	now := m.now()
	return m.inTx(ctx, customerID, func(tx *sql.Tx) error {
		old, err := readProfile(ctx, tx)
		if err == nil && old == p {
			return nil
		}
		if err != nil && !errors.Is(err, ErrNoProfile) {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO profile (id, company_name, short_name, type, updated_at)
			VALUES (1, $1, $2, $3, $4)
			ON CONFLICT (id) DO UPDATE SET company_name = excluded.company_name,
				short_name = excluded.short_name, type = excluded.type, updated_at = excluded.updated_at`,
			p.CompanyName, p.ShortName, p.Type, now.UnixMilli()); err != nil {
			return fmt.Errorf("console: set profile: %w", err)
		}
		return audit(ctx, tx, now, actorHub, "profile.set", p.CompanyName+" ("+p.ShortName+", "+p.Type+")")
	})
}

// Profile returns the stored profile, ErrNoProfile before SetProfile.
func (m *Manager) Profile(ctx context.Context, customerID string) (Profile, error) {
	db, err := m.current(ctx, customerID)
	if err != nil {
		return Profile{}, err
	}
	return readProfile(ctx, db)
}

// querier is the part of *sql.DB and *sql.Tx the readers need, so a read
// can run inside a write transaction or on its own.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func readProfile(ctx context.Context, q querier) (Profile, error) {
	var p Profile
	err := q.QueryRowContext(ctx, `SELECT company_name, short_name, type FROM profile WHERE id = 1`).
		Scan(&p.CompanyName, &p.ShortName, &p.Type)
	if errors.Is(err, sql.ErrNoRows) {
		return Profile{}, ErrNoProfile
	}
	if err != nil {
		return Profile{}, fmt.Errorf("console: read profile: %w", err)
	}
	return p, nil
}
