// Command newer is a guest built against the second version of the shop
// module (tests/drift.rs), where Count takes an int64 and Farewell is new.
package main

import (
	"fmt"

	"guest/shop"
)

func main() {
	fmt.Println(shop.Greet("Gopher"), shop.Count(1), shop.Farewell("Gopher"))
}
