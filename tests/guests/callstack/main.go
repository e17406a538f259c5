// Command callstack is a plugin whose exports recurse as deep as they are
// asked to: in an export call, in a call the host makes back into the
// guest, and through the host itself (export, host, export, ...).
package main

func main() {}

// callBack asks the host to call back into the guest with n; the test's
// host function decides which export.
//
//go:wasmimport env call_back
func callBack(n int32) int32

// depth returns n after recursing n times; a negative n never ends.
//
//go:wasmexport depth
func depth(n int32) int32 {
	if n == 0 {
		return 0
	}
	return depth(n-1) + 1
}

// viaHost has the host call back into the guest with n.
//
//go:wasmexport via_host
func viaHost(n int32) int32 { return callBack(n) }

// nest calls the host n times nested: nest, host, nest, host, ...
//
//go:wasmexport nest
func nest(n int32) int32 {
	if n == 0 {
		return 0
	}
	return callBack(n-1) + 1
}
