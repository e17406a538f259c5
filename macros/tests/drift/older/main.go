// Command older is a guest built against the first version of the shop
// module (tests/drift.rs): it calls Greet and Count.
package main

import (
	"fmt"

	"guest/shop"
)

func main() {
	fmt.Println(shop.Greet("Gopher"), shop.Count(1))
}
