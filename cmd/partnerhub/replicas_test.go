package main_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"partnerhub/internal/testkit"
	"partnerhub/internal/testkit/pgtest"
)

// rescueAfter is the replicas' fallback rescue window: how long a job may
// stay "running" before River's rescuer hands it to another replica. The
// killed replica's jobs are taken over within seconds without it (its
// liveness lock dies with it); this only bounds what that might miss.
const rescueAfter = "12s"

// TestThreeReplicas starts three real `partnerhub serve` processes on one
// PostgreSQL database of its own, all at once (one migrates, the others
// wait), adds 200 customers through them in turn, kills one with SIGKILL
// half-way, and checks that every customer reaches ready with exactly one
// partner-system account. On the way it checks that a browser session and
// an API token made on one replica work on the others, and that a change
// made through one replica reaches a browser connected to another within a
// second.
func TestThreeReplicas(t *testing.T) {
	dsn := pgtest.Database(t)
	if testing.Short() {
		t.Skip("three processes and 200 deployments: not in -short")
	}
	bin := testkit.BuildBinary(t, t.TempDir())
	key := pgtest.Name("psk_")
	var replicas []*replica
	var wg sync.WaitGroup
	for i := range 3 {
		r := &replica{name: fmt.Sprintf("replica%d", i), bin: bin, dir: t.TempDir(), dsn: dsn, key: key}
		replicas = append(replicas, r)
		wg.Go(func() { r.start(t) })
	}
	wg.Wait()
	t.Cleanup(func() {
		for _, r := range replicas {
			r.stop(t)
		}
		if t.Failed() {
			for _, r := range replicas {
				t.Logf("--- %s log (last 4 KB):\n%s", r.name, r.tail(4096))
			}
		}
	})
	for _, r := range replicas {
		if err := r.waitURL(60 * time.Second); err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// Exactly one replica created the first partner and printed its password.
	password := ""
	for _, r := range replicas {
		if p := r.password(); p != "" {
			if password != "" {
				t.Fatal("two replicas each created the first partner")
			}
			password = p
		}
	}
	if password == "" {
		t.Fatal("no replica printed the first admin's password")
	}
	var partners int
	if err := db.QueryRow(`SELECT COUNT(*) FROM partners`).Scan(&partners); err != nil || partners != 1 {
		t.Fatalf("partners = %d (%v), want 1", partners, err)
	}

	// `token create` takes --database-url like serve does.
	out, err := exec.Command(bin, "token", "create", "--database-url", dsn, "--email", "admin@partner.example").Output()
	if err != nil {
		t.Fatalf("token create: %v", err)
	}
	token := strings.TrimSpace(string(out))

	// A browser signs in on replica 0 and watches the live stream of
	// replica 1 with that session.
	session := signIn(t, replicas[0].hubURL, password)
	stream := openStream(t, replicas[1].hubURL+"/customers/events", session)

	const total = 200
	ids := make([]string, 0, total)
	var victim *replica
	for i := range total {
		if i == total/2 {
			victim = replicas[2]
			if err := victim.cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown, jobs left running
				t.Fatal(err)
			}
			t.Logf("killed %s after %d customers", victim.name, i)
		}
		var live []*replica
		for _, r := range replicas {
			if r != victim {
				live = append(live, r)
			}
		}
		r := live[i%len(live)]
		typ := "customer"
		if i%20 == 0 {
			typ = "demo"
		}
		sent := time.Now()
		id := createCustomer(t, r.hubURL, token, typ, i)
		ids = append(ids, id)
		if i == 0 {
			// The change, made by replica 0, reaches replica 1's browser.
			if err := stream.waitFor(id, 10*time.Second); err != nil {
				t.Fatalf("live stream on replica1: %v", err)
			}
			if d := time.Since(sent); d > time.Second {
				t.Errorf("the change reached another replica's browser after %s, want under a second", d)
			}
		}
	}

	// All 200 reach ready, the killed replica's work rescued by the others.
	deadline := time.Now().Add(150 * time.Second)
	var counts map[string]int
	for {
		counts = statusCounts(t, db)
		if counts["ready"] == total || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if counts["ready"] != total {
		t.Fatalf("customers by status %v, want all %d ready", counts, total)
	}
	// The API of a surviving replica agrees.
	for _, id := range []string{ids[0], ids[total/2], ids[total-1]} {
		if st := getStatus(t, replicas[1].hubURL, token, id); st != "ready" {
			t.Fatalf("API says %s is %s", id, st)
		}
	}

	// Exactly one partner-system account per customer, linked to the partner.
	rows, err := db.Query(`SELECT external_ref, COUNT(*), MIN(status), COUNT(parent_account_id) FROM ps_accounts
		WHERE kind = 'customer' GROUP BY external_ref`)
	if err != nil {
		t.Fatal(err)
	}
	accounts := map[string]int{}
	for rows.Next() {
		var ref, status string
		var n, linked int
		if err := rows.Scan(&ref, &n, &status, &linked); err != nil {
			t.Fatal(err)
		}
		if status != "active" || linked != n {
			t.Errorf("account %s: status %s, %d of %d linked", ref, status, linked, n)
		}
		accounts[ref] = n
	}
	rows.Close()
	if len(accounts) != total {
		t.Errorf("%d customer accounts in the partner system, want %d", len(accounts), total)
	}
	for _, id := range ids {
		if n := accounts["customer:"+id]; n != 1 {
			t.Errorf("customer %s has %d partner-system accounts, want 1", id, n)
		}
	}
	// Every customer has its schema, and every job finished.
	var schemas, unfinished int
	if err := db.QueryRow(`SELECT COUNT(*) FROM pg_namespace WHERE starts_with(nspname, 'customer_')`).Scan(&schemas); err != nil || schemas != total {
		t.Errorf("customer schemas = %d (%v), want %d", schemas, err, total)
	}
	if err := db.QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'customer_op' AND state <> 'completed'`).Scan(&unfinished); err != nil || unfinished != 0 {
		t.Errorf("unfinished customer jobs = %d (%v)", unfinished, err)
	}
	var rescued int
	_ = db.QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'customer_op' AND attempt > 1`).Scan(&rescued)
	t.Logf("all %d ready; %d jobs needed more than one attempt (the killed replica's)", total, rescued)
}

