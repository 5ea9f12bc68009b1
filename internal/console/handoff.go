package console

import (
	"net/http"
)

// redeem signs a partner in from the hub's hand-off link. The token is
// redeemed for the customer in the URL, so a link for one customer cannot
// open another's console; the partner must also still hold delegated
// access. The session token lives only in an HttpOnly cookie scoped to this
// customer's path. Every outcome goes to the partner's audit log.
func (h *handler) redeem(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("customerID")
	w.Header().Set("Cache-Control", "no-store")
	if r.Method == http.MethodHead {
		// Link previewers and scanners probe with HEAD: answering without
		// redeeming keeps the single-use link for the person who opens it.
		w.WriteHeader(http.StatusOK)
		return
	}
	token := r.URL.Query().Get("token")
	if token == "" {
		h.message(w, id, http.StatusForbidden, "Sign-in failed", "This sign-in link is invalid, used or expired.")
		return
	}
	v, err := h.handoff.RedeemHandoff(r.Context(), token, id)
	if err != nil {
		h.log.InfoContext(r.Context(), "console hand-off refused", "customer", id, "err", err)
		h.event(r, AuditEvent{Action: "console.sign_in", Detail: "hand-off", Err: ErrHandoffRefused})
		h.message(w, id, http.StatusForbidden, "Sign-in failed", "This sign-in link is invalid, used or expired.")
		return
	}
	granted, partnerID, err := h.m.PartnerAccess(r.Context(), id)
	if err != nil {
		h.fail(w, r, id, err)
		return
	}
	if !granted || partnerID == "" || v.PartnerID != partnerID {
		h.event(r, AuditEvent{ActorID: v.UserID, Actor: v.Email, Action: "console.sign_in", Detail: "hand-off", Err: ErrAccessNotGranted})
		h.message(w, id, http.StatusForbidden, "Access not granted",
			"Partner access to this console is not granted. The customer's admin can grant it again in the console's settings.")
		return
	}
	sessionToken, err := h.m.startSession(r.Context(), id, v, h.now())
	if err != nil {
		h.fail(w, r, id, err)
		return
	}
	h.event(r, AuditEvent{ActorID: v.UserID, Actor: v.Email, Action: "console.sign_in", Detail: "hand-off"})
	h.setCookie(w, r, id, sessionToken)
	http.Redirect(w, r, "/c/"+id+"/", http.StatusSeeOther)
}
