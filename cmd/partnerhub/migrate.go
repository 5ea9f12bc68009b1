package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"partnerhub/internal/app"
	"partnerhub/internal/config"
)

// migrate runs `partnerhub migrate [up|status]`: up applies every pending
// migration (hub, job queue, partner system) under the migration lock, so
// operators can migrate before rolling new replicas out; status only reads.
// Both print where each part stands.
func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub := "up"
	if len(args) > 0 && (args[0] == "up" || args[0] == "status") {
		sub, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("migrate "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: partnerhub migrate [up|status] [--data-dir DIR] [--database-url URL]")
		fs.PrintDefaults()
	}
	cfg, err := config.Load(fs, args, config.StoreFlags)
	if err != nil {
		return err
	}
	var r app.MigrationReport
	if sub == "up" {
		r, err = app.Migrate(ctx, cfg)
	} else if err = requireData(cfg); err == nil { // status only reads: it creates no data directory
		r, err = app.MigrationStatus(ctx, cfg)
	}
	if err != nil {
		return err
	}
	printReport(stdout, r)
	if sub == "status" && r.Pending() {
		return errors.New("migrations are pending: run partnerhub migrate up")
	}
	return nil
}

func printReport(w io.Writer, r app.MigrationReport) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "engine:\t%s\n", r.Engine)
	for _, m := range r.Hub {
		state := "pending"
		if m.Applied {
			state = "applied " + m.At.UTC().Format("2006-01-02 15:04:05Z")
		}
		fmt.Fprintf(tw, "hub %05d\t%s\t%s\n", m.Version, m.Name, state)
	}
	queue := "up to date"
	if r.QueueVersion < r.QueueLatest {
		queue = "pending"
	}
	fmt.Fprintf(tw, "job queue\tversion %d of %d\t%s\n", r.QueueVersion, r.QueueLatest, queue)
	ps := "up to date"
	if !r.PartnerSystemReady {
		ps = "pending"
	}
	fmt.Fprintf(tw, "partner system\tps_accounts\t%s\n", ps)
	tw.Flush()
}
