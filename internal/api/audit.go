package api

import (
	"net/http"
	"strconv"
	"time"

	"partnerhub/internal/httpx"
	"partnerhub/internal/hub"
	"partnerhub/internal/store"
)

// AuditEntry is one line of the partner's audit log.
type AuditEntry struct {
	ID      int64     `json:"id"`
	At      time.Time `json:"at"`
	ActorID string    `json:"actorId,omitempty"`
	Actor   string    `json:"actor"`
	Addr    string    `json:"addr"`
	Action  string    `json:"action"`
	Target  string    `json:"target,omitempty"`
	Detail  string    `json:"detail,omitempty"`
	Result  string    `json:"result"`
}

// auditLog is GET /api/v1/audit (admin tokens): newest first, filtered by
// action (or a family like "customer."), actor, result (ok or failed) and a
// from/to time range (RFC 3339), a page of up to limit entries (default 100)
// with nextCursor.
func (a *API) auditLog(w http.ResponseWriter, r *http.Request, actor hub.Actor) {
	q := r.URL.Query()
	f := store.AuditFilter{Action: q.Get("action"), Actor: q.Get("actor"), Cursor: q.Get("cursor"), Limit: 100}
	bad := map[string]string{}
	switch res := q.Get("result"); res {
	case "", "ok", "failed":
		f.Result = res
	default:
		bad["result"] = "must be ok or failed"
	}
	for name, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				bad[name] = "must be an RFC 3339 time such as 2026-01-31T00:00:00Z"
			}
			*dst = t
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			bad["limit"] = "must be 1 to 1000"
		}
		f.Limit = n
	}
	if len(bad) > 0 {
		p := httpx.NewProblem(http.StatusBadRequest, "invalid audit filter")
		p.Errors = bad
		httpx.WriteProblem(w, p)
		return
	}
	entries, next, err := a.Hub.AuditLog(r.Context(), actor, f)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	items := make([]AuditEntry, 0, len(entries))
	for _, e := range entries {
		items = append(items, AuditEntry{ID: e.ID, At: e.At, ActorID: e.ActorID, Actor: e.Actor, Addr: e.Addr,
			Action: e.Action, Target: e.Target, Detail: e.Detail, Result: e.Result})
	}
	var cursor *string
	if next != "" {
		cursor = &next
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "nextCursor": cursor})
}
