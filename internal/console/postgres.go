package console

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// On PostgreSQL each customer's environment is a schema of its own,
// "<prefix><customer id>", in the one database the Manager is given. A
// schema rather than a database per customer, because:
//
//   - thousands of customers share one connection pool: a connection serves
//     any customer once its search_path is set, while a database per
//     customer needs connections per customer and per replica, and
//     PostgreSQL's max_connections runs out long before the customers do;
//   - CREATE SCHEMA and DROP SCHEMA … CASCADE are fast and transactional,
//     where CREATE DATABASE copies a template and cannot run in a
//     transaction;
//   - one pg_dump (or one base backup) holds every customer, and one
//     pg_dump --schema restores a single one.
//
// The console's SQL is unqualified, so the same statements run against the
// customer's SQLite file or the customer's schema.

// maxSchemaName is PostgreSQL's identifier limit (NAMEDATALEN-1); longer
// names would be silently truncated and two customers could meet.
const maxSchemaName = 63

// DefaultSchemaPrefix names customer schemas in production.
const DefaultSchemaPrefix = "customer_"

// NewPostgresManager returns a Manager whose customer environments are
// schemas named prefix+customerID in the database at databaseURL. maxConns
// bounds the connections all customers share.
func NewPostgresManager(ctx context.Context, databaseURL, prefix string, maxConns int) (*Manager, error) {
	if prefix == "" || strings.ContainsAny(prefix, `"`) {
		return nil, fmt.Errorf("%w: schema prefix %q", ErrInvalid, prefix)
	}
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("console: database URL: %w", err)
	}
	cfg.MaxConns = int32(max(maxConns, 2))
	cfg.MinConns = 0
	cfg.MaxConnIdleTime = time.Minute
	// No server-side statement cache: one connection serves many schemas in
	// turn, at different schema versions, and a statement prepared against
	// one customer's tables must never be replayed against another's.
	cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("console: connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("console: connect: %w", err)
	}
	return &Manager{pg: pool, prefix: prefix, now: time.Now, dbs: map[string]*sql.DB{}}, nil
}

// schemaName is the customer's schema, or "" when the id cannot name one.
func (m *Manager) schemaName(customerID string) string {
	name := m.prefix + customerID
	if !ValidID(customerID) || len(name) > maxSchemaName {
		return ""
	}
	return name
}

// pgHandle returns the customer's cached handle, or opens one whose
// connections work in the customer's schema. With create it first creates
// the schema when missing, also for a cached handle: another replica may
// have dropped the schema since (a repair after a deletion went wrong).
// The caller holds m.mu. A handle keeps no idle connections of its own:
// every connection comes from the shared pool and goes back to it after
// each statement or transaction.
func (m *Manager) pgHandle(customerID string, create bool) (*sql.DB, error) {
	schema := m.schemaName(customerID)
	if schema == "" {
		return nil, fmt.Errorf("%w: %q", ErrInvalidID, customerID)
	}
	db, cached := m.dbs[customerID]
	if cached && !create {
		return db, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if create {
		_, err := m.pg.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+pgx.Identifier{schema}.Sanitize())
		// Two replicas creating the same schema at once: the loser's IF NOT
		// EXISTS can still trip the catalog's unique index.
		if err != nil && !isPgCode(err, "42P06", "23505") {
			return nil, fmt.Errorf("console: create schema for %s: %w", customerID, err)
		}
	} else if ok, err := m.pgExists(ctx, schema); err != nil {
		return nil, err
	} else if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, customerID)
	}
	if cached {
		return db, nil
	}
	db = sql.OpenDB(schemaConnector{base: stdlib.GetPoolConnector(m.pg), schema: schema})
	db.SetMaxIdleConns(0)
	db.SetMaxOpenConns(maxConnsPerCustomer)
	m.dbs[customerID] = db
	return db, nil
}

func (m *Manager) pgExists(ctx context.Context, schema string) (bool, error) {
	var ok bool
	err := m.pg.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, schema).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("console: look up schema %s: %w", schema, err)
	}
	return ok, nil
}

// pgDrop drops the customer's schema with everything in it; a missing one
// is not an error, so a retried deletion succeeds.
func (m *Manager) pgDrop(ctx context.Context, customerID string) error {
	schema := m.schemaName(customerID)
	if schema == "" {
		return fmt.Errorf("%w: %q", ErrInvalidID, customerID)
	}
	if _, err := m.pg.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
		return fmt.Errorf("console: drop %s: %w", customerID, err)
	}
	return nil
}

func (m *Manager) pgList(ctx context.Context) ([]string, error) {
	rows, err := m.pg.Query(ctx, `SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1) ORDER BY nspname`, m.prefix)
	if err != nil {
		return nil, fmt.Errorf("console: list: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("console: list: %w", err)
	}
	var ids []string
	for _, n := range names {
		if id := strings.TrimPrefix(n, m.prefix); ValidID(id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func isPgCode(err error, codes ...string) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	for _, c := range codes {
		if pe.Code == c {
			return true
		}
	}
	return false
}

// schemaConnector hands database/sql connections from the shared pool with
// search_path set to one customer's schema.
type schemaConnector struct {
	base   driver.Connector
	schema string
}

func (c schemaConnector) Driver() driver.Driver { return c.base.Driver() }

func (c schemaConnector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := dc.(*stdlib.Conn)
	if !ok {
		dc.Close()
		return nil, fmt.Errorf("console: unexpected driver connection %T", dc)
	}
	if _, err := sc.Conn().Exec(ctx, `SELECT set_config('search_path', $1, false)`, pgx.Identifier{c.schema}.Sanitize()); err != nil {
		dc.Close()
		return nil, fmt.Errorf("console: set schema: %w", err)
	}
	return &schemaConn{Conn: sc, schema: c.schema}, nil
}

// schemaConn is a connection working in one customer's schema. Its write
// transactions first take a lock named after the schema, as SQLite's
// immediate transactions take the file's write lock, so that two replicas
// running the same idempotent step for one customer queue instead of
// interleaving (a migration is applied once, a seed inserts once).
type schemaConn struct {
	*stdlib.Conn
	schema string
}

func (c *schemaConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := c.Conn.BeginTx(ctx, opts)
	if err != nil || opts.ReadOnly {
		return tx, err
	}
	if _, err := c.Conn.Conn().Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('partnerhub.console.' || $1, 0))`, c.schema); err != nil {
		_ = tx.Rollback()
		return nil, fmt.Errorf("console: lock %s: %w", c.schema, err)
	}
	return tx, nil
}

// isPostgres tells a customer handle on PostgreSQL from a SQLite one.
func isPostgres(db *sql.DB) bool {
	_, ok := db.Driver().(*stdlib.Driver)
	return ok
}
