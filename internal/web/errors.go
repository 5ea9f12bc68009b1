package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"partnerhub/internal/customer"
	"partnerhub/internal/hub"
	"partnerhub/internal/store"
)

// errorView is the page of a request that could not be done.
type errorView struct {
	layout
	Status    int
	Heading   string
	Message   string
	Back      string
	BackLabel string
}

// errBadForm is a form that our pages never send (a missing token, an
// unknown step); someone edited it or it is from an older version of the UI.
var errBadForm = errors.New("the form is incomplete")

// fail is the one place where an error becomes a page. Domain errors get a
// message a partner can act on; anything else is logged with its detail and
// shown as "something went wrong", so internals never reach the browser.
// Another partner's customer is not found, exactly like one that never was.
func (w *Web) fail(rw http.ResponseWriter, r *http.Request, actor *hub.Actor, err error) {
	v := errorView{layout: layout{Actor: actor, Nav: "customers"}, Back: "/customers", BackLabel: "Back to customers"}
	if id := r.PathValue("id"); id != "" && !errors.Is(err, customer.ErrNotFound) {
		v.Back, v.BackLabel = "/customers/"+id, "Back to the customer"
	}
	var te *customer.TransitionError
	var busy *customer.BusyError
	var rule *customer.RuleError
	var tooBig *http.MaxBytesError
	var badEscape url.EscapeError
	var invalid *hub.InvalidError
	switch {
	case errors.Is(err, hub.ErrForbidden):
		v.Status, v.Heading = http.StatusForbidden, "Your role does not allow this"
		v.Message = "You are signed in as " + hub.RoleLabel(roleOf(actor)) + ", which cannot do this. Ask an admin of your organisation if you need it."
	case errors.Is(err, hub.ErrAccessRevoked):
		v.Status, v.Heading = http.StatusForbidden, "Partner access revoked"
		v.Message = "The customer's admin has revoked your organisation's access to this console. Only they can grant it again, in the console's settings."
	case errors.As(err, &invalid):
		v.Status, v.Heading = http.StatusUnprocessableEntity, "Please correct this"
		v.Message = sentence(invalid.Msg)
	case errors.Is(err, store.ErrLastAdmin), errors.Is(err, store.ErrConsoleAdminClaimed):
		v.Status, v.Heading = http.StatusConflict, "This cannot be done"
		v.Message = sentence(err.Error())
	case errors.Is(err, customer.ErrNotFound), errors.Is(err, store.ErrNotFound):
		v.Status, v.Heading = http.StatusNotFound, "Customer not found"
		v.Message = "This customer does not exist or has been deleted."
		if !strings.HasPrefix(r.URL.Path, "/customers") {
			v.Heading, v.Message = "Not found", "What this page refers to does not exist, or no longer does."
		}
	case errors.Is(err, hub.ErrUnknownAction):
		v.Status, v.Heading = http.StatusNotFound, "No such action"
		v.Message = "This action does not exist. The customer's page lists the actions you can run."
	case errors.As(err, &te):
		v.Status, v.Heading = http.StatusConflict, "This cannot be done right now"
		v.Message = sentence(te.Error()) + " Wait for the current status to change, then try again."
	case errors.As(err, &busy):
		v.Status, v.Heading = http.StatusConflict, "Another operation is running"
		v.Message = sentence(busy.Error())
	case errors.As(err, &rule):
		v.Status, v.Heading = http.StatusConflict, "This cannot be done for this customer"
		v.Message = sentence(rule.Msg)
	case errors.Is(err, customer.ErrConflict):
		v.Status, v.Heading = http.StatusConflict, "The customer changed meanwhile"
		v.Message = "Someone or something changed this customer while you were working on it. Look at its current status and try again."
	case errors.Is(err, hub.ErrNotReady):
		v.Status, v.Heading = http.StatusConflict, "The console is not ready"
		v.Message = sentence(hub.ErrNotReady.Error()) + " Its status shows how far the deployment is."
	case errors.Is(err, store.ErrBadCursor):
		v.Status, v.Heading = http.StatusBadRequest, "This page of the list is no longer valid"
		v.Message = "The link to this page of the list is incomplete or out of date. Start again from the first page."
	case errors.As(err, &tooBig):
		v.Status, v.Heading = http.StatusRequestEntityTooLarge, "The form is too large"
		v.Message = "What you sent is larger than the hub accepts. Shorten it and try again."
	case errors.Is(err, hub.ErrIdempotencyMismatch):
		v.Status, v.Heading = http.StatusConflict, "This form has already added a customer"
		v.Message = "This Add customer form was submitted before, with other answers, and that customer was added. To add another customer, start a new Add customer."
		v.Back, v.BackLabel = "/customers", "Go to customers"
	case errors.As(err, &badEscape):
		v.Status, v.Heading = http.StatusBadRequest, "The form could not be read"
		v.Message = "What the browser sent is not a valid form. Reload the page and try again."
	case errors.Is(err, errBadForm):
		v.Status, v.Heading = http.StatusBadRequest, "The form is incomplete"
		v.Message = "This form is missing information our pages always send. Reload the page and start again."
	default:
		level := slog.LevelError
		if errors.Is(err, context.Canceled) {
			level = slog.LevelDebug // the browser went away; nothing to fix
		}
		w.Log.Log(r.Context(), level, "web: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		v.Status, v.Heading = http.StatusInternalServerError, "Something went wrong"
		v.Message = "The hub could not finish your request. Please try again in a moment; if it keeps happening, contact support."
	}
	v.Title = v.Heading
	if isHTMX(r) && v.Status == http.StatusNotFound {
		// htmx does not swap error answers; reloading shows the "not found"
		// page, which is what a live panel must do once a deletion finished.
		rw.Header().Set("HX-Refresh", "true")
	}
	w.render(rw, r, v.Status, "error.html", v)
}

func roleOf(a *hub.Actor) string {
	if a == nil {
		return ""
	}
	return a.Role
}

// notFoundPage answers every path no route knows, signed in or not.
func (w *Web) notFoundPage(rw http.ResponseWriter, r *http.Request) {
	v := errorView{Status: http.StatusNotFound, Heading: "Page not found",
		Message: "There is no page at this address. Check the link, or go back to your customers.",
		Back:    "/customers", BackLabel: "Go to customers"}
	v.Title = v.Heading
	if a, ok, _ := w.sessionActor(r); ok {
		v.Actor = &a
	}
	w.render(rw, r, http.StatusNotFound, "error.html", v)
}

// crossOriginDenied answers a state-changing request that another site made
// the browser send (http.CrossOriginProtection refused it).
func (w *Web) crossOriginDenied(rw http.ResponseWriter, r *http.Request) {
	v := errorView{Status: http.StatusForbidden, Heading: "Request refused",
		Message: "This request came from another website, so the hub refused it to protect your account. If you sent it yourself, go back, reload the page and try again.",
		Back:    "/customers", BackLabel: "Go to customers"}
	v.Title = v.Heading
	w.render(rw, r, http.StatusForbidden, "error.html", v)
}

// sentence capitalises a domain error message and ends it with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
