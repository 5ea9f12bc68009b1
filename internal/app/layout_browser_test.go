package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"partnerhub/internal/config"
	"partnerhub/internal/testkit"
)

// The widths the pages must fit: a small phone (320px is the width of
// WCAG's reflow criterion), a common phone, a tablet held upright (where
// the tables turn into cards) and a laptop.
var layoutWidths = []int64{320, 390, 768, 1280}

// fitsJS lists what does not fit the window on the page shown now:
//   - the page itself scrolls sideways;
//   - a box that clips or scrolls its content (a .table-wrap, a truncated
//     name) has content wider than itself, unless the content is cut off
//     with an ellipsis and a title holds the whole text;
//   - a link, button or field lies partly outside the window (off-screen
//     controls are what a sideways scroll hides).
//
// Fields scroll their own value, and visually hidden text is clipped on
// purpose: neither counts.
const fitsJS = `(() => {
  const out = [];
  const de = document.documentElement;
  const width = de.clientWidth;
  if (de.scrollWidth > width) out.push("the page is " + de.scrollWidth + "px wide in a " + width + "px window");
  const name = el => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += "#" + el.id;
    if (typeof el.className === "string" && el.className.trim()) s += "." + el.className.trim().split(/\s+/).join(".");
    const text = (el.textContent || "").trim().replace(/\s+/g, " ");
    return s + (text ? " (" + JSON.stringify(text.length > 40 ? text.slice(0, 40) + "…" : text) + ")" : "");
  };
  // Text for screen readers only is clipped to nothing on purpose.
  const hidden = el => {
    for (let e = el; e; e = e.parentElement) {
      if (e.matches(".skip-link, [hidden]") || getComputedStyle(e).clip === "rect(0px, 0px, 0px, 0px)") return true;
    }
    return false;
  };
  for (const el of document.body.querySelectorAll("*")) {
    if (hidden(el) || el.matches("input, select, textarea, option, svg, svg *")) continue;
    const cs = getComputedStyle(el);
    if (cs.display === "none" || cs.overflowX === "visible") continue;
    if (el.scrollWidth <= el.clientWidth + 1) continue;
    if (cs.textOverflow === "ellipsis") {
      // The title is on the element, around it, or on its tooltip layer.
      const holder = el.querySelector(":scope > .tip[title]") || el.closest("[title]");
      const text = [...el.childNodes].filter(n => !(n.classList && n.classList.contains("visually-hidden"))).map(n => n.textContent).join("").trim();
      if (!holder || !holder.title.includes(text)) out.push(name(el) + " is cut off and no title holds its whole text");
      continue;
    }
    out.push(name(el) + " has " + el.scrollWidth + "px of content in " + el.clientWidth + "px: it scrolls sideways");
  }
  for (const el of document.body.querySelectorAll("a, button, input, select, textarea, summary")) {
    if (hidden(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.left < -1 || r.right > width + 1) out.push(name(el) + " lies outside the window (" + Math.round(r.left) + " to " + Math.round(r.right) + "px of " + width + "px)");
  }
  return out;
})()`

