package testkit

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// BuildBinary builds cmd/partnerhub into dir and returns the binary's path.
// The module root is found with `go env GOMOD`, so it works from any package.
func BuildBinary(t testing.TB, dir string) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		t.Fatal("go env GOMOD: not inside the module")
	}
	bin := filepath.Join(dir, "partnerhub")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/partnerhub")
	cmd.Dir = filepath.Dir(gomod)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// ProcessEnv is the environment for a child partnerhub: the test's own,
// without any PARTNERHUB_ setting that could point it elsewhere, plus extra.
func ProcessEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PARTNERHUB_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// Process is `partnerhub serve` running as a child process on loopback
// ports the system chose. Its stdout and stderr are appended to LogPath.
type Process struct {
	DataDir          string
	LogPath          string
	HubURL           string
	ConsoleURL       string
	PartnerSystemURL string
	MetricsURL       string // …/metrics
	// Started is when the process was started, before exec.
	Started time.Time

	cmd  *exec.Cmd
	done chan struct{}
	err  error // Wait's result, once done is closed
}

// StartProcess runs `bin serve` on dataDir and waits until it printed its
// URLs and its hub answers /healthz. The process is killed when the test
// ends if it is still running.
func StartProcess(t testing.TB, bin, dataDir, logPath string, env []string) *Process {
	t.Helper()
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(logf, "\n===== start %s =====\n", time.Now().Format(time.RFC3339Nano))
	urls := &urlScanner{found: make(chan struct{})}
	p := &Process{DataDir: dataDir, LogPath: logPath, done: make(chan struct{})}
	p.cmd = exec.Command(bin, "serve", "--data-dir", dataDir,
		"--addr", "127.0.0.1:0", "--console-addr", "127.0.0.1:0", "--partner-system-addr", "127.0.0.1:0",
		"--metrics-addr", "127.0.0.1:0")
	p.cmd.Env = env
	p.cmd.Stdout = &lockedWriter{w: multi{logf, urls}}
	p.cmd.Stderr = &lockedWriter{w: logf}
	p.Started = time.Now()
	if err := p.cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		if !p.Exited() {
			p.Kill()
		}
	})
	select {
	case <-urls.found:
	case <-p.done:
		t.Fatalf("partnerhub exited before it printed its URLs: %v\n%s", p.err, LogTail(logPath, 40))
	case <-time.After(30 * time.Second):
		p.Kill()
		t.Fatalf("partnerhub did not print its URLs within 30s\n%s", LogTail(logPath, 40))
	}
	p.HubURL, p.ConsoleURL, p.PartnerSystemURL, p.MetricsURL = urls.get()
	if err := p.waitHealthy(30 * time.Second); err != nil {
		p.Kill()
		t.Fatalf("%v\n%s", err, LogTail(logPath, 40))
	}
	return p
}

func (p *Process) waitHealthy(timeout time.Duration) error {
	hc := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	for {
		resp, err := hc.Get(p.HubURL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if p.Exited() {
			return fmt.Errorf("partnerhub exited before its hub answered /healthz: %v", p.err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("partnerhub's hub did not answer /healthz within %s (last: %v)", timeout, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Kill sends SIGKILL (kill -9) and waits for the process to be gone.
func (p *Process) Kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// Interrupt sends SIGINT (Ctrl-C) and waits up to timeout for a clean exit;
// it returns an error when the process does not exit in time (then it is
// killed) or exits with a failure.
func (p *Process) Interrupt(timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		return 0, err
	}
	select {
	case <-p.done:
		return time.Since(start), p.err
	case <-time.After(timeout):
		p.Kill()
		return time.Since(start), fmt.Errorf("partnerhub did not exit within %s of SIGINT", timeout)
	}
}

// RunCommand runs bin with args (a one-shot command such as token create)
// and returns its trimmed stdout.
func RunCommand(ctx context.Context, bin string, env []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s %s: %w: %s", filepath.Base(bin), strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(stdout.String()), nil
}

// LogTail returns the last n lines of the file at path.
func LogTail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// urlScanner reads the URLs `serve` prints on stdout:
//
//	hub:            http://…
//	consoles:       http://…
//	partner system: http://…
//	metrics:        http://…/metrics
type urlScanner struct {
	mu                           sync.Mutex
	buf                          []byte
	hub, console, psURL, metrics string
	found                        chan struct{}
	closed                       bool
}

func (u *urlScanner) Write(b []byte) (int, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed {
		return len(b), nil
	}
	u.buf = append(u.buf, b...)
	for {
		i := bytes.IndexByte(u.buf, '\n')
		if i < 0 {
			break
		}
		line := strings.TrimSpace(string(u.buf[:i]))
		u.buf = u.buf[i+1:]
		for prefix, dst := range map[string]*string{"hub:": &u.hub, "consoles:": &u.console, "partner system:": &u.psURL, "metrics:": &u.metrics} {
			if v, ok := strings.CutPrefix(line, prefix); ok {
				*dst = strings.TrimSpace(v)
			}
		}
	}
	if u.hub != "" && u.console != "" && u.psURL != "" && u.metrics != "" {
		u.closed = true
		u.buf = nil
		close(u.found)
	}
	return len(b), nil
}

func (u *urlScanner) get() (hub, console, ps, metrics string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.hub, u.console, u.psURL, u.metrics
}

type multi []io.Writer

func (m multi) Write(b []byte) (int, error) {
	for _, w := range m {
		if _, err := w.Write(b); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}

// lockedWriter serialises writes: stdout and stderr share the log file.
type lockedWriter struct {
	w io.Writer
}

var logMu sync.Mutex

func (l *lockedWriter) Write(b []byte) (int, error) {
	logMu.Lock()
	defer logMu.Unlock()
	return l.w.Write(b)
}
