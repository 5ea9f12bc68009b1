package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"partnerhub/internal/customer"
	"partnerhub/internal/store"
)

// partner creates a partner with one admin and returns both.
func partner(t testing.TB, s *store.Store, name string) (store.Partner, store.User) {
	t.Helper()
	p := store.Partner{ID: uuid.NewString(), Name: name}
	u := store.User{ID: uuid.NewString(), PartnerID: p.ID, Email: uuid.NewString()[:8] + "@" + name + ".example", Role: "admin"}
	if err := s.CreatePartnerWithAdmin(context.Background(), p, u); err != nil {
		t.Fatalf("create partner: %v", err)
	}
	return p, u
}

// addCustomer inserts a deploying customer of partnerID.
func addCustomer(t testing.TB, s *store.Store, partnerID, company, short string) customer.Customer {
	t.Helper()
	c := customer.Customer{
		ID: uuid.Must(uuid.NewV7()).String(), PartnerID: partnerID, Type: customer.TypeCustomer,
		CompanyName: company, ShortName: short, Contact: customer.Contact{Name: "Ada", Email: "ada@example.com"},
		Status: customer.StatusDeploying, StatusStep: "queued", StatusReason: "Queued for deployment.",
	}
	if err := s.CreateCustomer(context.Background(), &c, nil); err != nil {
		t.Fatalf("create customer %s: %v", short, err)
	}
	return c
}

func TestCustomers(t *testing.T) {
	setup(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p, _ := partner(t, s, "alpha")
		other, _ := partner(t, s, "beta")
		hooked := false
		c := customer.Customer{ID: uuid.NewString(), PartnerID: p.ID, Type: customer.TypeDemo, CompanyName: "Contoso Ltd",
			ShortName: "Contoso", Contact: customer.Contact{Name: "Ada", Email: "ada@contoso.example", Phone: "+1 555"},
			Status: customer.StatusDeploying, StatusStep: "queued", StatusReason: "Queued."}
		err := s.CreateCustomer(ctx, &c, func(ctx context.Context, tx *sql.Tx) error { hooked = true; return nil })
		if err != nil || !hooked {
			t.Fatalf("CreateCustomer = %v, hook ran %v", err, hooked)
		}
		got, err := s.GetCustomer(ctx, p.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.CompanyName != c.CompanyName || got.ShortName != "Contoso" || got.Contact != c.Contact ||
			got.Status != customer.StatusDeploying || got.Type != customer.TypeDemo || !got.CreatedAt.Equal(c.CreatedAt.Truncate(time.Millisecond)) {
			t.Fatalf("GetCustomer = %+v, want %+v", got, c)
		}

		// Another partner's customer is not found, by id or in lists.
		if _, err := s.GetCustomer(ctx, other.ID, c.ID); !errors.Is(err, customer.ErrNotFound) {
			t.Fatalf("other partner GetCustomer: %v, want ErrNotFound", err)
		}
		if list, _, err := s.ListCustomers(ctx, other.ID, store.ListFilter{}); err != nil || len(list) != 0 {
			t.Fatalf("other partner list = %v, %v", list, err)
		}

		// Short names are unique ignoring case among a partner's live customers.
		dup := customer.Customer{ID: uuid.NewString(), PartnerID: p.ID, Type: customer.TypeCustomer, CompanyName: "Other",
			ShortName: "CONTOSO", Status: customer.StatusDeploying}
		var ve *customer.ValidationError
		if err := s.CreateCustomer(ctx, &dup, nil); !errors.As(err, &ve) || ve.Fields["shortName"] == "" {
			t.Fatalf("duplicate short name: %v, want a validation error on shortName", err)
		}
		if taken, err := s.ShortNameTaken(ctx, p.ID, "contoso"); err != nil || !taken {
			t.Fatalf("ShortNameTaken = %v, %v", taken, err)
		}
		// … but another partner may use it,
		addCustomer(t, s, other.ID, "Contoso elsewhere", "contoso")
		// … and so may the partner once the first one is deleted.
		for _, ev := range []customer.Event{customer.EventDelete, customer.EventDeleted} {
			cur, _ := s.CustomerForWork(ctx, p.ID, c.ID)
			if _, err := s.Transition(ctx, p.ID, c.ID, cur.Status, ev, "", "", nil); err != nil {
				t.Fatalf("%s: %v", ev, err)
			}
		}
		if _, err := s.GetCustomer(ctx, p.ID, c.ID); !errors.Is(err, customer.ErrNotFound) {
			t.Fatalf("deleted customer: %v, want ErrNotFound", err)
		}
		addCustomer(t, s, p.ID, "Contoso again", "ContoSO")

		// A failing hook rolls the insert back.
		boom := errors.New("boom")
		rb := customer.Customer{ID: uuid.NewString(), PartnerID: p.ID, Type: customer.TypeCustomer, CompanyName: "Rolled back",
			ShortName: "rb", Status: customer.StatusDeploying}
		if err := s.CreateCustomer(ctx, &rb, func(context.Context, *sql.Tx) error { return boom }); !errors.Is(err, boom) {
			t.Fatalf("failing hook: %v", err)
		}
		if _, err := s.GetCustomer(ctx, p.ID, rb.ID); !errors.Is(err, customer.ErrNotFound) {
			t.Fatalf("rolled-back customer exists: %v", err)
		}
	})
}

