package partnersystem

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultClientTimeout bounds one request of the client. A deployment step
// that hangs on a stuck partner system would hold its job slot forever; ten
// seconds is long for one small JSON call and short for a job system retry.
const DefaultClientTimeout = 10 * time.Second

// maxAnswer bounds how much of an answer the client reads, so a misrouted
// URL that streams a large page cannot exhaust memory.
const maxAnswer = 1 << 20

// Client is the hub's client for the partner system's HTTP API. It does not
// retry: the caller's job system does, guided by IsTemporary.
type Client struct {
	BaseURL string
	APIKey  string
	HTTP    *http.Client
	// Observe, when set, hears every call that went out: the operation
	// (ensure_account, find_account, list_accounts, close_account,
	// rename_account), its outcome (see Outcome) and how long it took. It
	// is for metrics and must not block.
	Observe func(op, outcome string, took time.Duration)
}

// NewClient returns a client for the partner system at baseURL (for example
// "http://127.0.0.1:8081") with a per-request timeout of DefaultClientTimeout.
func NewClient(baseURL, apiKey string) *Client {
	return &Client{
		BaseURL: strings.TrimRight(baseURL, "/"),
		APIKey:  apiKey,
		HTTP:    &http.Client{Timeout: DefaultClientTimeout},
	}
}

// EnsureAccount creates the account or returns the one that already has its
// external ref. The external ref is sent as the Idempotency-Key, so a retried
// deployment step never makes a second account.
func (c *Client) EnsureAccount(ctx context.Context, in CreateAccount) (Account, error) {
	var a Account
	op := fmt.Sprintf("ensure account %q", in.ExternalRef)
	hdr := http.Header{"Idempotency-Key": {in.ExternalRef}}
	err := c.do(ctx, "ensure_account", op, http.MethodPost, "/api/v1/accounts", hdr, in, &a)
	return a, err
}

// FindByExternalRef returns the account with external ref ref, or an error
// that wraps ErrNotFound when there is none.
func (c *Client) FindByExternalRef(ctx context.Context, ref string) (Account, error) {
	op := fmt.Sprintf("find account %q", ref)
	if ref == "" {
		return Account{}, &Error{Op: op, Msg: "no external ref given", Err: invalid("externalRef", "Enter the external ref.")}
	}
	items, err := c.list(ctx, "find_account", op, ListFilter{ExternalRef: ref})
	if err != nil {
		return Account{}, err
	}
	if len(items) == 0 {
		return Account{}, &Error{Op: op, Msg: "partner system has no such account", Err: ErrNotFound}
	}
	return items[0], nil
}

// Close closes the account with id; closing a closed account succeeds.
func (c *Client) Close(ctx context.Context, id string) (Account, error) {
	op := fmt.Sprintf("close account %q", id)
	var a Account
	if err := checkID(op, id); err != nil {
		return a, err
	}
	err := c.do(ctx, "close_account", op, http.MethodPost, "/api/v1/accounts/"+url.PathEscape(id)+"/close", nil, nil, &a)
	return a, err
}

// Rename gives the account with id a new name.
func (c *Client) Rename(ctx context.Context, id, name string) (Account, error) {
	op := fmt.Sprintf("rename account %q", id)
	var a Account
	if err := checkID(op, id); err != nil {
		return a, err
	}
	body := struct {
		Name string `json:"name"`
	}{name}
	err := c.do(ctx, "rename_account", op, http.MethodPatch, "/api/v1/accounts/"+url.PathEscape(id), nil, body, &a)
	return a, err
}

// List returns the accounts matching f.
func (c *Client) List(ctx context.Context, f ListFilter) ([]Account, error) {
	return c.list(ctx, "list_accounts", "list accounts", f)
}

func (c *Client) list(ctx context.Context, call, op string, f ListFilter) ([]Account, error) {
	q := url.Values{}
	for k, v := range map[string]string{"kind": f.Kind, "status": f.Status,
		"parentAccountId": f.ParentAccountID, "externalRef": f.ExternalRef} {
		if v != "" {
			q.Set(k, v)
		}
	}
	path := "/api/v1/accounts"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var out struct {
		Items []Account `json:"items"`
	}
	if err := c.do(ctx, call, op, http.MethodGet, path, nil, nil, &out); err != nil {
		return nil, err
	}
	if out.Items == nil {
		out.Items = []Account{}
	}
	return out.Items, nil
}

// checkID refuses an empty id locally: sent, it would name another route.
func checkID(op, id string) error {
	if id == "" {
		return &Error{Op: op, Msg: "no account id given", Err: invalid("id", "Enter the account id.")}
	}
	return nil
}

// do sends one request and tells Observe about it; call names the
// operation for Observe, op describes it (with its ids) for errors.
func (c *Client) do(ctx context.Context, call, op, method, path string, hdr http.Header, body, out any) error {
	if c.Observe == nil {
		return c.send(ctx, op, method, path, hdr, body, out)
	}
	start := time.Now()
	err := c.send(ctx, op, method, path, hdr, body, out)
	c.Observe(call, Outcome(ctx, err), time.Since(start))
	return err
}

// send sends one request and decodes a 2xx JSON answer into out. Every
// failure comes back as an *Error whose message a person can act on.
func (c *Client) send(ctx context.Context, op, method, path string, hdr http.Header, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return &Error{Op: op, Msg: "could not encode the request", Err: err}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, rd)
	if err != nil {
		return &Error{Op: op, Msg: "bad partner system URL " + c.BaseURL, Err: err}
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	req.Header.Set("Authorization", "Bearer "+c.APIKey)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: DefaultClientTimeout}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return c.transportError(ctx, op, hc.Timeout, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return c.transportError(ctx, op, hc.Timeout, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return statusError(op, resp, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return &Error{Op: op, Status: resp.Status, StatusCode: resp.StatusCode,
			Msg: "partner system sent an answer that is not the expected JSON", Err: err}
	}
	return nil
}
