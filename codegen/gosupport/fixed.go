package gohost

import (
	"encoding/binary"
	"unicode/utf8"
	"unsafe"
)

// Fixed-size values are numbers, booleans, enums without data and records
// of them. Their encoding always has the same length, so a generated
// wrapper keeps them in arrays on its stack and reads and writes each field
// in place with the functions below: no Writer, no Reader, no shared frame.
// On wasm each of them is a single load or store.
//
// p points to the first byte of the field inside such an array; the
// caller guarantees the array holds the field's bytes.

// StoreUint16 writes v at p, little endian.
func StoreUint16(p *byte, v uint16) { binary.LittleEndian.PutUint16(unsafe.Slice(p, 2), v) }

// StoreUint32 writes v at p, little endian.
func StoreUint32(p *byte, v uint32) { store32(p, v) }

// StoreUint64 writes v at p, little endian.
func StoreUint64(p *byte, v uint64) { store64(p, v) }

// StoreFloat32 writes the IEEE 754 bits of v at p, little endian.
func StoreFloat32(p *byte, v float32) { storeF32(p, v) }

// StoreFloat64 writes the IEEE 754 bits of v at p, little endian.
func StoreFloat64(p *byte, v float64) { storeF64(p, v) }

// StoreBool writes 1 at p for true, 0 for false.
func StoreBool(p *byte, v bool) {
	if v {
		*p = 1
	} else {
		*p = 0
	}
}

// LoadUint16 reads 2 bytes at p, little endian.
func LoadUint16(p *byte) uint16 { return binary.LittleEndian.Uint16(unsafe.Slice(p, 2)) }

// InvalidRune reports whether the 4 bytes at p are not a Unicode scalar
// value (a Rust char): a surrogate or above U+10FFFF.
func InvalidRune(p *byte) bool { return !utf8.ValidRune(rune(load32(p))) }

// LoadUint32 reads 4 bytes at p, little endian.
func LoadUint32(p *byte) uint32 { return load32(p) }

// LoadUint64 reads 8 bytes at p, little endian.
func LoadUint64(p *byte) uint64 { return load64(p) }

// LoadFloat32 reads the IEEE 754 bits of a float32 at p, little endian.
func LoadFloat32(p *byte) float32 { return loadF32(p) }

// LoadFloat64 reads the IEEE 754 bits of a float64 at p, little endian.
func LoadFloat64(p *byte) float64 { return loadF64(p) }

// LoadBool reports whether the byte at p is 1. A valid encoding is 0 or 1;
// the caller checks that first (any other byte is malformed).
func LoadBool(p *byte) bool { return *p == 1 }

// StringAt returns the n bytes of b at i as a string, without copying:
// how a generated reader gives each string of a value its part of one
// allocation. b must not be modified afterwards.
func StringAt(b []byte, i, n int) string {
	if n == 0 {
		return ""
	}
	return unsafe.String(&b[i], n)
}

// le32 and le64 read the first bytes of b, which holds at least 4 or 8.

func le32(b []byte) uint32 { return load32(unsafe.SliceData(b)) }

func le64(b []byte) uint64 { return load64(unsafe.SliceData(b)) }
