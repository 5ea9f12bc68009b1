package partnersystem

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// newTestClient runs the real handler on a real listener and returns a
// client for it.
func newTestClient(t *testing.T) *Client {
	t.Helper()
	srv := httptest.NewServer(NewHandler(setup(t), testKey))
	t.Cleanup(srv.Close)
	return NewClient(srv.URL+"/", testKey)
}

func TestClientAgainstHandler(t *testing.T) {
	ctx := context.Background()
	c := newTestClient(t)

	p, err := c.EnsureAccount(ctx, partner("partner:1"))
	if err != nil {
		t.Fatalf("ensure partner: %v", err)
	}
	again, err := c.EnsureAccount(ctx, partner("partner:1"))
	if err != nil || again.ID != p.ID {
		t.Fatalf("ensure again: %+v, %v; want %s", again, err, p.ID)
	}
	cu, err := c.EnsureAccount(ctx, customer("customer:1", "partner:1"))
	if err != nil || cu.ParentAccountID != p.ID {
		t.Fatalf("ensure customer: %+v, %v", cu, err)
	}
	found, err := c.FindByExternalRef(ctx, "customer:1")
	if err != nil || found.ID != cu.ID || !found.CreatedAt.Equal(cu.CreatedAt) {
		t.Errorf("find: %+v, %v", found, err)
	}
	items, err := c.List(ctx, ListFilter{Kind: KindCustomer, ParentAccountID: p.ID})
	if err != nil || len(items) != 1 || items[0].ID != cu.ID {
		t.Errorf("list: %+v, %v", items, err)
	}
	renamed, err := c.Rename(ctx, cu.ID, "New name")
	if err != nil || renamed.Name != "New name" {
		t.Errorf("rename: %+v, %v", renamed, err)
	}
	for range 2 {
		closed, err := c.Close(ctx, cu.ID)
		if err != nil || closed.Status != StatusClosed {
			t.Errorf("close: %+v, %v", closed, err)
		}
	}
}

func TestClientErrors(t *testing.T) {
	ctx := context.Background()
	c := newTestClient(t)
	if _, err := c.EnsureAccount(ctx, partner("partner:1")); err != nil {
		t.Fatal(err)
	}
	wrongKey := *c
	wrongKey.APIKey = "nope"

	tests := []struct {
		name     string
		call     func() error
		wantIs   error
		wantMsg  string
		wantTemp bool
	}{
		{"not found by ref", func() error { _, err := c.FindByExternalRef(ctx, "customer:404"); return err }, ErrNotFound, "no such account", false},
		{"not found by id", func() error { _, err := c.Close(ctx, "acc_nope"); return err }, ErrNotFound, "404 Not Found", false},
		{"empty id", func() error { _, err := c.Rename(ctx, "", "X"); return err }, nil, "no account id", false},
		{"validation", func() error { _, err := c.EnsureAccount(ctx, customer("customer:1", "partner:404")); return err }, nil, "parentExternalRef", false},
		{"wrong key", func() error { _, err := wrongKey.List(ctx, ListFilter{}); return err }, nil, "partner system refused the API key", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil {
				t.Fatal("no error")
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("%v is not %v", err, tt.wantIs)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("message %q lacks %q", err, tt.wantMsg)
			}
			if IsTemporary(err) != tt.wantTemp {
				t.Errorf("IsTemporary(%v) = %v, want %v", err, !tt.wantTemp, tt.wantTemp)
			}
		})
	}
	_, err := c.EnsureAccount(ctx, CreateAccount{Kind: KindPartner, ExternalRef: "partner:2"})
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Fields["name"] == "" {
		t.Errorf("validation error not carried to the caller: %v", err)
	}
}

// TestClientFailingServer holds the client to readable, correctly classified
// errors for the answers a broken or busy partner system gives.
func TestClientFailingServer(t *testing.T) {
	tests := []struct {
		name     string
		handler  http.HandlerFunc
		wantMsg  string
		wantTemp bool
	}{
		{"503", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "7")
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		}, "partner system unavailable: 503 Service Unavailable", true},
		{"500 problem", func(w http.ResponseWriter, r *http.Request) {
			writeProblem(w, Problem{Status: 500, Detail: "The partner system could not complete the request."})
		}, "partner system failed: 500 Internal Server Error (The partner system could not complete the request.)", true},
		{"429", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "slow down", http.StatusTooManyRequests)
		}, "rate limiting", true},
		{"404 not ours", http.NotFound, "is the URL right?", false},
		{"200 not JSON", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("<html>login</html>"))
		}, "not the expected JSON", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			t.Cleanup(srv.Close)
			_, err := NewClient(srv.URL, testKey).List(context.Background(), ListFilter{})
			if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("err = %v, want it to say %q", err, tt.wantMsg)
			}
			if IsTemporary(err) != tt.wantTemp {
				t.Errorf("IsTemporary = %v, want %v", !tt.wantTemp, tt.wantTemp)
			}
			if errors.Is(err, ErrNotFound) {
				t.Errorf("%v must not read as ErrNotFound", err)
			}
		})
	}
}

