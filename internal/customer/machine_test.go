package customer

import (
	"errors"
	"testing"
)

var allEvents = []Event{EventDeployed, EventDeployFailed, EventDelete, EventDeleted, EventDeleteFailed,
	EventRetry, EventActionStart, EventActionDone, EventActionFailed, EventDrift}

var allStatuses = append(append([]Status{}, Shown...), StatusDeleted)

// TestTransitionsExhaustive checks every (status, event) pair: allowed
// exactly when the table says so, to the status it names, and refused with a
// readable error otherwise.
func TestTransitionsExhaustive(t *testing.T) {
	want := map[Status]map[Event]Status{
		StatusDeploying:     {EventDeployed: StatusReady, EventDeployFailed: StatusDeployFailed, EventDelete: StatusDeleting},
		StatusReady:         {EventDelete: StatusDeleting, EventActionStart: StatusActionRunning, EventDrift: StatusUnknown},
		StatusActionRunning: {EventActionDone: StatusReady, EventActionFailed: StatusActionFailed, EventDelete: StatusDeleting},
		StatusActionFailed:  {EventActionStart: StatusActionRunning, EventDelete: StatusDeleting, EventDrift: StatusUnknown},
		StatusUnknown:       {EventActionStart: StatusActionRunning, EventDelete: StatusDeleting},
		StatusDeployFailed:  {EventRetry: StatusDeploying, EventDelete: StatusDeleting},
		StatusDeleting:      {EventDeleted: StatusDeleted, EventDeleteFailed: StatusDeleteFailed},
		StatusDeleteFailed:  {EventRetry: StatusDeleting, EventDelete: StatusDeleting},
		StatusDeleted:       {},
	}
	for _, from := range allStatuses {
		for _, ev := range allEvents {
			to, err := Next(from, ev)
			wantTo, allowed := want[from][ev]
			switch {
			case allowed && (err != nil || to != wantTo):
				t.Errorf("%s --%s--> got (%q, %v), want %s", from, ev, to, err, wantTo)
			case !allowed && err == nil:
				t.Errorf("%s --%s--> %s allowed, want refused", from, ev, to)
			case !allowed:
				var te *TransitionError
				if !errors.As(err, &te) || te.Error() == "" {
					t.Errorf("%s --%s--> error %v is not a readable TransitionError", from, ev, err)
				}
			}
			if Can(from, ev) != allowed {
				t.Errorf("Can(%s, %s) = %v", from, ev, !allowed)
			}
		}
	}
}

// TestEveryShownStatusReachable walks the table from deploying and checks
// that all eight shown statuses can be reached and each has a label, a tone
// and an explanation.
func TestEveryShownStatusReachable(t *testing.T) {
	seen := map[Status]bool{StatusDeploying: true}
	queue := []Status{StatusDeploying}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, ev := range allEvents {
			if to, err := Next(s, ev); err == nil && !seen[to] {
				seen[to] = true
				queue = append(queue, to)
			}
		}
	}
	for _, s := range Shown {
		if !seen[s] {
			t.Errorf("status %s cannot be reached", s)
		}
		if s.Label() == "" || s.Tone() == "" || s.Explain() == "" {
			t.Errorf("status %s lacks a label, tone or explanation", s)
		}
	}
	if len(Shown) != 8 {
		t.Errorf("%d shown statuses, want 8", len(Shown))
	}
}

func TestParseStatus(t *testing.T) {
	for _, s := range Shown {
		if got, err := ParseStatus(string(s)); err != nil || got != s {
			t.Errorf("ParseStatus(%q) = %q, %v", s, got, err)
		}
	}
	if _, err := ParseStatus("ready; DROP TABLE customers"); err == nil {
		t.Error("ParseStatus accepted junk")
	}
}
