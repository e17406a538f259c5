// Command hello is the Go side of gohost's first example. It calls the
// Rust host through the generated package greeter, as ordinary Go.
package main

import (
	"fmt"
	"os"

	"gohost.example/hello/greeter"
)

func main() {
	names := os.Args[1:]
	if len(names) == 0 {
		names = []string{"world"}
	}
	for _, name := range names {
		fmt.Println(greeter.Greet(name))
	}
	fmt.Println("2 + 3 =", greeter.Add(2, 3))
}
