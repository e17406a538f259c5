//! Which engine runs a guest: the one place that chooses.
//!
//! gohost runs guests on [wasmi] (an interpreter, always built) or
//! [wasmtime] (a JIT compiler, the `wasmtime` cargo feature). Each is an
//! adapter in its own folder (`wasmi/`, `wasmtime/`) that implements
//! [`Backend`], the contract of what gohost needs of an engine; the
//! instance, the linker and the caller are ordinary code over that trait.
//! This module is the only code outside the adapter folders that names
//! them: it lists the engines of the build ([`EngineKind`]), makes an
//! [`Engine`] of the kind a [`Config`] asks for, and gives the rest of
//! gohost two macros, [`per_engine!`] (a type with one variant per engine)
//! and [`dispatch!`] (a `match` over those variants), so that the public
//! types hold either engine and dispatch to it at run time.
//!
//! [wasmi]: https://docs.rs/wasmi
//! [wasmtime]: https://docs.rs/wasmtime

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

mod backend;
mod config;
pub(crate) mod gen_linkers;
pub(crate) mod module;
pub(crate) mod wasmi;
#[cfg(feature = "wasmtime")]
pub(crate) mod wasmtime;

pub use backend::Backend;
pub use config::Config;
pub use module::Module;

/// The wasmi engine (an interpreter).
pub use self::wasmi::Wasmi;
/// The wasmtime engine (a JIT compiler).
#[cfg(feature = "wasmtime")]
pub use self::wasmtime::Wasmtime;

/// How often a computing guest's async call yields to the executor, on
/// both engines: wasmtime's epoch tick, and on wasmi the least time between
/// two yields at the ends of fuel slices. Also how late past its deadline
/// wasmtime may stop a call.
pub(crate) const TICK: std::time::Duration = std::time::Duration::from_millis(2);

/// An engine gohost can run guests on.
///
/// Every build has [`Wasmi`](EngineKind::Wasmi); [`Wasmtime`](EngineKind::Wasmtime)
/// needs the `wasmtime` cargo feature ([`is_available`](Self::is_available)
/// says). [`Config::engine`] picks one for an [`Engine`]; the default is
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

    /// The engine a [`Config`] uses unless told otherwise: the one named by
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

/// The name of the engine [`Engine::default`] uses: `"wasmi"`, or
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

