package deploy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"partnerhub/internal/customer"
)

// ReconcileArgs is the periodic check of every ready customer.
type ReconcileArgs struct{}

// Kind is River's name for the job.
func (ReconcileArgs) Kind() string { return "reconcile" }

// Reconciler checks that what a ready customer should have is still there:
// its database, at the version the hub recorded, its console route, and a
// console that answers. Drift turns the customer unknown ("Issue") with the
// reason; Repair brings it back.
type Reconciler struct {
	river.WorkerDefaults[ReconcileArgs]
	W *Worker
}

// Work checks ready customers page by page.
func (r *Reconciler) Work(ctx context.Context, job *river.Job[ReconcileArgs]) error {
	after := ""
	for {
		page, err := r.W.Store.CustomersInStatus(ctx, customer.StatusReady, after, 200)
		if err != nil {
			return err
		}
		for _, c := range page {
			if reason := r.W.drift(ctx, c); reason != "" {
				_, err := r.W.Store.Transition(ctx, c.PartnerID, c.ID, customer.StatusReady, customer.EventDrift, "reconcile", reason, nil)
				if err != nil && !errors.Is(err, customer.ErrConflict) {
					return err
				}
				r.W.Log.Warn("customer drifted", "customer", c.ID, "reason", reason)
			}
		}
		if len(page) < 200 {
			return nil
		}
		after = page[len(page)-1].ID
	}
}

// drift returns why a ready customer is not as deployed, or "". The
// console's health check covers the database (present, opens, profile) and
// reports its version, so the reconciler asks it once instead of repeating
// its checks.
func (w *Worker) drift(ctx context.Context, c customer.Customer) string {
	routed, err := w.Store.ConsoleRouted(ctx, c.ID)
	if err != nil {
		return "" // the hub's own database hiccuped: not the customer's drift
	}
	if !routed {
		return "The console URL no longer leads to the customer's environment (route missing)."
	}
	v, err := consoleHealth(ctx, w, c)
	if err != nil {
		return "The console's health check failed: " + err.Error()
	}
	if v != c.ConsoleVersion {
		return fmt.Sprintf("The customer's database is at console version %d, but the hub recorded version %d.", v, c.ConsoleVersion)
	}
	return ""
}

// ExpireArgs is the periodic removal of expired DEMOs, for partners who chose it.
type ExpireArgs struct{}

// Kind is River's name for the job.
func (ExpireArgs) Kind() string { return "expire_demos" }

// Expirer deletes DEMOs past their expiry whose partner turned automatic removal on.
type Expirer struct {
	river.WorkerDefaults[ExpireArgs]
	W *Worker
}

// Work starts the deletion of each expired DEMO.
func (e *Expirer) Work(ctx context.Context, job *river.Job[ExpireArgs]) error {
	list, err := e.W.Store.ExpiredDemos(ctx, time.Now(), 500)
	if err != nil {
		return err
	}
	for _, c := range list {
		reason := "The DEMO expired on " + c.DemoExpiresAt.Format("2 Jan 2006") + " and the partner removes expired DEMOs automatically."
		_, err := e.W.Store.Transition(ctx, c.PartnerID, c.ID, c.Status, customer.EventDelete, "queued", reason, e.W.queue.EnqueueTx(c.PartnerID, c.ID))
		if err != nil && !errors.Is(err, customer.ErrConflict) {
			var te *customer.TransitionError
			if !errors.As(err, &te) {
				return err
			}
		}
	}
	return e.W.Store.PruneIdempotency(ctx)
}
