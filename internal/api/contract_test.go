package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"partnerhub/internal/testkit"
)

// reqCheck says what a step's request must be, held against the document.
type reqCheck int

const (
	// reqAuto: a request answered 2xx must conform; others are not held.
	reqAuto reqCheck = iota
	// reqConforms: the request conforms although the API refuses it (the
	// refusal depends on state, role or origin, not on the request's shape).
	reqConforms
	// reqViolates: the document refuses the request too, so that it is no
	// laxer than the API.
	reqViolates
)

// step is one request of the contract test and the status it must get.
type step struct {
	name         string
	method, path string // path placeholders: {ready}, {demo}, {stuck}, {missing}
	as           string // the token: "" admin's, "tech", "viewer", "none", "bogus", "lowercase" (admin's as "bearer …")
	body         string
	ctype        string // Content-Type; application/json when there is a body and this is empty
	header       map[string]string
	want         int
	req          reqCheck
}

// contract runs steps against a real server and holds every answer against
// the document; it remembers which documented status each operation gave.
type contract struct {
	s      *testkit.Server
	doc    *openapi3.T
	router routers.Router
	tokens map[string]string
	ids    map[string]string
	seen   map[string]map[int]bool // "GET /api/v1/customers" → statuses seen
}

func (c *contract) fill(s string) string {
	for k, v := range c.ids {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

// run sends st and checks the answer: the status the step wants, the
// security headers, a problem's status, and the answer against the
// document (status documented for the operation, content type, headers,
// body). It returns the body.
func (c *contract) run(t *testing.T, st step) []byte {
	t.Helper()
	path := c.fill(st.path)
	newReq := func() *http.Request {
		req, err := http.NewRequest(st.method, c.s.App.HubURL+path, strings.NewReader(st.body))
		if err != nil {
			t.Fatal(err)
		}
		if st.body == "" {
			req.Body, req.ContentLength = http.NoBody, 0
		}
		switch st.as {
		case "none":
		case "lowercase":
			req.Header.Set("Authorization", "bearer "+c.s.Token)
		case "bogus":
			req.Header.Set("Authorization", "Bearer ph_not-a-token")
		case "":
			req.Header.Set("Authorization", "Bearer "+c.s.Token)
		default:
			req.Header.Set("Authorization", "Bearer "+c.tokens[st.as])
		}
		if ct := st.ctype; ct != "" || st.body != "" {
			if ct == "" {
				ct = "application/json"
			}
			req.Header.Set("Content-Type", ct)
		}
		for k, v := range st.header {
			req.Header.Set(k, v)
		}
		return req
	}

	req := newReq()
	route, params, routeErr := c.router.FindRoute(req)
	if routeErr == nil && (st.req == reqConforms || st.req == reqViolates || st.req == reqAuto && st.want < 300) {
		err := openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
			Request: newReq(), PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: requestAuth},
		})
		switch {
		case st.req == reqViolates && err == nil:
			t.Errorf("%s: the document accepts the request %s %s %s, which the API refuses", st.name, st.method, path, st.body)
		case st.req != reqViolates && err != nil:
			t.Errorf("%s: the document refuses the request %s %s: %v", st.name, st.method, path, err)
		}
	}

	resp, err := c.s.HTTP.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", st.name, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != st.want {
		t.Errorf("%s: %s %s: %d %s, want %d", st.name, st.method, path, resp.StatusCode, body, st.want)
	}
	checkCommon(t, st.name, resp, body)
	if routeErr != nil {
		c.checkUnrouted(t, st.name, routeErr, resp, body)
		return body
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s: %s %s: the answer is not as documented: %v\n%s", st.name, st.method, path, err, body)
	}
	key := route.Method + " " + route.Path
	if c.seen[key] == nil {
		c.seen[key] = map[int]bool{}
	}
	c.seen[key][resp.StatusCode] = true
	return body
}

