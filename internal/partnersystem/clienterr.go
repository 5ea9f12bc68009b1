package partnersystem

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Error is what the Client returns for every failure. Its message says what
// happened in words an operator can act on; Temporary tells the caller's job
// system whether trying again later can help. Err is the cause: ErrNotFound
// or a *ValidationError when the server said so, so errors.Is and errors.As
// work as they do on the Service.
type Error struct {
	Op         string        // what the client tried, e.g. `close account "acc_1"`
	Msg        string        // what happened, for a person
	StatusCode int           // the HTTP status, 0 when no answer came
	Status     string        // e.g. "503 Service Unavailable"
	Problem    *Problem      // the server's problem document, when it sent one
	RetryAfter time.Duration // from a 429 or 503 Retry-After header
	Temporary  bool
	Err        error
}

func (e *Error) Error() string { return "partnersystem: " + e.Op + ": " + e.Msg }

func (e *Error) Unwrap() error { return e.Err }

// IsTemporary reports whether err may go away by itself: a network failure,
// a timeout, a 5xx, a 408 or a 429. Validation, authentication and not-found
// answers are permanent; retrying them only delays the real fix. A canceled
// context is not temporary: the caller itself stopped.
func IsTemporary(err error) bool {
	if err == nil {
		return false
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Temporary
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne)
}

// Outcome sorts a call's result into a few words, for metrics: ok;
// not_found (404); rejected (the partner system refused the request: a
// 4xx such as a bad key or invalid input); unavailable (5xx, 408, 429);
// timeout (no answer in time); unreachable (no connection); canceled (the
// caller gave up); error (anything else: an answer that is not the
// expected JSON, a request that could not be built).
func Outcome(ctx context.Context, err error) string {
	if err == nil {
		return "ok"
	}
	var e *Error
	if !errors.As(err, &e) {
		return "error"
	}
	code := e.StatusCode
	var ne net.Error
	switch {
	case code == http.StatusNotFound:
		return "not_found"
	case code == http.StatusRequestTimeout, code == http.StatusTooManyRequests, code >= 500:
		return "unavailable"
	case code >= 400:
		return "rejected"
	case code != 0:
		return "error" // 2xx with a bad body, or an unexpected status
	case errors.Is(ctx.Err(), context.Canceled):
		return "canceled"
	case errors.Is(ctx.Err(), context.DeadlineExceeded), errors.As(e.Err, &ne) && ne.Timeout():
		return "timeout"
	case e.Temporary:
		return "unreachable"
	}
	return "error"
}

// transportError explains a request that got no answer.
func (c *Client) transportError(ctx context.Context, op string, timeout time.Duration, err error) *Error {
	cause := err
	var ue *url.Error
	if errors.As(err, &ue) {
		cause = ue.Err // the URL is said once, below, not twice
	}
	e := &Error{Op: op, Temporary: true, Err: err}
	var ne net.Error
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		e.Msg, e.Temporary = "request canceled before the partner system answered", false
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		e.Msg = "partner system did not answer before the caller's deadline"
	case errors.As(err, &ne) && ne.Timeout() && timeout > 0:
		e.Msg = fmt.Sprintf("partner system did not answer within %s", timeout)
	case errors.As(err, &ne) && ne.Timeout():
		e.Msg = "partner system did not answer in time"
	default:
		e.Msg = fmt.Sprintf("partner system unreachable at %s: %v", c.BaseURL, cause)
	}
	return e
}

// statusError explains a non-2xx answer, using the server's problem
// document when there is one.
func statusError(op string, resp *http.Response, body []byte) *Error {
	e := &Error{Op: op, StatusCode: resp.StatusCode, Status: resp.Status}
	var p Problem
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") &&
		json.Unmarshal(body, &p) == nil {
		e.Problem = &p
	}
	code := resp.StatusCode
	switch {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		e.Msg = "partner system refused the API key: " + resp.Status
	case code == http.StatusNotFound && e.Problem != nil:
		e.Msg, e.Err = "partner system has no such account: "+resp.Status, ErrNotFound
	case code == http.StatusNotFound:
		e.Msg = "partner system answered " + resp.Status + " without a problem document; is the URL right?"
	case code == http.StatusBadRequest || code == http.StatusUnprocessableEntity || code == http.StatusRequestEntityTooLarge:
		e.Msg = "partner system rejected the request: " + resp.Status
		if e.Problem != nil && len(e.Problem.Errors) > 0 {
			e.Err = &ValidationError{Fields: e.Problem.Errors}
		}
	case code == http.StatusTooManyRequests:
		e.Msg, e.Temporary = "partner system is rate limiting requests: "+resp.Status, true
	case code == http.StatusRequestTimeout:
		e.Msg, e.Temporary = "partner system timed out reading the request: "+resp.Status, true
	case code == http.StatusInternalServerError:
		e.Msg, e.Temporary = "partner system failed: "+resp.Status, true
	case code >= 500:
		e.Msg, e.Temporary = "partner system unavailable: "+resp.Status, true
	default:
		e.Msg = "partner system answered unexpectedly: " + resp.Status
	}
	if e.Problem != nil {
		e.Msg += problemText(e.Problem)
	}
	e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"))
	return e
}

// problemText renders the server's detail and field messages, sorted so the
// message is the same every time.
func problemText(p *Problem) string {
	var parts []string
	keys := make([]string, 0, len(p.Errors))
	for k := range p.Errors {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, k+": "+p.Errors[k])
	}
	s := strings.TrimSpace(p.Detail + " " + strings.Join(parts, "; "))
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

// retryAfter reads Retry-After as seconds or an HTTP date; 0 when absent.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}
