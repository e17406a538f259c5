package gohost

import "unsafe"

// args holds the arguments of the next export call.
var args []byte

// maxKeep is the largest argument buffer kept for reuse; a larger one is
// released at the next allocation.
const maxKeep = 64 << 10

// alloc is the export __gohost_alloc: it returns a buffer of size bytes that
// stays alive until the next call, where the host writes the arguments of
// an export call. Every guest that links this package exports it once, so
// any number of generated packages can share it.
//
//go:wasmexport __gohost_alloc
func alloc(size uint32) unsafe.Pointer {
	if uint64(size) > uint64(cap(args)) || (cap(args) > maxKeep && size <= maxKeep) {
		args = make([]byte, size)
	}
	args = args[:size]
	return unsafe.Pointer(unsafe.SliceData(args))
}
