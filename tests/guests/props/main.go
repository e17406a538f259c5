// Command props is the plugin of the codec property tests: Echo sends each
// value through the host and back, so it crosses the codec four times; Bump
// does the same with a fixed-size value, which the generated wrappers pass
// in arrays on the stack.
package main

import (
	"errors"
	"fmt"
	"runtime"

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

// Visit passes a label and bytes that live on its stack (the raw imports
// are //go:noescape), and host_visit calls grow before it answers.
func (plugin) Visit(v props.Sample, depth int32) (props.Sample, error) {
	var buf [16]byte
	n := copy(buf[:], "visited")
	label := string(buf[:n])
	data := buf[8:13]
	for i := range data {
		data[i] = byte(i + 1)
	}
	return props.HostVisit(v, label, data, depth)
}

// grow recurses depth times with a 1 KiB frame, which makes the goroutine's
// stack grow (and move), and collects garbage at the bottom. It returns how
// many of the depths it passed through were odd.
//
//go:wasmexport grow
func grow(depth int32) int32 {
	var pad [1024]byte
	pad[depth%1024] = byte(depth)
	if depth <= 0 {
		runtime.GC()
		return 0
	}
	return grow(depth-1) + int32(pad[depth%1024]&1)
}

func init() { props.Register(plugin{}) }

func main() {}
