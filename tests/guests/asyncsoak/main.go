// Command asyncsoak is the plugin of the async soak: its one export does
// what the test asks, through the host's async functions (generated
// bindings in ./soak) or by failing in one of the ways a plugin can.
package main

import (
	"errors"
	"fmt"
	"os"

	"gohost.test/asyncsoak/soak"
)

// The kinds of step, as the test numbers them.
const (
	kindLookup = iota
	kindMissing
	kindHang
	kindHostPanic
	kindGoPanic
	kindSpin
	kindEat
	kindExit
)

type plugin struct{}

// Step looks key up and pauses 100 µs on the host (both async), returning
// the value's length plus the pause; or ends in the way kind says. Before
// it hangs or spins, it tells the host, with key.
func (plugin) Step(kind uint32, key string) (uint32, error) {
	switch kind {
	case kindLookup, kindMissing:
		value, err := soak.Lookup(key)
		var missing soak.SoakErrorNotFound
		if errors.As(err, &missing) {
			return 0, fmt.Errorf("the host has no %s", missing.Key)
		}
		if err != nil {
			return 0, err
		}
		return uint32(len(value)) + soak.Pause(100), nil
	case kindHang:
		return soak.Forever(key), nil
	case kindHostPanic:
		return soak.Explode(), nil
	case kindGoPanic:
		panic("the plugin broke")
	case kindSpin:
		soak.Computing(key)
		spin()
	case kindEat:
		eat()
	case kindExit:
		os.Exit(7)
	}
	return 0, nil
}

var spins int64

// spin and eat are not inlined: in Step, whose wasm is one dispatch loop
// over all its blocks, wasmi would charge each round of their loops the
// fuel of the whole function (it meters fuel per region, upfront).
//
//go:noinline
func spin() {
	for {
		spins++
	}
}

var hoard [][]byte

//go:noinline
func eat() {
	for {
		hoard = append(hoard, make([]byte, 1<<20))
		hoard[len(hoard)-1][0] = 1
	}
}

func init() { soak.Register(plugin{}) }

func main() {}
