//! Resource limits of one instance.

/// How much a guest may use. The default is no limit at all; plugins from
/// untrusted authors should always get both limits.
///
/// ```
/// use gohost::Limits;
///
/// let limits = Limits::new().memory_bytes(64 << 20).fuel_per_call(2_000_000_000);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    pub(crate) memory_bytes: Option<usize>,
    pub(crate) fuel_per_call: Option<u64>,
}

impl Limits {
    /// No limits.
    pub fn new() -> Self {
        Self::default()
    }

    /// The most linear memory the guest may have, in bytes (a Go program
    /// needs a few MiB to start). Growing past it ends the call with
    /// [`Error::MemoryLimit`](crate::Error::MemoryLimit).
    #[must_use]
    pub fn memory_bytes(mut self, bytes: usize) -> Self {
        self.memory_bytes = Some(bytes);
        self
    }

    /// The fuel each call (and a program's whole run) may use; roughly one
    /// unit per executed wasm instruction. Running out ends the call with
    /// [`Error::FuelExhausted`](crate::Error::FuelExhausted). Needs an
    /// [`Engine`](crate::Engine) with [`Config::consume_fuel`](crate::Config::consume_fuel).
    #[must_use]
    pub fn fuel_per_call(mut self, fuel: u64) -> Self {
        self.fuel_per_call = Some(fuel);
        self
    }
}
