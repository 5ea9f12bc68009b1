package console

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"
)

// RouteResolver is the hub's route table: whether the customer's console URL
// points at its environment. Until it does (and after deletion) the console
// acts as if the customer did not exist.
type RouteResolver interface {
	ConsoleRouted(ctx context.Context, customerID string) (bool, error)
}

// HandoffRedeemer redeems the hub's single-use, short-lived sign-in
// hand-off. It fails when the token is unknown, used, expired or was issued
// for another customer.
type HandoffRedeemer interface {
	RedeemHandoff(ctx context.Context, token, customerID string) (Visitor, error)
}

// Visitor is the person a hand-off signs in.
type Visitor struct {
	UserID, Email, PartnerID string
}

const sessionCookie = "console_session"

type handler struct {
	m       *Manager
	routes  RouteResolver
	handoff HandoffRedeemer
	now     func() time.Time
	log     *slog.Logger
}

// NewHandler returns the console's web pages. Every route lives in the one
// table below and every URL is under /c/{customerID}/.
func NewHandler(m *Manager, routes RouteResolver, handoff HandoffRedeemer) http.Handler {
	h := &handler{m: m, routes: routes, handoff: handoff, now: time.Now, log: slog.Default()}
	mux := http.NewServeMux()
	for _, r := range []struct {
		pattern string
		fn      http.HandlerFunc
	}{
		{"GET /c/{customerID}/{$}", h.dashboard},
		{"GET /c/{customerID}/healthz", h.healthz},
		{"GET /c/{customerID}/handoff", h.redeem},
		{"GET /c/{customerID}/static/console.css", h.stylesheet},
	} {
		mux.Handle(r.pattern, h.routed(r.fn))
	}
	// Anything else gets the same 404 page, with the same headers, so the
	// console does not reveal which paths exist.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { h.notFound(w) })
	return securityHeaders(mux)
}

// securityHeaders sets the headers every console response carries: no
// foreign content, no framing, no type sniffing, no referrer leaking the
// customer id to other sites.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

// routed answers 404 for a customer the hub has not routed (or has deleted),
// before any handler touches the customer's database.
func (h *handler) routed(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("customerID")
		if !ValidID(id) {
			h.notFound(w)
			return
		}
		ok, err := h.routes.ConsoleRouted(r.Context(), id)
		if err != nil {
			h.log.ErrorContext(r.Context(), "console route lookup", "customer", id, "err", err)
			h.unavailable(w, id)
			return
		}
		if !ok {
			h.notFound(w)
			return
		}
		next(w, r)
	}
}

// fail turns a Manager error into a page and logs the detail once here.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, id string, err error) {
	switch {
	case errors.Is(err, ErrNotFound):
		h.notFound(w)
	case errors.Is(err, ErrOutdated), errors.Is(err, ErrNoProfile):
		h.log.WarnContext(r.Context(), "console not ready", "customer", id, "err", err)
		h.unavailable(w, id)
	default:
		h.log.ErrorContext(r.Context(), "console", "customer", id, "path", r.URL.Path, "err", err)
		h.unavailable(w, id)
	}
}
