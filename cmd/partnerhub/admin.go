package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"partnerhub/internal/config"
	"partnerhub/internal/customer"
	"partnerhub/internal/hub"
	"partnerhub/internal/store"
)

// openHub opens the store for an admin command, without listeners or jobs.
// It does not create a data directory: only serve (and migrate up) do.
func openHub(ctx context.Context, cfg config.Config) (*hub.Service, func(), error) {
	if err := requireData(cfg); err != nil {
		return nil, nil, err
	}
	st, err := store.Open(ctx, store.Options{DataDir: cfg.DataDir, DatabaseURL: cfg.DatabaseURL})
	if err != nil {
		return nil, nil, err
	}
	return &hub.Service{Store: st}, func() { st.Close() }, nil
}

// requireData refuses a SQLite data directory without a hub database in it,
// before anything is opened: a mistyped --data-dir would otherwise be
// created, with an empty database that the command then reports on or
// writes into.
func requireData(cfg config.Config) error {
	if cfg.DatabaseURL != "" {
		return nil
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, "hub.db")); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("no partnerhub data in %s: start 'partnerhub serve --data-dir %s' first, or check --data-dir", cfg.DataDir, cfg.DataDir)
	}
	return nil
}

func tokenCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var email, name, role string
	cfg, err := config.Load(fs, args, func(fs *flag.FlagSet, c *config.Config) {
		config.StoreFlags(fs, c)
		fs.StringVar(&email, "email", "", "the user the token acts as (required)")
		fs.StringVar(&name, "name", "cli", "a name to recognise the token by")
		fs.StringVar(&role, "role", "", "narrow the token to admin, technician or viewer; never more than the user's own role (default: the user's role)")
	})
	if err != nil {
		return err
	}
	if email == "" {
		return errors.New("--email is required")
	}
	h, done, err := openHub(ctx, cfg)
	if err != nil {
		return err
	}
	defer done()
	token, err := h.IssueAPIToken(ctx, email, name, role)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, token)
	return nil
}

func partnerCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("partner create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var name, email string
	cfg, err := config.Load(fs, args, func(fs *flag.FlagSet, c *config.Config) {
		config.StoreFlags(fs, c)
		fs.StringVar(&name, "name", "", "the partner organisation's name (required)")
		fs.StringVar(&email, "admin-email", "", "its first admin's email (required)")
	})
	if err != nil {
		return err
	}
	name, email = strings.TrimSpace(name), strings.TrimSpace(email)
	if name == "" || email == "" {
		return errors.New("--name and --admin-email are required")
	}
	// The web UI's rules: a partner's name is a company name (markup is
	// only text, control and invisible characters are refused).
	if msg := customer.CheckCompanyName(name); msg != "" {
		return fmt.Errorf("--name: %s", msg)
	}
	if !customer.ValidEmail(email) {
		return fmt.Errorf("--admin-email %q: enter a valid email address, like name@example.com", email)
	}
	h, done, err := openHub(ctx, cfg)
	if err != nil {
		return err
	}
	defer done()
	password, err := h.CreatePartner(ctx, name, email)
	if errors.Is(err, store.ErrEmailTaken) {
		return fmt.Errorf("a user with the email %s exists already", email)
	}
	if err != nil {
		return err
	}
	slog.Debug("partner created", "name", name)
	fmt.Fprintln(stdout, password)
	return nil
}

// userResetPassword is the operator's break-glass: a partner's last admin
// lost their password, or the identity provider is down. It prints a new
// one-time password; the user's sessions end, and they choose their own
// at the next sign-in.
func userResetPassword(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("user reset-password", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var email string
	cfg, err := config.Load(fs, args, func(fs *flag.FlagSet, c *config.Config) {
		config.StoreFlags(fs, c)
		fs.StringVar(&email, "email", "", "the user's email (required)")
	})
	if err != nil {
		return err
	}
	if strings.TrimSpace(email) == "" {
		return errors.New("--email is required")
	}
	h, done, err := openHub(ctx, cfg)
	if err != nil {
		return err
	}
	defer done()
	password, err := h.ResetPasswordByEmail(ctx, email)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, password)
	return nil
}

// auditPrune deletes audit entries older than --older-than, for operators
// who must not keep them forever; the hub refuses anything under 365 days.
func auditPrune(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit prune", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var olderThan time.Duration
	cfg, err := config.Load(fs, args, func(fs *flag.FlagSet, c *config.Config) {
		config.StoreFlags(fs, c)
		fs.DurationVar(&olderThan, "older-than", 0, "delete entries older than this, at least 8760h (365 days) (required)")
	})
	if err != nil {
		return err
	}
	h, done, err := openHub(ctx, cfg)
	if err != nil {
		return err
	}
	defer done()
	n, err := h.Store.PruneAudit(ctx, time.Now().Add(-olderThan))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d audit entries deleted\n", n)
	return nil
}
