package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"partnerhub/internal/console"
	"partnerhub/internal/customer"
	"partnerhub/internal/partnersystem"
)

// deploySteps are the six steps of the design, each idempotent.
var deploySteps = []step{
	{"database", "Creating the customer's database", func(ctx context.Context, w *Worker, c customer.Customer) error {
		return w.Consoles.Create(ctx, c.ID)
	}},
	{"seed", "Seeding the baseline and demo data", func(ctx context.Context, w *Worker, c customer.Customer) error {
		p := console.Profile{CompanyName: c.CompanyName, ShortName: c.ShortName, Type: string(c.Type)}
		if err := w.Consoles.SetProfile(ctx, c.ID, p); err != nil {
			return err
		}
		return w.Consoles.Seed(ctx, c.ID, string(c.Type), time.Now())
	}},
	{"access", "Granting the partner access to the console", func(ctx context.Context, w *Worker, c customer.Customer) error {
		return w.Consoles.GrantPartnerAccess(ctx, c.ID, c.PartnerID)
	}},
	{"partner_account", "Creating the account in the partner system", ensureAccounts},
	{"route", "Routing the console URL", func(ctx context.Context, w *Worker, c customer.Customer) error {
		return w.Store.PutRoute(ctx, c.PartnerID, c.ID)
	}},
	{"verify", "Checking the console's health", checkConsole},
}

// deleteSteps undo the deployment in reverse, each idempotent, so that nothing is left.
var deleteSteps = []step{
	{"route", "Removing the console route", func(ctx context.Context, w *Worker, c customer.Customer) error {
		if err := w.Store.DeleteRoute(ctx, c.PartnerID, c.ID); err != nil {
			return err
		}
		return w.Store.DeleteHandoffs(ctx, c.PartnerID, c.ID)
	}},
	{"partner_account", "Closing the account in the partner system", closeAccount},
	{"database", "Removing the customer's database", func(ctx context.Context, w *Worker, c customer.Customer) error {
		return w.Consoles.Drop(ctx, c.ID)
	}},
}

// PartnerRef and CustomerRef are the external references (idempotency keys)
// of the hub's accounts in the partner system.
func PartnerRef(partnerID string) string   { return "partner:" + partnerID }
func CustomerRef(customerID string) string { return "customer:" + customerID }

func ensureAccounts(ctx context.Context, w *Worker, c customer.Customer) error {
	partner, err := w.Store.GetPartner(ctx, c.PartnerID)
	if err != nil {
		return err
	}
	if _, err := w.PartnerSystem.EnsureAccount(ctx, partnersystem.CreateAccount{
		Kind: "partner", Name: partner.Name, ExternalRef: PartnerRef(c.PartnerID),
	}); err != nil {
		return err
	}
	_, err = w.PartnerSystem.EnsureAccount(ctx, partnersystem.CreateAccount{
		Kind: "customer", Name: c.CompanyName, ExternalRef: CustomerRef(c.ID), ParentExternalRef: PartnerRef(c.PartnerID),
	})
	return err
}

func closeAccount(ctx context.Context, w *Worker, c customer.Customer) error {
	acc, err := w.PartnerSystem.FindByExternalRef(ctx, CustomerRef(c.ID))
	if errors.Is(err, partnersystem.ErrNotFound) {
		return nil // never created: nothing to close
	}
	if err != nil {
		return err
	}
	if acc.Status == "closed" {
		return nil
	}
	_, err = w.PartnerSystem.Close(ctx, acc.ID)
	return err
}

// checkConsole asks the console server, over HTTP as a browser would reach
// it, whether this customer's console answers.
func checkConsole(ctx context.Context, w *Worker, c customer.Customer) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	u := w.ConsoleURL + "/c/" + url.PathEscape(c.ID) + "/healthz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := w.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("the console did not answer: %w", err)
	}
	defer resp.Body.Close()
	var h struct {
		CustomerID string `json:"customerId"`
		Status     string `json:"status"`
		Reason     string `json:"reason"`
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	_ = json.Unmarshal(body, &h)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the console's health check answered %s %s", resp.Status, h.Reason)
	}
	if h.CustomerID != c.ID {
		return fmt.Errorf("the console answered for another customer (%q)", h.CustomerID)
	}
	return nil
}
