package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"partnerhub/internal/hub"
	"partnerhub/internal/store"
)

// TestAdminCommands runs the automation commands in-process on a real
// SQLite data directory: a partner with its admin's one-time password, API
// tokens (narrowed to a role on request), and the audit retention floor.
func TestAdminCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cli := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, append(args, "--data-dir", dir), &out, &errOut)
		return strings.TrimSpace(out.String()), err
	}
	// The admin commands need existing data (serve, or migrate up, makes it).
	if _, err := cli("migrate", "up"); err != nil {
		t.Fatalf("migrate up: %v", err)
	}
	password, err := cli("partner", "create", "--name", "Northwind Partners", "--admin-email", "Boss@Northwind.example")
	if err != nil || len(password) != 19 {
		t.Fatalf("partner create: %q, %v", password, err)
	}
	if _, err := cli("partner", "create", "--name", "Again", "--admin-email", "boss@northwind.example"); err == nil {
		t.Fatal("a second partner with the same admin email")
	}
	full, err := cli("token", "create", "--email", "boss@northwind.example")
	if err != nil || !strings.HasPrefix(full, "phk_") {
		t.Fatalf("token create: %q, %v", full, err)
	}
	narrow, err := cli("token", "create", "--email", "boss@northwind.example", "--role", "viewer", "--name", "dashboards")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli("token", "create", "--email", "boss@northwind.example", "--role", "owner"); err == nil {
		t.Fatal("a token with a role that does not exist")
	}
	if _, err := cli("audit", "prune", "--older-than", "2000h"); err == nil || !strings.Contains(err.Error(), "365 days") {
		t.Fatalf("pruning younger than a year: %v", err)
	}
	if out, err := cli("audit", "prune", "--older-than", "9000h"); err != nil || out != "0 audit entries deleted" {
		t.Fatalf("prune: %q, %v", out, err)
	}

	st, err := store.Open(ctx, store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h := &hub.Service{Store: st}
	for tok, role := range map[string]string{full: hub.RoleAdmin, narrow: hub.RoleViewer} {
		if a, err := h.TokenActor(ctx, tok); err != nil || a.Role != role || a.Email != "boss@northwind.example" {
			t.Errorf("token acts as %+v, %v; want %s", a, err, role)
		}
	}
	if a, _, err := h.SignIn(ctx, "boss@northwind.example", password, ""); err != nil || !a.MustChangePassword {
		t.Errorf("the printed password: %+v, %v; want a one-time password", a, err)
	}
	// Break-glass: the operator gives the admin a new one-time password.
	if _, err := cli("user", "reset-password", "--email", "nobody@northwind.example"); err == nil || !strings.Contains(err.Error(), "no user") {
		t.Errorf("reset of an unknown user: %v", err)
	}
	reset, err := cli("user", "reset-password", "--email", "Boss@Northwind.example")
	if err != nil || len(reset) != 19 || reset == password {
		t.Fatalf("user reset-password: %q, %v", reset, err)
	}
	if _, _, err := h.SignIn(ctx, "boss@northwind.example", password, ""); err == nil {
		t.Error("the first password still signs in after the reset")
	}
	password = reset
	entries, _, _ := st.Audit(ctx, mustPartner(t, h, password), store.AuditFilter{})
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
	}
	if got := strings.Join(actions, " "); !strings.Contains(got, "partner.create") || strings.Count(got, "token.create") != 3 ||
		!strings.Contains(got, "auth.password_reset") {
		t.Errorf("audit: %s", got)
	}
}

func mustPartner(t *testing.T, h *hub.Service, password string) string {
	a, _, err := h.SignIn(context.Background(), "boss@northwind.example", password, "")
	if err != nil {
		t.Fatal(err)
	}
	return a.PartnerID
}

