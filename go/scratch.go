package gohost

import "sync/atomic"

// ScratchSize is the size of the buffer host calls return results in.
// Larger results are fetched with a second call.
const ScratchSize = 4096

// Scratch is where a host call writes its result: the host stores the
// payload length in N and, when it fits, the payload in Buf.
type Scratch struct {
	N   uint32
	Buf [ScratchSize]byte
}

var (
	shared     Scratch
	sharedBusy atomic.Bool
)

// AcquireScratch returns the shared scratch buffer, or a new one if it is in
// use (a host call made while another's result is being decoded). The
// shared buffer lives in static memory, so a call that uses it does not
// allocate.
func AcquireScratch() *Scratch {
	if sharedBusy.CompareAndSwap(false, true) {
		return &shared
	}
	return new(Scratch)
}

// ReleaseScratch gives back a buffer from [AcquireScratch]. The caller must
// not use it, or slices of it, afterwards.
func ReleaseScratch(s *Scratch) {
	if s == &shared {
		sharedBusy.Store(false)
	}
}
