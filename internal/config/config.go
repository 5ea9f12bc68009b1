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
	// MetricsAddr serves /metrics (and the /healthz and /readyz probes) for
	// the operator's Prometheus, apart from the hub so that partners never
	// reach it: the counts span every partner. MetricsOff turns it off.
	MetricsAddr string `env:"PARTNERHUB_METRICS_ADDR"`
	DataDir     string `env:"PARTNERHUB_DATA_DIR"`
	DatabaseURL string `env:"PARTNERHUB_DATABASE_URL"`
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
	// RescueAfter is how long a job may look running before River's rescuer
	// hands it to another process: the fallback. A crashed single process
	// resumes at once; on PostgreSQL a dead replica's jobs are taken over
	// within seconds through its liveness lock (see internal/deploy).
	RescueAfter time.Duration `env:"PARTNERHUB_RESCUE_AFTER"`

	// OIDC: partner users sign in with their identity provider when
	// OIDCIssuer is set; local accounts (break-glass) keep working. An
	// issuer with {tenantid} in it (Entra ID's multi-tenant endpoint)
	// accepts any tenant's token whose iss matches the template with its
	// own tid; which tenants may sign in is each partner's setting.
	OIDCIssuer string `env:"PARTNERHUB_OIDC_ISSUER"`
	// OIDCDiscoveryURL is where the discovery document is; empty means the
	// issuer (for a {tenantid} issuer: with "organizations" in its place).
	OIDCDiscoveryURL string `env:"PARTNERHUB_OIDC_DISCOVERY_URL"`
	OIDCClientID     string `env:"PARTNERHUB_OIDC_CLIENT_ID"`
	OIDCClientSecret string `env:"PARTNERHUB_OIDC_CLIENT_SECRET"`
	// OIDCRedirectURL defaults to <public URL>/signin/oidc/callback.
	OIDCRedirectURL string `env:"PARTNERHUB_OIDC_REDIRECT_URL"`
	// OIDCName is the provider's name on the sign-in button.
	OIDCName string `env:"PARTNERHUB_OIDC_NAME"`
	// TrustProxy believes X-Forwarded-For for the client address: set it
	// only when the hub is reachable through a proxy that sets the header.
	TrustProxy bool `env:"PARTNERHUB_TRUST_PROXY"`
	// SessionIdle ends a browser session unused this long; SessionMax ends
	// it this long after sign-in however busy it is.
	SessionIdle time.Duration `env:"PARTNERHUB_SESSION_IDLE"`
	SessionMax  time.Duration `env:"PARTNERHUB_SESSION_MAX"`
}

// Defaults is the zero-configuration setup: everything on loopback, SQLite in ./data.
func Defaults() Config {
	return Config{
		Addr: "127.0.0.1:8080", ConsoleAddr: "127.0.0.1:8081", PartnerSystemAddr: "127.0.0.1:8082", MetricsAddr: "127.0.0.1:8083",
		DataDir: "./data", AdminEmail: "admin@partner.example", PartnerName: "My partner organisation",
		LogLevel: "info", Workers: 10, DatabaseMaxConns: 16, ReconcileEvery: time.Minute,
		RetryBase: 500 * time.Millisecond, RetryMax: 30 * time.Second, PartnerSystemTimeout: 10 * time.Second,
		RescueAfter: 30 * time.Second, SessionIdle: 30 * time.Minute, SessionMax: 12 * time.Hour,
	}
}

// MetricsOff is the --metrics-addr that turns the metrics listener off (an
// empty flag does too; an empty environment variable keeps the default).
const MetricsOff = "off"

