package web

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"partnerhub/internal/store"
)

// member invites name into owner's partner with role and signs them in.
func (e *env) member(owner, name, role string) string {
	e.t.Helper()
	ctx := context.Background()
	email := name + "@" + owner + "-partners.test"
	inv, err := e.hub.Invite(ctx, e.actors[owner], email, role)
	if err != nil {
		e.t.Fatal(err)
	}
	e.newcomer(name, email, inv.Password)
	return e.actors[name].UserID
}

// TestRolesInTheUI shows each role only what it may do, and checks that
// the server refuses the rest whatever the page showed.
func TestRolesInTheUI(t *testing.T) {
	t.Parallel()
	e := setup(t)
	veraID := e.member("alice", "vera", "viewer")
	e.member("alice", "tom", "technician")
	e.ids["vera"] = veraID
	operate := []string{`href="/customers/new"`, "act-visit", "act-delete", "/actions/", "Visit console", "/console-admin"}
	e.run(t, []scenario{
		{name: "viewer sees the list without operating buttons", user: "vera", path: "/customers", status: 200,
			contains: []string{"Contoso Ltd", "Fabrikam"}, excludes: append(operate, `href="/settings/users"`, `href="/audit"`)},
		{name: "viewer sees the rows without operating buttons", user: "vera", path: "/customers/rows", status: 200,
			contains: []string{"Contoso Ltd"}, excludes: operate},
		{name: "viewer sees a customer without operating buttons", user: "vera", path: "/customers/{contoso}", status: 200,
			contains: []string{"Contoso Ltd", "Timeline"}, excludes: append(operate, "/delete", `id="actions-title"`)},
		{name: "technician sees operating buttons, no admin pages", user: "tom", path: "/customers", status: 200,
			contains: []string{`href="/customers/new"`, "act-visit", "act-delete"}, excludes: []string{`href="/settings/users"`, `href="/audit"`}},
		{name: "technician may issue the console admin's password", user: "tom", path: "/customers/{contoso}", status: 200,
			contains: []string{`action="/customers/{contoso}/console-admin"`, "Visit console"}},
		{name: "admin sees the admin pages", user: "alice", path: "/customers", status: 200,
			contains: []string{`href="/settings/users"`, `href="/audit"`}},
		{name: "account page names the role", user: "vera", path: "/account", status: 200, contains: []string{`id="my-role">Viewer<`}},

		// What the viewer may not do is refused by the server too.
		{name: "viewer: visit", user: "vera", method: "POST", path: "/customers/{contoso}/visit", form: url.Values{}, status: 403,
			contains: []string{"Your role does not allow this"}},
		{name: "viewer: delete", user: "vera", method: "POST", path: "/customers/{contoso}/delete", form: url.Values{}, status: 403},
		{name: "viewer: delete page", user: "vera", path: "/customers/{contoso}/delete", status: 403},
		{name: "viewer: rename page", user: "vera", path: "/customers/{contoso}/rename", status: 403},
		{name: "viewer: action", user: "vera", method: "POST", path: "/customers/{contoso}/actions/repair", form: url.Values{}, status: 403},
		{name: "viewer: wizard", user: "vera", path: "/customers/new", status: 403},
		{name: "viewer: wizard step", user: "vera", method: "POST", path: "/customers/new/company", form: answers(), status: 403},
		{name: "viewer: add", user: "vera", method: "POST", path: "/customers/new/add", form: answers(), status: 403},
		{name: "viewer: suggest", user: "vera", path: "/customers/new/suggest?companyName=Acme", status: 403},
		{name: "viewer: console admin", user: "vera", method: "POST", path: "/customers/{contoso}/console-admin", form: url.Values{}, status: 403},
		{name: "technician: users", user: "tom", path: "/settings/users", status: 403, excludes: []string{"vera@"}},
		{name: "technician: invite", user: "tom", method: "POST", path: "/settings/users", form: url.Values{"email": {"x@y.test"}, "role": {"admin"}}, status: 403},
		{name: "technician: promote self", user: "tom", method: "POST", path: "/settings/users/{vera}/role", form: url.Values{"role": {"admin"}}, status: 403},
		{name: "technician: tokens", user: "tom", path: "/settings/tokens", status: 403},
		{name: "technician: create token", user: "tom", method: "POST", path: "/settings/tokens", form: url.Values{"name": {"x"}}, status: 403},
		{name: "technician: tenants", user: "tom", path: "/settings/tenants", status: 403},
		{name: "technician: audit", user: "tom", path: "/audit", status: 403},
		{name: "technician: audit CSV", user: "tom", path: "/audit.csv", status: 403, excludes: []string{"time_utc"}},

		// Another partner's admin finds none of alice's users.
		{name: "other partner: users", user: "bob", path: "/settings/users", status: 200, excludes: []string{"alice-partners.test"}},
		{name: "other partner: role change", user: "bob", method: "POST", path: "/settings/users/{vera}/role", form: url.Values{"role": {"admin"}}, status: 404},
		{name: "other partner: remove", user: "bob", method: "POST", path: "/settings/users/{vera}/remove", form: url.Values{}, status: 404},
	})
	if got := len(e.customers("alice")); got != 2 {
		t.Fatalf("refused requests changed the customers: %d", got)
	}
	if a, _ := e.store.UserByID(context.Background(), e.actors["alice"].PartnerID, veraID); a.Role != "viewer" {
		t.Fatalf("vera's role became %q", a.Role)
	}
}

