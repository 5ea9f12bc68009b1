package api

import (
	"net/http"

	"partnerhub/internal/customer"
	"partnerhub/internal/httpx"
	"partnerhub/internal/hub"
)

// Settings are the partner's settings the API exposes.
type Settings struct {
	// DemoAutoDelete removes DEMO customers automatically once they expire.
	DemoAutoDelete bool `json:"demoAutoDelete"`
	// DemoLifetimeDays is how long a new DEMO lives before it expires.
	DemoLifetimeDays int `json:"demoLifetimeDays"`
}

func (a *API) getSettings(w http.ResponseWriter, r *http.Request, actor hub.Actor) {
	on, err := a.Hub.DemoAutoDelete(r.Context(), actor)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, Settings{DemoAutoDelete: on, DemoLifetimeDays: int(customer.DemoLifetime.Hours() / 24)})
}

// patchSettings changes the settings that the body names (admins only).
func (a *API) patchSettings(w http.ResponseWriter, r *http.Request, actor hub.Actor) {
	var req struct {
		DemoAutoDelete *bool `json:"demoAutoDelete"`
	}
	if p := httpx.DecodeJSON(w, r, &req); p != nil {
		httpx.WriteProblem(w, p)
		return
	}
	if req.DemoAutoDelete == nil {
		p := httpx.NewProblem(http.StatusUnprocessableEntity, "name a setting to change")
		p.Errors = map[string]string{"demoAutoDelete": "must be true or false"}
		httpx.WriteProblem(w, p)
		return
	}
	if err := a.Hub.SetDemoAutoDelete(r.Context(), actor, *req.DemoAutoDelete); err != nil {
		a.fail(w, r, err)
		return
	}
	a.getSettings(w, r, actor)
}
