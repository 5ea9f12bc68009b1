package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"strings"

	"partnerhub/internal/hub"
)

//go:embed templates/*.html
var templateFS embed.FS

// layout is what every full page shows around its content; page views embed
// it so that templates read .Title and .Actor directly.
type layout struct {
	Title string
	Actor *hub.Actor // nil on pages shown signed out
	Nav   string     // the active navigation entry
}

// pageFiles are the pages; each is parsed together with the layout and the
// shared partials into its own set, so that every page defines "content"
// without clashing with the others.
var pageFiles = []string{
	"signin.html", "customers.html", "customer.html", "delete.html", "rename.html",
	"new_type.html", "new_company.html", "new_contact.html", "new_review.html",
	"error.html",
	"account.html", "users.html", "tokens.html", "tenants.html", "audit.html", "demos.html",
}

// pages are parsed once at start: a broken template fails every test at once
// instead of one page in production.
var pages = func() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, f := range pageFiles {
		t := template.New(f).Funcs(funcs)
		out[f] = template.Must(t.ParseFS(templateFS, "templates/layout.html", "templates/partials.html", "templates/"+f))
	}
	return out
}()

var funcs = template.FuncMap{
	"static":  staticURL,
	"ago":     ago,
	"until":   until,
	"when":    when,
	"iso":     iso,
	"fieldID": fieldID,
	"role":    hub.RoleLabel,
}

// fieldID turns a field key of the domain ("contact.email") into an HTML id
// that CSS and htmx selectors can use without escaping.
func fieldID(key string) string { return "f-" + strings.ReplaceAll(key, ".", "-") }

// render executes a full page into a buffer first, so that a template error
// becomes a clean error page instead of half a page. Pages carry partner
// data, so no cache may keep them.
func (w *Web) render(rw http.ResponseWriter, r *http.Request, status int, page string, data any) {
	w.execute(rw, r, status, page, "layout", data)
}

// renderPart executes one named template of a page's set: the fragments htmx
// swaps in (rows, the live panel, the short name field).
func (w *Web) renderPart(rw http.ResponseWriter, r *http.Request, page, name string, data any) {
	w.execute(rw, r, http.StatusOK, page, name, data)
}

func (w *Web) execute(rw http.ResponseWriter, r *http.Request, status int, page, name string, data any) {
	var buf bytes.Buffer
	if err := pages[page].ExecuteTemplate(&buf, name, data); err != nil {
		w.Log.Error("web: render", "page", page, "template", name, "path", r.URL.Path, "err", err)
		rw.Header().Set("Cache-Control", "no-store")
		http.Error(rw, "Something went wrong. Please try again.", http.StatusInternalServerError)
		return
	}
	h := rw.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Vary", "Cookie, HX-Request")
	rw.WriteHeader(status)
	_, _ = rw.Write(buf.Bytes())
}

// mustSub is fs.Sub for embedded trees whose layout is fixed at build time.
func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}
