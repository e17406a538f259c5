//! The wall-clock deadline of the running call and its cancellation, shared
//! by both adapters: the instance arms it when a top-level call starts; the
//! engine's interruption point (wasmi: the end of a fuel slice, wasmtime:
//! the epoch callback) asks it whether the call must stop.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::cancel::CancelState;
use crate::error::Error;

/// The deadline of the call in progress, kept in the store, and the flag of
/// the instance's [`CancelHandle`](crate::CancelHandle) if it has one.
#[derive(Debug, Default)]
pub(crate) struct Deadline {
    /// How long the running top-level call may take.
    limit: Option<Duration>,
    /// When the running top-level call must end; `None` when it may run
    /// without limit.
    ends_at: Option<Instant>,
    /// Whether the call was stopped because `ends_at` passed; what tells a
    /// deadline from any other trap, also through re-entered calls.
    expired: bool,
    /// Set once a cancel handle exists: every call is then interruptible.
    cancel: Option<Arc<CancelState>>,
    /// Whether the call was stopped by its cancel handle (then `expired`
    /// is set too).
    cancelled: bool,
}

impl Deadline {
    /// Starts a top-level call that may run for `limit` (no limit: `None`).
    #[inline]
    pub(crate) fn arm(&mut self, limit: Option<Duration>) {
        self.limit = limit;
        // A deadline too far to represent is no deadline.
        self.ends_at = limit.and_then(|d| Instant::now().checked_add(d));
        self.expired = false;
        self.cancelled = false;
    }

    /// Whether the running call can be stopped at all: it has a deadline,
    /// or the instance a cancel handle.
    pub(crate) fn armed(&self) -> bool {
        self.ends_at.is_some() || self.cancel.is_some()
    }

    /// When the running call must end, if it has a deadline.
    pub(crate) fn ends_at(&self) -> Option<Instant> {
        self.ends_at
    }

    /// The instance's cancellation state, if it has a cancel handle.
    pub(crate) fn cancel(&self) -> Option<Arc<CancelState>> {
        self.cancel.clone()
    }

    /// Whether the instance's cancel handle was used: it is then unusable.
    #[inline]
    pub(crate) fn cancel_requested(&self) -> bool {
        self.cancel.as_ref().is_some_and(|c| c.is_cancelled())
    }

    /// The instance's cancellation state, made on first use.
    pub(crate) fn cancel_state(&mut self) -> Arc<CancelState> {
        self.cancel.get_or_insert_with(Default::default).clone()
    }

    /// Reads the clock and the cancel flag: whether the call must stop now.
    /// Once it has, it stays stopped for the rest of the call.
    pub(crate) fn passed(&mut self) -> bool {
        if !self.expired {
            if self.cancel.as_ref().is_some_and(|c| c.is_cancelled()) {
                self.cancelled = true;
                self.expired = true;
            } else {
                self.expired = self.ends_at.is_some_and(|end| Instant::now() >= end);
            }
        }
        self.expired
    }

    /// Records that the running call was stopped from outside the engine
    /// (an async call whose deadline passed, or which was cancelled, while
    /// it awaited): `cancelled` tells which.
    pub(crate) fn stop(&mut self, cancelled: bool) {
        self.expired = true;
        self.cancelled = cancelled;
    }

    /// [`Error::DeadlineExceeded`] or [`Error::Cancelled`] for a call of
    /// `func`, if the running (or last) call was stopped by its deadline or
    /// its cancel handle.
    pub(crate) fn error(&self, func: &str) -> Option<Error> {
        if !self.expired {
            None
        } else if self.cancelled {
            Some(Error::Cancelled {
                func: func.to_owned(),
            })
        } else {
            Some(Error::DeadlineExceeded {
                func: func.to_owned(),
                deadline: self.limit.unwrap_or_default(),
            })
        }
    }
}
