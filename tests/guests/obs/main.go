// Command obs is the plugin of the observability tests: its exports call
// the host, return an error, panic or spin, as the argument asks.
package main

import (
	"errors"

	"gohost.test/obs/obs"
)

type plugin struct{}

// Work sums 1..n through the host's Add. It returns an error for a
// negative n, panics for 13, and spins until its fuel runs out for 0.
func (plugin) Work(n int32) (int32, error) {
	switch {
	case n < 0:
		return 0, errors.New("n is negative")
	case n == 13:
		panic("thirteen")
	case n == 0:
		spin()
	}
	sum := int32(0)
	for i := int32(1); i <= n; i++ {
		sum = obs.Add(sum, i)
	}
	return sum, nil
}

// Blow calls the host's Explode, which panics.
func (plugin) Blow(n int32) int32 {
	return obs.Explode(n)
}

var spins int64

func spin() {
	for {
		spins++
	}
}

func init() { obs.Register(plugin{}) }

func main() {}
