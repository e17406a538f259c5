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
    pub(crate) wasi: wasmtime_wasi::p1::WasiP1Ctx,
    pub(crate) abi: AbiState,
    /// The guest's `memory` export, resolved once after instantiation so
    /// host calls don't look it up by name.
    pub(crate) memory: Option<wasmtime::Memory>,
    pub(crate) limiter: MemoryLimiter,
    pub(crate) limits: Limits,
    /// The running call's wall-clock deadline.
    pub(crate) deadline: Deadline,
    /// The native stack a call needs free when it enters the guest (see
    /// `native_stack`), from the engine.
    pub(crate) entry_stack: usize,
    /// Whether the instance was made for async calls (`instantiate_async`):
    /// its calls then yield to the executor at epoch ticks.
    pub(crate) asynchronous: bool,
    /// The instance's id and names, for the spans of its calls.
    pub(crate) ident: Ident,
    pub(crate) user: S,
}

impl<S> StoreData<S> {
    /// The store data of a new instance: nothing resolved yet, no call
    /// running.
    pub(crate) fn new(wasi: wasmtime_wasi::p1::WasiP1Ctx, limits: Limits, user: S) -> Self {
        StoreData {
            wasi,
            abi: AbiState::default(),
            memory: None,
            limiter: MemoryLimiter::new(limits.memory_bytes.unwrap_or(usize::MAX)),
            limits,
            deadline: Deadline::default(),
            entry_stack: 0,
            asynchronous: false,
            ident: Ident::next(),
            user,
        }
    }
}
