package api

import (
	_ "embed"
	"net/http"
)

// openAPIDoc describes every route of the API. It is written by hand, and
// TestOpenAPIContract holds it against the real answers of a running
// server, so it cannot drift from what the handlers do.
//
//go:embed openapi.json
var openAPIDoc []byte

// serveOpenAPI is GET /api/v1/openapi.json: documentation, so no token.
// no-cache rather than no-store: a client may keep it, but asks again,
// since replicas of another release may answer during a rolling upgrade.
func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	w.Write(openAPIDoc)
}
