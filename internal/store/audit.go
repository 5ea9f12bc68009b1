package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// AuditEntry is one line of a partner's audit log: who (ActorID, Actor),
// when, from which address, what (Action on Target, with Detail) and the
// result ("ok", "denied", "failed: …").
type AuditEntry struct {
	ID        int64
	PartnerID string
	At        time.Time
	ActorID   string
	Actor     string
	Addr      string
	Action    string
	Target    string
	Detail    string
	Result    string
}

// AuditRetention is how long audit entries are kept at least. Nothing in
// partnerhub deletes younger ones; PruneAudit refuses to.
const AuditRetention = 365 * 24 * time.Hour

// AddAudit appends an entry; At defaults to now.
func (s *Store) AddAudit(ctx context.Context, e AuditEntry) error {
	if e.At.IsZero() {
		e.At = s.now()
	}
	_, err := s.Write.ExecContext(ctx, `INSERT INTO audit_log (partner_id, at, actor_id, actor, addr, action, target, detail, result)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		e.PartnerID, ms(e.At), e.ActorID, clip(e.Actor, 320), clip(e.Addr, 64), e.Action, clip(e.Target, 200), clip(e.Detail, 1000), clip(e.Result, 300))
	return err
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// AuditFilter narrows the audit log.
type AuditFilter struct {
	Action string // an action ("customer.delete") or a family ending in "." ("customer.")
	Actor  string // part of the actor, any case
	Result string // "ok", or "failed" for everything else
	From   time.Time
	To     time.Time // exclusive
	Cursor string
	Limit  int // at most 1000; 50 when 0
}

// Audit returns a page of the partner's audit log, newest first, and the
// cursor of the next page ("" at the end).
func (s *Store) Audit(ctx context.Context, partnerID string, f AuditFilter) ([]AuditEntry, string, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 1000)
	where := []string{"partner_id = $1"}
	args := []any{partnerID}
	add := func(cond string, vals ...any) {
		for _, v := range vals {
			args = append(args, v)
			cond = strings.Replace(cond, "?", fmt.Sprintf("$%d", len(args)), 1)
		}
		where = append(where, cond)
	}
	switch a := strings.TrimSpace(f.Action); {
	case strings.HasSuffix(a, "."):
		add(`action LIKE ? ESCAPE '\'`, escapeLike(a)+"%")
	case a != "":
		add("action = ?", a)
	}
	if a := strings.TrimSpace(f.Actor); a != "" {
		add(`LOWER(actor) LIKE ? ESCAPE '\'`, "%"+escapeLike(strings.ToLower(a))+"%")
	}
	switch f.Result {
	case "ok":
		add("result = ?", "ok")
	case "failed":
		add("result <> ?", "ok")
	}
	if !f.From.IsZero() {
		add("at >= ?", ms(f.From))
	}
	if !f.To.IsZero() {
		add("at < ?", ms(f.To))
	}
	if f.Cursor != "" {
		at, idText, err := decodeCursor(f.Cursor)
		id, perr := strconv.ParseInt(idText, 10, 64)
		if err != nil || perr != nil {
			return nil, "", ErrBadCursor
		}
		add("(at < ? OR (at = ? AND id < ?))", at, at, id)
	}
	args = append(args, f.Limit+1)
	rows, err := s.Read.QueryContext(ctx, `SELECT id, partner_id, at, actor_id, actor, addr, action, target, detail, result
		FROM audit_log WHERE `+strings.Join(where, " AND ")+fmt.Sprintf(` ORDER BY at DESC, id DESC LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &e.PartnerID, &at, &e.ActorID, &e.Actor, &e.Addr, &e.Action, &e.Target, &e.Detail, &e.Result); err != nil {
			return nil, "", err
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	out, next := page(out, f.Limit, func(e AuditEntry) string { return encodeCursor(ms(e.At), strconv.FormatInt(e.ID, 10)) })
	return out, next, nil
}

// PruneAudit deletes entries from before cutoff, for an operator who must
// not keep them forever; a cutoff within AuditRetention is refused.
func (s *Store) PruneAudit(ctx context.Context, cutoff time.Time) (int, error) {
	if cutoff.After(s.now().Add(-AuditRetention)) {
		return 0, fmt.Errorf("audit entries are kept for at least %d days", int(AuditRetention.Hours()/24))
	}
	res, err := s.Write.ExecContext(ctx, `DELETE FROM audit_log WHERE at < $1`, ms(cutoff))
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
