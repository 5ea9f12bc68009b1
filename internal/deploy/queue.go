// Package deploy runs the durable work on customers: deployment, deletion
// and actions, as River jobs in the hub's own database. One job kind carries
// all of it; the customer's status says which work is due, so that a delete
// arriving during a deployment is taken up by the same job at its next step
// boundary, and only one operation ever runs per customer.
package deploy

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
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
	sole     bool
	client   *river.Client[*sql.Tx]
	driver   riverdriver.Driver[*sql.Tx]
	complete func(ctx context.Context, tx *sql.Tx, job *river.Job[OpArgs]) error
	log      *slog.Logger

	// On PostgreSQL: this process's liveness lock and the loop that
	// rescues dead replicas' jobs (see liveness.go).
	live        *liveness
	rescuer     *deadRescuer
	stopRescuer context.CancelFunc
	rescuerDone chan struct{}
}

// QueueConfig tunes the queue; zero values take defaults fit for production.
type QueueConfig struct {
	Workers      int           // concurrent jobs in this process
	PollInterval time.Duration // how often idle workers look for jobs
	RetryBase    time.Duration
	RetryMax     time.Duration
	// RescueAfter is how long a job may run before River hands it to
	// another worker, as it does for the jobs of a killed replica; each
	// attempt is cancelled after 90 % of it. 0 means 30 seconds.
	RescueAfter time.Duration
	// ReconcileEvery is how often ready customers are checked for drift and
	// expired DEMOs removed; 0 means every minute.
	ReconcileEvery time.Duration
	// SoleProcess says this process alone works the queue (SQLite, with the
	// data directory locked): jobs left running by a crash resume at start.
	SoleProcess bool
	// DatabaseURL is where, on PostgreSQL, the process's liveness session
	// connects (a connection of its own, outside the store's pool). Required
	// there: without it a killed replica's jobs would wait for River's rescuer.
	DatabaseURL string
	Logger      *slog.Logger
}

// NewQueue migrates River's tables and builds its client with w as the
// worker. On PostgreSQL it also takes the process's liveness lock, whose
// key is the River client ID; Close gives it up.
func NewQueue(ctx context.Context, st *store.Store, w *Worker, cfg QueueConfig) (_ *Queue, err error) {
	driver, complete, err := queueDriver(st)
	if err != nil {
		return nil, err
	}
	if err := st.WithMigrationLock(ctx, func(ctx context.Context) error { return MigrateQueue(ctx, st) }); err != nil {
		return nil, err
	}
	log := cmpOr(cfg.Logger, slog.Default())
	var live *liveness
	clientID := "" // River's default (host and start time) where no liveness lock is held
	if st.Engine == store.Postgres {
		if cfg.DatabaseURL == "" {
			return nil, errors.New("job queue: on PostgreSQL the database URL is needed for the liveness lock")
		}
		// The lock is taken before River's client exists, so no job is
		// ever attributed to this client ID while its lock is free.
		if live, err = acquireLiveness(ctx, cfg.DatabaseURL); err != nil {
			return nil, err
		}
		defer func() {
			if err != nil {
				live.release()
			}
		}()
		clientID = live.id
	}
	rescue := cmpOr(cfg.RescueAfter, 30*time.Second)
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, w); err != nil {
		return nil, err
	}
	river.AddWorker(workers, &Reconciler{W: w})
	river.AddWorker(workers, &Expirer{W: w})
	every := cmpOr(cfg.ReconcileEvery, time.Minute)
	periodic := []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(every), func() (river.JobArgs, *river.InsertOpts) {
			return ReconcileArgs{}, &river.InsertOpts{MaxAttempts: 1}
		}, nil),
		river.NewPeriodicJob(river.PeriodicInterval(every), func() (river.JobArgs, *river.InsertOpts) {
			return ExpireArgs{}, &river.InsertOpts{MaxAttempts: 1}
		}, nil),
	}
	cfg.Workers = cmpOr(cfg.Workers, 10)
	client, err := river.NewClient(driver, &river.Config{
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		Workers:              workers,
		PeriodicJobs:         periodic,
		FetchPollInterval:    cmpOr(cfg.PollInterval, 100*time.Millisecond),
		FetchCooldown:        20 * time.Millisecond,
		JobTimeout:           rescue * 9 / 10,
		RescueStuckJobsAfter: rescue,
		RetryPolicy:          retryPolicy{base: cmpOr(cfg.RetryBase, 500*time.Millisecond), max: cmpOr(cfg.RetryMax, 30*time.Second)},
		Logger:               cfg.Logger,
		MaxAttempts:          MaxAttempts,
		ID:                   clientID,
	})
	if err != nil {
		return nil, err
	}
	q := &Queue{sole: cfg.SoleProcess, client: client, driver: driver, complete: complete, log: log, live: live}
	if live != nil {
		q.rescuer = newDeadRescuer(st.Write, live.id, log)
		q.rescuer.keep = live.keep
	}
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

