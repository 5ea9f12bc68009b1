package partnersystem

import (
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"
)

// handler serves the partner system's HTTP API on its own listener.
type handler struct {
	svc    *Service
	keySum [32]byte
	hasKey bool
	log    *slog.Logger
}

// NewHandler returns the partner system's HTTP API. Every route but
// /healthz needs "Authorization: Bearer <apiKey>"; an empty apiKey refuses
// every such request rather than letting anyone in.
func NewHandler(svc *Service, apiKey string) http.Handler {
	h := &handler{svc: svc, keySum: sha256.Sum256([]byte(apiKey)), hasKey: apiKey != "", log: slog.Default()}
	routes := []struct {
		pattern string
		fn      http.HandlerFunc
		public  bool
	}{
		{"GET /healthz", h.health, true},
		{"POST /api/v1/accounts", h.create, false},
		{"GET /api/v1/accounts", h.list, false},
		{"GET /api/v1/accounts/{id}", h.get, false},
		{"PATCH /api/v1/accounts/{id}", h.rename, false},
		{"POST /api/v1/accounts/{id}/close", h.close, false},
	}
	mux := http.NewServeMux()
	allow := map[string][]string{} // path -> methods, for 405 answers
	for _, rt := range routes {
		fn := rt.fn
		if !rt.public {
			fn = h.authenticated(fn)
		}
		mux.HandleFunc(rt.pattern, fn)
		method, path, _ := strings.Cut(rt.pattern, " ")
		allow[path] = append(allow[path], method)
	}
	// A method-less pattern is less specific than the routes above, so it
	// only catches the wrong methods; it answers 405 as problem+json instead
	// of the mux's plain text, and "/" does the same for unknown paths.
	for path, methods := range allow {
		mux.HandleFunc(path, methodNotAllowed(strings.Join(methods, ", ")))
	}
	mux.HandleFunc("/", h.notFound)
	return mux
}

func methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeProblem(w, Problem{Status: http.StatusMethodNotAllowed, Detail: "Use " + allow + "."})
	}
}

// authenticated checks the bearer key. Both sides are hashed first so the
// constant-time compare does not leak the key's length either.
func (h *handler) authenticated(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		sum := sha256.Sum256([]byte(strings.TrimSpace(got)))
		if !ok || !h.hasKey || subtle.ConstantTimeCompare(sum[:], h.keySum[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="partner-system"`)
			writeProblem(w, Problem{Status: http.StatusUnauthorized, Detail: "Send a valid API key as a Bearer token."})
			return
		}
		next(w, r)
	}
}

func (h *handler) health(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, Problem{Status: http.StatusNotFound, Detail: "No such route."})
}

// create answers 201 for a new account and 200 for the one that already had
// the external ref, so a caller can tell a retry from a first call.
func (h *handler) create(w http.ResponseWriter, r *http.Request) {
	var in CreateAccount
	if err := decodeJSON(w, r, &in); err != nil {
		writeError(w, r, h.log, err)
		return
	}
	if key := r.Header.Get("Idempotency-Key"); key != "" && key != in.ExternalRef {
		writeError(w, r, h.log, invalid("Idempotency-Key", "Idempotency-Key must equal externalRef."))
		return
	}
	a, created, err := h.svc.Create(r.Context(), in)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", "/api/v1/accounts/"+a.ID)
	}
	writeJSON(w, status, a)
}

func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	items, err := h.svc.List(r.Context(), ListFilter{
		Kind:            q.Get("kind"),
		Status:          q.Get("status"),
		ParentAccountID: q.Get("parentAccountId"),
		ExternalRef:     q.Get("externalRef"),
	})
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string][]Account{"items": items})
}

func (h *handler) get(w http.ResponseWriter, r *http.Request) {
	h.respond(w, r)(h.svc.Get(r.Context(), r.PathValue("id")))
}

func (h *handler) close(w http.ResponseWriter, r *http.Request) {
	h.respond(w, r)(h.svc.Close(r.Context(), r.PathValue("id")))
}

func (h *handler) rename(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		writeError(w, r, h.log, err)
		return
	}
	h.respond(w, r)(h.svc.Rename(r.Context(), r.PathValue("id"), in.Name))
}

// respond writes one account or the error, for the routes that answer with
// a single account.
func (h *handler) respond(w http.ResponseWriter, r *http.Request) func(Account, error) {
	return func(a Account, err error) {
		if err != nil {
			writeError(w, r, h.log, err)
			return
		}
		writeJSON(w, http.StatusOK, a)
	}
}
