package testkit

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"partnerhub/internal/config"
	"partnerhub/internal/partnersystem"
	"partnerhub/internal/sqlitedb"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Fault is how the FaultProxy treats the next requests.
type Fault string

const (
	FaultNone    Fault = ""        // pass requests through
	FaultError   Fault = "5xx"     // answer 503
	FaultTimeout Fault = "timeout" // hold the request until the client gives up
	FaultDown    Fault = "down"    // drop the connection without an answer
)

// FaultProxy stands between the hub and the partner system and injects
// faults: latency, 5xx answers, time-outs, a dead peer. It is a real HTTP
// server, so the hub's client meets the faults on the wire.
type FaultProxy struct {
	URL      string
	mu       sync.Mutex
	fault    Fault
	latency  time.Duration
	target   *url.URL
	Requests atomic.Int64
	srv      *httptest.Server
}

// NewFaultProxy starts a proxy; point it at the partner system with SetTarget.
func NewFaultProxy(t testing.TB) *FaultProxy {
	p := &FaultProxy{}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	p.URL = p.srv.URL
	t.Cleanup(func() {
		p.srv.CloseClientConnections()
		p.srv.Close()
	})
	return p
}

// SetTarget names the partner system's URL.
func (p *FaultProxy) SetTarget(u string) {
	target, err := url.Parse(u)
	if err != nil {
		panic(err)
	}
	p.mu.Lock()
	p.target = target
	p.mu.Unlock()
}

// Set changes the fault and the latency added to every request.
func (p *FaultProxy) Set(f Fault, latency time.Duration) {
	p.mu.Lock()
	p.fault, p.latency = f, latency
	p.mu.Unlock()
}

func (p *FaultProxy) serve(w http.ResponseWriter, r *http.Request) {
	p.Requests.Add(1)
	p.mu.Lock()
	f, latency, target := p.fault, p.latency, p.target
	p.mu.Unlock()
	if latency > 0 {
		// Read the body first, as for FaultTimeout: only then does the
		// server notice a client that goes away (a killed process) and end
		// the wait, instead of forwarding its request after the latency.
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
	}
	switch {
	case target == nil || f == FaultDown:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		http.Error(w, "down", http.StatusBadGateway)
	case f == FaultError:
		http.Error(w, "partner system overloaded", http.StatusServiceUnavailable)
	case f == FaultTimeout:
		// Read the body first: only then does the server notice that the
		// client gave up and cancel the request's context.
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(time.Minute):
		}
	default:
		httputil.NewSingleHostReverseProxy(target).ServeHTTP(w, r)
	}
}

// StartWithFaults runs a partnerhub whose partner system sits behind a
// FaultProxy: the partner system is a real one (its own SQLite store and
// HTTP server), reached only through the proxy.
func StartWithFaults(t testing.TB, mutate ...func(*config.Config)) (*Server, *FaultProxy, *partnersystem.Service) {
	t.Helper()
	db, err := sqlitedb.Open(filepath.Join(t.TempDir(), "ps.db"), 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := partnersystem.Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	ps := partnersystem.NewService(db)
	const key = "fault-test-key"
	psSrv := httptest.NewServer(partnersystem.NewHandler(ps, key))
	t.Cleanup(psSrv.Close)
	proxy := NewFaultProxy(t)
	proxy.SetTarget(psSrv.URL)
	s := Start(t, append([]func(*config.Config){func(c *config.Config) {
		c.PartnerSystemURL, c.PartnerSystemKey = proxy.URL, key
	}}, mutate...)...)
	return s, proxy, ps
}
