// Package app wires partnerhub's parts into one process: the hub (web UI and
// API), the customer consoles, the embedded partner system and the job
// queue, each on its own listener.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"partnerhub/internal/api"
	"partnerhub/internal/config"
	"partnerhub/internal/console"
	"partnerhub/internal/deploy"
	"partnerhub/internal/hub"
	"partnerhub/internal/live"
	"partnerhub/internal/metrics"
	"partnerhub/internal/partnersystem"
	"partnerhub/internal/store"
	"partnerhub/internal/web"
)

// App is a running partnerhub process.
type App struct {
	Config           config.Config
	Log              *slog.Logger
	Store            *store.Store
	Hub              *hub.Service
	Queue            *deploy.Queue
	Consoles         *console.Manager
	PartnerSystem    *partnersystem.Service
	HubURL           string
	ConsoleURL       string
	PartnerSystemURL string
	// MetricsURL is where Prometheus scrapes (…/metrics); empty when the
	// metrics listener is off.
	MetricsURL string
	// Metrics is this process's registry; each App has its own.
	Metrics *metrics.Metrics
	// Broker fans customer changes out to this process's browsers; on
	// PostgreSQL it also hears the other replicas' changes.
	Broker *live.Broker

	servers  []served
	lns      []net.Listener
	closers  []func() error
	psClient *partnersystem.Client
}

// Open opens the data, binds the listeners (so that ports chosen by the
// system are known) and wires everything; Run serves.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (_ *App, err error) {
	a := &App{Config: cfg, Log: log, Metrics: metrics.New(log)}
	defer func() {
		if err != nil {
			a.close() // whatever was opened before the failure
		}
	}()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	if cfg.DatabaseURL == "" {
		unlock, err := lockDataDir(cfg.DataDir)
		if err != nil {
			return nil, err
		}
		a.closers = append(a.closers, unlock)
	}
	if a.Store, err = store.Open(ctx, store.Options{DataDir: cfg.DataDir, DatabaseURL: cfg.DatabaseURL, MaxConns: cfg.DatabaseMaxConns}); err != nil {
		return nil, err
	}
	a.closers = append(a.closers, a.Store.Close)
	broker := live.NewBroker()
	a.Store.OnChange = broker.Publish
	a.Broker = broker

	hubLn, err := a.listen(cfg.Addr)
	if err != nil {
		return nil, err
	}
	consoleLn, err := a.listen(cfg.ConsoleAddr)
	if err != nil {
		return nil, err
	}
	a.HubURL = orURL(cfg.PublicURL, hubLn)
	a.ConsoleURL = orURL(cfg.ConsolePublicURL, consoleLn)
	var metricsLn net.Listener
	if cfg.MetricsEnabled() {
		if metricsLn, err = a.listen(cfg.MetricsAddr); err != nil {
			return nil, err
		}
		a.MetricsURL = "http://" + metricsLn.Addr().String() + "/metrics"
	}

	key, err := partnersystem.LoadOrCreateKey(cfg.DataDir, cfg.PartnerSystemKey)
	if err != nil {
		return nil, err
	}
	a.PartnerSystemURL = cfg.PartnerSystemURL
	var psLn net.Listener
	if a.PartnerSystemURL == "" {
		if psLn, err = a.listen(cfg.PartnerSystemAddr); err != nil {
			return nil, err
		}
		a.PartnerSystemURL = "http://" + psLn.Addr().String()
		if err := a.openPartnerSystem(ctx); err != nil {
			return nil, err
		}
	}
	a.psClient = partnersystem.NewClient(a.PartnerSystemURL, key)
	a.psClient.HTTP.Timeout = cfg.PartnerSystemTimeout

	if a.Consoles, err = openConsoles(ctx, cfg); err != nil {
		return nil, err
	}
	a.closers = append(a.closers, a.Consoles.Close)

	worker := &deploy.Worker{
		Store: a.Store, Consoles: a.Consoles, PartnerSystem: a.psClient,
		ConsoleURL: "http://" + consoleLn.Addr().String(), HTTP: &http.Client{Timeout: 10 * time.Second}, Log: log,
		ConsoleVersion: cfg.ConsoleVersion,
	}
	if a.Queue, err = deploy.NewQueue(ctx, a.Store, worker, deploy.QueueConfig{
		Workers: cfg.Workers, Logger: log, RetryBase: cfg.RetryBase, RetryMax: cfg.RetryMax,
		ReconcileEvery: cfg.ReconcileEvery, RescueAfter: cfg.RescueAfter, SoleProcess: a.Store.Engine == store.SQLite,
		DatabaseURL: cfg.DatabaseURL,
	}); err != nil {
		return nil, err
	}
	// On PostgreSQL the queue holds this replica's liveness lock until the
	// process closes, after the queue stopped: other replicas take over its
	// running jobs the moment it is gone, and not before (see internal/deploy).
	a.closers = append(a.closers, a.Queue.Close)
	a.Hub = &hub.Service{Store: a.Store, Jobs: a.Queue, ConsoleURL: a.ConsoleURL, HandoffTTL: 60 * time.Second,
		LatestConsoleVersion: console.CurrentVersion}
	if err := a.wireAuth(); err != nil {
		return nil, err
	}
	a.wireMetrics(worker)

	m := a.Metrics
	a.serve(hubLn, m.Instrument("hub", a.withProbes(a.hubHandler(broker))))
	a.serve(consoleLn, m.Instrument("console", a.consoleHandler()))
	if psLn != nil {
		a.serve(psLn, m.Instrument("partner-system", partnersystem.NewHandler(a.PartnerSystem, key)))
	}
	if metricsLn != nil {
		a.serve(metricsLn, a.metricsHandler())
	}
	return a, nil
}

