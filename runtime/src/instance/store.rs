//! What an instance's store holds, on either engine.

use crate::abi::AbiState;
use crate::engine::Backend;
use crate::instance::{Deadline, MemoryLimiter};
use crate::trace::Ident;
use crate::Limits;

/// What an instance's store holds: WASI, the ABI state, the cached memory
/// export, limits, the running call's deadline, what the engine's adapter
/// keeps, and the embedder's state.
#[doc(hidden)]
#[allow(missing_debug_implementations)] // holds the embedder's `S`, which need not be Debug
pub struct StoreData<B: Backend, S: 'static> {
    pub(crate) wasi: B::Wasi,
    pub(crate) abi: AbiState,
    /// The guest's `memory` export, resolved once after instantiation so
    /// host calls don't look it up by name.
    pub(crate) memory: Option<B::Memory>,
    pub(crate) limiter: MemoryLimiter,
    pub(crate) limits: Limits,
    /// The running call's wall-clock deadline.
    pub(crate) deadline: Deadline,
    /// The native stack a call needs free when it enters the guest (see
    /// `native_stack`), from the engine.
    pub(crate) entry_stack: usize,
    /// Whether the instance was made for async calls (`instantiate_async`).
    pub(crate) asynchronous: bool,
    /// The instance's id and names, for the spans of its calls.
    pub(crate) ident: Ident,
    /// What the engine's adapter keeps per instance.
    pub(crate) engine: B::StoreExtra<S>,
    pub(crate) user: S,
}

impl<B: Backend, S> StoreData<B, S> {
    /// The store data of a new instance: nothing resolved yet, no call
    /// running.
    pub(crate) fn new(
        wasi: B::Wasi,
        engine: B::StoreExtra<S>,
        limits: Limits,
        entry_stack: usize,
        user: S,
    ) -> Self {
        StoreData {
            wasi,
            abi: AbiState::default(),
            memory: None,
            limiter: MemoryLimiter::new(limits.memory_bytes.unwrap_or(usize::MAX)),
            limits,
            deadline: Deadline::default(),
            entry_stack,
            asynchronous: false,
            ident: Ident::next(),
            engine,
            user,
        }
    }
}
