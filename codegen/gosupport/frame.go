package gohost

import "structs"

// ScratchSize is the size of the buffer host calls return results in.
// Larger results are fetched with a second call.
const ScratchSize = 4096

// A Frame holds the buffers of one host call that passes encoded arguments
// or gets an encoded result back: the arguments, and the buffer the host
// writes the result to.
type Frame struct {
	// Args is where the wrapper encodes the arguments.
	Args Writer
	// N is the length of the result, written by the host.
	N uint32
	// Buf receives the result when it fits; otherwise the host keeps it
	// until the wrapper fetches it into a buffer of length N.
	Buf []byte
}

// maxArgsKeep is the largest argument buffer the shared frame keeps; a
// larger one is dropped when its call ends.
const maxArgsKeep = 64 << 10

var (
	argsBuf   [512]byte
	resultBuf [ScratchSize]byte
	shared    = Frame{Args: Writer{buf: argsBuf[:0]}, Buf: resultBuf[:]}
	busy      bool
)

// BeginCall returns the frame for a host call: the shared one, whose
// buffers live in static memory, or a new one without a result buffer when
// the shared frame is in use. Every BeginCall is followed by [EndCall] once
// the result is decoded.
//
// The shared frame needs no lock: a wasip1 guest runs one goroutine at a
// time and a host call never yields. It is in use only while a call is
// between BeginCall and EndCall, that is when a host function calls back
// into the guest (the nested call gets its own frame and finishes before
// the outer result is written), or when decoding a result allocates and
// the scheduler runs another goroutine (which gets its own frame). If a
// wrapper panics between the two calls (encoding an invalid enum value),
// the shared frame stays in use and later calls get their own frames: they
// allocate, but stay correct.
func BeginCall() *Frame {
	if busy {
		return new(Frame)
	}
	busy = true
	shared.Args.buf = shared.Args.buf[:0]
	return &shared
}

// EndCall releases a frame from [BeginCall]. Neither f nor slices of its
// buffers may be used afterwards.
func EndCall(f *Frame) {
	if f == &shared {
		if cap(f.Args.buf) > maxArgsKeep {
			f.Args.buf = argsBuf[:0]
		}
		busy = false
	}
}

// A Status is where a host call that returns its result directly (a
// number, a handle or nothing) reports a failure. The host writes it only
// when the call fails; the wrapper checks Code right after the call and
// resets the Status before doing anything else, so one Status serves every
// call of a package, nested calls included.
type Status struct {
	_ structs.HostLayout
	// Code is 0, [StatusError] or [StatusABI].
	Code uint32
	// Len is the length of the failure's payload, which the host keeps
	// until the wrapper fetches it.
	Len uint32
}
