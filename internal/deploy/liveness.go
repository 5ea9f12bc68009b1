package deploy

// Liveness of the replicas on PostgreSQL, and the rescue of a dead one's jobs.
//
// River marks a job "running" and records the client that took it in
// attempted_by. When that process dies (kill -9, crash, lost machine), the
// job stays running until River's rescuer takes it back: RescueAfter (30 s by
// default) plus the rescuer's own cycle, 50 to 70 seconds in practice. On
// SQLite a sole process simply resumes everything at start (resumeInterrupted);
// on PostgreSQL a replica cannot tell a dead replica's jobs from a live one's
// by the rows alone.
//
// So every process on PostgreSQL holds a session-level advisory lock, keyed
// by its River client ID, on a connection of its own for as long as it runs.
// PostgreSQL releases a session's locks the moment its connection ends, which
// for a killed process is when the kernel closes its socket. Another process
// that finds the lock free knows the client is gone, and makes its running
// jobs available again at once (compare-and-set on the job still being
// running under that client). River's own rescuer stays as the fallback: for
// jobs of clients that do not take part (an older release during a rolling
// upgrade, a client ID without our prefix) and for whatever this misses.

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// livenessClassID is the first key of the two-key advisory locks
// pg_advisory_lock(classid, objid) that say a partnerhub process is alive
// ("phlv" in ASCII); the second key is livenessKey of the client ID. The
// two-key form lives in a key space of its own (pg_locks.objsubid = 2), apart
// from the one-bigint form that the migration lock, the console's
// per-customer locks and River use, so these can never collide with them.
const livenessClassID int32 = 0x70686c76

// clientIDPrefix starts the River client ID of every process that holds a
// liveness lock. The rescuer only judges clients with it: a client without
// it (River's default ID, an older release) holds no lock, and would look
// dead while it runs.
const clientIDPrefix = "ph-live-"

// Defaults of the dead-replica rescuer.
const (
	// deadCheckEvery is how often a process looks for a dead replica's jobs.
	deadCheckEvery = 2 * time.Second
	// deadGrace is how long a client's lock must stay free before its jobs
	// are taken: it is found free on two checks this far apart (less a
	// quarter round, for the drift of the rounds). A
	// live process whose liveness connection dropped (PostgreSQL restarted,
	// a proxy cut it) takes its lock again at its next check, within
	// deadCheckEvery; twice that keeps its running jobs from being run a
	// second time meanwhile. A killed process's jobs resume within
	// deadCheckEvery + deadGrace (4 to 6 seconds).
	deadGrace = 2 * deadCheckEvery
)

// newClientID returns a River client ID unique to this process start:
// "ph-live-<host>-<12 hex digits>", at most 61 characters (River allows 100).
func newClientID() string {
	host, _ := os.Hostname()
	host = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '_'
	}, host)
	if len(host) > 40 {
		host = host[:40]
	}
	if host == "" {
		host = "unknown"
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	return clientIDPrefix + host + "-" + hex.EncodeToString(b[:])
}

// livenessKey is the second key of a client's liveness lock: FNV-1a of its
// ID. Two live clients whose keys collide (about one chance in four billion
// per pair) are caught when the lock is taken; a dead client whose key
// collides with a live one's only looks alive, and is left to River's
// rescuer: a collision never gets a live client's jobs taken.
func livenessKey(clientID string) int32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(clientID))
	return int32(h.Sum32())
}

// liveness is this process's liveness lock: a dedicated PostgreSQL
// connection, outside the hub's pool (so it never goes back to the pool
// holding the lock and never takes a connection River needs), holding
// pg_advisory_lock(livenessClassID, livenessKey(id)) for the process's life.
type liveness struct {
	id  string
	url string

	mu   sync.Mutex
	conn *pgx.Conn // nil after the connection was lost, until taken again
}

// acquireLiveness connects and takes the lock under a fresh client ID. The
// lock is tried, not waited for: a taken key (a collision with a live
// process) gets another ID.
func acquireLiveness(ctx context.Context, url string) (*liveness, error) {
	for range 5 {
		l := &liveness{id: newClientID(), url: url}
		ok, err := l.connect(ctx)
		if err != nil {
			return nil, fmt.Errorf("liveness lock: %w", err)
		}
		if ok {
			return l, nil
		}
	}
	return nil, errors.New("liveness lock: every client ID tried was taken")
}

