package deploy

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"partnerhub/internal/store"
)

// completeFunc completes a job inside the caller's transaction, so the
// customer's final status and the job's completion commit together.
type completeFunc func(ctx context.Context, tx *sql.Tx, job *river.Job[OpArgs]) error

// queueDriver picks River's driver for the store's engine. Both work on the
// hub's own *sql.DB and hand River the hub's *sql.Tx, which is what lets a
// job be inserted in the customer's transaction and completed in the one
// that sets its final status. On PostgreSQL that is River's database/sql
// driver rather than riverpgxv5: riverpgxv5 wants a pgx.Tx, which the
// store's database/sql transactions are not. River then polls for jobs
// (every 100 ms here) instead of being woken by LISTEN/NOTIFY.
func queueDriver(st *store.Store) (riverdriver.Driver[*sql.Tx], completeFunc, error) {
	switch st.Engine {
	case store.SQLite:
		return riversqlite.New(st.Write), completeWith[*riversqlite.Driver], nil
	case store.Postgres:
		return riverdatabasesql.New(st.Write), completeWith[*riverdatabasesql.Driver], nil
	}
	return nil, nil, fmt.Errorf("job queue: engine %q not supported", st.Engine)
}

func completeWith[D riverdriver.Driver[*sql.Tx]](ctx context.Context, tx *sql.Tx, job *river.Job[OpArgs]) error {
	_, err := river.JobCompleteTx[D](ctx, tx, job)
	return err
}

// MigrateQueue brings River's tables up to date. It takes no lock itself:
// callers that may run concurrently hold the store's migration lock.
func MigrateQueue(ctx context.Context, st *store.Store) error {
	m, err := migrator(st)
	if err != nil {
		return err
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate job queue: %w", err)
	}
	return nil
}

// QueueMigrationStatus reports River's schema version in the database and
// the version this binary brings.
func QueueMigrationStatus(ctx context.Context, st *store.Store) (current, latest int, err error) {
	m, err := migrator(st)
	if err != nil {
		return 0, 0, err
	}
	all := m.AllVersions()
	if len(all) > 0 {
		latest = all[len(all)-1].Version
	}
	existing, err := m.ExistingVersions(ctx)
	if err != nil {
		return 0, latest, nil // no River tables yet: version 0
	}
	for _, v := range existing {
		current = max(current, v.Version)
	}
	return current, latest, nil
}

func migrator(st *store.Store) (*rivermigrate.Migrator[*sql.Tx], error) {
	driver, _, err := queueDriver(st)
	if err != nil {
		return nil, err
	}
	return rivermigrate.New(driver, nil)
}

// JobStates are the states of River's jobs that JobCounts reports: every
// state but completed, whose rows are history River keeps for a day (the
// finished operations are counted as they end, by OnOperation).
var JobStates = []string{"available", "pending", "scheduled", "running", "retryable", "cancelled", "discarded"}

// JobCounts counts the job queue's jobs by state, across all partners,
// with one GROUP BY on River's table on either engine. The state list lets
// both engines use River's index that starts with the state.
func JobCounts(ctx context.Context, st *store.Store) (map[string]int, error) {
	rows, err := st.Read.QueryContext(ctx, `SELECT state, COUNT(*) FROM river_job
		WHERE state IN ('available', 'pending', 'scheduled', 'running', 'retryable', 'cancelled', 'discarded')
		GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("count jobs: %w", err)
	}
	defer rows.Close()
	counts := map[string]int{}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("count jobs: %w", err)
		}
		counts[state] = n
	}
	return counts, rows.Err()
}
