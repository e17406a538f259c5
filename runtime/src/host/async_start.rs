//! The calls of generated glue's async host functions (docs/abi.md, "Async
//! host functions"). Engine-independent, but for how a call that is still
//! pending waits (each engine's `park_start`, reached through the
//! [`Caller`]).
//!
//! An `async fn`'s import is a sync host function: it pins the function's
//! future in a slot of the instance, reused from call to call, and polls it
//! once, in place. A future that is ready at once (a cache hit, a channel
//! with a message waiting) is finished there, like a sync call, with no
//! allocation and none of the engine's async machinery. A future that is
//! pending is parked, and the engine waits for it:
//! - wasmi suspends the call in the import itself; the call's driver awaits
//!   the parked call, finishes it and resumes the guest with its results.
//! - wasmtime cannot suspend a sync host function. The import writes 1 to
//!   the guest's pending word and returns; the generated Go wrapper, seeing
//!   the word set, jumps back to call the import again (one call site,
//!   which keeps the wrapper within Go's inlining budget). The backward
//!   jump reaches an epoch check, which the import made due at once; the
//!   epoch callback yields to the executor until the parked future is
//!   woken. The import, called again, polls it (a continuation), and
//!   finishes it or parks it again.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use pin_project_lite::pin_project;

use super::caller::Caller;
use crate::abi::{CallCx, Pending};
use crate::engine::values::WasmResult;
use crate::error::Trap;

