//! The call plan: how every call into a guest runs, written once.
//!
//! A top-level call (`run`, `initialize`, `call` by name or by id, and the
//! encoded export calls of `encoded.rs`) is: its span, if a subscriber
//! listens ([`InstanceOn::traced`]); its start ([`InstanceOn::begin`]: the
//! instance may run it in this mode, a reactor has started, the deadline's
//! clock starts); then each wasm call it makes through one of two drivers,
//! [`InstanceOn::drive`] (on this thread) or [`InstanceOn::drive_async`]
//! (as a future that awaits host functions and yields), which give the
//! call its fuel, resolve the export, enter the guest and classify how it
//! ended. The sync and async methods of [`Instance`](crate::Instance) are
//! the same plan with the one driver or the other; the plans that make
//! more than one wasm call are macros over the driver (see `encoded.rs`).

use tracing::Span;

use super::async_call::{until_stopped, Stopped};
use super::exports::Target;
use super::state::{InstanceOn, Mode, INITIALIZE};
use crate::engine::values::{WasmParams, WasmResults};
use crate::engine::Backend;
use crate::error::Error;
use crate::native_stack;
use crate::trace::{self, FuelCount};

/// [`InstanceOn::traced`] for async calls: awaits `$call` (a future that
/// borrows `$this`) instrumented by the call's span when a subscriber
/// listens, so that the span is entered each time the call is polled and
/// never held across an await. `$outcome` names how it ended.
macro_rules! traced_async {
    ($this:ident, $func:expr, $outcome:expr, $call:expr) => {{
        if !$crate::trace::may_be_enabled(tracing::Level::DEBUG) {
            $call.await
        } else {
            let span = $this.trace_start($func);
            if span.is_disabled() {
                $call.await
            } else {
                let result = tracing::Instrument::instrument($call, span.clone()).await;
                $this.trace_end(&span, $outcome(&result), result.as_ref().err());
                result
            }
        }
    }};
}
pub(super) use traced_async;

impl<B: Backend, S> InstanceOn<B, S> {
    /// The span of a top-level call of `func` (see `trace`); when it is
    /// enabled and the engine meters fuel, the call's fuel is counted.
    #[inline(never)]
    pub(super) fn trace_start(&mut self, func: &str) -> Span {
        let span = trace::export_span(&self.data().ident, func);
        if !span.is_disabled() && self.metered {
            self.fuel_count = Some(FuelCount {
                spent: 0,
                mark: B::fuel_left(&self.store),
            });
        }
        span
    }

    /// Records the fuel and the outcome of the call in `span` (enabled).
    #[cold]
    #[inline(never)]
    pub(super) fn trace_end(&mut self, span: &Span, outcome: &'static str, error: Option<&Error>) {
        if let Some(mut count) = self.fuel_count.take() {
            count.tally(B::fuel_left(&self.store), 0);
            span.record("fuel", count.spent);
        }
        span.record("outcome", outcome);
        if let Some(at) = error.and_then(Error::backtrace).and_then(|b| b.location()) {
            span.record("at", at);
        }
    }

    /// Runs the top-level call `call` of `func` in its span, when a
    /// subscriber listens; `outcome` names how it ended.
    #[inline]
    pub(super) fn traced<R>(
        &mut self,
        func: &str,
        outcome: impl FnOnce(&Result<R, Error>) -> &'static str,
        call: impl FnOnce(&mut Self) -> Result<R, Error>,
    ) -> Result<R, Error> {
        if !trace::may_be_enabled(tracing::Level::DEBUG) {
            return call(self);
        }
        self.traced_slow(func, outcome, call)
    }

    /// [`traced`](Self::traced) when a subscriber may listen: out of line.
    #[inline(never)]
    fn traced_slow<R>(
        &mut self,
        func: &str,
        outcome: impl FnOnce(&Result<R, Error>) -> &'static str,
        call: impl FnOnce(&mut Self) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let span = self.trace_start(func);
        if span.is_disabled() {
            return call(self);
        }
        let result = span.in_scope(|| call(self));
        self.trace_end(&span, outcome(&result), result.as_ref().err());
        result
    }

    /// The start of a top-level call of the export `func` by the method
    /// `method` (its sync name) in `mode`: the instance may run it, a
    /// reactor has started, and the deadline's clock starts. Always
    /// inlined: generic over two engines, it would otherwise be a call of
    /// its own on every guest call (37 instructions on wasmtime's
    /// `export_calls`), its refusals out of line.
    #[inline(always)]
    pub(super) fn begin(&mut self, mode: Mode, method: &str, func: &str) -> Result<(), Error> {
        self.check_mode(mode, method)?;
        self.check_started(func)?;
        self.arm_deadline();
        Ok(())
    }

    /// The sync driver: calls the export `target` within the deadline the
    /// top-level call armed, with a full fuel budget, on a native stack
    /// with room for it; an engine error poisons the instance.
    #[inline]
    pub(super) fn drive<P: WasmParams, R: WasmResults>(
        &mut self,
        target: Target<'_>,
        params: P,
    ) -> Result<R, Error> {
        self.check_poisoned()?;
        self.refuel()?;
        // By reference: a typed function holds its type, which wasmtime
        // counts references to (clone and drop take a lock).
        let f = self
            .exports
            .typed::<S, P, R>(self.instance, &mut self.store, target)?;
        enter::<B, S, P, R>(&mut self.store, f, params).map_err(|e| self.fault(target.name(), e))
    }

