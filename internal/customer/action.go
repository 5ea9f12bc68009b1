package customer

import (
	"fmt"
	"time"
)

// Action is something a partner runs on an existing customer.
type Action string

const (
	ActionRetry      Action = "retry"           // resume a failed deploy, delete or action
	ActionResetDemo  Action = "reset-demo-data" // move DEMO dummy data to the current date
	ActionConvert    Action = "convert"         // DEMO → Customer, removing the dummy data
	ActionUpdate     Action = "update"          // migrate the console database to the current version
	ActionRename     Action = "rename"          // change company and/or short name, into the console too
	ActionRepair     Action = "repair"          // re-run the deployment's checks for a customer with an issue
	ActionExtendDemo Action = "extend-demo"     // push a DEMO's expiry date out
)

// Actions lists the actions in the order the UI offers them.
var Actions = []Action{ActionRetry, ActionRepair, ActionUpdate, ActionRename, ActionResetDemo, ActionConvert, ActionExtendDemo}

var actionLabels = map[Action]string{
	ActionRetry: "Retry", ActionResetDemo: "Reset DEMO data", ActionConvert: "Convert to Customer",
	ActionUpdate: "Update console", ActionRename: "Rename", ActionRepair: "Repair", ActionExtendDemo: "Extend DEMO",
}

// Label is how the UI names the action.
func (a Action) Label() string { return actionLabels[a] }

// Valid reports whether a is a known action.
func (a Action) Valid() bool { _, ok := actionLabels[a]; return ok }

// Job reports whether the action runs as background work (action_running)
// rather than as an immediate change.
func (a Action) Job() bool { return a != ActionExtendDemo && a != ActionRetry }

// BusyError refuses an operation while another one holds the customer.
type BusyError struct {
	Running string // "a deployment", "a deletion", "the action Rename"
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("%s is running for this customer; wait until it ends", e.Running)
}

// RunningOperation names what holds a customer in a running status.
func (c Customer) RunningOperation() string {
	switch c.Status {
	case StatusDeploying:
		return "a deployment"
	case StatusDeleting:
		return "a deletion"
	case StatusActionRunning:
		if a := Action(c.Action); a.Valid() {
			return "the action " + a.Label()
		}
		return "an action"
	}
	return ""
}

// RuleError says why an action does not apply to this customer.
type RuleError struct{ Msg string }

func (e *RuleError) Error() string { return e.Msg }

// CheckAction decides whether action a may start now, and returns the
// event that starts it. The transition table has the last word; this adds
// the rules that depend on more than the status.
func (c Customer) CheckAction(a Action) (Event, error) {
	if !a.Valid() {
		return "", &RuleError{fmt.Sprintf("unknown action %q", a)}
	}
	if a == ActionExtendDemo { // a change of the hub's record only: no operation to wait for
		switch {
		case c.Type != TypeDemo:
			return "", &RuleError{a.Label() + " applies to DEMO customers only."}
		case c.Status == StatusDeleting || c.Status == StatusDeleteFailed:
			return "", &RuleError{"This customer is being deleted."}
		}
		return "", nil
	}
	if op := c.RunningOperation(); op != "" {
		return "", &BusyError{Running: op}
	}
	switch a {
	case ActionRetry:
		switch c.Status {
		case StatusDeployFailed, StatusDeleteFailed:
			return EventRetry, nil
		case StatusActionFailed:
			return EventActionStart, nil
		}
		return "", &RuleError{"Retry applies to a failed deployment, deletion or action; this customer is " + c.Status.Label() + "."}
	case ActionResetDemo, ActionConvert:
		if c.Type != TypeDemo {
			return "", &RuleError{a.Label() + " applies to DEMO customers only."}
		}
	case ActionRepair:
		if c.Status != StatusUnknown {
			return "", &RuleError{"Repair applies to a customer with an issue; this customer is " + c.Status.Label() + "."}
		}
	}
	// After a failed action only Retry (or Delete) applies, so the failure is
	// never papered over by another action; with an issue, only Repair.
	switch {
	case c.Status == StatusActionFailed:
		return "", &RuleError{"The last action failed: retry it (or delete the customer) before running another."}
	case c.Status == StatusUnknown && a != ActionRepair:
		return "", &RuleError{"This customer has an issue: repair it first."}
	}
	if _, err := Next(c.Status, EventActionStart); err != nil {
		return "", err
	}
	return EventActionStart, nil
}

// DemoLifetime is how long a new DEMO lives before it expires.
const DemoLifetime = 30 * 24 * time.Hour

// DemoExpiringSoon is how close to expiry the list starts to warn.
const DemoExpiringSoon = 7 * 24 * time.Hour

// MaxDemoExtension bounds one extension, and MaxDemoLifetime how far ahead
// of today a DEMO may run, so a DEMO cannot become forever.
const (
	MaxDemoExtension = 90
	MaxDemoLifetime  = 365 * 24 * time.Hour
)

// ExpiringSoon reports whether a DEMO expires within DemoExpiringSoon of now.
func (c Customer) ExpiringSoon(now time.Time) bool {
	return c.DemoExpiresAt != nil && c.DemoExpiresAt.Sub(now) < DemoExpiringSoon
}

// RenameInput is what a rename changes; empty fields stay as they are.
type RenameInput struct {
	CompanyName string
	ShortName   string
}

// Apply validates a rename against c and returns the new names.
func (r RenameInput) Apply(c Customer) (company, short string, err error) {
	in := Input{Type: c.Type, CompanyName: r.CompanyName, ShortName: r.ShortName, Contact: c.Contact}.Normalize()
	if in.CompanyName == "" {
		in.CompanyName = c.CompanyName
	}
	if in.ShortName == "" {
		in.ShortName = c.ShortName
	}
	f := map[string]string{}
	if r.CompanyName == "" && r.ShortName == "" {
		f["companyName"] = "Give a new company name or short name."
	}
	if msg := CheckCompanyName(in.CompanyName); msg != "" {
		f["companyName"] = msg
	}
	if msg := CheckShortName(in.ShortName); msg != "" {
		f["shortName"] = msg
	}
	if len(f) > 0 {
		return "", "", &ValidationError{Fields: f}
	}
	return in.CompanyName, in.ShortName, nil
}
