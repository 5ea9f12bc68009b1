package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

var staticFiles = mustSub(staticFS, "static")

// staticVersions maps each static file to a short hash of its content. Pages
// link to /static/<name>?v=<hash>, so a file can be cached for a year and a
// new build is still picked up at once.
var staticVersions = func() map[string]string {
	out := map[string]string{}
	err := fs.WalkDir(staticFiles, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(staticFiles, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out[p] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		panic(err)
	}
	return out
}()

// staticURL is the versioned URL of a static file; a template naming a file
// that does not exist fails at render, in the tests.
func staticURL(name string) (string, error) {
	v, ok := staticVersions[name]
	if !ok {
		return "", fs.ErrNotExist
	}
	return "/static/" + name + "?v=" + v, nil
}

var staticServer = http.StripPrefix("/static/", http.FileServerFS(staticFiles))

// static serves the embedded files with a long cache lifetime. Only files
// that exist get the cache header, so a mistyped URL is not cached for a
// year, and directories are never listed.
func (w *Web) static(rw http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/static/")
	if _, ok := staticVersions[name]; !ok {
		http.NotFound(rw, r)
		return
	}
	rw.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	staticServer.ServeHTTP(rw, r)
}
