//! Async host functions: what one returns ([`HostCall`]), and the pending
//! call both engine adapters drive. Engine-independent.
//!
//! An async host function runs in three parts, so that no future ever holds
//! a view of the guest's memory or the store across an `.await` (on wasmi
//! the store is in the hands of the call's driver while a host future is
//! pending, so such a view could not be sound):
//! 1. a synchronous start, with the [`Caller`](crate::Caller): it reads the
//!    arguments (copying what it keeps) and clones what it needs of the state;
//! 2. a `'static` future that owns all it uses;
//! 3. a synchronous finish, given the future's output, the guest's memory and
//!    the state again, which writes the results.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::abi::{CallCx, Pending};
use crate::error::Trap;

/// What an async host function returns: a future the call awaits (or a
/// result ready at once), made by the function's synchronous start from
/// what it copied out of the [`Caller`](crate::Caller).
///
/// Registered with [`Linker::func_wrap_async`](crate::Linker::func_wrap_async).
/// Each call boxes its future; the `async fn`s of a `#[gohost::host_module]`
/// take a cheaper path, which polls a future in place and involves the
/// engine's async machinery only when it is pending (docs/abi.md, "Async
/// host functions").
///
/// ```
/// use std::time::Duration;
/// use gohost::{Caller, Config, Engine, HostCall, Linker};
///
/// let engine = Engine::new(Config::new().interruptible(true));
/// let mut linker = Linker::<u64>::new(&engine);
/// linker.func_wrap_async("env", "nap", |caller: &mut Caller<'_, u64>, ms: i64| {
///     // The synchronous start: read the state, copy what the future needs.
///     let extra = *caller.data();
///     HostCall::new(async move {
///         tokio::time::sleep(Duration::from_millis(ms as u64 + extra)).await;
///         Ok(0i32)
///     })
/// })?;
/// # Ok::<(), gohost::Error>(())
/// ```
pub struct HostCall<S: 'static, R: 'static> {
    pub(crate) state: CallState<S, R>,
}

pub(crate) enum CallState<S: 'static, R: 'static> {
    Ready(Result<R, Trap>),
    Pending(Pin<Box<dyn Pending<S, R>>>),
}

impl<S, R> std::fmt::Debug for HostCall<S, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match self.state {
            CallState::Ready(_) => "ready",
            CallState::Pending(_) => "pending",
        };
        f.debug_struct("HostCall").field("state", &state).finish()
    }
}

impl<S: 'static, R: Send + 'static> HostCall<S, R> {
    /// A call that awaits `future` and returns its output to the guest.
    pub fn new<F>(future: F) -> Self
    where
        F: Future<Output = Result<R, Trap>> + Send + 'static,
    {
        Self::with_finish(future, |out, _, _| out)
    }

    /// A call whose result is known at once (an argument that does not
    /// decode, say): nothing is awaited.
    pub fn ready(result: Result<R, Trap>) -> Self {
        HostCall {
            state: CallState::Ready(result),
        }
    }

    /// A call that awaits `future`, then gives its output to `finish` with
    /// the guest's memory and the state, to write the results.
    pub(crate) fn with_finish<F, O, Fin>(future: F, finish: Fin) -> Self
    where
        F: Future<Output = O> + Send + 'static,
        O: Send + 'static,
        Fin: FnOnce(O, CallCx<'_>, &mut S) -> Result<R, Trap> + Send + 'static,
    {
        HostCall {
            state: CallState::Pending(Box::pin(Awaiting {
                future,
                output: None,
                finish: Some(finish),
            })),
        }
    }
}

pin_project! {
    struct Awaiting<F: Future, Fin> {
        #[pin]
        future: F,
        output: Option<F::Output>,
        finish: Option<Fin>,
    }
}

impl<S, R, F, Fin> Pending<S, R> for Awaiting<F, Fin>
where
    F: Future + Send,
    F::Output: Send,
    Fin: FnOnce(F::Output, CallCx<'_>, &mut S) -> Result<R, Trap> + Send,
{
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        if this.output.is_some() {
            return Poll::Ready(());
        }
        match this.future.poll(cx) {
            Poll::Ready(out) => {
                *this.output = Some(out);
                Poll::Ready(())
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn finish(self: Pin<&mut Self>, cx: CallCx<'_>, state: &mut S) -> Result<R, Trap> {
        let this = self.project();
        match (this.output.take(), this.finish.take()) {
            (Some(out), Some(finish)) => finish(out, cx, state),
            _ => Err(Trap::new(
                "gohost: an async host call was finished before it was ready",
            )),
        }
    }
}

/// The trap of an async host function reached by a sync call (a start
/// function on wasmi; wasmtime refuses those calls itself).
pub(crate) fn outside_async_call(module: &str, func: &str) -> Trap {
    Trap::new(format!(
        "host function `{module}.{func}` is async: it can only run in an async call \
         (instantiate_async, then call_async)"
    ))
}
