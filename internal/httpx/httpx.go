// Package httpx holds the small HTTP pieces the hub's web UI and API share:
// JSON bodies with limits, problem+json errors and security headers.
package httpx

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"
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
// invalid UTF-8, duplicate keys, unknown fields, wrong types and trailing
// data with a problem a person can read.
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
	// encoding/json would turn invalid bytes into U+FFFD, hiding them from
	// every check after it.
	if !utf8.Valid(data) {
		return NewProblem(http.StatusBadRequest, "the body must be valid UTF-8")
	}
	if p := checkKeys(data); p != nil {
		return p
	}
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
		if typeErr.Field == "" {
			return NewProblem(http.StatusBadRequest, "the body must be a JSON object")
		}
		want := jsonKind(typeErr.Type, typeErr.Value)
		p := NewProblem(http.StatusBadRequest, fmt.Sprintf("field %q must be %s", typeErr.Field, want))
		p.Errors = map[string]string{typeErr.Field: "must be " + want}
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

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// jsonKind says in JSON's words what a value of Go type t is written as:
// "an object", not "struct". value is encoding/json's description of what
// came instead ("number 1.5").
func jsonKind(t reflect.Type, value string) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "a JSON value"
	}
	if reflect.PointerTo(t).Implements(textUnmarshaler) {
		return "a string"
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "a string" // base64
		}
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if strings.HasPrefix(value, "number") {
			return "a whole number" // 1.5, or out of range
		}
		return "a number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a JSON value"
}

// checkKeys refuses a body whose top level is not an object, or in which an
// object names a key twice: encoding/json would keep the last silently, so
// what a proxy or log reads could differ from what the hub acts on. Keys
// that encoding/json binds to the same field ("name", "Name") count as the
// same. Syntax errors are left to the decoder, and only the first value is
// read (trailing data is the decoder's to refuse too).
func checkKeys(data []byte) *Problem {
	type frame struct {
		keys     map[string]bool // nil in an array
		path     string
		key      string // the key whose value is being read
		wantsKey bool
		index    int
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		if len(stack) == 0 && tok != json.Delim('{') {
			return NewProblem(http.StatusBadRequest, "the body must be a JSON object")
		}
		if tok == json.Delim('}') || tok == json.Delim(']') {
			if stack = stack[:len(stack)-1]; len(stack) == 0 {
				return nil
			}
			continue
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if key, ok := tok.(string); ok && top != nil && top.keys != nil && top.wantsKey {
			folded := foldKey(key)
			if top.keys[folded] {
				return NewProblem(http.StatusBadRequest, fmt.Sprintf("the field %q appears twice", join(top.path, key)))
			}
			top.keys[folded] = true
			top.key, top.wantsKey = key, false
			continue
		}
		// tok is a value, or opens one.
		path := ""
		switch {
		case top == nil:
		case top.keys != nil:
			path = join(top.path, top.key)
			top.wantsKey = true
		default:
			path = fmt.Sprintf("%s[%d]", top.path, top.index)
			top.index++
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{keys: map[string]bool{}, path: path, wantsKey: true})
		case json.Delim('['):
			stack = append(stack, &frame{path: path})
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// foldKey is the form under which encoding/json matches a key to a field:
// letters folded the way its case-insensitive match folds them.
func foldKey(k string) string {
	return strings.Map(func(r rune) rune { return unicode.ToLower(unicode.ToUpper(r)) }, k)
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
