package main

// Extism's kernel ABI: the `extism:host/env` imports that Extism's Go PDK
// (github.com/extism/go-pdk) wraps. The PDK cannot be fetched where this
// benchmark is built, so the plugin declares the few it needs itself and
// copies bytes in and out as the PDK does (8 bytes per call, then single
// bytes). Offsets are into Extism's own memory, which the host manages.

//go:wasmimport extism:host/env input_length
func extismInputLength() uint64

//go:wasmimport extism:host/env input_load_u64
func extismInputLoadU64(offset uint64) uint64

//go:wasmimport extism:host/env input_load_u8
func extismInputLoadU8(offset uint64) uint32

//go:wasmimport extism:host/env alloc
func extismAlloc(length uint64) uint64

//go:wasmimport extism:host/env free
func extismFree(offset uint64)

//go:wasmimport extism:host/env store_u64
func extismStoreU64(offset, v uint64)

//go:wasmimport extism:host/env store_u8
func extismStoreU8(offset uint64, v uint32)

//go:wasmimport extism:host/env output_set
func extismOutputSet(offset, length uint64)

// input returns the call's input, as the PDK's Input does.
func input() []byte {
	n := extismInputLength()
	buf := make([]byte, n)
	i := uint64(0)
	for ; i+8 <= n; i += 8 {
		v := extismInputLoadU64(i)
		for j := uint64(0); j < 8; j++ {
			buf[i+j] = byte(v >> (8 * j))
		}
	}
	for ; i < n; i++ {
		buf[i] = byte(extismInputLoadU8(i))
	}
	return buf
}

// allocate copies data into a new block of Extism memory and returns its
// offset, as the PDK's AllocateBytes does.
func allocate(data []byte) uint64 {
	n := uint64(len(data))
	offset := extismAlloc(n)
	i := uint64(0)
	for ; i+8 <= n; i += 8 {
		v := uint64(0)
		for j := uint64(0); j < 8; j++ {
			v |= uint64(data[i+j]) << (8 * j)
		}
		extismStoreU64(offset+i, v)
	}
	for ; i < n; i++ {
		extismStoreU8(offset+i, uint32(data[i]))
	}
	return offset
}

// output sets the call's output, as the PDK's Output does (the host
// copies it, and Extism frees its memory at the next call).
func output(data []byte) {
	extismOutputSet(allocate(data), uint64(len(data)))
}
