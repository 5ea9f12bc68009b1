// Package partnersystem is the vendor's back office of accounts: one account
// per partner, one per customer, and the link from a customer's account to
// its partner's. It has its own store (tables prefixed ps_), its own HTTP API
// on its own listener, and the client the hub's deployment steps use, so that
// the hub talks to it over HTTP exactly as it would to a separate system.
package partnersystem

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Account kinds and statuses as they are stored and sent over the wire.
const (
	KindPartner  = "partner"
	KindCustomer = "customer"

	StatusActive = "active"
	StatusClosed = "closed"
)

// Field limits, in characters.
const (
	MaxName        = 200
	MaxExternalRef = 200
)

// Account is one back-office account. ExternalRef is the caller's own id for
// it and the key that makes creation idempotent.
type Account struct {
	ID              string     `json:"id"`
	Kind            string     `json:"kind"`
	Name            string     `json:"name"`
	ExternalRef     string     `json:"externalRef"`
	ParentAccountID string     `json:"parentAccountId,omitempty"`
	Status          string     `json:"status"`
	CreatedAt       time.Time  `json:"createdAt"`
	ClosedAt        *time.Time `json:"closedAt,omitempty"`
}

// CreateAccount asks for an account. It is also the JSON body of
// POST /api/v1/accounts, so the client and the handler cannot drift apart.
type CreateAccount struct {
	Kind              string `json:"kind"`
	Name              string `json:"name"`
	ExternalRef       string `json:"externalRef"`
	ParentExternalRef string `json:"parentExternalRef,omitempty"`
}

// ListFilter narrows List; empty fields do not filter.
type ListFilter struct {
	Kind            string
	Status          string
	ParentAccountID string
	ExternalRef     string
}

// ErrNotFound is returned when no account matches.
var ErrNotFound = errors.New("account not found")

// ValidationError carries one message per wrong field, so that an API
// caller can show each next to its input.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e.Fields[k]
	}
	return "invalid account: " + strings.Join(parts, "; ")
}

func invalid(field, msg string) *ValidationError {
	return &ValidationError{Fields: map[string]string{field: msg}}
}

// normalize trims the name the way validation reads it, so that what is
// stored is exactly what was checked. External refs are not trimmed: they
// are identities, and a silently changed identity would break idempotency.
func (in CreateAccount) normalize() CreateAccount {
	in.Name = strings.TrimSpace(in.Name)
	return in
}

// validate checks the fields that need no store; the parent link is checked
// by the service.
func (in CreateAccount) validate() error {
	f := map[string]string{}
	if in.Kind != KindPartner && in.Kind != KindCustomer {
		f["kind"] = "Kind must be partner or customer."
	}
	if msg := checkName(in.Name); msg != "" {
		f["name"] = msg
	}
	if msg := checkRef("External ref", in.ExternalRef); msg != "" {
		f["externalRef"] = msg
	}
	switch {
	case in.Kind == KindPartner && in.ParentExternalRef != "":
		f["parentExternalRef"] = "A partner account has no parent."
	case in.Kind == KindCustomer && in.ParentExternalRef == "":
		f["parentExternalRef"] = "A customer account needs its partner's external ref."
	case in.Kind == KindCustomer:
		if msg := checkRef("Parent external ref", in.ParentExternalRef); msg != "" {
			f["parentExternalRef"] = msg
		}
	}
	if len(f) > 0 {
		return &ValidationError{Fields: f}
	}
	return nil
}

// validateFilter rejects filter values that can never match, so that a typo
// in a query is an error instead of a silently empty list.
func validateFilter(f ListFilter) error {
	v := map[string]string{}
	if f.Kind != "" && f.Kind != KindPartner && f.Kind != KindCustomer {
		v["kind"] = "Kind must be partner or customer."
	}
	if f.Status != "" && f.Status != StatusActive && f.Status != StatusClosed {
		v["status"] = "Status must be active or closed."
	}
	if len(v) > 0 {
		return &ValidationError{Fields: v}
	}
	return nil
}

func checkName(name string) string {
	switch n := utf8.RuneCountInString(name); {
	case !utf8.ValidString(name):
		return "Name must be valid text."
	case n == 0:
		return "Enter a name."
	case n > MaxName:
		return fmt.Sprintf("Name must be at most %d characters.", MaxName)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return "Name must not contain control characters."
	}
	return ""
}

func checkRef(label, ref string) string {
	switch n := utf8.RuneCountInString(ref); {
	case !utf8.ValidString(ref):
		return label + " must be valid text."
	case n == 0:
		return "Enter the " + strings.ToLower(label[:1]) + label[1:] + "."
	case n > MaxExternalRef:
		return fmt.Sprintf("%s must be at most %d characters.", label, MaxExternalRef)
	case strings.TrimSpace(ref) != ref:
		return label + " must not start or end with white space."
	case strings.IndexFunc(ref, unicode.IsControl) >= 0:
		return label + " must not contain control characters."
	}
	return ""
}
