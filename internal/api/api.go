// Package api is the hub's REST API under /api/v1: bearer tokens, JSON in and
// out, problem+json errors. Handlers parse, call the hub service and respond.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"partnerhub/internal/customer"
	"partnerhub/internal/httpx"
	"partnerhub/internal/hub"
	"partnerhub/internal/store"
)

// API serves /api/v1.
type API struct {
	Hub *hub.Service
	Log *slog.Logger
	// TrustProxy believes X-Forwarded-For for the client address.
	TrustProxy bool
}

type route struct {
	pattern string
	h       http.Handler
}

// routes is every route of the API, in one table. Every route but the
// API's own description needs a token.
func (a *API) routes() []route {
	return []route{
		{"POST /api/v1/customers", a.authenticated(a.createCustomer)},
		{"GET /api/v1/customers", a.authenticated(a.listCustomers)},
		{"GET /api/v1/customers/{id}", a.authenticated(a.getCustomer)},
		{"DELETE /api/v1/customers/{id}", a.authenticated(a.deleteCustomer)},
		{"POST /api/v1/customers/{id}/visit", a.authenticated(a.visitCustomer)},
		{"GET /api/v1/customers/{id}/operations", a.authenticated(a.customerOperations)},
		{"POST /api/v1/customers/{id}/actions/{action}", a.authenticated(a.runAction)},
		{"GET /api/v1/audit", a.authenticated(a.auditLog)},
		{"GET /api/v1/settings", a.authenticated(a.getSettings)},
		{"PATCH /api/v1/settings", a.authenticated(a.patchSettings)},
		{"GET /api/v1/openapi.json", http.HandlerFunc(serveOpenAPI)},
	}
}

// Patterns lists the route table's patterns, so a test can prove it
// covers every route (the isolation test in internal/app).
func (a *API) Patterns() []string {
	var out []string
	for _, r := range a.routes() {
		out = append(out, r.pattern)
	}
	return out
}

// Routes returns the API's handler. Bearer tokens are not sent by
// browsers on their own, so cross-site requests cannot ride on them; the
// cross-origin check still refuses state changes a browser sends from
// another site, so that no state-changing request anywhere goes without it.
func (a *API) Routes() http.Handler {
	mux := http.NewServeMux()
	for _, r := range a.routes() {
		mux.Handle(r.pattern, r.h)
	}
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteProblem(w, httpx.NewProblem(http.StatusForbidden, "cross-origin request refused"))
	}))
	return httpx.SecurityHeaders(cop.Handler(problemsForUnrouted(mux)))
}

// authenticated resolves the bearer token to the actor; the partner always
// comes from the token.
func (a *API) authenticated(h func(http.ResponseWriter, *http.Request, hub.Actor)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The scheme's name is case-insensitive (RFC 9110, section 11.1).
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		token = strings.TrimSpace(token)
		if !strings.EqualFold(scheme, "Bearer") || token == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="partnerhub"`)
			httpx.WriteProblem(w, httpx.NewProblem(http.StatusUnauthorized, "send an API token as Authorization: Bearer <token>; make one with 'partnerhub token create'"))
			return
		}
		actor, err := a.Hub.TokenActor(r.Context(), token)
		if err != nil {
			if !errors.Is(err, store.ErrNotFound) {
				a.fail(w, r, err)
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="partnerhub", error="invalid_token"`)
			httpx.WriteProblem(w, httpx.NewProblem(http.StatusUnauthorized, "the API token is unknown or revoked"))
			return
		}
		actor.Addr = httpx.ClientAddr(r, a.TrustProxy)
		h(w, r, actor)
	})
}

// fail maps an error to its problem once, and logs what the client must not see.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	httpx.WriteProblem(w, a.problemFor(r.Context(), err))
}

func (a *API) problemFor(ctx context.Context, err error) *httpx.Problem {
	var te *customer.TransitionError
	var busy *customer.BusyError
	var rule *customer.RuleError
	var p *httpx.Problem
	if ve, ok := customer.AsValidation(err); ok {
		p := httpx.NewProblem(http.StatusUnprocessableEntity, "the customer has invalid fields")
		p.Errors = ve.Fields
		return p
	}
	switch {
	case errors.As(err, &p):
		return p
	case errors.Is(err, hub.ErrForbidden):
		return httpx.NewProblem(http.StatusForbidden, "the token's role does not allow this")
	case errors.Is(err, hub.ErrAccessRevoked):
		return httpx.NewProblem(http.StatusForbidden, err.Error())
	case errors.Is(err, customer.ErrNotFound), errors.Is(err, store.ErrNotFound):
		return httpx.NewProblem(http.StatusNotFound, "no such customer")
	case errors.As(err, &te):
		return httpx.NewProblem(http.StatusConflict, te.Error())
	case errors.As(err, &busy):
		p := httpx.NewProblem(http.StatusConflict, busy.Error())
		p.Errors = map[string]string{"running": busy.Running}
		return p
	case errors.As(err, &rule):
		return httpx.NewProblem(http.StatusConflict, rule.Error())
	case errors.Is(err, hub.ErrUnknownAction):
		return httpx.NewProblem(http.StatusNotFound, "no such action; the actions are retry, reset-demo-data, convert, update, rename, repair and extend-demo")
	case errors.Is(err, hub.ErrIdempotencyMismatch):
		return httpx.NewProblem(http.StatusUnprocessableEntity, err.Error())
	case errors.Is(err, customer.ErrConflict):
		return httpx.NewProblem(http.StatusConflict, "the customer changed meanwhile; reload and try again")
	case errors.Is(err, hub.ErrNotReady):
		return httpx.NewProblem(http.StatusConflict, err.Error())
	case errors.Is(err, store.ErrBadCursor):
		return httpx.NewProblem(http.StatusBadRequest, err.Error())
	case errors.Is(err, context.Canceled):
		return httpx.NewProblem(499, "the request was cancelled")
	}
	a.Log.ErrorContext(ctx, "api request failed", "err", err)
	return httpx.NewProblem(http.StatusInternalServerError, "something went wrong on our side; it has been logged")
}

// apiMethods are the methods the API's routes use.
var apiMethods = []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete, http.MethodPut}

// problemsForUnrouted answers requests no route takes with problem+json, as
// every other API error: 405 with Allow when the path exists under other
// methods, else 404. (The mux's own answers are plain text.)
func problemsForUnrouted(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		var allow []string
		for _, m := range apiMethods {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "" {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			httpx.WriteProblem(w, httpx.NewProblem(http.StatusMethodNotAllowed, r.Method+" is not allowed here; use "+strings.Join(allow, " or ")))
			return
		}
		httpx.WriteProblem(w, httpx.NewProblem(http.StatusNotFound, "no such API route: "+r.Method+" "+r.URL.Path))
	})
}
