// Package hello is the handler of the HTTP load benchmark, served two
// ways from the same code: as a gohost plugin (../plugin) and by Go's own
// net/http server, natively (../native).
package hello

import (
	"io"
	"net/http"
)

// Body is what every request gets.
const Body = "Hello, world!\n"

// Handler routes GET /hello to a handler that answers Body as text.
func Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, Body)
	})
	return mux
}