/// How a call of an async host function of generated glue writes its
/// results once its future is done.
pub trait Finish<S, O, R>: Send + 'static {
    /// Finishes a call whose future was ready at once.
    fn ready(self, out: O, caller: &mut Caller<'_, S>) -> Result<R, Trap>;

    /// Finishes a parked call.
    fn parked(self, out: O, cx: CallCx<'_>, state: &mut S) -> Result<R, Trap>;
}

/// A finish that writes into the guest's memory or the instance's handles
/// (a return area, a status record, a handle).
#[derive(Debug)]
pub struct WithMemory<Fin>(pub Fin);

impl<S, O, R, Fin> Finish<S, O, R> for WithMemory<Fin>
where
    S: Send + 'static,
    Fin: FnOnce(O, CallCx<'_>, &mut S) -> Result<R, Trap> + Send + 'static,
{
    fn ready(self, out: O, caller: &mut Caller<'_, S>) -> Result<R, Trap> {
        let (cx, state) = caller.__split()?;
        (self.0)(out, cx, state)
    }

    fn parked(self, out: O, cx: CallCx<'_>, state: &mut S) -> Result<R, Trap> {
        (self.0)(out, cx, state)
    }
}

/// A finish that only converts the output to the wasm result: a call
/// ready at once never makes a view of the guest's memory.
#[derive(Debug)]
pub struct Plain<Fin>(pub Fin);

impl<S, O, R, Fin> Finish<S, O, R> for Plain<Fin>
where
    Fin: FnOnce(O) -> Result<R, Trap> + Send + 'static,
{
    #[inline(always)]
    fn ready(self, out: O, _: &mut Caller<'_, S>) -> Result<R, Trap> {
        (self.0)(out)
    }

    fn parked(self, out: O, _: CallCx<'_>, _: &mut S) -> Result<R, Trap> {
        (self.0)(out)
    }
}

/// A call's result as a pair of scalars, which Rust returns in two
/// registers where it returns a `Result<R, Trap>` through memory: what the
/// cold paths of a start return, so that the result of the fast path, which
/// joins theirs, stays in registers (a join through memory costs the fast
/// path a failed store-to-load forwarding each call).
type Returned<R> = (R, Option<Trap>);

#[inline(always)]
fn returned<R: Default>(result: Result<R, Trap>) -> Returned<R> {
    match result {
        Ok(value) => (value, None),
        Err(trap) => (R::default(), Some(trap)),
    }
}

#[inline(always)]
fn into_result<R>((value, trap): Returned<R>) -> Result<R, Trap> {
    match trap {
        None => Ok(value),
        Some(trap) => Err(trap),
    }
}

/// The future of the function in a slot: pinned, and `None` between calls.
type Pinned<F> = Pin<Box<Option<F>>>;

/// Calls an async host function of generated glue: pins its future,
/// `make()`, in the function's `slot` of the instance and polls it once.
/// When it is ready, `finish` writes the results and the call returns like
/// a sync one. When it is pending, the engine parks it (`park_start`):
/// `flag` is the guest's pending word. `names` is a reference, which costs
/// the fast path nothing to pass along to the cold ones. The glue calls
/// [`resume`] instead when a call is parked.
///
/// Panics while the future is polled are caught by the caller (the sync
/// host function's wrapper) on this path, and by the parked call after it.
#[inline(always)]
pub fn start<S, R, F, Fin>(
    mut caller: Caller<'_, S>,
    slot: usize,
    flag: i32,
    names: &'static (&'static str, &'static str),
    make: impl FnOnce() -> F,
    finish: Fin,
) -> Result<R, Trap>
where
    S: Send + 'static,
    R: WasmResult + Default,
    F: Future<Output: Send + 'static> + Send + 'static,
    Fin: Finish<S, F::Output, R>,
{
    // Borrowed from here on, by the cold paths too: moved into a cold
    // path's parameter, the caller was copied a second time on the fast
    // path, before the slot was even looked at. (Taken by value and
    // borrowed here, rather than borrowed by the glue: that measured 3
    // instructions fewer a call on wasmtime, 245 against 248.)
    start_in(&mut caller, slot, flag, names, make, finish)
}

/// [`start`], the caller borrowed.
#[inline(always)]
fn start_in<S, R, F, Fin>(
    caller: &mut Caller<'_, S>,
    slot: usize,
    flag: i32,
    names: &'static (&'static str, &'static str),
    make: impl FnOnce() -> F,
    finish: Fin,
) -> Result<R, Trap>
where
    S: Send + 'static,
    R: WasmResult + Default,
    F: Future<Output: Send + 'static> + Send + 'static,
    Fin: Finish<S, F::Output, R>,
{
    let Some((pinned, waker)) = caller.async_calls_mut().ready_slot::<Pinned<F>>(slot) else {
        return into_result(start_cold(caller, slot, flag, names, make, finish));
    };
    match poll_new(pinned, waker, make) {
        Poll::Ready(out) => finish.ready(out, caller),
        Poll::Pending => into_result(park_new::<S, R, F, Fin>(caller, slot, flag, names, finish)),
    }
}

/// Pins `make()` in `pinned` and polls it.
#[inline(always)]
fn poll_new<F: Future>(
    pinned: &mut Pinned<F>,
    waker: &Waker,
    make: impl FnOnce() -> F,
) -> Poll<F::Output> {
    // Drops the last call's future, finished: it holds nothing (an async
    // block has dropped what it captured by the time it returns).
    // One `Pin<&mut _>` for both, so that the poll reads the future just
    // written, not the box's pointer again.
    let mut future = pinned.as_mut();
    future.set(Some(make()));
    match future.as_pin_mut() {
        Some(f) => f.poll(&mut Context::from_waker(waker)),
        None => Poll::Pending,
    }
}

/// [`start`] when its slot is not ready: this is the function's first
/// start, or the first since a call of it was parked; or a call is parked,
/// which the glue continues before it reads its arguments ([`resume`]),
/// and which no start may overtake.
#[cold]
#[inline(never)]
fn start_cold<S, R, F, Fin>(
    caller: &mut Caller<'_, S>,
    slot: usize,
    flag: i32,
    names: &'static (&'static str, &'static str),
    make: impl FnOnce() -> F,
    finish: Fin,
) -> Returned<R>
where
    S: Send + 'static,
    R: WasmResult + Default,
    F: Future<Output: Send + 'static> + Send + 'static,
    Fin: Finish<S, F::Output, R>,
{
    let calls = caller.async_calls_mut();
    if calls.is_parked() {
        return resume_cold(caller, flag, names);
    }
    calls.prepare(slot, || Box::pin(None::<F>));
    // Checked here, so that `start` finds the slot ready and does not come
    // back: a slot of another type would send it round for ever.
    if calls.ready_slot::<Pinned<F>>(slot).is_none() {
        return returned(Err(Trap::new(format!(
            "gohost: {}.{}: the async slot {slot} holds another function's future",
            names.0, names.1
        ))));
    }
    returned(start_in(caller, slot, flag, names, make, finish))
}

/// Parks the call just started in `slot`, whose future is pending. The
/// pinned box moves (not its contents) to the parked call; the next call
/// of this function pins its future in a new one.
#[cold]
#[inline(never)]
fn park_new<S, R, F, Fin>(
    caller: &mut Caller<'_, S>,
    slot: usize,
    flag: i32,
    names: &'static (&'static str, &'static str),
    finish: Fin,
) -> Returned<R>
where
    S: Send + 'static,
    R: WasmResult + Default,
    F: Future<Output: Send + 'static> + Send + 'static,
    Fin: Finish<S, F::Output, R>,
{
    let future = caller
        .async_calls_mut()
        .take_slot::<Pinned<F>>(slot)
        .unwrap_or_else(|| Box::pin(None));
    let call: Pin<Box<dyn Pending<S, R>>> = Box::pin(Resumed {
        future,
        output: None,
        finish: Some(finish),
        flag,
        names: *names,
    });
    returned(caller.park_start(call, flag, *names))
}

/// Continues the call of the async host function `names` that its start
/// parked (wasmtime): the guest called the import again, as the pending
/// word told it. Polls the parked future; finishes it when it is ready,
/// parks it again when not. A guest that calls another async function, or
/// starts a new call (the word at 0), while one is pending gets a trap that
/// says so.
#[inline(always)]
pub fn resume<S: Send + 'static, R: WasmResult + Default>(
    mut caller: Caller<'_, S>,
    flag: i32,
    names: &'static (&'static str, &'static str),
) -> Result<R, Trap> {
    into_result(resume_cold(&mut caller, flag, names))
}

/// [`resume`], out of the fast path.
#[cold]
#[inline(never)]
fn resume_cold<S: Send + 'static, R: WasmResult + Default>(
    caller: &mut Caller<'_, S>,
    flag: i32,
    names: &'static (&'static str, &'static str),
) -> Returned<R> {
    returned(continue_parked(caller, flag, *names))
}

