package web

import (
	"strings"
	"time"

	"partnerhub/internal/customer"
	"partnerhub/internal/hub"
	"partnerhub/internal/store"
)

// badge is a status as the pages show it: a coloured label whose tooltip
// (for the mouse) and hidden text (for screen readers) say what the status
// means and why the customer is in it. The tooltip is kept from screen
// readers: browsers expose a title as a description, which they would
// read after the hidden text, saying everything twice.
//
// The reason is said once: either next to the badge, where everyone sees
// it (ShowReason), or, when the page has no room for it, inside the badge,
// in the tooltip and the hidden text. Pages show it with the "status"
// template, which keeps the two in step.
type badge struct {
	Label   string
	Tone    string // progress, ok, warn, error, muted: a CSS class
	Explain string
	Reason  string
	// ShowReason puts the reason next to the badge. The list does it while
	// something runs (the progress: "Step 3 of 6: …") and after a failure
	// (the cause); a customer's page does it always (WithReason).
	ShowReason bool
	Running    bool
}

func badgeOf(s customer.Status, reason string) badge {
	return badge{Label: s.Label(), Tone: s.Tone(), Explain: s.Explain(), Reason: reason, Running: s.Running(),
		ShowReason: reason != "" && s != customer.StatusReady}
}

// WithReason is the badge with its reason shown next to it, whatever the
// status: a customer's page has the room.
func (b badge) WithReason() badge {
	b.ShowReason = b.Reason != ""
	return b
}

// Hidden is the reason when it is not shown next to the badge: the
// tooltip and the hidden text carry it then, and only then.
func (b badge) Hidden() string {
	if b.ShowReason {
		return ""
	}
	return b.Reason
}

// Tooltip is the badge's title: what the status means, and why when the
// reason is not on screen already.
func (b badge) Tooltip() string {
	if h := b.Hidden(); h != "" {
		return b.Explain + " " + h
	}
	return b.Explain
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
