// Package deploy runs the durable work on customers: deployment, deletion
// and actions, as River jobs in the hub's own database. One job kind carries
// all of it; the customer's status says which work is due, so that a delete
// arriving during a deployment is taken up by the same job at its next step
// boundary, and only one operation ever runs per customer.
package deploy

import (
	"context"
	"database/sql"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"partnerhub/internal/store"
)

// MaxAttempts bounds how often a failing step is tried before the customer
// turns deploy_failed or delete_failed.
const MaxAttempts = 8

// OpArgs names the customer whose due work a job does.
type OpArgs struct {
	PartnerID  string `json:"partner_id"`
	CustomerID string `json:"customer_id"`
}

// Kind is River's name for the job.
func (OpArgs) Kind() string { return "customer_op" }

// InsertOpts makes the job unique per customer among unfinished jobs: a
// second request while one is queued or running is folded into it.
func (OpArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		MaxAttempts: MaxAttempts,
		UniqueOpts: river.UniqueOpts{
			ByArgs: true,
			ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
				rivertype.JobStateScheduled, rivertype.JobStateRetryable},
		},
	}
}

// retryPolicy is exponential backoff with full jitter, from 0.5 s up to 30 s:
// eight attempts span about a minute and a half, long enough to ride out a
// restart of the partner system, short enough to tell the partner.
type retryPolicy struct{ base, max time.Duration }

func (p retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	d := p.base << min(job.Attempt-1, 16)
	if d > p.max || d <= 0 {
		d = p.max
	}
	d = d/2 + rand.N(d/2+1)
	return time.Now().Add(d)
}

// Queue is the River client that runs the hub's background work.
type Queue struct {
	client   *river.Client[*sql.Tx]
	complete func(ctx context.Context, tx *sql.Tx, job *river.Job[OpArgs]) error
}

// QueueConfig tunes the queue; zero values take defaults fit for production.
type QueueConfig struct {
	Workers      int           // concurrent jobs in this process
	PollInterval time.Duration // how often idle workers look for jobs
	RetryBase    time.Duration
	RetryMax     time.Duration
	Logger       *slog.Logger
}

// NewQueue migrates River's tables and builds its client with w as the worker.
func NewQueue(ctx context.Context, st *store.Store, w *Worker, cfg QueueConfig) (*Queue, error) {
	driver, complete, err := queueDriver(st)
	if err != nil {
		return nil, err
	}
	if err := st.WithMigrationLock(ctx, func(ctx context.Context) error { return MigrateQueue(ctx, st) }); err != nil {
		return nil, err
	}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, w); err != nil {
		return nil, err
	}
	cfg.Workers = cmpOr(cfg.Workers, 10)
	client, err := river.NewClient(driver, &river.Config{
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		Workers:              workers,
		FetchPollInterval:    cmpOr(cfg.PollInterval, 100*time.Millisecond),
		FetchCooldown:        20 * time.Millisecond,
		JobTimeout:           45 * time.Second,
		RescueStuckJobsAfter: 50 * time.Second,
		RetryPolicy:          retryPolicy{base: cmpOr(cfg.RetryBase, 500*time.Millisecond), max: cmpOr(cfg.RetryMax, 30*time.Second)},
		Logger:               cfg.Logger,
		MaxAttempts:          MaxAttempts,
	})
	if err != nil {
		return nil, err
	}
	q := &Queue{client: client, complete: complete}
	w.queue = q
	return q, nil
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Start begins working jobs; Stop waits for running jobs to reach a step
// boundary or be cancelled.
func (q *Queue) Start(ctx context.Context) error { return q.client.Start(ctx) }

// Stop shuts the workers down; unfinished jobs resume on the next start.
func (q *Queue) Stop(ctx context.Context) error { return q.client.Stop(ctx) }

// EnqueueTx returns a store hook that enqueues the customer's work in the
// transaction that changed its status.
func (q *Queue) EnqueueTx(partnerID, customerID string) store.TxHook {
	return func(ctx context.Context, tx *sql.Tx) error {
		_, err := q.client.InsertTx(ctx, tx, OpArgs{PartnerID: partnerID, CustomerID: customerID}, nil)
		return err
	}
}
