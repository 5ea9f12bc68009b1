package config

import (
	"bytes"
	"flag"
	"io"
	"log/slog"
	"strings"
	"testing"
)

func load(t *testing.T, env map[string]string, args ...string) (Config, error) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return Load(fs, args, ServeFlags)
}

func TestOIDCSettings(t *testing.T) {
	for _, c := range []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr string
	}{
		{name: "none: local accounts only"},
		{name: "tenant-specific", env: map[string]string{
			"PARTNERHUB_OIDC_ISSUER": "https://login.microsoftonline.com/0b2f/v2.0", "PARTNERHUB_OIDC_CLIENT_ID": "app",
			"PARTNERHUB_OIDC_CLIENT_SECRET": "s3cret", "PARTNERHUB_OIDC_REDIRECT_URL": "https://hub.example/signin/oidc/callback"}},
		{name: "multi-tenant by flag", args: []string{"--oidc-issuer", "https://login.microsoftonline.com/{tenantid}/v2.0", "--oidc-client-id", "app"}},
		{name: "issuer without client", env: map[string]string{"PARTNERHUB_OIDC_ISSUER": "https://idp.example"}, wantErr: "needs both"},
		{name: "not a URL", args: []string{"--oidc-issuer", "idp.example", "--oidc-client-id", "x"}, wantErr: "--oidc-issuer"},
		{name: "idle longer than max", args: []string{"--session-idle", "2h", "--session-max", "1h"}, wantErr: "--session-max"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := load(t, c.env, c.args...)
			if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
				t.Fatalf("err = %v, want %q", err, c.wantErr)
			}
			if c.wantErr == "" && cfg.OIDCEnabled() != (c.env != nil || c.args != nil) {
				t.Errorf("OIDCEnabled = %v", cfg.OIDCEnabled())
			}
		})
	}
}

// TestSecretsMasked logs the configuration the way serve does and checks
// that no secret reaches the log.
func TestSecretsMasked(t *testing.T) {
	cfg, err := load(t, map[string]string{
		"PARTNERHUB_OIDC_ISSUER": "https://idp.example", "PARTNERHUB_OIDC_CLIENT_ID": "app",
		"PARTNERHUB_OIDC_CLIENT_SECRET": "oidc-s3cret", "PARTNERHUB_PARTNER_SYSTEM_KEY": "ps-s3cret",
	})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("starting", "config", cfg)
	out := buf.String()
	if strings.Contains(out, "s3cret") || !strings.Contains(out, "oidc_client_secret=********") || !strings.Contains(out, "oidc_client_id=app") {
		t.Fatalf("log: %s", out)
	}
}

// TestMetricsAddr: the metrics listener is on by default at loopback, moves
// with the flag or the environment (the flag wins), and is turned off with
// "off" (or an empty flag).
func TestMetricsAddr(t *testing.T) {
	for _, c := range []struct {
		name    string
		env     map[string]string
		args    []string
		want    string
		on      bool
		wantErr string
	}{
		{name: "default", want: "127.0.0.1:8083", on: true},
		{name: "environment", env: map[string]string{"PARTNERHUB_METRICS_ADDR": "0.0.0.0:9100"}, want: "0.0.0.0:9100", on: true},
		{name: "flag wins", env: map[string]string{"PARTNERHUB_METRICS_ADDR": "0.0.0.0:9100"}, args: []string{"--metrics-addr", "127.0.0.1:0"}, want: "127.0.0.1:0", on: true},
		{name: "off by environment", env: map[string]string{"PARTNERHUB_METRICS_ADDR": "off"}, want: "off"},
		{name: "off by flag", args: []string{"--metrics-addr", "off"}, want: "off"},
		{name: "empty flag", args: []string{"--metrics-addr="}, want: ""},
		{name: "empty environment keeps the default", env: map[string]string{"PARTNERHUB_METRICS_ADDR": ""}, want: "127.0.0.1:8083", on: true},
		{name: "not host:port", args: []string{"--metrics-addr", "8083"}, wantErr: "--metrics-addr"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := load(t, c.env, c.args...)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.MetricsAddr != c.want || cfg.MetricsEnabled() != c.on {
				t.Errorf("MetricsAddr = %q (enabled %v), want %q (enabled %v)", cfg.MetricsAddr, cfg.MetricsEnabled(), c.want, c.on)
			}
		})
	}
}
