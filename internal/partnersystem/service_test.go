package partnersystem

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCreateAccountValidate(t *testing.T) {
	long := strings.Repeat("é", MaxName+1)
	tests := []struct {
		name string
		in   CreateAccount
		want []string // fields with a message
	}{
		{"partner ok", CreateAccount{Kind: "partner", Name: "Acme", ExternalRef: "partner:1"}, nil},
		{"customer ok", CreateAccount{Kind: "customer", Name: "Bob", ExternalRef: "customer:1", ParentExternalRef: "partner:1"}, nil},
		{"200 chars ok", CreateAccount{Kind: "partner", Name: strings.Repeat("é", 200), ExternalRef: strings.Repeat("r", 200)}, nil},
		{"everything empty", CreateAccount{}, []string{"externalRef", "kind", "name"}},
		{"unknown kind", CreateAccount{Kind: "reseller", Name: "A", ExternalRef: "x"}, []string{"kind"}},
		{"blank name", CreateAccount{Kind: "partner", Name: " \t", ExternalRef: "x"}.normalize(), []string{"name"}},
		{"name too long", CreateAccount{Kind: "partner", Name: long, ExternalRef: "x"}, []string{"name"}},
		{"name control char", CreateAccount{Kind: "partner", Name: "a\x00b", ExternalRef: "x"}, []string{"name"}},
		{"name bad utf8", CreateAccount{Kind: "partner", Name: "a\xffb", ExternalRef: "x"}, []string{"name"}},
		{"ref too long", CreateAccount{Kind: "partner", Name: "A", ExternalRef: strings.Repeat("r", 201)}, []string{"externalRef"}},
		{"ref padded", CreateAccount{Kind: "partner", Name: "A", ExternalRef: " partner:1"}, []string{"externalRef"}},
		{"partner with parent", CreateAccount{Kind: "partner", Name: "A", ExternalRef: "x", ParentExternalRef: "y"}, []string{"parentExternalRef"}},
		{"customer without parent", CreateAccount{Kind: "customer", Name: "A", ExternalRef: "x"}, []string{"parentExternalRef"}},
		{"customer parent too long", CreateAccount{Kind: "customer", Name: "A", ExternalRef: "x", ParentExternalRef: strings.Repeat("p", 201)}, []string{"parentExternalRef"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, fieldsOf(tt.in.validate())); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

// fieldsOf returns the sorted field names of a *ValidationError, nil for nil.
func fieldsOf(err error) []string {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		if err != nil {
			return []string{"not a validation error: " + err.Error()}
		}
		return nil
	}
	var f []string
	for k := range ve.Fields {
		f = append(f, k)
	}
	sort.Strings(f)
	return f
}

func mustCreate(t *testing.T, svc *Service, in CreateAccount) Account {
	t.Helper()
	a, _, err := svc.Create(context.Background(), in)
	if err != nil {
		t.Fatalf("create %+v: %v", in, err)
	}
	return a
}

func partner(ref string) CreateAccount {
	return CreateAccount{Kind: KindPartner, Name: "Partner " + ref, ExternalRef: ref}
}

func customer(ref, parent string) CreateAccount {
	return CreateAccount{Kind: KindCustomer, Name: "Customer " + ref, ExternalRef: ref, ParentExternalRef: parent}
}

func TestCreateIsIdempotent(t *testing.T) {
	eachEngine(t, func(t *testing.T, svc *Service) {
		ctx := context.Background()
		first, created, err := svc.Create(ctx, CreateAccount{Kind: KindPartner, Name: "  Acme  ", ExternalRef: "partner:1"})
		if err != nil || !created {
			t.Fatalf("first create: created=%v err=%v", created, err)
		}
		if !strings.HasPrefix(first.ID, "acc_") || first.Name != "Acme" || first.Status != StatusActive {
			t.Errorf("first = %+v", first)
		}
		again, created, err := svc.Create(ctx, CreateAccount{Kind: KindPartner, Name: "Other name", ExternalRef: "partner:1"})
		if err != nil || created {
			t.Fatalf("second create: created=%v err=%v", created, err)
		}
		if diff := cmp.Diff(first, again); diff != "" {
			t.Errorf("second create returned another account (-first +again):\n%s", diff)
		}
		got, err := svc.Get(ctx, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(first, got); diff != "" {
			t.Errorf("stored account differs (-created +stored):\n%s", diff)
		}
		_, _, err = svc.Create(ctx, customer("partner:1", "partner:1"))
		if diff := cmp.Diff([]string{"externalRef"}, fieldsOf(err)); diff != "" {
			t.Errorf("ref of the other kind: (-want +got):\n%s", diff)
		}
	})
}

func TestCreateConcurrentMakesOneAccount(t *testing.T) {
	eachEngine(t, func(t *testing.T, svc *Service) {
		ctx := context.Background()
		mustCreate(t, svc, partner("partner:1"))
		const n = 50
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			ids     = map[string]int{}
			created int
			errs    []error
		)
		for i := range n {
			wg.Go(func() {
				a, c, err := svc.Create(ctx, CreateAccount{Kind: KindCustomer, Name: fmt.Sprintf("Try %d", i),
					ExternalRef: "customer:42", ParentExternalRef: "partner:1"})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
					return
				}
				ids[a.ID]++
				if c {
					created++
				}
			})
		}
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("%d of %d creates failed, first: %v", len(errs), n, errs[0])
		}
		if len(ids) != 1 || created != 1 {
			t.Errorf("got ids %v and %d created, want one id and one created", ids, created)
		}
		all, err := svc.List(ctx, ListFilter{ExternalRef: "customer:42"})
		if err != nil || len(all) != 1 {
			t.Errorf("list: %d accounts, err %v; want 1", len(all), err)
		}
	})
}

