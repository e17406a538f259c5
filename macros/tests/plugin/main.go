// Plugin implements plug.Plugin for macros/tests/exports.rs: every export
// echoes or computes something the test checks.
package main

import (
	"errors"
	"strconv"
	"strings"

	"guest/plug"
)

var (
	initCount uint32
	mainRan   bool
)

type plugin struct{}

func (plugin) Add(a, b int32) int32 { return a + b }

func (plugin) Mix(a uint32, b int64, c uint64, d float32, e float64, flag bool) float64 {
	s := float64(a) + float64(b) + float64(c) + float64(d) + e
	if !flag {
		return -s
	}
	return s
}

func (plugin) Negate(b bool) bool         { return !b }
func (plugin) Wrap(x uint32) uint32       { return x - 1 }
func (plugin) Ping()                      {}
func (plugin) InitCount() uint32          { return initCount }
func (plugin) MainRan() bool              { return mainRan }
func (plugin) EchoStr(s string) string    { return s }
func (plugin) EchoString(s string) string { return s }
func (plugin) EchoBytes(b []byte) []byte  { return b }
func (plugin) EchoVec(b []byte) []byte    { return b }

func (plugin) EchoRequest(r plug.Request) plug.Request { return r }

func (plugin) EchoOpt(o *string) *string { return o }

func (plugin) EchoList(l []*plug.Inner) []*plug.Inner { return l }

func (plugin) EchoShape(s plug.Shape, m plug.Mode) plug.Shape {
	if m == plug.ModeSlow {
		return plug.ShapeCircle{R: 1}
	}
	return s
}

func (plugin) Sum9(a, b, c, d, e, f, g, h, i int32) int32 { return a + b + c + d + e + f + g + h + i }

func (plugin) Lookup(key string) (uint32, error) {
	switch key {
	case "one":
		return 1, nil
	case "":
		return 0, plug.PluginErrorInvalid{Reason: "empty key"}
	}
	return 0, plug.PluginErrorNotFound{}
}

func (plugin) Parse(text string) ([]int32, error) {
	var out []int32
	for _, f := range strings.Split(text, ",") {
		n, err := strconv.ParseInt(f, 10, 32)
		if err != nil {
			return nil, err
		}
		out = append(out, int32(n))
	}
	return out, nil
}

func (plugin) Check(flag bool) error {
	if !flag {
		return errors.New("flag is false")
	}
	return nil
}

func (plugin) LogViaHost(msg string) uint32 {
	return plug.HostLog("plugin: " + msg)
}

func (plugin) WrongError() error { return errors.New("plain error") }

func (plugin) Explode(msg string) string { panic(msg) }

func init() {
	initCount++
	plug.Register(plugin{})
}

func main() { mainRan = true }
