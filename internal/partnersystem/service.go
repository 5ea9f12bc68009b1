package partnersystem

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Service is the partner system's domain: it validates, links customers to
// partners and keeps creation idempotent on the external ref.
type Service struct {
	st  store
	now func() time.Time
}

// NewService returns a Service on db, whose schema Migrate has created.
func NewService(db *sql.DB) *Service {
	return &Service{st: store{db: db}, now: time.Now}
}

// Create makes the account in, or returns the one that already has its
// external ref (created=false). The hub retries deployment steps, so a retry
// must find the first attempt's account rather than make a second one; the
// UNIQUE external_ref decides between concurrent callers.
func (s *Service) Create(ctx context.Context, in CreateAccount) (Account, bool, error) {
	in = in.normalize()
	if err := in.validate(); err != nil {
		return Account{}, false, err
	}
	// The existing account wins before the parent is looked at: a retry
	// must still succeed after the partner's account was closed.
	if a, err := s.existing(ctx, in); !errors.Is(err, ErrNotFound) {
		return a, false, err
	}
	a := Account{
		ID:          newID(),
		Kind:        in.Kind,
		Name:        in.Name,
		ExternalRef: in.ExternalRef,
		Status:      StatusActive,
		CreatedAt:   s.now().UTC().Truncate(time.Millisecond),
	}
	if in.Kind == KindCustomer {
		parent, err := s.parent(ctx, in.ParentExternalRef)
		if err != nil {
			return Account{}, false, err
		}
		a.ParentAccountID = parent.ID
	}
	inserted, err := s.st.insert(ctx, a)
	if err != nil {
		return Account{}, false, fmt.Errorf("partnersystem: create: %w", err)
	}
	if inserted {
		return a, true, nil
	}
	// Another caller inserted the same external ref between our look-up and
	// our insert; theirs is the account.
	a, err = s.existing(ctx, in)
	if errors.Is(err, ErrNotFound) {
		return Account{}, false, fmt.Errorf("partnersystem: create %q: conflicting account vanished", in.ExternalRef)
	}
	return a, false, err
}

// existing returns the account that already holds in's external ref, or
// ErrNotFound. An external ref taken by the other kind is a caller's mistake
// (a customer's id passed as a partner's), so it is refused, not returned.
func (s *Service) existing(ctx context.Context, in CreateAccount) (Account, error) {
	a, err := s.st.byRef(ctx, in.ExternalRef)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return Account{}, err
		}
		return Account{}, fmt.Errorf("partnersystem: create: %w", err)
	}
	if a.Kind != in.Kind {
		return Account{}, invalid("externalRef", "External ref is already used by a "+a.Kind+" account.")
	}
	return a, nil
}

// parent finds the active partner account a new customer account links to.
func (s *Service) parent(ctx context.Context, ref string) (Account, error) {
	p, err := s.st.byRef(ctx, ref)
	switch {
	case errors.Is(err, ErrNotFound):
		return Account{}, invalid("parentExternalRef", "No partner account has this external ref.")
	case err != nil:
		return Account{}, fmt.Errorf("partnersystem: find parent: %w", err)
	case p.Kind != KindPartner:
		return Account{}, invalid("parentExternalRef", "The parent must be a partner account.")
	case p.Status != StatusActive:
		return Account{}, invalid("parentExternalRef", "The partner account is closed.")
	}
	return p, nil
}

// Get returns the account with id, or ErrNotFound.
func (s *Service) Get(ctx context.Context, id string) (Account, error) {
	return s.st.byID(ctx, id)
}

// GetByExternalRef returns the account whose external ref is ref, or
// ErrNotFound.
func (s *Service) GetByExternalRef(ctx context.Context, ref string) (Account, error) {
	return s.st.byRef(ctx, ref)
}

// List returns the accounts matching f, oldest first; never nil, so that
// the API answers "items": [] rather than null.
func (s *Service) List(ctx context.Context, f ListFilter) ([]Account, error) {
	if err := validateFilter(f); err != nil {
		return nil, err
	}
	return s.st.list(ctx, f)
}

// Close closes the account and returns it. Closing a closed account returns
// it unchanged, because deletion steps are retried.
func (s *Service) Close(ctx context.Context, id string) (Account, error) {
	if err := s.st.close(ctx, id, s.now()); err != nil {
		return Account{}, fmt.Errorf("partnersystem: %w", err)
	}
	return s.st.byID(ctx, id)
}

// Rename gives the account a new name and returns it.
func (s *Service) Rename(ctx context.Context, id, name string) (Account, error) {
	name = CreateAccount{Name: name}.normalize().Name
	if msg := checkName(name); msg != "" {
		return Account{}, invalid("name", msg)
	}
	if err := s.st.rename(ctx, id, name); err != nil {
		if errors.Is(err, ErrNotFound) {
			return Account{}, err
		}
		return Account{}, fmt.Errorf("partnersystem: %w", err)
	}
	return s.st.byID(ctx, id)
}

// newID returns "acc_" and 96 random bits: unguessable, so an id alone
// reveals nothing about how many accounts exist.
func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails since Go 1.24
	return "acc_" + hex.EncodeToString(b[:])
}
