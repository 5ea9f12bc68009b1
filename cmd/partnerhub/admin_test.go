package main

import (
	"bytes"
	"context"
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
	if _, _, err := h.SignIn(ctx, "boss@northwind.example", password, ""); err != nil {
		t.Errorf("the printed password: %v", err)
	}
	entries, _, _ := st.Audit(ctx, mustPartner(t, h, password), store.AuditFilter{})
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
	}
	if got := strings.Join(actions, " "); !strings.Contains(got, "partner.create") || strings.Count(got, "token.create") != 3 {
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
