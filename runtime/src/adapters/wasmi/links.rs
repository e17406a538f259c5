//! The engine linkers behind a gohost [`Linker`](crate::Linker) on wasmi.
//!
//! A wasmi linker serves the one wasmi engine it was made for, and a gohost
//! [`Engine`](crate::Engine) is several of them over time (generations,
//! see [`Engine`](crate::Engine)). So a gohost linker records its registrations (WASI, then
//! each `func_wrap` and `func_wrap_async` in order) and makes them again
//! into an engine linker for each generation whose modules it
//! instantiates. It keeps the engine linkers of one generation, the
//! current one when it last saw it, so that a retired generation is not
//! kept alive by a linker; those of an older generation are made for each
//! instantiation (tens of microseconds, against milliseconds for starting
//! a Go instance).

use std::sync::{Arc, Mutex, MutexGuard};

use super::engine::WasmiEngine;
use super::func::{Define, IntoAsyncDefine};
use super::types::Data;
use super::wasi::{poll, stdin};
use crate::engine::gen_linkers::GenLinkers;

/// The engine linkers of one wasmi generation.
pub(crate) type Linkers<S> = GenLinkers<wasmi::Linker<Data<S>>>;

/// The registrations of a gohost linker and the engine linkers of one
/// generation.
#[doc(hidden)]
pub struct Links<S: 'static> {
    engine: WasmiEngine,
    /// What was registered after WASI, in order.
    defines: Vec<Define<S>>,
    /// The engine linkers of the generation last registered with or
    /// instantiated for while it was current.
    cached: Mutex<Option<Arc<Linkers<S>>>>,
}

impl<S> std::fmt::Debug for Links<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Links")
            .field("defines", &self.defines.len())
            .finish_non_exhaustive()
    }
}

impl<S: Send + 'static> Links<S> {
    /// WASI alone, with the engine linkers of the current generation.
    pub(crate) fn new(engine: &WasmiEngine) -> Self {
        let sync = wasi_linker(&engine.current());
        Links {
            engine: engine.clone(),
            defines: Vec::new(),
            cached: Mutex::new(Some(Arc::new(GenLinkers::new(sync)))),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<Arc<Linkers<S>>>> {
        // Only whole engine linkers are ever stored: a panic cannot leave
        // one half-made.
        self.cached.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// An engine linker for `engine` with everything registered so far.
    fn build(&self, engine: &wasmi::Engine) -> Result<wasmi::Linker<Data<S>>, wasmi::Error> {
        let mut linker = wasi_linker(engine);
        for define in &self.defines {
            define(&mut linker)?;
        }
        Ok(linker)
    }

    /// Registers `define`, and records it if the engine's linker accepts
    /// it (it refuses a name already defined).
    pub(crate) fn define(&mut self, define: Define<S>) -> Result<(), wasmi::Error> {
        let current = self.engine.current();
        let cached = self.cached.get_mut().unwrap_or_else(|p| p.into_inner());
        let cached = cached
            .take()
            .filter(|gen| wasmi::Engine::same(gen.sync.engine(), &current));
        let mut sync = match cached {
            Some(gen) => Arc::try_unwrap(gen).map_or_else(|gen| gen.sync.clone(), |gen| gen.sync),
            None => self.build(&current)?,
        };
        let defined = define(&mut sync);
        if defined.is_ok() {
            self.defines.push(define);
        }
        // With a new async linker: the old one lacks the function.
        *self.cached.get_mut().unwrap_or_else(|p| p.into_inner()) =
            Some(Arc::new(GenLinkers::new(sync)));
        defined
    }

    /// The engine linkers that instantiate `module`, which are those of
    /// its generation.
    pub(crate) fn for_module(
        &self,
        module: &wasmi::Module,
    ) -> Result<Arc<Linkers<S>>, wasmi::Error> {
        let engine = module.engine();
        let mut cached = self.lock();
        if let Some(gen) = &*cached {
            if wasmi::Engine::same(gen.sync.engine(), engine) {
                return Ok(gen.clone());
            }
        }
        let gen = Arc::new(GenLinkers::new(self.build(engine)?));
        if self.engine.is_current(engine) {
            *cached = Some(gen.clone());
        }
        Ok(gen)
    }
}

/// A linker with WASI preview 1.
pub(crate) fn wasi_linker<S: Send + 'static>(engine: &wasmi::Engine) -> wasmi::Linker<Data<S>> {
    let mut linker = wasmi::Linker::new(engine);
    // Registering the fixed WASI function set on a fresh linker cannot
    // collide with anything.
    wasmi_wasi::add_to_linker(&mut linker, |d: &mut Data<S>| &mut d.wasi.ctx)
        .expect("gohost: WASI preview 1 must register on an empty linker");
    linker
}

/// The linker of async instances: `sync`'s functions, with the WASI
/// functions that block (`poll_oneoff`, which Go calls to sleep, and
/// `fd_read` of an inherited standard input) made async. wasmi's WASI is
/// synchronous; see `wasi::poll` and `wasi::stdin`.
pub(crate) fn async_linker<S: Send + 'static>(
    sync: &wasmi::Linker<Data<S>>,
) -> Result<wasmi::Linker<Data<S>>, wasmi::Error> {
    let mut linker = sync.clone();
    linker.allow_shadowing(true);
    // Defined over wasi-common's, which the linker allows.
    for define in [
        wasi_define("poll_oneoff", poll::poll_oneoff::<S>),
        wasi_define("fd_read", stdin::fd_read::<S>),
    ] {
        define(&mut linker)?;
    }
    Ok(linker)
}

