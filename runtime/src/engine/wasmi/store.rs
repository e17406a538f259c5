use super::limiter::MemoryLimiter;
use crate::abi::AbiState;
use crate::engine::deadline::Deadline;
use crate::Limits;

/// What an instance's store holds: WASI, the ABI state, the cached memory
/// export, and the embedder's state.
#[doc(hidden)]
#[allow(missing_debug_implementations)] // holds the embedder's `S`, which need not be Debug
pub struct StoreData<S> {
    pub(crate) wasi: wasmi_wasi::WasiCtx,
    pub(crate) abi: AbiState,
    /// The guest's `memory` export, resolved once after instantiation so
    /// host calls don't look it up by name.
    pub(crate) memory: Option<wasmi::Memory>,
    pub(crate) limiter: MemoryLimiter,
    pub(crate) limits: Limits,
    /// The running call's wall-clock deadline.
    pub(crate) deadline: Deadline,
    /// Fuel of the running call's budget not yet given to the engine: with
    /// a deadline, a call runs in slices of fuel (see `rt::call`).
    pub(crate) fuel_reserve: u64,
    pub(crate) user: S,
}