func (a *App) openPartnerSystem(ctx context.Context) error {
	db, err := openPartnerSystemDB(a.Config)
	if err != nil {
		return err
	}
	a.closers = append(a.closers, db.Close)
	if err := a.Store.WithMigrationLock(ctx, func(ctx context.Context) error { return partnersystem.Migrate(ctx, db) }); err != nil {
		return fmt.Errorf("partner system: %w", err)
	}
	a.PartnerSystem = partnersystem.NewService(db)
	return nil
}

func (a *App) hubHandler(broker *live.Broker) http.Handler {
	mux := http.NewServeMux()
	apiH := (&api.API{Hub: a.Hub, Log: a.Log, TrustProxy: a.Config.TrustProxy}).Routes()
	mux.Handle("/api/", apiH)
	mux.Handle("/", (&web.Web{Hub: a.Hub, Broker: broker, Log: a.Log, SecureCookies: isHTTPS(a.HubURL), TrustProxy: a.Config.TrustProxy}).Routes())
	return mux
}

func (a *App) listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	a.lns = append(a.lns, ln)
	return ln, nil
}

func (a *App) serve(ln net.Listener, h http.Handler) {
	// Requests share a base context that shutdown cancels, so long-lived
	// event streams end at once instead of holding the shutdown.
	base, cancel := context.WithCancel(context.Background())
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog:    slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
		BaseContext: func(net.Listener) context.Context { return base }}
	srv.RegisterOnShutdown(cancel)
	a.servers = append(a.servers, served{srv, ln})
}

type served struct {
	srv *http.Server
	ln  net.Listener
}

// listenWait bounds how long Run waits, before it serves, for the LISTEN
// that brings other replicas' changes.
const listenWait = 15 * time.Second

// Run serves until ctx is cancelled, then shuts down: listeners stop taking
// requests, running jobs are cancelled (they resume on the next start), and
// the databases close.
func (a *App) Run(ctx context.Context) error {
	if err := a.Queue.Start(ctx); err != nil {
		a.close()
		if ctx.Err() != nil {
			return nil // stopped while starting (Ctrl-C at once): a clean stop
		}
		return fmt.Errorf("start job queue: %w", err)
	}
	listenCtx, stopListening := context.WithCancel(ctx)
	defer stopListening()
	listening := make(chan struct{})
	go a.listenForChanges(listenCtx, listening)
	// Serve once this replica hears the others' changes: a browser's event
	// stream opened before would miss a change made meanwhile on another
	// replica (its catch-up event is sent at once, the change comes later).
	// The listeners are bound already, so requests wait meanwhile instead of
	// being refused. Should the LISTEN take long, serve anyway: it goes on
	// trying, and pages catch up with every change once it is in place.
	select {
	case <-listening:
	case <-ctx.Done():
	case <-time.After(listenWait):
		a.Log.Warn("not yet listening for other replicas' changes; serving anyway", "waited", listenWait)
	}
	errc := make(chan error, len(a.servers))
	for _, s := range a.servers {
		go func() {
			if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	a.Log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	for _, s := range a.servers {
		_ = s.srv.Shutdown(shutCtx)
	}
	if stopErr := a.Queue.Stop(shutCtx); stopErr != nil {
		a.Log.Warn("job queue did not stop cleanly; unfinished jobs resume on the next start", "err", stopErr)
	}
	a.close()
	return err
}

func (a *App) close() {
	for _, ln := range a.lns {
		ln.Close()
	}
	for i := len(a.closers) - 1; i >= 0; i-- {
		if err := a.closers[i](); err != nil {
			a.Log.Warn("close", "err", err)
		}
	}
	a.closers = nil
}

func orURL(public string, ln net.Listener) string {
	if public != "" {
		return trimSlash(public)
	}
	return "http://" + ln.Addr().String()
}

func trimSlash(s string) string {
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}

func isHTTPS(u string) bool { return len(u) > 8 && u[:8] == "https://" }
