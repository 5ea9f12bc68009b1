package api

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// TestUnroutedRequests: a wrong method is a 405 problem with Allow, an
// unknown path a 404 problem.
func TestUnroutedRequests(t *testing.T) {
	h := (&API{}).Routes()
	for _, tc := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"PUT", "/api/v1/customers", 405, "GET, POST"},
		{"PATCH", "/api/v1/customers/abc", 405, "GET, DELETE"},
		{"GET", "/api/v1/customers/abc/actions/update", 405, "POST"},
		{"GET", "/api/v1/nothing", 404, ""},
		{"GET", "/api/v2/customers", 404, ""},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		if rec.Code != tc.status || rec.Header().Get("Allow") != tc.allow ||
			!strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") {
			t.Errorf("%s %s: %d Allow=%q %s", tc.method, tc.path, rec.Code, rec.Header().Get("Allow"), rec.Header().Get("Content-Type"))
		}
	}
}
