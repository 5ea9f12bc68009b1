package customer

import "fmt"

// Event is something that happens to a customer and may move its status.
type Event string

const (
	EventDeployed     Event = "deployed"      // the last deployment step passed
	EventDeployFailed Event = "deploy_failed" // retries ran out during deployment
	EventDelete       Event = "delete"        // the partner asked for removal
	EventDeleted      Event = "deleted"       // the last deletion step passed
	EventDeleteFailed Event = "delete_failed" // retries ran out during deletion
	EventRetry        Event = "retry"         // the partner retries a failed deploy or delete
	EventActionStart  Event = "action_start"  // an action (update, rename, reset, convert, repair) begins
	EventActionDone   Event = "action_done"   // the action finished
	EventActionFailed Event = "action_failed" // the action failed; the customer stays usable
	EventDrift        Event = "drift"         // the reconciler found the environment out of shape
)

// Transition is one allowed move of the state machine.
type Transition struct {
	From  Status
	Event Event
	To    Status
}

// Transitions is the one table of the state machine: a move that is not here
// is refused. Delete wins over a running deployment or action; the worker
// notices at its next step boundary.
var Transitions = []Transition{
	{StatusDeploying, EventDeployed, StatusReady},
	{StatusDeploying, EventDeployFailed, StatusDeployFailed},
	{StatusDeploying, EventDelete, StatusDeleting},

	{StatusReady, EventDelete, StatusDeleting},
	{StatusReady, EventActionStart, StatusActionRunning},
	{StatusReady, EventDrift, StatusUnknown},

	{StatusActionRunning, EventActionDone, StatusReady},
	{StatusActionRunning, EventActionFailed, StatusActionFailed},
	{StatusActionRunning, EventDelete, StatusDeleting},

	{StatusActionFailed, EventActionStart, StatusActionRunning},
	{StatusActionFailed, EventDelete, StatusDeleting},
	{StatusActionFailed, EventDrift, StatusUnknown},

	{StatusUnknown, EventActionStart, StatusActionRunning},
	{StatusUnknown, EventDelete, StatusDeleting},

	{StatusDeployFailed, EventRetry, StatusDeploying},
	{StatusDeployFailed, EventDelete, StatusDeleting},

	{StatusDeleting, EventDeleted, StatusDeleted},
	{StatusDeleting, EventDeleteFailed, StatusDeleteFailed},

	{StatusDeleteFailed, EventRetry, StatusDeleting},
	{StatusDeleteFailed, EventDelete, StatusDeleting},
}

var transitionIndex = func() map[Status]map[Event]Status {
	idx := map[Status]map[Event]Status{}
	for _, t := range Transitions {
		if idx[t.From] == nil {
			idx[t.From] = map[Event]Status{}
		}
		if _, dup := idx[t.From][t.Event]; dup {
			panic(fmt.Sprintf("customer: transition %s --%s--> listed twice", t.From, t.Event))
		}
		idx[t.From][t.Event] = t.To
	}
	return idx
}()

// Next returns the status that ev moves from into, or an *TransitionError
// when the table does not allow it.
func Next(from Status, ev Event) (Status, error) {
	if to, ok := transitionIndex[from][ev]; ok {
		return to, nil
	}
	return "", &TransitionError{From: from, Event: ev}
}

// Can reports whether ev is allowed from status from.
func Can(from Status, ev Event) bool {
	_, err := Next(from, ev)
	return err == nil
}

// TransitionError says that the machine refused a move.
type TransitionError struct {
	From  Status
	Event Event
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("cannot %s a customer that is %s", eventVerb[e.Event], e.From.Label())
}

var eventVerb = map[Event]string{
	EventDeployed: "finish deploying", EventDeployFailed: "fail the deployment of",
	EventDelete: "delete", EventDeleted: "finish deleting", EventDeleteFailed: "fail the deletion of",
	EventRetry: "retry", EventActionStart: "start an action on", EventActionDone: "finish an action on",
	EventActionFailed: "fail an action on", EventDrift: "mark as drifted",
}
