package console

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/console.css
var stylesheet []byte

// pages are parsed once at start; a broken template fails every test at once.
var pages = template.Must(template.ParseFS(templateFS, "templates/*.html"))

type messagePage struct {
	CustomerID string // empty on pages for unknown customers: no stylesheet link
	Title      string
	Message    string
	Link       string // optional: where to go next
	LinkLabel  string
}

// render executes into a buffer first so a template error becomes a clean
// 500 instead of half a page.
func (h *handler) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		h.log.Error("console render", "template", name, "err", err)
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (h *handler) message(w http.ResponseWriter, customerID string, status int, title, msg string) {
	h.render(w, status, "message.html", messagePage{CustomerID: customerID, Title: title, Message: msg})
}

// notFound says nothing about why: an unknown, unrouted or deleted customer
// all look the same.
func (h *handler) notFound(w http.ResponseWriter) {
	h.message(w, "", http.StatusNotFound, "Not found", "There is no console at this address.")
}

func (h *handler) unavailable(w http.ResponseWriter, customerID string) {
	h.message(w, customerID, http.StatusServiceUnavailable, "Console unavailable",
		"This console is not available right now. Please try again in a few minutes.")
}

func (h *handler) stylesheet(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(stylesheet)
}