func TestListCustomers(t *testing.T) {
	setup(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p, _ := partner(t, s, "alpha")
		other, _ := partner(t, s, "beta")
		addCustomer(t, s, other.ID, "Fabrikam of beta", "fab")
		var all []customer.Customer
		for i := range 7 {
			all = append(all, addCustomer(t, s, p.ID, fmt.Sprintf("Fabrikam %d", i), fmt.Sprintf("fab%d", i)))
		}
		all = append(all, addCustomer(t, s, p.ID, "Northwind 100%_off", "north"))
		all = append(all, addCustomer(t, s, p.ID, "Tailspin", "TAIL"))
		// Two of them are ready.
		for _, c := range all[:2] {
			if _, err := s.Transition(ctx, p.ID, c.ID, customer.StatusDeploying, customer.EventDeployed, "", "", nil); err != nil {
				t.Fatal(err)
			}
		}
		ids := func(cs []customer.Customer) []string {
			var out []string
			for _, c := range cs {
				out = append(out, c.ShortName)
			}
			return out
		}

		// Cursor pages walk every customer once, newest first.
		var walked []customer.Customer
		cursor := ""
		for pages := 0; ; pages++ {
			page, next, err := s.ListCustomers(ctx, p.ID, store.ListFilter{Limit: 4, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			if len(page) > 4 || pages > 5 {
				t.Fatalf("page of %d, page %d", len(page), pages)
			}
			walked = append(walked, page...)
			if next == "" {
				break
			}
			cursor = next
		}
		want := slices.Clone(all)
		slices.Reverse(want)
		if !slices.Equal(ids(walked), ids(want)) {
			t.Fatalf("walked %v, want %v", ids(walked), ids(want))
		}

		for _, tc := range []struct {
			name string
			f    store.ListFilter
			want []string
		}{
			{"status", store.ListFilter{Status: customer.StatusReady}, []string{"fab1", "fab0"}},
			{"search company, any case", store.ListFilter{Q: "fabRIKAM 3"}, []string{"fab3"}},
			{"search short name", store.ListFilter{Q: "tail"}, []string{"TAIL"}},
			{"search with LIKE characters", store.ListFilter{Q: "100%_"}, []string{"north"}},
			{"% alone is literal", store.ListFilter{Q: "%"}, []string{"north"}},
			{"search and status", store.ListFilter{Q: "fab", Status: customer.StatusDeploying, Limit: 3}, []string{"fab6", "fab5", "fab4"}},
			{"nothing", store.ListFilter{Q: "zzz"}, nil},
		} {
			got, _, err := s.ListCustomers(ctx, p.ID, tc.f)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if !slices.Equal(ids(got), tc.want) {
				t.Errorf("%s: got %v, want %v", tc.name, ids(got), tc.want)
			}
		}
		if _, _, err := s.ListCustomers(ctx, p.ID, store.ListFilter{Cursor: "not-a-cursor!"}); !errors.Is(err, store.ErrBadCursor) {
			t.Errorf("bad cursor: %v, want ErrBadCursor", err)
		}
	})
}

func TestTransitions(t *testing.T) {
	setup(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p, _ := partner(t, s, "alpha")
		c := addCustomer(t, s, p.ID, "Contoso", "contoso")
		var changes []string
		s.OnChange = func(partnerID, customerID string) { changes = append(changes, customerID) }

		if err := s.Progress(ctx, p.ID, c.ID, customer.StatusDeploying, "database", "Step 1 of 6"); err != nil {
			t.Fatal(err)
		}
		to, err := s.Transition(ctx, p.ID, c.ID, customer.StatusDeploying, customer.EventDeployed, "", "Deployed.", nil)
		if err != nil || to != customer.StatusReady {
			t.Fatalf("Transition = %s, %v", to, err)
		}
		// Compare-and-set: the status moved, so a second deploy-done conflicts
		// and changes nothing.
		if _, err := s.Transition(ctx, p.ID, c.ID, customer.StatusDeploying, customer.EventDeployed, "", "", nil); !errors.Is(err, customer.ErrConflict) {
			t.Fatalf("stale Transition: %v, want ErrConflict", err)
		}
		if err := s.Progress(ctx, p.ID, c.ID, customer.StatusDeploying, "seed", ""); !errors.Is(err, customer.ErrConflict) {
			t.Fatalf("stale Progress: %v, want ErrConflict", err)
		}
		// A transition the state machine forbids never reaches the database.
		var te *customer.TransitionError
		if _, err := s.Transition(ctx, p.ID, c.ID, customer.StatusReady, customer.EventDeployed, "", "", nil); !errors.As(err, &te) {
			t.Fatalf("forbidden Transition: %v, want TransitionError", err)
		}
		// Another partner cannot move it.
		other, _ := partner(t, s, "beta")
		if _, err := s.Transition(ctx, other.ID, c.ID, customer.StatusReady, customer.EventDelete, "", "", nil); !errors.Is(err, customer.ErrConflict) {
			t.Fatalf("other partner's Transition: %v, want ErrConflict", err)
		}
		// A failing hook rolls the status change back.
		boom := errors.New("boom")
		if _, err := s.Transition(ctx, p.ID, c.ID, customer.StatusReady, customer.EventDelete, "", "", func(context.Context, *sql.Tx) error { return boom }); !errors.Is(err, boom) {
			t.Fatalf("failing hook: %v", err)
		}
		if got, _ := s.GetCustomer(ctx, p.ID, c.ID); got.Status != customer.StatusReady {
			t.Fatalf("status after rolled-back transition = %s", got.Status)
		}

		events, err := s.Events(ctx, p.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range events {
			got = append(got, fmt.Sprintf("%s %s>%s %s", e.Kind, e.From, e.To, e.Step))
			if e.At.IsZero() || e.CustomerID != c.ID {
				t.Errorf("event %+v", e)
			}
		}
		want := []string{"status >deploying queued", "step deploying>deploying database", "status deploying>ready "}
		if !slices.Equal(got, want) {
			t.Fatalf("events %q, want %q", got, want)
		}
		if events[2].Reason != "Deployed." {
			t.Errorf("reason %q", events[2].Reason)
		}
		if other, err := s.Events(ctx, other.ID, c.ID); err != nil || len(other) != 0 {
			t.Errorf("other partner sees %d events (%v)", len(other), err)
		}
		if len(changes) != 2 {
			t.Errorf("OnChange called %d times, want 2 (progress, transition)", len(changes))
		}
	})
}

func TestSessionsAndTokens(t *testing.T) {
	setup(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_, u := partner(t, s, "alpha")
		now := time.Now()
		if err := s.CreateSession(ctx, "live", u.ID, now.Add(time.Hour), false); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateSession(ctx, "expired", u.ID, now.Add(-time.Second), false); err != nil {
			t.Fatal(err)
		}
		if got, err := s.SessionUser(ctx, "live", now, 0); err != nil || got.ID != u.ID || got.Email != u.Email {
			t.Fatalf("SessionUser = %+v, %v", got, err)
		}
		for _, h := range []string{"expired", "unknown"} {
			if _, err := s.SessionUser(ctx, h, now, 0); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("SessionUser(%s) = %v, want ErrNotFound", h, err)
			}
		}
		if err := s.DeleteSession(ctx, "live"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionUser(ctx, "live", now, 0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("signed-out session: %v", err)
		}

		if err := s.CreateAPIToken(ctx, store.APIToken{ID: uuid.NewString(), UserID: u.ID, Name: "ci", TokenHash: "tok"}); err != nil {
			t.Fatal(err)
		}
		for range 2 { // the second use skips the last-used write
			if got, _, err := s.TokenUser(ctx, "tok"); err != nil || got.ID != u.ID || got.PartnerID != u.PartnerID {
				t.Fatalf("TokenUser = %+v, %v", got, err)
			}
		}
		if _, _, err := s.TokenUser(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown token: %v", err)
		}
		if err := s.CreateAPIToken(ctx, store.APIToken{ID: uuid.NewString(), UserID: u.ID, Name: "dup", TokenHash: "tok"}); err == nil {
			t.Error("a second token with the same hash was stored")
		}
		// Emails are unique across partners.
		p2 := store.Partner{ID: uuid.NewString(), Name: "beta"}
		if err := s.CreatePartnerWithAdmin(ctx, p2, store.User{ID: uuid.NewString(), PartnerID: p2.ID, Email: u.Email, Role: "admin"}); !errors.Is(err, store.ErrEmailTaken) {
			t.Errorf("same email twice: %v, want ErrEmailTaken", err)
		}
		if _, err := s.GetPartner(ctx, p2.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("partner of the failed admin exists: %v", err)
		}
	})
}

