package console

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"partnerhub/internal/httpx"
)

// The customer's own admin: the one person who decides whether the
// partner may enter the console. The account lives in the hub (the partner
// issues a one-time password on the customer page and hands it over); the
// first sign-in replaces it with the admin's own password, after which the
// partner can issue no other. Only then does a session start.

// Admins is the hub's side of the customer admin's account.
type Admins interface {
	// ConsoleAdminSignIn checks the password; mustChange is true while the
	// partner's one-time password is still in use.
	ConsoleAdminSignIn(ctx context.Context, customerID, email, password, addr string) (mustChange bool, err error)
	ConsoleAdminSetPassword(ctx context.Context, customerID, email, current, next, addr string) error
	// ConsoleOwner is the partner the customer belongs to: the only one
	// access can be granted to.
	ConsoleOwner(ctx context.Context, customerID string) (partnerID string, err error)
	// ConsoleAccessChanged tells the hub, which shows Visit accordingly
	// and writes the partner's audit log.
	ConsoleAccessChanged(ctx context.Context, customerID string, granted bool, by, addr string) error
}

// Errors an Admins implementation returns for what the person must fix.
var (
	ErrBadCredentials = errors.New("console: the email or password is wrong")
	ErrLocked         = errors.New("console: too many failed sign-ins")
	ErrWeakPassword   = errors.New("console: the new password is too short")
)

// Events receives what the partner's audit log shows of the console.
type Events interface {
	ConsoleEvent(ctx context.Context, e AuditEvent)
}

// AuditEvent is a sign-in to the console or a refused one. Err nil is success.
type AuditEvent struct {
	CustomerID string
	ActorID    string
	Actor      string
	Addr       string
	Action     string // "console.sign_in"
	Detail     string
	Err        error
}

// Why a hand-off was refused, for the audit log.
var (
	ErrHandoffRefused   = errors.New("console: hand-off invalid, used or expired")
	ErrAccessNotGranted = errors.New("console: partner access not granted")
)

func (h *handler) event(r *http.Request, e AuditEvent) {
	if h.events != nil {
		e.CustomerID, e.Addr = r.PathValue("customerID"), h.addr(r)
		h.events.ConsoleEvent(context.WithoutCancel(r.Context()), e)
	}
}

func (h *handler) addr(r *http.Request) string { return httpx.ClientAddr(r, h.trustProxy) }

type formPage struct {
	CustomerID string
	Title      string
	Email      string
	Error      string
	FirstTime  bool // the one-time password is being replaced
	Signed     bool // a customer admin session exists (password page)
}

// signinPage is the customer admin's sign-in form.
func (h *handler) signinPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("customerID")
	if h.admins == nil {
		h.notFound(w)
		return
	}
	if v, ok := h.visitor(w, r); ok && v.IsCustomerAdmin() {
		http.Redirect(w, r, "/c/"+id+"/settings", http.StatusSeeOther)
		return
	}
	h.form(w, http.StatusOK, "signin.html", formPage{CustomerID: id, Title: "Sign in as the customer's admin"})
}

// signin checks the customer admin's password. While it is the partner's
// one-time password, no session starts: the page asks for a password of
// the admin's own first.
func (h *handler) signin(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("customerID")
	if h.admins == nil {
		h.notFound(w)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.message(w, id, http.StatusBadRequest, "Sign-in failed", "The form could not be read.")
		return
	}
	email := strings.TrimSpace(r.PostForm.Get("email"))
	page := formPage{CustomerID: id, Title: "Sign in as the customer's admin", Email: email}
	mustChange, err := h.admins.ConsoleAdminSignIn(r.Context(), id, email, r.PostForm.Get("password"), h.addr(r))
	if status, msg := h.formError(r, id, err); status != 0 {
		page.Error = msg
		h.form(w, status, "signin.html", page)
		return
	}
	if mustChange {
		h.form(w, http.StatusOK, "password.html", formPage{CustomerID: id, Title: "Choose your password", Email: email, FirstTime: true})
		return
	}
	h.startAdminSession(w, r, id, email)
}

