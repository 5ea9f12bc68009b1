package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"html"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/sqlitedb"
	"partnerhub/internal/testkit"
)

// TestCrashRecovery proves the crash safety of the durable work: it runs the
// real binary as a child process, kills it with SIGKILL (kill -9) at random
// moments of deployments, deletions and actions, restarts it on the same data
// directory and checks that the interrupted work resumes and finishes within
// 60 seconds, leaving exactly one partner-system account per customer, no
// customer database without a customer and no customer in a running status.
//
// Replay a failure with PARTNERHUB_CRASH_SEED=<the logged seed>: the same
// choices of work, kill points and delays, as far as the timing of the
// requests the kills cut off lets the rounds unfold the same way.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills the real binary 60 times; skipped with -short")
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("PARTNERHUB_CRASH_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("PARTNERHUB_CRASH_SEED: %v", err)
		}
	}
	t.Logf("seed %d (replay with PARTNERHUB_CRASH_SEED=%d)", seed, seed)

	h := newCrashHarness(t, seed)
	defer h.dumpLogOnFailure()
	h.populate(6) // customers for the first deletions and actions

	const rounds = 60 // 20 kills of each kind
	kinds := []string{"deploy", "delete", "action"}
	kills := map[string]int{}
	killsRunning := map[string]int{} // kills that found a job of the kind running
	killsMidWork := map[string]int{} // kills that left a customer in a running status
	var recoveries []time.Duration
	for round := range rounds {
		kind := kinds[round%len(kinds)]
		work := h.planRound(kind)
		if len(work) == 0 {
			t.Fatalf("round %d: no %s work to do (no ready customers?)", round, kind)
		}
		// The kill comes a random delay of 0–150 ms after the first request
		// was answered (the work is queued: at any moment of it, or after
		// it), or, every other time, a shorter one after its job was seen to
		// start, to land among the steps, which take milliseconds (a
		// deployment's about 60, a deletion's 10, an action's 5 here).
		anchor, delay := "answer", time.Duration(h.rng.IntN(151))*time.Millisecond
		if h.rng.IntN(2) == 0 {
			window := map[string]int{"deploy": 60, "delete": 10, "action": 5}[kind]
			anchor, delay = "start", time.Duration(h.rng.IntN(window+1))*time.Millisecond
		}
		results := h.runAndKill(work, anchor, delay)
		kills[kind]++
		atKill, jobsRunning, midWork := h.snapshotAtKill()
		if jobsRunning > 0 {
			killsRunning[kind]++
		}
		if midWork > 0 {
			killsMidWork[kind]++
		}

		h.start()
		took := h.waitSettled(results)
		recoveries = append(recoveries, took)
		t.Logf("round %2d %-6s kill %3d ms after the %-6s %d/%d requests answered; at the kill: %s; settled %4d ms after the restart",
			round, kind, delay.Milliseconds(), anchor+",", answered(results), len(work), atKill, took.Milliseconds())
		if took > 60*time.Second {
			t.Fatalf("round %d: the interrupted work took %s to finish after the restart, want at most 60s", round, took)
		}
		h.checkInvariants(fmt.Sprintf("after round %d", round), results, false)
	}
	h.checkInvariants("at the end", nil, true)

	total := 0
	for _, k := range kinds {
		total += kills[k]
		if kills[k] < 5 {
			t.Errorf("%d kills during %s work, want at least 5", kills[k], k)
		}
	}
	if total < 20 {
		t.Errorf("%d kills in total, want at least 20", total)
	}
	for _, k := range kinds {
		if killsRunning[k] == 0 {
			t.Errorf("no kill found a job of the %s work running: the kills do not land in the work", k)
		}
	}
	slices.Sort(recoveries)
	t.Logf("recovery after kill -9: median %d ms, max %d ms over %d kills", median(recoveries).Milliseconds(),
		recoveries[len(recoveries)-1].Milliseconds(), len(recoveries))
	for _, k := range kinds {
		t.Logf("  %-6s %2d kills: %2d with a job running, %2d with a customer mid-work", k, kills[k], killsRunning[k], killsMidWork[k])
	}
	t.Logf("customers: %d created, %d deleted, %d live at the end", len(h.created), len(h.gone), len(h.live))

	// Ctrl-C stops the server cleanly.
	took, err := h.p.Interrupt(15 * time.Second)
	if err != nil {
		t.Fatalf("after SIGINT: %v", err)
	}
	t.Logf("clean stop on SIGINT in %d ms", took.Milliseconds())

	// Run it again: everything is still there, and nothing was left to do.
	h.start()
	list, err := h.list()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(h.live) {
		t.Fatalf("%d customers after the clean restart, want %d", len(list), len(h.live))
	}
	for _, c := range list {
		// The console URL names the new process's port; the rest must be as it was.
		if d := cmp.Diff(h.live[c.ID], c, cmpopts.IgnoreFields(testkit.Customer{}, "ConsoleURL")); d != "" {
			t.Fatalf("customer %s changed over the clean restart (-before +after):\n%s", c.ID, d)
		}
	}
	if _, err := h.p.Interrupt(15 * time.Second); err != nil {
		t.Fatalf("after the second SIGINT: %v", err)
	}
}

