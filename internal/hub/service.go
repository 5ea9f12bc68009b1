// Package hub is the hub's application layer: what a signed-in partner user
// can do with customers, and how people sign in. The web UI, the API and the
// CLI all go through it, so rules live in one place.
package hub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"partnerhub/internal/auth"
	"partnerhub/internal/customer"
	"partnerhub/internal/store"
)

// Enqueuer makes the store hook that starts a customer's due work in the
// transaction that changes its status.
type Enqueuer interface {
	EnqueueTx(partnerID, customerID string) store.TxHook
}

// Service is the hub's use cases. Every method that acts for a partner
// user takes the Actor and checks its role first (ErrForbidden), so the UI
// hiding a button is never the only guard.
type Service struct {
	Store      *store.Store
	Jobs       Enqueuer
	ConsoleURL string // base URL of the customer consoles
	HandoffTTL time.Duration
	Now        func() time.Time
	// LatestConsoleVersion is the console version this release ships; a
	// customer behind it is offered Update.
	LatestConsoleVersion int
	Log                  *slog.Logger
	// OIDC signs people in with the partner's identity provider; nil
	// means local accounts only (the embedded default).
	OIDC OIDCProvider
	// Access asks a customer's console whether its partner may enter (the
	// console's own flag is the authority); nil skips the check, as in
	// tests without consoles.
	Access AccessChecker
	// Sessions and failed sign-ins; zero values take the defaults.
	SessionIdle time.Duration
	SessionMax  time.Duration
	Limits      SignInLimits
	// OnSignIn, when set, hears every sign-in attempt's method and result
	// (the SignIn… constants), for metrics. It must not block.
	OnSignIn func(method, result string)

	tokens tokenCache
}

// AccessChecker tells whether a customer's console lets partnerID in.
type AccessChecker interface {
	PartnerAccess(ctx context.Context, customerID string) (granted bool, partnerID string, err error)
}

