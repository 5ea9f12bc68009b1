package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"partnerhub/internal/customer"
)

// RenameHook returns a hook that renames a customer inside the transaction
// that starts the rename action, so the short name is claimed at once and
// two renames to one name cannot both pass.
func (s *Store) RenameHook(partnerID, id, company, short string) TxHook {
	return func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE customers SET company_name = $1, short_name = $2, short_name_key = $3
			WHERE partner_id = $4 AND id = $5`, company, short, customer.ShortNameKey(short), partnerID, id)
		if isUniqueShortName(err) {
			return errShortNameTaken
		}
		return err
	}
}

// Hooks runs several hooks in order in one transaction.
func Hooks(hooks ...TxHook) TxHook {
	return func(ctx context.Context, tx *sql.Tx) error {
		for _, h := range hooks {
			if h == nil {
				continue
			}
			if err := h(ctx, tx); err != nil {
				return err
			}
		}
		return nil
	}
}

// SetConsoleVersion records the console schema version of a customer's database.
func (s *Store) SetConsoleVersion(ctx context.Context, partnerID, id string, v int) error {
	_, err := s.Write.ExecContext(ctx, `UPDATE customers SET console_version = $1 WHERE partner_id = $2 AND id = $3`, v, partnerID, id)
	if err == nil {
		s.changed(partnerID, id)
	}
	return err
}

// ConvertToCustomer turns a DEMO into a Customer in the hub (idempotent).
func (s *Store) ConvertToCustomer(ctx context.Context, partnerID, id string) error {
	_, err := s.Write.ExecContext(ctx, `UPDATE customers SET type = 'customer', demo_expires_at = NULL WHERE partner_id = $1 AND id = $2`, partnerID, id)
	if err == nil {
		s.changed(partnerID, id)
	}
	return err
}

// ExtendDemo sets a DEMO's expiry, refusing customers that are not DEMOs.
func (s *Store) ExtendDemo(ctx context.Context, partnerID, id string, until time.Time) error {
	res, err := s.Write.ExecContext(ctx, `UPDATE customers SET demo_expires_at = $1, updated_at = $2
		WHERE partner_id = $3 AND id = $4 AND type = 'demo' AND status <> 'deleted'`, ms(until), s.nowMS(), partnerID, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return customer.ErrNotFound
	}
	s.changed(partnerID, id)
	return nil
}

// CustomersInStatus pages through every partner's customers in one status,
// for the reconciler; afterID continues after the last id seen.
func (s *Store) CustomersInStatus(ctx context.Context, st customer.Status, afterID string, limit int) ([]customer.Customer, error) {
	return s.queryCustomers(ctx, `SELECT `+customerCols+` FROM customers WHERE status = $1 AND id > $2 ORDER BY id LIMIT $3`, st, afterID, limit)
}

// CountByStatus counts every partner's customers by status, deleted ones
// left out: the operator's view for metrics, so it is the one customer
// query not scoped by a partner, and it returns only numbers.
func (s *Store) CountByStatus(ctx context.Context) (map[customer.Status]int, error) {
	rows, err := s.Read.QueryContext(ctx, `SELECT status, COUNT(*) FROM customers WHERE status <> 'deleted' GROUP BY status`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := map[customer.Status]int{}
	for rows.Next() {
		var st customer.Status
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		counts[st] = n
	}
	return counts, rows.Err()
}

// ExpiredDemos lists DEMOs past their expiry whose partner chose automatic removal.
func (s *Store) ExpiredDemos(ctx context.Context, now time.Time, limit int) ([]customer.Customer, error) {
	return s.queryCustomers(ctx, `SELECT `+customerCols+` FROM customers c WHERE type = 'demo' AND demo_expires_at < $1
		AND status NOT IN ('deleted', 'deleting', 'delete_failed')
		AND EXISTS (SELECT 1 FROM partners p WHERE p.id = c.partner_id AND p.demo_auto_delete = 1) ORDER BY id LIMIT $2`, ms(now), limit)
}

func (s *Store) queryCustomers(ctx context.Context, q string, args ...any) ([]customer.Customer, error) {
	rows, err := s.Read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []customer.Customer
	for rows.Next() {
		c, err := scanCustomer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SetDemoAutoDelete is the partner's choice to remove expired DEMOs automatically.
func (s *Store) SetDemoAutoDelete(ctx context.Context, partnerID string, on bool) error {
	v := 0
	if on {
		v = 1
	}
	_, err := s.Write.ExecContext(ctx, `UPDATE partners SET demo_auto_delete = $1 WHERE id = $2`, v, partnerID)
	return err
}

// DemoAutoDelete reports the partner's choice.
func (s *Store) DemoAutoDelete(ctx context.Context, partnerID string) (bool, error) {
	var v int
	err := s.Read.QueryRowContext(ctx, `SELECT demo_auto_delete FROM partners WHERE id = $1`, partnerID).Scan(&v)
	return v == 1, notFound(err, ErrNotFound)
}

// Idempotent is a stored answer to a create request with an Idempotency-Key.
type Idempotent struct {
	RequestHash string
	CustomerID  string
	Response    string
}

// IdempotencyTTL is how long a key is remembered.
const IdempotencyTTL = 24 * time.Hour

// LookupIdempotency returns the stored answer for a partner's key, if it is
// younger than IdempotencyTTL.
func (s *Store) LookupIdempotency(ctx context.Context, partnerID, key string) (Idempotent, bool, error) {
	var r Idempotent
	err := s.Write.QueryRowContext(ctx, `SELECT request_hash, customer_id, response FROM idempotency_keys
		WHERE partner_id = $1 AND key = $2 AND created_at > $3`, partnerID, key, s.nowMS()-IdempotencyTTL.Milliseconds()).
		Scan(&r.RequestHash, &r.CustomerID, &r.Response)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	return r, err == nil, err
}

// errIdempotencyRace means another request with the same key won the insert.
var errIdempotencyRace = errors.New("a request with the same idempotency key was handled concurrently")

// IdempotencyHook records a key's answer in the transaction that creates the
// customer; a concurrent twin loses on the primary key and rolls back.
func (s *Store) IdempotencyHook(partnerID, key string, r Idempotent) TxHook {
	return func(ctx context.Context, tx *sql.Tx) error {
		now := s.nowMS()
		// An expired key may be reused: clear it first.
		if _, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE partner_id = $1 AND key = $2 AND created_at <= $3`,
			partnerID, key, now-IdempotencyTTL.Milliseconds()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys (partner_id, key, request_hash, customer_id, response, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, partnerID, key, r.RequestHash, r.CustomerID, r.Response, now)
		if isUnique(err) {
			return errIdempotencyRace
		}
		return err
	}
}

// PruneIdempotency forgets keys older than IdempotencyTTL.
func (s *Store) PruneIdempotency(ctx context.Context) error {
	_, err := s.Write.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at <= $1`, s.nowMS()-IdempotencyTTL.Milliseconds())
	return err
}
