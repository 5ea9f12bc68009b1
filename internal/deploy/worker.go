package deploy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"partnerhub/internal/console"
	"partnerhub/internal/customer"
	"partnerhub/internal/partnersystem"
	"partnerhub/internal/store"
)

// Consoles is what the steps need of the customer environments.
type Consoles interface {
	CreateAt(ctx context.Context, customerID string, version int) error
	Migrate(ctx context.Context, customerID string) (from, to int, err error)
	SchemaVersion(ctx context.Context, customerID string) (int, error)
	ResetDemoData(ctx context.Context, customerID string, now time.Time) error
	RemoveDemoData(ctx context.Context, customerID string) error
	Seed(ctx context.Context, customerID, customerType string, now time.Time) error
	SetProfile(ctx context.Context, customerID string, p console.Profile) error
	GrantPartnerAccess(ctx context.Context, customerID, partnerID string) error
	Drop(ctx context.Context, customerID string) error
}

// PartnerSystem is what the steps need of the partner system.
type PartnerSystem interface {
	EnsureAccount(ctx context.Context, in partnersystem.CreateAccount) (partnersystem.Account, error)
	FindByExternalRef(ctx context.Context, ref string) (partnersystem.Account, error)
	Close(ctx context.Context, id string) (partnersystem.Account, error)
	Rename(ctx context.Context, id, name string) (partnersystem.Account, error)
}

// Worker does a customer's due work. It is River's worker for OpArgs.
type Worker struct {
	river.WorkerDefaults[OpArgs]

	Store         *store.Store
	Consoles      Consoles
	PartnerSystem PartnerSystem
	ConsoleURL    string       // base URL of the console server, for the health check
	HTTP          *http.Client // for the health check
	Log           *slog.Logger
	// ConsoleVersion is the console schema version new customers get; 0
	// means the newest. Operators pin it to roll a new console out gradually.
	ConsoleVersion int
	// OnStep, when set, hears every run of a step: the operation (deploy,
	// delete or the action), the step, its result (StepOK, StepFailed, or
	// StepCanceled when shutdown interrupted it) and how long it took.
	// OnOperation hears an operation end (OperationDone, OperationFailed).
	// Both are for metrics; they must not block.
	OnStep      func(op, step, result string, took time.Duration)
	OnOperation func(op, result string)

	queue           *Queue
	partnerAccounts sync.Map // partner ids whose partner-system account exists
}

// Results of a step and of an operation, as OnStep and OnOperation hear them.
const (
	StepOK          = "ok"
	StepFailed      = "failed"
	StepCanceled    = "canceled"
	OperationDone   = "done"
	OperationFailed = "failed"
)

// step is one idempotent piece of an operation.
type step struct {
	name  string // recorded as status_step
	label string // what the partner reads: "Creating the database"
	run   func(ctx context.Context, w *Worker, c customer.Customer) error
}

// plan is the work a status calls for and how it ends.
type plan struct {
	steps        []step
	done, failed customer.Event
	verb         string
}

func (w *Worker) planFor(c customer.Customer) (plan, bool) {
	switch c.Status {
	case customer.StatusDeploying:
		return plan{deploySteps, customer.EventDeployed, customer.EventDeployFailed, "deploy"}, true
	case customer.StatusDeleting:
		return plan{deleteSteps, customer.EventDeleted, customer.EventDeleteFailed, "delete"}, true
	case customer.StatusActionRunning:
		steps, ok := actionSteps[customer.Action(c.Action)]
		if !ok {
			steps = []step{unknownAction}
		}
		return plan{steps, customer.EventActionDone, customer.EventActionFailed, c.Action}, true
	}
	return plan{}, false
}

// Work runs the plan of the customer's current status. When the status
// changes under it (delete wins), it takes up the new plan at the next step
// boundary. The final transition and the job's completion commit together,
// so a request made after it always gets a fresh job.
func (w *Worker) Work(ctx context.Context, job *river.Job[OpArgs]) error {
	a := job.Args
	for range 4 { // a status can change a few times under one job; each change restarts the loop
		c, err := w.Store.CustomerForWork(ctx, a.PartnerID, a.CustomerID)
		if err != nil && !errors.Is(err, customer.ErrNotFound) {
			return err
		}
		p, due := w.planFor(c)
		if err != nil || !due { // nothing is due: ready, failed, deleted or gone
			if busy, err := w.completeIfIdle(ctx, job); busy || err != nil {
				if err != nil {
					return err
				}
				continue
			}
			return nil
		}
		if c.StatusStep == "queued" && job.Attempt > 1 {
			// A new operation (a delete that won over a retrying deployment,
			// say) takes over a job that already spent attempts: it gets a
			// fresh job, so that its own attempts are counted from one.
			return w.restartFresh(ctx, job)
		}
		switched, err := w.runPlan(ctx, job, c, p)
		if switched {
			continue
		}
		return err
	}
	return errors.New("the customer's status kept changing; trying again")
}

