//! The wall-clock deadline of the running call, shared by both adapters:
//! the instance arms it when a top-level call starts; the engine's
//! interruption point (wasmi: the end of a fuel slice, wasmtime: the epoch
//! callback) asks it whether the call must stop.

use std::time::{Duration, Instant};

/// The deadline of the call in progress, kept in the store.
#[derive(Debug, Default)]
pub(crate) struct Deadline {
    /// When the running top-level call must end; `None` when it may run
    /// without limit.
    ends_at: Option<Instant>,
    /// Whether the call was stopped because `ends_at` passed; what tells a
    /// deadline from any other trap, also through re-entered calls.
    expired: bool,
}

impl Deadline {
    /// Starts a top-level call that may run for `limit` (no limit: `None`).
    pub(crate) fn arm(&mut self, limit: Option<Duration>) {
        // A deadline too far to represent is no deadline.
        self.ends_at = limit.and_then(|d| Instant::now().checked_add(d));
        self.expired = false;
    }

    /// Whether the running call has a deadline at all.
    pub(crate) fn armed(&self) -> bool {
        self.ends_at.is_some()
    }

    /// Reads the clock: whether the call must stop now. Once it has passed,
    /// it stays passed for the rest of the call.
    pub(crate) fn passed(&mut self) -> bool {
        if !self.expired {
            self.expired = self.ends_at.is_some_and(|end| Instant::now() >= end);
        }
        self.expired
    }

    /// Whether the running (or last) call was stopped by its deadline.
    pub(crate) fn expired(&self) -> bool {
        self.expired
    }
}
