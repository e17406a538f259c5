// Command hello is the Go side of gohost's first example: it calls a
// function that the Rust host provides.
package main

import (
	"fmt"
	"os"
)

//go:wasmimport hello add
func add(a, b int32) int32

func main() {
	name := "world"
	if len(os.Args) > 1 {
		name = os.Args[1]
	}
	fmt.Printf("hello, %s! the host says 2 + 3 = %d\n", name, add(2, 3))
}
