// Command deep runs Go code that needs what Go's own runner gives a
// program: a deep call stack, and the runtime's fatal errors reported as Go
// reports them. The first argument picks the scenario; the test suite runs
// each one and checks what it printed and how it exited.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"unsafe"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: deep SCENARIO [N]")
		os.Exit(64)
	}
	n := 0
	if len(os.Args) > 2 {
		var err error
		if n, err = strconv.Atoi(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "deep: N must be a number:", err)
			os.Exit(64)
		}
	}
	switch os.Args[1] {
	case "recurse":
		// A plain recursive function, n calls deep.
		fmt.Println("depth", depth(n))
	case "tree":
		// A recursive walk of a tree n levels deep (a degenerate one: each
		// node has one child), as a parser's or a compiler's would be.
		fmt.Println("nodes", build(n).count())
	case "json":
		// encoding/json decodes a document nested n levels deep (Go's
		// decoder allows 10,000).
		doc := strings.Repeat("[", n) + strings.Repeat("]", n)
		var v any
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			fmt.Println("json:", err)
			os.Exit(1)
		}
		levels := 0
		for list, ok := v.([]any); ok; list, ok = next(list) {
			levels++
		}
		fmt.Println("levels", levels)
	case "forever":
		// Recursion without end.
		fmt.Println("depth", depth(-1))
	case "deadlock":
		// Every goroutine waits: Go's runtime reports a deadlock.
		ch := make(chan int)
		fmt.Println("waiting")
		<-ch
	case "oom":
		// Allocates without bound, keeping every block.
		var hoard [][]byte
		for {
			block := make([]byte, 1<<20)
			block[0] = 1
			hoard = append(hoard, block)
		}
	case "poke":
		// A write through a pointer made with unsafe, 2 GiB past a
		// variable, beyond the end of linear memory: the engine traps in
		// the writing function.
		store.put(1<<31, 1)
	default:
		fmt.Fprintln(os.Stderr, "deep: unknown scenario", os.Args[1])
		os.Exit(64)
	}
}

// depth returns n after recursing n times; a negative n never ends.
//
//go:noinline
func depth(n int) int {
	if n == 0 {
		return 0
	}
	return depth(n-1) + 1
}

// cells writes words at offsets from its anchor, unchecked.
type cells struct{ anchor uint64 }

var store cells

// put writes v offset bytes past the anchor.
//
//go:noinline
func (c *cells) put(offset uintptr, v uint64) {
	*(*uint64)(unsafe.Add(unsafe.Pointer(&c.anchor), offset)) = v
}

type node struct{ child *node }

func build(n int) *node {
	var root *node
	for i := 0; i < n; i++ {
		root = &node{child: root}
	}
	return root
}

func (t *node) count() int {
	if t == nil {
		return 0
	}
	return t.child.count() + 1
}

func next(list []any) ([]any, bool) {
	if len(list) == 0 {
		return nil, false
	}
	inner, ok := list[0].([]any)
	return inner, ok
}
