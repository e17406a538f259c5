// Command hog is a kv plugin whose handler allocates without bound: the
// host's per-instance memory limit stops it.
package main

import (
	"fmt"

	"gohost.example/kv-plugins/kv"
)

type hog struct{}

func (hog) Info() kv.Info {
	return kv.Info{Name: "hog", Version: "0.1", Summary: "allocates without bound on every request (misbehaves on purpose)"}
}

var hoard [][]byte

func (hog) Handle(req kv.Request) (kv.Response, error) {
	for {
		block := make([]byte, 1<<20)
		block[0] = byte(req.ID)
		hoard = append(hoard, block)
	}
}

func init() {
	fmt.Println("started")
	kv.Register(hog{})
}

func main() {}
