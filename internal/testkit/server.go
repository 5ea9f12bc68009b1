// Package testkit starts real partnerhub servers for tests: real SQLite in a
// temporary directory, real listeners on free ports, a real job queue.
package testkit

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"testing"
	"time"

	"partnerhub/internal/app"
	"partnerhub/internal/config"
)

// Server is a running partnerhub with a signed-up admin and an API token.
type Server struct {
	App           *app.App
	DataDir       string
	AdminEmail    string
	AdminPassword string
	Token         string
	HTTP          *http.Client
}

// Start runs a partnerhub on free loopback ports until the test ends.
// mutate, when given, adjusts the configuration first.
func Start(t testing.TB, mutate ...func(*config.Config)) *Server {
	t.Helper()
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.Addr, cfg.ConsoleAddr, cfg.PartnerSystemAddr, cfg.MetricsAddr = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	cfg.LogLevel = "warn"
	for _, m := range mutate {
		m(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.Level()}))
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		cancel()
		t.Fatalf("open app: %v", err)
	}
	s := &Server{App: a, DataDir: cfg.DataDir, AdminEmail: cfg.AdminEmail, HTTP: &http.Client{Timeout: 30 * time.Second}}
	_, s.AdminPassword, err = a.Hub.Bootstrap(ctx, "Test partner", cfg.AdminEmail)
	if err != nil {
		cancel()
		t.Fatalf("bootstrap: %v", err)
	}
	if s.Token, err = a.Hub.CreateAPIToken(ctx, cfg.AdminEmail, "test"); err != nil {
		cancel()
		t.Fatalf("token: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("server stopped with: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("server did not stop within 30s")
		}
	})
	return s
}

// Do sends an API request with the admin's token (or token, when given) and
// returns the status and body.
func (s *Server) Do(t testing.TB, method, path string, body any, token ...string) (int, []byte) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = bytes.NewBufferString(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, s.App.HubURL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	tok := s.Token
	if len(token) > 0 {
		tok = token[0]
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.HTTP.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, data
}

// Customer is the part of the API's customer that tests look at.
type Customer struct {
	ID           string `json:"id"`
	Type         string `json:"type"`
	CompanyName  string `json:"companyName"`
	ShortName    string `json:"shortName"`
	Status       string `json:"status"`
	StatusLabel  string `json:"statusLabel"`
	StatusReason string `json:"statusReason"`
	StatusStep   string `json:"statusStep"`
	ConsoleURL   string `json:"consoleUrl"`
	// ConsoleVersion, Action and DemoExpiresAt come with the actions.
	ConsoleVersion int        `json:"consoleVersion"`
	Action         string     `json:"action"`
	DemoExpiresAt  *time.Time `json:"demoExpiresAt"`
}

// WaitStatus polls the API until the customer has status want (or, for
// "gone", is not found), failing the test after timeout.
func (s *Server) WaitStatus(t testing.TB, id, want string, timeout time.Duration) Customer {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last Customer
	for time.Now().Before(deadline) {
		code, body := s.Do(t, "GET", "/api/v1/customers/"+id, nil)
		if want == "gone" && code == http.StatusNotFound {
			return last
		}
		if code == http.StatusOK {
			last = Customer{}
			if err := json.Unmarshal(body, &last); err != nil {
				t.Fatalf("decode customer: %v", err)
			}
			if last.Status == want {
				return last
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("customer %s did not become %s within %s; last: %+v", id, want, timeout, last)
	return last
}
