//! Engine generations: how a gohost [`Engine`](super::Engine) keeps the
//! compiled code of modules that are gone from piling up.
//!
//! An engine that never frees what it compiled (wasmi keeps every module's
//! functions until the engine itself is dropped) is wrapped in generations:
//! new modules are compiled by the current generation until it has taken
//! `budget` bytes of wasm, then by a fresh one. A retired generation is
//! held only by what was made from it (its modules, their instances, and
//! linkers built for it; the engine's own handle is reference-counted) and
//! is freed with the last of them.

use std::sync::{Mutex, MutexGuard};

/// The generations of one engine; `E` is the engine's own handle, cheap to
/// clone and freed when its last clone is dropped.
#[derive(Debug)]
pub(crate) struct Generations<E> {
    /// The wasm bytes one generation compiles before the next one starts.
    budget: usize,
    current: Mutex<Current<E>>,
}

#[derive(Debug)]
struct Current<E> {
    engine: E,
    /// Wasm bytes compiled (or attempted) by `engine` so far.
    bytes: usize,
    /// Generations made so far, this one included.
    made: u64,
}

impl<E: Clone> Generations<E> {
    /// Generations of at most `budget` bytes each (at least one module
    /// each, however large), starting with `first`.
    pub(crate) fn new(first: E, budget: usize) -> Self {
        Generations {
            budget,
            current: Mutex::new(Current {
                engine: first,
                bytes: 0,
                made: 1,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Current<E>> {
        // The counters stay consistent whatever panicked while it was held.
        self.current.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The generation that compiles a module of `bytes` bytes of wasm, and
    /// the bytes charged to it: the current one if the module fits in what
    /// is left of its budget (or it has compiled nothing yet), else a new
    /// one made by `fresh`, which becomes current.
    pub(crate) fn for_module(&self, bytes: usize, fresh: impl FnOnce() -> E) -> E {
        let mut current = self.lock();
        if current.bytes > 0 && current.bytes.saturating_add(bytes) > self.budget {
            current.engine = fresh();
            current.bytes = 0;
            current.made += 1;
        }
        current.bytes = current.bytes.saturating_add(bytes);
        current.engine.clone()
    }

    /// The current generation.
    pub(crate) fn current(&self) -> E {
        self.lock().engine.clone()
    }

    /// How many generations were made so far.
    pub(crate) fn made(&self) -> u64 {
        self.lock().made
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::Generations;

    #[test]
    fn a_generation_takes_modules_up_to_its_budget() {
        let next = std::cell::Cell::new(1);
        let fresh = || {
            next.set(next.get() + 1);
            Arc::new(next.get())
        };
        let g = Generations::new(Arc::new(1), 100);
        assert_eq!(*g.for_module(60, fresh), 1);
        assert_eq!(*g.for_module(40, fresh), 1, "exactly the budget fits");
        assert_eq!(*g.for_module(1, fresh), 2);
        // A module larger than the budget gets a generation of its own.
        assert_eq!(*g.for_module(500, fresh), 3);
        assert_eq!(*g.for_module(500, fresh), 4);
        assert_eq!(*g.current(), 4);
        assert_eq!(g.made(), 4);
    }

    #[test]
    fn a_retired_generation_lives_as_long_as_what_was_made_from_it() {
        let g = Generations::new(Arc::new(1), 10);
        let module = g.for_module(10, || Arc::new(2));
        let weak = Arc::downgrade(&module);
        let _newer = g.for_module(10, || Arc::new(2));
        assert!(weak.upgrade().is_some(), "a module still holds it");
        drop(module);
        assert!(weak.upgrade().is_none(), "retired and unused: freed");
    }
}
