package app

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"partnerhub/internal/config"
	"partnerhub/internal/console"
	"partnerhub/internal/deploy"
	"partnerhub/internal/partnersystem"
	"partnerhub/internal/sqlitedb"
	"partnerhub/internal/store"
)

// consoleMaxConns bounds the connections all customer environments of one
// process share on PostgreSQL (see console.NewPostgresManager).
const consoleMaxConns = 8

// partnerSystemMaxConns bounds the embedded partner system's pool.
const partnerSystemMaxConns = 4

// openConsoles returns the customer environments: SQLite files under the
// data directory, or one schema per customer in the PostgreSQL database.
func openConsoles(ctx context.Context, cfg config.Config) (*console.Manager, error) {
	if cfg.DatabaseURL == "" {
		return console.NewManager(filepath.Join(cfg.DataDir, "customers")), nil
	}
	return console.NewPostgresManager(ctx, cfg.DatabaseURL, console.DefaultSchemaPrefix, consoleMaxConns)
}

// openPartnerSystemDB opens the embedded partner system's database: its own
// SQLite file, or its ps_ tables in the hub's PostgreSQL database.
func openPartnerSystemDB(cfg config.Config) (*sql.DB, error) {
	if cfg.DatabaseURL == "" {
		return sqlitedb.Open(filepath.Join(cfg.DataDir, "partnersystem.db"), 4)
	}
	db, err := sql.Open("pgx", cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("partner system: %w", err)
	}
	db.SetMaxOpenConns(partnerSystemMaxConns)
	return db, nil
}

// MigrationReport says where each part of partnerhub's schema stands.
type MigrationReport struct {
	Engine             store.Engine
	Hub                []store.MigrationState
	QueueVersion       int
	QueueLatest        int
	PartnerSystemReady bool
}

// Pending reports whether anything is left to migrate.
func (r MigrationReport) Pending() bool {
	for _, m := range r.Hub {
		if !m.Applied {
			return true
		}
	}
	return r.QueueVersion < r.QueueLatest || !r.PartnerSystemReady
}

// Migrate brings everything partnerhub keeps in its database up to date —
// the hub's tables, River's and the embedded partner system's — under one
// migration lock, so that operators can migrate before rolling replicas
// out, and replicas starting together do it once. Serve migrates the same
// parts at start, each under the same lock, so a forgotten `migrate up`
// costs nothing but a moment.
func Migrate(ctx context.Context, cfg config.Config) (MigrationReport, error) {
	st, psDB, err := openForMigration(ctx, cfg)
	if err != nil {
		return MigrationReport{}, err
	}
	defer st.Close()
	defer psDB.Close()
	err = st.WithMigrationLock(ctx, func(ctx context.Context) error {
		if err := st.ApplyMigrations(ctx); err != nil {
			return err
		}
		if err := deploy.MigrateQueue(ctx, st); err != nil {
			return err
		}
		return partnersystem.Migrate(ctx, psDB)
	})
	if err != nil {
		return MigrationReport{}, err
	}
	return report(ctx, st, psDB)
}

// MigrationStatus reports where each part stands without changing anything.
func MigrationStatus(ctx context.Context, cfg config.Config) (MigrationReport, error) {
	st, psDB, err := openForMigration(ctx, cfg)
	if err != nil {
		return MigrationReport{}, err
	}
	defer st.Close()
	defer psDB.Close()
	return report(ctx, st, psDB)
}

func openForMigration(ctx context.Context, cfg config.Config) (*store.Store, *sql.DB, error) {
	st, err := store.Open(ctx, store.Options{DataDir: cfg.DataDir, DatabaseURL: cfg.DatabaseURL, MaxConns: 4, NoMigrate: true})
	if err != nil {
		return nil, nil, err
	}
	psDB, err := openPartnerSystemDB(cfg)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, psDB, nil
}

func report(ctx context.Context, st *store.Store, psDB *sql.DB) (MigrationReport, error) {
	r := MigrationReport{Engine: st.Engine}
	var err error
	if r.Hub, err = st.MigrationStatus(ctx); err != nil {
		return r, err
	}
	if r.QueueVersion, r.QueueLatest, err = deploy.QueueMigrationStatus(ctx, st); err != nil {
		return r, err
	}
	// The partner system's schema is a list of idempotent statements
	// without versions: it is there when its table is.
	_, err = psDB.ExecContext(ctx, `SELECT 1 FROM ps_accounts WHERE 1 = 0`)
	r.PartnerSystemReady = err == nil
	return r, nil
}

// listenForChanges fans the other replicas' customer changes out to this
// process's browsers until ctx ends; it closes listening once it hears
// them (the first LISTEN is in place). On SQLite there are no other
// replicas: it closes listening and returns at once.
func (a *App) listenForChanges(ctx context.Context, listening chan<- struct{}) {
	var once sync.Once
	heard := func() { once.Do(func() { close(listening) }) }
	if a.Store.Engine != store.Postgres || a.Broker == nil {
		heard()
		return
	}
	_ = a.Store.Listen(ctx, a.Config.DatabaseURL, a.Log, func() {
		a.Log.Debug("listening for other replicas' customer changes")
		heard()
	}, a.Broker.Publish)
}

// withProbes answers the load balancer's probes before the hub's routes:
// /healthz says the process is alive (no database call, so a database
// outage does not get every replica restarted), /readyz says it can serve:
// the database answers and its schema is at this binary's version.
func (a *App) withProbes(next http.Handler) http.Handler {
	mux := http.NewServeMux()
	a.probes(mux)
	mux.Handle("/", next)
	return mux
}

// probes registers /healthz and /readyz on mux: the hub's listener and the
// metrics listener answer them alike.
func (a *App) probes(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeProbe(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		if err := a.Store.Ready(ctx); err != nil {
			a.Log.Warn("not ready", "err", err)
			reason := "unreachable"
			if errors.Is(err, store.ErrNotMigrated) {
				reason = "schema not up to date: run partnerhub migrate up"
			}
			writeProbe(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "database": reason})
			return
		}
		writeProbe(w, http.StatusOK, map[string]string{"status": "ready", "database": "ok"})
	})
}

func writeProbe(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
