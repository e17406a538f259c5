// Asyncplugin implements shop.Shop for macros/tests/async_e2e.rs. The host
// functions it calls are async on the host; to Go they are ordinary calls
// that block the calling goroutine.
package main

import (
	"errors"

	"guest/shop"
)

type plugin struct{}

func (plugin) Checkout(names []string) (uint32, error) {
	cart := shop.OpenCart()
	defer cart.Close()
	for _, name := range names {
		item, err := shop.Lookup(name)
		if err != nil {
			var missing shop.ShopErrorNotFound
			if !errors.As(err, &missing) || missing.Name != name {
				return 0, errors.New("lookup failed without a typed error: " + err.Error())
			}
			return 0, err
		}
		if _, err := cart.Add(item); err != nil {
			return 0, err
		}
	}
	return cart.Total()
}

func (plugin) Echo(text string, ms uint32) string {
	return shop.SlowEcho(text, ms)
}

func (plugin) Burn() uint32 { return shop.Broken() }

func (plugin) BurnNow() uint32 { return shop.BrokenNow() }

func (plugin) Twice(n int32) int32 { return shop.Double(n) }

func (plugin) SameCartTwice() (uint32, error) {
	cart := shop.OpenCart()
	total, err := cart.CartsTotal(cart)
	if cerr := cart.Close(); cerr != nil {
		return 0, errors.New("the cart was lost: " + cerr.Error())
	}
	return total, err
}

func init() { shop.Register(plugin{}) }

func main() {}
