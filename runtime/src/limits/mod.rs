//! What bounds one instance: its [`Limits`], the running call's deadline
//! and cancellation, and its memory limit, which each engine's adapter
//! enforces through its limiter.

mod cancel;
mod deadline;
mod memory;

pub use cancel::CancelHandle;
pub(crate) use cancel::CancelState;
pub(crate) use deadline::Deadline;
pub(crate) use memory::MemoryLimiter;

use std::time::Duration;

use crate::error::Error;

/// How much a guest may use. The default is no limit at all; plugins from
/// untrusted authors should always get a memory limit and a limit on time
/// (fuel, a deadline, or both).
///
/// ```
/// use std::time::Duration;
/// use gohost::Limits;
///
/// let limits = Limits::new()
///     .memory_bytes(64 << 20)
///     .fuel_per_call(2_000_000_000)
///     .deadline(Duration::from_millis(250));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    pub(crate) memory_bytes: Option<usize>,
    pub(crate) fuel_per_call: Option<u64>,
    pub(crate) deadline: Option<Duration>,
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

    /// The fuel each call (and a program's whole run) may use. Running out
    /// ends the call with
    /// [`Error::FuelExhausted`](crate::Error::FuelExhausted). Needs an
    /// [`Engine`](crate::Engine) with [`Config::consume_fuel`](crate::Config::consume_fuel).
    ///
    /// Fuel is each engine's own count: wasmtime charges one unit per wasm
    /// instruction run; wasmi charges a region's instructions when it
    /// enters it, so a loop pays each round for its whole body, blocks a
    /// branch skips included. Go compiles a function that calls others
    /// into one loop over its blocks, and on wasmi a loop inside such a
    /// function can cost a hundred times its instructions (`docs/plugins.md`,
    /// "Fuel"). Measure a plugin's use on the engine it runs on; a
    /// [`deadline`](Self::deadline) bounds time the same on both.
    #[must_use]
    pub fn fuel_per_call(mut self, fuel: u64) -> Self {
        self.fuel_per_call = Some(fuel);
        self
    }

    /// The longest one call may run, by the wall clock: [`Instance::run`]
    /// (the whole program), [`Instance::initialize`], [`Instance::call`] and
    /// the typed clients' calls each get this long, afresh; calls a host
    /// function makes back into the guest ([`Caller::call`]) count within
    /// the call that is running. When it passes, the call ends with
    /// [`Error::DeadlineExceeded`] and the instance is poisoned.
    ///
    /// Needs an [`Engine`](crate::Engine) built with
    /// [`Config::interruptible`](crate::Config::interruptible). The guest is
    /// stopped within a few milliseconds of the deadline while it runs wasm
    /// code. In a sync call, a guest blocked inside a host function (reading
    /// standard input, sleeping) is stopped when that function returns; an
    /// async call ([`Instance::call_async`]) that awaits a host function or
    /// a sleep is stopped at the deadline.
    ///
    /// Unlike fuel, a deadline does not depend on how fast the engine is,
    /// and it is not deterministic: the same call may pass on an idle
    /// machine and fail on a loaded one.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use gohost::{Config, Engine, Error, Limits, Linker, Module, WasiConfig};
    ///
    /// let engine = Engine::new(Config::new().interruptible(true));
    /// let module = Module::from_file(&engine, "plugin.wasm")?;
    /// let limits = Limits::new().deadline(Duration::from_millis(250));
    /// let mut plugin =
    ///     Linker::<()>::new(&engine).instantiate_limited(&module, &WasiConfig::new(), (), limits)?;
    /// plugin.initialize()?;
    /// match plugin.call::<(), i32>("spin", ()) {
    ///     Err(Error::DeadlineExceeded { func, deadline }) => {
    ///         eprintln!("{func} ran longer than {deadline:?}; the instance is discarded")
    ///     }
    ///     other => println!("{other:?}"),
    /// }
    /// # Ok::<(), gohost::Error>(())
    /// ```
    ///
    /// [`Instance::run`]: crate::Instance::run
    /// [`Instance::initialize`]: crate::Instance::initialize
    /// [`Instance::call`]: crate::Instance::call
    /// [`Instance::call_async`]: crate::Instance::call_async
    /// [`Caller::call`]: crate::Caller::call
    #[must_use]
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// These limits, with those `other` sets replacing them.
    pub(crate) fn overridden_by(self, other: Limits) -> Limits {
        Limits {
            memory_bytes: other.memory_bytes.or(self.memory_bytes),
            fuel_per_call: other.fuel_per_call.or(self.fuel_per_call),
            deadline: other.deadline.or(self.deadline),
        }
    }

    /// Refuses limits the engine cannot enforce, naming the setting to turn
    /// on.
    pub(crate) fn check(&self, fuel: bool, interruptible: bool) -> Result<(), Error> {
        if self.fuel_per_call.is_some() && !fuel {
            return Err(Error::Config(
                "a fuel limit needs an engine built with Config::consume_fuel(true)".into(),
            ));
        }
        if self.deadline.is_some() && !interruptible {
            return Err(Error::Config(
                "a deadline needs an engine built with Config::interruptible(true)".into(),
            ));
        }
        Ok(())
    }
}
