package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"partnerhub/internal/testkit"
)

// browser starts headless Chromium (Debian's package; .ci/run installs it)
// and returns a chromedp context that ends with the test.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed; .ci/run should have installed it")
		}
		t.Skip("browser test skipped: Debian's chromium is not installed (apt-get install chromium)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true), chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// shot saves a screenshot when PARTNERHUB_SCREENSHOTS names a directory,
// so a person can look at what the test saw.
func shot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("PARTNERHUB_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
}

// TestBrowserAddCustomer signs in like a partner, walks the Add customer
// wizard, watches the new DEMO turn Ready without reloading the page, and
// visits its console.
func TestBrowserAddCustomer(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	ctx := browser(t)
	s := testkit.Start(t)
	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			shot(t, ctx, "failed-"+strings.ReplaceAll(step, " ", "-"))
			body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
			_, list := s.Do(t, "GET", "/api/v1/customers", nil)
			t.Fatalf("%s: %v\npage text:\n%s\nAPI list: %s", step, err, body, list)
		}
	}

	do("sign in",
		chromedp.Navigate(s.App.HubURL+"/signin"),
		chromedp.SendKeys(chromedp.ID("email"), s.AdminEmail),
		chromedp.SendKeys(chromedp.ID("password"), s.AdminPassword),
		chromedp.Click(chromedp.CSS(`form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("must-change")),
	)
	shot(t, ctx, "0-choose-password")
	// The printed password is a one-time password: the hub asks for the
	// admin's own before anything else.
	do("choose a password", choosePassword(s.AdminPassword)...)
	shot(t, ctx, "1-customers-empty")

	do("step 1: type",
		chromedp.Click(chromedp.CSS(`a[href="/customers/new"]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name="type"][value="demo"]`)),
		chromedp.Click(chromedp.CSS(`input[name="type"][value="demo"]`)),
		chromedp.Click(chromedp.CSS(`form.wizard button.btn-primary`)),
		chromedp.WaitVisible(chromedp.ID("f-companyName")),
	)
	do("step 2: company, short name suggested",
		chromedp.SendKeys(chromedp.ID("f-companyName"), "Contoso Browser Ltd"),
		void(chromedp.Poll[bool](`document.getElementById("f-shortName").value === "Contoso"`, chromedp.WithPollingTimeout(20*time.Second))),
	)
	shot(t, ctx, "2-company")
	do("step 2: continue",
		chromedp.Click(chromedp.CSS(`form.wizard button.btn-primary`)),
		chromedp.WaitVisible(chromedp.ID("f-contact-email")),
	)
	do("step 3: contact",
		chromedp.SendKeys(chromedp.ID("f-contact-name"), "Ada Admin"),
		chromedp.SendKeys(chromedp.ID("f-contact-email"), "ada@contoso.example"),
		chromedp.SendKeys(chromedp.ID("f-contact-phone"), "+44 20 7946 0000"),
		chromedp.Click(chromedp.CSS(`form.wizard button.btn-primary`)),
		chromedp.WaitVisible(chromedp.CSS(`button[name="add"]`)),
	)
	review, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil || !strings.Contains(review, "Contoso Browser Ltd") || !strings.Contains(review, "ada@contoso.example") || !strings.Contains(review, "DEMO") {
		t.Fatalf("review page does not show the answers (%v):\n%s", err, review)
	}
	shot(t, ctx, "3-review")
	do("add",
		chromedp.Click(chromedp.CSS(`button[name="add"]`)),
		chromedp.WaitVisible(chromedp.CSS(`tbody tr`)),
	)
	shot(t, ctx, "4-deploying")
	// The status changes on screen through the live stream: no reload here.
	do("becomes Ready without reload",
		void(chromedp.Poll[bool](`[...document.querySelectorAll("tbody tr")].some(r => r.textContent.includes("Contoso Browser Ltd") && r.querySelector(".badge.tone-ok") !== null)`,
			chromedp.WithPollingTimeout(90*time.Second))),
	)
	shot(t, ctx, "5-ready")

	// An action from the customer's page: Reset DEMO data runs and the page
	// shows the customer Ready again, live.
	do("open the customer's page",
		clickLive(`a.act-details`),
		chromedp.WaitVisible(chromedp.ID("actions-title")),
	)
	do("reset DEMO data from the customer's page",
		clickLive(`form[action$="/actions/reset-demo-data"] button`),
	)
	// The form posts and redirects back to the page: the wait outlives that
	// navigation instead of being cut off by it.
	if err := waitTrue(ctx, `location.pathname.startsWith("/customers/") && [...document.querySelectorAll(".timeline-item")].some(li => li.textContent.includes("Action running → Ready"))`, 60*time.Second); err != nil {
		body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
		t.Fatalf("the reset did not show as finished on the customer's page: %v\n%s", err, body)
	}
	shot(t, ctx, "6-customer-page")
	do("back to the list", chromedp.Navigate(s.App.HubURL+"/customers"), chromedp.WaitVisible(chromedp.CSS(`form.act-visit`)))

	// Visit opens a new tab; the test follows the same form in this tab.
	// In one step, since the live list may re-render the row at any moment.
	do("visit the console",
		void(chromedp.Evaluate[any](`(() => { const f = document.querySelector("form.act-visit"); f.removeAttribute("target"); f.submit(); })()`)),
	)
	// The submit navigates through the hand-off to the dashboard.
	if err := waitTrue(ctx, `location.pathname.startsWith("/c/") && document.body.textContent.includes("Contoso")`, 30*time.Second); err != nil {
		t.Fatalf("the console dashboard did not open: %v", err)
	}
	shot(t, ctx, "7-console")
	page, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	for _, want := range []string{"Contoso", "DEMO"} {
		if !strings.Contains(page, want) {
			t.Fatalf("console dashboard lacks %q:\n%s", want, page)
		}
	}
}

// choosePassword replaces the one-time password on the page the hub shows
// first, and waits for the customers.
func choosePassword(oneTime string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.SendKeys(chromedp.ID("current"), oneTime),
		chromedp.SendKeys(chromedp.ID("new"), "correct horse battery staple"),
		chromedp.SendKeys(chromedp.ID("confirm"), "correct horse battery staple"),
		chromedp.Click(chromedp.CSS(`form[action="/account/password"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/customers/new"]`)),
	}
}

// waitTrue evaluates expr until it is true. Unlike chromedp.Poll it survives
// the page navigating under it (a form post and its redirect): an evaluation
// cut off by a navigation is simply tried again.
func waitTrue(ctx context.Context, expr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return nil
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = errors.New("still false")
			}
			return fmt.Errorf("waited %s for %s: %w", timeout, expr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// clickLive clicks the element that matches selector at the moment of the
// click. A live region (the list's rows, the customer's page) may replace
// the element between finding it and clicking it, which fails
// chromedp.Click ("Could not find node"); finding and clicking in one
// evaluation cannot be cut in two.
func clickLive(selector string) chromedp.Action[chromedp.Void] {
	sel, _ := json.Marshal(selector)
	return void(chromedp.Poll[bool](`(() => { const el = document.querySelector(`+string(sel)+`); if (!el || el.getClientRects().length === 0) return false; el.click(); return true; })()`,
		chromedp.WithPollingTimeout(30*time.Second)))
}

// void runs an action for its effect: Poll waits until its expression is
// true, Evaluate runs a statement.
func void[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, t)
		return chromedp.Void{}, err
	}
}
