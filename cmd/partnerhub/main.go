// Command partnerhub runs the partner portal (serve) and its admin tasks.
// main only wires; each subcommand's run function does the work.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

const usage = `partnerhub — the partner portal

Usage:
  partnerhub serve [flags]                     run the hub, the customer consoles and the partner system
  partnerhub migrate [up|status]               migrate the database (or show where it stands) before rolling out
  partnerhub token create --email EMAIL [--role ROLE]
                                               print a new API token for a user (narrowed to ROLE)
  partnerhub partner create --name NAME --admin-email EMAIL
                                               create a partner and print its admin's one-time password
  partnerhub user reset-password --email EMAIL
                                               give a user a new one-time password (break-glass: a lost
                                               admin password, the identity provider down); ends their sessions
  partnerhub audit prune --older-than DURATION delete audit entries older than DURATION (at least 365 days)

Every command takes --data-dir DIR or --database-url postgres://… (or
PARTNERHUB_DATA_DIR / PARTNERHUB_DATABASE_URL) to find the data, as serve does.
Run 'partnerhub COMMAND -h' for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "partnerhub:", err)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("name a command")
	}
	switch cmd, rest := args[0], args[1:]; {
	case cmd == "serve":
		return serve(ctx, rest, stdout, stderr)
	case cmd == "migrate":
		return migrate(ctx, rest, stdout, stderr)
	case cmd == "token" && len(rest) > 0 && rest[0] == "create":
		return tokenCreate(ctx, rest[1:], stdout, stderr)
	case cmd == "partner" && len(rest) > 0 && rest[0] == "create":
		return partnerCreate(ctx, rest[1:], stdout, stderr)
	case cmd == "user" && len(rest) > 0 && rest[0] == "reset-password":
		return userResetPassword(ctx, rest[1:], stdout, stderr)
	case cmd == "audit" && len(rest) > 0 && rest[0] == "prune":
		return auditPrune(ctx, rest[1:], stdout, stderr)
	case cmd == "help" || cmd == "-h" || cmd == "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}
