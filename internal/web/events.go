package web

import (
	"fmt"
	"net/http"
	"time"

	"partnerhub/internal/hub"
)

// heartbeat keeps idle streams open through proxies that cut silent
// connections, and lets the server notice a client that went away.
var heartbeat = 15 * time.Second

// minGap spaces the events of one stream. The pages reload with htmx's
// "throttle:300ms", which drops triggers that arrive within 300 ms of the
// last; so changes that come faster are folded into one event sent after the
// gap, and the last change is never lost.
const minGap = 500 * time.Millisecond

// events streams a "changed" event whenever one of the signed-in partner's
// customers changes; the list then reloads its rows.
func (w *Web) events(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	w.stream(rw, r, a, "")
}

// customerEvents is the stream of one customer's page: only its changes.
// Another partner's customer is not found, like any other route.
func (w *Web) customerEvents(rw http.ResponseWriter, r *http.Request, a hub.Actor) {
	c, err := w.Hub.Customer(r.Context(), a, r.PathValue("id"))
	if err != nil {
		w.fail(rw, r, &a, err)
		return
	}
	w.stream(rw, r, a, c.ID)
}

// stream subscribes to the broker with the actor's partner, never a partner
// from the request, so only the partner's own changes are ever sent. The
// events are nudges without data beyond the customer id: the page fetches
// what it shows through the usual, authorised handlers.
func (w *Web) stream(rw http.ResponseWriter, r *http.Request, a hub.Actor, customerID string) {
	changes, cancel := w.Broker.Subscribe(a.PartnerID)
	defer cancel()

	rc := http.NewResponseController(rw)
	_ = rc.SetWriteDeadline(time.Time{}) // the stream outlives any server write timeout
	h := rw.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: pass events through at once
	rw.WriteHeader(http.StatusOK)

	send := func(format string, args ...any) bool {
		if _, err := fmt.Fprintf(rw, format, args...); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	// Subscribed before this first write: a change made after the stream
	// opened is never missed. The page was rendered before, though, and a
	// change can fall between the two (a deployment finishes in a fraction
	// of a second), or happen while a dropped stream reconnects: so the
	// first event is a "changed" that makes the page catch up at once.
	if !send("retry: 5000\n: connected\n\nevent: changed\ndata: \n\n") {
		return
	}
	last := time.Now()
	ping := time.NewTicker(heartbeat)
	defer ping.Stop()
	var (
		pending string           // a change waiting for minGap to pass
		later   <-chan time.Time // fires when it may be sent
	)
	for {
		select {
		case <-r.Context().Done():
			return
		case ch := <-changes:
			if customerID != "" && ch.CustomerID != customerID {
				continue
			}
			if wait := minGap - time.Since(last); wait > 0 {
				if later == nil {
					later = time.After(wait)
				}
				pending = ch.CustomerID
				continue
			}
			if !send("event: changed\ndata: %s\n\n", ch.CustomerID) {
				return
			}
			last = time.Now()
		case <-later:
			later = nil
			if !send("event: changed\ndata: %s\n\n", pending) {
				return
			}
			last = time.Now()
		case <-ping.C:
			if !send(": ping\n\n") {
				return
			}
		}
	}
}