// crashHarness runs the child process and remembers what the test asked
// for, to check the outcome after every restart.
type crashHarness struct {
	t       *testing.T
	rng     *rand.Rand
	bin     string
	dataDir string
	logPath string
	env     []string
	p       *testkit.Process
	token   string
	psKey   string
	hc      *http.Client
	seq     int

	created   map[string]bool             // every customer id ever seen
	gone      map[string]bool             // customers deleted (seen, then gone)
	live      map[string]testkit.Customer // the customers after the last recovery
	renamed   map[string][2]string        // acknowledged renames: id → company, short name
	converted map[string]bool             // acknowledged conversions
	updated   map[string]bool             // acknowledged updates
	touched   map[string]bool             // customers renamed this round, acknowledged or not
}

func newCrashHarness(t *testing.T, seed uint64) *crashHarness {
	dir := t.TempDir()
	h := &crashHarness{
		t:       t,
		rng:     rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		bin:     testkit.BuildBinary(t, dir),
		dataDir: filepath.Join(dir, "data"),
		logPath: filepath.Join(dir, "partnerhub.log"),
		// Customers start at console version 1, so that Update migrates for
		// real. River's rescuer, which hands the jobs of a dead replica to
		// another after RESCUE_AFTER, is put out of reach: a sole process
		// must resume what a crash interrupted at start, not 30 to 60
		// seconds later.
		env: testkit.ProcessEnv("PARTNERHUB_RETRY_BASE=50ms", "PARTNERHUB_RETRY_MAX=500ms",
			"PARTNERHUB_CONSOLE_VERSION=1", "PARTNERHUB_RESCUE_AFTER=10m", "PARTNERHUB_LOG_LEVEL=info"),
		hc:        &http.Client{Timeout: 10 * time.Second},
		created:   map[string]bool{},
		gone:      map[string]bool{},
		live:      map[string]testkit.Customer{},
		renamed:   map[string][2]string{},
		converted: map[string]bool{},
		updated:   map[string]bool{},
	}
	h.start() // the first start creates the partner and its admin
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var err error
	h.token, err = testkit.RunCommand(ctx, h.bin, h.env, "token", "create", "--data-dir", h.dataDir, "--email", "admin@partner.example")
	if err != nil || h.token == "" {
		t.Fatalf("token create: %q, %v", h.token, err)
	}
	key, err := os.ReadFile(filepath.Join(h.dataDir, "partner-system.key"))
	if err != nil {
		t.Fatalf("partner-system key: %v", err)
	}
	h.psKey = strings.TrimSpace(string(key))
	return h
}

