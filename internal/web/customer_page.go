package web

import (
	"net/http"
	"slices"
	"time"

	"partnerhub/internal/hub"
	"partnerhub/internal/store"
)

type customerPageView struct {
	layout
	C         customerView
	Timeline  []timelineEntry
	LiveURL   string
	EventsURL string
	// ConsoleAdmin is the customer's own console admin, whom the partner
	// gives a one-time password; NewAdminPassword is that password, shown
	// once right after it was issued.
	ConsoleAdmin     hub.ConsoleAdminStatus
	NewAdminPassword string
}

// timelineEntry is one line of a customer's history as a person reads it.
type timelineEntry struct {
	At     time.Time
	Title  string
	Step   string
	Reason string
	Tone   string
}

// customerPage shows one customer: details, status with reason, console URL
// when ready, and the timeline; the panel reloads live like the list.
func (w *Web) customerPage(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	v, err := w.customerPanel(r, a)
	if err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	v.layout = signedInLayout(a, v.C.CompanyName)
	w.render(rw, r, http.StatusOK, "customer.html", v)
}

// customerLive is the live panel alone, for htmx. When the customer is gone
// (its deletion finished) fail answers with HX-Refresh, so the page reloads
// into the "not found" page that says so.
func (w *Web) customerLive(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	v, err := w.customerPanel(r, a)
	if err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	w.renderPart(rw, r, "customer.html", "panel", v)
}

func (w *Web) customerPanel(r *http.Request, a hub.Actor) (customerPageView, error) {
	id := r.PathValue("id")
	c, err := w.Hub.Customer(r.Context(), a, id)
	if err != nil {
		return customerPageView{}, err
	}
	events, err := w.Hub.Timeline(r.Context(), a, id)
	if err != nil {
		return customerPageView{}, err
	}
	v := customerPageView{C: w.viewOf(a, c), LiveURL: "/customers/" + c.ID + "/live", EventsURL: "/customers/" + c.ID + "/events"}
	acc, err := w.Hub.ConsoleAccess(r.Context(), a, id)
	if err != nil {
		return customerPageView{}, err
	}
	v.C.blockVisit(acc)
	if v.ConsoleAdmin, err = w.Hub.ConsoleAdmin(r.Context(), a, id); err != nil {
		return customerPageView{}, err
	}
	for _, e := range slices.Backward(events) {
		v.Timeline = append(v.Timeline, entryOf(e))
	}
	return v, nil
}

// entryOf names a timeline event: a status change says from what to what,
// progress says the step; the reason carries "Step n of N" while running.
func entryOf(e store.Event) timelineEntry {
	t := timelineEntry{At: e.At, Step: stepLabel(e.Step), Reason: e.Reason, Tone: e.To.Tone()}
	switch {
	case e.Kind == "status" && e.From == "":
		t.Title = "Added as " + e.To.Label()
	case e.Kind == "status":
		t.Title = e.From.Label() + " → " + e.To.Label()
	case e.Reason != "":
		// Progress reads best as its own reason: "Step 3 of 6: Granting…".
		t.Title, t.Reason, t.Tone = e.Reason, "", "muted"
	default:
		t.Title, t.Tone = "Progress", "muted"
	}
	return t
}
