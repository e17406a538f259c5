// Command reentrant is a plugin whose export calls a host function that
// calls back into another export of the same instance, with allocation and
// GC pressure in between, to show that Go supports re-entrant calls.
package main

import (
	"runtime"
	"strings"
)

func main() {}

//go:wasmimport env call_back
func callBack(depth int32) int32

var garbage [][]byte

// Outer asks the host to call Inner depth times, nested.
//
//go:wasmexport outer
func outer(depth int32) int32 {
	s := strings.Repeat("x", 1000)
	r := callBack(depth)
	return r + int32(len(s))
}

// Inner allocates, collects garbage and, until depth reaches 0, re-enters
// the host again.
//
//go:wasmexport inner
func inner(depth int32) int32 {
	for i := 0; i < 100; i++ {
		garbage = append(garbage, make([]byte, 1024))
	}
	garbage = nil
	runtime.GC()
	if depth <= 0 {
		return 1
	}
	return callBack(depth-1) + 1
}
