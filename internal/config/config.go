// Package config is partnerhub's one configuration: defaults that run with
// nothing set, environment variables, then flags, validated once.
package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Config is every setting of partnerhub. Flags win over the environment,
// which wins over the defaults.
type Config struct {
	Addr              string `env:"PARTNERHUB_ADDR"`
	ConsoleAddr       string `env:"PARTNERHUB_CONSOLE_ADDR"`
	PartnerSystemAddr string `env:"PARTNERHUB_PARTNER_SYSTEM_ADDR"`
	DataDir           string `env:"PARTNERHUB_DATA_DIR"`
	DatabaseURL       string `env:"PARTNERHUB_DATABASE_URL"`
	// DatabaseMaxConns bounds the hub's PostgreSQL pool in this process;
	// each replica also holds up to 8 for customer schemas, 4 for the
	// partner system and 1 listening for changes.
	DatabaseMaxConns int `env:"PARTNERHUB_DATABASE_MAX_CONNS"`
	// PartnerSystemKey protects the partner system's API; generated and kept
	// in the data directory when unset.
	PartnerSystemKey string `env:"PARTNERHUB_PARTNER_SYSTEM_KEY"`
	// PartnerSystemURL points the hub at a partner system elsewhere; empty
	// means the embedded one on PartnerSystemAddr.
	PartnerSystemURL string `env:"PARTNERHUB_PARTNER_SYSTEM_URL"`
	// PublicURL and ConsolePublicURL are how browsers reach the hub and the
	// consoles (behind a proxy, say); empty means the listen addresses.
	PublicURL        string `env:"PARTNERHUB_PUBLIC_URL"`
	ConsolePublicURL string `env:"PARTNERHUB_CONSOLE_PUBLIC_URL"`
	AdminEmail       string `env:"PARTNERHUB_ADMIN_EMAIL"`
	PartnerName      string `env:"PARTNERHUB_PARTNER_NAME"`
	LogLevel         string `env:"PARTNERHUB_LOG_LEVEL"`
	Workers          int    `env:"PARTNERHUB_WORKERS"`
	// ConsoleVersion pins the console schema version new customers get (0:
	// the newest), to roll a new console out gradually.
	ConsoleVersion int `env:"PARTNERHUB_CONSOLE_VERSION"`
	// ReconcileEvery is how often ready customers are checked for drift.
	ReconcileEvery time.Duration `env:"PARTNERHUB_RECONCILE_EVERY"`
	// Retry tuning of failing steps: exponential backoff with jitter between
	// RetryBase and RetryMax, 8 attempts.
	RetryBase time.Duration `env:"PARTNERHUB_RETRY_BASE"`
	RetryMax  time.Duration `env:"PARTNERHUB_RETRY_MAX"`
	// PartnerSystemTimeout bounds one call to the partner system.
	PartnerSystemTimeout time.Duration `env:"PARTNERHUB_PARTNER_SYSTEM_TIMEOUT"`
	// RescueAfter is how long a job may look running before another process
	// (a replica) takes it over; a crashed single process resumes at once.
	RescueAfter time.Duration `env:"PARTNERHUB_RESCUE_AFTER"`
}

// Defaults is the zero-configuration setup: everything on loopback, SQLite in ./data.
func Defaults() Config {
	return Config{
		Addr: "127.0.0.1:8080", ConsoleAddr: "127.0.0.1:8081", PartnerSystemAddr: "127.0.0.1:8082",
		DataDir: "./data", AdminEmail: "admin@partner.example", PartnerName: "My partner organisation",
		LogLevel: "info", Workers: 10, DatabaseMaxConns: 16, ReconcileEvery: time.Minute,
		RetryBase: 500 * time.Millisecond, RetryMax: 30 * time.Second, PartnerSystemTimeout: 10 * time.Second,
		RescueAfter: 30 * time.Second,
	}
}

// Load reads the environment, then parses args with fs. Only the flags a
// subcommand registers with Flags are accepted.
func Load(fs *flag.FlagSet, args []string, register func(fs *flag.FlagSet, c *Config)) (Config, error) {
	c := Defaults()
	if err := env.Parse(&c); err != nil {
		return c, fmt.Errorf("environment: %w", err)
	}
	register(fs, &c)
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	return c, c.Validate()
}

