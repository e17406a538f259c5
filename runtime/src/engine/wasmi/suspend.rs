//! wasmi's side of async host functions. wasmi has no fibers: an async host
//! function whose future is not ready at once parks it in the store and
//! fails with [`Suspend`], which turns the resumable call into a paused one;
//! the call's driver (`rt::call_async`) awaits the parked future, finishes
//! it with the store, and resumes the call with its results.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::func::WasmResult;
use super::{Caller, StoreData};
use crate::abi::{CallCx, GuestMemory};
use crate::engine::host_call::{CallState, HostCall, Pending};
use crate::Trap;

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
    fn finish(&mut self, store: &mut wasmi::Store<StoreData<S>>) -> Result<Vec<wasmi::Val>, Trap>;
}

struct ParkedCall<S: 'static, R: 'static> {
    call: Pin<Box<dyn Pending<S, R>>>,
    names: Names,
}

impl<S: Send + 'static, R: WasmResult> Parked<S> for ParkedCall<S, R> {
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Trap>> {
        let (m, n) = &*self.names;
        match crate::error::catch_panic(m, n, || self.call.as_mut().poll(cx)) {
            Ok(Poll::Ready(())) => Poll::Ready(Ok(())),
            Ok(Poll::Pending) => Poll::Pending,
            Err(trap) => Poll::Ready(Err(trap)),
        }
    }

    fn finish(&mut self, store: &mut wasmi::Store<StoreData<S>>) -> Result<Vec<wasmi::Val>, Trap> {
        let memory = store
            .data()
            .memory
            .ok_or_else(|| Trap::new("gohost: the guest exports no memory named `memory`"))?;
        let (bytes, data) = memory.data_and_store_mut(store);
        let cx = CallCx {
            mem: GuestMemory::new(bytes),
            abi: &mut data.abi,
        };
        let (m, n) = &*self.names;
        let result =
            crate::error::catch_panic(m, n, || self.call.as_mut().finish(cx, &mut data.user))?;
        result.map(|r| r.into_vals())
    }
}

/// Runs an async host function's call as far as it goes now: a ready
/// result is returned; a pending future is polled once with the driver's
/// waker (most complete at once), and parked if it is still pending.
pub(crate) fn start<S: Send + 'static, R: WasmResult>(
    caller: &mut Caller<'_, S>,
    call: HostCall<S, R>,
    names: &Names,
) -> Result<R, wasmi::Error> {
    let mut pending = match call.state {
        CallState::Ready(result) => return result.map_err(trap),
        CallState::Pending(pending) => pending,
    };
    let (m, n) = &**names;
    let data = caller.store_mut();
    let Some(waker) = data.waker.take() else {
        return Err(trap(super::super::host_call::outside_async_call(m, n)));
    };
    let polled = crate::error::catch_panic(m, n, || {
        pending.as_mut().poll(&mut Context::from_waker(&waker))
    });
    data.waker = Some(waker);
    match polled.map_err(trap)? {
        Poll::Ready(()) => {
            let (cx, state) = caller.__split().map_err(trap)?;
            crate::error::catch_panic(m, n, || pending.as_mut().finish(cx, state))
                .and_then(|r| r)
                .map_err(trap)
        }
        Poll::Pending => {
            caller.store_mut().parked = Some(Box::new(ParkedCall {
                call: pending,
                names: names.clone(),
            }));
            Err(wasmi::Error::host(Suspend))
        }
    }
}

fn trap(t: Trap) -> wasmi::Error {
    wasmi::Error::new(t.message().to_owned())
}
