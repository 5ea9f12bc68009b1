package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"partnerhub/internal/customer"
)

// TxHook runs inside the transaction of a customer write; the deployment
// package uses it to enqueue its job atomically with the write.
type TxHook func(ctx context.Context, tx *sql.Tx) error

const customerCols = `id, partner_id, type, company_name, short_name, contact_name, contact_email, contact_phone,
	status, status_reason, status_step, action, action_params, console_version, demo_expires_at, created_at, updated_at`

func scanCustomer(row interface{ Scan(...any) error }) (customer.Customer, error) {
	var c customer.Customer
	var created, updated int64
	var expires sql.NullInt64
	err := row.Scan(&c.ID, &c.PartnerID, &c.Type, &c.CompanyName, &c.ShortName, &c.Contact.Name, &c.Contact.Email,
		&c.Contact.Phone, &c.Status, &c.StatusReason, &c.StatusStep, &c.Action, &c.ActionParams, &c.ConsoleVersion,
		&expires, &created, &updated)
	c.CreatedAt, c.UpdatedAt, c.DemoExpiresAt = fromMS(created), fromMS(updated), fromNullMS(expires)
	return c, notFound(err, customer.ErrNotFound)
}

// CreateCustomer inserts a new customer with its first timeline entry and
// runs hook in the same transaction. A taken short name is a validation error.
func (s *Store) CreateCustomer(ctx context.Context, c *customer.Customer, hook TxHook) error {
	now := s.now().UTC()
	c.CreatedAt, c.UpdatedAt = now, now
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO customers (id, partner_id, type, company_name, short_name, short_name_key,
			contact_name, contact_email, contact_phone, status, status_reason, status_step, demo_expires_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)`,
			c.ID, c.PartnerID, c.Type, c.CompanyName, c.ShortName, customer.ShortNameKey(c.ShortName),
			c.Contact.Name, c.Contact.Email, c.Contact.Phone, c.Status, c.StatusReason, c.StatusStep, nullMS(c.DemoExpiresAt), ms(now))
		if err != nil {
			return err
		}
		if err := insertEvent(ctx, tx, c.PartnerID, c.ID, ms(now), "status", "", string(c.Status), c.StatusStep, c.StatusReason); err != nil {
			return err
		}
		if hook != nil {
			return hook(ctx, tx)
		}
		return nil
	})
	if isUniqueShortName(err) {
		return errShortNameTaken
	}
	if err == nil {
		s.changed(c.PartnerID, c.ID)
	}
	return err
}

var errShortNameTaken = &customer.ValidationError{Fields: map[string]string{"shortName": customer.MsgShortNameTaken}}

func isUniqueShortName(err error) bool {
	return isUnique(err) && (strings.Contains(err.Error(), "short_name") || strings.Contains(err.Error(), "customers_short_name"))
}

func (s *Store) changed(partnerID, customerID string) {
	if s.OnChange != nil {
		s.OnChange(partnerID, customerID)
	}
	s.notifyOthers(partnerID, customerID)
}

// GetCustomer returns a partner's customer; deleted ones and other partners'
// are not found.
func (s *Store) GetCustomer(ctx context.Context, partnerID, id string) (customer.Customer, error) {
	return scanCustomer(s.Read.QueryRowContext(ctx, `SELECT `+customerCols+` FROM customers
		WHERE partner_id = $1 AND id = $2 AND status <> 'deleted'`, partnerID, id))
}

// ShortNameTaken reports whether a live customer of the partner uses the short name.
func (s *Store) ShortNameTaken(ctx context.Context, partnerID, shortName string) (bool, error) {
	var n int
	err := s.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM customers WHERE partner_id = $1 AND short_name_key = $2 AND status <> 'deleted'`,
		partnerID, customer.ShortNameKey(shortName)).Scan(&n)
	return n > 0, err
}

// ListFilter narrows a customer list; Cursor continues a previous page.
type ListFilter struct {
	Status customer.Status
	Type   customer.Type
	Q      string
	Cursor string
	Limit  int
}

// ErrBadCursor means the cursor was not made by ListCustomers.
var ErrBadCursor = errorString("the cursor is not valid")

// ListCustomers returns a page of a partner's customers, newest first, and
// the cursor of the next page ("" at the end).
func (s *Store) ListCustomers(ctx context.Context, partnerID string, f ListFilter) ([]customer.Customer, string, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	where := []string{"partner_id = $1", "status <> 'deleted'"}
	args := []any{partnerID}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if f.Status != "" {
		add("status = ?", string(f.Status))
	}
	if f.Type != "" {
		add("type = ?", string(f.Type))
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		args = append(args, "%"+escapeLike(strings.ToLower(q))+"%", "%"+escapeLike(customer.ShortNameKey(q))+"%")
		where = append(where, fmt.Sprintf(`(LOWER(company_name) LIKE $%d ESCAPE '\' OR short_name_key LIKE $%d ESCAPE '\')`, len(args)-1, len(args)))
	}
	if f.Cursor != "" {
		at, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return nil, "", err
		}
		args = append(args, at, id)
		where = append(where, fmt.Sprintf("(created_at < $%d OR (created_at = $%d AND id < $%d))", len(args)-1, len(args)-1, len(args)))
	}
	args = append(args, f.Limit+1)
	q := `SELECT ` + customerCols + ` FROM customers WHERE ` + strings.Join(where, " AND ") +
		fmt.Sprintf(` ORDER BY created_at DESC, id DESC LIMIT $%d`, len(args))
	out, err := s.queryCustomers(ctx, q, args...)
	if err != nil {
		return nil, "", err
	}
	out, next := page(out, f.Limit, func(c customer.Customer) string { return encodeCursor(ms(c.CreatedAt), c.ID) })
	return out, next, nil
}

// page cuts a result fetched with limit+1 rows to limit and returns the
// cursor of the next page ("" when there is none).
func page[T any](out []T, limit int, cursor func(T) string) ([]T, string) {
	if len(out) <= limit {
		return out, ""
	}
	out = out[:limit]
	return out, cursor(out[len(out)-1])
}

// The same placeholder appears twice in the q condition; SQLite and
// PostgreSQL both allow reusing $n.
func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

func encodeCursor(at int64, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at, 10) + "|" + id))
}

func decodeCursor(c string) (int64, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, "", ErrBadCursor
	}
	at, id, ok := strings.Cut(string(b), "|")
	n, err := strconv.ParseInt(at, 10, 64)
	if !ok || err != nil || id == "" {
		return 0, "", ErrBadCursor
	}
	return n, id, nil
}
