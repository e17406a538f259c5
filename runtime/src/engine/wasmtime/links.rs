//! The engine linkers behind a gohost [`Linker`](super::Linker) on
//! wasmtime: one sync linker and the async one made from it. A wasmtime
//! engine frees each module's code when the module is dropped, so one
//! engine, and one linker, serve every module (see [`Engine`]); the wasmi
//! adapter's `links` has the same API over engine generations.

use super::gen_linkers::GenLinkers;
use super::{rt, Engine, StoreData};

/// The engine linkers of a gohost linker.
#[doc(hidden)]
pub struct Links<S> {
    gen: GenLinkers<S>,
}

impl<S> std::fmt::Debug for Links<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Links").finish_non_exhaustive()
    }
}

impl<S: Send + 'static> Links<S> {
    /// WASI alone.
    pub(crate) fn new(engine: &Engine) -> Self {
        Links {
            gen: GenLinkers::new(rt::wasi_linker(&engine.inner)),
        }
    }

    /// The sync linker, to register a function with; the async linker is
    /// made anew, with it.
    pub(crate) fn sync_mut(&mut self) -> &mut rt::Linker<StoreData<S>> {
        self.gen.sync_mut()
    }

    /// The engine linkers that instantiate `module`: the same for all.
    pub(crate) fn for_module(
        &self,
        _module: &wasmtime::Module,
    ) -> Result<&GenLinkers<S>, rt::Error> {
        Ok(&self.gen)
    }
}
