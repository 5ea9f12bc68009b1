// Package web is the hub's server-rendered UI for partner users: sign-in,
// the Customers list with live status, the Add customer wizard, a customer's
// page with its timeline, Visit and Delete. Pages are html/template with
// htmx for the live parts; there is no inline script anywhere, so the CSP
// can stay at script-src 'self'. Handlers are thin: they parse, call
// hub.Service and render; errors become pages in one place (errors.go).
package web

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"partnerhub/internal/httpx"
	"partnerhub/internal/hub"
	"partnerhub/internal/live"
)

// Web serves the hub's pages. The zero value is not usable: Hub and Broker
// are required; Log defaults to slog.Default.
type Web struct {
	Hub           *hub.Service
	Broker        *live.Broker
	Log           *slog.Logger
	SecureCookies bool // set when the public URL is https
	// TrustProxy believes X-Forwarded-For for the client address (the
	// audit log, sign-in limits): set only behind a proxy that sets it.
	TrustProxy bool

	patterns []string // every route's pattern, for Patterns
}

// Patterns lists the patterns of every route Routes registered, so a test
// can prove it covers them all (the isolation test in internal/app).
func (w *Web) Patterns() []string { return w.patterns }

// handlerFunc is a handler that runs for a signed-in partner user.
type handlerFunc func(http.ResponseWriter, *http.Request, hub.Actor)

// Routes returns every page of the UI in one table. The lead mounts it at
// "/"; /api/ is mounted separately and never reaches it.
func (w *Web) Routes() http.Handler {
	if w.Log == nil {
		w.Log = slog.Default()
	}
	mux := http.NewServeMux()
	public := []struct {
		pattern string
		h       http.HandlerFunc
	}{
		{"GET /signin", w.signinPage},
		{"POST /signin", w.signin},
		{"GET /signin/oidc", w.oidcStart},
		{"GET /signin/oidc/callback", w.oidcCallback},
		{"POST /signout", w.signout},
		{"GET /static/", w.static},
		{"GET /{$}", redirectTo("/customers")},
		{"/", w.notFoundPage},
	}
	for _, r := range public {
		mux.HandleFunc(r.pattern, r.h)
		w.patterns = append(w.patterns, r.pattern)
	}
	private := []struct {
		pattern string
		h       handlerFunc
	}{
		{"GET /customers", w.customersPage},
		{"GET /customers/rows", w.customerRows},
		{"GET /customers/events", w.events},
		{"GET /customers/new", w.operate(w.newType)},
		{"POST /customers/new/type", w.operate(w.postType)},
		{"POST /customers/new/company", w.operate(w.postCompany)},
		{"POST /customers/new/contact", w.operate(w.postContact)},
		{"POST /customers/new/add", w.postAdd},
		{"GET /customers/new/suggest", w.suggest},
		{"GET /customers/{id}", w.customerPage},
		{"GET /customers/{id}/live", w.customerLive},
		{"GET /customers/{id}/events", w.customerEvents},
		{"GET /customers/{id}/delete", w.operate(w.deletePage)},
		{"POST /customers/{id}/delete", w.deleteCustomer},
		{"POST /customers/{id}/visit", w.visit},
		{"GET /customers/{id}/rename", w.operate(w.renameForm)},
		{"POST /customers/{id}/actions/{action}", w.runAction},
		{"POST /customers/{id}/console-admin", w.issueConsoleAdmin},
		{"GET /account", w.accountPage},
		{"POST /account/password", w.changePassword},
		{"POST /account/signout-everywhere", w.signOutEverywhere},
		{"GET /settings/users", w.usersPage},
		{"POST /settings/users", w.inviteUser},
		{"POST /settings/users/{uid}/role", w.setRole},
		{"POST /settings/users/{uid}/remove", w.removeUser},
		{"POST /settings/users/{uid}/reset-password", w.resetPassword},
		{"GET /settings/tokens", w.tokensPage},
		{"POST /settings/tokens", w.createToken},
		{"POST /settings/tokens/{tid}/revoke", w.revokeToken},
		{"GET /settings/tenants", w.tenantsPage},
		{"POST /settings/tenants", w.addTenant},
		{"POST /settings/tenants/remove", w.removeTenant},
		{"GET /settings/demos", w.demosPage},
		{"POST /settings/demos", w.setDemos},
		{"GET /audit", w.auditPage},
		{"GET /audit.csv", w.auditCSV},
	}
	for _, r := range private {
		mux.Handle(r.pattern, w.signedIn(r.h))
		w.patterns = append(w.patterns, r.pattern)
	}

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(w.crossOriginDenied))
	var h http.Handler = mux
	h = limitBody(h)
	h = cop.Handler(h)
	h = w.allowConsoleFormTarget(h)
	return httpx.SecurityHeaders(h)
}

// operate guards the pages that only lead to what PermOperate allows (the
// wizard's steps, confirmation forms): a viewer gets the 403 page at once
// rather than at the last step. The service refuses the change itself.
func (w *Web) operate(h handlerFunc) handlerFunc {
	return func(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
		if !a.Can(hub.PermOperate) {
			w.fail(rw, r, &a, hub.ErrForbidden)
			return
		}
		h(rw, r, a)
	}
}

// limitBody caps every request body at httpx.MaxBody; ParseForm then fails
// with a *http.MaxBytesError that the error handler turns into a 413 page.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(rw, r.Body, httpx.MaxBody)
		}
		next.ServeHTTP(rw, r)
	})
}

// allowConsoleFormTarget widens the CSP's form-action to the console's
// origin. Visit is a form POST answered with a 303 to the console's hand-off
// URL, and browsers apply form-action to every hop of a form's redirects:
// with 'self' alone the hand-off would be blocked whenever the consoles are
// served from another origin (they are, on their own listener).
func (w *Web) allowConsoleFormTarget(next http.Handler) http.Handler {
	origin := originOf(w.Hub.ConsoleURL)
	if origin == "" {
		return next
	}
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		h := rw.Header()
		if csp := h.Get("Content-Security-Policy"); csp != "" {
			h.Set("Content-Security-Policy", strings.Replace(csp, "form-action 'self'", "form-action 'self' "+origin, 1))
		}
		next.ServeHTTP(rw, r)
	})
}

func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" || strings.ContainsAny(u.Host, " ;'") {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

func redirectTo(path string) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		http.Redirect(rw, r, path, http.StatusSeeOther)
	}
}

// isHTMX reports a request made by htmx, which wants fragments and is
// redirected with HX-Redirect instead of a 3xx it would follow silently.
func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }
