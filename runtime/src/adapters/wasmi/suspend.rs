//! wasmi's side of async host functions. wasmi has no fibers: an async host
//! function whose future is not ready at once parks it in the store and
//! fails with [`Suspend`], which turns the resumable call into a paused one;
//! the call's driver (`rt::call_async`) awaits the parked future, finishes
//! it with the store, and resumes the call with its results.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tracing::Span;

use super::caller::not_wasmi;
use super::types::{EngineCaller, Store};
use crate::abi::{CallCx, GuestMemory, Pending};
use crate::engine::values::{RawValue, WasmResult};
use crate::engine::Wasmi;
use crate::error::Trap;
use crate::host::Caller;
use crate::host::{outside_async_call, CallState, HostCall};
use crate::trace;

/// The "error" an async host function returns to pause the call.
#[derive(Debug)]
pub(crate) struct Suspend;

impl std::fmt::Display for Suspend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("gohost: an async host call is pending")
    }
}

impl wasmi::errors::HostError for Suspend {}

/// A host function's name, for the messages of its panics.
pub(crate) type Names = Arc<(String, String)>;

/// A host call parked in the store while its future is pending.
pub(crate) trait Parked<S>: Send {
    /// Polls the future; a panic in it is a trap.
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Trap>>;

    /// Writes the results into the guest's memory and gives the host
    /// function's wasm result, to resume the call with.
    fn finish(&mut self, store: &mut Store<S>) -> Result<Vec<wasmi::Val>, Trap>;
}

struct ParkedCall<S: 'static, R: 'static> {
    call: Pin<Box<dyn Pending<S, R>>>,
    names: Names,
    /// The host call's span, entered while its future is polled and
    /// finished (see `trace`).
    span: Span,
    /// Whether the call ended (its outcome recorded).
    ended: bool,
}

impl<S: 'static, R: 'static> Drop for ParkedCall<S, R> {
    fn drop(&mut self) {
        if !self.ended && !self.span.is_disabled() {
            // The guest's call was stopped (deadline, cancellation, a
            // dropped future) while this host call was pending.
            self.span.record("outcome", "cancelled");
        }
    }
}

impl<S: Send + 'static, R: WasmResult> Parked<S> for ParkedCall<S, R> {
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Trap>> {
        let _entered = self.span.enter();
        match crate::error::catch_panic(&self.names, || self.call.as_mut().poll(cx)) {
            Ok(Poll::Ready(())) => Poll::Ready(Ok(())),
            Ok(Poll::Pending) => Poll::Pending,
            Err(trap) => {
                trace::record_trap(&self.span, &trap);
                self.ended = true;
                Poll::Ready(Err(trap))
            }
        }
    }

    fn finish(&mut self, store: &mut Store<S>) -> Result<Vec<wasmi::Val>, Trap> {
        let memory = store
            .data()
            .memory
            .ok_or_else(|| Trap::new("gohost: the guest exports no memory named `memory`"))?;
        let (bytes, data) = memory.data_and_store_mut(store);
        let cx = CallCx {
            mem: GuestMemory::new(bytes),
            abi: &mut data.abi,
        };
        let _entered = self.span.enter();
        let result = crate::error::catch_panic(&self.names, || {
            self.call.as_mut().finish(cx, &mut data.user)
        })
        .and_then(|r| r);
        trace::record_host(&self.span, &result);
        self.ended = true;
        result.map(vals)
    }
}

/// Runs an async host function's call as far as it goes now: a ready
/// result is returned; a pending future is polled once with the driver's
/// waker (most complete at once), and parked if it is still pending.
///
/// `span` is the host call's (entered by the caller for this part); a
/// parked call keeps a clone of it, and the outcome is recorded when the
/// call ends.
pub(crate) fn start<S: Send + 'static, R: WasmResult>(
    caller: &mut Caller<'_, S>,
    call: HostCall<S, R>,
    names: &Names,
    span: &Span,
) -> Result<R, wasmi::Error> {
    let ended = |result: Result<R, Trap>| {
        trace::record_host(span, &result);
        result.map_err(trap)
    };
    let mut pending = match call.state {
        CallState::Ready(result) => return ended(result),
        CallState::Pending(pending) => pending,
    };
    let (m, n) = &**names;
    let Some(engine) = caller.engine::<Wasmi>() else {
        return ended(Err(not_wasmi()));
    };
    let data = engine.data_mut();
    let Some(waker) = data.engine.waker.take() else {
        return ended(Err(outside_async_call(m, n)));
    };
    let polled = crate::error::catch_panic(names, || {
        pending.as_mut().poll(&mut Context::from_waker(&waker))
    });
    data.engine.waker = Some(waker);
    match polled {
        Err(t) => ended(Err(t)),
        Ok(Poll::Ready(())) => ended(caller.__split().and_then(|(cx, state)| {
            crate::error::catch_panic(names, || pending.as_mut().finish(cx, state)).and_then(|r| r)
        })),
        Ok(Poll::Pending) => {
            let Some(engine) = caller.engine::<Wasmi>() else {
                return ended(Err(not_wasmi()));
            };
            engine.data_mut().engine.parked = Some(Box::new(ParkedCall {
                call: pending,
                names: names.clone(),
                span: span.clone(),
                ended: false,
            }));
            Err(wasmi::Error::host(Suspend))
        }
    }
}

fn trap(t: Trap) -> wasmi::Error {
    wasmi::Error::new(t.message().to_owned())
}

/// Parks the pending call of an async host function of generated glue
/// (see `async_start`) and suspends the guest's call: its driver
/// (`rt::call_async`) awaits it, finishes it and resumes the guest with its
/// results, as for `func_wrap_async` functions. The guest's pending word is
/// not needed: it stays 0.
pub(crate) fn park_start<S: Send + 'static, R: WasmResult>(
    caller: &mut EngineCaller<'_, S>,
    call: Pin<Box<dyn Pending<S, R>>>,
    _flag: i32,
    (m, n): (&'static str, &'static str),
) -> Result<R, Trap> {
    let extra = &mut caller.data_mut().engine;
    if extra.waker.is_none() {
        return Err(outside_async_call(m, n));
    }
    extra.parked = Some(Box::new(ParkedCall {
        call,
        names: Arc::new((m.to_owned(), n.to_owned())),
        // The span of this host call, which the traced wrapper entered.
        span: Span::current(),
        ended: false,
    }));
    Err(Trap::suspend())
}

/// The engine's values of a host function's result, to resume a call an
/// async host function suspended.
fn vals<R: WasmResult>(r: R) -> Vec<wasmi::Val> {
    match r.into_raw() {
        None => Vec::new(),
        Some(RawValue::I32(v)) => vec![v.into()],
        Some(RawValue::I64(v)) => vec![v.into()],
        Some(RawValue::F32(v)) => vec![v.into()],
        Some(RawValue::F64(v)) => vec![v.into()],
    }
}
