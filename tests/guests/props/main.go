// Command props is the plugin of the codec property tests: Echo sends each
// value through the host and back, so it crosses the codec four times; Bump
// does the same with a fixed-size value, which the generated wrappers pass
// in arrays on the stack.
package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"unsafe"

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

func (plugin) EchoWide(v props.Wide) (props.Wide, error) {
	return props.HostEchoWide(v)
}

// Narrow sends v through host_narrow (in place both ways), then each field
// through its own direct host function.
func (plugin) Narrow(v props.Narrow) (props.Narrow, error) {
	back, err := props.HostNarrow(v)
	if err != nil {
		return props.Narrow{}, err
	}
	if back != v {
		return props.Narrow{}, fmt.Errorf("host_narrow changed %+v to %+v", v, back)
	}
	v.A = props.HostU8(v.A)
	v.B = props.HostI8(v.B)
	v.C = props.HostU16(v.C)
	v.D = props.HostI16(v.D)
	v.Size = props.HostUsize(v.Size)
	v.Offset = props.HostIsize(v.Offset)
	v.Letter, err = props.HostChar(v.Letter, v.A)
	return v, err
}

func (plugin) Count(m map[uint32]uint32) (uint32, error) {
	return props.HostCount(m)
}

// Hand-written imports of the props module, as a guest that does not use
// the generated package could declare them: they can send what the
// generated wrappers never do.

//go:wasmimport props host_char
func forgedChar(c int32, n uint32, status *uint32) int32

//go:wasmimport props host_count
func forgedCount(p unsafe.Pointer, n uint32, status *uint32) uint32

//go:wasmimport props host_u8
func forgedU8(v uint32) uint32

//go:wasmimport props __gohost_take
func forgedTake(p unsafe.Pointer, n uint32) uint32

// statusMessage returns the failure in a status record (code, payload
// length) and the message the host kept, or "ok".
func statusMessage(st *[2]uint32) string {
	if st[0] == 0 {
		return "ok"
	}
	buf := make([]byte, st[1])
	if forgedTake(unsafe.Pointer(unsafe.SliceData(buf)), st[1]) != 0 {
		return "nothing to take"
	}
	return fmt.Sprintf("code %d: %s", st[0], buf[4:])
}

func errText(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

// Forge breaks the ABI: 0-2 with invalid runes through the generated
// package (a direct parameter, a fixed-size field, a list in an encoded
// value), 3 a u8 of 300 to a function that reports ABI errors, 4 a map
// with a repeated key, 5 a u8 of 300 to a function that cannot fail,
// which traps.
func (plugin) Forge(how uint32) string {
	switch how {
	case 0:
		_, err := props.HostChar(0xd800, 1)
		return errText(err)
	case 1:
		_, err := props.HostNarrow(props.Narrow{Letter: -1})
		return errText(err)
	case 2:
		_, err := props.HostEchoWide(props.Wide{Letters: []rune{'a', 0x110000}})
		return errText(err)
	case 3:
		var st [2]uint32
		forgedChar('a', 300, &st[0])
		return statusMessage(&st)
	case 4:
		b := binary.LittleEndian.AppendUint32(nil, 2)
		for _, v := range []uint32{7, 1, 7, 2} {
			b = binary.LittleEndian.AppendUint32(b, v)
		}
		var st [2]uint32
		forgedCount(unsafe.Pointer(unsafe.SliceData(b)), uint32(len(b)), &st[0])
		runtime.KeepAlive(b)
		return statusMessage(&st)
	case 5:
		return fmt.Sprint(forgedU8(300))
	}
	return "unknown"
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
