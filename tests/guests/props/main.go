// Command props is the plugin of the codec property tests: Echo sends each
// value through the host and back, so it crosses the codec four times.
package main

import "gohost.test/props/props"

type echo struct{}

func (echo) Echo(v props.Outer) props.Outer {
	back, err := props.HostEcho(v)
	if err != nil {
		panic(err)
	}
	return back
}

func init() { props.Register(echo{}) }

func main() {}