// replica is one `partnerhub serve` child process.
type replica struct {
	name, bin, dir, dsn, key string
	env                      []string // more settings, over the defaults below
	cmd                      *exec.Cmd
	hubURL                   string

	mu     sync.Mutex
	stdout bytes.Buffer
	log    *os.File
	urlc   chan string
}

func (r *replica) start(t testing.TB) {
	var err error
	if r.log, err = os.Create(filepath.Join(r.dir, "stderr.log")); err != nil {
		t.Error(err)
		return
	}
	r.cmd = exec.Command(r.bin, "serve")
	r.cmd.Env = append(os.Environ(),
		"PARTNERHUB_DATABASE_URL="+r.dsn, "PARTNERHUB_DATA_DIR="+r.dir,
		"PARTNERHUB_ADDR=127.0.0.1:0", "PARTNERHUB_CONSOLE_ADDR=127.0.0.1:0", "PARTNERHUB_PARTNER_SYSTEM_ADDR=127.0.0.1:0",
		"PARTNERHUB_METRICS_ADDR=127.0.0.1:0",
		"PARTNERHUB_PARTNER_SYSTEM_KEY="+r.key, "PARTNERHUB_RESCUE_AFTER="+rescueAfter,
		"PARTNERHUB_LOG_LEVEL=warn", "PARTNERHUB_WORKERS=6", "PARTNERHUB_DATABASE_MAX_CONNS=8")
	r.cmd.Env = append(r.cmd.Env, r.env...) // the last of duplicate keys wins
	r.cmd.Stderr = r.log
	pipe, err := r.cmd.StdoutPipe()
	if err != nil {
		t.Error(err)
		return
	}
	r.urlc = make(chan string, 1)
	if err := r.cmd.Start(); err != nil {
		t.Errorf("start %s: %v", r.name, err)
		return
	}
	go func() {
		// The banner is the URLs, then (on the replica that created the
		// first partner) the admin's password, then "Press Ctrl-C to stop.":
		// the hub's URL is handed over only once the whole banner is read,
		// so that password() sees the password line of the replica that
		// printed one.
		sc := bufio.NewScanner(pipe)
		hubURL := ""
		for sc.Scan() {
			line := sc.Text()
			r.mu.Lock()
			r.stdout.WriteString(line + "\n")
			r.mu.Unlock()
			if u, ok := strings.CutPrefix(strings.TrimSpace(line), "hub:"); ok {
				hubURL = strings.TrimSpace(u)
			}
			if strings.HasPrefix(line, "Press Ctrl-C") {
				r.urlc <- hubURL
			}
		}
	}()
}