func TestCustomerLinksToPartner(t *testing.T) {
	eachEngine(t, func(t *testing.T, svc *Service) {
		ctx := context.Background()
		p := mustCreate(t, svc, partner("partner:1"))
		c := mustCreate(t, svc, customer("customer:1", "partner:1"))
		if c.ParentAccountID != p.ID || p.ParentAccountID != "" {
			t.Errorf("customer parent = %q, partner parent = %q; want %q and empty", c.ParentAccountID, p.ParentAccountID, p.ID)
		}
		for _, tt := range []struct {
			name string
			in   CreateAccount
		}{
			{"unknown parent", customer("customer:2", "partner:404")},
			{"parent is a customer", customer("customer:3", "customer:1")},
		} {
			if _, _, err := svc.Create(ctx, tt.in); !cmp.Equal(fieldsOf(err), []string{"parentExternalRef"}) {
				t.Errorf("%s: err = %v, want a parentExternalRef validation error", tt.name, err)
			}
		}
		if _, err := svc.Close(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.Create(ctx, customer("customer:4", "partner:1")); !cmp.Equal(fieldsOf(err), []string{"parentExternalRef"}) {
			t.Errorf("closed parent: err = %v, want a parentExternalRef validation error", err)
		}
		// A retried deployment step still finds its account after the
		// partner's account was closed.
		again, created, err := svc.Create(ctx, customer("customer:1", "partner:1"))
		if err != nil || created || again.ID != c.ID {
			t.Errorf("retry: %+v created=%v err=%v; want %s", again, created, err, c.ID)
		}
		kids, err := svc.List(ctx, ListFilter{ParentAccountID: p.ID})
		if err != nil || len(kids) != 1 || kids[0].ID != c.ID {
			t.Errorf("children of partner = %+v, %v; want only %s", kids, err, c.ID)
		}
	})
}

func TestCloseIsIdempotent(t *testing.T) {
	eachEngine(t, func(t *testing.T, svc *Service) {
		ctx := context.Background()
		a := mustCreate(t, svc, partner("partner:1"))
		first, err := svc.Close(ctx, a.ID)
		if err != nil || first.Status != StatusClosed || first.ClosedAt == nil {
			t.Fatalf("close: %+v, %v", first, err)
		}
		again, err := svc.Close(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(first, again); diff != "" {
			t.Errorf("second close changed the account (-first +again):\n%s", diff)
		}
		if _, err := svc.Close(ctx, "acc_missing"); !errors.Is(err, ErrNotFound) {
			t.Errorf("close unknown: %v, want ErrNotFound", err)
		}
	})
}

func TestRename(t *testing.T) {
	eachEngine(t, func(t *testing.T, svc *Service) {
		ctx := context.Background()
		a := mustCreate(t, svc, partner("partner:1"))
		got, err := svc.Rename(ctx, a.ID, " New name ")
		if err != nil || got.Name != "New name" {
			t.Errorf("rename: %+v, %v", got, err)
		}
		if _, err := svc.Rename(ctx, a.ID, ""); !cmp.Equal(fieldsOf(err), []string{"name"}) {
			t.Errorf("empty name: %v", err)
		}
		if _, err := svc.Rename(ctx, "acc_missing", "X"); !errors.Is(err, ErrNotFound) {
			t.Errorf("rename unknown: %v, want ErrNotFound", err)
		}
	})
}

func TestGetAndList(t *testing.T) {
	eachEngine(t, func(t *testing.T, svc *Service) {
		ctx := context.Background()
		p := mustCreate(t, svc, partner("partner:1"))
		c1 := mustCreate(t, svc, customer("customer:1", "partner:1"))
		c2 := mustCreate(t, svc, customer("customer:2", "partner:1"))
		if _, err := svc.Close(ctx, c2.ID); err != nil {
			t.Fatal(err)
		}
		if got, err := svc.GetByExternalRef(ctx, "customer:1"); err != nil || got.ID != c1.ID {
			t.Errorf("by ref: %+v, %v", got, err)
		}
		if _, err := svc.Get(ctx, "acc_missing"); !errors.Is(err, ErrNotFound) {
			t.Errorf("get unknown: %v", err)
		}
		if _, err := svc.GetByExternalRef(ctx, "nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("get unknown ref: %v", err)
		}
		tests := []struct {
			name string
			f    ListFilter
			want []string
		}{
			{"all", ListFilter{}, []string{p.ID, c1.ID, c2.ID}},
			{"customers", ListFilter{Kind: KindCustomer}, []string{c1.ID, c2.ID}},
			{"active customers", ListFilter{Kind: KindCustomer, Status: StatusActive}, []string{c1.ID}},
			{"closed", ListFilter{Status: StatusClosed}, []string{c2.ID}},
			{"by ref", ListFilter{ExternalRef: "partner:1"}, []string{p.ID}},
			{"by parent", ListFilter{ParentAccountID: p.ID}, []string{c1.ID, c2.ID}},
			{"none", ListFilter{ExternalRef: "nope"}, []string{}},
		}
		for _, tt := range tests {
			got, err := svc.List(ctx, tt.f)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			ids := []string{}
			for _, a := range got {
				ids = append(ids, a.ID)
			}
			sort.Strings(ids)
			sort.Strings(tt.want)
			if diff := cmp.Diff(tt.want, ids); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.name, diff)
			}
		}
		if _, err := svc.List(ctx, ListFilter{Kind: "reseller", Status: "gone"}); !cmp.Equal(fieldsOf(err), []string{"kind", "status"}) {
			t.Errorf("bad filter: %v", err)
		}
	})
}