// TestAdminPages runs the admin's pages: invite, change a role, tokens
// shown once, tenants, the audit log and its CSV export.
func TestAdminPages(t *testing.T) {
	t.Parallel()
	e := setup(t)
	veraID := e.member("alice", "vera", "viewer")
	e.ids["vera"] = veraID
	e.run(t, []scenario{
		{name: "users", user: "alice", path: "/settings/users", status: 200, contains: []string{"vera@alice-partners.test", "Viewer"}},
		{name: "invite", user: "alice", method: "POST", path: "/settings/users", form: url.Values{"email": {"Tina@Alice-Partners.test"}, "role": {"technician"}},
			status: 200, contains: []string{`id="invited"`, "tina@alice-partners.test", "was invited as Technician", "one-time password"}},
		{name: "invite a bad email", user: "alice", method: "POST", path: "/settings/users", form: url.Values{"email": {"nope"}, "role": {"viewer"}},
			status: 422, contains: []string{"Enter an email address"}},
		{name: "invite an email without a domain", user: "alice", method: "POST", path: "/settings/users", form: url.Values{"email": {"a@b"}, "role": {"viewer"}},
			status: 422, contains: []string{"Enter an email address"}},
		{name: "invite someone else's user", user: "alice", method: "POST", path: "/settings/users", form: url.Values{"email": {"bob@bob-partners.test"}, "role": {"viewer"}},
			status: 422, contains: []string{"cannot be invited"}, excludes: []string{"Bob Partners"}},
		{name: "promote", user: "alice", method: "POST", path: "/settings/users/{vera}/role", form: url.Values{"role": {"technician"}}, status: 303, location: "/settings/users"},
		{name: "vera is a technician now", user: "vera", path: "/account", status: 200, contains: []string{`id="my-role">Technician<`}},
		{name: "the last admin stays", user: "alice", method: "POST", path: "/settings/users/" + e.actors["alice"].UserID + "/role", form: url.Values{"role": {"viewer"}},
			status: 409, contains: []string{"at least one admin"}},
		{name: "create a token", user: "alice", method: "POST", path: "/settings/tokens", form: url.Values{"name": {"CI"}, "user": {veraID}, "role": {"viewer"}},
			status: 200, contains: []string{`id="new-token"`, "phk_", "Viewer (narrowed)"}},
		{name: "a token above its user", user: "alice", method: "POST", path: "/settings/tokens", form: url.Values{"name": {"X"}, "user": {veraID}, "role": {"admin"}},
			status: 422, contains: []string{"more rights than its user"}},
		{name: "tokens list shows no secret", user: "alice", path: "/settings/tokens", status: 200, contains: []string{"CI", "Never"}, excludes: []string{"phk_"}},
		{name: "allow a tenant", user: "alice", method: "POST", path: "/settings/tenants", form: url.Values{"tenant": {"7f1d0c1e-tenant"}}, status: 303},
		{name: "tenants", user: "alice", path: "/settings/tenants", status: 200, contains: []string{"7f1d0c1e-tenant"}},
		{name: "a tenant another partner has", user: "bob", method: "POST", path: "/settings/tenants", form: url.Values{"tenant": {"7f1d0c1e-tenant"}},
			status: 422, contains: []string{"allowed already"}},
		{name: "audit log", user: "alice", path: "/audit", status: 200,
			contains: []string{"user.invite", "user.role_change", "Viewer → Technician", "token.create", "settings.tenant_add", "customer.add", "denied"}},
		{name: "audit filtered", user: "alice", path: "/audit?action=user.&result=ok", status: 200,
			contains: []string{"<code>user.role_change</code>"}, excludes: []string{"<code>token.create</code>", "<code>customer.add</code>"}},
		{name: "another partner's audit log", user: "bob", path: "/audit", status: 200,
			contains: []string{"settings.tenant_add", "Globex"}, excludes: []string{"alice", "vera", "Contoso", "Fabrikam"}},
	})
	resp, body := e.do("alice", "GET", "/audit.csv?action=user.", nil, nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.HasPrefix(body, "time_utc,actor,actor_id,address,action,target,detail,result\n") || !strings.Contains(body, "user.role_change") ||
		strings.Contains(body, "customer.add") {
		t.Fatalf("CSV %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

// TestVisitWhenAccessRevoked: the customer's admin revoked the partner's
// access in the console; the hub shows Visit disabled with the reason and
// refuses to issue a hand-off.
func TestVisitWhenAccessRevoked(t *testing.T) {
	t.Parallel()
	e := setup(t)
	if _, err := e.store.SetConsoleAccess(context.Background(), e.ids["contoso"], false, "ada@contoso.test"); err != nil {
		t.Fatal(err)
	}
	e.run(t, []scenario{
		{name: "list", user: "alice", path: "/customers", status: 200, contains: []string{"act-visit-blocked", "revoked partner access"},
			excludes: []string{`action="/customers/{contoso}/visit"`}},
		{name: "page", user: "alice", path: "/customers/{contoso}", status: 200, contains: []string{`id="visit-blocked"`, "revoked partner access"},
			excludes: []string{"Visit console"}},
		{name: "visit refused", user: "alice", method: "POST", path: "/customers/{contoso}/visit", form: url.Values{}, status: 403,
			contains: []string{"Partner access revoked"}},
	})
	if _, err := e.store.SetConsoleAccess(context.Background(), e.ids["contoso"], true, "ada@contoso.test"); err != nil {
		t.Fatal(err)
	}
	e.run(t, []scenario{{name: "granted again", user: "alice", method: "POST", path: "/customers/{contoso}/visit", form: url.Values{}, status: 303,
		location: consoleBase + "/c/{contoso}/handoff?token=*"}})
}

// TestConsoleAdminPassword: the one-time password is shown once, on the
// POST's answer only, and cannot be issued again once the customer's admin
// chose their own.
func TestConsoleAdminPassword(t *testing.T) {
	t.Parallel()
	e := setup(t)
	_, body := e.do("alice", "POST", "/customers/{contoso}/console-admin", url.Values{}, nil)
	m := regexp.MustCompile(`id="console-admin-password"[\s\S]*?<code class="secret">([^<]+)</code>`).FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, "pat@contoso.test") {
		t.Fatalf("no one-time password shown:\n%s", body)
	}
	e.run(t, []scenario{
		{name: "not shown again", user: "alice", path: "/customers/{contoso}", status: 200, contains: []string{"has not been used yet", "Issue a new one-time password"},
			excludes: []string{m[1]}},
	})
	ctx := context.Background()
	if err := e.hub.ConsoleAdminSetPassword(ctx, e.ids["contoso"], "pat@contoso.test", m[1], "the customer's own password", ""); err != nil {
		t.Fatal(err)
	}
	e.run(t, []scenario{
		{name: "claimed", user: "alice", path: "/customers/{contoso}", status: 200, contains: []string{"signs in to the console with their own password"},
			excludes: []string{`action="/customers/{contoso}/console-admin"`}},
		{name: "no second password", user: "alice", method: "POST", path: "/customers/{contoso}/console-admin", form: url.Values{}, status: 409},
		{name: "not for another partner's customer", user: "bob", method: "POST", path: "/customers/{contoso}/console-admin", form: url.Values{}, status: 404,
			excludes: []string{"Contoso", "pat@contoso"}},
	})
}

// TestAccountPage changes the password through the UI and signs out
// everywhere.
func TestAccountPage(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	inv, err := e.hub.Invite(ctx, e.actors["alice"], "pia@alice-partners.test", "technician")
	if err != nil {
		t.Fatal(err)
	}
	// The one-time password opens a session held to the password change.
	e.clients["pia"] = e.signInTo("pia@alice-partners.test", inv.Password, "/account")
	e.clients["pia2"] = e.signInTo("pia@alice-partners.test", inv.Password, "/account")
	e.run(t, []scenario{
		{name: "held to the password change", user: "pia", path: "/customers", status: 303, location: "/account"},
		{name: "no page of the work", user: "pia", path: "/customers/{contoso}", status: 303, location: "/account"},
		{name: "no change either", user: "pia", method: "POST", path: "/customers/{contoso}/actions/update", form: url.Values{}, status: 303, location: "/account"},
		{name: "htmx is sent there too", user: "pia", path: "/customers/rows", header: map[string]string{"HX-Request": "true"}, status: 403,
			headers: map[string]string{"HX-Redirect": "/account"}},
		{name: "no live updates", user: "pia", path: "/customers/events", header: map[string]string{"Accept": "text/event-stream"}, status: 403},
		{name: "the account page asks for it", user: "pia", path: "/account", status: 200,
			contains: []string{`id="must-change"`, "One-time password"}, excludes: []string{`>Customers</a>`}},
		{name: "wrong one-time password", user: "pia", method: "POST", path: "/account/password",
			form: url.Values{"current": {"nope"}, "new": {"a brand new password"}, "confirm": {"a brand new password"}}, status: 422,
			contains: []string{"current password is wrong", `id="current-error"`, `aria-describedby="current-error"`}},
		{name: "easy to guess", user: "pia", method: "POST", path: "/account/password",
			form: url.Values{"current": {inv.Password}, "new": {"qwertyuiop1234"}, "confirm": {"qwertyuiop1234"}}, status: 422,
			contains: []string{"not easy to guess", `id="new-error"`, `aria-invalid="true" aria-describedby="new-error"`}, excludes: []string{`id="form-error"`}},
		{name: "differ", user: "pia", method: "POST", path: "/account/password",
			form: url.Values{"current": {inv.Password}, "new": {"a brand new password"}, "confirm": {"another one"}}, status: 422,
			contains: []string{"differ", `id="confirm-error"`}},
		{name: "still held", user: "pia", path: "/customers", status: 303, location: "/account"},
		{name: "chosen", user: "pia", method: "POST", path: "/account/password",
			form: url.Values{"current": {inv.Password}, "new": {"a brand new password"}, "confirm": {"a brand new password"}}, status: 303, location: "/customers"},
		{name: "this session is free", user: "pia", path: "/customers", status: 200},
		{name: "the other session ended", user: "pia2", path: "/customers", status: 303, location: "/signin"},
		{name: "an ordinary change later", user: "pia", method: "POST", path: "/account/password",
			form: url.Values{"current": {"a brand new password"}, "new": {"another new password"}, "confirm": {"another new password"}}, status: 200,
			contains: []string{"was changed"}, excludes: []string{`id="must-change"`}},
		{name: "the one-time password is spent", method: "POST", path: "/signin",
			form: url.Values{"email": {"pia@alice-partners.test"}, "password": {inv.Password}}, status: 401},
	})
	e.clients["pia2"] = e.signIn("pia@alice-partners.test", "another new password")
	e.run(t, []scenario{
		{name: "sign out everywhere", user: "pia", method: "POST", path: "/account/signout-everywhere", form: url.Values{}, status: 303, location: "/signin"},
		{name: "here", user: "pia", path: "/customers", status: 303, location: "/signin"},
		{name: "and there", user: "pia2", path: "/customers", status: 303, location: "/signin"},
	})
	entries, _, _ := e.store.Audit(ctx, e.actors["alice"].PartnerID, store.AuditFilter{Action: "auth."})
	var actions []string
	for _, en := range entries {
		actions = append(actions, en.Action+":"+strings.SplitN(en.Result, ":", 2)[0])
	}
	for _, want := range []string{"auth.sign_out_everywhere:ok", "auth.password_change:ok", "auth.password_change:failed", "auth.sign_in:ok"} {
		if !strings.Contains(strings.Join(actions, " "), want) {
			t.Errorf("audit lacks %s: %v", want, actions)
		}
	}
}

// TestDemoSettings: admins turn automatic removal of expired DEMOs on and
// off; it is off by default.
func TestDemoSettings(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.run(t, []scenario{
		{name: "off by default", user: "alice", path: "/settings/demos", status: 200,
			contains: []string{`name="autoDelete"`, "Off by default"}, excludes: []string{"checked"}},
		{name: "turn on", user: "alice", method: "POST", path: "/settings/demos", form: url.Values{"autoDelete": {"on"}}, status: 303},
		{name: "on", user: "alice", path: "/settings/demos", status: 200, contains: []string{`name="autoDelete" checked`}},
		{name: "another partner is unaffected", user: "bob", path: "/settings/demos", status: 200, excludes: []string{"checked"}},
	})
}

// TestResetPasswordPage: an admin resets a colleague's password from the
// Users page and sees the new one-time password once; the colleague's
// session ends and their next one is held to choosing their own.
func TestResetPasswordPage(t *testing.T) {
	t.Parallel()
	e := setup(t)
	tomID := e.member("alice", "tom", "technician")
	e.ids["tom"], e.ids["alice"] = tomID, e.actors["alice"].UserID
	_, body := e.do("alice", "GET", "/settings/users", nil, nil)
	if !strings.Contains(body, `action="/settings/users/`+tomID+`/reset-password"`) ||
		strings.Contains(body, `action="/settings/users/`+e.actors["alice"].UserID+`/reset-password"`) {
		t.Fatalf("the Users page should offer a reset for tom and not for alice herself:\n%s", body)
	}
	_, body = e.do("alice", "POST", "/settings/users/{tom}/reset-password", url.Values{}, nil)
	m := regexp.MustCompile(`id="reset"[\s\S]*?<code class="secret">([^<]+)</code>`).FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, "tom@alice-partners.test") {
		t.Fatalf("no new one-time password shown:\n%s", body)
	}
	e.run(t, []scenario{
		{name: "tom's session ended", user: "tom", path: "/customers", status: 303, location: "/signin"},
		{name: "not shown again", user: "alice", path: "/settings/users", status: 200, excludes: []string{m[1]}},
		{name: "not their own", user: "alice", method: "POST", path: "/settings/users/{alice}/reset-password", form: url.Values{}, status: 422,
			contains: []string{"under Account"}},
		{name: "not another partner's user", user: "bob", method: "POST", path: "/settings/users/{tom}/reset-password", form: url.Values{}, status: 404,
			excludes: []string{"tom@alice"}},
	})
	e.clients["tom"] = e.signInTo("tom@alice-partners.test", m[1], "/account")
}
