// Command asynccalls is the async-call benchmark plugin: each export loops
// n times over one host call of the benchasync module, whose add_later is
// an async function on the host (to Go an ordinary call that blocks the
// calling goroutine) and whose add is sync. The host runs them in async
// calls and times them against the sync add of the calls guest. Its
// wait_io export waits in the host instead, for the pool row of calls that
// wait.
package main

import "gohost.bench/asynccalls/benchasync"

func main() {}

//go:wasmexport loop_async_add
func loopAsyncAdd(n int32) int32 {
	s := int32(0)
	for i := int32(0); i < n; i++ {
		s += benchasync.AddLater(i, 1)
	}
	return s
}

//go:wasmexport loop_sync_add
func loopSyncAdd(n int32) int32 {
	s := int32(0)
	for i := int32(0); i < n; i++ {
		s += benchasync.Add(i, 1)
	}
	return s
}

// waitIO waits micros microseconds in the host (a Tokio timer, awaited):
// the async side of the pool row of calls that wait.
//
//go:wasmexport wait_io
func waitIO(micros int32) int32 {
	benchasync.Wait(uint32(micros))
	return micros
}
