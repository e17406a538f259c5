//! wasmtime's limiter trait over the shared [`MemoryLimiter`] policy.

use crate::limits::MemoryLimiter;

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if !self.allow_memory(desired) {
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
        Ok(MemoryLimiter::allow_table(desired))
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
