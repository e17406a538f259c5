// Command hello is the cold-start workload of the performance table: the
// smallest useful Go program, so that its time is the Go runtime's start
// and the host's load, link and instantiate.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Println("hello from Go,", len(os.Args), "argument(s)")
}