// populate deploys n customers without a kill and waits until they are ready.
func (h *crashHarness) populate(n int) {
	h.t.Helper()
	var results []result
	began := time.Now()
	for i := range n {
		typ := []string{"demo", "customer"}[i%2]
		company, short := h.name()
		r := h.send(request{method: "POST", path: "/api/v1/customers", want: http.StatusAccepted, kind: "create",
			company: company, short: short, body: map[string]any{
				"type": typ, "companyName": company, "shortName": short,
				"contact": map[string]string{"name": "Ada Admin", "email": "ada@example.com"},
			}})
		if r.code != r.want {
			h.t.Fatalf("create %s: %d %v", company, r.code, r.err)
		}
		results = append(results, r)
	}
	h.waitSettled(results)
	h.t.Logf("%d customers deployed in %d ms (no kill)", n, time.Since(began).Milliseconds())
	h.checkInvariants("after the first deployments", results, false)
}

func (h *crashHarness) start() {
	h.t.Helper()
	h.p = testkit.StartProcess(h.t, h.bin, h.dataDir, h.logPath, h.env)
}

func (h *crashHarness) dumpLogOnFailure() {
	if h.t.Failed() {
		h.t.Logf("tail of the server's log (%s):\n%s", h.logPath, testkit.LogTail(h.logPath, 80))
	}
}

// request is one API call of a round; result is what came of it.
type request struct {
	method, path string
	body         any
	want         int    // the status that acknowledges it
	kind         string // create, delete, reset-demo-data, update, rename, convert
	id           string // the customer (empty for create)
	company      string // create and rename
	short        string
}

type result struct {
	request
	code    int // 0: no answer (the process was killed first)
	err     error
	created string // the id of a created customer
}

func answered(rs []result) int {
	n := 0
	for _, r := range rs {
		if r.code != 0 {
			n++
		}
	}
	return n
}

func (h *crashHarness) name() (company, short string) {
	h.seq++
	return fmt.Sprintf("Crash Test %d Ltd", h.seq), fmt.Sprintf("ct%d", h.seq)
}

// planRound picks the requests of one round of kind.
func (h *crashHarness) planRound(kind string) []request {
	ready := h.readyIDs()
	h.touched = map[string]bool{}
	var work []request
	switch kind {
	case "deploy":
		n := 2 + h.rng.IntN(2)
		for i := range n {
			typ := "customer"
			if i == 0 || h.rng.IntN(2) == 0 { // at least one DEMO: its seeding takes longest
				typ = "demo"
			}
			company, short := h.name()
			work = append(work, request{method: "POST", path: "/api/v1/customers", want: http.StatusAccepted, kind: "create",
				company: company, short: short, body: map[string]any{
					"type": typ, "companyName": company, "shortName": short,
					"contact": map[string]string{"name": "Ada Admin", "email": "ada@example.com"},
				}})
		}
	case "delete":
		h.rng.Shuffle(len(ready), func(i, j int) { ready[i], ready[j] = ready[j], ready[i] })
		n := min(1+h.rng.IntN(2), len(ready))
		for _, id := range ready[:n] {
			work = append(work, request{method: "DELETE", path: "/api/v1/customers/" + id, want: http.StatusAccepted, kind: "delete", id: id})
		}
	case "action":
		h.rng.Shuffle(len(ready), func(i, j int) { ready[i], ready[j] = ready[j], ready[i] })
		n := min(2+h.rng.IntN(2), len(ready))
		for _, id := range ready[:n] {
			actions := []string{"rename"}
			if h.live[id].ConsoleVersion < 2 { // Update is offered only while the console is behind
				actions = append(actions, "update")
			}
			if h.live[id].Type == "demo" {
				actions = append(actions, "reset-demo-data", "convert")
			}
			a := actions[h.rng.IntN(len(actions))]
			r := request{method: "POST", path: "/api/v1/customers/" + id + "/actions/" + a, want: http.StatusAccepted, kind: a, id: id}
			if a == "rename" {
				h.seq++
				r.company, r.short = fmt.Sprintf("Renamed %d Holdings", h.seq), fmt.Sprintf("rn%d", h.seq)
				r.body = map[string]string{"companyName": r.company, "shortName": r.short}
				h.touched[id] = true
			}
			work = append(work, r)
		}
	}
	return work
}