// checkCommon holds what every answer of the API has: the security headers
// of every hub response, and a problem whose status is the answer's.
func checkCommon(t *testing.T, name string, resp *http.Response, body []byte) {
	t.Helper()
	h := resp.Header
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") ||
		h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" || h.Get("X-Frame-Options") != "DENY" {
		t.Errorf("%s: security headers missing: %v", name, h)
	}
	if h.Get("Content-Type") == "application/problem+json" {
		var p struct{ Status int }
		if err := json.Unmarshal(body, &p); err != nil || p.Status != resp.StatusCode {
			t.Errorf("%s: the problem's status %d is not the answer's %d (%v)", name, p.Status, resp.StatusCode, err)
		}
	}
}

// checkUnrouted holds an answer to a request that no documented operation
// takes against the NoSuchRoute (404) or MethodNotAllowed (405) response of
// the document.
func (c *contract) checkUnrouted(t *testing.T, name string, routeErr error, resp *http.Response, body []byte) {
	t.Helper()
	var component string
	switch {
	case resp.StatusCode == http.StatusNotFound && strings.Contains(routeErr.Error(), routers.ErrPathNotFound.Error()):
		component = "NoSuchRoute"
	case resp.StatusCode == http.StatusMethodNotAllowed && strings.Contains(routeErr.Error(), routers.ErrMethodNotAllowed.Error()):
		component = "MethodNotAllowed"
	default:
		t.Errorf("%s: %d for a request the document does not route (%v)", name, resp.StatusCode, routeErr)
		return
	}
	r := c.doc.Components.Responses[component].Value
	mt := r.Content.Get(resp.Header.Get("Content-Type"))
	if mt == nil {
		t.Errorf("%s: content type %q is not the documented one of %s", name, resp.Header.Get("Content-Type"), component)
		return
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Errorf("%s: %v", name, err)
	} else if err := mt.Schema.Value.VisitJSON(v, openapi3.EnableJSONSchema2020(), openapi3.VisitAsResponse()); err != nil {
		t.Errorf("%s: the answer is not the documented %s: %v", name, component, err)
	}
	for hname, hdr := range r.Headers {
		value := resp.Header.Get(hname)
		switch {
		case value == "" && hdr.Value.Required:
			t.Errorf("%s: header %s missing", name, hname)
		case value != "":
			if err := hdr.Value.Schema.Value.VisitJSON(value, openapi3.EnableJSONSchema2020()); err != nil {
				t.Errorf("%s: header %s: %v", name, hname, err)
			}
		}
	}
	if c.seen[component] == nil {
		c.seen[component] = map[int]bool{}
	}
	c.seen[component][resp.StatusCode] = true
}

// checkCoverage fails for every documented operation and status that no
// step produced: the document may promise nothing the API was not seen to
// do. 500 is the exception: only a broken server gives it.
func (c *contract) checkCoverage(t *testing.T) {
	t.Helper()
	for key, op := range operations(c.doc) {
		if c.seen[key] == nil {
			t.Errorf("%s is documented but no step called it", key)
			continue
		}
		for code := range op.Responses.Map() {
			n, err := strconv.Atoi(code)
			if err != nil {
				t.Errorf("%s documents %q: only numeric statuses, please", key, code)
				continue
			}
			if n != http.StatusInternalServerError && !c.seen[key][n] {
				t.Errorf("%s documents %d, which no step produced", key, n)
			}
		}
	}
	for _, component := range []string{"NoSuchRoute", "MethodNotAllowed"} {
		if c.seen[component] == nil {
			t.Errorf("no step produced the %s answer", component)
		}
	}
}

// decode reads a JSON answer into v.
func decode(t *testing.T, body []byte, v any) {
	t.Helper()
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
}

// requestAuth stands in for the API's token check when a request is held
// against the document: it asks only that a bearer token be sent.
func requestAuth(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if in.SecuritySchemeName != "bearerAuth" {
		return fmt.Errorf("unknown security scheme %q", in.SecuritySchemeName)
	}
	scheme, token, _ := strings.Cut(in.RequestValidationInput.Request.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return errors.New("no bearer token")
	}
	return nil
}
