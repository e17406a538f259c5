// Command guest is the Go side of {{crate}}. It calls the Rust host through
// the generated package scaffoldpkg, as ordinary Go.
package main

import (
	"fmt"
	"os"

	"guest/scaffoldpkg"
)

func main() {
	for _, name := range os.Args[1:] {
		fmt.Println(scaffoldpkg.Greet(name))
	}
	p, err := scaffoldpkg.Shift(scaffoldpkg.Point{X: 1, Y: 2}, 3, -4)
	if err != nil {
		fmt.Fprintln(os.Stderr, "shift:", err)
		os.Exit(1)
	}
	fmt.Println(p)
	if q, err := scaffoldpkg.Divide(7, 2); err == nil {
		fmt.Println("7 / 2 =", q)
	}
	if _, err := scaffoldpkg.Divide(1, 0); err != nil {
		fmt.Println("error:", err)
	}
}
