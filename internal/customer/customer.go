package customer

import (
	"errors"
	"time"
)

// Type is what the customer is for: a paying Customer, or a DEMO full of
// dummy data for sales demos.
type Type string

const (
	TypeCustomer Type = "customer"
	TypeDemo     Type = "demo"
)

// Label is the type as partners read it.
func (t Type) Label() string {
	if t == TypeDemo {
		return "DEMO"
	}
	return "Customer"
}

// Valid reports whether t is one of the two types.
func (t Type) Valid() bool { return t == TypeCustomer || t == TypeDemo }

// Contact is who the partner reaches at the customer.
type Contact struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Phone string `json:"phone"`
}

// Customer is one of a partner's customers, as the hub knows it.
type Customer struct {
	ID           string
	PartnerID    string
	Type         Type
	CompanyName  string
	ShortName    string
	Contact      Contact
	Status       Status
	StatusReason string
	StatusStep   string
	// Action is the action running now, or the last one (for retry).
	Action       string
	ActionParams string
	// ConsoleVersion is the console schema version of the customer's database.
	ConsoleVersion int
	// DemoExpiresAt is when a DEMO expires; nil for customers.
	DemoExpiresAt *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Input is what a partner supplies to add a customer.
type Input struct {
	Type        Type
	CompanyName string
	ShortName   string // optional: suggested from CompanyName when empty
	Contact     Contact
}

// Domain errors; each boundary maps them once (HTTP status, page, log).
var (
	ErrNotFound = errors.New("customer not found")
	// ErrConflict means the customer's status moved under us (a compare-and-set
	// lost) or another operation holds it.
	ErrConflict = errors.New("customer changed concurrently")
)

// ValidationError carries one message per field that is wrong.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	if len(e.Fields) == 1 {
		for f, m := range e.Fields {
			return f + ": " + m
		}
	}
	return "the input has errors"
}

// AsValidation returns the ValidationError in err, if any.
func AsValidation(err error) (*ValidationError, bool) {
	var ve *ValidationError
	ok := errors.As(err, &ve)
	return ve, ok
}
