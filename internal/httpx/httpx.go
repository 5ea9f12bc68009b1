// Package httpx holds the small HTTP pieces the hub's web UI and API share:
// JSON bodies with limits, problem+json errors and security headers.
package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
)

// MaxBody is the largest request body the hub reads.
const MaxBody = 64 << 10

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type   string            `json:"type"`
	Title  string            `json:"title"`
	Status int               `json:"status"`
	Detail string            `json:"detail,omitempty"`
	Errors map[string]string `json:"errors,omitempty"`
}

// NewProblem builds a problem of the given status.
func NewProblem(status int, detail string) *Problem {
	return &Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail}
}

func (p *Problem) Error() string { return p.Detail }

// WriteProblem sends p as application/problem+json.
func WriteProblem(w http.ResponseWriter, p *Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

// WriteJSON sends v as JSON with the status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// DecodeJSON reads one JSON object of at most MaxBody bytes into v, refusing
// unknown fields, wrong types and trailing data with a problem a person can read.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any) *Problem {
	_, p := ReadJSON(w, r, v)
	return p
}

// ReadJSON is DecodeJSON that also returns the raw body (to hash it for an
// idempotency key, say).
func ReadJSON(w http.ResponseWriter, r *http.Request, v any) ([]byte, *Problem) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return nil, NewProblem(http.StatusUnsupportedMediaType, "send the body as application/json")
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return nil, NewProblem(http.StatusRequestEntityTooLarge, fmt.Sprintf("the body must be at most %d bytes", MaxBody))
	}
	if err != nil {
		return nil, NewProblem(http.StatusBadRequest, "the body could not be read")
	}
	return data, decode(data, v)
}

func decode(data []byte, v any) *Problem {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, err2 := dec.Token(); err2 != io.EOF {
			return NewProblem(http.StatusBadRequest, "the body must be a single JSON object")
		}
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		p := NewProblem(http.StatusBadRequest, fmt.Sprintf("field %q must be a %s", typeErr.Field, typeErr.Type.Kind()))
		if typeErr.Field != "" {
			p.Errors = map[string]string{typeErr.Field: "must be a " + typeErr.Type.Kind().String()}
		}
		return p
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return NewProblem(http.StatusBadRequest, "the body is not valid JSON")
	case errors.Is(err, io.EOF):
		return NewProblem(http.StatusBadRequest, "the body is empty; send a JSON object")
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return NewProblem(http.StatusBadRequest, "the body has an "+strings.TrimPrefix(err.Error(), "json: "))
	}
	return NewProblem(http.StatusBadRequest, "the body could not be read as JSON")
}

// SecurityHeaders sets the headers every page and response carries: no
// inline script, no framing, no sniffing, no referrer leaks.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// ClientAddr is the client's IP address for the audit log and the limits
// on failed sign-ins. X-Forwarded-For is believed only behind a proxy
// (trustProxy), and then only its last entry: the address the proxy itself
// saw, which the client cannot forge by sending the header.
func ClientAddr(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if ip := strings.TrimSpace(parts[len(parts)-1]); ip != "" {
				if a, err := netip.ParseAddr(ip); err == nil {
					return a.Unmap().String()
				}
			}
		}
	}
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap().String()
	}
	return r.RemoteAddr
}
