//! How a call runs on wasmtime: epoch interruption reads the clock at each
//! tick, and async calls run on a fiber that yields to the executor at
//! ticks and awaits host futures.

use wasmtime::{AsContextMut, Error, TypedFunc, UpdateDeadline, WasmParams, WasmResults};

use super::types::{Data, Store};

/// An epoch deadline that is never reached.
const NEVER: u64 = u64::MAX / 2;

/// Lets the store's calls be interrupted: at each epoch tick the
/// running call reads the clock, and ends once its deadline passed.
/// Installed on every store of an interruptible engine: with epoch
/// interruption on, a store without this callback would trap at once.
pub(crate) fn make_interruptible<S: 'static>(store: &mut Store<S>) {
    store.epoch_deadline_callback(|mut cx| {
        let data = cx.data_mut();
        let asynchronous = data.asynchronous;
        Ok(if data.deadline.passed() {
            UpdateDeadline::Interrupt
        } else if let Some(wait) = data.abi.async_calls.owed_wait() {
            // An async host call was parked just now: wait for its
            // waker before the guest calls it again (`park_start`).
            UpdateDeadline::YieldCustom(1, wait)
        } else if asynchronous {
            // Let the executor run other tasks between two ticks of a
            // guest that computes. Tokio's yield (as wasmtime advises)
            // lets the runtime poll its I/O and timers first; a plain
            // self-wake would leave them for its `event_interval` (61
            // polls, here 120 ms of guest code).
            UpdateDeadline::YieldCustom(1, Box::pin(tokio::task::yield_now()))
        } else if data.deadline.armed() {
            UpdateDeadline::Continue(1)
        } else {
            UpdateDeadline::Continue(NEVER)
        })
    });
    store.set_epoch_deadline(NEVER);
}

/// Makes the next tick look at the clock if the call has a deadline.
pub(crate) fn arm_deadline<S: 'static>(store: &mut Store<S>) {
    let data = store.data();
    let ticks = if data.deadline.armed() || data.asynchronous {
        1
    } else {
        NEVER
    };
    store.set_epoch_deadline(ticks);
}

/// Gives the next call `fuel`.
pub(crate) fn set_call_fuel<S: 'static>(store: &mut Store<S>, fuel: u64) -> Result<(), Error> {
    store.set_fuel(fuel)
}

/// The fuel the running call has left.
pub(crate) fn fuel_left<S: 'static>(store: &Store<S>) -> u64 {
    store.get_fuel().unwrap_or(0)
}

/// Calls `f`; the epoch callback stops it at its deadline.
pub(crate) fn call<S: 'static, P, R>(
    cx: impl AsContextMut<Data = Data<S>>,
    f: &TypedFunc<P, R>,
    params: P,
) -> Result<R, Error>
where
    P: WasmParams,
    R: WasmResults,
{
    f.call(cx, params)
}

/// Calls `f` from an async call, on a fiber: host futures are awaited
/// and epoch ticks yield to the executor.
pub(crate) async fn call_async<S: Send + 'static, P, R>(
    store: &mut Store<S>,
    f: &TypedFunc<P, R>,
    params: P,
) -> Result<R, Error>
where
    P: WasmParams + Sync,
    R: WasmResults + Sync,
{
    f.call_async(store, params).await
}
