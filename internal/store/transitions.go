package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"partnerhub/internal/customer"
)

// Event is one entry of a customer's timeline: a status change or a step's
// progress, with its time and a reason a person can read.
type Event struct {
	ID         int64
	CustomerID string
	At         time.Time
	Kind       string // "status" or "step"
	From, To   customer.Status
	Step       string
	Reason     string
}

func insertEvent(ctx context.Context, tx *sql.Tx, partnerID, customerID string, at int64, kind, from, to, step, reason string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO customer_events (customer_id, partner_id, at, kind, from_status, to_status, step, reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, customerID, partnerID, at, kind, from, to, step, reason)
	return err
}

// CustomerForWork returns a customer whatever its status (deleted included):
// the workers need to see that a deletion won.
func (s *Store) CustomerForWork(ctx context.Context, partnerID, id string) (customer.Customer, error) {
	return scanCustomer(s.Write.QueryRowContext(ctx, `SELECT `+customerCols+` FROM customers WHERE partner_id = $1 AND id = $2`, partnerID, id))
}

// Transition applies ev to a customer that is in status from, as the state
// machine allows, in one compare-and-set: if the status moved meanwhile,
// nothing changes and customer.ErrConflict is returned. hook runs in the
// same transaction (to enqueue the work the new status needs).
func (s *Store) Transition(ctx context.Context, partnerID, id string, from customer.Status, ev customer.Event, step, reason string, hook TxHook) (customer.Status, error) {
	return s.transition(ctx, partnerID, id, from, ev, step, reason, nil, hook)
}

// StartAction moves a customer into action_running (or back to deploying or
// deleting for a retry) and records which action runs with its parameters,
// so that a crash or a retry carries on with the same action.
func (s *Store) StartAction(ctx context.Context, partnerID, id string, from customer.Status, ev customer.Event, action, params, step, reason string, hook TxHook) (customer.Status, error) {
	return s.transition(ctx, partnerID, id, from, ev, step, reason, &[2]string{action, params}, hook)
}

func (s *Store) transition(ctx context.Context, partnerID, id string, from customer.Status, ev customer.Event, step, reason string, action *[2]string, hook TxHook) (customer.Status, error) {
	to, err := customer.Next(from, ev)
	if err != nil {
		return "", err
	}
	now := s.nowMS()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var deletedAt, act, params any
		if to == customer.StatusDeleted {
			deletedAt = now
		}
		if action != nil {
			act, params = action[0], action[1]
		}
		res, err := tx.ExecContext(ctx, `UPDATE customers SET status = $1, status_step = $2, status_reason = $3, updated_at = $4,
			deleted_at = COALESCE($5, deleted_at), action = COALESCE($6, action), action_params = COALESCE($7, action_params)
			WHERE partner_id = $8 AND id = $9 AND status = $10`,
			to, step, reason, now, deletedAt, act, params, partnerID, id, from)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return customer.ErrConflict
		}
		if err := insertEvent(ctx, tx, partnerID, id, now, "status", string(from), string(to), step, reason); err != nil {
			return err
		}
		if hook != nil {
			return hook(ctx, tx)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	s.changed(partnerID, id)
	return to, nil
}

// Progress records a step of the running operation without changing the
// status, compare-and-set on the status the worker expects. It returns
// customer.ErrConflict when the status moved (a deletion won).
func (s *Store) Progress(ctx context.Context, partnerID, id string, expect customer.Status, step, reason string) error {
	now := s.nowMS()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE customers SET status_step = $1, status_reason = $2, updated_at = $3
			WHERE partner_id = $4 AND id = $5 AND status = $6`, step, reason, now, partnerID, id, expect)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return customer.ErrConflict
		}
		return insertEvent(ctx, tx, partnerID, id, now, "step", string(expect), string(expect), step, reason)
	})
	if err == nil {
		s.changed(partnerID, id)
	}
	return err
}

// Events returns a customer's timeline, oldest first.
func (s *Store) Events(ctx context.Context, partnerID, id string) ([]Event, error) {
	rows, err := s.Read.QueryContext(ctx, `SELECT id, customer_id, at, kind, from_status, to_status, step, reason
		FROM customer_events WHERE partner_id = $1 AND customer_id = $2 ORDER BY id`, partnerID, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		if err := rows.Scan(&e.ID, &e.CustomerID, &at, &e.Kind, &e.From, &e.To, &e.Step, &e.Reason); err != nil {
			return nil, err
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// WithCustomerLocked runs fn in a write transaction holding the customer's
// row (nil when it does not exist), so that fn's decision and writes cannot
// interleave with a status change.
func (s *Store) WithCustomerLocked(ctx context.Context, partnerID, id string, fn func(c *customer.Customer, tx *sql.Tx) error) error {
	lock := ""
	if s.Engine == Postgres {
		lock = " FOR UPDATE"
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		c, err := scanCustomer(tx.QueryRowContext(ctx, `SELECT `+customerCols+` FROM customers WHERE partner_id = $1 AND id = $2`+lock, partnerID, id))
		if errors.Is(err, customer.ErrNotFound) {
			return fn(nil, tx)
		}
		if err != nil {
			return err
		}
		return fn(&c, tx)
	})
}
