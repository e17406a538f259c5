//! The engine linkers behind a gohost [`Linker`](crate::Linker) on
//! wasmtime: one sync linker and the async one made from it. A wasmtime
//! engine frees each module's code when the module is dropped, so one
//! engine, and one linker, serve every module (see
//! [`Engine`](crate::Engine)); the wasmi adapter's `links` replays its
//! registrations over engine generations instead.

use super::engine::WasmtimeEngine;
use super::types::Data;
use super::wasi;
use crate::engine::gen_linkers::GenLinkers;

/// The engine linkers of a gohost linker.
#[doc(hidden)]
pub struct Links<S: 'static> {
    gen: GenLinkers<wasmtime::Linker<Data<S>>>,
}

impl<S> std::fmt::Debug for Links<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Links").finish_non_exhaustive()
    }
}

impl<S: Send + 'static> Links<S> {
    /// WASI alone.
    pub(crate) fn new(engine: &WasmtimeEngine) -> Self {
        Links {
            gen: GenLinkers::new(wasi::linker(&engine.inner)),
        }
    }

    /// The sync linker, to register a function with; the async linker is
    /// made anew, with it.
    pub(crate) fn sync_mut(&mut self) -> &mut wasmtime::Linker<Data<S>> {
        self.gen.sync_mut()
    }

    /// The sync linker.
    pub(crate) fn sync(&self) -> &wasmtime::Linker<Data<S>> {
        &self.gen.sync
    }

    /// The linker of async instances: the sync one with wasmtime-wasi's
    /// async preview 1.
    pub(crate) fn asynchronous(&self) -> Result<&wasmtime::Linker<Data<S>>, wasmtime::Error> {
        self.gen.asynchronous(wasi::async_linker)
    }
}