// Start begins working jobs. A sole process first makes the jobs a crash
// left "running" available again, so interrupted work resumes at once
// instead of after the rescue window. On PostgreSQL the dead-replica
// rescuer starts, which does the same for replicas found dead, this
// process's previous incarnation included, within seconds.
func (q *Queue) Start(ctx context.Context) error {
	if q.sole {
		if err := q.resumeInterrupted(ctx); err != nil {
			return err
		}
	}
	if q.rescuer != nil {
		rctx, cancel := context.WithCancel(ctx)
		q.stopRescuer, q.rescuerDone = cancel, make(chan struct{})
		go func() {
			defer close(q.rescuerDone)
			q.rescuer.run(rctx)
		}()
	}
	if err := q.client.Start(ctx); err != nil {
		q.endRescuer()
		return err
	}
	q.log.Info("job queue started", "client", q.client.ID())
	return nil
}

// endRescuer stops the dead-replica rescuer and waits for its round to end.
func (q *Queue) endRescuer() {
	if q.stopRescuer != nil {
		q.stopRescuer()
		<-q.rescuerDone
		q.stopRescuer = nil
	}
}

// resumeInterrupted makes the jobs a crash left running available at once.
// River's JobRetry leaves running jobs alone, and its rescuer takes them
// back only once RescueAfter has passed and its next round comes (30 to 60
// seconds here): a sole process knows that no one else runs them, so it
// rescues them itself, with the driver call River's rescuer uses.
func (q *Queue) resumeInterrupted(ctx context.Context) error {
	res, err := q.client.JobList(ctx, river.NewJobListParams().States(rivertype.JobStateRunning).First(10000))
	if err != nil {
		return fmt.Errorf("find interrupted jobs: %w", err)
	}
	if len(res.Jobs) == 0 {
		return nil
	}
	now := time.Now().UTC()
	// Every running job is stuck, however recently it started: the horizon
	// lies ahead of any attempt, even one stamped by a clock set ahead.
	p := &riverdriver.JobRescueManyParams{StuckHorizon: now.Add(24 * time.Hour)}
	for _, j := range res.Jobs {
		e, err := json.Marshal(rivertype.AttemptError{At: now, Attempt: j.Attempt,
			Error: "interrupted: the process stopped while the job ran; resumed at the next start"})
		if err != nil {
			return err
		}
		p.ID, p.Error = append(p.ID, j.ID), append(p.Error, e)
		p.FinalizedAt, p.ScheduledAt = append(p.FinalizedAt, nil), append(p.ScheduledAt, now)
		p.State = append(p.State, string(rivertype.JobStateAvailable))
	}
	if _, err := q.driver.GetExecutor().JobRescueMany(ctx, p); err != nil {
		return fmt.Errorf("resume %d interrupted jobs: %w", len(p.ID), err)
	}
	return nil
}

// Stop shuts the workers down; unfinished jobs resume on the next start
// (on PostgreSQL: on another replica, as soon as Close gave the liveness
// lock up).
func (q *Queue) Stop(ctx context.Context) error {
	err := q.client.Stop(ctx)
	q.endRescuer()
	return err
}

// Close gives the liveness lock up, after Stop (or when the process gives
// up before starting). It is held until then so that no other replica takes
// over a job this one may still be running.
func (q *Queue) Close() error {
	q.endRescuer()
	if q.live != nil {
		q.live.release()
	}
	return nil
}

// EnqueueTx returns a store hook that enqueues the customer's work in the
// transaction that changed its status.
func (q *Queue) EnqueueTx(partnerID, customerID string) store.TxHook {
	return func(ctx context.Context, tx *sql.Tx) error {
		_, err := q.client.InsertTx(ctx, tx, OpArgs{PartnerID: partnerID, CustomerID: customerID}, nil)
		return err
	}
}
