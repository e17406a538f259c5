// Twice calls gohosthttp.Serve twice, which panics in init: the plugin
// cannot start.
package main

import (
	"net/http"

	"gohosthttp.test/plugins/internal/gohosthttp"
)

func init() {
	gohosthttp.Serve(http.NotFoundHandler())
	gohosthttp.Serve(http.NotFoundHandler())
}

func main() {}
