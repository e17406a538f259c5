//! How a call runs on wasmi: in fuel slices when it has a deadline (the
//! clock is read between slices), and for async calls as a resumable call
//! that yields to the executor between slices and awaits the async host
//! call that suspended it.

use std::cell::Cell;
use std::time::Instant;

use wasmi::{AsContextMut, Error, TypedFunc, TypedResumableCall, WasmParams, WasmResults};

use super::suspend::Suspend;
use super::types::{Data, Store};
use crate::engine::TICK;
use crate::native_stack;

/// The fuel a call runs on between two looks at the clock (with a
/// deadline, and in async calls, which may yield there: `yield_due`):
/// about a millisecond in a small Go loop, and as little as 10 µs in a
/// loop of a large Go function, which wasmi charges for most of the
/// function each round (see `Limits::fuel_per_call`).
const SLICE: u64 = 1_000_000;

/// Gives the next call `fuel`; with a deadline, one slice of it now and
/// the rest in reserve for `call` to hand out. An async call gets what
/// is left of its thread's slice (see `SLICE_LEFT`).
pub(crate) fn set_call_fuel<S: 'static>(store: &mut Store<S>, fuel: u64) -> Result<(), Error> {
    let data = store.data();
    let now = if data.asynchronous {
        fuel.min(SLICE_LEFT.get())
    } else if data.deadline.armed() {
        fuel.min(SLICE)
    } else {
        fuel
    };
    store.data_mut().engine.fuel_reserve = fuel - now;
    store.set_fuel(now)
}

/// The fuel the running call has left: in the engine, and in reserve
/// for its next slices.
pub(crate) fn fuel_left<S: 'static>(store: &Store<S>) -> u64 {
    store
        .get_fuel()
        .unwrap_or(0)
        .saturating_add(store.data().engine.fuel_reserve)
}

/// Calls `f`. Without a deadline, plainly. With one, in slices of fuel:
/// each time a slice runs out, the call ends if its whole budget is
/// spent (an out-of-fuel trap, as without slices) or its deadline has
/// passed, and continues with the next slice otherwise.
pub(crate) fn call<S: 'static, P, R>(
    mut cx: impl AsContextMut<Data = Data<S>>,
    f: &TypedFunc<P, R>,
    params: P,
) -> Result<R, Error>
where
    P: WasmParams,
    R: WasmResults,
{
    let mut store = cx.as_context_mut();
    let deadline = &mut store.data_mut().deadline;
    if !deadline.armed() {
        return f.call(cx, params);
    }
    // A call re-entered from a host function that ran out the clock
    // stops here, as on wasmtime, where entering wasm checks the epoch.
    if deadline.passed() {
        return Err(deadline_error());
    }
    let mut call = f.call_resumable(&mut cx, params)?;
    loop {
        call = match call {
            TypedResumableCall::Finished(results) => return Ok(results),
            // A host function failed: the call ends with its error, as
            // a plain call would.
            TypedResumableCall::HostTrap(trap) => return Err(owned(trap.host_error())),
            TypedResumableCall::OutOfFuel(paused) => {
                next_slice(cx.as_context_mut(), paused.required_fuel())?;
                paused.resume(&mut cx)?
            }
        };
    }
}

/// Ends a call whose slice of fuel ran out if its whole budget is spent
/// (an out-of-fuel trap, as without slices) or its deadline has passed;
/// otherwise gives it the next slice.
fn next_slice<S: 'static>(
    mut cx: impl AsContextMut<Data = Data<S>>,
    needed: u64,
) -> Result<(), Error> {
    let mut cx = cx.as_context_mut();
    let left = cx.get_fuel()?;
    let data = cx.data_mut();
    let reserve = data.engine.fuel_reserve;
    if left.saturating_add(reserve) < needed {
        return Err(Error::from(wasmi::TrapCode::OutOfFuel));
    }
    if data.deadline.passed() {
        return Err(deadline_error());
    }
    let more = reserve.min(SLICE.max(needed.saturating_sub(left)));
    data.engine.fuel_reserve = reserve - more;
    cx.set_fuel(left + more)
}