// connect opens the connection and tries the lock. On success the
// connection is kept; otherwise it is closed.
func (l *liveness) connect(ctx context.Context) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, l.url)
	if err != nil {
		return false, err
	}
	// A machine that vanishes without closing its sockets (power, network)
	// would keep its session, and the lock, until TCP gives up on it: two
	// hours by the system defaults. Keepalives on this one session let
	// PostgreSQL drop it within about 11 seconds. (A setting the server or
	// a pooler refuses only loses that; River's rescuer still covers it.)
	_, _ = conn.Exec(ctx, `SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 2; SET tcp_keepalives_count = 3`)
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, $2)`, livenessClassID, livenessKey(l.id)).Scan(&ok); err != nil || !ok {
		conn.Close(context.WithoutCancel(ctx))
		return false, err
	}
	l.mu.Lock()
	l.conn = conn
	l.mu.Unlock()
	return true, nil
}

// keep checks that the lock is still held (its connection answers) and, if
// the connection was lost, takes the lock again under the same ID, which the
// jobs this process runs are attributed to.
func (l *liveness) keep(ctx context.Context) error {
	l.mu.Lock()
	conn := l.conn
	l.mu.Unlock()
	if conn != nil {
		pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := conn.Ping(pingCtx)
		cancel()
		if err == nil || ctx.Err() != nil {
			return nil
		}
		l.mu.Lock()
		l.conn = nil
		l.mu.Unlock()
		conn.Close(context.WithoutCancel(ctx))
	}
	ok, err := l.connect(ctx)
	switch {
	case err != nil:
		return fmt.Errorf("liveness connection lost; reconnecting: %w", err)
	case !ok: // another process is testing the key this instant; next time
		return errors.New("liveness connection lost; its lock is held elsewhere for now")
	}
	return nil
}

// release gives the lock up and closes the connection. Ending the session
// would release it anyway; the explicit unlock says so in the server's log
// of statements.
func (l *liveness) release() {
	l.mu.Lock()
	conn := l.conn
	l.conn = nil
	l.mu.Unlock()
	if conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _ = conn.Exec(ctx, `SELECT pg_advisory_unlock($1, $2)`, livenessClassID, livenessKey(l.id))
	conn.Close(ctx)
}

// deadRescuer makes the running jobs of dead replicas available again.
type deadRescuer struct {
	db    *sql.DB
	self  string // this process's client ID: its own jobs are never judged
	log   *slog.Logger
	every time.Duration
	grace time.Duration
	now   func() time.Time
	// keep, when set, is called before each round (the liveness lock's
	// upkeep); its error is logged like a round's.
	keep func(ctx context.Context) error

	// suspects are the clients whose lock was found free, and when first.
	suspects map[string]time.Time
	// failing says the last round or upkeep failed, so that a failure is
	// logged once when it starts and once when it ends, not every round.
	failing bool
}

func newDeadRescuer(db *sql.DB, self string, log *slog.Logger) *deadRescuer {
	return &deadRescuer{db: db, self: self, log: log, every: deadCheckEvery, grace: deadGrace, now: time.Now,
		suspects: map[string]time.Time{}}
}

// run checks at once and then every r.every until ctx ends.
func (r *deadRescuer) run(ctx context.Context) {
	t := time.NewTicker(r.every)
	defer t.Stop()
	for {
		r.tick(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (r *deadRescuer) tick(ctx context.Context) {
	var err error
	if r.keep != nil {
		err = r.keep(ctx)
	}
	if _, rerr := r.round(ctx); rerr != nil {
		err = errors.Join(err, rerr)
	}
	if ctx.Err() != nil {
		return // shutting down: whatever failed does not matter now
	}
	switch {
	case err != nil && !r.failing:
		r.log.Warn("dead-replica rescue failing; River's rescuer still takes over stuck jobs after the rescue window", "err", err)
	case err == nil && r.failing:
		r.log.Info("dead-replica rescue working again")
	}
	r.failing = err != nil
}

// round judges every other client that has running jobs and resumes the
// jobs of those found dead for longer than the grace; it returns how many
// jobs it made available.
func (r *deadRescuer) round(ctx context.Context) (int, error) {
	running, err := r.runningByOthers(ctx)
	if err != nil {
		return 0, err
	}
	for client := range r.suspects {
		if _, ok := running[client]; !ok {
			delete(r.suspects, client) // its jobs finished or were rescued
		}
	}
	resumed := 0
	var errs []error
	for client, ids := range running {
		dead, err := r.dead(ctx, client)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !dead {
			delete(r.suspects, client)
			continue
		}
		now := r.now()
		first, seen := r.suspects[client]
		if !seen {
			r.suspects[client], first = now, now
		}
		// Found free once: confirm at a later round. Rounds drift by the
		// time their queries take, so one a quarter round short of the
		// grace counts (else the confirmation slips a whole round).
		if now.Sub(first) < r.grace-r.every/4 {
			continue
		}
		n, err := r.resume(ctx, client, ids)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		delete(r.suspects, client)
		resumed += n
		if n > 0 {
			r.log.Info("resumed the jobs of a replica that stopped while they ran", "replica", client, "jobs", n)
		}
	}
	return resumed, errors.Join(errs...)
}

// runningByOthers lists the running jobs by the client that took them last,
// leaving out this process's own, those no client is recorded for, and
// those of clients that hold no liveness lock (no prefix). Running jobs are
// few (at most the workers of all replicas), and River's index on the state
// finds them.
func (r *deadRescuer) runningByOthers(ctx context.Context) (map[string][]int64, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT attempted_by[cardinality(attempted_by)], id FROM river_job
		WHERE state = 'running' AND cardinality(attempted_by) > 0
			AND starts_with(attempted_by[cardinality(attempted_by)], $1)
			AND attempted_by[cardinality(attempted_by)] <> $2`, clientIDPrefix, r.self)
	if err != nil {
		return nil, fmt.Errorf("find the running jobs of other replicas: %w", err)
	}
	defer rows.Close()
	out := map[string][]int64{}
	for rows.Next() {
		var client string
		var id int64
		if err := rows.Scan(&client, &id); err != nil {
			return nil, err
		}
		out[client] = append(out[client], id)
	}
	return out, rows.Err()
}

