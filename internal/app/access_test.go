package app_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/config"
	"partnerhub/internal/testkit"
)

// TestPartnerAccessInTheConsole runs the partner-access story on a real
// hub and console: access is granted at deployment; the partner hands the
// customer's admin a one-time password; the customer's admin chooses their
// own and revokes the partner's access in the console's settings; the
// partner's console session ends, Visit shows disabled with the reason,
// issued hand-offs are refused; access granted again works again.
func TestPartnerAccessInTheConsole(t *testing.T) {
	s := testkit.Start(t, func(c *config.Config) { c.ReconcileEvery = 200 * time.Millisecond })
	ctx := context.Background()
	id := addCustomer(t, s, "customer", "Tailspin Toys", "Tailspin")
	s.WaitStatus(t, id, "ready", time.Minute)
	admin, _, err := s.App.Hub.SignIn(ctx, s.AdminEmail, s.AdminPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	if granted, pid, _ := s.App.Consoles.PartnerAccess(ctx, id); !granted || pid != admin.PartnerID {
		t.Fatalf("deployment did not grant access: %v %q", granted, pid)
	}
	inv, err := s.App.Hub.Invite(ctx, admin, "tech@partner.example", "technician")
	if err != nil {
		t.Fatal(err)
	}
	tech := newWebClient(t, s.App.HubURL)
	tech.signIn(inv.User.Email, inv.Password)
	console := s.App.ConsoleURL + "/c/" + id

	// The technician hands out the console admin's one-time password.
	resp, body := tech.post("/customers/"+id+"/console-admin", nil)
	m := regexp.MustCompile(`<code class="secret">([^<]+)</code>`).FindStringSubmatch(body)
	if resp.StatusCode != 200 || m == nil || !strings.Contains(body, "ada@example.com") {
		t.Fatalf("issue: %d\n%s", resp.StatusCode, body)
	}
	otp := m[1]

	// The partner visits: the hand-off opens the console.
	partnerConsole := newWebClient(t, s.App.ConsoleURL)
	resp, _ = tech.post("/customers/"+id+"/visit", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("visit: %d", resp.StatusCode)
	}
	if r, _ := partnerConsole.get(resp.Header.Get("Location")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("hand-off: %d", r.StatusCode)
	}
	if r, b := partnerConsole.get(console + "/"); r.StatusCode != 200 || !strings.Contains(b, "Tailspin") {
		t.Fatalf("dashboard: %d", r.StatusCode)
	}
	if r, _ := partnerConsole.get(console + "/settings"); r.StatusCode != http.StatusForbidden {
		t.Fatalf("the partner opened the console's settings: %d", r.StatusCode)
	}
	pending := visitURL(t, s, id, s.Token)  // issued before the revocation, used after
	stranded := visitURL(t, s, id, s.Token) // issued before the revocation, used after the grant

	// The customer's admin signs in, chooses a password, revokes.
	cust := newWebClient(t, s.App.ConsoleURL)
	if r, b := cust.post(console+"/signin", url.Values{"email": {"ada@example.com"}, "password": {otp}}); r.StatusCode != 200 || !strings.Contains(b, "One-time password") {
		t.Fatalf("first sign-in: %d\n%s", r.StatusCode, b)
	}
	own := "ada's own console password"
	if r, b := cust.post(console+"/password", url.Values{"email": {"ada@example.com"}, "current": {otp}, "new": {own}, "confirm": {own}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("choose password: %d\n%s", r.StatusCode, b)
	}
	if r, b := cust.get(console + "/settings"); r.StatusCode != 200 || !strings.Contains(b, `data-granted="true"`) {
		t.Fatalf("settings: %d\n%s", r.StatusCode, b)
	}
	if r, _ := tech.post("/customers/"+id+"/console-admin", nil); r.StatusCode != http.StatusConflict {
		t.Fatalf("the partner issued another password after the customer chose theirs: %d", r.StatusCode)
	}
	if r, _ := cust.post(console+"/settings/partner-access", url.Values{"access": {"revoke"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.StatusCode)
	}

	// Revoked: the partner's session is gone, Visit is off with the reason,
	// hand-offs are refused, through the UI and the API.
	if r, _ := partnerConsole.get(console + "/"); r.StatusCode != http.StatusForbidden {
		t.Fatalf("the partner's console session outlived the revocation: %d", r.StatusCode)
	}
	if _, b := tech.get("/customers"); !strings.Contains(b, "act-visit-blocked") || !strings.Contains(b, "revoked partner access") {
		t.Fatalf("the list does not show Visit disabled:\n%s", b)
	}
	if _, b := tech.get("/customers/" + id); !strings.Contains(b, "Visit is off") {
		t.Fatalf("the customer page does not say why:\n%s", b)
	}
	if r, b := tech.post("/customers/"+id+"/visit", nil); r.StatusCode != http.StatusForbidden || !strings.Contains(b, "Partner access revoked") {
		t.Fatalf("visit after revocation: %d", r.StatusCode)
	}
	if code, b := s.Do(t, "POST", "/api/v1/customers/"+id+"/visit", nil); code != http.StatusForbidden || !strings.Contains(string(b), "revoked") {
		t.Fatalf("API visit after revocation: %d %s", code, b)
	}
	// Revoking used up the links in flight.
	if r, b := newWebClient(t, s.App.ConsoleURL).get(pending); r.StatusCode != http.StatusForbidden || !strings.Contains(b, "invalid, used or expired") {
		t.Fatalf("a hand-off issued before the revocation: %d", r.StatusCode)
	}

	// Repair re-runs the deployment's steps, the access step among them:
	// it must not give the partner back what the customer took away.
	if err := s.App.Store.DeleteRoute(ctx, admin.PartnerID, id); err != nil {
		t.Fatal(err)
	}
	s.WaitStatus(t, id, "unknown", 30*time.Second)
	if code, b := s.Do(t, "POST", "/api/v1/customers/"+id+"/actions/repair", nil); code != http.StatusAccepted {
		t.Fatalf("repair: %d %s", code, b)
	}
	s.WaitStatus(t, id, "ready", time.Minute)
	if granted, _, err := s.App.Consoles.PartnerAccess(ctx, id); err != nil || granted {
		t.Fatalf("repair granted the partner access again: %v %v", granted, err)
	}

	// Granted again: Visit works again.
	if r, _ := cust.post(console+"/settings/partner-access", url.Values{"access": {"grant"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("grant: %d", r.StatusCode)
	}
	resp, _ = tech.post("/customers/"+id+"/visit", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("visit after the grant: %d", resp.StatusCode)
	}
	if r, _ := newWebClient(t, s.App.ConsoleURL).get(resp.Header.Get("Location")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("hand-off after the grant: %d", r.StatusCode)
	}
	// A link issued before the revocation stays dead after the grant.
	if r, _ := newWebClient(t, s.App.ConsoleURL).get(stranded); r.StatusCode != http.StatusForbidden {
		t.Fatalf("a hand-off issued before the revocation works after the grant: %d", r.StatusCode)
	}

	// The partner's audit log tells the story, with who and the result.
	var story []string
	for _, e := range auditEntries(t, s, "action=console.&limit=100") {
		story = append(story, e.Action+" "+e.Actor+" "+strings.SplitN(e.Result, ":", 2)[0]+" "+e.Detail)
	}
	got := strings.Join(story, "\n")
	for _, want := range []string{
		"console.admin_password tech@partner.example ok",
		"console.visit tech@partner.example ok",
		"console.sign_in tech@partner.example ok hand-off",
		"console.sign_in customer admin ada@example.com ok",
		"console.partner_access customer admin ada@example.com ok partner access revoked",
		"console.visit tech@partner.example failed",
		"console.sign_in  failed hand-off", // a used-up link names nobody
		"console.partner_access customer admin ada@example.com ok partner access granted",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("audit lacks %q:\n%s", want, got)
		}
	}
}

// TestConsoleSessionsEndWithTheUser: a partner user's console session,
// opened through Visit, ends when the hub no longer allows them: removed,
// lowered to Viewer, or after signing out everywhere.
func TestConsoleSessionsEndWithTheUser(t *testing.T) {
	s := testkit.Start(t)
	ctx := context.Background()
	id := addCustomer(t, s, "customer", "Litware Inc", "Litware")
	s.WaitStatus(t, id, "ready", time.Minute)
	admin, _, err := s.App.Hub.SignIn(ctx, s.AdminEmail, s.AdminPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	dashboard := s.App.ConsoleURL + "/c/" + id + "/"
	// visitor invites a technician who signs in and visits the console.
	visitor := func(email string) (userID string, hub, console *webClient) {
		inv, err := s.App.Hub.Invite(ctx, admin, email, "technician")
		if err != nil {
			t.Fatal(err)
		}
		hub, console = newWebClient(t, s.App.HubURL), newWebClient(t, s.App.ConsoleURL)
		hub.signIn(email, inv.Password)
		resp, _ := hub.post("/customers/"+id+"/visit", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("visit as %s: %d", email, resp.StatusCode)
		}
		if r, _ := console.get(resp.Header.Get("Location")); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("hand-off as %s: %d", email, r.StatusCode)
		}
		if r, b := console.get(dashboard); r.StatusCode != 200 || !strings.Contains(b, "Litware") {
			t.Fatalf("dashboard as %s: %d", email, r.StatusCode)
		}
		return inv.User.ID, hub, console
	}
	ended := func(who string, console *webClient) {
		t.Helper()
		if r, b := console.get(dashboard); r.StatusCode != http.StatusForbidden || strings.Contains(b, "Litware Inc") {
			t.Errorf("%s: the console session still opens the dashboard: %d", who, r.StatusCode)
		}
	}

	removedID, _, removed := visitor("removed@partner.example")
	demotedID, _, demoted := visitor("demoted@partner.example")
	_, leaverHub, leaver := visitor("leaver@partner.example")
	_, _, bystander := visitor("bystander@partner.example")

	if err := s.App.Hub.RemoveUser(ctx, admin, removedID); err != nil {
		t.Fatal(err)
	}
	ended("a removed user", removed)
	if err := s.App.Hub.SetRole(ctx, admin, demotedID, "viewer"); err != nil {
		t.Fatal(err)
	}
	ended("a user lowered to Viewer", demoted)
	if err := s.App.Hub.SetRole(ctx, admin, demotedID, "technician"); err != nil {
		t.Fatal(err)
	}
	ended("a user lowered and raised again (the session was ended, not paused)", demoted)
	// A sign-in link taken just before signing out everywhere is spent too.
	resp, _ := leaverHub.post("/customers/"+id+"/visit", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("visit: %d", resp.StatusCode)
	}
	link := resp.Header.Get("Location")
	if r, _ := leaverHub.post("/account/signout-everywhere", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out everywhere: %d", r.StatusCode)
	}
	ended("a user who signed out everywhere", leaver)
	late := newWebClient(t, s.App.ConsoleURL)
	if r, _ := late.get(link); r.StatusCode != http.StatusForbidden {
		t.Errorf("a sign-in link taken before signing out everywhere: %d, want 403", r.StatusCode)
	}
	ended("the console through that link", late)
	if r, _ := bystander.get(dashboard); r.StatusCode != 200 {
		t.Errorf("a colleague's console session ended too: %d", r.StatusCode)
	}
}
