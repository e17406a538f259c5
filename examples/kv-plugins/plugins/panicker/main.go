// Command panicker is a kv plugin whose handler panics: the generated shim
// recovers the panic, the host gets an error for that call and discards the
// instance.
package main

import (
	"fmt"
	"os"

	"gohost.example/kv-plugins/kv"
)

type panicker struct{}

func (panicker) Info() kv.Info {
	return kv.Info{Name: "panicker", Version: "0.1", Summary: "panics on every request (misbehaves on purpose)"}
}

func (panicker) Handle(req kv.Request) (kv.Response, error) {
	fmt.Fprintf(os.Stderr, "about to panic on request %d\n", req.ID)
	var m map[string]int
	m[req.Text]++ // assignment to entry in nil map
	return kv.Response{}, nil
}

func init() {
	fmt.Println("started")
	kv.Register(panicker{})
}

func main() {}
