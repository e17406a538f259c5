// Command spinner is a kv plugin whose handler never returns: the host's
// per-call fuel limit stops it.
package main

import (
	"fmt"

	"gohost.example/kv-plugins/kv"
)

type spinner struct{}

func (spinner) Info() kv.Info {
	return kv.Info{Name: "spinner", Version: "0.1", Summary: "loops forever on every request (misbehaves on purpose)"}
}

var spins uint64

func (spinner) Handle(req kv.Request) (kv.Response, error) {
	for {
		spins = spins*6364136223846793005 + uint64(req.ID)
	}
}

func init() {
	fmt.Println("started")
	kv.Register(spinner{})
}

func main() {}