// runPlan runs p's steps for c. switched reports that the status moved and
// the caller must look again.
func (w *Worker) runPlan(ctx context.Context, job *river.Job[OpArgs], c customer.Customer, p plan) (switched bool, err error) {
	n := len(p.steps)
	// Resume at the step that was running or failed: the ones before it are
	// done. A fresh operation's step is "queued" and starts at the top.
	first := 0
	for i, s := range p.steps {
		if s.name == c.StatusStep {
			first = i
		}
	}
	for i, s := range p.steps {
		if i < first {
			continue
		}
		reason := fmt.Sprintf("Step %d of %d: %s", i+1, n, s.label)
		if job.Attempt > 1 && s.name == c.StatusStep {
			reason += fmt.Sprintf(" (attempt %d of %d)", job.Attempt, MaxAttempts)
		}
		if err := w.Store.Progress(ctx, c.PartnerID, c.ID, c.Status, s.name, reason); err != nil {
			if errors.Is(err, customer.ErrConflict) {
				return true, nil
			}
			return false, err
		}
		started := time.Now()
		err := s.run(ctx, w, c)
		w.stepRan(ctx, p, s, err, time.Since(started))
		if err != nil {
			return false, w.stepFailed(ctx, job, c, p, s, i, err)
		}
		w.Log.Debug("step done", "customer", c.ID, "op", p.verb, "step", s.name, "took", time.Since(started))
		c.StatusStep = s.name
	}
	_, err = w.Store.Transition(ctx, c.PartnerID, c.ID, c.Status, p.done, "", doneReason[p.done], w.completeHook(job))
	if errors.Is(err, customer.ErrConflict) {
		return true, nil
	}
	if err == nil && w.OnOperation != nil {
		w.OnOperation(p.verb, OperationDone)
	}
	return false, err
}

// stepRan tells OnStep how a step's run ended.
func (w *Worker) stepRan(ctx context.Context, p plan, s step, err error, took time.Duration) {
	if w.OnStep == nil {
		return
	}
	result := StepOK
	switch {
	case err != nil && errors.Is(ctx.Err(), context.Canceled):
		result = StepCanceled // shutdown: the step resumes on the next start
	case err != nil:
		result = StepFailed
	}
	w.OnStep(p.verb, s.name, result, took)
}

var doneReason = map[customer.Event]string{
	customer.EventDeployed:   "Deployed; the console is ready.",
	customer.EventDeleted:    "Deleted; nothing is left of the customer's environment.",
	customer.EventActionDone: "The action finished.",
}

// stepFailed records a failed step: a retry while attempts remain and the
// failure may pass, else the failed status with the reason, committed with
// the job's completion. A job cancelled by shutdown records nothing: it
// resumes at this step on the next start.
func (w *Worker) stepFailed(ctx context.Context, job *river.Job[OpArgs], c customer.Customer, p plan, s step, i int, stepErr error) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return stepErr
	}
	ctx = context.WithoutCancel(ctx)
	w.Log.Warn("step failed", "customer", c.ID, "op", p.verb, "step", s.name, "attempt", job.Attempt, "err", stepErr)
	if job.Attempt < MaxAttempts && retryable(stepErr) {
		reason := fmt.Sprintf("Step %d of %d: %s failed (%s); retrying, attempt %d of %d", i+1, len(p.steps), s.label, readable(stepErr), job.Attempt+1, MaxAttempts)
		if err := w.Store.Progress(ctx, c.PartnerID, c.ID, c.Status, s.name, reason); err != nil && !errors.Is(err, customer.ErrConflict) {
			return errors.Join(stepErr, err)
		}
		return stepErr
	}
	reason := fmt.Sprintf("%s failed after %d attempts: %s", s.label, job.Attempt, readable(stepErr))
	if !retryable(stepErr) {
		reason = fmt.Sprintf("%s failed: %s", s.label, readable(stepErr))
	}
	_, err := w.Store.Transition(ctx, c.PartnerID, c.ID, c.Status, p.failed, s.name, reason, w.completeHook(job))
	if errors.Is(err, customer.ErrConflict) {
		return stepErr // the status moved (delete won): the retry sees the new plan
	}
	if err == nil && w.OnOperation != nil {
		w.OnOperation(p.verb, OperationFailed)
	}
	return err
}

// readable is the part of an error a partner can act on: the partner
// system's own words rather than the client's chain of operations.
func readable(err error) string {
	var psErr *partnersystem.Error
	if errors.As(err, &psErr) && psErr.Msg != "" {
		return psErr.Msg
	}
	return err.Error()
}

// retryable tells failures that may pass (the partner system down, a busy
// database) from those that will not (a refused request, an unknown action).
func retryable(err error) bool {
	var perm errPermanent
	if errors.As(err, &perm) {
		return false
	}
	var psErr *partnersystem.Error
	if errors.As(err, &psErr) {
		return partnersystem.IsTemporary(err)
	}
	return true
}

func (w *Worker) completeHook(job *river.Job[OpArgs]) store.TxHook {
	return func(ctx context.Context, tx *sql.Tx) error { return w.queue.complete(ctx, tx, job) }
}

// restartFresh completes this job and enqueues a new one for the same
// customer in one transaction (the completed job no longer holds the
// customer's unique slot).
func (w *Worker) restartFresh(ctx context.Context, job *river.Job[OpArgs]) error {
	a := job.Args
	return w.Store.WithCustomerLocked(ctx, a.PartnerID, a.CustomerID, func(_ *customer.Customer, tx *sql.Tx) error {
		if err := w.queue.complete(ctx, tx, job); err != nil {
			return err
		}
		return w.queue.EnqueueTx(a.PartnerID, a.CustomerID)(ctx, tx)
	})
}

// completeIfIdle completes the job in a transaction that first confirms no
// work is due, so that a request committed meanwhile (whose own job insert
// was folded into this running one) is never lost: then it reports busy.
func (w *Worker) completeIfIdle(ctx context.Context, job *river.Job[OpArgs]) (busy bool, err error) {
	err = w.Store.WithCustomerLocked(ctx, job.Args.PartnerID, job.Args.CustomerID, func(c *customer.Customer, tx *sql.Tx) error {
		if c != nil {
			if _, due := w.planFor(*c); due {
				busy = true
				return nil
			}
		}
		return w.queue.complete(ctx, tx, job)
	})
	return busy, err
}
