package web

import (
	"strings"
	"time"

	"partnerhub/internal/customer"
	"partnerhub/internal/hub"
	"partnerhub/internal/store"
)

// badge is a status as the pages show it: a coloured label whose tooltip
// (and text for screen readers, which do not read title) says what the
// status means and why the customer is in it.
type badge struct {
	Label   string
	Tone    string // progress, ok, warn, error, muted: a CSS class
	Explain string
	Reason  string
	Tooltip string
	// ShowReason puts the reason under the badge: while something runs it
	// is the progress ("Step 3 of 6: …"), after a failure it is the cause.
	ShowReason bool
	Running    bool
}

func badgeOf(s customer.Status, reason string) badge {
	b := badge{Label: s.Label(), Tone: s.Tone(), Explain: s.Explain(), Reason: reason, Running: s.Running()}
	b.Tooltip = b.Explain
	if reason != "" {
		b.Tooltip += " " + reason
	}
	b.ShowReason = reason != "" && s != customer.StatusReady
	return b
}

// customerView is one customer with what the partner may do with it now.
type customerView struct {
	customer.Customer
	Badge      badge
	CanVisit   bool
	CanDelete  bool
	ConsoleURL string
	Highlight  bool // just added: the list marks the row
	// DemoExpires is when a DEMO expires (zero for customers); the list
	// warns when it is close, since an expired DEMO is removed.
	DemoExpires  time.Time
	ExpiringSoon bool
	// Actions are what the partner can run now; UpdateAvailable says the
	// console is behind the current version.
	Actions         []actionView
	UpdateAvailable bool
	LatestVersion   int
	// CanOperate is the actor's role allowing actions, visits and
	// deletion: without it the pages show none of them (the service
	// refuses them anyway). VisitBlocked says why Visit is off although
	// the customer is ready (the customer's admin revoked access).
	CanOperate   bool
	VisitBlocked string
}

// viewOf is c as the actor may see it: what the status allows, narrowed
// to what the actor's role allows.
func (w *Web) viewOf(a hub.Actor, c customer.Customer) customerView {
	v := customerView{
		Customer: c, Badge: badgeOf(c.Status, c.StatusReason), CanOperate: a.Can(hub.PermOperate),
	}
	v.CanVisit = v.CanOperate && c.Status.Visitable()
	v.CanDelete = v.CanOperate && customer.Can(c.Status, customer.EventDelete)
	if c.Status.Visitable() {
		v.ConsoleURL = w.Hub.ConsoleLink(c)
	}
	if c.DemoExpiresAt != nil {
		v.DemoExpires, v.ExpiringSoon = *c.DemoExpiresAt, c.ExpiringSoon(now())
	}
	if v.CanOperate {
		v.Actions = w.actionsFor(c)
	}
	v.LatestVersion = w.Hub.LatestConsoleVersion
	v.UpdateAvailable = c.ConsoleVersion > 0 && c.ConsoleVersion < v.LatestVersion
	return v
}

// blockVisit turns Visit off when the customer's admin revoked the
// partner's access, with the reason.
func (v *customerView) blockVisit(acc store.ConsoleAccess) {
	if acc.Granted || !v.Status.Visitable() {
		return
	}
	v.CanVisit = false
	v.VisitBlocked = "The customer's admin revoked partner access to the console"
	if !acc.ChangedAt.IsZero() {
		v.VisitBlocked += " on " + acc.ChangedAt.Format("2 Jan 2006")
	}
	v.VisitBlocked += "."
}

// signedInLayout is the layout of a page for a signed-in actor.
func signedInLayout(a hub.Actor, title string) layout {
	return layout{Title: title, Actor: &a, Nav: "customers"}
}

// stepLabel turns a step key of the workers ("partner_account") into words
// for the timeline; the reason next to it says the rest.
func stepLabel(step string) string {
	if step == "" {
		return ""
	}
	s := strings.ReplaceAll(step, "_", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}
