// Router serves a chi router with chi's own middleware, a popular module
// from the Go proxy that knows nothing of gohost: URL parameters, route
// groups, mounted sub-routers, request IDs, real IPs, panic recovery,
// timeouts, heartbeats and compression.
package main

import (
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"gohosthttp.test/chi/internal/gohosthttp"
)

func main() {}

func init() {
	r := chi.NewRouter()
	r.Use(middleware.RequestID)
	r.Use(middleware.RealIP)
	r.Use(middleware.Recoverer)
	r.Use(middleware.Heartbeat("/ping"))
	r.Use(middleware.SetHeader("X-Served-By", "chi"))

	r.Get("/articles/{id:[0-9]+}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "article %s; request id set %v; ip %s",
			chi.URLParam(r, "id"), middleware.GetReqID(r.Context()) != "", r.RemoteAddr)
	})
	r.Route("/admin", func(r chi.Router) {
		r.Use(middleware.BasicAuth("admin", map[string]string{"root": "s3cret"}))
		r.Get("/", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "welcome, admin")
		})
	})
	api := chi.NewRouter()
	api.Post("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/plain")
		w.Write(b)
	})
	r.Mount("/api", api)
	r.Get("/panic", func(w http.ResponseWriter, r *http.Request) {
		panic("chi boom")
	})
	r.With(middleware.Timeout(50*time.Millisecond)).Get("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
			io.WriteString(w, "too late")
		}
	})
	r.With(middleware.Compress(5, "text/plain")).Get("/compressed", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		for i := 0; i < 100; i++ {
			fmt.Fprintf(w, "line %d of a compressible body\n", i)
		}
	})
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "chi: nothing at "+r.URL.Path, http.StatusNotFound)
	})
	gohosthttp.Serve(r)
}
