//! The engine adapters: everything that names an engine lives under this
//! module, behind gohost's own types, so that callers and generated code
//! never depend on which engine runs the guest.
//!
//! Two adapters implement the same API: [wasmi] (an interpreter, the
//! default) in `wasmi/`, and [wasmtime] (a JIT compiler, the `jit` cargo
//! feature) in `wasmtime/`. The feature switches the adapter wholesale.
//! What does not depend on the engine is here: [`Config`], the link-time
//! import check and its messages, and the signature model they use.
//!
//! [wasmi]: https://docs.rs/wasmi
//! [wasmtime]: https://docs.rs/wasmtime

use std::path::PathBuf;

mod deadline;
mod limiter;
mod link_check;
mod sig;

#[cfg(not(feature = "jit"))]
mod wasmi;
#[cfg(not(feature = "jit"))]
use self::wasmi as adapter;

#[cfg(feature = "jit")]
mod wasmtime;
#[cfg(feature = "jit")]
use self::wasmtime as adapter;

pub use adapter::{
    Caller, Engine, Instance, IntoHostFunc, Linker, Module, WasmParams, WasmResult, WasmResults,
    WasmValue,
};

/// The name of the engine gohost was built with: `"wasmi"` (the default) or
/// `"wasmtime"` (the `jit` feature).
pub const ENGINE_NAME: &str = if cfg!(feature = "jit") {
    "wasmtime"
} else {
    "wasmi"
};

/// Settings for an [`Engine`].
#[derive(Debug, Clone)]
pub struct Config {
    pub(crate) fuel: bool,
    pub(crate) interruptible: bool,
    pub(crate) eager: bool,
    pub(crate) cache: bool,
    pub(crate) cache_dir: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            fuel: false,
            interruptible: false,
            eager: false,
            cache: true,
            cache_dir: None,
        }
    }
}

impl Config {
    /// The defaults: lazy compilation (wasmi), no fuel metering, not
    /// interruptible, the module cache on (wasmtime).
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts executed instructions so that calls can be limited
    /// (costs some speed).
    pub fn consume_fuel(&mut self, enable: bool) -> &mut Self {
        self.fuel = enable;
        self
    }

    /// Lets calls be stopped from outside, so that instances can have a
    /// [`Limits::deadline`](crate::Limits::deadline); instantiating with a
    /// deadline on an engine without it is an [`Error::Config`](crate::Error::Config).
    ///
    /// On wasmi this turns on fuel metering (the guest runs in slices of
    /// fuel, and the clock is read between slices); on wasmtime it turns on
    /// epoch interruption, with one background thread per engine that
    /// advances the epoch every 2 ms while the engine (or anything made
    /// from it) lives. Either costs a little speed in guest code (about
    /// 3% on wasmi, 5% on wasmtime, on a Go compute loop); an engine
    /// without it pays nothing.
    ///
    /// On wasmi, an interruptible engine charges no fuel for compiling
    /// functions lazily (wasmi cannot pause a call in the middle of a
    /// compilation), as wasmtime never does; executing costs the same fuel
    /// as on any engine with [`consume_fuel`](Self::consume_fuel).
    ///
    /// ```
    /// use std::time::Duration;
    /// use gohost::{Config, Engine, Limits};
    ///
    /// let engine = Engine::new(Config::new().interruptible(true));
    /// let limits = Limits::new().deadline(Duration::from_secs(2));
    /// # let _ = (engine, limits);
    /// ```
    pub fn interruptible(&mut self, enable: bool) -> &mut Self {
        self.interruptible = enable;
        self
    }

    /// Compiles every function when the module is loaded instead of on its
    /// first call. Lazy compilation (the default) makes Go programs start
    /// several times faster, since a Go binary calls few of its functions.
    ///
    /// wasmi only: wasmtime always compiles the whole module (and caches
    /// the result, see [`cache`](Self::cache)).
    pub fn eager_compilation(&mut self, enable: bool) -> &mut Self {
        self.eager = enable;
        self
    }

    /// Whether [`Module::from_file`] keeps compiled code in the module cache
    /// and loads it from there next time (default: yes).
    ///
    /// wasmtime (`jit` feature) only; wasmi compiles lazily and has nothing
    /// worth caching. Entries are keyed by a SHA-256 of the wasm bytes and a
    /// fingerprint of wasmtime's version and compilation settings; an entry
    /// that is corrupt, truncated or from another build is ignored and
    /// rewritten. Compiled code is mapped from its file rather than copied,
    /// and a file unchanged since it was last loaded (same device, inode,
    /// size, modification and change times, and left alone for 3 seconds)
    /// is not read or hashed again. The directory is [`cache_dir`](Self::cache_dir), else
    /// `$GOHOST_CACHE_DIR`, else `$XDG_CACHE_HOME/gohost`, else
    /// `~/.cache/gohost`.
    pub fn cache(&mut self, enable: bool) -> &mut Self {
        self.cache = enable;
        self
    }

    /// The module cache's directory (see [`cache`](Self::cache)); created
    /// when first written.
    pub fn cache_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.cache_dir = Some(dir.into());
        self
    }
}
