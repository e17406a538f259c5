// Command props is the plugin of the codec property tests: Echo sends each
// value through the host and back, so it crosses the codec four times; Bump
// does the same with a fixed-size value, which the generated wrappers pass
// in arrays on the stack.
package main

import (
	"errors"
	"fmt"

	"gohost.test/props/props"
)

type plugin struct{}

func (plugin) Echo(v props.Outer) props.Outer {
	back, err := props.HostEcho(v)
	if err != nil {
		panic(err)
	}
	return back
}

func (plugin) Bump(v props.Sample) (props.Sample, error) {
	level, err := props.HostLevel(v)
	if err != nil {
		return props.Sample{}, err
	}
	if level != v.Level {
		return props.Sample{}, fmt.Errorf("host_level says %v, the sample has %v", level, v.Level)
	}
	back, err := props.HostBump(v)
	var rejected props.PropsErrorRejected
	if errors.As(err, &rejected) {
		return props.Sample{}, fmt.Errorf("%w (typed: %d)", err, rejected.V0)
	}
	return back, err
}

func (plugin) LevelOf(v props.Sample, level uint32) (props.Level, error) {
	v.Level = props.Level(level)
	return props.HostLevel(v)
}

func init() { props.Register(plugin{}) }

func main() {}