func TestClientRetryAfter(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	_, err := NewClient(srv.URL, testKey).List(context.Background(), ListFilter{})
	var e *Error
	if !errors.As(err, &e) || e.RetryAfter != 7*time.Second || e.StatusCode != 503 {
		t.Errorf("err = %#v, want a 503 *Error with RetryAfter 7s", err)
	}
}

func TestClientClosedPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = NewClient("http://"+addr, testKey).EnsureAccount(context.Background(), partner("partner:1"))
	if err == nil || !strings.Contains(err.Error(), "partner system unreachable at http://"+addr) {
		t.Fatalf("err = %v, want it to say the partner system is unreachable", err)
	}
	if !IsTemporary(err) {
		t.Errorf("IsTemporary(%v) = false, want true", err)
	}
}

func TestClientTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })

	c := NewClient(srv.URL, testKey)
	c.HTTP.Timeout = 50 * time.Millisecond
	_, err := c.List(context.Background(), ListFilter{})
	if err == nil || !strings.Contains(err.Error(), "partner system did not answer within 50ms") || !IsTemporary(err) {
		t.Errorf("client timeout: err = %v, temporary %v", err, IsTemporary(err))
	}

	c.HTTP.Timeout = time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.List(ctx, ListFilter{})
	if err == nil || !strings.Contains(err.Error(), "before the caller's deadline") || !IsTemporary(err) {
		t.Errorf("caller deadline: err = %v, temporary %v", err, IsTemporary(err))
	}

	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	_, err = c.List(ctx, ListFilter{})
	if err == nil || !strings.Contains(err.Error(), "canceled") || IsTemporary(err) {
		t.Errorf("canceled: err = %v, temporary %v", err, IsTemporary(err))
	}
}

func TestIsTemporaryPlainErrors(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{ErrNotFound, false},
		{&ValidationError{Fields: map[string]string{"name": "x"}}, false},
		{context.Canceled, false},
		{context.DeadlineExceeded, true},
		{&net.OpError{Op: "dial", Err: errors.New("connection refused")}, true},
	}
	for _, tt := range tests {
		if got := IsTemporary(tt.err); got != tt.want {
			t.Errorf("IsTemporary(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// TestClientObserve: every call that goes out is reported once, with its
// operation and the outcome its answer (or its lack of one) calls for.
func TestClientObserve(t *testing.T) {
	status := func(code int) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(code)
			w.Write([]byte(`not json`))
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(hang.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := "http://" + ln.Addr().String()
	ln.Close()
	live := newTestClient(t)
	canceled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := []struct {
		name, url   string
		ctx         context.Context
		call        func(ctx context.Context, c *Client) error
		op, outcome string
	}{
		{"ok", live.BaseURL, context.Background(), func(ctx context.Context, c *Client) error {
			_, err := c.EnsureAccount(ctx, partner("partner:obs"))
			return err
		}, "ensure_account", "ok"},
		{"find answers empty", live.BaseURL, context.Background(), func(ctx context.Context, c *Client) error {
			_, err := c.FindByExternalRef(ctx, "customer:none")
			return err
		}, "find_account", "ok"}, // the call succeeded; no account is an answer
		{"not found", live.BaseURL, context.Background(), func(ctx context.Context, c *Client) error {
			_, err := c.Close(ctx, "acc_nope")
			return err
		}, "close_account", "not_found"},
		{"rejected", live.BaseURL, context.Background(), func(ctx context.Context, c *Client) error {
			_, err := c.EnsureAccount(ctx, customer("customer:1", "partner:404"))
			return err
		}, "ensure_account", "rejected"},
		{"unavailable", status(503), context.Background(), func(ctx context.Context, c *Client) error {
			_, err := c.Rename(ctx, "acc_1", "X")
			return err
		}, "rename_account", "unavailable"},
		{"bad answer", status(200), context.Background(), func(ctx context.Context, c *Client) error {
			_, err := c.List(ctx, ListFilter{})
			return err
		}, "list_accounts", "error"},
		{"timeout", hang.URL, context.Background(), func(ctx context.Context, c *Client) error {
			_, err := c.List(ctx, ListFilter{})
			return err
		}, "list_accounts", "timeout"},
		{"unreachable", closedPort, context.Background(), func(ctx context.Context, c *Client) error {
			_, err := c.List(ctx, ListFilter{})
			return err
		}, "list_accounts", "unreachable"},
		{"canceled", hang.URL, canceled, func(ctx context.Context, c *Client) error {
			_, err := c.List(ctx, ListFilter{})
			return err
		}, "list_accounts", "canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewClient(tt.url, testKey)
			c.HTTP.Timeout = 100 * time.Millisecond
			var got []string
			c.Observe = func(op, outcome string, took time.Duration) {
				got = append(got, op+" "+outcome)
			}
			tt.call(tt.ctx, c)
			if want := tt.op + " " + tt.outcome; len(got) != 1 || got[0] != want {
				t.Errorf("observed %q, want [%q]", got, want)
			}
		})
	}
	// A call refused before it goes out is not a call.
	c := NewClient(live.BaseURL, testKey)
	c.Observe = func(op, outcome string, took time.Duration) {
		t.Errorf("observed %s %s for a call never sent", op, outcome)
	}
	c.Rename(context.Background(), "", "X")
}
