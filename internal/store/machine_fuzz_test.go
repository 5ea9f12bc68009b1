package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/google/uuid"

	"partnerhub/internal/customer"
	"partnerhub/internal/store"
)

var fuzzEvents = []customer.Event{customer.EventDeployed, customer.EventDeployFailed, customer.EventDelete, customer.EventDeleted,
	customer.EventDeleteFailed, customer.EventRetry, customer.EventActionStart, customer.EventActionDone, customer.EventActionFailed, customer.EventDrift}

// FuzzStatusSequences applies random sequences of events, some of them from
// a stale status as a lost race would, to customers in a real store, and
// checks the invariants after every step: the status is always one of the
// machine's; a move happens exactly when the table allows it from the
// current status (so a second operation never starts while one runs); a
// stale compare-and-set changes nothing; no customer is lost before its
// deletion finished; every change is in the timeline.
func FuzzStatusSequences(f *testing.F) {
	for _, seed := range [][]byte{
		{0, 0, 3, 6, 3, 7, 3, 2, 3, 3},             // deploy, action, delete, deleted
		{1, 1, 1, 5, 1, 0, 1, 9, 1, 6, 1, 8},       // fail, retry, ready, drift, repair, fail
		{2, 2, 2, 4, 2, 5, 2, 3, 0x82, 2},          // delete fails, retry, deleted, stale delete
		{0, 6, 0x80, 6, 0, 0, 0x80, 6, 0, 6, 0, 7}, // concurrent action starts
		{0, 2, 1, 2, 2, 2, 0, 3, 1, 3, 2, 3},       // delete all three while deploying
	} {
		f.Add(seed)
	}
	s, err := store.Open(context.Background(), store.Options{DataDir: filepath.Join(f.TempDir(), "data")})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	p, _ := partner(f, s, "fuzz")
	f.Fuzz(func(t *testing.T, ops []byte) {
		ctx := context.Background()
		var ids [3]string
		model := map[string]customer.Status{}
		prev := map[string]customer.Status{}
		changes := map[string]int{}
		for i := range ids {
			c := addCustomer(t, s, p.ID, "Fuzz Co", uuid.NewString()[:8])
			ids[i], model[c.ID], changes[c.ID] = c.ID, c.Status, 1
		}
		for i := 0; i+1 < len(ops) && i < 200; i += 2 {
			id := ids[int(ops[i]&0x7f)%len(ids)]
			ev := fuzzEvents[int(ops[i+1])%len(fuzzEvents)]
			from, stale := model[id], ops[i]&0x80 != 0 && prev[id] != "" && prev[id] != model[id]
			if stale {
				from = prev[id] // a worker or request that read the status before it moved
			}
			to, err := s.Transition(ctx, p.ID, id, from, ev, "fuzz", "fuzz step", nil)
			want, allowed := customer.Next(from, ev)
			var te *customer.TransitionError
			switch {
			case allowed != nil && !errors.As(err, &te):
				t.Fatalf("%s --%s--> from %s: err %v, want a TransitionError", id, ev, from, err)
			case allowed == nil && stale && !errors.Is(err, customer.ErrConflict):
				t.Fatalf("stale %s --%s--> (now %s): err %v, want ErrConflict", from, ev, model[id], err)
			case allowed == nil && !stale && (err != nil || to != want):
				t.Fatalf("%s --%s-->: got %s, %v; want %s", from, ev, to, err, want)
			case allowed == nil && !stale:
				prev[id], model[id] = model[id], to
				changes[id]++
			}
			for _, id := range ids {
				got, err := s.CustomerForWork(ctx, p.ID, id)
				if err != nil {
					t.Fatalf("customer %s lost: %v", id, err)
				}
				if got.Status != model[id] || !got.Status.Valid() {
					t.Fatalf("customer %s is %s, model says %s", id, got.Status, model[id])
				}
				_, err = s.GetCustomer(ctx, p.ID, id)
				if deleted := model[id] == customer.StatusDeleted; deleted != errors.Is(err, customer.ErrNotFound) {
					t.Fatalf("customer %s (%s) visible=%v", id, model[id], err == nil)
				}
				if got.Status.Running() {
					if _, err := got.CheckAction(customer.ActionUpdate); err == nil {
						t.Fatalf("an action may start while %s runs", got.RunningOperation())
					}
				}
			}
		}
		for _, id := range ids {
			evs, err := s.Events(ctx, p.ID, id)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, e := range evs {
				if e.Kind == "status" {
					n++
				}
			}
			if n != changes[id] {
				t.Fatalf("timeline of %s has %d status changes, want %d", id, n, changes[id])
			}
		}
	})
}
