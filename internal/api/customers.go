package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"partnerhub/internal/customer"
	"partnerhub/internal/httpx"
	"partnerhub/internal/hub"
	"partnerhub/internal/store"
)

// Customer is the API's view of a customer.
type Customer struct {
	ID           string           `json:"id"`
	Type         customer.Type    `json:"type"`
	CompanyName  string           `json:"companyName"`
	ShortName    string           `json:"shortName"`
	Contact      customer.Contact `json:"contact"`
	Status       customer.Status  `json:"status"`
	StatusLabel  string           `json:"statusLabel"`
	StatusReason string           `json:"statusReason"`
	StatusStep   string           `json:"statusStep,omitempty"`
	// ConsoleVersion is the console schema version of the customer's database.
	ConsoleVersion int `json:"consoleVersion"`
	// Action is the action running now or, after it, the last one.
	Action        string     `json:"action,omitempty"`
	DemoExpiresAt *time.Time `json:"demoExpiresAt,omitempty"`
	CreatedAt     time.Time  `json:"createdAt"`
	UpdatedAt     time.Time  `json:"updatedAt"`
	ConsoleURL    string     `json:"consoleUrl,omitempty"`
}

func (a *API) toJSON(c customer.Customer) Customer {
	out := Customer{
		ID: c.ID, Type: c.Type, CompanyName: c.CompanyName, ShortName: c.ShortName, Contact: c.Contact,
		Status: c.Status, StatusLabel: c.Status.Label(), StatusReason: c.StatusReason, StatusStep: c.StatusStep,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, ConsoleVersion: c.ConsoleVersion, Action: c.Action, DemoExpiresAt: c.DemoExpiresAt,
	}
	if c.Status.Visitable() {
		out.ConsoleURL = a.Hub.ConsoleLink(c)
	}
	return out
}

type createRequest struct {
	Type        string            `json:"type"`
	CompanyName string            `json:"companyName"`
	ShortName   string            `json:"shortName"`
	Contact     *customer.Contact `json:"contact"`
}

// createCustomer adds a customer; with an Idempotency-Key header, the same
// key and body return the same response for 24 hours.
func (a *API) createCustomer(w http.ResponseWriter, r *http.Request, actor hub.Actor) {
	var req createRequest
	_, p := httpx.ReadJSON(w, r, &req)
	if p != nil {
		httpx.WriteProblem(w, p)
		return
	}
	in := customer.Input{Type: customer.Type(strings.ToLower(req.Type)), CompanyName: req.CompanyName, ShortName: req.ShortName}
	if req.Contact != nil {
		in.Contact = *req.Contact
	}
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		c, err := a.Hub.AddCustomer(r.Context(), actor, in)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		w.Header().Set("Location", "/api/v1/customers/"+c.ID)
		httpx.WriteJSON(w, http.StatusAccepted, a.toJSON(c))
		return
	}
	if len(key) > 200 || strings.ContainsFunc(key, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		httpx.WriteProblem(w, httpx.NewProblem(http.StatusBadRequest, "the Idempotency-Key must be 1 to 200 visible ASCII characters"))
		return
	}
	// The request's meaning, not its bytes, is compared: the same JSON with
	// other spacing, key order or type case is the same request.
	canonical, err := json.Marshal(in)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	sum := sha256.Sum256(canonical)
	resp, replayed, err := a.Hub.AddCustomerOnce(r.Context(), actor, in, key, hex.EncodeToString(sum[:]), func(c customer.Customer) (string, error) {
		b, err := json.Marshal(a.toJSON(c))
		return string(b), err
	})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var c Customer
	_ = json.Unmarshal([]byte(resp), &c)
	w.Header().Set("Location", "/api/v1/customers/"+c.ID)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, resp+"\n")
}

type actionRequest struct {
	CompanyName string `json:"companyName"`
	ShortName   string `json:"shortName"`
	Days        int    `json:"days"`
}

