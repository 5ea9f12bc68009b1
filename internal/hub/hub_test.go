package hub_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/customer"
	"partnerhub/internal/hub"
	"partnerhub/internal/store"
)

type noJobs struct{}

func (noJobs) EnqueueTx(string, string) store.TxHook {
	return func(context.Context, *sql.Tx) error { return nil }
}

// fixture is a hub on a real SQLite store with one partner and a user of
// each role, and one ready customer.
type fixture struct {
	hub    *hub.Service
	store  *store.Store
	actors map[string]hub.Actor
	cust   customer.Customer
	now    time.Time
}

func setup(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{store: st, actors: map[string]hub.Actor{}, now: time.Now()}
	f.hub = &hub.Service{Store: st, Jobs: noJobs{}, ConsoleURL: "http://console.test", HandoffTTL: time.Minute,
		Now: func() time.Time { return f.now }}
	pw, err := f.hub.CreatePartner(ctx, "Alpha", "admin@alpha.test")
	if err != nil {
		t.Fatal(err)
	}
	admin, _, err := f.hub.SignIn(ctx, "admin@alpha.test", pw, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	f.actors["admin"] = admin
	for _, role := range []string{hub.RoleTechnician, hub.RoleViewer} {
		inv, err := f.hub.Invite(ctx, admin, role+"@alpha.test", role)
		if err != nil {
			t.Fatal(err)
		}
		a, _, err := f.hub.SignIn(ctx, inv.User.Email, inv.Password, "192.0.2.1")
		if err != nil || a.Role != role {
			t.Fatalf("invited %s signs in as %q: %v", role, a.Role, err)
		}
		f.actors[role] = a
	}
	f.cust, err = f.hub.AddCustomer(ctx, admin, customer.Input{Type: customer.TypeCustomer, CompanyName: "Contoso Ltd",
		Contact: customer.Contact{Name: "Ada", Email: "Ada@Contoso.example"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Transition(ctx, admin.PartnerID, f.cust.ID, customer.StatusDeploying, customer.EventDeployed, "", "Deployed.", nil); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestRolesInTheServiceLayer runs every method that acts for a partner
// user as each role: what the role does not allow is ErrForbidden, from
// the service itself, whatever the UI shows.
func TestRolesInTheServiceLayer(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	contact := customer.Contact{Name: "Ada", Email: "ada@example.test"}
	calls := []struct {
		name string
		need hub.Permission
		call func(a hub.Actor) error
	}{
		{"Customers", hub.PermView, func(a hub.Actor) error { _, _, err := f.hub.Customers(ctx, a, store.ListFilter{}); return err }},
		{"Customer", hub.PermView, func(a hub.Actor) error { _, err := f.hub.Customer(ctx, a, f.cust.ID); return err }},
		{"Timeline", hub.PermView, func(a hub.Actor) error { _, err := f.hub.Timeline(ctx, a, f.cust.ID); return err }},
		{"ConsoleAdmin", hub.PermView, func(a hub.Actor) error { _, err := f.hub.ConsoleAdmin(ctx, a, f.cust.ID); return err }},
		{"AddCustomer", hub.PermOperate, func(a hub.Actor) error {
			_, err := f.hub.AddCustomer(ctx, a, customer.Input{Type: customer.TypeDemo, CompanyName: "Demo " + a.Role, Contact: contact})
			return err
		}},
		{"AddCustomerOnce", hub.PermOperate, func(a hub.Actor) error {
			_, _, err := f.hub.AddCustomerOnce(ctx, a, customer.Input{Type: customer.TypeDemo, CompanyName: "Once " + a.Role, Contact: contact}, "k-"+a.Role, "h",
				func(customer.Customer) (string, error) { return "{}", nil })
			return err
		}},
		{"SuggestShortName", hub.PermOperate, func(a hub.Actor) error { _, err := f.hub.SuggestShortName(ctx, a, "Acme"); return err }},
		{"Visit", hub.PermOperate, func(a hub.Actor) error { _, err := f.hub.Visit(ctx, a, f.cust.ID); return err }},
		{"RunAction", hub.PermOperate, func(a hub.Actor) error {
			_, err := f.hub.RunAction(ctx, a, f.cust.ID, customer.ActionRepair, hub.ActionParams{})
			if errors.Is(err, hub.ErrForbidden) {
				return err
			}
			return nil // allowed: the domain may refuse repair on a ready customer
		}},
		{"IssueConsoleAdmin", hub.PermOperate, func(a hub.Actor) error { _, _, err := f.hub.IssueConsoleAdmin(ctx, a, f.cust.ID); return err }},
		{"Users", hub.PermAdmin, func(a hub.Actor) error { _, err := f.hub.Users(ctx, a); return err }},
		{"Invite", hub.PermAdmin, func(a hub.Actor) error {
			_, err := f.hub.Invite(ctx, a, "new-"+a.Role+"@alpha.test", "viewer")
			return err
		}},
		{"SetRole", hub.PermAdmin, func(a hub.Actor) error { return f.hub.SetRole(ctx, a, f.actors["viewer"].UserID, "viewer") }},
		{"Tokens", hub.PermAdmin, func(a hub.Actor) error { _, err := f.hub.Tokens(ctx, a); return err }},
		{"CreateToken", hub.PermAdmin, func(a hub.Actor) error { _, err := f.hub.CreateToken(ctx, a, a.UserID, "t", ""); return err }},
		{"Tenants", hub.PermAdmin, func(a hub.Actor) error { _, err := f.hub.Tenants(ctx, a); return err }},
		{"AddTenant", hub.PermAdmin, func(a hub.Actor) error { return f.hub.AddTenant(ctx, a, "tenant-"+a.Role) }},
		{"AuditLog", hub.PermAdmin, func(a hub.Actor) error { _, _, err := f.hub.AuditLog(ctx, a, store.AuditFilter{}); return err }},
		{"SetDemoAutoDelete", hub.PermAdmin, func(a hub.Actor) error { return f.hub.SetDemoAutoDelete(ctx, a, true) }},
		// Delete last: it changes the customer the others use.
		{"Delete", hub.PermOperate, func(a hub.Actor) error { _, err := f.hub.Delete(ctx, a, f.cust.ID); return err }},
	}
	for _, c := range calls {
		for _, role := range []string{hub.RoleViewer, hub.RoleTechnician, hub.RoleAdmin} {
			a := f.actors[role]
			err := c.call(a)
			if a.Can(c.need) {
				// Allowed: the domain may still say no (a deletion already
				// running, a console without access), but not the role.
				if errors.Is(err, hub.ErrForbidden) {
					t.Errorf("%s as %s: %v, want allowed", c.name, role, err)
				}
			} else if !errors.Is(err, hub.ErrForbidden) {
				t.Errorf("%s as %s: %v, want ErrForbidden", c.name, role, err)
			}
		}
	}
	// Every refusal is in the audit log as denied, with who and from where.
	log, _, err := f.hub.AuditLog(ctx, f.actors["admin"], store.AuditFilter{Result: "failed", Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	denied := map[string]bool{}
	for _, e := range log {
		if strings.HasPrefix(e.Result, "denied") && e.Addr == "192.0.2.1" {
			denied[e.Action+" "+e.Actor] = true
		}
	}
	for _, want := range []string{"customer.delete viewer@alpha.test", "customer.add viewer@alpha.test", "console.visit viewer@alpha.test",
		"user.invite technician@alpha.test", "token.create technician@alpha.test"} {
		if !denied[want] {
			t.Errorf("no denied entry %q in %v", want, denied)
		}
	}
}

func TestSignInLimitsAndPasswords(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.hub.Limits = hub.SignInLimits{Account: 3, Addr: 5, Window: time.Minute, LockFor: 10 * time.Minute}
	const email = "technician@alpha.test"
	for range 3 {
		if _, _, err := f.hub.SignIn(ctx, email, "wrong", "198.51.100.7"); !errors.Is(err, hub.ErrBadCredentials) {
			t.Fatalf("wrong password: %v", err)
		}
	}
	// The account is locked: even the right password is refused, unseen.
	inv, err := f.hub.Invite(ctx, f.actors["admin"], "other@alpha.test", "viewer")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.hub.SignIn(ctx, email, "anything", "203.0.113.9"); !errors.Is(err, hub.ErrLocked) {
		t.Fatalf("locked account: %v", err)
	}
	// Two more failures from the same address lock the address for every account.
	for _, e := range []string{"nobody@alpha.test", "nobody2@alpha.test"} {
		if _, _, err := f.hub.SignIn(ctx, e, "x", "198.51.100.7"); !errors.Is(err, hub.ErrBadCredentials) {
			t.Fatalf("unknown email: %v", err)
		}
	}
	if _, _, err := f.hub.SignIn(ctx, inv.User.Email, inv.Password, "198.51.100.7"); !errors.Is(err, hub.ErrLocked) {
		t.Fatalf("locked address: %v", err)
	}
	if _, _, err := f.hub.SignIn(ctx, inv.User.Email, inv.Password, "203.0.113.9"); err != nil {
		t.Fatalf("another address: %v", err)
	}
	f.now = f.now.Add(11 * time.Minute) // the locks run out
	// Password change: the current one is checked, the new one must be long
	// enough, and the user's other sessions end.
	_, other, err := f.hub.SignIn(ctx, inv.User.Email, inv.Password, "203.0.113.9")
	if err != nil {
		t.Fatal(err)
	}
	_, this, err := f.hub.SignIn(ctx, inv.User.Email, inv.Password, "203.0.113.9")
	if err != nil {
		t.Fatal(err)
	}
	me, err := f.hub.SessionActor(ctx, this)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.hub.ChangePassword(ctx, me, "wrong", "a long new password", this); !errors.Is(err, hub.ErrBadCredentials) {
		t.Fatalf("wrong current password: %v", err)
	}
	if err := f.hub.ChangePassword(ctx, me, inv.Password, "short", this); !errors.Is(err, hub.ErrWeakPassword) {
		t.Fatalf("short password: %v", err)
	}
	if err := f.hub.ChangePassword(ctx, me, inv.Password, "a long new password", this); err != nil {
		t.Fatal(err)
	}
	if _, err := f.hub.SessionActor(ctx, other); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the other session outlived the password change: %v", err)
	}
	if _, err := f.hub.SessionActor(ctx, this); err != nil {
		t.Errorf("this session ended with the password change: %v", err)
	}
	if _, _, err := f.hub.SignIn(ctx, inv.User.Email, "a long new password", "203.0.113.9"); err != nil {
		t.Errorf("the new password: %v", err)
	}
	// Sign-out everywhere ends this session too.
	if err := f.hub.SignOutEverywhere(ctx, me); err != nil {
		t.Fatal(err)
	}
	if _, err := f.hub.SessionActor(ctx, this); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session after sign-out everywhere: %v", err)
	}
}

func TestSessionTimeouts(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	inv, err := f.hub.Invite(ctx, f.actors["admin"], "s@alpha.test", "viewer")
	if err != nil {
		t.Fatal(err)
	}
	f.hub.SessionIdle, f.hub.SessionMax = 30*time.Minute, 2*time.Hour
	_, tok, err := f.hub.SignIn(ctx, inv.User.Email, inv.Password, "")
	if err != nil {
		t.Fatal(err)
	}
	start := f.now
	for _, step := range []time.Duration{20, 40, 60, 80, 100} { // used every 20 minutes
		f.now = start.Add(step * time.Minute)
		if _, err := f.hub.SessionActor(ctx, tok); err != nil {
			t.Fatalf("busy session at %d minutes: %v", step, err)
		}
	}
	f.now = start.Add(121 * time.Minute)
	if _, err := f.hub.SessionActor(ctx, tok); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("session past the absolute timeout: %v", err)
	}
	_, tok, _ = f.hub.SignIn(ctx, inv.User.Email, inv.Password, "")
	f.now = f.now.Add(31 * time.Minute)
	if _, err := f.hub.SessionActor(ctx, tok); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("session idle for 31 minutes: %v", err)
	}
}

func TestTokensTakeTheLowerRole(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	admin, tech := f.actors["admin"], f.actors["technician"]
	if _, err := f.hub.CreateToken(ctx, admin, tech.UserID, "ci", hub.RoleAdmin); !errors.Is(err, hub.ErrInvalid) {
		t.Fatalf("a token above its user's role: %v", err)
	}
	tok, err := f.hub.CreateToken(ctx, admin, tech.UserID, "ci", hub.RoleViewer)
	if err != nil {
		t.Fatal(err)
	}
	if a, err := f.hub.TokenActor(ctx, tok); err != nil || a.Role != hub.RoleViewer || a.PartnerID != tech.PartnerID {
		t.Fatalf("narrowed token acts as %+v, %v", a, err)
	}
	full, err := f.hub.CreateToken(ctx, admin, tech.UserID, "full", "")
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := f.hub.TokenActor(ctx, full); a.Role != hub.RoleTechnician { // read, and kept for a moment
		t.Fatalf("full token acts as %q", a.Role)
	}
	if err := f.hub.SetRole(ctx, admin, tech.UserID, hub.RoleViewer); err != nil {
		t.Fatal(err)
	}
	if a, _ := f.hub.TokenActor(ctx, full); a.Role != hub.RoleViewer {
		t.Fatalf("a token kept the role its user lost: %q", a.Role)
	}
	ts, _ := f.hub.Tokens(ctx, admin)
	for _, tk := range ts {
		if err := f.hub.RevokeToken(ctx, admin, tk.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.hub.TokenActor(ctx, full); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoked token: %v", err)
	}
	if err := f.hub.SetRole(ctx, admin, admin.UserID, hub.RoleViewer); !errors.Is(err, store.ErrLastAdmin) {
		t.Fatalf("the last admin demoted: %v", err)
	}
}

// TestTokenLookupsAreKeptBriefly: a replica trusts a token lookup for
// TokenCacheTTL; a change made on another replica applies here within it.
func TestTokenLookupsAreKeptBriefly(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	admin := f.actors["admin"]
	tok, err := f.hub.CreateToken(ctx, admin, admin.UserID, "poller", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.hub.TokenActor(ctx, tok); err != nil {
		t.Fatal(err)
	}
	other := &hub.Service{Store: f.store, Jobs: noJobs{}, Now: func() time.Time { return f.now }} // another replica
	ts, _ := other.Tokens(ctx, admin)
	for _, tk := range ts {
		if err := other.RevokeToken(ctx, admin, tk.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := other.TokenActor(ctx, tok); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoked on this replica, still valid here: %v", err)
	}
	if _, err := f.hub.TokenActor(ctx, tok); err != nil {
		t.Fatalf("within the TTL the first replica may still trust its lookup: %v", err)
	}
	f.now = f.now.Add(hub.TokenCacheTTL)
	if _, err := f.hub.TokenActor(ctx, tok); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoked on another replica, still valid here after %s: %v", hub.TokenCacheTTL, err)
	}
}

// TestHandoffs: a hand-off names one customer and one user, works once,
// within 60 seconds, and only while the user may still operate.
func TestHandoffs(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	admin, tech := f.actors["admin"], f.actors["technician"]
	f.hub.HandoffTTL = 5 * time.Minute // asked for more: capped at a minute
	token := func(a hub.Actor) string {
		t.Helper()
		u, err := f.hub.Visit(ctx, a, f.cust.ID)
		if err != nil {
			t.Fatal(err)
		}
		tok := u[strings.Index(u, "token=")+len("token="):]
		if !strings.HasPrefix(u, "http://console.test/c/"+f.cust.ID+"/handoff?token=ho_") {
			t.Fatalf("hand-off URL %s", u)
		}
		return tok
	}
	tok := token(tech)
	if _, err := f.hub.RedeemHandoff(ctx, tok, "another-customer"); !errors.Is(err, store.ErrHandoffInvalid) {
		t.Fatalf("redeemed for another customer: %v", err)
	}
	v, err := f.hub.RedeemHandoff(ctx, tok, f.cust.ID)
	if err != nil || v.UserID != tech.UserID || v.PartnerID != tech.PartnerID || v.Email != tech.Email {
		t.Fatalf("RedeemHandoff = %+v, %v", v, err)
	}
	if _, err := f.hub.RedeemHandoff(ctx, tok, f.cust.ID); !errors.Is(err, store.ErrHandoffInvalid) {
		t.Fatalf("redeemed twice: %v", err)
	}
	late := token(tech)
	f.now = f.now.Add(61 * time.Second)
	if _, err := f.hub.RedeemHandoff(ctx, late, f.cust.ID); !errors.Is(err, store.ErrHandoffInvalid) {
		t.Fatalf("redeemed after 61 seconds: %v", err)
	}
	demoted := token(tech)
	if err := f.hub.SetRole(ctx, admin, tech.UserID, hub.RoleViewer); err != nil {
		t.Fatal(err)
	}
	if _, err := f.hub.RedeemHandoff(ctx, demoted, f.cust.ID); !errors.Is(err, store.ErrHandoffInvalid) {
		t.Fatalf("redeemed by a user made viewer meanwhile: %v", err)
	}
	if _, err := f.store.SetConsoleAccess(ctx, f.cust.ID, false, "ada@contoso.example"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.hub.Visit(ctx, admin, f.cust.ID); !errors.Is(err, hub.ErrAccessRevoked) {
		t.Fatalf("visit after the customer revoked access: %v", err)
	}
}

// TestResetPassword: an admin gives a colleague who lost their password a
// new one-time password; their sessions end, a lock on the account lifts,
// and the next session is held to choosing their own. The operator's
// break-glass does the same for anyone, the last admin included.
func TestResetPassword(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.hub.Limits = hub.SignInLimits{Account: 2, Addr: 100, Window: time.Minute, LockFor: time.Hour}
	inv, err := f.hub.Invite(ctx, f.actors["admin"], "lost@alpha.test", "technician")
	if err != nil {
		t.Fatal(err)
	}
	_, before, err := f.hub.SignIn(ctx, inv.User.Email, inv.Password, "")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		f.hub.SignIn(ctx, inv.User.Email, "forgotten", "")
	}
	if _, _, err := f.hub.SignIn(ctx, inv.User.Email, inv.Password, ""); !errors.Is(err, hub.ErrLocked) {
		t.Fatalf("locked account: %v", err)
	}
	for _, who := range []string{"technician", "viewer"} {
		if _, err := f.hub.ResetPassword(ctx, f.actors[who], inv.User.ID); !errors.Is(err, hub.ErrForbidden) {
			t.Errorf("%s resets a password: %v, want ErrForbidden", who, err)
		}
	}
	if _, err := f.hub.ResetPassword(ctx, f.actors["admin"], f.actors["admin"].UserID); !errors.Is(err, hub.ErrInvalid) {
		t.Errorf("an admin resets their own password: %v, want ErrInvalid", err)
	}
	reset, err := f.hub.ResetPassword(ctx, f.actors["admin"], inv.User.ID)
	if err != nil || reset.Password == "" || reset.Password == inv.Password {
		t.Fatalf("reset: %+v, %v", reset, err)
	}
	if _, err := f.hub.SessionActor(ctx, before); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a session outlived the reset: %v", err)
	}
	if _, _, err := f.hub.SignIn(ctx, inv.User.Email, inv.Password, ""); !errors.Is(err, hub.ErrBadCredentials) {
		t.Errorf("the old password after the reset: %v", err)
	}
	a, _, err := f.hub.SignIn(ctx, inv.User.Email, reset.Password, "")
	if err != nil || !a.MustChangePassword {
		t.Fatalf("the new one-time password: %+v, %v; want a session held to the change", a, err)
	}

	// The operator's break-glass: the partner's only admin.
	pw, err := f.hub.ResetPasswordByEmail(ctx, "Admin@Alpha.test")
	if err != nil || pw == "" {
		t.Fatalf("operator reset: %q, %v", pw, err)
	}
	if a, _, err := f.hub.SignIn(ctx, "admin@alpha.test", pw, ""); err != nil || !a.MustChangePassword {
		t.Fatalf("the admin's new one-time password: %+v, %v", a, err)
	}
	if _, err := f.hub.ResetPasswordByEmail(ctx, "nobody@alpha.test"); err == nil {
		t.Error("reset of an unknown email succeeded")
	}
	entries, _, err := f.store.Audit(ctx, f.actors["admin"].PartnerID, store.AuditFilter{Action: hub.AuditPasswordReset})
	if err != nil || len(entries) != 5 {
		t.Fatalf("audit: %d entries (%v), want 5 (2 denied, 1 refused, 2 done)", len(entries), err)
	}
}

// TestOnSignIn: every sign-in attempt reaches OnSignIn once, with its
// method and a result from the short list metrics count by.
func TestOnSignIn(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	var got []string
	f.hub.OnSignIn = func(method, result string) { got = append(got, method+" "+result) }
	f.hub.Limits = hub.SignInLimits{Account: 1, Addr: 100, Window: time.Minute, LockFor: time.Minute}
	const email = "viewer@alpha.test"
	f.hub.SignIn(ctx, email, "wrong", "192.0.2.9")
	f.hub.SignIn(ctx, email, "wrong", "192.0.2.9")
	f.hub.RecordConsoleEvent(ctx, hub.ConsoleEvent{CustomerID: f.cust.ID, Action: hub.AuditConsoleSignIn, Detail: "hand-off"})
	f.hub.RecordConsoleEvent(ctx, hub.ConsoleEvent{CustomerID: f.cust.ID, Action: hub.AuditConsoleSignIn, Detail: "hand-off", Err: hub.ErrAccessRevoked})
	f.hub.RecordConsoleEvent(ctx, hub.ConsoleEvent{CustomerID: f.cust.ID, Action: hub.AuditConsoleAccess}) // not a sign-in
	f.hub.ConsoleAdminSignIn(ctx, f.cust.ID, "ada@contoso.example", "nope", "192.0.2.9")
	f.hub.FinishOIDC(ctx, "state", "code", "192.0.2.9") // no provider configured
	f.store.Close()
	f.hub.SignIn(ctx, "admin@alpha.test", "whatever", "192.0.2.9") // the database is gone
	want := []string{"password bad_credentials", "password locked", "handoff ok", "handoff denied",
		"console_password bad_credentials", "oidc denied", "password error"}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("OnSignIn heard\n  %s\nwant\n  %s", strings.Join(got, ", "), strings.Join(want, ", "))
	}
}
