package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"partnerhub/internal/store"
)

func TestSessionIdleAndSignOutEverywhere(t *testing.T) {
	setup(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_, u := partner(t, s, "alpha")
		now := time.Now()
		for _, h := range []string{"a", "b", "c"} {
			if err := s.CreateSession(ctx, h, u.ID, now.Add(time.Hour), false); err != nil {
				t.Fatal(err)
			}
		}
		// Used at creation: live within the idle timeout, gone past it.
		if _, err := s.SessionUser(ctx, "a", now.Add(10*time.Minute), 30*time.Minute); err != nil {
			t.Fatalf("within idle: %v", err)
		}
		// That use was recorded, so the idle clock restarted for "a" only.
		if _, err := s.SessionUser(ctx, "a", now.Add(35*time.Minute), 30*time.Minute); err != nil {
			t.Fatalf("a used 25 minutes ago: %v", err)
		}
		if _, err := s.SessionUser(ctx, "b", now.Add(35*time.Minute), 30*time.Minute); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("b idle for 35 minutes: %v, want ErrNotFound", err)
		}
		// The absolute expiry holds however busy the session is.
		if _, err := s.SessionUser(ctx, "a", now.Add(61*time.Minute), 0); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("past expiry: %v", err)
		}
		n, err := s.DeleteUserSessions(ctx, u.ID, "c")
		if err != nil || n != 2 {
			t.Fatalf("DeleteUserSessions = %d, %v; want 2", n, err)
		}
		if _, err := s.SessionUser(ctx, "c", now, 0); err != nil {
			t.Fatalf("the kept session: %v", err)
		}
	})
}

// TestOneTimePassword: a session opened with a one-time password is held
// to the change, one opened otherwise is not, and choosing a password
// releases the user and every session of theirs.
func TestOneTimePassword(t *testing.T) {
	setup(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p, _ := partner(t, s, "alpha")
		u := store.User{ID: uuid.NewString(), PartnerID: p.ID, Email: "new@alpha.test", Role: "viewer", PasswordHash: "h", MustChangePassword: true}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if got, err := s.UserByEmail(ctx, u.Email); err != nil || !got.MustChangePassword {
			t.Fatalf("invited user: MustChangePassword = %v, %v; want true", got.MustChangePassword, err)
		}
		now := time.Now()
		if err := s.CreateSession(ctx, "otp", u.ID, now.Add(time.Hour), true); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateSession(ctx, "idp", u.ID, now.Add(time.Hour), false); err != nil {
			t.Fatal(err)
		}
		for h, want := range map[string]bool{"otp": true, "idp": false} {
			if got, err := s.SessionUser(ctx, h, now, 0); err != nil || got.MustChangePassword != want {
				t.Fatalf("session %s: MustChangePassword = %v, %v; want %v", h, got.MustChangePassword, err, want)
			}
		}
		if err := s.SetUserPassword(ctx, u.ID, "chosen"); err != nil {
			t.Fatal(err)
		}
		if got, err := s.UserByEmail(ctx, u.Email); err != nil || got.MustChangePassword || got.PasswordHash != "chosen" {
			t.Fatalf("after the change: %+v, %v", got, err)
		}
		if got, err := s.SessionUser(ctx, "otp", now, 0); err != nil || got.MustChangePassword {
			t.Fatalf("session after the change: MustChangePassword = %v, %v; want false", got.MustChangePassword, err)
		}
	})
}

