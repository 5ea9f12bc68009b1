package hub

import (
	"errors"

	"partnerhub/internal/store"
)

// Sign-in methods and results, as OnSignIn hears them.
const (
	SignInPassword        = "password"         // a partner user's local account
	SignInOIDC            = "oidc"             // a partner user through the identity provider
	SignInHandoff         = "handoff"          // a partner user entering a console with a hand-off
	SignInConsolePassword = "console_password" // a customer's own admin at the console

	SignInOK             = "ok"
	SignInBadCredentials = "bad_credentials" // wrong password or unknown email
	SignInLocked         = "locked"          // refused for too many failures
	SignInDenied         = "denied"          // not invited, access revoked, an invalid hand-off or provider answer
	SignInError          = "error"           // the hub failed (the database, say)
)

// signedIn tells OnSignIn how an attempt ended.
func (s *Service) signedIn(method string, err error) {
	if s.OnSignIn != nil {
		s.OnSignIn(method, signInResult(err))
	}
}

func signInResult(err error) string {
	switch {
	case err == nil:
		return SignInOK
	case errors.Is(err, ErrBadCredentials):
		return SignInBadCredentials
	case errors.Is(err, ErrLocked):
		return SignInLocked
	case errors.Is(err, ErrNotAllowed), errors.Is(err, ErrOIDCState), errors.Is(err, ErrOIDCFailed),
		errors.Is(err, ErrNoOIDC), errors.Is(err, ErrNoPassword), errors.Is(err, ErrAccessRevoked),
		errors.Is(err, store.ErrHandoffInvalid), errors.Is(err, ErrForbidden):
		return SignInDenied
	}
	return SignInError
}