// dead reports whether client's liveness lock is free: its session is gone.
// The test takes the lock and, in the same statement on the same
// connection, gives it up again; a connection that fails in between is
// discarded rather than returned to the pool, where it could hold a dead
// client's lock and make it look alive to everyone.
func (r *deadRescuer) dead(ctx context.Context, client string) (bool, error) {
	conn, err := r.db.Conn(ctx)
	if err != nil {
		return false, fmt.Errorf("test replica %s: %w", client, err)
	}
	defer conn.Close()
	var free bool
	err = conn.QueryRowContext(ctx, `SELECT CASE WHEN pg_try_advisory_lock($1, $2) THEN pg_advisory_unlock($1, $2) ELSE false END`,
		livenessClassID, livenessKey(client)).Scan(&free)
	if err != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		return false, fmt.Errorf("test replica %s: %w", client, err)
	}
	return free, nil
}

// resume makes the jobs ids of the dead client available now, as River's
// rescuer would (an error appended, the rescue counted in the metadata).
// Only jobs still running under that client change: one that finished, or
// that another replica took up again since, is left alone.
func (r *deadRescuer) resume(ctx context.Context, dead string, ids []int64) (int, error) {
	msg := fmt.Sprintf("interrupted: replica %s stopped while the job ran; resumed by %s", dead, r.self)
	res, err := r.db.ExecContext(ctx, `UPDATE river_job SET
			state = 'available',
			scheduled_at = now(),
			finalized_at = NULL,
			errors = array_append(errors, jsonb_build_object('at', now(), 'attempt', attempt, 'error', $3::text, 'trace', '')),
			metadata = metadata || jsonb_build_object('river:rescue_count', coalesce(
				CASE WHEN jsonb_typeof(metadata -> 'river:rescue_count') = 'number' THEN (metadata ->> 'river:rescue_count')::int END, 0) + 1)
		WHERE id = ANY($1::bigint[]) AND state = 'running' AND attempted_by[cardinality(attempted_by)] = $2`,
		ids, dead, msg)
	if err != nil {
		return 0, fmt.Errorf("resume the jobs of replica %s: %w", dead, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
