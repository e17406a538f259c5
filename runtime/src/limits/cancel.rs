//! Stopping a running call from outside: another thread, another task.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Stops an instance's running call from anywhere: another thread, another
/// task, a signal handler's helper thread. Cheap to clone, `Send + Sync`.
///
/// [`cancel`](Self::cancel) ends the call running now (sync or async) with
/// [`Error::Cancelled`](crate::Error::Cancelled), and leaves the instance
/// unusable, like a deadline does: its later calls fail with
/// [`Error::Poisoned`](crate::Error::Poisoned), and
/// [`Instance::poisoned`](crate::Instance::poisoned) says why (so a pool
/// drops it), also when no call was running.
/// A guest running wasm code is stopped within a few milliseconds (at its
/// next fuel slice on wasmi, its next epoch tick on wasmtime); an async
/// call awaiting a host function is stopped at once; a sync call blocked
/// inside a host function is stopped when that function returns.
///
/// From [`Instance::cancel_handle`](crate::Instance::cancel_handle), which
/// needs an engine built with [`Config::interruptible`](crate::Config::interruptible).
///
/// ```no_run
/// # fn f(plugin: &mut gohost::Instance<()>) -> Result<(), gohost::Error> {
/// let cancel = plugin.cancel_handle()?;
/// std::thread::spawn(move || {
///     std::thread::sleep(std::time::Duration::from_secs(1));
///     cancel.cancel();
/// });
/// match plugin.call::<(), ()>("work", ()) {
///     Err(gohost::Error::Cancelled { func }) => println!("{func} was cancelled"),
///     other => println!("{other:?}"),
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct CancelHandle {
    state: Arc<CancelState>,
}

/// What a [`CancelHandle`] shares with the instance's store.
#[derive(Debug, Default)]
pub(crate) struct CancelState {
    cancelled: AtomicBool,
    /// Wakes an async call that awaits a host function, so that it ends
    /// without waiting for the function.
    pub(crate) wake: tokio::sync::Notify,
}

impl CancelState {
    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Acquire)
    }
}

impl CancelHandle {
    pub(crate) fn new(state: Arc<CancelState>) -> Self {
        CancelHandle { state }
    }

    /// Stops the instance's running call (or its next one).
    pub fn cancel(&self) {
        self.state.cancelled.store(true, Ordering::Release);
        // A permit if no call waits now: the next wait ends at once.
        self.state.wake.notify_one();
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.state.is_cancelled()
    }
}