// TestBrowserLayoutFits shows every signed-in page, the hub's and the
// console's, at phone to laptop widths with the longest names validation
// allows, without a space to break them at, and checks that nothing makes
// the page scroll sideways, pushes a table out of its box or hides a
// control off-screen. It also checks that the customer's page and the list
// say the status reason once, on screen and to screen readers.
// PARTNERHUB_SCREENSHOTS=dir keeps a full-page screenshot of each page.
func TestBrowserLayoutFits(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	ctx := browser(t)
	adminEmail := strings.Repeat("m", 64) + "@" + strings.Repeat("p", 40) + ".example"
	s := testkit.Start(t, func(c *config.Config) { c.AdminEmail = adminEmail })

	company := strings.Repeat("W", 100)
	contactName := strings.Repeat("N", 100)
	contactEmail := strings.Repeat("c", 64) + "@" + strings.Repeat("d", 63) + ".example"
	code, body := s.Do(t, "POST", "/api/v1/customers", map[string]any{
		"type": "demo", "companyName": company, "shortName": "WWWWWWWWWW",
		"contact": map[string]string{"name": contactName, "email": contactEmail, "phone": "+44 20 7946 0000"},
	})
	if code/100 != 2 {
		t.Fatalf("create customer: %d %s", code, body)
	}
	var c testkit.Customer
	if err := json.Unmarshal(body, &c); err != nil {
		t.Fatal(err)
	}
	s.WaitStatus(t, c.ID, "ready", 90*time.Second)
	if code, body := s.Do(t, "POST", "/api/v1/customers/"+c.ID+"/actions/reset-demo-data", nil); code/100 != 2 {
		t.Fatalf("reset DEMO data: %d %s", code, body)
	}
	c = s.WaitStatus(t, c.ID, "ready", 90*time.Second)
	const reason = "The action finished."
	if c.StatusReason != reason {
		t.Fatalf("after the action the reason is %q, want %q", c.StatusReason, reason)
	}
	if _, err := s.App.Hub.CreateAPIToken(context.Background(), adminEmail, strings.Repeat("T", 100)); err != nil {
		t.Fatal(err)
	}

	// Start the browser on ctx itself: a step's shorter context must not be
	// the browser's lifetime.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		t.Logf("%5.1fs %s", time.Since(start).Seconds(), step)
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			fullShot(t, ctx, "failed-"+strings.ReplaceAll(step, " ", "-"))
			text, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
			t.Fatalf("%s: %v\npage text:\n%s", step, err, text)
		}
	}
	width := int64(0)
	resize := func(w int64) {
		t.Helper()
		width = w
		height := int64(900)
		if w < 600 {
			height = 844
		}
		do(fmt.Sprint("resize to ", w), chromedp.EmulateViewport(w, height))
	}
	// check looks at the page shown now.
	check := func(page string) {
		t.Helper()
		if err := waitTrue(ctx, `document.readyState === "complete"`, 20*time.Second); err != nil {
			t.Fatalf("%s at %dpx: %v", page, width, err)
		}
		fullShot(t, ctx, fmt.Sprintf("%d-%s", width, page))
		problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fitsJS))
		if err != nil {
			t.Fatalf("%s at %dpx: %v", page, width, err)
		}
		for _, p := range problems {
			t.Errorf("%s at %dpx: %s", page, width, p)
		}
	}
	open := func(page, path string) {
		t.Helper()
		do("open "+page, chromedp.Navigate(s.App.HubURL+path), chromedp.WaitVisible(chromedp.CSS("main")))
		check(page)
	}
	// count says how often text occurs in the text of the elements that
	// match selector, hidden text for screen readers included.
	count := func(selector, text string) int {
		t.Helper()
		sel, _ := json.Marshal(selector)
		txt, _ := json.Marshal(text)
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll(`+string(sel)+`)].map(e => e.textContent.split(`+string(txt)+`).length - 1).reduce((a, b) => a + b, 0)`))
		if err != nil {
			t.Fatalf("count %q in %s: %v", text, selector, err)
		}
		return n
	}

	noFormError := func(step string) {
		t.Helper()
		msg, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("form-error")?.textContent ?? ""`))
		if err != nil || msg != "" {
			t.Fatalf("%s: %v %s", step, err, msg)
		}
	}

	resize(390)
	open("signin", "/signin")
	do("sign in",
		chromedp.SendKeys(chromedp.ID("email"), adminEmail),
		chromedp.SendKeys(chromedp.ID("password"), s.AdminPassword),
		chromedp.Click(chromedp.CSS(`form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("must-change")),
	)
	check("choose-password")
	do("choose a password", choosePassword(s.AdminPassword)...)
	// Long data on the settings pages, and their notices: a colleague
	// with a long email, a token with a long name, an allowed tenant with
	// a long issuer URL.
	do("invite a colleague with a long email",
		chromedp.Navigate(s.App.HubURL+"/settings/users"),
		chromedp.SetValue(chromedp.ID("invite-email"), strings.Repeat("u", 64)+"@"+strings.Repeat("v", 63)+"."+strings.Repeat("w", 40)+".example"),
		chromedp.Click(chromedp.CSS(`form[action="/settings/users"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#invited, #form-error")),
	)
	noFormError("invite")
	check("settings-users-invited")
	do("create a token with a long name",
		chromedp.Navigate(s.App.HubURL+"/settings/tokens"),
		chromedp.SetValue(chromedp.ID("token-name"), strings.Repeat("K", 100)),
		chromedp.Click(chromedp.CSS(`form[action="/settings/tokens"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#new-token, #form-error")),
	)
	noFormError("create a token")
	check("settings-tokens-created")
	do("allow a tenant with a long issuer URL",
		chromedp.Navigate(s.App.HubURL+"/settings/tenants"),
		chromedp.SetValue(chromedp.ID("tenant"), "https://"+strings.Repeat("i", 280)+".example"),
		chromedp.Click(chromedp.CSS(`form[action="/settings/tenants"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#tenants form, #form-error")),
	)
	noFormError("allow a tenant")

	for _, w := range layoutWidths {
		resize(w)
		open("customers", "/customers")
		// In the list a Ready customer's reason is in the badge only: in
		// its tooltip and hidden text.
		if n := count("#customer-rows tr", reason); n > 1 {
			t.Errorf("customers at %dpx: the row says %q %d times", w, reason, n)
		}
		if n := spoken(t, ctx, `#customer-rows tr:has(a[href="/customers/`+c.ID+`"]) td[data-label="Status"]`, reason); n != 1 {
			t.Errorf("customers at %dpx: screen readers get %q %d times from the status, want once", w, reason, n)
		}
		open("customer", "/customers/"+c.ID)
		if n := count("#customer-live .page-head", reason); n != 1 {
			t.Errorf("customer at %dpx: the header says %q %d times, want once", w, reason, n)
		}
		if n := spoken(t, ctx, "#customer-live .page-head", reason); n != 1 {
			t.Errorf("customer at %dpx: screen readers get %q %d times from the header, want once", w, reason, n)
		}
		open("rename", "/customers/"+c.ID+"/rename")
		open("delete", "/customers/"+c.ID+"/delete")

		open("wizard-1-type", "/customers/new")
		do("wizard: type",
			chromedp.Click(chromedp.CSS(`input[name="type"][value="customer"]`)),
			chromedp.Click(chromedp.CSS(`form.wizard button.btn-primary`)),
			chromedp.WaitVisible(chromedp.ID("f-companyName")),
		)
		// Set without typing: typing would ask for a suggested short name
		// while the test moves on.
		do("wizard: company",
			chromedp.SetValue(chromedp.ID("f-companyName"), strings.Repeat("Z", 100)),
			chromedp.SetValue(chromedp.ID("f-shortName"), fmt.Sprint("Z", w)),
		)
		check("wizard-2-company")
		do("wizard: continue",
			chromedp.Click(chromedp.CSS(`form.wizard button.btn-primary`)),
			chromedp.WaitVisible(chromedp.ID("f-contact-email")),
		)
		check("wizard-3-contact")
		// A wrong answer shows the error summary next to the long values.
		do("wizard: a wrong email",
			chromedp.SetValue(chromedp.ID("f-contact-name"), contactName),
			chromedp.SetValue(chromedp.ID("f-contact-email"), strings.Repeat("x", 120)),
			chromedp.Click(chromedp.CSS(`form.wizard button.btn-primary`)),
			chromedp.WaitVisible(chromedp.CSS(`.error-summary`)),
		)
		check("wizard-3-contact-error")
		do("wizard: contact",
			chromedp.SetValue(chromedp.ID("f-contact-email"), contactEmail),
			chromedp.Click(chromedp.CSS(`form.wizard button.btn-primary`)),
			chromedp.WaitVisible(chromedp.CSS(`button[name="add"]`)),
		)
		check("wizard-4-review")
		if w == 390 {
			// The list says the long name was added.
			do("wizard: add",
				chromedp.Click(chromedp.CSS(`button[name="add"]`)),
				chromedp.WaitVisible(chromedp.CSS(`.notice-ok`)),
			)
			check("customers-added")
		}

		// The confirmation of Convert names the customer in its button.
		open("customer-convert", "/customers/"+c.ID)
		do("open Convert", clickLive(`details.confirm summary`), chromedp.WaitVisible(chromedp.CSS(`details.confirm[open] button`)))
		check("customer-convert")

		open("account", "/account")
		open("settings-users", "/settings/users")
		open("settings-tokens", "/settings/tokens")
		open("settings-tenants", "/settings/tenants")
		open("settings-demos", "/settings/demos")
		open("audit", "/audit")
		open("not-found", "/customers/"+strings.Repeat("q", 36))
	}

	// The console, as the partner's visitor: Visit opens a new tab; the
	// test sends the same form in this tab.
	do("visit the console",
		chromedp.Navigate(s.App.HubURL+"/customers/"+c.ID),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/visit"]`)),
		void(chromedp.Evaluate[any](`(() => { const f = document.querySelector('form[action$="/visit"]'); f.removeAttribute("target"); f.submit(); })()`)),
	)
	if err := waitTrue(ctx, `location.pathname.startsWith("/c/") && document.querySelector(".top") !== null`, 30*time.Second); err != nil {
		t.Fatalf("the console did not open: %v", err)
	}
	console, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.origin + "/c/`+c.ID+`"`))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range layoutWidths {
		resize(w)
		do("open the console dashboard", chromedp.Navigate(console+"/"), chromedp.WaitVisible(chromedp.CSS("main")))
		check("console-dashboard-visitor")
	}

	// The console as the customer's admin, with the long contact email.
	resize(390)
	do("issue the console admin's password",
		chromedp.Navigate(s.App.HubURL+"/customers/"+c.ID),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/console-admin"] button`)),
		clickLive(`form[action$="/console-admin"] button`),
		chromedp.WaitVisible(chromedp.CSS(`#console-admin-password code.secret`)),
	)
	check("customer-console-password")
	password, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#console-admin-password code.secret`)))
	if err != nil {
		t.Fatal(err)
	}
	do("open the console's sign-in", chromedp.Navigate(console+"/signin"), chromedp.WaitVisible(chromedp.ID("email")))
	check("console-signin")
	do("sign in to the console",
		chromedp.SetValue(chromedp.ID("email"), contactEmail),
		chromedp.SetValue(chromedp.ID("password"), strings.TrimSpace(password)),
		chromedp.Click(chromedp.CSS(`form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("new")),
	)
	check("console-choose-password")
	do("choose the console password",
		chromedp.SendKeys(chromedp.ID("current"), strings.TrimSpace(password)),
		chromedp.SendKeys(chromedp.ID("new"), "correct horse battery staple"),
		chromedp.SendKeys(chromedp.ID("confirm"), "correct horse battery staple"),
		chromedp.Click(chromedp.CSS(`form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("partner-access")),
	)
	for _, w := range layoutWidths {
		resize(w)
		do("open the console settings", chromedp.Navigate(console+"/settings"), chromedp.WaitVisible(chromedp.ID("partner-access")))
		check("console-settings")
		do("open the console dashboard", chromedp.Navigate(console+"/"), chromedp.WaitVisible(chromedp.CSS("main")))
		check("console-dashboard-admin")
	}
}

// spoken says how often text occurs in what screen readers get from the
// first element that matches selector: the text of its accessibility tree
// and the descriptions there (a title becomes one, and is read after the
// text).
func spoken(t *testing.T, ctx context.Context, selector, text string) int {
	t.Helper()
	nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS(selector)))
	if err != nil || len(nodes) == 0 {
		t.Fatalf("find %s: %v", selector, err)
	}
	tree, err := chromedp.Run(ctx, chromedp.Action[[]*accessibility.Node](func(ctx context.Context, tg *chromedp.Target) ([]*accessibility.Node, error) {
		r, err := cdp.Call(ctx, tg, accessibility.GetFullAXTree, accessibility.GetFullAXTreeParams{})
		return r.Nodes, err
	}))
	if err != nil {
		t.Fatalf("accessibility tree: %v", err)
	}
	byID := map[accessibility.NodeID]*accessibility.Node{}
	var root *accessibility.Node
	for _, n := range tree {
		byID[n.NodeID] = n
		if n.BackendDOMNodeID == nodes[0].BackendNodeID {
			root = n
		}
	}
	if root == nil {
		t.Fatalf("%s is not in the accessibility tree", selector)
	}
	str := func(v *accessibility.Value) string {
		var s string
		if v != nil {
			json.Unmarshal(v.Value, &s)
		}
		return s
	}
	n := 0
	var walk func(*accessibility.Node)
	walk = func(a *accessibility.Node) {
		if !a.Ignored {
			if a.Role != nil && str(a.Role) == "StaticText" {
				n += strings.Count(str(a.Name), text)
			}
			n += strings.Count(str(a.Description), text)
		}
		for _, id := range a.ChildIDs {
			if c := byID[id]; c != nil {
				walk(c)
			}
		}
	}
	walk(root)
	return n
}

// fullShot saves a screenshot of the whole page, not only the window,
// when PARTNERHUB_SCREENSHOTS names a directory.
func fullShot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("PARTNERHUB_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Logf("screenshot %s: %v", name, err)
	}
}
