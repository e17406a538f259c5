//! The engine linkers of one engine (a wasmi generation, or the wasmtime
//! engine): the sync one, and the async one (async WASI) made from it on
//! first use. Shared by both adapters' `links`.

use std::sync::OnceLock;

use super::{rt, StoreData};

/// The sync engine linker, and the async one made from it on first use.
pub(crate) struct GenLinkers<S> {
    pub(crate) sync: rt::Linker<StoreData<S>>,
    asynchronous: OnceLock<rt::Linker<StoreData<S>>>,
}

impl<S: Send + 'static> GenLinkers<S> {
    pub(crate) fn new(sync: rt::Linker<StoreData<S>>) -> Self {
        GenLinkers {
            sync,
            asynchronous: OnceLock::new(),
        }
    }

    /// The sync linker, to register a function with; the async linker is
    /// made anew from it when next asked for.
    #[cfg_attr(not(feature = "jit"), allow(dead_code))] // wasmi replays instead
    pub(crate) fn sync_mut(&mut self) -> &mut rt::Linker<StoreData<S>> {
        self.asynchronous.take();
        &mut self.sync
    }

    /// The linker of async instances.
    pub(crate) fn asynchronous(&self) -> Result<&rt::Linker<StoreData<S>>, rt::Error> {
        if let Some(linker) = self.asynchronous.get() {
            return Ok(linker);
        }
        let linker = rt::async_linker(&self.sync)?;
        Ok(self.asynchronous.get_or_init(|| linker))
    }
}