func TestTokensPerPartner(t *testing.T) {
	setup(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p, u := partner(t, s, "alpha")
		other, ou := partner(t, s, "beta")
		id := uuid.NewString()
		if err := s.CreateAPIToken(ctx, store.APIToken{ID: id, UserID: u.ID, Name: "ci", TokenHash: "h1", Role: "viewer"}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateAPIToken(ctx, store.APIToken{ID: uuid.NewString(), UserID: ou.ID, Name: "theirs", TokenHash: "h2"}); err != nil {
			t.Fatal(err)
		}
		if _, role, err := s.TokenUser(ctx, "h1"); err != nil || role != "viewer" {
			t.Fatalf("TokenUser role %q, %v", role, err)
		}
		ts, err := s.Tokens(ctx, p.ID)
		if err != nil || len(ts) != 1 || ts[0].Name != "ci" || ts[0].UserEmail != u.Email || ts[0].LastUsedAt == nil {
			t.Fatalf("Tokens = %+v, %v", ts, err)
		}
		if _, err := s.RevokeToken(ctx, other.ID, id); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another partner revoked the token: %v", err)
		}
		if _, _, err := s.TokenUser(ctx, "h1"); err != nil {
			t.Fatalf("token revoked by another partner: %v", err)
		}
		if tok, err := s.RevokeToken(ctx, p.ID, id); err != nil || tok.RevokedAt == nil {
			t.Fatalf("RevokeToken = %+v, %v", tok, err)
		}
		if _, _, err := s.TokenUser(ctx, "h1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("revoked token still works: %v", err)
		}
	})
}

func TestUsersAndTenants(t *testing.T) {
	setup(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p, admin := partner(t, s, "alpha")
		other, _ := partner(t, s, "beta")
		tech := store.User{ID: uuid.NewString(), PartnerID: p.ID, Email: "tech@alpha.example", Role: "technician", InvitedBy: admin.ID}
		if err := s.CreateUser(ctx, tech); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateUser(ctx, store.User{ID: uuid.NewString(), PartnerID: other.ID, Email: tech.Email, Role: "viewer"}); !errors.Is(err, store.ErrEmailTaken) {
			t.Fatalf("same email in another partner: %v", err)
		}
		if _, err := s.UserByID(ctx, other.ID, tech.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another partner's user found: %v", err)
		}
		if err := s.SetRole(ctx, other.ID, tech.ID, "admin"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another partner changed the role: %v", err)
		}
		if err := s.SetRole(ctx, p.ID, admin.ID, "viewer"); !errors.Is(err, store.ErrLastAdmin) {
			t.Fatalf("demoting the last admin: %v", err)
		}
		if err := s.DeleteUser(ctx, p.ID, admin.ID); !errors.Is(err, store.ErrLastAdmin) {
			t.Fatalf("removing the last admin: %v", err)
		}
		if err := s.LinkOIDC(ctx, tech.ID, "https://idp.example", "sub-1"); err != nil {
			t.Fatal(err)
		}
		if got, err := s.UserByOIDC(ctx, "https://idp.example", "sub-1"); err != nil || got.ID != tech.ID || got.InvitedBy != admin.ID {
			t.Fatalf("UserByOIDC = %+v, %v", got, err)
		}
		if err := s.MarkSignedIn(ctx, tech.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateSession(ctx, "tech-session", tech.ID, time.Now().Add(time.Hour), false); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateAPIToken(ctx, store.APIToken{ID: uuid.NewString(), UserID: tech.ID, Name: "x", TokenHash: "tech-token"}); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteUser(ctx, p.ID, tech.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionUser(ctx, "tech-session", time.Now(), 0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a removed user's session lives on: %v", err)
		}
		if _, _, err := s.TokenUser(ctx, "tech-token"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a removed user's token lives on: %v", err)
		}

		if err := s.AddTenant(ctx, p.ID, "tid-1"); err != nil {
			t.Fatal(err)
		}
		if err := s.AddTenant(ctx, other.ID, "tid-1"); !errors.Is(err, store.ErrTenantTaken) {
			t.Fatalf("one tenant for two partners: %v", err)
		}
		if pid, err := s.TenantPartner(ctx, "tid-1"); err != nil || pid != p.ID {
			t.Fatalf("TenantPartner = %q, %v", pid, err)
		}
		if err := s.RemoveTenant(ctx, other.ID, "tid-1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another partner removed the tenant: %v", err)
		}
		if ts, _ := s.Tenants(ctx, p.ID); len(ts) != 1 || ts[0] != "tid-1" {
			t.Fatalf("Tenants = %v", ts)
		}
	})
}

