use std::task::Waker;

use super::suspend::Parked;
use crate::abi::AbiState;
use crate::engine::deadline::Deadline;
use crate::engine::limiter::MemoryLimiter;
use crate::engine::trace::Ident;
use crate::Limits;

/// What an instance's store holds: WASI, the ABI state, the cached memory
/// export, and the embedder's state.
#[doc(hidden)]
#[allow(missing_debug_implementations)] // holds the embedder's `S`, which need not be Debug
pub struct StoreData<S> {
    pub(crate) wasi: wasmi_wasi::WasiCtx,
    /// Whether standard input is the host's, read ahead for an async
    /// instance (`wasi::stdin`): `poll_oneoff` then awaits its reads.
    pub(crate) async_stdin: bool,
    pub(crate) abi: AbiState,
    /// The guest's `memory` export, resolved once after instantiation so
    /// host calls don't look it up by name.
    pub(crate) memory: Option<wasmi::Memory>,
    pub(crate) limiter: MemoryLimiter,
    pub(crate) limits: Limits,
    /// The running call's wall-clock deadline.
    pub(crate) deadline: Deadline,
    /// The native stack a call needs free when it enters the guest (see
    /// `native_stack`), from the engine.
    pub(crate) entry_stack: usize,
    /// Fuel of the running call's budget not yet given to the engine: with
    /// a deadline, a call runs in slices of fuel (see `rt::call`).
    pub(crate) fuel_reserve: u64,
    /// Whether the instance was made for async calls (`instantiate_async`).
    pub(crate) asynchronous: bool,
    /// The waker of the async call being polled, for async host functions
    /// to poll their futures with; `None` outside a poll (see `rt::step`).
    pub(crate) waker: Option<Waker>,
    /// The async host call the running call waits for (see `suspend`).
    pub(crate) parked: Option<Box<dyn Parked<S>>>,
    /// The instance's id and names, for the spans of its calls.
    pub(crate) ident: Ident,
    pub(crate) user: S,
}

impl<S> StoreData<S> {
    /// The store data of a new instance: nothing resolved yet, no call
    /// running.
    pub(crate) fn new(wasi: crate::wasi::BuiltWasi, limits: Limits, user: S) -> Self {
        StoreData {
            wasi: wasi.ctx,
            async_stdin: wasi.async_stdin,
            abi: AbiState::default(),
            memory: None,
            limiter: MemoryLimiter::new(limits.memory_bytes.unwrap_or(usize::MAX)),
            limits,
            deadline: Deadline::default(),
            entry_stack: 0,
            fuel_reserve: 0,
            asynchronous: false,
            waker: None,
            parked: None,
            ident: Ident::next(),
            user,
        }
    }
}
