// Package customer is the hub's domain: a partner's customer, its type, its
// status machine and the rules its fields must follow. It knows nothing of
// HTTP or SQL, so the web UI, the API and the workers share one truth.
package customer

import "fmt"

// Status is where a customer stands. The eight shown statuses come from the
// design; StatusDeleted is the tombstone a finished deletion leaves so that the
// timeline survives while the customer is gone from every list.
type Status string

const (
	StatusDeploying     Status = "deploying"
	StatusReady         Status = "ready"
	StatusDeleting      Status = "deleting"
	StatusActionRunning Status = "action_running"
	StatusUnknown       Status = "unknown"
	StatusActionFailed  Status = "action_failed"
	StatusDeployFailed  Status = "deploy_failed"
	StatusDeleteFailed  Status = "delete_failed"
	StatusDeleted       Status = "deleted"
)

// Shown lists the eight statuses a partner can see, in the design's order.
var Shown = []Status{
	StatusDeploying, StatusReady, StatusDeleting, StatusActionRunning,
	StatusUnknown, StatusActionFailed, StatusDeployFailed, StatusDeleteFailed,
}

type statusInfo struct {
	label, tone, explain string
}

var statusInfos = map[Status]statusInfo{
	StatusDeploying:     {"Deploying", "progress", "The customer's environment is being created; the console cannot be visited yet."},
	StatusReady:         {"Ready", "ok", "The environment is fully deployed; you can visit the console and run actions."},
	StatusDeleting:      {"Deleting", "progress", "The customer and everything deployed for it are being removed."},
	StatusActionRunning: {"Action running", "progress", "An action such as update, rename or reset of DEMO data is running."},
	StatusUnknown:       {"Issue", "warn", "Something is wrong that no action caused, such as a failing health check; see the reason and repair."},
	StatusActionFailed:  {"Action failed", "error", "The last action failed; the customer is still usable. Retry it or delete the customer."},
	StatusDeployFailed:  {"Failed to deploy", "error", "The deployment could not finish; retry resumes at the failed step, or delete the customer."},
	StatusDeleteFailed:  {"Failed to delete", "error", "The removal could not finish; retry the deletion."},
	StatusDeleted:       {"Deleted", "muted", "The customer has been removed."},
}

// Valid reports whether s is a status of the machine.
func (s Status) Valid() bool { _, ok := statusInfos[s]; return ok }

// Label is the status as the list shows it.
func (s Status) Label() string { return statusInfos[s].label }

// Tone names the colour family of the status badge (progress, ok, warn, error, muted).
func (s Status) Tone() string { return statusInfos[s].tone }

// Explain is the sentence behind the badge's tooltip.
func (s Status) Explain() string { return statusInfos[s].explain }

// Running reports whether an operation holds the customer in s, so that a
// second one must wait.
func (s Status) Running() bool {
	return s == StatusDeploying || s == StatusDeleting || s == StatusActionRunning
}

// Visitable reports whether the console can be visited: when deployed,
// and after a failed action, which leaves the customer usable.
func (s Status) Visitable() bool { return s == StatusReady || s == StatusActionFailed }

// ParseStatus turns a key of the API into a Status.
func ParseStatus(v string) (Status, error) {
	s := Status(v)
	if !s.Valid() {
		return "", fmt.Errorf("unknown status %q", v)
	}
	return s, nil
}
