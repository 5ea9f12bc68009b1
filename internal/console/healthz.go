package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

type health struct {
	CustomerID    string `json:"customerId"`
	Status        string `json:"status"`
	SchemaVersion int    `json:"schemaVersion,omitempty"`
	Reason        string `json:"reason,omitempty"`
}

// healthz is what the deployment's verify step and monitoring ask: 200 when
// the customer's environment passes Check, 503 with a reason a person can
// act on otherwise.
func (h *handler) healthz(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("customerID")
	v, verr := h.m.SchemaVersion(r.Context(), id)
	if err := h.m.Check(r.Context(), id); err != nil {
		reason := "database unavailable"
		switch {
		case errors.Is(err, ErrNotFound):
			reason = "database missing"
		case errors.Is(err, ErrOutdated) && verr == nil:
			reason = fmt.Sprintf("schema at version %d, want %d", v, CurrentVersion)
		case errors.Is(err, ErrNoProfile):
			reason = "profile missing"
		default:
			h.log.ErrorContext(r.Context(), "console health check", "customer", id, "err", err)
		}
		writeJSON(w, http.StatusServiceUnavailable, health{CustomerID: id, Status: "unavailable", SchemaVersion: v, Reason: reason})
		return
	}
	writeJSON(w, http.StatusOK, health{CustomerID: id, Status: "ok", SchemaVersion: v})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
