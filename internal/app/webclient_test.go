package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/testkit"
)

// webClient is a browser for the hub's and the consoles' pages: a cookie
// jar, redirects left to the test, the same-origin headers a browser sends
// with its own forms.
type webClient struct {
	t    testing.TB
	base string
	c    *http.Client
}

func newWebClient(t testing.TB, base string) *webClient {
	jar, _ := cookiejar.New(nil)
	return &webClient{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends a request to path (on base) or to an absolute URL; a form makes
// it a same-origin form POST.
func (w *webClient) do(method, target string, form url.Values, hdr ...string) (*http.Response, string) {
	w.t.Helper()
	if !strings.HasPrefix(target, "http") {
		target = w.base + target
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		w.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if method != "GET" {
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := w.c.Do(req)
	if err != nil {
		w.t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (w *webClient) get(target string) (*http.Response, string) { return w.do("GET", target, nil) }

func (w *webClient) post(target string, form url.Values) (*http.Response, string) {
	if form == nil {
		form = url.Values{}
	}
	return w.do("POST", target, form)
}

// signIn signs in with a password and fails the test otherwise. A
// one-time password (the first admin's, an invitation's) leads to the
// password change first: signIn makes it as the person would, choosing
// "chosen <one-time password>", and returns the password that now holds.
func (w *webClient) signIn(email, password string) string {
	w.t.Helper()
	resp, body := w.post("/signin", url.Values{"email": {email}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		w.t.Fatalf("sign in %s: %d\n%s", email, resp.StatusCode, body)
	}
	if resp.Header.Get("Location") != "/account" {
		return password
	}
	chosen := "chosen " + password
	resp, body = w.post("/account/password", url.Values{"current": {password}, "new": {chosen}, "confirm": {chosen}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/customers" {
		w.t.Fatalf("first password change of %s: %d\n%s", email, resp.StatusCode, body)
	}
	return chosen
}

// cookie returns the value of the named cookie the jar holds for base.
func (w *webClient) cookie(name string) string {
	u, _ := url.Parse(w.base)
	for _, c := range w.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// auditEntry is an entry of GET /api/v1/audit.
type auditEntry struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Addr   string    `json:"addr"`
	Action string    `json:"action"`
	Target string    `json:"target"`
	Detail string    `json:"detail"`
	Result string    `json:"result"`
}

// auditEntries reads the admin's partner's audit log through the API.
func auditEntries(t testing.TB, s *testkit.Server, query string) []auditEntry {
	t.Helper()
	code, body := s.Do(t, "GET", "/api/v1/audit?"+query, nil)
	if code != 200 {
		t.Fatalf("audit: %d %s", code, body)
	}
	var page struct{ Items []auditEntry }
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatal(err)
	}
	return page.Items
}
