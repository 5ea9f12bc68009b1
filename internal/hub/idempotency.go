package hub

import (
	"context"
	"database/sql"
	"errors"

	"partnerhub/internal/customer"
	"partnerhub/internal/store"
)

// ErrIdempotencyMismatch means an Idempotency-Key was reused with another body.
var ErrIdempotencyMismatch = errors.New("this Idempotency-Key was used with a different request body")

// AddCustomerOnce is AddCustomer under an idempotency key: the first request
// with the key creates the customer and stores render's response in the
// same transaction; later ones with the same body get that response back
// (replayed true) for 24 hours, and ones with another body an error. So
// concurrent twins make one customer.
func (s *Service) AddCustomerOnce(ctx context.Context, a Actor, in customer.Input, key, requestHash string,
	render func(customer.Customer) (string, error)) (response string, replayed bool, err error) {
	if err := require(a, PermOperate); err != nil {
		s.audit(ctx, a, AuditCustomerAdd, "", in.CompanyName, err)
		return "", false, err
	}
	if prev, ok, err := s.replay(ctx, a, key, requestHash); ok || err != nil {
		return prev, ok, err
	}
	var out string
	_, err = s.addCustomer(ctx, a, in, func(c *customer.Customer) store.TxHook {
		return func(ctx context.Context, tx *sql.Tx) error {
			body, err := render(*c)
			if err != nil {
				return err
			}
			out = body
			return s.Store.IdempotencyHook(a.PartnerID, key, store.Idempotent{RequestHash: requestHash, CustomerID: c.ID, Response: body})(ctx, tx)
		}
	})
	if err != nil {
		// A concurrent twin may have won: with the same short name it fails
		// our insert before the key does. Its stored answer is ours.
		if prev, ok, rerr := s.replay(ctx, a, key, requestHash); ok || rerr != nil {
			return prev, ok, rerr
		}
	}
	return out, false, err
}

func (s *Service) replay(ctx context.Context, a Actor, key, requestHash string) (string, bool, error) {
	prev, ok, err := s.Store.LookupIdempotency(ctx, a.PartnerID, key)
	if err != nil || !ok {
		return "", false, err
	}
	if prev.RequestHash != requestHash {
		return "", false, ErrIdempotencyMismatch
	}
	return prev.Response, true, nil
}
