package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"partnerhub/internal/app"
	"partnerhub/internal/config"
)

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, err := config.Load(fs, args, config.ServeFlags)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.Level())
	log.Info("starting partnerhub", "config", cfg)
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	created, password, err := a.Hub.Bootstrap(ctx, cfg.PartnerName, cfg.AdminEmail)
	if err != nil {
		return fmt.Errorf("create the first partner: %w", err)
	}
	metricsURL := a.MetricsURL
	if metricsURL == "" {
		metricsURL = "off"
	}
	fmt.Fprintf(stdout, "partnerhub is running\n  hub:            %s\n  consoles:       %s\n  partner system: %s\n  metrics:        %s\n",
		a.HubURL, a.ConsoleURL, a.PartnerSystemURL, metricsURL)
	if created {
		fmt.Fprintf(stdout, "\nA partner organisation and its first admin were created. Sign in at\n  %s/signin\n  email:    %s\n  password: %s   (one-time, shown only now: you choose your own at the first sign-in)\n\n",
			a.HubURL, cfg.AdminEmail, password)
	}
	fmt.Fprintln(stdout, "Press Ctrl-C to stop.")
	return a.Run(ctx)
}