func TestSigninFailuresAndOIDCStates(t *testing.T) {
	setup(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Now()
		for i := 1; i <= 3; i++ {
			locked, err := s.RecordSigninFailure(ctx, "account:a", now, time.Minute, 3, time.Hour)
			if err != nil || locked != (i == 3) {
				t.Fatalf("failure %d: locked %v, %v", i, locked, err)
			}
		}
		until, err := s.SigninLock(ctx, []string{"addr:x", "account:a"}, now)
		if err != nil || !until.After(now.Add(59*time.Minute)) {
			t.Fatalf("SigninLock = %v, %v", until, err)
		}
		if until, _ := s.SigninLock(ctx, []string{"account:a"}, now.Add(2*time.Hour)); !until.IsZero() {
			t.Fatalf("lock outlived its time: %v", until)
		}
		// Failures spread wider than the window never add up to a lock.
		for i := range 5 {
			if locked, _ := s.RecordSigninFailure(ctx, "account:b", now.Add(time.Duration(i)*2*time.Minute), time.Minute, 3, time.Hour); locked {
				t.Fatalf("locked by failures outside the window")
			}
		}

		if err := s.PutOIDCState(ctx, "st", "n", "v", now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if nonce, verifier, err := s.TakeOIDCState(ctx, "st", now); err != nil || nonce != "n" || verifier != "v" {
			t.Fatalf("TakeOIDCState = %q %q %v", nonce, verifier, err)
		}
		if _, _, err := s.TakeOIDCState(ctx, "st", now); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a state used twice: %v", err)
		}
		if err := s.PutOIDCState(ctx, "old", "n", "v", now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.TakeOIDCState(ctx, "old", now.Add(2*time.Minute)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("an expired state: %v", err)
		}
	})
}