// formError turns an Admins error into a status and message for the form;
// 0 means no error.
func (h *handler) formError(r *http.Request, id string, err error) (int, string) {
	switch {
	case err == nil:
		return 0, ""
	case errors.Is(err, ErrBadCredentials):
		return http.StatusUnauthorized, "The email or password is wrong."
	case errors.Is(err, ErrLocked):
		return http.StatusTooManyRequests, "There were too many failed sign-ins. Wait 15 minutes, then try again."
	case errors.Is(err, ErrWeakPassword):
		return http.StatusUnprocessableEntity, "Choose a new password of 12 to 200 characters that differs from the current one and is not easy to guess: not your email, not one character repeated, not a common password."
	}
	h.log.ErrorContext(r.Context(), "console admin", "customer", id, "err", err)
	return http.StatusServiceUnavailable, "The console could not check this right now. Please try again in a few minutes."
}

func (h *handler) startAdminSession(w http.ResponseWriter, r *http.Request, id, email string) {
	token, err := h.m.startSession(r.Context(), id, Visitor{UserID: customerAdminID, Email: strings.ToLower(email)}, h.now())
	if err != nil {
		h.fail(w, r, id, err)
		return
	}
	h.setCookie(w, r, id, token)
	http.Redirect(w, r, "/c/"+id+"/settings", http.StatusSeeOther)
}

// passwordPage lets a signed-in customer admin choose a new password.
func (h *handler) passwordPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("customerID")
	v, ok := h.customerAdmin(w, r)
	if !ok {
		return
	}
	h.form(w, http.StatusOK, "password.html", formPage{CustomerID: id, Title: "Change your password", Email: v.Email, Signed: true})
}

// password replaces the customer admin's password after checking the
// current one (the one-time password, the first time), then signs in.
func (h *handler) password(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("customerID")
	if h.admins == nil {
		h.notFound(w)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.message(w, id, http.StatusBadRequest, "Password not changed", "The form could not be read.")
		return
	}
	email := strings.TrimSpace(r.PostForm.Get("email"))
	v, signed := h.visitor(w, r)
	if signed && v.IsCustomerAdmin() {
		email = v.Email
	}
	page := formPage{CustomerID: id, Title: "Choose your password", Email: email, FirstTime: !signed, Signed: signed}
	next := r.PostForm.Get("new")
	if next != r.PostForm.Get("confirm") {
		page.Error = "The two new passwords differ."
		h.form(w, http.StatusUnprocessableEntity, "password.html", page)
		return
	}
	err := h.admins.ConsoleAdminSetPassword(r.Context(), id, email, r.PostForm.Get("current"), next, h.addr(r))
	if status, msg := h.formError(r, id, err); status != 0 {
		page.Error = msg
		h.form(w, status, "password.html", page)
		return
	}
	h.startAdminSession(w, r, id, email)
}

// signout ends the console session on the server.
func (h *handler) signout(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("customerID")
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := h.m.endSession(r.Context(), id, c.Value); err != nil {
			h.fail(w, r, id, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Path: "/c/" + id + "/", MaxAge: -1, HttpOnly: true,
		Secure: h.secure || r.TLS != nil, SameSite: http.SameSiteLaxMode})
	h.message(w, id, http.StatusOK, "Signed out", "You are signed out of this console.")
}

type settingsPage struct {
	CustomerID string
	Profile    Profile
	Visitor    Visitor
	Granted    bool
}

