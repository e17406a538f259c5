// Command guest is the Go side of {{crate}}. It calls the Rust host through
// the generated package {{package}}, as ordinary Go.
package main

import (
	"fmt"
	"os"

	"guest/{{package}}"
)

func main() {
	for _, name := range os.Args[1:] {
		fmt.Println({{package}}.Greet(name))
	}
	p, err := {{package}}.Shift({{package}}.Point{X: 1, Y: 2}, 3, -4)
	if err != nil {
		fmt.Fprintln(os.Stderr, "shift:", err)
		os.Exit(1)
	}
	fmt.Println(p)
	if q, err := {{package}}.Divide(7, 2); err == nil {
		fmt.Println("7 / 2 =", q)
	}
	if _, err := {{package}}.Divide(1, 0); err != nil {
		fmt.Println("error:", err)
	}
}