// Actor is the signed-in user on whose behalf a call runs. The partner comes
// from the session or token, never from the request; Addr is the client
// address the handler saw, for the audit log.
type Actor struct {
	UserID    string
	PartnerID string
	Email     string
	Role      string
	Addr      string
	// MustChangePassword: the session was opened with a one-time password
	// (the first admin's or an invitation's). Until its holder chooses
	// their own, the UI offers nothing but that.
	MustChangePassword bool
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// AddCustomer validates in, suggests a short name when none was given, and
// inserts the customer as deploying with its deployment job, atomically.
func (s *Service) AddCustomer(ctx context.Context, a Actor, in customer.Input) (customer.Customer, error) {
	return s.addCustomer(ctx, a, in, nil)
}

func (s *Service) addCustomer(ctx context.Context, a Actor, in customer.Input, also func(c *customer.Customer) store.TxHook) (c customer.Customer, err error) {
	in = in.Normalize()
	defer func() {
		s.audit(ctx, a, AuditCustomerAdd, c.ID, string(in.Type)+" "+in.CompanyName+" ("+in.ShortName+")", err)
	}()
	if err := require(a, PermOperate); err != nil {
		return customer.Customer{}, err
	}
	suggested := in.ShortName == "" && customer.CheckCompanyName(in.CompanyName) == ""
	if !suggested {
		if err := in.Validate(); err != nil {
			return customer.Customer{}, err
		}
	}
	// A suggested short name can be taken by a concurrent add between the
	// suggestion and the insert: then suggest again (bounded: each loss means
	// another add took that name).
	for attempt := 0; ; attempt++ {
		if suggested {
			if in.ShortName, err = s.SuggestShortName(ctx, a, in.CompanyName); err != nil {
				return customer.Customer{}, err
			}
			if err := in.Validate(); err != nil {
				return customer.Customer{}, err
			}
		}
		c = customer.Customer{
			ID: uuid.Must(uuid.NewV7()).String(), PartnerID: a.PartnerID, Type: in.Type,
			CompanyName: in.CompanyName, ShortName: in.ShortName, Contact: in.Contact,
			Status: customer.StatusDeploying, StatusStep: "queued", StatusReason: "Queued for deployment.",
		}
		if c.Type == customer.TypeDemo {
			exp := s.now().Add(customer.DemoLifetime).UTC()
			c.DemoExpiresAt = &exp
		}
		hook := s.Jobs.EnqueueTx(c.PartnerID, c.ID)
		if also != nil {
			hook = store.Hooks(hook, also(&c))
		}
		err = s.Store.CreateCustomer(ctx, &c, hook)
		if ve, ok := customer.AsValidation(err); ok && suggested && ve.Fields["shortName"] != "" && attempt < 25 {
			continue
		}
		if err != nil {
			return customer.Customer{}, err
		}
		break
	}
	return c, nil
}

// ShortNameTaken reports whether another live customer of the partner uses
// short, for the wizard to say so at the field before Add.
func (s *Service) ShortNameTaken(ctx context.Context, a Actor, short string) (bool, error) {
	if err := require(a, PermOperate); err != nil {
		return false, err
	}
	return s.Store.ShortNameTaken(ctx, a.PartnerID, short)
}

// SuggestShortName proposes a short name from the company name that no
// other live customer of the partner uses ("Contoso", then "Contoso2", …).
func (s *Service) SuggestShortName(ctx context.Context, a Actor, company string) (string, error) {
	if err := require(a, PermOperate); err != nil {
		return "", err
	}
	base := customer.SuggestShortName(company)
	if base == "" {
		return "", nil
	}
	for i := 1; i < 1000; i++ {
		cand := base
		if i > 1 {
			suffix := strconv.Itoa(i)
			cand = truncateRunes(base, customer.MaxShortName-len(suffix)) + suffix
		}
		taken, err := s.Store.ShortNameTaken(ctx, a.PartnerID, cand)
		if err != nil {
			return "", err
		}
		if !taken {
			return cand, nil
		}
	}
	return base, nil
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// Customer returns one of the actor's partner's customers.
func (s *Service) Customer(ctx context.Context, a Actor, id string) (customer.Customer, error) {
	if err := require(a, PermView); err != nil {
		return customer.Customer{}, err
	}
	return s.Store.GetCustomer(ctx, a.PartnerID, id)
}

// Customers lists the actor's partner's customers.
func (s *Service) Customers(ctx context.Context, a Actor, f store.ListFilter) ([]customer.Customer, string, error) {
	if err := require(a, PermView); err != nil {
		return nil, "", err
	}
	return s.Store.ListCustomers(ctx, a.PartnerID, f)
}

// Timeline returns a customer's status changes and steps.
func (s *Service) Timeline(ctx context.Context, a Actor, id string) ([]store.Event, error) {
	if _, err := s.Customer(ctx, a, id); err != nil {
		return nil, err
	}
	return s.Store.Events(ctx, a.PartnerID, id)
}

// Delete starts the removal of a customer; it wins over a running deployment.
func (s *Service) Delete(ctx context.Context, a Actor, id string) (c customer.Customer, err error) {
	defer func() { s.audit(ctx, a, AuditCustomerDelete, id, c.CompanyName, err) }()
	if err := require(a, PermOperate); err != nil {
		return c, err
	}
	c, err = s.Customer(ctx, a, id)
	if err != nil {
		return c, err
	}
	if c.Status == customer.StatusDeleting {
		return c, &customer.BusyError{Running: c.RunningOperation()}
	}
	reason := "Deletion requested by " + a.Email + "."
	if _, err := s.Store.Transition(ctx, a.PartnerID, id, c.Status, customer.EventDelete, "queued", reason, s.Jobs.EnqueueTx(a.PartnerID, id)); err != nil {
		return c, err
	}
	return s.Customer(ctx, a, id)
}

// ErrNotReady means the console cannot be visited in the customer's status.
var ErrNotReady = errors.New("the console can be visited only when the customer is ready (or after a failed action)")

// ErrAccessRevoked means the customer's admin took the partner's access to
// the console away (from the console's settings).
var ErrAccessRevoked = errors.New("the customer's admin has revoked the partner's access to this console")

// Visit issues a single-use hand-off into the customer's console, valid for
// HandoffTTL (at most a minute), and returns the URL that redeems it. It is
// refused while the customer's admin has revoked the partner's access: the
// hub's copy of the flag answers first, the console's own flag decides.
func (s *Service) Visit(ctx context.Context, a Actor, id string) (_ string, err error) {
	var c customer.Customer
	defer func() { s.audit(ctx, a, AuditConsoleVisit, id, c.CompanyName, err) }()
	if err := require(a, PermOperate); err != nil {
		return "", err
	}
	c, err = s.Customer(ctx, a, id)
	if err != nil {
		return "", err
	}
	if !c.Status.Visitable() {
		return "", ErrNotReady
	}
	if acc, err := s.Store.ConsoleAccessOf(ctx, a.PartnerID, id); err != nil {
		return "", err
	} else if !acc.Granted {
		return "", ErrAccessRevoked
	}
	if s.Access != nil {
		// The console decides again when the hand-off is redeemed; a
		// console that cannot answer here (its database drifted) refuses
		// there, so this early check only logs it.
		granted, pid, err := s.Access.PartnerAccess(ctx, id)
		switch {
		case err != nil:
			s.log().WarnContext(ctx, "visit: the console's partner access could not be read", "customer", id, "err", err)
		case !granted || pid != a.PartnerID:
			return "", ErrAccessRevoked
		}
	}
	token, hash := auth.NewToken("ho_")
	ttl := min(s.HandoffTTL, time.Minute)
	if ttl <= 0 {
		ttl = 30 * time.Second
	}
	if err := s.Store.CreateHandoff(ctx, store.Handoff{TokenHash: hash, CustomerID: id, PartnerID: a.PartnerID, UserID: a.UserID, ExpiresAt: s.now().Add(ttl)}); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s/handoff?token=%s", s.ConsoleLink(c), token), nil
}

// ConsoleLink is the customer's console URL.
func (s *Service) ConsoleLink(c customer.Customer) string {
	return s.ConsoleURL + "/c/" + c.ID
}
