package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"partnerhub/internal/customer"
	"partnerhub/internal/store"
)

// ActionParams carries what some actions need: the new names of a rename,
// the days of a DEMO extension.
type ActionParams struct {
	Rename     customer.RenameInput
	ExtendDays int
}

// ErrUnknownAction means the action name is not one of customer.Actions.
var ErrUnknownAction = errors.New("no such action")

// RunAction starts action on a customer: a retry resumes the failed work at
// its failed step; the others run as background work in action_running,
// except extending a DEMO, which is immediate. One operation runs at a time.
func (s *Service) RunAction(ctx context.Context, a Actor, id string, action customer.Action, p ActionParams) (c customer.Customer, err error) {
	defer func() { s.audit(ctx, a, AuditCustomerAction, id, string(action)+" "+c.CompanyName, err) }()
	if err := require(a, PermOperate); err != nil {
		return c, err
	}
	if !action.Valid() {
		return customer.Customer{}, ErrUnknownAction
	}
	c, err = s.Customer(ctx, a, id)
	if err != nil {
		return c, err
	}
	ev, err := s.CheckAction(c, action)
	if err != nil {
		return c, err
	}
	enqueue := s.Jobs.EnqueueTx(a.PartnerID, id)
	who := " requested by " + a.Email + "."
	switch {
	case action == customer.ActionExtendDemo:
		err = s.extendDemo(ctx, a, c, p.ExtendDays)
	case action == customer.ActionRetry && ev == customer.EventRetry:
		_, err = s.Store.Transition(ctx, a.PartnerID, id, c.Status, ev, c.StatusStep, "Retry"+who+" Resuming at the step that failed.", enqueue)
	case action == customer.ActionRetry: // a failed action runs again, from its failed step
		step := c.StatusStep
		if customer.Action(c.Action) == customer.ActionRepair {
			step = "queued" // a repair checks everything again
		}
		_, err = s.Store.StartAction(ctx, a.PartnerID, id, c.Status, ev, c.Action, c.ActionParams, step,
			customer.Action(c.Action).Label()+" retried"+who, enqueue)
	case action == customer.ActionRename:
		company, short, verr := p.Rename.Apply(c)
		if verr != nil {
			return c, verr
		}
		params, _ := json.Marshal(map[string]string{"from": c.CompanyName + " (" + c.ShortName + ")", "to": company + " (" + short + ")"})
		_, err = s.Store.StartAction(ctx, a.PartnerID, id, c.Status, ev, string(action), string(params), "queued",
			"Rename to "+company+" ("+short+")"+who, store.Hooks(s.Store.RenameHook(a.PartnerID, id, company, short), enqueue))
	default:
		_, err = s.Store.StartAction(ctx, a.PartnerID, id, c.Status, ev, string(action), "", "queued", action.Label()+who, enqueue)
	}
	if err != nil {
		return c, err
	}
	return s.Customer(ctx, a, id)
}

// CheckAction tells whether action may start on c now and with which
// event: the domain's rules, and Update only while the customer's console
// is behind the version this release ships. The UI offers what it allows.
func (s *Service) CheckAction(c customer.Customer, action customer.Action) (customer.Event, error) {
	ev, err := c.CheckAction(action)
	if err == nil && action == customer.ActionUpdate && s.LatestConsoleVersion > 0 && c.ConsoleVersion >= s.LatestConsoleVersion {
		return "", &customer.RuleError{Msg: "The console is already at the current version."}
	}
	return ev, err
}

// extendDemo pushes a DEMO's expiry out by days (1 to 90) from the later of
// now and its current expiry.
func (s *Service) extendDemo(ctx context.Context, a Actor, c customer.Customer, days int) error {
	if days < 1 || days > customer.MaxDemoExtension {
		return &customer.ValidationError{Fields: map[string]string{"days": "Extend by 1 to 90 days."}}
	}
	from := s.now()
	if c.DemoExpiresAt != nil && c.DemoExpiresAt.After(from) {
		from = *c.DemoExpiresAt
	}
	until := from.Add(time.Duration(days) * 24 * time.Hour)
	if limit := s.now().Add(customer.MaxDemoLifetime); until.After(limit) {
		return &customer.ValidationError{Fields: map[string]string{"days": "A DEMO can run at most a year ahead; convert it to a Customer to keep it."}}
	}
	return s.Store.ExtendDemo(ctx, a.PartnerID, c.ID, until)
}

// SetDemoAutoDelete records whether the partner's expired DEMOs are removed automatically.
// It is a partner setting, so admins only.
func (s *Service) SetDemoAutoDelete(ctx context.Context, a Actor, on bool) (err error) {
	defer func() {
		s.audit(ctx, a, AuditSettings, "demo_auto_delete", fmt.Sprintf("remove expired DEMOs automatically: %v", on), err)
	}()
	if err := require(a, PermAdmin); err != nil {
		return err
	}
	return s.Store.SetDemoAutoDelete(ctx, a.PartnerID, on)
}

// DemoAutoDelete tells the partner's choice.
func (s *Service) DemoAutoDelete(ctx context.Context, a Actor) (bool, error) {
	if err := require(a, PermView); err != nil {
		return false, err
	}
	return s.Store.DemoAutoDelete(ctx, a.PartnerID)
}