/// Declares an enum with one variant per engine of this build, named after
/// the engine (`Wasmi`, `Wasmtime`), each holding `$ty` with the engine's
/// [`Backend`] in place of `@`, and `From` of each variant's value:
///
/// ```ignore
/// per_engine!(pub(crate) enum InstanceRepr<S> = Inner<@, S>);
/// ```
macro_rules! per_engine {
    ($(#[$attr:meta])* $vis:vis enum $name:ident $(<$($lt:lifetime,)? $($g:ident),*>)? = $ty:ident<$($tlt:lifetime,)? @ $(, $arg:ty)*>) => {
        $(#[$attr])*
        $vis enum $name $(<$($lt,)? $($g: 'static),*>)? {
            Wasmi($ty<$($tlt,)? $crate::engine::Wasmi $(, $arg)*>),
            #[cfg(feature = "wasmtime")]
            Wasmtime($ty<$($tlt,)? $crate::engine::Wasmtime $(, $arg)*>),
        }

        impl $(<$($lt,)? $($g: 'static),*>)? From<$ty<$($tlt,)? $crate::engine::Wasmi $(, $arg)*>>
            for $name $(<$($lt,)? $($g),*>)?
        {
            #[inline(always)]
            fn from(value: $ty<$($tlt,)? $crate::engine::Wasmi $(, $arg)*>) -> Self {
                $name::Wasmi(value)
            }
        }

        #[cfg(feature = "wasmtime")]
        impl $(<$($lt,)? $($g: 'static),*>)? From<$ty<$($tlt,)? $crate::engine::Wasmtime $(, $arg)*>>
            for $name $(<$($lt,)? $($g),*>)?
        {
            #[inline(always)]
            fn from(value: $ty<$($tlt,)? $crate::engine::Wasmtime $(, $arg)*>) -> Self {
                $name::Wasmtime(value)
            }
        }
    };
}
pub(crate) use per_engine;

/// A `match` over a [`per_engine!`] value: `$body` once per engine, with
/// `$x` bound to the variant's value and `$b` (if given) naming the
/// engine's [`Backend`] type.
///
/// ```ignore
/// dispatch!(InstanceRepr, &mut self.repr, i => i.call(name, params))
/// dispatch!(EngineRepr, &self.repr, B, e => B::fuel(e))
/// ```
macro_rules! dispatch {
    ($repr:ident, $value:expr, $x:pat => $body:expr) => {
        match $value {
            $repr::Wasmi($x) => $body,
            #[cfg(feature = "wasmtime")]
            $repr::Wasmtime($x) => $body,
        }
    };
    ($repr:ident, $value:expr, $b:ident, $x:pat => $body:expr) => {
        match $value {
            $repr::Wasmi($x) => {
                #[allow(dead_code)]
                type $b = $crate::engine::Wasmi;
                $body
            }
            #[cfg(feature = "wasmtime")]
            $repr::Wasmtime($x) => {
                #[allow(dead_code)]
                type $b = $crate::engine::Wasmtime;
                $body
            }
        }
    };
}
pub(crate) use dispatch;

/// [`dispatch!`] over two values that must be of the same engine (a
/// linker and a module, say); `$mismatch` when they are not.
macro_rules! dispatch_pair {
    (($ra:ident, $a:expr), ($rb:ident, $b:expr), ($x:pat, $y:pat) => $body:expr, _ => $mismatch:expr) => {
        match ($a, $b) {
            ($ra::Wasmi($x), $rb::Wasmi($y)) => $body,
            #[cfg(feature = "wasmtime")]
            ($ra::Wasmtime($x), $rb::Wasmtime($y)) => $body,
            #[allow(unreachable_patterns)]
            _ => $mismatch,
        }
    };
}
pub(crate) use dispatch_pair;

/// `$body` with `$b` naming the [`Backend`] of `kind`, an engine of this
/// build (`$missing` for one that is not).
macro_rules! with_backend {
    ($kind:expr, $b:ident => $body:expr, missing => $missing:expr) => {
        match $kind {
            $crate::engine::EngineKind::Wasmi => {
                type $b = $crate::engine::Wasmi;
                $body
            }
            #[cfg(feature = "wasmtime")]
            $crate::engine::EngineKind::Wasmtime => {
                type $b = $crate::engine::Wasmtime;
                $body
            }
            #[allow(unreachable_patterns)]
            _ => $missing,
        }
    };
}

/// The engines' own traits that gohost's value and host-function traits
/// build on, for every engine of this build: one trait per role, so that
/// the public traits (`WasmValue`, `IntoHostFunc`, ...) are defined once.
#[doc(hidden)]
pub mod every {
    use super::Backend;
    use crate::host::{AsyncHostFuncOn, HostFuncOn};

    macro_rules! every {
        ($(#[$m:meta])* $name:ident $(<$($g:ident),*>)? : $wasmi:path, $wasmtime:path) => {
            $(#[$m])*
            #[cfg(feature = "wasmtime")]
            pub trait $name $(<$($g),*>)? : $wasmi + $wasmtime {}
            #[cfg(feature = "wasmtime")]
            impl<T: ?Sized + $wasmi + $wasmtime $(, $($g),*)?> $name $(<$($g),*>)? for T {}
            $(#[$m])*
            #[cfg(not(feature = "wasmtime"))]
            pub trait $name $(<$($g),*>)? : $wasmi {}
            #[cfg(not(feature = "wasmtime"))]
            impl<T: ?Sized + $wasmi $(, $($g),*)?> $name $(<$($g),*>)? for T {}
        };
    }

    every!(
        /// A wasm value type of every engine.
        Value: ::wasmi::WasmTy, ::wasmtime::WasmTy
    );
    every!(
        /// Export parameters of every engine.
        Params: ::wasmi::WasmParams, ::wasmtime::WasmParams
    );
    every!(
        /// Export results of every engine.
        Results: ::wasmi::WasmResults, ::wasmtime::WasmResults
    );
    every!(
        /// A host function of every engine.
        HostFunc<S, P, R>: HostFuncOn<super::Wasmi, S, P, R>, HostFuncOn<super::Wasmtime, S, P, R>
    );
    every!(
        /// An async host function of every engine.
        AsyncHostFunc<S, P, R>: AsyncHostFuncOn<super::Wasmi, S, P, R>, AsyncHostFuncOn<super::Wasmtime, S, P, R>
    );

    /// Keeps `Backend` in scope for the docs of the traits above.
    #[allow(dead_code)]
    fn _backend<B: Backend>() {}
}

/// A compilation and execution environment shared by modules and
/// instances: a wasmi or a wasmtime engine (see [`EngineKind`]).
///
/// Cheap to clone; clones share the same engine.
///
/// ```
/// use gohost::{Config, Engine, EngineKind};
///
/// let engine = Engine::new(Config::new().engine(EngineKind::Wasmi));
/// assert_eq!(engine.kind(), EngineKind::Wasmi);
/// ```
///
/// # Memory across reloads
///
/// A host that loads modules for as long as it runs (plugins reloaded when
/// they change, one module per request) keeps using one engine, and the
/// engine frees the compiled code of the modules that are gone. What stays
/// is bounded: the code of the live modules, and on wasmi at most about
/// [`Config::generation_budget`] bytes of wasm (by default 32 MiB) of
/// modules already dropped for each engine generation something still
/// holds.
///
/// On wasmi, an engine keeps the code of every module it compiled until it
/// is itself dropped, so a gohost `Engine` is made of wasmi engines in
/// generations: modules are compiled by the current one until it has taken
/// the budget's worth of wasm, then by a fresh one. A retired generation is
/// freed when the last thing made from it is dropped: its modules, their
/// instances and pools, and the engine linkers a [`Linker`](crate::Linker)
/// built for it (a linker replays its registrations, WASI and every
/// function added with [`Linker::func_wrap`](crate::Linker::func_wrap) or
/// [`Linker::func_wrap_async`](crate::Linker::func_wrap_async), into each
/// generation it instantiates a module of, and keeps the current one's). A
/// module that lives for the whole run (a plugin loaded once) keeps its
/// generation, and the up to 32 MiB of other modules compiled with it, for
/// that long.
///
/// On wasmtime a module's code is freed when the module and its instances
/// are dropped; one wasmtime engine serves them all.
///
/// Measured with `cargo run --release -p gohost-bench --bin reload-soak`,
/// which reloads a 2.7 MB Go plugin with one engine and one linker: see
/// `docs/hot-reload.md`, "Reloading plugins: memory stays bounded".
#[derive(Debug, Clone)]
pub struct Engine {
    pub(crate) repr: EngineRepr,
}

/// The engine's own state, as its [`Backend`] keeps it.
pub(crate) type EngineOf<B> = <B as Backend>::Engine;

per_engine!(
    #[derive(Debug, Clone)]
    pub(crate) enum EngineRepr = EngineOf<@>
);

impl Engine {
    /// An engine with the given settings, of the kind
    /// [`Config::engine`] names.
    ///
    /// # Panics
    ///
    /// If that engine is not in this build (`EngineKind::Wasmtime` without
    /// the `wasmtime` feature), with a message that says so; check
    /// [`EngineKind::is_available`] first when the kind comes from a user.
    pub fn new(config: &Config) -> Self {
        let repr = with_backend!(config.engine, B => EngineRepr::from(B::new_engine(config)),
        missing => panic!(
            "gohost: this build has no {} engine: enable gohost's `{}` cargo feature",
            config.engine, config.engine
        ));
        Engine { repr }
    }

    /// Which engine this is.
    pub fn kind(&self) -> EngineKind {
        dispatch!(EngineRepr, &self.repr, B, _ => B::KIND)
    }

    /// Whether calls can have deadlines ([`Config::interruptible`]).
    pub(crate) fn interruptible(&self) -> bool {
        dispatch!(EngineRepr, &self.repr, B, e => B::interruptible(e))
    }

    /// How many engine generations this engine has made (1 at first; see
    /// "Memory across reloads" above). Always 1 on wasmtime.
    #[doc(hidden)]
    pub fn generations(&self) -> u64 {
        dispatch!(EngineRepr, &self.repr, B, e => B::generations(e))
    }
}

impl Default for Engine {
    /// An engine with [`Config::default`]'s settings.
    fn default() -> Self {
        Engine::new(&Config::default())
    }
}

/// The last component of `path`, as a module's name.
pub(crate) fn file_name(path: &std::path::Path) -> Option<std::sync::Arc<str>> {
    path.file_name().map(|n| n.to_string_lossy().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_names_parse_back() {
        for kind in EngineKind::ALL {
            assert_eq!(kind.name().parse::<EngineKind>(), Ok(kind));
            assert_eq!(kind.to_string(), kind.name());
        }
        assert_eq!(" WASMTIME ".parse::<EngineKind>(), Ok(EngineKind::Wasmtime));
        let err = "v8"
            .parse::<EngineKind>()
            .expect_err("v8 is no engine of ours");
        assert_eq!(
            err.to_string(),
            "unknown engine \"v8\": expected `wasmi` or `wasmtime`"
        );
    }

    #[test]
    fn every_available_engine_makes_engines_of_its_kind() {
        assert!(EngineKind::Wasmi.is_available());
        for kind in EngineKind::available() {
            let engine = Engine::new(Config::new().engine(kind));
            assert_eq!(engine.kind(), kind);
            assert_eq!(engine.clone().kind(), kind);
        }
    }
}
