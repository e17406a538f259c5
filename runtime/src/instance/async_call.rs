//! The pieces of async calls that do not depend on the engine: yielding to
//! the executor, ending a call at its deadline or cancellation while it
//! awaits, and the Tokio runtime they need.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::limits::CancelState;

/// Why [`until_stopped`] ended a call early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stopped {
    Deadline,
    Cancelled,
}

/// Runs `call` until it completes, its deadline passes or it is cancelled,
/// whichever comes first. The engines stop guest code themselves (fuel
/// slices, epoch ticks); this ends a call that awaits a host function, which
/// no engine can interrupt, by dropping it.
pub(crate) async fn until_stopped<F: Future>(
    call: F,
    ends_at: Option<Instant>,
    cancel: Option<Arc<CancelState>>,
) -> Result<F::Output, Stopped> {
    let mut call = pin!(call);
    let mut sleep = pin!(ends_at.map(|t| tokio::time::sleep_until(t.into())));
    let cancelled = cancel.as_ref().map(|c| c.wake.notified());
    let mut cancelled = pin!(cancelled);
    std::future::poll_fn(|cx| {
        if let Poll::Ready(out) = call.as_mut().poll(cx) {
            return Poll::Ready(Ok(out));
        }
        if let Some(notified) = cancelled.as_mut().as_pin_mut() {
            if notified.poll(cx).is_ready() || cancel.as_ref().is_some_and(|c| c.is_cancelled()) {
                return Poll::Ready(Err(Stopped::Cancelled));
            }
        }
        if let Some(sleep) = sleep.as_mut().as_pin_mut() {
            if sleep.poll(cx).is_ready() {
                return Poll::Ready(Err(Stopped::Deadline));
            }
        }
        Poll::Pending
    })
    .await
}

/// Async calls use Tokio's timers (deadlines, guests that sleep); say so
/// plainly rather than let Tokio panic deep inside a call. Checked when an
/// async instance is made: a thread-local read, and a timer made and
/// dropped (about 35 ns, which each call does not pay: see
/// [`require_runtime`]).
pub(crate) fn require_tokio() -> Result<(), Error> {
    require_runtime()?;
    // Tokio offers no way to ask whether the runtime has timers but to
    // make one: it panics without them.
    let timers = std::panic::catch_unwind(|| drop(tokio::time::sleep(Duration::ZERO)));
    timers.map_err(|_| {
        Error::Config(
            "async calls need a Tokio runtime with timers: build it with enable_time() \
             (or enable_all(); #[tokio::main] does)"
                .into(),
        )
    })
}

/// The check of every async call: that it runs inside a Tokio runtime (a
/// thread-local read). Whether that runtime has timers was checked when
/// the instance was made ([`require_tokio`]).
pub(crate) fn require_runtime() -> Result<(), Error> {
    // A task's id is set only while a Tokio runtime polls it: one
    // thread-local read, where `Handle::try_current` also clones and drops
    // the runtime's handle (two atomic operations). Futures polled by
    // `Runtime::block_on` itself run in no task and take the second check.
    if tokio::task::try_id().is_none() && tokio::runtime::Handle::try_current().is_err() {
        return Err(Error::Config(
            "async calls must run inside a Tokio runtime (gohost uses its timers for \
             deadlines and for guests that sleep)"
                .into(),
        ));
    }
    Ok(())
}

/// Runs `future` to completion on this thread, parking between polls: the
/// sync side of what both sync and async callers wait for (the pool's fair
/// queue).
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Arc::new(Unpark(std::thread::current())).into();
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::park();
    }
}