// TestAdminInput: the admin commands check what they are given before they
// touch anything — a partner's name by the company-name rules, its admin's
// email, and a --data-dir that holds no hub (a typo) is refused, not created.
func TestAdminInput(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"migrate", "up", "--data-dir", dir}, &out, &errOut); err != nil {
		t.Fatalf("migrate up: %v\n%s", err, errOut.String())
	}
	missing := filepath.Join(t.TempDir(), "dtaa")
	noData := "no partnerhub data in " + missing + ": start 'partnerhub serve --data-dir " + missing + "' first, or check --data-dir"
	isPassword := func(s string) bool { return len(s) == 19 }
	isToken := func(s string) bool { return strings.HasPrefix(s, "phk_") }

	// The rows run in order: a refused row must leave nothing behind that
	// a later row would trip over (the same admin email, say).
	cases := []struct {
		name    string
		args    []string
		dataDir string            // "" is the directory with data
		wantErr string            // a part of the error; "" for success
		wantOut func(string) bool // what success prints
	}{
		{name: "email not an email", args: []string{"partner", "create", "--name", "Fabrikam", "--admin-email", "not-an-email"},
			wantErr: `--admin-email "not-an-email": enter a valid email address`},
		{name: "email with display name", args: []string{"partner", "create", "--name", "Fabrikam", "--admin-email", "Eve <eve@fabrikam.example>"},
			wantErr: "enter a valid email address"},
		{name: "email without a dotted domain", args: []string{"partner", "create", "--name", "Fabrikam", "--admin-email", "eve@localhost"},
			wantErr: "enter a valid email address"},
		{name: "email with a control character", args: []string{"partner", "create", "--name", "Fabrikam", "--admin-email", "eve@fabrikam.example\r\nBcc: x@y.z"},
			wantErr: "enter a valid email address"},
		{name: "name with a control character", args: []string{"partner", "create", "--name", "Fabri\x07kam", "--admin-email", "eve@fabrikam.example"},
			wantErr: "--name: Company name must not contain control or invisible formatting characters."},
		{name: "name with a newline", args: []string{"partner", "create", "--name", "Fabrikam\nLtd", "--admin-email", "eve@fabrikam.example"},
			wantErr: "--name: Company name must not contain control"},
		{name: "name with a bidi override", args: []string{"partner", "create", "--name", "Fabrikam \u202eLtd", "--admin-email", "eve@fabrikam.example"},
			wantErr: "--name: Company name must not contain control"},
		{name: "name with a zero-width joiner", args: []string{"partner", "create", "--name", "Fabri\u200dkam", "--admin-email", "eve@fabrikam.example"},
			wantErr: "--name: Company name must not contain control"},
		{name: "name too long", args: []string{"partner", "create", "--name", strings.Repeat("F", 101), "--admin-email", "eve@fabrikam.example"},
			wantErr: "--name: Company name must be at most 100 characters."},
		{name: "name blank", args: []string{"partner", "create", "--name", "  ", "--admin-email", "eve@fabrikam.example"},
			wantErr: "--name and --admin-email are required"},
		{name: "name with markup is text", args: []string{"partner", "create", "--name", "<script>alert(1)</script>", "--admin-email", "eve@fabrikam.example"},
			wantOut: isPassword},
		{name: "happy path", args: []string{"partner", "create", "--name", " Tailspin Toys ", "--admin-email", " Ops@Tailspin.example "},
			wantOut: isPassword},
		{name: "token happy path", args: []string{"token", "create", "--email", "ops@tailspin.example"},
			wantOut: isToken},
		{name: "migrate status with data", args: []string{"migrate", "status"},
			wantOut: func(s string) bool { return strings.HasPrefix(s, "engine:") }},

		{name: "partner create without data", args: []string{"partner", "create", "--name", "Fabrikam", "--admin-email", "eve@fabrikam.example"},
			dataDir: missing, wantErr: noData},
		{name: "token create without data", args: []string{"token", "create", "--email", "ops@tailspin.example"},
			dataDir: missing, wantErr: noData},
		{name: "audit prune without data", args: []string{"audit", "prune", "--older-than", "9000h"},
			dataDir: missing, wantErr: noData},
		{name: "migrate status without data", args: []string{"migrate", "status"},
			dataDir: missing, wantErr: noData},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := dir
			if tc.dataDir != "" {
				d = tc.dataDir
			}
			var out, errOut bytes.Buffer
			err := run(ctx, append(tc.args, "--data-dir", d), &out, &errOut)
			got := strings.TrimSpace(out.String())
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("want an error with %q, got %v", tc.wantErr, err)
				}
				if got != "" {
					t.Fatalf("a refused command printed %q", got)
				}
			} else if err != nil || !tc.wantOut(got) {
				t.Fatalf("got %q, %v", got, err)
			}
			if _, err := os.Stat(missing); !os.IsNotExist(err) {
				t.Fatalf("the mistyped data directory was created: %v", err)
			}
		})
	}

	// Refused rows created no user: the markup row's admin is the only Eve,
	// and the names were stored as given (trimmed).
	st, err := store.Open(ctx, store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for email, name := range map[string]string{"eve@fabrikam.example": "<script>alert(1)</script>", "ops@tailspin.example": "Tailspin Toys"} {
		u, err := st.UserByEmail(ctx, email)
		if err != nil {
			t.Fatalf("%s: %v", email, err)
		}
		p, err := st.GetPartner(ctx, u.PartnerID)
		if err != nil || p.Name != name {
			t.Errorf("%s's partner is %q, %v; want %q", email, p.Name, err, name)
		}
	}
}