    /// The async driver: [`drive`](Self::drive) as a future, which awaits
    /// the guest's async host functions and yields while it computes; its
    /// deadline or cancellation ends it while it awaits too.
    pub(super) async fn drive_async<P: WasmParams + Sync, R: WasmResults + Sync>(
        &mut self,
        target: Target<'_>,
        params: P,
    ) -> Result<R, Error>
    where
        S: Send,
    {
        self.check_poisoned()?;
        self.refuel()?;
        let f = self
            .exports
            .typed::<S, P, R>(self.instance, &mut self.store, target)?;
        match enter_async::<B, S, P, R>(&mut self.store, &mut self.in_flight, f, params).await {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(e)) => Err(self.fault(target.name(), e)),
            Err(stopped) => Err(self.stopped(target.name(), stopped)),
        }
    }

    /// The plan of [`Instance::call`](crate::Instance::call) and the
    /// generated clients' direct calls, with the sync driver.
    #[inline]
    pub(crate) fn call<P: WasmParams, R: WasmResults>(
        &mut self,
        target: Target<'_>,
        params: P,
    ) -> Result<R, Error> {
        self.traced(target.name(), trace::outcome, |this| {
            this.begin(Mode::Sync, "call", target.name())?;
            this.drive(target, params)
        })
    }

    /// [`call`](Self::call) with the async driver.
    pub(crate) async fn call_async<P: WasmParams + Sync, R: WasmResults + Sync>(
        &mut self,
        target: Target<'_>,
        params: P,
    ) -> Result<R, Error>
    where
        S: Send,
    {
        traced_async!(self, target.name(), trace::outcome, async {
            self.begin(Mode::Async, "call", target.name())?;
            self.drive_async(target, params).await
        })
    }

    /// The plan of [`Instance::run`](crate::Instance::run): `_start`, whose
    /// `proc_exit(n)` is the result `n`, not an error.
    pub(crate) fn run(&mut self) -> Result<i32, Error> {
        self.traced(START, trace::outcome, |this| {
            this.begin_entry(Mode::Sync, "run")?;
            let ended = this.drive(Target::Name(START), ());
            this.exited(ended)
        })
    }

    /// [`run`](Self::run) with the async driver.
    pub(crate) async fn run_async(&mut self) -> Result<i32, Error>
    where
        S: Send,
    {
        traced_async!(self, START, trace::outcome, async {
            self.begin_entry(Mode::Async, "run")?;
            let ended = self.drive_async(Target::Name(START), ()).await;
            self.exited(ended)
        })
    }

    /// The plan of [`Instance::initialize`](crate::Instance::initialize):
    /// `_initialize`, once.
    pub(crate) fn initialize(&mut self) -> Result<(), Error> {
        if self.initialized {
            return self.check_mode(Mode::Sync, "initialize");
        }
        self.traced(INITIALIZE, trace::outcome, |this| {
            this.begin_entry(Mode::Sync, "initialize")?;
            this.drive::<(), ()>(Target::Name(INITIALIZE), ())?;
            this.initialized = true;
            Ok(())
        })
    }

    /// [`initialize`](Self::initialize) with the async driver.
    pub(crate) async fn initialize_async(&mut self) -> Result<(), Error>
    where
        S: Send,
    {
        if self.initialized {
            return self.check_mode(Mode::Async, "initialize");
        }
        traced_async!(self, INITIALIZE, trace::outcome, async {
            self.begin_entry(Mode::Async, "initialize")?;
            self.drive_async::<(), ()>(Target::Name(INITIALIZE), ())
                .await?;
            self.initialized = true;
            Ok(())
        })
    }

    /// The start of a call of an entry point (`_start`, `_initialize`),
    /// which needs no started reactor.
    fn begin_entry(&mut self, mode: Mode, method: &str) -> Result<(), Error> {
        self.check_mode(mode, method)?;
        self.arm_deadline();
        Ok(())
    }

    /// The exit code of a program's run: 0 when `_start` returned, `n`
    /// when it called `proc_exit(n)`; a program runs once.
    fn exited(&mut self, ended: Result<(), Error>) -> Result<i32, Error> {
        let code = match ended {
            Ok(()) => 0,
            Err(Error::Exited { code }) => code,
            Err(e) => return Err(e),
        };
        self.poisoned = Some(format!("the program exited with code {code}"));
        Ok(code)
    }
}

/// The export Go's command build provides to run `main`.
const START: &str = "_start";

/// Calls `f` from the host, on a native stack with room for all the guest
/// may use (see `native_stack`). Calls a host function makes back into the
/// guest are nested in this one and use the engine's call directly.
#[inline]
fn enter<B: Backend, S, P: WasmParams, R: WasmResults>(
    store: &mut B::Store<S>,
    f: &B::TypedFunc<P, R>,
    params: P,
) -> Result<R, B::Error> {
    let needed = B::data(store).entry_stack;
    if native_stack::has_room(needed) {
        return B::call(store, f, params);
    }
    native_stack::on_spare_stack(needed, || B::call(store, f, params))
        .unwrap_or_else(|e| Err(B::error(e.to_string())))
}

/// Calls `f` from an async call: until it ends, or its deadline or
/// cancellation stops it while it awaits (see `until_stopped`).
/// `in_flight` stays set if the future is dropped before the call ends.
async fn enter_async<B: Backend, S: Send + 'static, P, R>(
    store: &mut B::Store<S>,
    in_flight: &mut bool,
    f: &B::TypedFunc<P, R>,
    params: P,
) -> Result<Result<R, B::Error>, Stopped>
where
    P: WasmParams + Sync,
    R: WasmResults + Sync,
{
    let data = B::data(store);
    let ends_at = data.deadline.ends_at();
    let cancel = data.deadline.cancel();
    *in_flight = true;
    let result = until_stopped(B::call_async(store, f, params), ends_at, cancel).await;
    *in_flight = false;
    result
}