/// WASI preview 1's function `name` as `f`.
fn wasi_define<S, P, R>(name: &str, f: impl IntoAsyncDefine<S, P, R>) -> Define<S> {
    f.into_define::<false>("wasi_snapshot_preview1", name).0
}

#[cfg(test)]
mod tests {
    use crate::engine::{Config, Engine, EngineKind, Module};
    use crate::error::Trap;
    use crate::host::Caller;
    use crate::linker::Linker;
    use crate::wasi::WasiConfig;

    /// A module that imports a host function and exports a call to it.
    const WAT: &str = r#"(module
        (import "env" "twice" (func $twice (param i32) (result i32)))
        (func (export "run") (param i32) (result i32) (call $twice (local.get 0))))"#;

    #[test]
    #[allow(irrefutable_let_patterns)] // a build without wasmtime has one engine
    fn modules_of_retired_generations_link_and_are_freed_with_their_last_user() {
        let wasm = wat::parse_str(WAT).expect("wat");
        // Every module gets a generation of its own.
        let engine = Engine::new(Config::new().engine(EngineKind::Wasmi).generation_budget(1));
        let mut linker = Linker::<()>::new(&engine);
        linker
            .func_wrap(
                "env",
                "twice",
                |_: Caller<'_, ()>, x: i32| -> Result<i32, Trap> { Ok(x * 2) },
            )
            .expect("twice");
        let old = Module::from_bytes(&engine, &wasm).expect("old");
        let new = Module::from_bytes(&engine, &wasm).expect("new");
        assert_eq!(engine.generations(), 2);
        let crate::engine::module::ModuleRepr::Wasmi(inner) = &old.repr else {
            panic!("a wasmi engine compiled a module of another engine");
        };
        let retired = inner.engine().weak();
        // The linker's host function is registered again for each.
        for module in [&new, &old, &new] {
            let mut i = linker
                .instantiate(module, &WasiConfig::new(), ())
                .expect("instantiate");
            assert_eq!(i.call::<(i32,), i32>("run", (21,)).ok(), Some(42));
        }
        let instance = linker
            .instantiate(&old, &WasiConfig::new(), ())
            .expect("instantiate");
        drop(old);
        assert!(retired.upgrade().is_some(), "an instance still uses it");
        drop(instance);
        assert!(
            retired.upgrade().is_none(),
            "the retired generation outlived its modules and instances"
        );
        // A function added later reaches every generation too.
        linker
            .func_wrap("env", "more", |_: Caller<'_, ()>| -> Result<i32, Trap> {
                Ok(1)
            })
            .expect("more");
        let again = Module::from_bytes(&engine, &wasm).expect("again");
        let mut i = linker
            .instantiate(&again, &WasiConfig::new(), ())
            .expect("instantiate");
        assert_eq!(i.call::<(i32,), i32>("run", (5,)).ok(), Some(10));
        // A name already defined is still refused.
        let twice = linker.func_wrap("env", "twice", |_: Caller<'_, ()>| -> Result<(), Trap> {
            Ok(())
        });
        assert!(twice.is_err());
    }
}
