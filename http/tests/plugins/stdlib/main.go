// Stdlib serves handlers from Go's standard library and middleware written
// against net/http only, none of them aware of gohost: file servers over
// fstest.MapFS and embed.FS, StripPrefix, TimeoutHandler, MaxBytesReader,
// ServeContent with ranges, forms, multipart uploads, JSON, redirects and a
// gzip middleware.
package main

import (
	"compress/gzip"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"testing/fstest"
	"time"

	"gohosthttp.test/plugins/internal/gohosthttp"
)

//go:embed static
var static embed.FS

// modTime is the files' modification time, for conditional requests.
var modTime = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

var files = fstest.MapFS{
	"index.html": {Data: []byte("<h1>map index</h1>\n"), ModTime: modTime},
	"notes.txt":  {Data: []byte("0123456789abcdefghijklmnopqrstuvwxyz"), ModTime: modTime},
	"sub/a.json": {Data: []byte(`{"a":1}`), ModTime: modTime},
}

// gzipped compresses the response when the client accepts gzip: the usual
// middleware, written against net/http only.
func gzipped(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Add("Vary", "Accept-Encoding")
		gz := gzip.NewWriter(w)
		defer gz.Close()
		next.ServeHTTP(gzipWriter{ResponseWriter: w, w: gz}, r)
	})
}

type gzipWriter struct {
	http.ResponseWriter
	w io.Writer
}

func (g gzipWriter) Write(p []byte) (int, error) { return g.w.Write(p) }

type sum struct {
	A, B int
}

func main() {}

func init() {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/files/", http.StripPrefix("/files", http.FileServer(http.FS(files))))
	mux.Handle("/embedded/", http.StripPrefix("/embedded/", http.FileServerFS(sub)))
	mux.Handle("/timeout", http.TimeoutHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(10 * time.Second):
			io.WriteString(w, "too late")
		case <-r.Context().Done():
		}
	}), 50*time.Millisecond, "the handler timed out"))
	mux.Handle("/quick", http.TimeoutHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "in time")
	}), 10*time.Second, "the handler timed out"))
	mux.HandleFunc("POST /limited", func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 10)
		b, err := io.ReadAll(r.Body)
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			http.Error(w, fmt.Sprintf("over %d bytes", tooLarge.Limit), http.StatusRequestEntityTooLarge)
			return
		}
		fmt.Fprintf(w, "got %q", b)
	})
	mux.HandleFunc("POST /json", func(w http.ResponseWriter, r *http.Request) {
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		var in sum
		if err := dec.Decode(&in); err != nil {
			http.Error(w, "bad JSON: "+err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]int{"Sum": in.A + in.B})
	})
	mux.Handle("GET /redirect", http.RedirectHandler("/files/notes.txt", http.StatusFound))
	mux.HandleFunc("GET /content", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		http.ServeContent(w, r, "alphabet.txt", modTime, strings.NewReader("abcdefghijklmnopqrstuvwxyz"))
	})
	mux.HandleFunc("POST /form", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "name=%s tags=%v q=%s", r.FormValue("name"), r.PostForm["tag"], r.URL.Query().Get("q"))
	})
	mux.HandleFunc("POST /upload", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f, h, err := r.FormFile("file")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		fmt.Fprintf(w, "%s: %d bytes, title %q", h.Filename, len(b), r.FormValue("title"))
	})
	mux.HandleFunc("GET /cookie", func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("session")
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, "session %s", c.Value)
	})
	mux.Handle("/gzip/", gzipped(http.StripPrefix("/gzip", http.FileServer(http.FS(files)))))
	gohosthttp.Serve(mux)
}
