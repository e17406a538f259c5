//! Which engines there are, which this build has, and which one an
//! engine gets by default.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

/// An engine gohost can run guests on.
///
/// Every build has [`Wasmi`](EngineKind::Wasmi); [`Wasmtime`](EngineKind::Wasmtime)
/// needs the `wasmtime` cargo feature ([`is_available`](Self::is_available)
/// says). [`Config::engine`](crate::Config::engine) picks one for an [`Engine`](crate::Engine); the default is
/// [`EngineKind::default`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EngineKind {
    /// [wasmi](https://docs.rs/wasmi), an interpreter: no compile step, a
    /// small build, guests start at once; compute 30–50 times slower than
    /// native code.
    Wasmi,
    /// [wasmtime](https://docs.rs/wasmtime), a JIT compiler: host calls
    /// and compute many times faster than wasmi, a module cache; a long
    /// build and a compile step before a module first runs.
    Wasmtime,
}

impl EngineKind {
    /// Every engine, built or not.
    pub const ALL: [EngineKind; 2] = [EngineKind::Wasmi, EngineKind::Wasmtime];

    /// The engine's name: `"wasmi"` or `"wasmtime"`.
    pub const fn name(self) -> &'static str {
        match self {
            EngineKind::Wasmi => "wasmi",
            EngineKind::Wasmtime => "wasmtime",
        }
    }

    /// Whether this build has the engine (`wasmtime` needs the cargo
    /// feature of that name).
    pub const fn is_available(self) -> bool {
        match self {
            EngineKind::Wasmi => true,
            EngineKind::Wasmtime => cfg!(feature = "wasmtime"),
        }
    }

    /// The engines this build has, wasmi first.
    pub fn available() -> impl Iterator<Item = EngineKind> {
        Self::ALL.into_iter().filter(|k| k.is_available())
    }

    /// The engine a [`Config`](crate::Config) uses unless told otherwise: the one named by
    /// the environment variable `GOHOST_ENGINE` (`wasmi` or `wasmtime`),
    /// if set and built; else wasmtime if the `jit` feature is on; else
    /// wasmi. A `GOHOST_ENGINE` that names no engine of this build is
    /// ignored with a warning (a `tracing` event and a line on standard
    /// error), once.
    ///
    /// The variable lets a program, or a test suite, run on the other
    /// engine without being rebuilt: `GOHOST_ENGINE=wasmtime cargo test`.
    pub fn from_env_or_build() -> EngineKind {
        static CHOSEN: OnceLock<EngineKind> = OnceLock::new();
        *CHOSEN.get_or_init(|| {
            let built = if cfg!(feature = "jit") {
                EngineKind::Wasmtime
            } else {
                EngineKind::Wasmi
            };
            let Some(value) = std::env::var_os("GOHOST_ENGINE") else {
                return built;
            };
            let value = value.to_string_lossy();
            match value.parse::<EngineKind>() {
                Ok(kind) if kind.is_available() => kind,
                outcome => {
                    let why = match outcome {
                        Ok(kind) => format!("this build has no {kind} engine"),
                        Err(e) => e.to_string(),
                    };
                    let message =
                        format!("gohost: ignoring GOHOST_ENGINE={value:?} ({why}); using {built}");
                    tracing::warn!(target: "gohost", "{message}");
                    eprintln!("{message}");
                    built
                }
            }
        })
    }
}

impl Default for EngineKind {
    /// [`EngineKind::from_env_or_build`].
    fn default() -> Self {
        Self::from_env_or_build()
    }
}

impl fmt::Display for EngineKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error of parsing an [`EngineKind`] from a name it does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownEngine(String);

impl fmt::Display for UnknownEngine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown engine {:?}: expected `wasmi` or `wasmtime`",
            self.0
        )
    }
}

impl std::error::Error for UnknownEngine {}

impl FromStr for EngineKind {
    type Err = UnknownEngine;

    /// `wasmi` or `wasmtime`, in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EngineKind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownEngine(s.to_owned()))
    }
}

/// The name of the engine [`Engine::default`](crate::Engine::default) uses: `"wasmi"`, or
/// `"wasmtime"` with the `jit` feature.
#[deprecated(
    since = "0.1.0",
    note = "both engines can be in one build now: ask an engine with `Engine::kind`"
)]
pub const ENGINE_NAME: &str = if cfg!(feature = "jit") {
    "wasmtime"
} else {
    "wasmi"
};