// MetricsEnabled reports whether the metrics listener runs.
func (c Config) MetricsEnabled() bool { return c.MetricsAddr != "" && c.MetricsAddr != MetricsOff }

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
	fs.StringVar(&c.MetricsAddr, "metrics-addr", c.MetricsAddr, "Prometheus /metrics listen address, for operators only; off turns it off (env PARTNERHUB_METRICS_ADDR)")
	fs.StringVar(&c.PartnerSystemURL, "partner-system-url", c.PartnerSystemURL, "use the partner system at this URL instead of the embedded one (env PARTNERHUB_PARTNER_SYSTEM_URL)")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "URL browsers use for the hub (env PARTNERHUB_PUBLIC_URL)")
	fs.StringVar(&c.ConsolePublicURL, "console-public-url", c.ConsolePublicURL, "URL browsers use for the consoles (env PARTNERHUB_CONSOLE_PUBLIC_URL)")
	fs.StringVar(&c.AdminEmail, "admin-email", c.AdminEmail, "email of the first admin created on an empty data directory (env PARTNERHUB_ADMIN_EMAIL)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (env PARTNERHUB_LOG_LEVEL)")
	fs.IntVar(&c.Workers, "workers", c.Workers, "background jobs run at once by this process (env PARTNERHUB_WORKERS)")
	fs.IntVar(&c.ConsoleVersion, "console-version", c.ConsoleVersion, "console schema version new customers get; 0 is the newest (env PARTNERHUB_CONSOLE_VERSION)")
	fs.DurationVar(&c.ReconcileEvery, "reconcile-every", c.ReconcileEvery, "how often ready customers are checked for drift (env PARTNERHUB_RECONCILE_EVERY)")
	fs.StringVar(&c.OIDCIssuer, "oidc-issuer", c.OIDCIssuer, "OIDC issuer URL; {tenantid} in it for Entra ID multi-tenant (env PARTNERHUB_OIDC_ISSUER; the client secret is env PARTNERHUB_OIDC_CLIENT_SECRET only)")
	fs.StringVar(&c.OIDCDiscoveryURL, "oidc-discovery-url", c.OIDCDiscoveryURL, "where the OIDC discovery document is, when not at the issuer (env PARTNERHUB_OIDC_DISCOVERY_URL)")
	fs.StringVar(&c.OIDCClientID, "oidc-client-id", c.OIDCClientID, "OIDC client id (env PARTNERHUB_OIDC_CLIENT_ID)")
	fs.StringVar(&c.OIDCRedirectURL, "oidc-redirect-url", c.OIDCRedirectURL, "OIDC redirect URL; default <public URL>/signin/oidc/callback (env PARTNERHUB_OIDC_REDIRECT_URL)")
	fs.StringVar(&c.OIDCName, "oidc-name", c.OIDCName, "the identity provider's name on the sign-in button (env PARTNERHUB_OIDC_NAME)")
	fs.BoolVar(&c.TrustProxy, "trust-proxy", c.TrustProxy, "take the client address from X-Forwarded-For (only behind a proxy that sets it) (env PARTNERHUB_TRUST_PROXY)")
	fs.DurationVar(&c.SessionIdle, "session-idle", c.SessionIdle, "sign a browser out after this long unused (env PARTNERHUB_SESSION_IDLE)")
	fs.DurationVar(&c.SessionMax, "session-max", c.SessionMax, "sign a browser out this long after sign-in (env PARTNERHUB_SESSION_MAX)")
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
	addrs := map[string]string{"addr": c.Addr, "console-addr": c.ConsoleAddr, "partner-system-addr": c.PartnerSystemAddr}
	if c.MetricsEnabled() {
		addrs["metrics-addr"] = c.MetricsAddr
	}
	for name, a := range addrs {
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
	errs = append(errs, c.validateAuth()...)
	if c.Workers < 1 || c.Workers > 1000 {
		errs = append(errs, errors.New("--workers must be between 1 and 1000"))
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.LogLevel)); err != nil {
		errs = append(errs, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel))
	}
	return errors.Join(errs...)
}

// OIDCEnabled reports whether an identity provider is configured.
func (c Config) OIDCEnabled() bool { return c.OIDCIssuer != "" || c.OIDCClientID != "" }

func (c Config) validateAuth() []error {
	var errs []error
	if c.OIDCEnabled() {
		if c.OIDCIssuer == "" || c.OIDCClientID == "" {
			errs = append(errs, errors.New("OIDC needs both --oidc-issuer and --oidc-client-id (PARTNERHUB_OIDC_ISSUER, PARTNERHUB_OIDC_CLIENT_ID)"))
		}
		for name, u := range map[string]string{"oidc-issuer": c.OIDCIssuer, "oidc-redirect-url": c.OIDCRedirectURL, "oidc-discovery-url": c.OIDCDiscoveryURL} {
			if u == "" {
				continue
			}
			if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
				errs = append(errs, fmt.Errorf("--%s %q: want an http(s) URL", name, u))
			}
		}
	}
	if c.SessionIdle < time.Minute || c.SessionIdle > 24*time.Hour {
		errs = append(errs, errors.New("--session-idle must be between 1m and 24h"))
	}
	if c.SessionMax < c.SessionIdle || c.SessionMax > 30*24*time.Hour {
		errs = append(errs, errors.New("--session-max must be at least --session-idle and at most 720h"))
	}
	return errs
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
		slog.String("partner_system_addr", c.PartnerSystemAddr), slog.String("metrics_addr", c.MetricsAddr),
		slog.String("data_dir", c.DataDir),
		slog.String("database_url", db), slog.String("partner_system_key", mask(c.PartnerSystemKey)),
		slog.String("partner_system_url", c.PartnerSystemURL), slog.String("public_url", c.PublicURL),
		slog.String("console_public_url", c.ConsolePublicURL), slog.Int("workers", c.Workers),
		slog.String("oidc_issuer", c.OIDCIssuer), slog.String("oidc_client_id", c.OIDCClientID),
		slog.String("oidc_client_secret", mask(c.OIDCClientSecret)), slog.String("oidc_redirect_url", c.OIDCRedirectURL),
		slog.Bool("trust_proxy", c.TrustProxy), slog.Duration("session_idle", c.SessionIdle), slog.Duration("session_max", c.SessionMax),
	)
}
