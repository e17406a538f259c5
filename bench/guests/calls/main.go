// Command calls is the benchmark plugin: each export loops n times over
// one kind of host call, through the generated package (typed) or through a
// hand-written raw import doing the same work (raw), so the host can time
// both in one run.
package main

import (
	"errors"
	"unsafe"

	"gohost.bench/calls/benchapi"
)

func main() {}

// plugin implements the exports the host benchmarks call.
type plugin struct{}

func (plugin) GuestAdd(a, b int32) int32 { return a + b }

func (plugin) GuestShift(p benchapi.Point) benchapi.Point {
	p.X++
	p.Y++
	return p
}

// GuestSwap is the record plugin call of the peer rows; the Extism and
// go-plugin peers (bench/peers) do the same.
func (plugin) GuestSwap(p benchapi.Pair) benchapi.Pair {
	return benchapi.Pair{First: p.Second, Second: p.First, N: p.N + int64(len(p.First)+len(p.Second))}
}

func init() { benchapi.Register(plugin{}) }

//go:wasmimport raw add
func rawAdd(a, b int32) int32

//go:wasmimport raw text_len
func rawTextLen(s string) int32

//go:wasmimport raw bytes_len
func rawBytesLen(p unsafe.Pointer, n uint32) int32

var (
	text = "hello, gohost: a string of a typical size"
	data = make([]byte, 64<<10)
	sink int32
)

// waitIO waits micros microseconds in the host (a thread sleep): the sync
// side of the pool row of calls that wait.
//
//go:wasmexport wait_io
func waitIO(micros int32) int32 {
	benchapi.Wait(uint32(micros))
	return micros
}

//go:wasmexport loop_empty
func loopEmpty(n int32) int32 {
	s := int32(0)
	for i := int32(0); i < n; i++ {
		s += i
	}
	return s
}

//go:wasmexport loop_typed_add
func loopTypedAdd(n int32) int32 {
	s := int32(0)
	for i := int32(0); i < n; i++ {
		s += benchapi.Add(i, 1)
	}
	return s
}

//go:wasmexport loop_raw_add
func loopRawAdd(n int32) int32 {
	s := int32(0)
	for i := int32(0); i < n; i++ {
		s += rawAdd(i, 1)
	}
	return s
}

//go:wasmexport loop_typed_text
func loopTypedText(n int32) int32 {
	s := int32(0)
	for i := int32(0); i < n; i++ {
		s += int32(benchapi.TextLen(text))
	}
	return s
}

//go:wasmexport loop_raw_text
func loopRawText(n int32) int32 {
	s := int32(0)
	for i := int32(0); i < n; i++ {
		s += rawTextLen(text)
	}
	return s
}

//go:wasmexport loop_typed_bytes
func loopTypedBytes(n, size int32) int32 {
	b := data[:size]
	s := int32(0)
	for i := int32(0); i < n; i++ {
		s += int32(benchapi.BytesLen(b))
	}
	return s
}

//go:wasmexport loop_raw_bytes
func loopRawBytes(n, size int32) int32 {
	b := data[:size]
	s := int32(0)
	for i := int32(0); i < n; i++ {
		s += rawBytesLen(unsafe.Pointer(unsafe.SliceData(b)), uint32(len(b)))
	}
	return s
}

//go:wasmexport loop_typed_record
func loopTypedRecord(n int32) int32 {
	p := benchapi.Point{X: 1, Y: 2, Name: "origin"}
	for i := int32(0); i < n; i++ {
		var err error
		p, err = benchapi.Shift(p)
		if err != nil {
			panic(err)
		}
	}
	return int32(p.X)
}

//go:wasmexport loop_typed_vec3
func loopTypedVec3(n int32) int32 {
	v := benchapi.Vec3{X: 1, Y: 2, Z: 3}
	for i := int32(0); i < n; i++ {
		var err error
		v, err = benchapi.Nudge(v)
		if err != nil {
			panic(err)
		}
	}
	return int32(v.X)
}

//go:wasmexport loop_typed_error
func loopTypedError(n int32) int32 {
	s := int32(0)
	for i := int32(0); i < n; i++ {
		if _, err := benchapi.Refuse(uint32(i)); err != nil {
			s++
		}
	}
	return s
}

//go:wasmimport raw refuse
func rawRefuseImport(code uint32, buf unsafe.Pointer, bufCap uint32) int32

var refusalBuf [256]byte

// rawRefuse is the hand-written equivalent of benchapi.Refuse: the host
// writes the message into a buffer, and a Go error is made from it.
func rawRefuse(code uint32) (uint32, error) {
	n := rawRefuseImport(code, unsafe.Pointer(&refusalBuf[0]), uint32(len(refusalBuf)))
	if n < 0 {
		return 0, errors.New("refusal too long")
	}
	return 0, errors.New(string(refusalBuf[:n]))
}

//go:wasmexport loop_raw_error
func loopRawError(n int32) int32 {
	s := int32(0)
	for i := int32(0); i < n; i++ {
		if _, err := rawRefuse(uint32(i)); err != nil {
			s++
		}
	}
	return s
}

// Floors of the Go side, for profiles: what one non-inlined Go call and
// one small string allocation cost under the interpreter.

//go:noinline
func nop(i int32) int32 { return i }

//go:wasmexport loop_go_call
func loopGoCall(n int32) int32 {
	s := int32(0)
	for i := int32(0); i < n; i++ {
		s += nop(i)
	}
	return s
}

var small = []byte("origin")
var sinkString string

//go:wasmexport loop_alloc_string
func loopAllocString(n int32) int32 {
	for i := int32(0); i < n; i++ {
		sinkString = string(small)
	}
	return int32(len(sinkString))
}