// ServeFlags registers the flags of `partnerhub serve`.
func ServeFlags(fs *flag.FlagSet, c *Config) {
	StoreFlags(fs, c)
	fs.StringVar(&c.Addr, "addr", c.Addr, "hub listen address (env PARTNERHUB_ADDR)")
	fs.StringVar(&c.ConsoleAddr, "console-addr", c.ConsoleAddr, "customer consoles listen address (env PARTNERHUB_CONSOLE_ADDR)")
	fs.StringVar(&c.PartnerSystemAddr, "partner-system-addr", c.PartnerSystemAddr, "partner system listen address (env PARTNERHUB_PARTNER_SYSTEM_ADDR)")
	fs.StringVar(&c.PartnerSystemURL, "partner-system-url", c.PartnerSystemURL, "use the partner system at this URL instead of the embedded one (env PARTNERHUB_PARTNER_SYSTEM_URL)")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "URL browsers use for the hub (env PARTNERHUB_PUBLIC_URL)")
	fs.StringVar(&c.ConsolePublicURL, "console-public-url", c.ConsolePublicURL, "URL browsers use for the consoles (env PARTNERHUB_CONSOLE_PUBLIC_URL)")
	fs.StringVar(&c.AdminEmail, "admin-email", c.AdminEmail, "email of the first admin created on an empty data directory (env PARTNERHUB_ADMIN_EMAIL)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (env PARTNERHUB_LOG_LEVEL)")
	fs.IntVar(&c.Workers, "workers", c.Workers, "background jobs run at once by this process (env PARTNERHUB_WORKERS)")
	fs.IntVar(&c.ConsoleVersion, "console-version", c.ConsoleVersion, "console schema version new customers get; 0 is the newest (env PARTNERHUB_CONSOLE_VERSION)")
	fs.DurationVar(&c.ReconcileEvery, "reconcile-every", c.ReconcileEvery, "how often ready customers are checked for drift (env PARTNERHUB_RECONCILE_EVERY)")
}

// StoreFlags registers the flags every subcommand that opens the data takes.
func StoreFlags(fs *flag.FlagSet, c *Config) {
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "data directory (env PARTNERHUB_DATA_DIR)")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "postgres:// URL; SQLite in the data directory when empty (env PARTNERHUB_DATABASE_URL)")
	fs.IntVar(&c.DatabaseMaxConns, "database-max-conns", c.DatabaseMaxConns, "PostgreSQL connections of the hub's pool in this process (env PARTNERHUB_DATABASE_MAX_CONNS)")
}

// Validate checks the settings together.
func (c Config) Validate() error {
	var errs []error
	for name, a := range map[string]string{"addr": c.Addr, "console-addr": c.ConsoleAddr, "partner-system-addr": c.PartnerSystemAddr} {
		if _, _, err := net.SplitHostPort(a); err != nil {
			errs = append(errs, fmt.Errorf("--%s %q: want host:port", name, a))
		}
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("--data-dir must not be empty"))
	}
	if c.DatabaseMaxConns < 2 || c.DatabaseMaxConns > 500 {
		errs = append(errs, errors.New("--database-max-conns must be between 2 and 500"))
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		errs = append(errs, errors.New("--database-url must be a postgres:// URL"))
	}
	for name, u := range map[string]string{"partner-system-url": c.PartnerSystemURL, "public-url": c.PublicURL, "console-public-url": c.ConsolePublicURL} {
		if u == "" {
			continue
		}
		if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			errs = append(errs, fmt.Errorf("--%s %q: want an http(s) URL", name, u))
		}
	}
	if c.ConsoleVersion < 0 || c.ConsoleVersion > 2 {
		errs = append(errs, errors.New("--console-version must be 0 (newest), 1 or 2"))
	}
	for name, d := range map[string]time.Duration{"reconcile-every": c.ReconcileEvery, "PARTNERHUB_RETRY_BASE": c.RetryBase,
		"PARTNERHUB_RETRY_MAX": c.RetryMax, "PARTNERHUB_PARTNER_SYSTEM_TIMEOUT": c.PartnerSystemTimeout, "PARTNERHUB_RESCUE_AFTER": c.RescueAfter} {
		if d < time.Millisecond || d > 24*time.Hour {
			errs = append(errs, fmt.Errorf("%s must be between 1ms and 24h", name))
		}
	}
	if c.Workers < 1 || c.Workers > 1000 {
		errs = append(errs, errors.New("--workers must be between 1 and 1000"))
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.LogLevel)); err != nil {
		errs = append(errs, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel))
	}
	return errors.Join(errs...)
}

// Level is the log level.
func (c Config) Level() slog.Level {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.LogLevel))
	return lvl
}

// LogValue masks secrets, so the config can be logged at start.
func (c Config) LogValue() slog.Value {
	mask := func(s string) string {
		if s == "" {
			return ""
		}
		return "********"
	}
	db := c.DatabaseURL
	if u, err := url.Parse(db); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "********")
			db = u.String()
		}
	}
	return slog.GroupValue(
		slog.String("addr", c.Addr), slog.String("console_addr", c.ConsoleAddr),
		slog.String("partner_system_addr", c.PartnerSystemAddr), slog.String("data_dir", c.DataDir),
		slog.String("database_url", db), slog.String("partner_system_key", mask(c.PartnerSystemKey)),
		slog.String("partner_system_url", c.PartnerSystemURL), slog.String("public_url", c.PublicURL),
		slog.String("console_public_url", c.ConsolePublicURL), slog.Int("workers", c.Workers),
	)
}
