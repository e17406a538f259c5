//go:build wasm

package gohost

import "unsafe"

// On wasm (little endian, unaligned loads allowed) a number is one load,
// which keeps the Reader's fixed-size reads small enough to be inlined.
// The caller guarantees len(b) >= 4 or 8.

func le32(b []byte) uint32 { return *(*uint32)(unsafe.Pointer(unsafe.SliceData(b))) }

func le64(b []byte) uint64 { return *(*uint64)(unsafe.Pointer(unsafe.SliceData(b))) }
