package app

import (
	"context"
	"errors"
	"net/http"
	"time"

	"partnerhub/internal/auth"
	"partnerhub/internal/console"
	"partnerhub/internal/hub"
	"partnerhub/internal/store"
)

// wireAuth gives the hub its identity provider (when configured), its
// session timeouts and the consoles' partner-access flags.
func (a *App) wireAuth() error {
	cfg := a.Config
	a.Hub.Log = a.Log
	a.Hub.SessionIdle, a.Hub.SessionMax = cfg.SessionIdle, cfg.SessionMax
	a.Hub.Access = a.Consoles
	if !cfg.OIDCEnabled() {
		return nil
	}
	redirect := cfg.OIDCRedirectURL
	if redirect == "" {
		redirect = a.HubURL + "/signin/oidc/callback"
	}
	o, err := auth.NewOIDC(auth.OIDCConfig{Issuer: cfg.OIDCIssuer, DiscoveryURL: cfg.OIDCDiscoveryURL, ClientID: cfg.OIDCClientID,
		ClientSecret: cfg.OIDCClientSecret, RedirectURL: redirect, Name: cfg.OIDCName, HTTP: &http.Client{Timeout: 10 * time.Second}})
	if err != nil {
		return err
	}
	a.Hub.OIDC = o
	return nil
}

// consoleHandler serves the consoles with the hub behind them: hand-offs,
// the customer's own admin, and the partner's audit log.
func (a *App) consoleHandler() http.Handler {
	c := consoleHub{a.Hub}
	return console.NewHandler(a.Consoles, a.Store, c, console.WithAdmins(c), console.WithEvents(c),
		console.WithSecureCookies(isHTTPS(a.ConsoleURL)), console.WithTrustProxy(a.Config.TrustProxy))
}

// consoleHub is the hub as the console sees it; it translates between the
// two packages' types and errors, so neither imports the other.
type consoleHub struct{ h *hub.Service }

func (c consoleHub) RedeemHandoff(ctx context.Context, token, customerID string) (console.Visitor, error) {
	v, err := c.h.RedeemHandoff(ctx, token, customerID)
	return console.Visitor{UserID: v.UserID, Email: v.Email, PartnerID: v.PartnerID}, err
}

func (c consoleHub) VisitorAllowed(ctx context.Context, v console.Visitor) (bool, error) {
	return c.h.ConsoleVisitorAllowed(ctx, v.PartnerID, v.UserID, v.Since)
}

func (c consoleHub) ConsoleAdminSignIn(ctx context.Context, customerID, email, password, addr string) (bool, error) {
	must, err := c.h.ConsoleAdminSignIn(ctx, customerID, email, password, addr)
	return must, consoleErr(err)
}

func (c consoleHub) ConsoleAdminSetPassword(ctx context.Context, customerID, email, current, next, addr string) error {
	return consoleErr(c.h.ConsoleAdminSetPassword(ctx, customerID, email, current, next, addr))
}

func (c consoleHub) ConsoleOwner(ctx context.Context, customerID string) (string, error) {
	return c.h.ConsoleOwner(ctx, customerID)
}

func (c consoleHub) ConsoleAccessChanged(ctx context.Context, customerID string, granted bool, by, addr string) error {
	return c.h.ConsoleAccessChanged(ctx, customerID, granted, by, addr)
}

func (c consoleHub) ConsoleEvent(ctx context.Context, e console.AuditEvent) {
	err := e.Err
	switch {
	case errors.Is(err, console.ErrAccessNotGranted):
		err = hub.ErrAccessRevoked
	case errors.Is(err, console.ErrHandoffRefused):
		err = store.ErrHandoffInvalid
	}
	c.h.RecordConsoleEvent(ctx, hub.ConsoleEvent{CustomerID: e.CustomerID, ActorID: e.ActorID, Actor: e.Actor, Addr: e.Addr,
		Action: e.Action, Detail: e.Detail, Err: err})
}

func consoleErr(err error) error {
	switch {
	case errors.Is(err, hub.ErrBadCredentials):
		return console.ErrBadCredentials
	case errors.Is(err, hub.ErrLocked):
		return console.ErrLocked
	case errors.Is(err, hub.ErrWeakPassword):
		return console.ErrWeakPassword
	}
	return err
}
