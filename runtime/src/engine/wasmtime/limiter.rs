//! Per-instance memory limit, enforced by the engine when the guest grows
//! its memory.

/// Denies memory growth past `max_bytes` and remembers that it did, so the
/// resulting trap can be reported as a limit, not a mystery.
#[derive(Debug)]
pub(crate) struct MemoryLimiter {
    pub(crate) max_bytes: usize,
    /// The size the guest asked for when it was denied.
    pub(crate) denied: Option<usize>,
}

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_bytes {
            self.denied = Some(desired);
            // Trap rather than let `memory.grow` return -1: Go would then
            // print "out of memory" and die anyway, with a less clear story.
            return Err(wasmtime::Error::msg(format!(
                "memory limit of {} bytes exceeded (the guest asked for {desired})",
                self.max_bytes
            )));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // Go's tables are fixed at link time; a growing table is not Go.
        Ok(desired <= 100_000)
    }

    fn instances(&self) -> usize {
        1
    }

    fn tables(&self) -> usize {
        1
    }

    fn memories(&self) -> usize {
        1
    }
}