// runAndKill sends the first request and waits for its answer (so the work
// is committed), sends the others from a goroutine, and kills the process
// delay after the first answer (anchor "answer") or after the first
// request's job was seen past "queued" (anchor "start"), whatever is in
// flight by then.
func (h *crashHarness) runAndKill(work []request, anchor string, delay time.Duration) []result {
	h.t.Helper()
	results := make([]result, len(work))
	results[0] = h.send(work[0])
	if results[0].code != work[0].want {
		h.t.Fatalf("%s %s: %d %v, want %d", work[0].method, work[0].path, results[0].code, results[0].err, work[0].want)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 1; i < len(work); i++ {
			results[i] = h.send(work[i])
		}
	}()
	if anchor == "start" {
		id := work[0].id
		if id == "" {
			id = results[0].created
		}
		h.waitPickedUp(id, 2*time.Second)
	}
	time.Sleep(delay)
	h.p.Kill()
	<-done
	for _, r := range results {
		if r.code != 0 && r.code != r.want {
			h.t.Fatalf("%s %s answered %d before the kill, want %d: %v", r.method, r.path, r.code, r.want, r.err)
		}
	}
	return results
}

// waitPickedUp polls the customer until its work has left "queued": a
// worker took the job up (or already finished it).
func (h *crashHarness) waitPickedUp(id string, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest("GET", h.p.HubURL+"/api/v1/customers/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+h.token)
		resp, err := h.hc.Do(req)
		if err != nil {
			return
		}
		var c testkit.Customer
		err = json.NewDecoder(resp.Body).Decode(&c)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil || !running(c.Status) || c.StatusStep != "queued" {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// send makes one API call; an error means no answer, so the request may or
// may not have been committed when the process died.
func (h *crashHarness) send(r request) result {
	res := result{request: r}
	var body io.Reader
	if r.body != nil {
		data, _ := json.Marshal(r.body)
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequest(r.method, h.p.HubURL+r.path, body)
	if err != nil {
		res.err = err
		return res
	}
	req.Header.Set("Authorization", "Bearer "+h.token)
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := h.hc.Do(req)
	if err != nil {
		res.err = err
		return res
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil { // the answer was cut off: treat it as none
		res.err = err
		return res
	}
	res.code = resp.StatusCode
	if res.code != r.want {
		res.err = fmt.Errorf("%s", data)
	}
	if r.kind == "create" && res.code == http.StatusAccepted {
		var c testkit.Customer
		if err := json.Unmarshal(data, &c); err == nil {
			res.created = c.ID
		}
	}
	return res
}

// snapshotAtKill reads a copy of the hub's database as the kill left it
// (the data directory itself is not touched before the restart) and tells
// which customers were mid-work and how many jobs were running.
func (h *crashHarness) snapshotAtKill() (desc string, jobsRunning, midWork int) {
	h.t.Helper()
	tmp := h.t.TempDir()
	for _, f := range []string{"hub.db", "hub.db-wal"} {
		data, err := os.ReadFile(filepath.Join(h.dataDir, f))
		if err != nil {
			if f == "hub.db-wal" && os.IsNotExist(err) {
				continue
			}
			h.t.Fatalf("copy %s: %v", f, err)
		}
		if err := os.WriteFile(filepath.Join(tmp, f), data, 0o600); err != nil {
			h.t.Fatal(err)
		}
	}
	db, err := sqlitedb.Open(filepath.Join(tmp, "hub.db"), 1)
	if err != nil {
		h.t.Fatalf("open the copy of hub.db: %v", err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT status, status_step FROM customers
		WHERE status IN ('deploying', 'deleting', 'action_running') ORDER BY status, status_step`)
	if err != nil {
		h.t.Fatalf("read the copy of hub.db: %v", err)
	}
	var mid []string
	for rows.Next() {
		var status, step string
		if err := rows.Scan(&status, &step); err != nil {
			h.t.Fatal(err)
		}
		mid = append(mid, status+"/"+step)
	}
	rows.Close()
	if err := db.QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'customer_op' AND state = 'running'`).Scan(&jobsRunning); err != nil {
		h.t.Fatalf("read the copy of river_job: %v", err)
	}
	if len(mid) == 0 {
		return fmt.Sprintf("no customer mid-work, %d jobs running", jobsRunning), jobsRunning, 0
	}
	return fmt.Sprintf("%d jobs running, mid-work %s", jobsRunning, strings.Join(mid, " ")), jobsRunning, len(mid)
}

// list returns every live customer, through all pages.
func (h *crashHarness) list() ([]testkit.Customer, error) {
	var all []testkit.Customer
	cursor := ""
	for {
		u := h.p.HubURL + "/api/v1/customers"
		if cursor != "" {
			u += "?cursor=" + url.QueryEscape(cursor)
		}
		req, _ := http.NewRequest("GET", u, nil)
		req.Header.Set("Authorization", "Bearer "+h.token)
		resp, err := h.hc.Do(req)
		if err != nil {
			return nil, err
		}
		var page struct {
			Items      []testkit.Customer `json:"items"`
			NextCursor *string            `json:"nextCursor"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil {
			return nil, fmt.Errorf("list customers: %s, %v", resp.Status, err)
		}
		all = append(all, page.Items...)
		if page.NextCursor == nil || *page.NextCursor == "" {
			return all, nil
		}
		cursor = *page.NextCursor
	}
}

func (h *crashHarness) readyIDs() []string {
	var ids []string
	for id, c := range h.live {
		if c.Status == "ready" {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids) // map order is random; the seed alone must decide
	return ids
}

func running(status string) bool {
	return status == "deploying" || status == "deleting" || status == "action_running"
}

// waitSettled polls the customer list until no customer is in a running
// status, the acknowledged deletions are gone and the acknowledged
// creations are there; it returns the time since the restart.
func (h *crashHarness) waitSettled(results []result) time.Duration {
	h.t.Helper()
	deadline := h.p.Started.Add(60 * time.Second)
	var last []testkit.Customer
	var lastErr error
	for {
		list, err := h.list()
		if err == nil && h.settled(list, results) {
			took := time.Since(h.p.Started)
			h.live = map[string]testkit.Customer{}
			for _, c := range list {
				h.live[c.ID] = c
				h.created[c.ID] = true
			}
			for id := range h.created {
				if _, ok := h.live[id]; !ok {
					h.gone[id] = true
				}
			}
			return took
		}
		if err == nil {
			last = list
		}
		lastErr = err
		if time.Now().After(deadline) {
			var b strings.Builder
			for _, c := range last {
				fmt.Fprintf(&b, "\n  %s %s %s/%s: %s", c.ID, c.ShortName, c.Status, c.StatusStep, c.StatusReason)
			}
			h.t.Fatalf("the work did not finish within 60s of the restart (last error %v); customers:%s", lastErr, b.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (h *crashHarness) settled(list []testkit.Customer, results []result) bool {
	ids := map[string]bool{}
	for _, c := range list {
		if running(c.Status) {
			return false
		}
		ids[c.ID] = true
	}
	for _, r := range results {
		switch {
		case r.kind == "delete" && r.code == r.want && ids[r.id]:
			return false
		case r.kind == "create" && r.code == r.want && !ids[r.created]:
			h.t.Fatalf("customer %s (%s) was acknowledged with 202 but is not listed after the restart", r.created, r.company)
		}
	}
	return true
}

// checkInvariants checks, after a recovery, everything the crash must not
// have broken. full also visits every customer's console.
func (h *crashHarness) checkInvariants(where string, results []result, full bool) {
	h.t.Helper()
	t := h.t

	// 1. Every customer is ready: no partner-system faults are injected, so
	// no work may fail, and none may be left running.
	for _, c := range h.live {
		if c.Status != "ready" {
			t.Errorf("%s: customer %s (%s) is %s at step %q: %s", where, c.ID, c.ShortName, c.Status, c.StatusStep, c.StatusReason)
		}
	}
	// What was acknowledged happened; what got no answer may or may not
	// have (the kill may have come before or after the commit).
	for _, r := range results {
		ack := r.code == r.want
		switch {
		case r.kind == "delete" && ack:
			if _, ok := h.live[r.id]; ok {
				t.Errorf("%s: customer %s is still there after its deletion was acknowledged", where, r.id)
			}
		case r.kind == "rename" && ack:
			h.renamed[r.id] = [2]string{r.company, r.short}
		case r.kind == "rename": // unanswered: either name is right from now on
			delete(h.renamed, r.id)
		case r.kind == "convert" && ack:
			h.converted[r.id] = true
		case r.kind == "update" && ack:
			h.updated[r.id] = true
		}
	}
	for id, names := range h.renamed {
		if c, ok := h.live[id]; ok && (c.CompanyName != names[0] || c.ShortName != names[1]) {
			t.Errorf("%s: customer %s is %q (%s), want the acknowledged rename to %q (%s)", where, id, c.CompanyName, c.ShortName, names[0], names[1])
		}
	}
	for id := range h.converted {
		if c, ok := h.live[id]; ok && c.Type != "customer" {
			t.Errorf("%s: customer %s is a %s after its conversion was acknowledged", where, id, c.Type)
		}
	}
	for id := range h.updated {
		if c, ok := h.live[id]; ok && c.ConsoleVersion != 2 {
			t.Errorf("%s: customer %s is at console version %d after its update was acknowledged, want 2", where, id, c.ConsoleVersion)
		}
	}

	// 2. Exactly one partner-system account per customer ever created.
	accounts := h.partnerSystemAccounts()
	byRef := map[string][]psAccount{}
	for _, a := range accounts {
		byRef[a.ExternalRef] = append(byRef[a.ExternalRef], a)
	}
	for ref, as := range byRef {
		if len(as) > 1 {
			t.Errorf("%s: %d partner-system accounts for %s, want one", where, len(as), ref)
		}
		id, ok := strings.CutPrefix(ref, "customer:")
		if !ok {
			t.Errorf("%s: customer account with external ref %q", where, ref)
			continue
		}
		if _, live := h.live[id]; !live && as[0].Status != "closed" {
			t.Errorf("%s: the account of customer %s, which is gone, is %s, want closed", where, id, as[0].Status)
		}
		if !h.created[id] {
			t.Errorf("%s: a partner-system account for %s, a customer the hub never listed", where, id)
		}
	}
	for id, c := range h.live {
		as := byRef["customer:"+id]
		switch {
		case len(as) != 1:
			t.Errorf("%s: customer %s has %d partner-system accounts, want one", where, id, len(as))
		case as[0].Status != "active":
			t.Errorf("%s: customer %s's account is %s, want active", where, id, as[0].Status)
		case as[0].Name != c.CompanyName:
			t.Errorf("%s: customer %s's account is named %q, the hub says %q", where, id, as[0].Name, c.CompanyName)
		}
	}

	// 3. No customer database without a customer, no customer without its database.
	entries, err := os.ReadDir(filepath.Join(h.dataDir, "customers"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	dbs := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		if id, ok := strings.CutSuffix(name, ".db"); ok && e.Type().IsRegular() {
			dbs[id] = true
			if _, live := h.live[id]; !live {
				t.Errorf("%s: customer database %s is left without a customer", where, name)
			}
			continue
		}
		base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "-wal"), "-shm"), "-journal")
		if id, ok := strings.CutSuffix(base, ".db"); ok {
			if _, live := h.live[id]; !live {
				t.Errorf("%s: %s is left behind by a deleted customer", where, name)
			}
		}
	}
	for id := range h.live {
		if !dbs[id] {
			t.Errorf("%s: customer %s has no database", where, id)
		}
	}

	// 4. The console agrees with the hub: schema version (the console's own
	// health check) for everyone; names and type, as the console's
	// dashboard shows them, for the renamed (or, at the end, everyone).
	for id, c := range h.live {
		if v := h.consoleSchemaVersion(id); v != c.ConsoleVersion {
			t.Errorf("%s: customer %s's database is at version %d, the hub recorded %d", where, id, v, c.ConsoleVersion)
		}
		if full || h.touched[id] {
			h.checkConsoleProfile(where, c)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

type psAccount struct {
	ID          string `json:"id"`
	Kind        string `json:"kind"`
	Name        string `json:"name"`
	ExternalRef string `json:"externalRef"`
	Status      string `json:"status"`
}

func (h *crashHarness) partnerSystemAccounts() []psAccount {
	h.t.Helper()
	req, _ := http.NewRequest("GET", h.p.PartnerSystemURL+"/api/v1/accounts?kind=customer", nil)
	req.Header.Set("Authorization", "Bearer "+h.psKey)
	resp, err := h.hc.Do(req)
	if err != nil {
		h.t.Fatalf("partner system: %v", err)
	}
	defer resp.Body.Close()
	var out struct {
		Items []psAccount `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		h.t.Fatalf("partner system accounts: %s, %v", resp.Status, err)
	}
	return out.Items
}

func (h *crashHarness) consoleSchemaVersion(id string) int {
	h.t.Helper()
	resp, err := h.hc.Get(h.p.ConsoleURL + "/c/" + id + "/healthz")
	if err != nil {
		h.t.Fatalf("console health of %s: %v", id, err)
	}
	defer resp.Body.Close()
	var hz struct {
		Status        string `json:"status"`
		SchemaVersion int    `json:"schemaVersion"`
		Reason        string `json:"reason"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&hz)
	if resp.StatusCode != http.StatusOK {
		h.t.Errorf("console health of %s: %s %s", id, resp.Status, hz.Reason)
	}
	return hz.SchemaVersion
}

// checkConsoleProfile visits the customer's console through a hand-off, as
// a partner would, and looks for the hub's names on the dashboard.
func (h *crashHarness) checkConsoleProfile(where string, c testkit.Customer) {
	h.t.Helper()
	req, _ := http.NewRequest("POST", h.p.HubURL+"/api/v1/customers/"+c.ID+"/visit", nil)
	req.Header.Set("Authorization", "Bearer "+h.token)
	resp, err := h.hc.Do(req)
	if err != nil {
		h.t.Fatalf("visit %s: %v", c.ID, err)
	}
	var v struct{ URL string }
	err = json.NewDecoder(resp.Body).Decode(&v)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || v.URL == "" {
		h.t.Fatalf("visit %s: %s, %v", c.ID, resp.Status, err)
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	resp, err = browser.Get(v.URL)
	if err != nil {
		h.t.Fatalf("console of %s: %v", c.ID, err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		h.t.Errorf("%s: console of %s answers %s", where, c.ID, resp.Status)
		return
	}
	for _, want := range []string{c.CompanyName, c.ShortName} {
		if !strings.Contains(string(page), html.EscapeString(want)) {
			h.t.Errorf("%s: the console of %s does not show %q (the hub's name)", where, c.ID, want)
		}
	}
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[len(d)/2]
}