func TestAuditLog(t *testing.T) {
	setup(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p, _ := partner(t, s, "alpha")
		other, _ := partner(t, s, "beta")
		base := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
		for i := range 7 {
			result := "ok"
			if i%3 == 0 {
				result = "denied"
			}
			e := store.AuditEntry{PartnerID: p.ID, At: base.Add(time.Duration(i) * time.Minute), Actor: fmt.Sprintf("user%d@alpha.example", i%2),
				Addr: "192.0.2.1", Action: []string{"customer.add", "customer.delete", "auth.sign_in"}[i%3], Target: fmt.Sprint(i), Result: result}
			if err := s.AddAudit(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.AddAudit(ctx, store.AuditEntry{PartnerID: other.ID, Action: "customer.add", Actor: "x@beta.example", Result: "ok"}); err != nil {
			t.Fatal(err)
		}
		var all []store.AuditEntry
		cursor := ""
		for {
			page, next, err := s.Audit(ctx, p.ID, store.AuditFilter{Limit: 3, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, page...)
			if cursor = next; cursor == "" {
				break
			}
		}
		if len(all) != 7 || all[0].Target != "6" || all[6].Target != "0" {
			t.Fatalf("pages = %+v", all)
		}
		for _, c := range []struct {
			f    store.AuditFilter
			want int
		}{
			{store.AuditFilter{Action: "customer."}, 5},
			{store.AuditFilter{Action: "customer.add"}, 3},
			{store.AuditFilter{Actor: "USER1@"}, 3},
			{store.AuditFilter{Result: "failed"}, 3},
			{store.AuditFilter{Result: "ok", Action: "customer.delete"}, 2},
			{store.AuditFilter{From: base.Add(2 * time.Minute), To: base.Add(4 * time.Minute)}, 2},
			{store.AuditFilter{Actor: "%"}, 0},
		} {
			got, _, err := s.Audit(ctx, p.ID, c.f)
			if err != nil || len(got) != c.want {
				t.Errorf("%+v: %d entries, %v; want %d", c.f, len(got), err, c.want)
			}
		}
		if _, _, err := s.Audit(ctx, p.ID, store.AuditFilter{Cursor: "nonsense"}); !errors.Is(err, store.ErrBadCursor) {
			t.Errorf("bad cursor: %v", err)
		}
		if _, err := s.PruneAudit(ctx, time.Now().Add(-300*24*time.Hour)); err == nil {
			t.Error("pruning entries younger than a year was allowed")
		}
		if n, err := s.PruneAudit(ctx, time.Now().Add(-400*24*time.Hour)); err != nil || n != 0 {
			t.Errorf("PruneAudit = %d, %v", n, err)
		}
	})
}

func TestConsoleAdminAndAccess(t *testing.T) {
	setup(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p, _ := partner(t, s, "alpha")
		other, _ := partner(t, s, "beta")
		c := addCustomer(t, s, p.ID, "Contoso", "Contoso")
		if err := s.IssueConsoleAdmin(ctx, other.ID, c.ID, "x@evil.example", "h0"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another partner issued a console admin: %v", err)
		}
		for _, h := range []string{"h1", "h2"} { // re-issuing replaces while unclaimed
			if err := s.IssueConsoleAdmin(ctx, p.ID, c.ID, "ada@contoso.example", h); err != nil {
				t.Fatal(err)
			}
		}
		if a, err := s.ConsoleAdminFor(ctx, c.ID); err != nil || a.PasswordHash != "h2" || !a.MustChange || a.PartnerID != p.ID {
			t.Fatalf("ConsoleAdminFor = %+v, %v", a, err)
		}
		if err := s.ClaimConsoleAdmin(ctx, c.ID, "own"); err != nil {
			t.Fatal(err)
		}
		if err := s.IssueConsoleAdmin(ctx, p.ID, c.ID, "ada@contoso.example", "h3"); !errors.Is(err, store.ErrConsoleAdminClaimed) {
			t.Fatalf("issued over a claimed admin: %v", err)
		}
		if a, err := s.ConsoleAdminOf(ctx, p.ID, c.ID); err != nil || a.MustChange || a.ClaimedAt == nil || a.PasswordHash != "own" {
			t.Fatalf("ConsoleAdminOf = %+v, %v", a, err)
		}
		if _, err := s.ConsoleAdminOf(ctx, other.ID, c.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another partner reads the console admin: %v", err)
		}

		if a, err := s.ConsoleAccessOf(ctx, p.ID, c.ID); err != nil || !a.Granted {
			t.Fatalf("before any change: %+v, %v", a, err)
		}
		if pid, err := s.SetConsoleAccess(ctx, c.ID, false, "ada@contoso.example"); err != nil || pid != p.ID {
			t.Fatalf("SetConsoleAccess = %q, %v", pid, err)
		}
		if m, err := s.RevokedConsoles(ctx, p.ID); err != nil || len(m) != 1 || m[c.ID].ChangedBy != "ada@contoso.example" {
			t.Fatalf("RevokedConsoles = %+v, %v", m, err)
		}
		if m, _ := s.RevokedConsoles(ctx, other.ID); len(m) != 0 {
			t.Fatalf("another partner sees revocations: %v", m)
		}
		if _, err := s.SetConsoleAccess(ctx, c.ID, true, "ada@contoso.example"); err != nil {
			t.Fatal(err)
		}
		if a, _ := s.ConsoleAccessOf(ctx, p.ID, c.ID); !a.Granted || a.ChangedBy == "" {
			t.Fatalf("after the grant: %+v", a)
		}
		if err := s.DeleteConsoleAdmin(ctx, p.ID, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ConsoleAdminFor(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("console admin left after delete: %v", err)
		}
	})
}
