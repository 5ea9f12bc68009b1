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

// HandoffRedeemer is the hub as the authority over partner users in a
// console. RedeemHandoff redeems its single-use, short-lived sign-in
// hand-off; it fails when the token is unknown, used, expired or was issued
// for another customer. VisitorAllowed tells whether a partner user's
// session still holds (the user may have been removed, lost the right to
// operate, or signed out everywhere since it opened).
type HandoffRedeemer interface {
	RedeemHandoff(ctx context.Context, token, customerID string) (Visitor, error)
	VisitorAllowed(ctx context.Context, v Visitor) (bool, error)
}

// Visitor is the person a session belongs to: a partner user signed in by
// a hand-off, or the customer's own admin (PartnerID "").
type Visitor struct {
	UserID, Email, PartnerID string
	// Since is when the session opened.
	Since time.Time
}

// customerAdminID is the user id of the customer admin's sessions.
const customerAdminID = "customer-admin"

// IsCustomerAdmin reports a session of the customer's own admin.
func (v Visitor) IsCustomerAdmin() bool { return v.PartnerID == "" && v.UserID == customerAdminID }

const sessionCookie = "console_session"

// maxBody caps the console's request bodies (small forms only).
const maxBody = 16 << 10

type handler struct {
	m       *Manager
	routes  RouteResolver
	handoff HandoffRedeemer
	admins  Admins
	events  Events
	now     func() time.Time
	log     *slog.Logger
	// secure marks cookies Secure (the console's public URL is https);
	// trustProxy believes X-Forwarded-For for the client address.
	secure, trustProxy bool
}

// Option configures the console's handler.
type Option func(*handler)

// WithAdmins enables the customer admin's sign-in and settings.
func WithAdmins(a Admins) Option { return func(h *handler) { h.admins = a } }

// WithEvents sends sign-ins and access changes to the partner's audit log.
func WithEvents(e Events) Option { return func(h *handler) { h.events = e } }

// WithSecureCookies marks session cookies Secure, for a console served
// over https (behind a proxy r.TLS says nothing).
func WithSecureCookies(on bool) Option { return func(h *handler) { h.secure = on } }

// WithTrustProxy takes the client address from X-Forwarded-For.
func WithTrustProxy(on bool) Option { return func(h *handler) { h.trustProxy = on } }

type route struct {
	pattern string
	fn      http.HandlerFunc
}

// table is every route of the console; every URL is under /c/{customerID}/.
func (h *handler) table() []route {
	return []route{
		{"GET /c/{customerID}/{$}", h.dashboard},
		{"GET /c/{customerID}/healthz", h.healthz},
		{"GET /c/{customerID}/handoff", h.redeem},
		{"GET /c/{customerID}/static/console.css", h.stylesheet},
		{"GET /c/{customerID}/signin", h.signinPage},
		{"POST /c/{customerID}/signin", h.signin},
		{"GET /c/{customerID}/password", h.passwordPage},
		{"POST /c/{customerID}/password", h.password},
		{"POST /c/{customerID}/signout", h.signout},
		{"GET /c/{customerID}/settings", h.settings},
		{"POST /c/{customerID}/settings/partner-access", h.setPartnerAccess},
	}
}

// Patterns lists the console's route patterns, so a test can prove it
// covers every route (the isolation test in internal/app).
func Patterns() []string {
	var out []string
	for _, r := range (&handler{}).table() {
		out = append(out, r.pattern)
	}
	return out
}

// NewHandler returns the console's web pages, every route from the one
// table above.
func NewHandler(m *Manager, routes RouteResolver, handoff HandoffRedeemer, opts ...Option) http.Handler {
	h := &handler{m: m, routes: routes, handoff: handoff, now: time.Now, log: slog.Default()}
	for _, o := range opts {
		o(h)
	}
	mux := http.NewServeMux()
	for _, r := range h.table() {
		mux.Handle(r.pattern, h.routed(r.fn))
	}
	// Anything else gets the same 404 page, with the same headers, so the
	// console does not reveal which paths exist.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { h.notFound(w) })
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.message(w, "", http.StatusForbidden, "Request refused", "This request came from another website, so the console refused it.")
	}))
	return securityHeaders(cop.Handler(limitBody(mux)))
}

func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		}
		next.ServeHTTP(w, r)
	})
}

// securityHeaders sets the headers every console response carries: no
// foreign content or script, no framing, forms only to the console itself,
// no type sniffing, no referrer leaking the customer id to other sites.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
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
