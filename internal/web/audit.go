package web

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"time"

	"partnerhub/internal/hub"
	"partnerhub/internal/store"
)

// auditQuery is the audit page's filters, read from the URL so a view can
// be bookmarked and exported as it is.
type auditQuery struct {
	Action, Actor, Result, From, To string
	Cursor                          string
}

func parseAudit(r *http.Request) (auditQuery, store.AuditFilter) {
	v := r.URL.Query()
	q := auditQuery{Action: v.Get("action"), Actor: strings.TrimSpace(v.Get("actor")), Result: v.Get("result"),
		From: v.Get("from"), To: v.Get("to"), Cursor: v.Get("cursor")}
	f := store.AuditFilter{Action: q.Action, Actor: q.Actor, Cursor: q.Cursor, Limit: 100}
	if q.Result == "ok" || q.Result == "failed" {
		f.Result = q.Result
	} else {
		q.Result = ""
	}
	// Dates are days in UTC; "to" includes its whole day.
	if t, err := time.Parse(time.DateOnly, q.From); err == nil {
		f.From = t
	} else {
		q.From = ""
	}
	if t, err := time.Parse(time.DateOnly, q.To); err == nil {
		f.To = t.Add(24 * time.Hour)
	} else {
		q.To = ""
	}
	return q, f
}

func (q auditQuery) values(cursor string) string {
	v := url.Values{}
	for k, s := range map[string]string{"action": q.Action, "actor": q.Actor, "result": q.Result, "from": q.From, "to": q.To, "cursor": cursor} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

type auditView struct {
	layout
	Query   auditQuery
	Entries []store.AuditEntry
	Actions []option
	Results []option
	NextURL string
	CSVURL  string
}

// auditPage is the partner's audit log for its admins: who did what, when,
// from where, with what result; filtered, paged, exportable as CSV.
func (w *Web) auditPage(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	q, f := parseAudit(r)
	entries, next, err := w.Hub.AuditLog(r.Context(), a, f)
	if err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	v := auditView{layout: signedInLayout(a, "Audit log"), Query: q, Entries: entries, CSVURL: "/audit.csv" + q.values("")}
	v.Nav = "audit"
	if next != "" {
		v.NextURL = "/audit" + q.values(next)
	}
	for _, fam := range []string{"auth.", "customer.", "console.", "user.", "token.", "settings."} {
		v.Actions = append(v.Actions, option{Value: fam, Label: "All " + strings.TrimSuffix(fam, ".") + " actions", Selected: fam == q.Action})
	}
	for _, act := range hub.AuditActions {
		v.Actions = append(v.Actions, option{Value: act, Label: act, Selected: act == q.Action})
	}
	v.Results = []option{{"ok", "Succeeded", q.Result == "ok"}, {"failed", "Failed or denied", q.Result == "failed"}}
	w.render(rw, r, http.StatusOK, "audit.html", v)
}

// auditExportMax bounds one CSV export; narrower filters get the rest.
const auditExportMax = 100_000

// auditCSV exports the filtered audit log, newest first, page by page so
// memory stays flat however long the log is.
func (w *Web) auditCSV(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	_, f := parseAudit(r)
	f.Cursor, f.Limit = "", 1000
	entries, next, err := w.Hub.AuditLog(r.Context(), a, f)
	if err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	h := rw.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="partnerhub-audit-`+time.Now().UTC().Format("2006-01-02")+`.csv"`)
	h.Set("Cache-Control", "no-store")
	cw := csv.NewWriter(rw)
	_ = cw.Write([]string{"time_utc", "actor", "actor_id", "address", "action", "target", "detail", "result"})
	written := 0
	for {
		for _, e := range entries {
			_ = cw.Write([]string{e.At.UTC().Format(time.RFC3339), cell(e.Actor), e.ActorID, cell(e.Addr), cell(e.Action),
				cell(e.Target), cell(e.Detail), cell(e.Result)})
		}
		written += len(entries)
		if next == "" || written >= auditExportMax {
			break
		}
		f.Cursor = next
		if entries, next, err = w.Hub.AuditLog(r.Context(), a, f); err != nil {
			w.Log.ErrorContext(r.Context(), "audit export cut short", "err", err)
			break
		}
	}
	cw.Flush()
}

// cell defuses a value a spreadsheet would run as a formula.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
