// Command reactor is a Go plugin (built with -buildmode=c-shared) whose
// exports misbehave on request: the runtime's pool, limit and fault tests
// call it with plain wasm values, no generated bindings involved.
package main

import (
	"fmt"
	"os"
)

var (
	inits int32
	calls int32
	hoard [][]byte
)

func init() { inits++ }

func main() {}

//go:wasmexport add
func add(a, b int32) int32 {
	calls++
	return a + b
}

// initCount reports how often init ran: once per instance.
//
//go:wasmexport init_count
func initCount() int32 { return inits }

// callCount reports how many add calls this instance served.
//
//go:wasmexport call_count
func callCount() int32 { return calls }

//go:wasmexport spin
func spin() int32 {
	n := int32(0)
	for {
		n++
	}
}

// eat allocates 1 MiB blocks and keeps them until memory runs out.
//
//go:wasmexport eat
func eat() int32 {
	for {
		hoard = append(hoard, make([]byte, 1<<20))
		hoard[len(hoard)-1][0] = 1
	}
}

//go:wasmexport boom
func boom() int32 {
	panic("plugin exploded")
}

//go:wasmexport recurse
func recurse(n int32) int32 {
	var pad [64]byte
	pad[n%64] = byte(n)
	return recurse(n+1) + int32(pad[0])
}

//go:wasmexport exit
func exit(code int32) { os.Exit(int(code)) }

//go:wasmexport hello
func hello() { fmt.Println("hello from the plugin") }
