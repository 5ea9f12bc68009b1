package web

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

type sseEvent struct{ name, data string }

// openStream connects to an event stream as user and returns its events
// once the server has subscribed (it says ": connected" after subscribing)
// and sent the catch-up event every stream starts with.
func (e *env) openStream(t *testing.T, user, path string) <-chan sseEvent {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+e.expand(path), nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := e.clients[user].Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream %s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() && sc.Text() != ": connected" {
	}
	var catchUp []string
	for len(catchUp) < 4 && sc.Scan() {
		catchUp = append(catchUp, sc.Text())
	}
	if strings.Join(catchUp, "|") != "|event: changed|data: |" {
		t.Fatalf("stream %s does not start with a catch-up event: %q", path, catchUp)
	}
	out := make(chan sseEvent, 16)
	go func() {
		defer close(out)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.name != "" {
					out <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.data = strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return out
}

func next(t *testing.T, events <-chan sseEvent, within time.Duration) (sseEvent, bool) {
	t.Helper()
	select {
	case ev, ok := <-events:
		return ev, ok
	case <-time.After(within):
		return sseEvent{}, false
	}
}

func TestEventsOnlyOwnChanges(t *testing.T) {
	t.Parallel()
	e := setup(t)
	events := e.openStream(t, "alice", "/customers/events")
	e.broker.Publish(e.actors["bob"].PartnerID, e.ids["globex"])
	e.broker.Publish(e.actors["alice"].PartnerID, e.ids["contoso"])
	ev, ok := next(t, events, 2*time.Second)
	if !ok || ev.name != "changed" || ev.data != e.ids["contoso"] {
		t.Fatalf("first event %+v (ok %v), want changed for contoso", ev, ok)
	}
	e.broker.Publish(e.actors["bob"].PartnerID, e.ids["globex"])
	if ev, ok := next(t, events, time.Second); ok {
		t.Fatalf("alice got an event for another partner: %+v", ev)
	}
}

// TestEventsFromStore checks the whole path: a status change in the store
// reaches the browser of the customer's partner.
func TestEventsFromStore(t *testing.T) {
	t.Parallel()
	e := setup(t)
	alice := e.openStream(t, "alice", "/customers/events")
	bob := e.openStream(t, "bob", "/customers/events")
	resp, _ := e.do("alice", "POST", "/customers/{fabrikam}/delete", nil, nil)
	if resp.StatusCode != 303 {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if ev, ok := next(t, alice, 2*time.Second); !ok || ev.data != e.ids["fabrikam"] {
		t.Fatalf("alice: %+v %v", ev, ok)
	}
	if ev, ok := next(t, bob, 700*time.Millisecond); ok {
		t.Fatalf("bob got alice's change: %+v", ev)
	}
}

// TestEventsCoalesce checks that a burst of changes still ends with an
// event after the page's 300 ms throttle, so the last state is shown.
func TestEventsCoalesce(t *testing.T) {
	t.Parallel()
	e := setup(t)
	events := e.openStream(t, "alice", "/customers/events")
	pid := e.actors["alice"].PartnerID
	time.Sleep(minGap) // past the gap that follows the catch-up event
	// The gap is measured from the burst, not from the first event's
	// arrival: the server sends the first event after the burst and the
	// trailing one at least minGap after the first, so the trailing one
	// cannot arrive sooner than minGap after the burst, however late the
	// first one reaches this test on a busy machine.
	burst := time.Now()
	for range 5 {
		e.broker.Publish(pid, e.ids["fabrikam"])
	}
	first, ok := next(t, events, 2*time.Second)
	if !ok {
		t.Fatal("no event")
	}
	second, ok := next(t, events, 2*time.Second)
	if gap := time.Since(burst); !ok || second.data != first.data || gap < 300*time.Millisecond {
		t.Fatalf("trailing event %+v ok=%v %v after the burst, want at least the page's 300 ms throttle", second, ok, gap)
	}
	if ev, ok := next(t, events, 800*time.Millisecond); ok {
		t.Fatalf("a burst gave more than two events: %+v", ev)
	}
}

func TestCustomerEvents(t *testing.T) {
	t.Parallel()
	e := setup(t)
	events := e.openStream(t, "alice", "/customers/{contoso}/events")
	e.broker.Publish(e.actors["alice"].PartnerID, e.ids["fabrikam"])
	e.broker.Publish(e.actors["bob"].PartnerID, e.ids["contoso"]) // a forged nudge under another partner
	if ev, ok := next(t, events, 700*time.Millisecond); ok {
		t.Fatalf("got an event for another customer: %+v", ev)
	}
	e.broker.Publish(e.actors["alice"].PartnerID, e.ids["contoso"])
	if ev, ok := next(t, events, 2*time.Second); !ok || ev.name != "changed" || ev.data != e.ids["contoso"] {
		t.Fatalf("event %+v ok=%v", ev, ok)
	}
}

// TestEventsHeartbeat is not parallel: it shortens the package's heartbeat.
func TestEventsHeartbeat(t *testing.T) {
	e := setup(t)
	defer func(d time.Duration) { heartbeat = d }(heartbeat)
	heartbeat = 50 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/customers/events", nil)
	resp, err := e.clients["alice"].Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if sc.Text() == ": ping" {
			return
		}
	}
	t.Fatal("no heartbeat")
}
