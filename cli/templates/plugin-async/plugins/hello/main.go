// Command hello is a {{crate}} plugin: it implements scaffoldpkg.Plugin and
// is built as a reactor (GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared).
package main

import (
	"errors"
	"strings"

	"plugins/scaffoldpkg"
)

type hello struct{}

// Handle greets req.Name, req.Times times, with the host's salutation.
func (hello) Handle(req scaffoldpkg.Request) (string, error) {
	if req.Name == "" {
		return "", errors.New("no name given")
	}
	scaffoldpkg.Log("greeting " + req.Name)
	// An async host function: this goroutine waits while the host awaits.
	greeting := scaffoldpkg.Salutation(req.Name) + ", " + req.Name + "!"
	return strings.TrimSpace(strings.Repeat(greeting+" ", int(req.Times))), nil
}

func init() { scaffoldpkg.Register(hello{}) }

func main() {}
