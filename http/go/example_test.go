package gohosthttp_test

import (
	"fmt"
	"net/http"

	"gohosthttp"
)

// A plugin serves a ServeMux with Go 1.22 patterns. (In a plugin's module,
// the import path is MODULE/internal/gohosthttp.)
func ExampleServe() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello/{name}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "Hello, %s!\n", r.PathValue("name"))
	})
	mux.HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range 3 {
			fmt.Fprintf(w, "data: %d\n\n", i)
			// Each event reaches the client now.
			w.(http.Flusher).Flush()
		}
	})
	gohosthttp.Serve(mux) // in an init function
}