// runAction starts an action: 202 with the customer (200 for extend-demo,
// which is immediate).
func (a *API) runAction(w http.ResponseWriter, r *http.Request, actor hub.Actor) {
	var req actionRequest
	if r.ContentLength != 0 {
		if p := httpx.DecodeJSON(w, r, &req); p != nil {
			httpx.WriteProblem(w, p)
			return
		}
	}
	action := customer.Action(r.PathValue("action"))
	c, err := a.Hub.RunAction(r.Context(), actor, r.PathValue("id"), action, hub.ActionParams{
		Rename: customer.RenameInput{CompanyName: req.CompanyName, ShortName: req.ShortName}, ExtendDays: req.Days,
	})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	status := http.StatusAccepted
	if !action.Job() && action != customer.ActionRetry {
		status = http.StatusOK
	}
	httpx.WriteJSON(w, status, a.toJSON(c))
}

func (a *API) listCustomers(w http.ResponseWriter, r *http.Request, actor hub.Actor) {
	q := r.URL.Query()
	f := store.ListFilter{Q: q.Get("q"), Cursor: q.Get("cursor")}
	if v := q.Get("status"); v != "" {
		s, err := customer.ParseStatus(v)
		if err != nil || s == customer.StatusDeleted {
			httpx.WriteProblem(w, &httpx.Problem{Type: "about:blank", Title: "Bad Request", Status: 400,
				Detail: "unknown status filter", Errors: map[string]string{"status": "must be one of the eight status keys"}})
			return
		}
		f.Status = s
	}
	if v := q.Get("type"); v != "" {
		t := customer.Type(strings.ToLower(v)) // as on create, where "DEMO" is accepted
		if !t.Valid() {
			httpx.WriteProblem(w, &httpx.Problem{Type: "about:blank", Title: "Bad Request", Status: 400,
				Detail: "unknown type filter", Errors: map[string]string{"type": "must be customer or demo"}})
			return
		}
		f.Type = t
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			httpx.WriteProblem(w, &httpx.Problem{Type: "about:blank", Title: "Bad Request", Status: 400,
				Detail: "invalid page size", Errors: map[string]string{"limit": "must be 1 to 200"}})
			return
		}
		f.Limit = n
	}
	if utf8.RuneCountInString(f.Q) > 200 {
		httpx.WriteProblem(w, httpx.NewProblem(http.StatusBadRequest, "the search term must be at most 200 characters"))
		return
	}
	list, next, err := a.Hub.Customers(r.Context(), actor, f)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	items := make([]Customer, 0, len(list))
	for _, c := range list {
		items = append(items, a.toJSON(c))
	}
	var cursor *string
	if next != "" {
		cursor = &next
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "nextCursor": cursor})
}

func (a *API) getCustomer(w http.ResponseWriter, r *http.Request, actor hub.Actor) {
	c, err := a.Hub.Customer(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, a.toJSON(c))
}

func (a *API) deleteCustomer(w http.ResponseWriter, r *http.Request, actor hub.Actor) {
	c, err := a.Hub.Delete(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusAccepted, a.toJSON(c))
}

func (a *API) visitCustomer(w http.ResponseWriter, r *http.Request, actor hub.Actor) {
	u, err := a.Hub.Visit(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"url": u})
}

// Operation is one entry of a customer's timeline.
type Operation struct {
	At     time.Time       `json:"at"`
	Kind   string          `json:"kind"`
	From   customer.Status `json:"from,omitempty"`
	To     customer.Status `json:"to,omitempty"`
	Step   string          `json:"step,omitempty"`
	Reason string          `json:"reason"`
}

func (a *API) customerOperations(w http.ResponseWriter, r *http.Request, actor hub.Actor) {
	evs, err := a.Hub.Timeline(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	items := make([]Operation, 0, len(evs))
	for _, e := range evs {
		items = append(items, Operation{At: e.At, Kind: e.Kind, From: e.From, To: e.To, Step: e.Step, Reason: e.Reason})
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": items})
}