fn continue_parked<S: Send + 'static, R: WasmResult + Default>(
    caller: &mut Caller<'_, S>,
    flag: i32,
    names: (&'static str, &'static str),
) -> Result<R, Trap> {
    let (m, n) = names;
    let (cx, state) = caller.__split()?;
    let calls = &mut cx.abi.async_calls;
    let Some(parked) = calls.take_parked() else {
        return Err(Trap::new("gohost: no async host call is parked"));
    };
    let (pm, pn) = parked.names;
    let word = cx.mem.bytes(flag, 4).map(|b| b == 1u32.to_le_bytes());
    if parked.names != names || word != Ok(true) {
        return Err(Trap::new(format!(
            "gohost: {m}.{n} was called while the async host call {pm}.{pn} is pending: \
             the guest must call {pm}.{pn} again, its pending word still 1, until the \
             host clears the word"
        )));
    }
    let Ok(call) = parked.call.downcast::<Pin<Box<dyn Pending<S, R>>>>() else {
        return Err(Trap::new(format!(
            "gohost: {m}.{n}: the pending call returns another type"
        )));
    };
    let mut call = *call;
    let polled = match calls.waker() {
        Some(waker) => call.as_mut().poll(&mut Context::from_waker(waker)),
        None => Poll::Pending,
    };
    match polled {
        Poll::Ready(()) => call.as_mut().finish(cx, state),
        Poll::Pending => caller.park_start(call, flag, names),
    }
}

pin_project! {
    /// A started call that was pending, as the engine drives it.
    struct Resumed<F: Future, Fin> {
        future: Pinned<F>,
        output: Option<Result<F::Output, Trap>>,
        finish: Option<Fin>,
        // The guest's pending word, cleared when the call is done.
        flag: i32,
        names: (&'static str, &'static str),
    }
}

impl<S, R, F, Fin> Pending<S, R> for Resumed<F, Fin>
where
    F: Future + Send,
    F::Output: Send,
    Fin: Finish<S, F::Output, R>,
{
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        if this.output.is_some() {
            return Poll::Ready(());
        }
        let Some(future) = this.future.as_mut().as_pin_mut() else {
            *this.output = Some(Err(Trap::new(
                "gohost: an async host call was polled after it ended",
            )));
            return Poll::Ready(());
        };
        match crate::error::catch_panic(&*this.names, || future.poll(cx)) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(out)) => {
                this.future.set(None);
                *this.output = Some(Ok(out));
                Poll::Ready(())
            }
            Err(trap) => {
                *this.output = Some(Err(trap));
                Poll::Ready(())
            }
        }
    }

    fn finish(self: Pin<&mut Self>, mut cx: CallCx<'_>, state: &mut S) -> Result<R, Trap> {
        let this = self.project();
        let (m, n) = *this.names;
        cx.mem
            .write_u32(*this.flag, 0)
            .map_err(|e| Trap::new(format!("{m}.{n}: the pending word: {e}")))?;
        match (this.output.take(), this.finish.take()) {
            (Some(Ok(out)), Some(finish)) => {
                crate::error::catch_panic(&(m, n), || finish.parked(out, cx, state))?
            }
            (Some(Err(trap)), _) => Err(trap),
            _ => Err(Trap::new(
                "gohost: an async host call was finished before it was ready",
            )),
        }
    }
}
