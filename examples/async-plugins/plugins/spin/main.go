// Command spin is an async-plugins plugin that misbehaves on purpose: its
// handler computes forever. The host's deadline cuts each call off, the
// service answers 504, and the pool replaces the instance.
package main

import (
	"fmt"

	"gohost.example/async-plugins/svc"
)

type spin struct{}

// steps counts the steps of the search; a global, so that the loop is not
// optimized away.
var steps uint64

// Handle logs through the host (a sync host function), then looks for a
// cycle of Collatz's sequence that does not reach 1, and never finds one.
func (spin) Handle(req svc.Request) (svc.Response, error) {
	svc.Log(fmt.Sprintf("request %d: looking for a Collatz cycle, this may take a while", req.ID))
	for n := uint64(1); ; n++ {
		for x := n; x > 1; steps++ {
			if x%2 == 0 {
				x /= 2
			} else {
				x = 3*x + 1
			}
		}
	}
}

func init() { svc.Register(spin{}) }

func main() {}
