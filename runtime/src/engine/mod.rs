//! The engine adapter: everything that names `wasmi` lives under this
//! module, behind gohost's own types, so that another engine can be added as
//! a cargo feature without changing callers or generated code.

mod caller;
mod func;
mod instance;
mod limiter;
mod link_check;
mod linker;
mod module;
mod store;

pub use caller::Caller;
pub use func::{IntoHostFunc, WasmParams, WasmResult, WasmResults, WasmValue};
pub use instance::Instance;
pub use linker::Linker;
pub use module::Module;
pub use store::StoreData;

/// Settings for an [`Engine`].
#[derive(Debug, Clone, Default)]
pub struct Config {
    fuel: bool,
    eager: bool,
}

impl Config {
    /// The defaults: lazy compilation, no fuel metering.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts executed instructions so that calls can be limited
    /// (costs some speed).
    pub fn consume_fuel(&mut self, enable: bool) -> &mut Self {
        self.fuel = enable;
        self
    }

    /// Compiles every function when the module is loaded instead of on its
    /// first call. Lazy compilation (the default) makes Go programs start
    /// several times faster, since a Go binary calls few of its functions.
    pub fn eager_compilation(&mut self, enable: bool) -> &mut Self {
        self.eager = enable;
        self
    }
}

/// A compilation and execution environment shared by modules and instances.
///
/// Cheap to clone; clones share the same engine.
#[derive(Debug, Clone)]
pub struct Engine {
    pub(crate) inner: wasmi::Engine,
    pub(crate) fuel: bool,
}

impl Engine {
    /// An engine with the given settings.
    pub fn new(config: &Config) -> Self {
        let mut c = wasmi::Config::default();
        c.consume_fuel(config.fuel);
        c.compilation_mode(if config.eager {
            wasmi::CompilationMode::Eager
        } else {
            wasmi::CompilationMode::Lazy
        });
        Engine {
            inner: wasmi::Engine::new(&c),
            fuel: config.fuel,
        }
    }
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new(&Config::default())
    }
}

/// Turns an engine error from a call into gohost's error, keeping the
/// engine's message (trap code or host message).
pub(crate) fn call_error(e: wasmi::Error) -> crate::Error {
    crate::Error::Trap {
        message: e.to_string(),
    }
}
