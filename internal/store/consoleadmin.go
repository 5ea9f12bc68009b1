package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// ConsoleAdmin is the customer's own admin of its console: the one account
// that can take partner access away and give it back.
type ConsoleAdmin struct {
	CustomerID   string
	PartnerID    string
	Email        string
	PasswordHash string
	// MustChange is true until the customer's admin replaced the one-time
	// password the partner handed over; ClaimedAt is when they did.
	MustChange bool
	CreatedAt  time.Time
	ClaimedAt  *time.Time
}

// ErrConsoleAdminClaimed refuses a new one-time password once the
// customer's admin chose their own: from then on the partner holds no key
// to the console's settings.
var ErrConsoleAdminClaimed = errors.New("the customer's admin has set their own password; the partner cannot issue another")

const consoleAdminCols = `customer_id, partner_id, email, password_hash, must_change, created_at, claimed_at`

func scanConsoleAdmin(row *sql.Row) (ConsoleAdmin, error) {
	var a ConsoleAdmin
	var must int
	var created int64
	var claimed sql.NullInt64
	err := row.Scan(&a.CustomerID, &a.PartnerID, &a.Email, &a.PasswordHash, &must, &created, &claimed)
	a.MustChange, a.CreatedAt, a.ClaimedAt = must == 1, fromMS(created), fromNullMS(claimed)
	return a, notFound(err, ErrNotFound)
}

// IssueConsoleAdmin stores (or replaces, while unclaimed) the one-time
// password of a partner's customer's console admin.
func (s *Store) IssueConsoleAdmin(ctx context.Context, partnerID, customerID, email, hash string) error {
	now := s.nowMS()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var claimed sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT claimed_at FROM console_admins WHERE customer_id = $1`, customerID).Scan(&claimed)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if claimed.Valid {
			return ErrConsoleAdminClaimed
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO console_admins (customer_id, partner_id, email, password_hash, must_change, created_at)
			SELECT id, partner_id, $1, $2, 1, $3 FROM customers WHERE id = $4 AND partner_id = $5 AND status <> 'deleted'
			ON CONFLICT (customer_id) DO UPDATE SET email = excluded.email, password_hash = excluded.password_hash,
				must_change = 1, created_at = excluded.created_at`, email, hash, now, customerID, partnerID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrNotFound
		}
		return nil
	})
}

// ConsoleAdminOf returns the console admin of one of the partner's customers.
func (s *Store) ConsoleAdminOf(ctx context.Context, partnerID, customerID string) (ConsoleAdmin, error) {
	return scanConsoleAdmin(s.Read.QueryRowContext(ctx, `SELECT `+consoleAdminCols+` FROM console_admins
		WHERE partner_id = $1 AND customer_id = $2`, partnerID, customerID))
}

// ConsoleAdminFor returns a customer's console admin, for the console's
// own sign-in (which knows the customer, not the partner).
func (s *Store) ConsoleAdminFor(ctx context.Context, customerID string) (ConsoleAdmin, error) {
	return scanConsoleAdmin(s.Read.QueryRowContext(ctx, `SELECT `+consoleAdminCols+` FROM console_admins WHERE customer_id = $1`, customerID))
}

// ClaimConsoleAdmin sets the password the customer's admin chose.
func (s *Store) ClaimConsoleAdmin(ctx context.Context, customerID, hash string) error {
	now := s.nowMS()
	res, err := s.Write.ExecContext(ctx, `UPDATE console_admins SET password_hash = $1, must_change = 0,
		claimed_at = COALESCE(claimed_at, $2) WHERE customer_id = $3`, hash, now, customerID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrNotFound
	}
	return nil
}

// DeleteConsoleAdmin forgets a customer's console admin (part of deleting
// the customer: nothing of it is left behind).
func (s *Store) DeleteConsoleAdmin(ctx context.Context, partnerID, customerID string) error {
	_, err := s.Write.ExecContext(ctx, `DELETE FROM console_admins WHERE partner_id = $1 AND customer_id = $2`, partnerID, customerID)
	return err
}

// ConsoleAccess is the hub's copy of whether a console lets its partner in.
type ConsoleAccess struct {
	Granted   bool
	ChangedBy string // who changed it last; "" while the deployment's grant stands
	ChangedAt time.Time
}

// SetConsoleAccess records a change of a console's partner access made in
// the console, and returns the customer's partner.
func (s *Store) SetConsoleAccess(ctx context.Context, customerID string, granted bool, by string) (string, error) {
	var partnerID string
	err := s.Write.QueryRowContext(ctx, `INSERT INTO console_access (customer_id, partner_id, granted, changed_by, changed_at)
		SELECT id, partner_id, $1, $2, $3 FROM customers WHERE id = $4
		ON CONFLICT (customer_id) DO UPDATE SET granted = excluded.granted, changed_by = excluded.changed_by, changed_at = excluded.changed_at
		RETURNING partner_id`, boolInt(granted), by, s.nowMS(), customerID).Scan(&partnerID)
	return partnerID, notFound(err, ErrNotFound)
}

// ConsoleAccessOf returns the access state of one of the partner's
// customers; without a recorded change, the grant of the deployment stands.
func (s *Store) ConsoleAccessOf(ctx context.Context, partnerID, customerID string) (ConsoleAccess, error) {
	var g int
	var at int64
	a := ConsoleAccess{Granted: true}
	err := s.Read.QueryRowContext(ctx, `SELECT granted, changed_by, changed_at FROM console_access WHERE partner_id = $1 AND customer_id = $2`,
		partnerID, customerID).Scan(&g, &a.ChangedBy, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return a, nil
	}
	a.Granted, a.ChangedAt = g == 1, fromMS(at)
	return a, err
}

// RevokedConsoles returns the partner's customers whose consoles refuse the
// partner, for lists to show Visit disabled without opening each console.
func (s *Store) RevokedConsoles(ctx context.Context, partnerID string) (map[string]ConsoleAccess, error) {
	rows, err := s.Read.QueryContext(ctx, `SELECT customer_id, changed_by, changed_at FROM console_access WHERE partner_id = $1 AND granted = 0`, partnerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]ConsoleAccess{}
	for rows.Next() {
		var id string
		var at int64
		a := ConsoleAccess{}
		if err := rows.Scan(&id, &a.ChangedBy, &at); err != nil {
			return nil, err
		}
		a.ChangedAt = fromMS(at)
		out[id] = a
	}
	return out, rows.Err()
}

// CustomerPartner returns the partner a customer belongs to, for what the
// console records in the partner's audit log.
func (s *Store) CustomerPartner(ctx context.Context, customerID string) (string, error) {
	var p string
	err := s.Read.QueryRowContext(ctx, `SELECT partner_id FROM customers WHERE id = $1`, customerID).Scan(&p)
	return p, notFound(err, ErrNotFound)
}
