//! [`Engine`]: what a program holds to compile and run guests, an engine
//! of either kind.

use super::backend::Backend;
use super::choice::{dispatch, per_engine, with_backend};
use super::config::Config;
use super::kind::EngineKind;

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
