package console

import (
	"net/http"
)

// latestEventsShown is how many events the dashboard lists.
const latestEventsShown = 20

type riskCount struct {
	Level string
	Count int
}

type dashboardPage struct {
	CustomerID    string
	Profile       Profile
	IsDemo        bool
	SchemaVersion int
	Stats         Stats
	Risks         []riskCount
	Events        []Event
	Visitor       Visitor
}

// dashboard is the console's start page for a signed-in visitor.
func (h *handler) dashboard(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("customerID")
	ctx := r.Context()
	w.Header().Set("Cache-Control", "no-store")
	visitor, ok, err := h.session(r)
	if err != nil {
		h.fail(w, r, id, err)
		return
	}
	if !ok {
		msg := messagePage{CustomerID: id, Title: "Not signed in",
			Message: "You are not signed in to this console. Open it from the partner hub with Visit: " +
				"each sign-in link works once, and a console session lasts 8 hours."}
		if h.admins != nil {
			msg.Link, msg.LinkLabel = "/c/"+id+"/signin", "Sign in as the customer's admin"
		}
		// 403, not 401: there is no HTTP authentication to challenge for.
		h.render(w, http.StatusForbidden, "message.html", msg)
		return
	}
	p := dashboardPage{CustomerID: id, Visitor: visitor}
	if p.SchemaVersion, err = h.m.SchemaVersion(ctx, id); err != nil {
		h.fail(w, r, id, err)
		return
	}
	if p.Profile, err = h.m.Profile(ctx, id); err != nil {
		h.fail(w, r, id, err)
		return
	}
	if p.Stats, err = h.m.Stats(ctx, id, h.now()); err != nil {
		h.fail(w, r, id, err)
		return
	}
	if p.Events, err = h.m.LatestEvents(ctx, id, latestEventsShown); err != nil {
		h.fail(w, r, id, err)
		return
	}
	p.IsDemo = p.Profile.Type == TypeDemo
	for _, level := range riskLevels {
		p.Risks = append(p.Risks, riskCount{level, p.Stats.EventsByRisk[level]})
	}
	h.render(w, http.StatusOK, "dashboard.html", p)
}