// settings shows the customer admin whether the partner may enter, with
// the button that changes it.
func (h *handler) settings(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("customerID")
	v, ok := h.customerAdmin(w, r)
	if !ok {
		return
	}
	granted, _, err := h.m.PartnerAccess(r.Context(), id)
	if err != nil {
		h.fail(w, r, id, err)
		return
	}
	p, err := h.m.Profile(r.Context(), id)
	if err != nil {
		h.fail(w, r, id, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	h.render(w, http.StatusOK, "settings.html", settingsPage{CustomerID: id, Profile: p, Visitor: v, Granted: granted})
}

// setPartnerAccess revokes or grants the partner's access. Revoking ends
// the partner's open sessions at once; the hub hears of it, so Visit shows
// disabled with the reason, and hand-offs are refused by the console anyway.
func (h *handler) setPartnerAccess(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("customerID")
	v, ok := h.customerAdmin(w, r)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		h.message(w, id, http.StatusBadRequest, "Not changed", "The form could not be read.")
		return
	}
	ctx := r.Context()
	var err error
	granted := false
	switch r.PostForm.Get("access") {
	case "revoke":
		err = h.m.CustomerRevokePartnerAccess(ctx, id, v.Email)
	case "grant":
		var owner string
		if owner, err = h.admins.ConsoleOwner(ctx, id); err == nil {
			err = h.m.CustomerGrantPartnerAccess(ctx, id, owner, v.Email)
		}
		granted = true
	default:
		h.message(w, id, http.StatusBadRequest, "Not changed", "Choose to revoke or to grant access.")
		return
	}
	if err != nil {
		h.fail(w, r, id, err)
		return
	}
	if err := h.admins.ConsoleAccessChanged(ctx, id, granted, v.Email, h.addr(r)); err != nil {
		// The console's flag is the authority and has changed; the hub's
		// copy only decides how Visit looks. Say so in the log.
		h.log.ErrorContext(ctx, "console access change not recorded in the hub", "customer", id, "err", err)
	}
	http.Redirect(w, r, "/c/"+id+"/settings", http.StatusSeeOther)
}

// visitor returns the session's visitor, if any.
func (h *handler) visitor(w http.ResponseWriter, r *http.Request) (Visitor, bool) {
	v, ok, err := h.session(r)
	if err != nil {
		h.log.ErrorContext(r.Context(), "console session", "err", err)
		return Visitor{}, false
	}
	return v, ok
}

// session returns the visitor of the request's session cookie; ok is false
// without a live session. A partner user's session holds only while the
// hub still allows them (not removed, still allowed to operate, not signed
// out everywhere since): one that no longer holds is ended here.
func (h *handler) session(r *http.Request) (Visitor, bool, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return Visitor{}, false, nil
	}
	ctx, id := r.Context(), r.PathValue("customerID")
	v, ok, err := h.m.sessionVisitor(ctx, id, c.Value, h.now())
	if err != nil || !ok || v.IsCustomerAdmin() {
		return v, ok, err
	}
	allowed, err := h.handoff.VisitorAllowed(ctx, v)
	if err != nil || allowed {
		return v, err == nil, err
	}
	return Visitor{}, false, h.m.endSession(ctx, id, c.Value)
}

// customerAdmin lets only the customer's admin through: a partner's
// session and no session get 403 (the latter with a link to sign in).
func (h *handler) customerAdmin(w http.ResponseWriter, r *http.Request) (Visitor, bool) {
	id := r.PathValue("customerID")
	if h.admins == nil {
		h.notFound(w)
		return Visitor{}, false
	}
	v, ok := h.visitor(w, r)
	switch {
	case !ok:
		h.render(w, http.StatusForbidden, "message.html", messagePage{CustomerID: id, Title: "Not signed in",
			Message: "Sign in as the customer's admin to see the console's settings.",
			Link:    "/c/" + id + "/signin", LinkLabel: "Sign in as the customer's admin"})
		return Visitor{}, false
	case !v.IsCustomerAdmin():
		h.message(w, id, http.StatusForbidden, "For the customer's admin only",
			"Only the customer's own admin can see and change the console's settings.")
		return Visitor{}, false
	}
	return v, true
}

func (h *handler) setCookie(w http.ResponseWriter, r *http.Request, id, token string) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/c/" + id + "/", MaxAge: int(sessionTTL.Seconds()),
		HttpOnly: true, Secure: h.secure || r.TLS != nil, SameSite: http.SameSiteLaxMode,
	})
}

func (h *handler) form(w http.ResponseWriter, status int, name string, p formPage) {
	w.Header().Set("Cache-Control", "no-store")
	h.render(w, status, name, p)
}
