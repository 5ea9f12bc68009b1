package web

import (
	"net/http"
	"net/url"
	"strings"

	"partnerhub/internal/customer"
	"partnerhub/internal/hub"
	"partnerhub/internal/store"
)

// pageSize is how many customers one page of the list shows.
const pageSize = 50

// listQuery is the list's filters and position, read from the URL so that
// every view of the list can be bookmarked and shared.
type listQuery struct {
	Q      string
	Status customer.Status
	Type   customer.Type
	Cursor string
}

// parseList reads the filters; an unknown status or type (a hand-edited
// URL) is dropped rather than refused, showing the unfiltered list.
func parseList(r *http.Request) listQuery {
	v := r.URL.Query()
	q := listQuery{Q: strings.TrimSpace(v.Get("q")), Cursor: v.Get("cursor")}
	if s := customer.Status(v.Get("status")); s.Valid() && s != customer.StatusDeleted {
		q.Status = s
	}
	if t := customer.Type(v.Get("type")); t.Valid() {
		q.Type = t
	}
	return q
}

func (q listQuery) filter() store.ListFilter {
	return store.ListFilter{Q: q.Q, Status: q.Status, Type: q.Type, Cursor: q.Cursor, Limit: pageSize}
}

// values encodes the filters, and the cursor when given, for links.
func (q listQuery) values(cursor string) string {
	v := url.Values{}
	if q.Q != "" {
		v.Set("q", q.Q)
	}
	if q.Status != "" {
		v.Set("status", string(q.Status))
	}
	if q.Type != "" {
		v.Set("type", string(q.Type))
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// Filtered reports whether any filter narrows the list (the empty state
// then offers to clear them instead of adding a first customer).
func (q listQuery) Filtered() bool { return q.Q != "" || q.Status != "" || q.Type != "" }

type option struct {
	Value, Label string
	Selected     bool
}

type listView struct {
	layout
	Query     listQuery
	Rows      []customerView
	RowsURL   string // what the live table body reloads
	NextURL   string
	FirstURL  string // set when this is not the first page
	Statuses  []option
	Types     []option
	Added     *customerView
	MaxSearch int
	CanAdd    bool // the actor's role may add customers
}

// customersPage is the Customers list: filters, the table, pagination.
func (w *Web) customersPage(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	v, err := w.list(r, a)
	if err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	v.layout = signedInLayout(a, "Customers")
	v.Added = w.takeAdded(rw, r, a)
	for i := range v.Rows {
		v.Rows[i].Highlight = v.Added != nil && v.Rows[i].ID == v.Added.ID
	}
	for _, s := range customer.Shown {
		v.Statuses = append(v.Statuses, option{string(s), s.Label(), s == v.Query.Status})
	}
	for _, t := range []customer.Type{customer.TypeCustomer, customer.TypeDemo} {
		v.Types = append(v.Types, option{string(t), t.Label(), t == v.Query.Type})
	}
	w.render(rw, r, http.StatusOK, "customers.html", v)
}

// customerRows is the table body alone: htmx reloads it whenever the event
// stream says one of the partner's customers changed.
func (w *Web) customerRows(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	v, err := w.list(r, a)
	if err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	w.renderPart(rw, r, "customers.html", "rows", v)
}

func (w *Web) list(r *http.Request, a hub.Actor) (listView, error) {
	q := parseList(r)
	cs, next, err := w.Hub.Customers(r.Context(), a, q.filter())
	if err != nil {
		return listView{}, err
	}
	revoked, err := w.Hub.RevokedConsoles(r.Context(), a)
	if err != nil {
		return listView{}, err
	}
	v := listView{Query: q, RowsURL: "/customers/rows" + q.values(q.Cursor), MaxSearch: customer.MaxCompanyName, CanAdd: a.Can(hub.PermOperate)}
	for _, c := range cs {
		cv := w.viewOf(a, c)
		if acc, ok := revoked[c.ID]; ok {
			cv.blockVisit(acc)
		}
		v.Rows = append(v.Rows, cv)
	}
	if next != "" {
		v.NextURL = "/customers" + q.values(next)
	}
	if q.Cursor != "" {
		v.FirstURL = "/customers" + q.values("")
	}
	return v, nil
}
