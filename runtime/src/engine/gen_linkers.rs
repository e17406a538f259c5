//! The engine linkers of one engine (a wasmi generation, or the wasmtime
//! engine): the sync one, and the async one (async WASI) made from it on
//! first use. Used by both adapters' `links`.

use std::sync::OnceLock;

/// The sync engine linker, and the async one made from it on first use.
#[derive(Debug)]
pub(crate) struct GenLinkers<L> {
    pub(crate) sync: L,
    asynchronous: OnceLock<L>,
}

impl<L> GenLinkers<L> {
    pub(crate) fn new(sync: L) -> Self {
        GenLinkers {
            sync,
            asynchronous: OnceLock::new(),
        }
    }

    /// The sync linker, to register a function with; the async linker is
    /// made anew from it when next asked for.
    #[cfg_attr(not(feature = "wasmtime"), allow(dead_code))] // wasmi replays instead
    pub(crate) fn sync_mut(&mut self) -> &mut L {
        self.asynchronous.take();
        &mut self.sync
    }

    /// The linker of async instances, made from the sync one by `make`.
    pub(crate) fn asynchronous<E>(&self, make: impl FnOnce(&L) -> Result<L, E>) -> Result<&L, E> {
        if let Some(linker) = self.asynchronous.get() {
            return Ok(linker);
        }
        let linker = make(&self.sync)?;
        Ok(self.asynchronous.get_or_init(|| linker))
    }
}
