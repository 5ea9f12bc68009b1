package deploy

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"partnerhub/internal/store"
	"partnerhub/internal/testkit/pgtest"
)

// queueDB opens a store with River's tables in a schema of the test's own.
// It skips the test without PostgreSQL.
func queueDB(t *testing.T) (*store.Store, string) {
	t.Helper()
	dsn, _ := pgtest.Schema(t)
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{DatabaseURL: dsn, MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := MigrateQueue(ctx, st); err != nil {
		t.Fatal(err)
	}
	return st, dsn
}

// holdLock holds client's liveness lock on a connection of its own, as the
// client's process would, until the returned func (or the test's end).
func holdLock(t *testing.T, dsn, client string) (release func()) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1, $2)`, livenessClassID, livenessKey(client)); err != nil {
		t.Fatal(err)
	}
	done := false
	release = func() {
		if !done {
			done = true
			conn.Close(ctx)
		}
	}
	t.Cleanup(release)
	return release
}

// insertJob adds a customer_op job in state, attempted by the clients in
// order; nil leaves attempted_by NULL.
func insertJob(t *testing.T, db *sql.DB, state string, attemptedBy []string) int64 {
	t.Helper()
	var id int64
	err := db.QueryRow(`INSERT INTO river_job (args, kind, max_attempts, state, attempt, attempted_at, attempted_by, finalized_at)
		VALUES ('{}', 'customer_op', 8, $1::river_job_state, 1, now() - interval '1 second', $2::text[],
			CASE WHEN $1::text = 'completed' THEN now() END) RETURNING id`, state, attemptedBy).Scan(&id)
	if err != nil {
		t.Fatalf("insert job: %v", err)
	}
	return id
}

type jobRow struct {
	state  string
	errors []string // the error messages, oldest first
	rescue int      // river:rescue_count
}

func readJob(t *testing.T, db *sql.DB, id int64) jobRow {
	t.Helper()
	var r jobRow
	var errs string
	var rescue sql.NullInt64
	err := db.QueryRow(`SELECT state, coalesce((SELECT json_agg(e ->> 'error') FROM unnest(errors) e), '[]')::text,
		(metadata ->> 'river:rescue_count')::int FROM river_job WHERE id = $1`, id).Scan(&r.state, &errs, &rescue)
	if err != nil {
		t.Fatalf("read job %d: %v", id, err)
	}
	if err := json.Unmarshal([]byte(errs), &r.errors); err != nil {
		t.Fatal(err)
	}
	r.rescue = int(rescue.Int64)
	return r
}

func quietLog(t *testing.T) *slog.Logger { return slog.New(slog.NewTextHandler(t.Output(), nil)) }

// TestDeadRescuerCompareAndSet: a running job whose last attempt belongs to
// a live client (its lock held) is never touched; one whose last attempt
// belongs to a dead client is made available, with the reason appended;
// this process's own jobs, jobs without a recorded client, jobs of clients
// that hold no liveness lock (another release) and finished jobs are left
// alone. A job a live replica took up again after the dead one is not
// touched either, even when named in the update.
func TestDeadRescuerCompareAndSet(t *testing.T) {
	st, dsn := queueDB(t)
	ctx := context.Background()
	db := st.Write
	self, live, dead := newClientID(), newClientID(), newClientID()
	releaseLive := holdLock(t, dsn, live)
	holdLock(t, dsn, self)

	liveJob := insertJob(t, db, "running", []string{dead, live}) // dead once, now running on a live replica
	deadJob := insertJob(t, db, "running", []string{dead})
	deadJob2 := insertJob(t, db, "running", []string{live, dead})
	ownJob := insertJob(t, db, "running", []string{self})
	nullJob := insertJob(t, db, "running", nil)
	emptyJob := insertJob(t, db, "running", []string{})
	otherRelease := insertJob(t, db, "running", []string{"somehost_2026_01_31T10_00_00_000000"})
	finished := insertJob(t, db, "completed", []string{dead})

	r := newDeadRescuer(db, self, quietLog(t))
	r.grace = 0
	n, err := r.round(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("resumed %d jobs, want 2 (the dead client's running ones)", n)
	}
	for _, id := range []int64{deadJob, deadJob2} {
		j := readJob(t, db, id)
		if j.state != "available" || len(j.errors) != 1 || j.rescue != 1 {
			t.Fatalf("dead client's job %d: %+v, want available with one error and rescue_count 1", id, j)
		}
		want := "interrupted: replica " + dead + " stopped while the job ran; resumed by " + self
		if j.errors[0] != want {
			t.Errorf("job %d error %q, want %q", id, j.errors[0], want)
		}
	}
	for _, id := range []int64{liveJob, ownJob, nullJob, emptyJob, otherRelease} {
		if j := readJob(t, db, id); j.state != "running" || len(j.errors) != 0 {
			t.Errorf("job %d: %+v, want running and untouched", id, j)
		}
	}
	if j := readJob(t, db, finished); j.state != "completed" || len(j.errors) != 0 {
		t.Errorf("finished job: %+v, want untouched", j)
	}
	// The errors are River's AttemptError: River reads them back.
	var raw []byte
	if err := db.QueryRow(`SELECT errors[1]::text FROM river_job WHERE id = $1`, deadJob).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	var ae struct {
		At      time.Time `json:"at"`
		Attempt int       `json:"attempt"`
	}
	if err := json.Unmarshal(raw, &ae); err != nil || ae.Attempt != 1 || time.Since(ae.At) > time.Minute {
		t.Errorf("attempt error %s: %+v, %v", raw, ae, err)
	}

	// The compare-and-set: naming jobs of the dead client that a live
	// replica took up since, or that are no longer running, changes nothing.
	retaken := insertJob(t, db, "running", []string{dead, live})
	if n, err := r.resume(ctx, dead, []int64{retaken, deadJob, finished}); err != nil || n != 0 {
		t.Fatalf("resume of jobs no longer running under the dead client: %d, %v; want 0", n, err)
	}
	if j := readJob(t, db, retaken); j.state != "running" || len(j.errors) != 0 {
		t.Fatalf("a job re-taken by a live replica was touched: %+v", j)
	}

	// Rounds while the live client lives never touch its jobs; once its
	// session ends, they are taken over.
	for range 3 {
		if _, err := r.round(ctx); err != nil {
			t.Fatal(err)
		}
		if j := readJob(t, db, liveJob); j.state != "running" {
			t.Fatalf("live client's job: %+v", j)
		}
	}
	releaseLive()
	deadline := time.Now().Add(10 * time.Second)
	for readJob(t, db, liveJob).state == "running" {
		if time.Now().After(deadline) {
			t.Fatal("the jobs of a client whose session ended were not resumed")
		}
		if _, err := r.round(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond) // the server ends the session asynchronously
	}
	if j := readJob(t, db, retaken); j.state != "available" {
		t.Errorf("job re-taken by the client that then died: %+v, want available", j)
	}
	if j := readJob(t, db, ownJob); j.state != "running" {
		t.Errorf("own job: %+v, want running", j)
	}
	// Testing liveness leaves no lock behind on the pool's connections.
	var locks int
	if err := db.QueryRow(`SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objsubid = 2
		AND objid IN ($2, $3)`, livenessClassID, uint32(livenessKey(dead)), uint32(livenessKey(live))).Scan(&locks); err != nil {
		t.Fatal(err)
	}
	if locks != 0 {
		t.Errorf("%d liveness locks of dead clients held after the rounds, want 0", locks)
	}
}

// TestDeadRescuerGrace: a client's lock must be free on two rounds at least
// the grace apart; a client that takes its lock again meanwhile (its
// connection dropped and came back) keeps its jobs.
func TestDeadRescuerGrace(t *testing.T) {
	st, dsn := queueDB(t)
	ctx := context.Background()
	db := st.Write
	self, flaky, dead := newClientID(), newClientID(), newClientID()
	flakyJob := insertJob(t, db, "running", []string{flaky})
	deadJob := insertJob(t, db, "running", []string{dead})

	now := time.Now()
	r := newDeadRescuer(db, self, quietLog(t))
	r.grace = 4 * time.Second
	r.now = func() time.Time { return now }
	round := func(want int) {
		t.Helper()
		n, err := r.round(ctx)
		if err != nil || n != want {
			t.Fatalf("round at +%s: resumed %d (%v), want %d", now.Sub(r.suspects[dead]), n, err, want)
		}
	}
	round(0) // both found free, first time
	now = now.Add(2 * time.Second)
	release := holdLock(t, dsn, flaky) // back: its lock is held again
	round(0)
	now = now.Add(2 * time.Second)
	round(1) // dead: free at +0 and +4 s
	if j := readJob(t, db, deadJob); j.state != "available" {
		t.Fatalf("dead client's job: %+v", j)
	}
	release() // flaky goes again: the grace starts over
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := r.round(ctx); err != nil {
			t.Fatal(err)
		}
		if _, ok := r.suspects[flaky]; ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the released lock was never found free")
		}
		time.Sleep(20 * time.Millisecond)
	}
	now = now.Add(3 * time.Second) // short of the grace by more than a quarter round
	round(0)
	if j := readJob(t, db, flakyJob); j.state != "running" {
		t.Fatalf("a client found free only %s ago lost its job: %+v", 3*time.Second, j)
	}
	now = now.Add(time.Second - time.Second/2 + time.Millisecond) // a quarter round (of 2 s) short: a drifted round
	round(1)
}

// TestLivenessLock: the lock is held under a fresh prefixed ID, tells others
// the process lives, comes back after its connection was cut, and is free
// once released.
func TestLivenessLock(t *testing.T) {
	st, dsn := queueDB(t)
	ctx := context.Background()
	l, err := acquireLiveness(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer l.release()
	if !strings.HasPrefix(l.id, clientIDPrefix) || len(l.id) > 100 {
		t.Fatalf("client ID %q", l.id)
	}
	if other, _ := acquireLiveness(ctx, dsn); other == nil || other.id == l.id {
		t.Fatal("a second process got no ID of its own")
	} else {
		other.release()
	}
	// Over TCP the session has keepalives, so that a vanished machine's
	// lock goes within seconds (on a Unix socket they do not apply).
	var unixSocket bool
	var idle string
	if err := l.conn.QueryRow(ctx, `SELECT inet_client_addr() IS NULL, current_setting('tcp_keepalives_idle')`).Scan(&unixSocket, &idle); err != nil {
		t.Fatal(err)
	}
	if !unixSocket && idle != "5" {
		t.Errorf("tcp_keepalives_idle = %s on the liveness session, want 5", idle)
	}
	r := newDeadRescuer(st.Write, "someone-else", quietLog(t))
	if dead, err := r.dead(ctx, l.id); err != nil || dead {
		t.Fatalf("dead(%s) = %v, %v while its lock is held", l.id, dead, err)
	}

	// The server ends the session (a restart, a proxy cutting it): keep
	// takes the lock again under the same ID.
	if _, err := st.Write.Exec(`SELECT pg_terminate_backend(pid) FROM pg_locks
		WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND objsubid = 2`, livenessClassID, uint32(livenessKey(l.id))); err != nil {
		t.Fatal(err)
	}
	// The old session may hold the lock a moment longer while its backend
	// exits: then keep fails and the next round (here, the next call) takes it.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		err := l.keep(ctx)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("keep after the connection was cut: %v", err)
		}
	}
	if dead, err := r.dead(ctx, l.id); err != nil || dead {
		t.Fatalf("after keep: dead = %v, %v", dead, err)
	}
	if err := l.keep(ctx); err != nil {
		t.Fatalf("keep: %v", err)
	}

	l.release()
	if dead, err := r.dead(ctx, l.id); err != nil || !dead {
		t.Fatalf("after release: dead = %v, %v", dead, err)
	}
}
