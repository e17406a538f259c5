//go:build wasm

package gohost

import "unsafe"

// On wasm (little endian, unaligned loads allowed) a number is one load or
// store, which keeps the Reader's fixed-size reads and the fixed-size
// helpers small enough to be inlined. The caller guarantees the bytes.

func load32(p *byte) uint32 { return *(*uint32)(unsafe.Pointer(p)) }

func load64(p *byte) uint64 { return *(*uint64)(unsafe.Pointer(p)) }

func store32(p *byte, v uint32) { *(*uint32)(unsafe.Pointer(p)) = v }

func store64(p *byte, v uint64) { *(*uint64)(unsafe.Pointer(p)) = v }

// Floats are stored as floats: on wasm, math.Float64bits would go through
// a stack slot.

func loadF32(p *byte) float32 { return *(*float32)(unsafe.Pointer(p)) }

func loadF64(p *byte) float64 { return *(*float64)(unsafe.Pointer(p)) }

func storeF32(p *byte, v float32) { *(*float32)(unsafe.Pointer(p)) = v }

func storeF64(p *byte, v float64) { *(*float64)(unsafe.Pointer(p)) = v }