func TestHandoffsAndRoutes(t *testing.T) {
	setup(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p, u := partner(t, s, "alpha")
		a := addCustomer(t, s, p.ID, "A", "a")
		b := addCustomer(t, s, p.ID, "B", "b")
		now := time.Now()
		for _, h := range []store.Handoff{
			{TokenHash: "good", CustomerID: a.ID, PartnerID: p.ID, UserID: u.ID, ExpiresAt: now.Add(time.Minute)},
			{TokenHash: "old", CustomerID: a.ID, PartnerID: p.ID, UserID: u.ID, ExpiresAt: now.Add(-time.Second)},
			{TokenHash: "for-b", CustomerID: b.ID, PartnerID: p.ID, UserID: u.ID, ExpiresAt: now.Add(time.Minute)},
		} {
			if err := s.CreateHandoff(ctx, h); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.RedeemHandoff(ctx, "for-b", a.ID, now); !errors.Is(err, store.ErrHandoffInvalid) {
			t.Errorf("wrong customer: %v", err)
		}
		if _, err := s.RedeemHandoff(ctx, "old", a.ID, now); !errors.Is(err, store.ErrHandoffInvalid) {
			t.Errorf("expired: %v", err)
		}
		h, err := s.RedeemHandoff(ctx, "good", a.ID, now)
		if err != nil || h.Email != u.Email || h.PartnerID != p.ID || h.UserID != u.ID || h.CustomerID != a.ID {
			t.Fatalf("RedeemHandoff = %+v, %v", h, err)
		}
		if _, err := s.RedeemHandoff(ctx, "good", a.ID, now); !errors.Is(err, store.ErrHandoffInvalid) {
			t.Errorf("second use: %v", err)
		}
		// The wrong-customer attempt did not burn b's ticket.
		if _, err := s.RedeemHandoff(ctx, "for-b", b.ID, now); err != nil {
			t.Errorf("b's ticket: %v", err)
		}

		for range 2 { // idempotent
			if err := s.PutRoute(ctx, p.ID, a.ID); err != nil {
				t.Fatal(err)
			}
		}
		if ok, err := s.ConsoleRouted(ctx, a.ID); err != nil || !ok {
			t.Fatalf("ConsoleRouted(a) = %v, %v", ok, err)
		}
		if ok, _ := s.ConsoleRouted(ctx, b.ID); ok {
			t.Fatal("b is routed")
		}
		if n, _ := s.CountRoutes(ctx, p.ID); n != 1 {
			t.Fatalf("CountRoutes = %d", n)
		}
		other, _ := partner(t, s, "beta")
		if err := s.DeleteRoute(ctx, other.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.ConsoleRouted(ctx, a.ID); !ok {
			t.Fatal("another partner removed a's route")
		}
		for range 2 {
			if err := s.DeleteRoute(ctx, p.ID, a.ID); err != nil {
				t.Fatal(err)
			}
		}
		if ok, _ := s.ConsoleRouted(ctx, a.ID); ok {
			t.Fatal("a is still routed")
		}
	})
}

func TestReadyAndMigrationStatus(t *testing.T) {
	setup(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.Ready(ctx); err != nil {
			t.Fatalf("Ready: %v", err)
		}
		st, err := s.MigrationStatus(ctx)
		if err != nil || len(st) == 0 {
			t.Fatalf("MigrationStatus = %v, %v", st, err)
		}
		for _, m := range st {
			if !m.Applied || m.Name == "" {
				t.Errorf("migration %+v not applied", m)
			}
		}
		// Migrating again finds nothing to do.
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// TestCountByStatus: the operator's count spans every partner and leaves
// deleted customers out.
func TestCountByStatus(t *testing.T) {
	setup(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if got, err := s.CountByStatus(ctx); err != nil || len(got) != 0 {
			t.Fatalf("empty hub: %v, %v", got, err)
		}
		a, _ := partner(t, s, "alpha")
		b, _ := partner(t, s, "beta")
		addCustomer(t, s, a.ID, "One", "one")
		ready := addCustomer(t, s, a.ID, "Two", "two")
		gone := addCustomer(t, s, b.ID, "Three", "three")
		addCustomer(t, s, b.ID, "Four", "four")
		if _, err := s.Transition(ctx, a.ID, ready.ID, customer.StatusDeploying, customer.EventDeployed, "", "", nil); err != nil {
			t.Fatal(err)
		}
		for _, ev := range []customer.Event{customer.EventDelete, customer.EventDeleted} {
			cur, _ := s.CustomerForWork(ctx, b.ID, gone.ID)
			if _, err := s.Transition(ctx, b.ID, gone.ID, cur.Status, ev, "", "", nil); err != nil {
				t.Fatalf("%s: %v", ev, err)
			}
		}
		got, err := s.CountByStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[customer.Status]int{customer.StatusDeploying: 2, customer.StatusReady: 1}
		if !maps.Equal(got, want) {
			t.Fatalf("CountByStatus = %v, want %v", got, want)
		}
	})
}