func (r *replica) waitURL(timeout time.Duration) error {
	if r.cmd == nil {
		return fmt.Errorf("did not start")
	}
	select {
	case u := <-r.urlc:
		r.hubURL = u
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("did not print its banner within %s; log:\n%s", timeout, r.tail(4096))
	}
}

var passwordLine = regexp.MustCompile(`password:\s+(\S+)`)

func (r *replica) password() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if m := passwordLine.FindStringSubmatch(r.stdout.String()); m != nil {
		return m[1]
	}
	return ""
}

func (r *replica) tail(n int) string {
	b, _ := os.ReadFile(filepath.Join(r.dir, "stderr.log"))
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// stop ends a replica as an orchestrator would (SIGTERM, then SIGKILL).
func (r *replica) stop(t testing.TB) {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = r.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = r.cmd.Process.Kill()
		<-done
	}
	r.log.Close()
}

var apiClient = &http.Client{Timeout: 30 * time.Second}

func createCustomer(t testing.TB, hubURL, token, typ string, i int) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"type": typ, "companyName": fmt.Sprintf("Replica Test %03d", i), "shortName": fmt.Sprintf("rt%03d", i),
		"contact": map[string]string{"name": "Ada", "email": "ada@example.com"},
	})
	req, _ := http.NewRequest("POST", hubURL+"/api/v1/customers", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := apiClient.Do(req)
	if err != nil {
		t.Fatalf("create %d on %s: %v", i, hubURL, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("create %d on %s: %d %s", i, hubURL, resp.StatusCode, data)
	}
	var c struct{ ID string }
	if err := json.Unmarshal(data, &c); err != nil || c.ID == "" {
		t.Fatalf("create %d: %s", i, data)
	}
	return c.ID
}

func getStatus(t *testing.T, hubURL, token, id string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", hubURL+"/api/v1/customers/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := apiClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var c struct{ Status string }
	_ = json.NewDecoder(resp.Body).Decode(&c)
	return c.Status
}

func statusCounts(t testing.TB, db *sql.DB) map[string]int {
	t.Helper()
	rows, err := db.Query(`SELECT status, COUNT(*) FROM customers GROUP BY status`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			t.Fatal(err)
		}
		out[s] = n
	}
	return out
}

// signIn signs the first admin in through the web form and returns the
// session cookie.
func signIn(t *testing.T, hubURL, password string) *http.Cookie {
	t.Helper()
	noRedirect := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.PostForm(hubURL+"/signin", url.Values{"email": {"admin@partner.example"}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "ph_session" && c.Value != "" {
			session = c
		}
	}
	if session == nil {
		t.Fatalf("sign-in on %s: %d, no session cookie", hubURL, resp.StatusCode)
	}
	if resp.Header.Get("Location") == "/account" {
		// The printed password is a one-time password: choose one first.
		chosen := "chosen " + password
		req, _ := http.NewRequest("POST", hubURL+"/account/password",
			strings.NewReader(url.Values{"current": {password}, "new": {chosen}, "confirm": {chosen}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(session)
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/customers" {
			t.Fatalf("first password change on %s: %d", hubURL, resp.StatusCode)
		}
	}
	return session
}

// sseStream reads a server-sent event stream in the background.
type sseStream struct {
	events chan string
}

func openStream(t *testing.T, u string, session *http.Cookie) *sseStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
	req.AddCookie(session)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		resp.Body.Close()
		t.Fatalf("event stream %s with another replica's session: %d %s", u, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &sseStream{events: make(chan string, 256)}
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				select {
				case s.events <- d:
				default:
				}
			}
		}
	}()
	return s
}

func (s *sseStream) waitFor(customerID string, timeout time.Duration) error {
	deadline := time.After(timeout)
	for {
		select {
		case id := <-s.events:
			if id == customerID {
				return nil
			}
		case <-deadline:
			return fmt.Errorf("no change event for %s within %s", customerID, timeout)
		}
	}
}
