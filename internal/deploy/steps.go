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
	{"database", "Creating the customer's database", createDatabase},
	{"seed", "Seeding the customer's data", func(ctx context.Context, w *Worker, c customer.Customer) error {
		p := console.Profile{CompanyName: c.CompanyName, ShortName: c.ShortName, Type: string(c.Type)}
		if err := w.Consoles.SetProfile(ctx, c.ID, p); err != nil {
			return err
		}
		return w.Consoles.Seed(ctx, c.ID, string(c.Type), time.Now())
	}},
	{"access", "Granting the partner access to the console", func(ctx context.Context, w *Worker, c customer.Customer) error {
		// After deployment, access is the customer's admin's decision (the
		// console's settings, recorded in the hub too): Repair, which
		// re-runs these steps, must not undo a revocation, even into a
		// console database it had to recreate.
		acc, err := w.Store.ConsoleAccessOf(ctx, c.PartnerID, c.ID)
		if err != nil || !acc.Granted {
			return err
		}
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
		if err := w.Store.DeleteHandoffs(ctx, c.PartnerID, c.ID); err != nil {
			return err
		}
		return w.Store.DeleteConsoleAdmin(ctx, c.PartnerID, c.ID)
	}},
	{"partner_account", "Closing the account in the partner system", closeAccount},
	{"database", "Removing the customer's database", func(ctx context.Context, w *Worker, c customer.Customer) error {
		return w.Consoles.Drop(ctx, c.ID)
	}},
}

// actionSteps are the steps of each action that runs as background work.
var actionSteps = map[customer.Action][]step{
	customer.ActionResetDemo: {
		{"reset_demo", "Moving the DEMO data to today", func(ctx context.Context, w *Worker, c customer.Customer) error {
			return w.Consoles.ResetDemoData(ctx, c.ID, time.Now())
		}},
	},
	customer.ActionConvert: {
		{"remove_demo", "Removing the DEMO data", func(ctx context.Context, w *Worker, c customer.Customer) error {
			return w.Consoles.RemoveDemoData(ctx, c.ID)
		}},
		{"convert", "Turning the DEMO into a Customer", func(ctx context.Context, w *Worker, c customer.Customer) error {
			p := console.Profile{CompanyName: c.CompanyName, ShortName: c.ShortName, Type: string(customer.TypeCustomer)}
			if err := w.Consoles.SetProfile(ctx, c.ID, p); err != nil {
				return err
			}
			return w.Store.ConvertToCustomer(ctx, c.PartnerID, c.ID)
		}},
	},
	customer.ActionUpdate: {
		{"migrate", "Updating the console database to the current version", func(ctx context.Context, w *Worker, c customer.Customer) error {
			_, to, err := w.Consoles.Migrate(ctx, c.ID)
			if err != nil {
				return err
			}
			return w.Store.SetConsoleVersion(ctx, c.PartnerID, c.ID, to)
		}},
		{"verify", "Checking the console's health", checkConsole},
	},
	customer.ActionRename: {
		{"console_profile", "Carrying the new name into the console", func(ctx context.Context, w *Worker, c customer.Customer) error {
			return w.Consoles.SetProfile(ctx, c.ID, console.Profile{CompanyName: c.CompanyName, ShortName: c.ShortName, Type: string(c.Type)})
		}},
		{"partner_account_name", "Renaming the account in the partner system", func(ctx context.Context, w *Worker, c customer.Customer) error {
			acc, err := w.PartnerSystem.FindByExternalRef(ctx, CustomerRef(c.ID))
			if err != nil {
				return err
			}
			if acc.Name == c.CompanyName {
				return nil
			}
			_, err = w.PartnerSystem.Rename(ctx, acc.ID, c.CompanyName)
			return err
		}},
	},
	// Repair re-runs the deployment: every step checks and mends its part.
	customer.ActionRepair: deploySteps,
}

// unknownAction fails an action this release does not know (a job queued
// by a newer release, say) with a reason instead of looping.
var unknownAction = step{"unknown_action", "Running the action", func(ctx context.Context, w *Worker, c customer.Customer) error {
	return errPermanent{fmt.Errorf("this release does not know the action %q", c.Action)}
}}

// errPermanent marks a failure that retrying cannot mend.
type errPermanent struct{ error }

func (e errPermanent) Unwrap() error { return e.error }

// createDatabase creates the customer's database at the version new
// customers get (an existing one is left at its version, never lowered) and
// records the version it is at.
func createDatabase(ctx context.Context, w *Worker, c customer.Customer) error {
	version := w.ConsoleVersion
	if version == 0 {
		version = console.CurrentVersion
	}
	if err := w.Consoles.CreateAt(ctx, c.ID, version); err != nil {
		return err
	}
	v, err := w.Consoles.SchemaVersion(ctx, c.ID)
	if err != nil {
		return err
	}
	return w.Store.SetConsoleVersion(ctx, c.PartnerID, c.ID, v)
}

// PartnerRef and CustomerRef are the external references (idempotency keys)
// of the hub's accounts in the partner system.
func PartnerRef(partnerID string) string   { return "partner:" + partnerID }
func CustomerRef(customerID string) string { return "customer:" + customerID }

func ensureAccounts(ctx context.Context, w *Worker, c customer.Customer) error {
	// The partner's own account is ensured once per process: the call is
	// idempotent, and skipping it halves the calls to a slow partner system.
	if _, done := w.partnerAccounts.Load(c.PartnerID); !done {
		partner, err := w.Store.GetPartner(ctx, c.PartnerID)
		if err != nil {
			return err
		}
		if _, err := w.PartnerSystem.EnsureAccount(ctx, partnersystem.CreateAccount{
			Kind: "partner", Name: partner.Name, ExternalRef: PartnerRef(c.PartnerID),
		}); err != nil {
			return err
		}
		w.partnerAccounts.Store(c.PartnerID, true)
	}
	_, err := w.PartnerSystem.EnsureAccount(ctx, partnersystem.CreateAccount{
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
	_, err := consoleHealth(ctx, w, c)
	return err
}

// consoleHealth is the console's own health check of the customer (its
// database is there, opens, has its profile) and the schema version it
// reports.
func consoleHealth(ctx context.Context, w *Worker, c customer.Customer) (version int, err error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	u := w.ConsoleURL + "/c/" + url.PathEscape(c.ID) + "/healthz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	resp, err := w.HTTP.Do(req)
	if err != nil {
		return 0, fmt.Errorf("the console did not answer: %w", err)
	}
	defer resp.Body.Close()
	var h struct {
		CustomerID    string `json:"customerId"`
		Status        string `json:"status"`
		Reason        string `json:"reason"`
		SchemaVersion int    `json:"schemaVersion"`
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	_ = json.Unmarshal(body, &h)
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("the console's health check answered %s %s", resp.Status, h.Reason)
	}
	if h.CustomerID != c.ID {
		return 0, fmt.Errorf("the console answered for another customer (%q)", h.CustomerID)
	}
	return h.SchemaVersion, nil
}
