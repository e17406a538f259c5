//! Exports named once per program: what lets a generated client find its
//! export in an instance by index instead of by name.

use std::sync::atomic::{AtomicUsize, Ordering};

/// One export of a module's `extern "Go"` block, as its generated client
/// calls it: the client keeps one in a `static`, and every instance finds
/// the export's typed function at the id's index in its own table,
/// filled the first time the export is called, instead of hashing the name
/// on every call.
///
/// Indices are handed out once per program, to the ids that are used, in
/// the order they are first used; an instance's table grows to the largest
/// it has seen.
#[derive(Debug)]
pub struct ExportId {
    name: &'static str,
    /// The index plus one; 0 until first used.
    index: AtomicUsize,
}

/// The next index to hand out, plus one.
static NEXT: AtomicUsize = AtomicUsize::new(1);

impl ExportId {
    /// The id of the export `name` (the wasm export name).
    pub const fn new(name: &'static str) -> Self {
        ExportId {
            name,
            index: AtomicUsize::new(0),
        }
    }

    /// The wasm export name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The export's index in every instance's table.
    #[inline]
    pub(crate) fn index(&self) -> usize {
        match self.index.load(Ordering::Relaxed) {
            0 => self.assign(),
            i => i - 1,
        }
    }

    /// Hands out an index on first use; two threads that race for it agree
    /// on the winner's (the loser's number is never used).
    #[cold]
    #[inline(never)]
    fn assign(&self) -> usize {
        let fresh = NEXT.fetch_add(1, Ordering::Relaxed);
        match self
            .index
            .compare_exchange(0, fresh, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => fresh - 1,
            Err(won) => won - 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_keeps_its_index_and_ids_differ() {
        static A: ExportId = ExportId::new("a");
        static B: ExportId = ExportId::new("b");
        let a = A.index();
        assert_eq!(A.index(), a);
        assert_ne!(B.index(), a);
        assert_eq!(A.name(), "a");
    }

    #[test]
    fn threads_racing_for_an_index_agree() {
        static C: ExportId = ExportId::new("c");
        let seen: Vec<usize> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4).map(|_| s.spawn(|| C.index())).collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("join"))
                .collect()
        });
        assert!(seen.iter().all(|&i| i == seen[0]), "{seen:?}");
    }
}
