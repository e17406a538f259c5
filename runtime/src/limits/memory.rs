//! Per-instance memory limit, enforced by the engine when the guest grows
//! its memory. The policy is here; each adapter implements its engine's
//! limiter trait with it (`wasmi/limiter.rs`, `wasmtime/limiter.rs`).

/// Denies memory growth past `max_bytes` and remembers that it did, so the
/// resulting trap can be reported as a limit, not a mystery.
#[derive(Debug)]
pub(crate) struct MemoryLimiter {
    pub(crate) max_bytes: usize,
    /// The size the guest asked for when it was denied.
    pub(crate) denied: Option<usize>,
}

impl MemoryLimiter {
    pub(crate) fn new(max_bytes: usize) -> Self {
        MemoryLimiter {
            max_bytes,
            denied: None,
        }
    }

    /// Whether the memory may grow to `desired` bytes; a denial is
    /// remembered. The adapters make a denial trap rather than let
    /// `memory.grow` return -1: Go would then print "out of memory" and die
    /// anyway, with a less clear story.
    pub(crate) fn allow_memory(&mut self, desired: usize) -> bool {
        if desired > self.max_bytes {
            self.denied = Some(desired);
            return false;
        }
        true
    }

    /// Whether a table may grow to `desired` elements. Go's tables are fixed
    /// at link time; a growing table is not Go.
    pub(crate) fn allow_table(desired: usize) -> bool {
        desired <= 100_000
    }
}
