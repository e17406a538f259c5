// Command asyncplug is a plugin for the tests of async calls: its exports
// call host functions that the tests register as async (they await timers,
// fail, panic or never finish), compute without end, and sleep.
package main

import "time"

func main() {}

// wait is async on the host: it sleeps ms milliseconds and returns ms.
//
//go:wasmimport env wait
func wait(ms int32) int32

// now is async on the host, and ready at once: it returns n.
//
//go:wasmimport env now
func now(n int32) int32

// add is a sync host function, in the same module as the async ones.
//
//go:wasmimport env add
func add(a, b int32) int32

// fail is async on the host and returns an error.
//
//go:wasmimport env fail
func fail() int32

// boom is async on the host and panics while it is awaited.
//
//go:wasmimport env boom
func boom() int32

// forever is async on the host and never finishes.
//
//go:wasmimport env forever
func forever() int32

// chain waits n times for ms milliseconds, one wait after another, and
// returns the total.
//
//go:wasmexport chain
func chain(n, ms int32) int32 {
	total := int32(0)
	for i := int32(0); i < n; i++ {
		total += wait(ms)
	}
	return total
}

// quick calls the host n times with a future that is ready at once.
//
//go:wasmexport quick
func quick(n int32) int32 {
	sum := int32(0)
	for i := int32(0); i < n; i++ {
		sum += now(1)
	}
	return sum
}

// sum adds through the sync host function.
//
//go:wasmexport sum
func sum(a, b int32) int32 { return add(a, b) }

// spin computes for n rounds; a negative n never ends.
//
//go:wasmexport spin
func spin(n int64) int64 {
	x := int64(1)
	for i := int64(0); n < 0 || i < n; i++ {
		x = x*6364136223846793005 + 1442695040888963407
	}
	return x
}

// sleep sleeps ms milliseconds with time.Sleep: the Go scheduler then polls
// WASI for the time until its next timer.
//
//go:wasmexport sleep
func sleep(ms int32) int32 {
	time.Sleep(time.Duration(ms) * time.Millisecond)
	return ms
}

// failing calls the host function that fails.
//
//go:wasmexport failing
func failing() int32 { return fail() }

// panicking calls the host function that panics.
//
//go:wasmexport panicking
func panicking() int32 { return boom() }

// hang calls the host function that never finishes.
//
//go:wasmexport hang
func hang() int32 { return forever() }
