package partnersystem

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// store is the SQL of the partner system. It speaks only the SQL that SQLite
// and PostgreSQL share, with $n placeholders, so one code path serves both.
type store struct {
	db *sql.DB
}

const accountColumns = `id, kind, name, external_ref, parent_account_id, status, created_at, closed_at`

// insert adds a unless an account with the same external ref exists. It
// reports whether it inserted; ON CONFLICT DO NOTHING lets the UNIQUE
// constraint decide races, instead of a check-then-insert that two callers
// could both pass.
func (s store) insert(ctx context.Context, a Account) (bool, error) {
	var parent sql.NullString
	if a.ParentAccountID != "" {
		parent = sql.NullString{String: a.ParentAccountID, Valid: true}
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO ps_accounts (`+accountColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)
		ON CONFLICT (external_ref) DO NOTHING`,
		a.ID, a.Kind, a.Name, a.ExternalRef, parent, a.Status, a.CreatedAt.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("insert account %q: %w", a.ExternalRef, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("insert account %q: %w", a.ExternalRef, err)
	}
	return n == 1, nil
}

func (s store) byID(ctx context.Context, id string) (Account, error) {
	return s.one(ctx, `SELECT `+accountColumns+` FROM ps_accounts WHERE id = $1`, id)
}

func (s store) byRef(ctx context.Context, ref string) (Account, error) {
	return s.one(ctx, `SELECT `+accountColumns+` FROM ps_accounts WHERE external_ref = $1`, ref)
}

func (s store) one(ctx context.Context, query string, arg string) (Account, error) {
	a, err := scanAccount(s.db.QueryRowContext(ctx, query, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, ErrNotFound
	}
	if err != nil {
		return Account{}, fmt.Errorf("read account: %w", err)
	}
	return a, nil
}

// list returns the accounts matching f, oldest first, so that the order is
// stable across calls and engines.
func (s store) list(ctx context.Context, f ListFilter) ([]Account, error) {
	var where []string
	var args []any
	add := func(col, v string) {
		if v != "" {
			args = append(args, v)
			where = append(where, col+" = $"+strconv.Itoa(len(args)))
		}
	}
	add("kind", f.Kind)
	add("status", f.Status)
	add("parent_account_id", f.ParentAccountID)
	add("external_ref", f.ExternalRef)
	q := `SELECT ` + accountColumns + ` FROM ps_accounts`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY created_at, id`
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	defer rows.Close()
	out := []Account{}
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("list accounts: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	return out, nil
}

// close marks an active account closed; an already closed one keeps its
// first closing time, which is what makes Close idempotent.
func (s store) close(ctx context.Context, id string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE ps_accounts SET status = $1, closed_at = $2
		WHERE id = $3 AND status = $4`, StatusClosed, at.UnixMilli(), id, StatusActive)
	if err != nil {
		return fmt.Errorf("close account %s: %w", id, err)
	}
	return nil
}

func (s store) rename(ctx context.Context, id, name string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE ps_accounts SET name = $1 WHERE id = $2`, name, id)
	if err != nil {
		return fmt.Errorf("rename account %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("rename account %s: %w", id, err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

type scanner interface {
	Scan(dest ...any) error
}

func scanAccount(sc scanner) (Account, error) {
	var (
		a        Account
		parent   sql.NullString
		created  int64
		closedAt sql.NullInt64
	)
	if err := sc.Scan(&a.ID, &a.Kind, &a.Name, &a.ExternalRef, &parent, &a.Status, &created, &closedAt); err != nil {
		return Account{}, err
	}
	a.ParentAccountID = parent.String
	a.CreatedAt = time.UnixMilli(created).UTC()
	if closedAt.Valid {
		t := time.UnixMilli(closedAt.Int64).UTC()
		a.ClosedAt = &t
	}
	return a, nil
}