/// Calls `f` from an async call: in fuel slices, yielding to the
/// executor between two when one is due (`yield_due`); when an async
/// host function's future is pending (it paused the call with
/// `Suspend`), awaits it, finishes it and resumes the call with its
/// result.
pub(crate) async fn call_async<S: Send + 'static, P, R>(
    store: &mut Store<S>,
    f: &TypedFunc<P, R>,
    params: P,
) -> Result<R, Error>
where
    P: WasmParams,
    R: WasmResults,
{
    if store.data_mut().deadline.passed() {
        return Err(deadline_error());
    }
    let mut call = step(store, |s| f.call_resumable(s, params)).await?;
    loop {
        call = match call {
            TypedResumableCall::Finished(results) => {
                SLICE_LEFT.set(store.get_fuel().unwrap_or(0).min(SLICE));
                return Ok(results);
            }
            TypedResumableCall::OutOfFuel(paused) => {
                next_slice(&mut *store, paused.required_fuel())?;
                if yield_due() {
                    // Tokio's yield lets the runtime poll its I/O and
                    // timers before this task runs again (a plain
                    // self-wake would wait for its `event_interval`).
                    tokio::task::yield_now().await;
                    // The interval starts when the task runs again
                    // (maybe on another thread), not counting the
                    // time it waited for its turn.
                    NEXT_YIELD.set(Some(Instant::now() + TICK));
                }
                step(store, |s| paused.resume(s)).await?
            }
            TypedResumableCall::HostTrap(trap) => {
                if trap.host_error().downcast_ref::<Suspend>().is_none() {
                    return Err(owned(trap.host_error()));
                }
                let mut parked = store
                    .data_mut()
                    .engine
                    .parked
                    .take()
                    .ok_or_else(|| Error::new("gohost: a paused call has no host call"))?;
                std::future::poll_fn(|cx| parked.poll(cx))
                    .await
                    .map_err(|t| Error::new(t.message().to_owned()))?;
                let results = parked
                    .finish(store)
                    .map_err(|t| Error::new(t.message().to_owned()))?;
                step(store, |s| trap.resume(s, &results)).await?
            }
        };
    }
}

thread_local! {
    /// The fuel left of the slice the async calls on this thread run
    /// in: a call starts with what the last one to finish left. Calls
    /// too short for a slice of their own, made one after another,
    /// then still end slices, where they may yield. (A call that fails
    /// or is dropped leaves it as it was.)
    static SLICE_LEFT: Cell<u64> = const { Cell::new(SLICE) };

    /// When async calls running on this thread yield next (see
    /// `yield_due`). Per thread, not per call, for the same reason.
    static NEXT_YIELD: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Whether an async call at the end of a fuel slice yields to the
/// executor now: once a `TICK` has passed since the last yield on this
/// thread ended (or since the first slice end it saw), as a wasmtime
/// call yields at each epoch tick. How long a slice takes varies a
/// hundredfold with the guest's code, so slices alone make no interval.
fn yield_due() -> bool {
    let now = Instant::now();
    NEXT_YIELD.with(|next| {
        let due = next.get().is_some_and(|at| now >= at);
        if due || next.get().is_none() {
            next.set(Some(now + TICK));
        }
        due
    })
}

/// Runs one synchronous stretch of an async call (until it finishes,
/// pauses or runs out of its fuel slice) within a single poll, with the
/// poll's waker in the store for async host functions, on a native
/// stack with room for the host functions it calls.
async fn step<S: 'static, T>(
    store: &mut Store<S>,
    f: impl FnOnce(&mut Store<S>) -> Result<T, Error>,
) -> Result<T, Error> {
    let mut f = Some(f);
    std::future::poll_fn(|cx| {
        let Some(f) = f.take() else {
            return std::task::Poll::Ready(Err(Error::new("gohost: a call step was polled twice")));
        };
        let data = store.data_mut();
        data.engine.waker = Some(cx.waker().clone());
        let needed = data.entry_stack;
        let out = native_stack::with_stack(needed, || f(store))
            .unwrap_or_else(|e| Err(Error::new(e.to_string())));
        // Not kept past the poll: an idle instance would hold its last
        // task alive, and a stale waker would never wake anything.
        store.data_mut().engine.waker = None;
        std::task::Poll::Ready(out.map_err(|e| unexpected_suspend(store, e)))
    })
    .await
}

/// An error that is the `Suspend` of an async host function wasmi did not
/// pause the call for (a host function called in tail position, which
/// Go never emits), which gohost cannot resume: a clear error, and the
/// parked host call dropped.
fn unexpected_suspend<S: 'static>(store: &mut Store<S>, e: Error) -> Error {
    if e.downcast_ref::<Suspend>().is_none() {
        return e;
    }
    store.data_mut().engine.parked = None;
    Error::new(
        "an async host function was tail-called (return_call); gohost can only await \
         async host functions reached by an ordinary call",
    )
}

/// The engine error of a call stopped at its deadline; the instance
/// tells it from other errors by `Deadline::error`.
fn deadline_error() -> Error {
    Error::new("the call's deadline passed")
}

/// The same error as `e`, as far as gohost looks at it (exit status,
/// trap code, message). wasmi only lends a typed resumable call's host
/// error; the errors host functions raise are these three kinds.
fn owned(e: &Error) -> Error {
    if let Some(code) = e.i32_exit_status() {
        Error::i32_exit(code)
    } else if let Some(code) = e.as_trap_code() {
        Error::from(code)
    } else {
        Error::new(e.to_string())
    }
}
