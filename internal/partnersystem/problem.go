package partnersystem

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
)

// maxBody bounds every request body; accounts are small, and a bound stops a
// client from making the server buffer without end.
const maxBody = 64 << 10

// Problem is an RFC 9457 problem document, the body of every error answer.
// The client decodes it too, to tell a person what the server said.
type Problem struct {
	Type   string            `json:"type"`
	Title  string            `json:"title"`
	Status int               `json:"status"`
	Detail string            `json:"detail,omitempty"`
	Errors map[string]string `json:"errors,omitempty"`
}

// requestError is a fault in the request itself (syntax, types, size) that
// the handler found before the domain saw anything.
type requestError struct {
	status int
	detail string
	field  string
}

func (e *requestError) Error() string { return e.detail }

// decodeJSON reads exactly one JSON object into dst, refusing unknown fields,
// wrong types, trailing data and bodies over maxBody.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			err = errors.New("trailing data")
		}
	}
	if err == nil {
		return nil
	}
	var (
		maxErr  *http.MaxBytesError
		typeErr *json.UnmarshalTypeError
		synErr  *json.SyntaxError
	)
	switch {
	case errors.As(err, &maxErr):
		return &requestError{status: http.StatusRequestEntityTooLarge,
			detail: fmt.Sprintf("The body is larger than %d bytes.", maxBody)}
	case errors.As(err, &typeErr):
		return &requestError{status: http.StatusBadRequest, field: typeErr.Field,
			detail: fmt.Sprintf("Field %q must be a %s.", typeErr.Field, jsonKind(typeErr.Type.Kind().String()))}
	case errors.As(err, &synErr), errors.Is(err, io.ErrUnexpectedEOF):
		return &requestError{status: http.StatusBadRequest, detail: "The body is not valid JSON."}
	case errors.Is(err, io.EOF):
		return &requestError{status: http.StatusBadRequest, detail: "The body is empty; send a JSON object."}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &requestError{status: http.StatusBadRequest, field: field,
			detail: fmt.Sprintf("Unknown field %q.", field)}
	default:
		return &requestError{status: http.StatusBadRequest, detail: "The body must be a single JSON object."}
	}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "struct", "map":
		return "object"
	default:
		return goKind
	}
}

// writeError is the one place that turns an error into an HTTP answer. It
// never shows internal detail to the caller; that goes to the log.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var (
		ve *ValidationError
		re *requestError
	)
	switch {
	case errors.Is(err, ErrNotFound):
		writeProblem(w, Problem{Status: http.StatusNotFound, Detail: "No account has this id."})
	case errors.As(err, &ve):
		writeProblem(w, Problem{Status: http.StatusUnprocessableEntity,
			Detail: "Some fields are not valid.", Errors: ve.Fields})
	case errors.As(err, &re):
		p := Problem{Status: re.status, Detail: re.detail}
		if re.field != "" {
			p.Errors = map[string]string{re.field: re.detail}
		}
		writeProblem(w, p)
	default:
		log.ErrorContext(r.Context(), "partner system request failed",
			"method", r.Method, "path", r.URL.Path, "err", err)
		writeProblem(w, Problem{Status: http.StatusInternalServerError,
			Detail: "The partner system could not complete the request."})
	}
}

// writeProblem fills the RFC 9457 defaults and writes p.
func writeProblem(w http.ResponseWriter, p Problem) {
	if p.Type == "" {
		p.Type = "about:blank"
	}
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	writeJSONType(w, "application/problem+json", p.Status, p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	writeJSONType(w, "application/json", status, v)
}

func writeJSONType(w http.ResponseWriter, contentType string, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the status is sent; a broken connection is the client's to notice
}
