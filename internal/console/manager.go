// Package console is the customer console: each customer's isolated
// environment (its own SQLite database) and the console's web pages.
//
// The Manager is the data side the hub's deployment steps call. Every method
// is idempotent, because a deployment that crashes resumes by running its
// current step again.
package console

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"partnerhub/internal/sqlitedb"
)

// Errors callers can test with errors.Is; the hub maps them to statuses and
// the console maps them to pages without showing internals.
var (
	ErrNotFound  = errors.New("console: customer database not found")
	ErrInvalidID = errors.New("console: invalid customer id")
	ErrOutdated  = errors.New("console: schema not at the current version")
	ErrNoProfile = errors.New("console: profile missing")
	ErrClosed    = errors.New("console: manager closed")
	ErrInvalid   = errors.New("console: invalid input")
)

// maxConnsPerCustomer keeps the per-customer pool small: SQLite has one
// writer anyway, and thousands of customers must not exhaust descriptors.
const maxConnsPerCustomer = 4

// idPattern limits customer ids to characters that are safe in a file name
// and a URL path, so an id can never escape the data directory.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// ValidID reports whether id can name a customer database.
func ValidID(id string) bool { return idPattern.MatchString(id) }

// Manager owns the customer databases under one directory and caches one
// open handle per customer, because opening SQLite per request is slow and
// would defeat the connection pool.
type Manager struct {
	dir string
	now func() time.Time

	// pg and prefix are set on PostgreSQL, where each customer is the
	// schema prefix+id in pg's database (see postgres.go); dir is unused.
	pg     *pgxpool.Pool
	prefix string

	mu     sync.Mutex
	dbs    map[string]*sql.DB
	closed bool
}

// NewManager returns a Manager for the databases at dir/<customerID>.db,
// creating dir when missing. A dir that cannot be created surfaces on the
// first Create, where the deployment step can report it.
func NewManager(dir string) *Manager {
	_ = os.MkdirAll(dir, 0o750)
	return &Manager{dir: dir, now: time.Now, dbs: map[string]*sql.DB{}}
}

func (m *Manager) path(customerID string) string {
	return filepath.Join(m.dir, customerID+".db")
}

// handle returns the cached handle, opening it when needed. Without create a
// missing file is ErrNotFound: only Create may bring a database into being,
// so a late call after Drop cannot resurrect a deleted customer. The lock is
// held while opening for the same reason: Drop cannot interleave.
func (m *Manager) handle(customerID string, create bool) (*sql.DB, error) {
	if !ValidID(customerID) {
		return nil, fmt.Errorf("%w: %q", ErrInvalidID, customerID)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	if m.pg != nil {
		return m.pgHandle(customerID, create)
	}
	if db, ok := m.dbs[customerID]; ok {
		if m.Exists(customerID) {
			return db, nil
		}
		// The file was removed behind our back (the drift Repair mends): a
		// cached handle would keep serving the unlinked file, so drop it.
		db.Close()
		delete(m.dbs, customerID)
	}
	if create {
		if err := os.MkdirAll(m.dir, 0o750); err != nil {
			return nil, fmt.Errorf("console: data dir: %w", err)
		}
	} else if !m.Exists(customerID) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, customerID)
	}
	db, err := sqlitedb.Open(m.path(customerID), maxConnsPerCustomer)
	if err != nil {
		return nil, err
	}
	m.dbs[customerID] = db
	return db, nil
}

// current returns the handle of a database whose schema this code serves:
// MinVersion up to CurrentVersion. Customers deployed by an earlier release
// keep working until the partner runs Update; writes that need a newer
// schema check txVersion.
func (m *Manager) current(ctx context.Context, customerID string) (*sql.DB, error) {
	db, err := m.handle(customerID, false)
	if err != nil {
		return nil, err
	}
	v, err := schemaVersion(ctx, db)
	if err != nil {
		return nil, err
	}
	if v < MinVersion || v > CurrentVersion {
		return nil, outdated(v)
	}
	return db, nil
}

// Create creates the customer's database and migrates it to CurrentVersion.
func (m *Manager) Create(ctx context.Context, customerID string) error {
	return m.CreateAt(ctx, customerID, CurrentVersion)
}

// CreateAt creates the database stopping at an older schema version, so the
// "update the console" action can be tested against a real old database. A
// database already past version is left alone: schemas never go down.
func (m *Manager) CreateAt(ctx context.Context, customerID string, version int) error {
	if version < 1 || version > CurrentVersion {
		return fmt.Errorf("%w: version %d", ErrInvalid, version)
	}
	db, err := m.handle(customerID, true)
	if err != nil {
		return err
	}
	_, _, err = migrateTo(ctx, db, version)
	return err
}

// Migrate brings an existing database to CurrentVersion and reports the
// versions before and after.
func (m *Manager) Migrate(ctx context.Context, customerID string) (from, to int, err error) {
	db, err := m.handle(customerID, false)
	if err != nil {
		return 0, 0, err
	}
	return migrateTo(ctx, db, CurrentVersion)
}

// SchemaVersion reports the database's schema version (0 when never migrated).
func (m *Manager) SchemaVersion(ctx context.Context, customerID string) (int, error) {
	db, err := m.handle(customerID, false)
	if err != nil {
		return 0, err
	}
	return schemaVersion(ctx, db)
}

// Exists reports whether the customer has a database file.
func (m *Manager) Exists(customerID string) bool {
	if !ValidID(customerID) {
		return false
	}
	if m.pg != nil {
		ok, err := m.pgExists(context.Background(), m.schemaName(customerID))
		return err == nil && ok
	}
	fi, err := os.Stat(m.path(customerID))
	return err == nil && fi.Mode().IsRegular()
}

// Drop closes the handle and removes the database with its WAL and shared
// memory files; an already missing database is not an error, so a retried
// deletion succeeds.
func (m *Manager) Drop(ctx context.Context, customerID string) error {
	if !ValidID(customerID) {
		return fmt.Errorf("%w: %q", ErrInvalidID, customerID)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if db, ok := m.dbs[customerID]; ok {
		delete(m.dbs, customerID)
		if err := db.Close(); err != nil {
			return fmt.Errorf("console: close %s: %w", customerID, err)
		}
	}
	if m.pg != nil {
		return m.pgDrop(ctx, customerID)
	}
	p := m.path(customerID)
	for _, f := range []string{p, p + "-wal", p + "-shm", p + "-journal"} {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("console: drop %s: %w", customerID, err)
		}
	}
	return nil
}

// List returns the ids of the customers that have a database, so deletion
// can prove that nothing is left behind.
func (m *Manager) List() ([]string, error) {
	if m.pg != nil {
		return m.pgList(context.Background())
	}
	entries, err := os.ReadDir(m.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("console: list: %w", err)
	}
	var ids []string
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".db")
		if ok && e.Type().IsRegular() && ValidID(id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// Close closes every cached handle; the Manager refuses work afterwards.
func (m *Manager) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	var errs []error
	for id, db := range m.dbs {
		errs = append(errs, db.Close())
		delete(m.dbs, id)
	}
	if m.pg != nil {
		m.pg.Close()
	}
	return errors.Join(errs...)
}
