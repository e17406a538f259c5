//! The instance, shared by both engine adapters: each compiles this file
//! against its own `rt` (the engine's types and the few calls that differ).

use std::any::Any;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use tracing::Span;

use super::func::{WasmParams, WasmResults};
use super::{rt, StoreData};
use crate::engine::async_call::{until_stopped, Stopped};
use crate::engine::native_stack;
use crate::engine::trace::{self, FuelCount};
use crate::{CancelHandle, Error};

/// A running guest: its memory, WASI context, limits and the embedder's
/// state.
///
/// A Go guest cannot continue after a trap, an exit, a limit hit (memory,
/// fuel, deadline) or a recovered panic in an export: the instance is then
/// *poisoned* and every later call fails with [`Error::Poisoned`] instead of
/// misbehaving.
pub struct Instance<S: 'static> {
    store: rt::Store<StoreData<S>>,
    inner: rt::Instance,
    /// Exports resolved by name once, not on every call.
    exports: Exports,
    /// Whether the engine meters fuel (asked once: the engine's answer to
    /// "how much fuel is left" is an allocated error when it does not).
    metered: bool,
    /// Whether the module is a reactor (exports `_initialize`).
    reactor: bool,
    /// Whether calls can be interrupted (deadlines, cancellation).
    interruptible: bool,
    initialized: bool,
    /// An async call is running; still set if its future was dropped
    /// before it ended, which leaves the guest half-run.
    in_flight: bool,
    poisoned: Option<String>,
    /// The fuel the call in progress has spent, counted only while its
    /// span is enabled on an engine that meters fuel.
    fuel_count: Option<FuelCount>,
}

impl<S> std::fmt::Debug for Instance<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Instance")
            .field("initialized", &self.initialized)
            .field("poisoned", &self.poisoned)
            .finish_non_exhaustive()
    }
}

/// `Instance::traced` for async calls: awaits `$call` (a future that
/// borrows `$this`) instrumented by the call's span when a subscriber
/// listens, so that the span is entered each time the call is polled and
/// never held across an await.
macro_rules! traced_async {
    ($this:ident, $func:expr, $outcome:expr, $call:expr) => {{
        if !trace::may_be_enabled(tracing::Level::DEBUG) {
            return $call.await;
        }
        let span = $this.trace_start($func);
        if span.is_disabled() {
            $call.await
        } else {
            let result = tracing::Instrument::instrument($call, span.clone()).await;
            $this.trace_end(&span, $outcome(&result));
            result
        }
    }};
}

/// The export Go's reactor build (`-buildmode=c-shared`) provides to start
/// its runtime.
const INITIALIZE: &str = "_initialize";
/// The generated Go package's allocator for export arguments.
const ALLOC: &str = "__gohost_alloc";
/// Why an instance whose async call was dropped mid-run refuses calls.
const DROPPED: &str = "an async call was cancelled (its future dropped) before it ended";
/// Why an instance whose cancel handle was used refuses calls.
const CANCELLED: &str = "it was cancelled with its CancelHandle";
/// The reply status of an export whose Go implementation panicked.
const PANICKED: u8 = 3;

impl<S> Instance<S> {
    pub(crate) fn new(
        mut store: rt::Store<StoreData<S>>,
        inner: rt::Instance,
        interruptible: bool,
    ) -> Self {
        let reactor = inner.get_func(&mut store, INITIALIZE).is_some();
        let metered = store.get_fuel().is_ok();
        Instance {
            store,
            inner,
            exports: Exports::default(),
            metered,
            reactor,
            interruptible,
            initialized: false,
            in_flight: false,
            poisoned: None,
            fuel_count: None,
        }
    }

    /// The instance's id: unique in the process, never reused. The spans
    /// of its calls carry it (field `instance`; see the README's
    /// "Observability").
    pub fn id(&self) -> u64 {
        self.store.data().ident.id
    }

    /// The name set with [`set_name`](Self::set_name) (or by the instance's
    /// [`Pool`](crate::Pool), see [`PoolBuilder::name`](crate::PoolBuilder::name)).
    pub fn name(&self) -> Option<&str> {
        self.store.data().ident.plugin.as_deref()
    }

    /// Names the instance (a plugin's name, say): the spans of its export
    /// calls and host calls carry it as `plugin`. Cheap to call with an
    /// `Arc<str>` shared by many instances.
    ///
    /// ```no_run
    /// # fn f(linker: &gohost::Linker<()>, module: &gohost::Module) -> Result<(), gohost::Error> {
    /// let mut plugin = linker.instantiate(module, &gohost::WasiConfig::new(), ())?;
    /// plugin.set_name("echo"); // before initialize(), so that its span is named too
    /// plugin.initialize()?;
    /// # Ok(()) }
    /// ```
    pub fn set_name(&mut self, name: impl Into<Arc<str>>) {
        self.store.data_mut().ident.plugin = Some(name.into());
    }

    /// The span of a top-level call of `func` (see `trace`); when it is
    /// enabled and the engine meters fuel, the call's fuel is counted.
    #[inline(never)]
    fn trace_start(&mut self, func: &str) -> Span {
        let span = trace::export_span(&self.store.data().ident, func);
        if !span.is_disabled() && self.metered {
            self.fuel_count = Some(FuelCount {
                spent: 0,
                mark: rt::fuel_left(&self.store),
            });
        }
        span
    }

    /// Records the fuel and the outcome of the call in `span` (enabled).
    #[cold]
    #[inline(never)]
    fn trace_end(&mut self, span: &Span, outcome: &'static str) {
        if let Some(mut count) = self.fuel_count.take() {
            count.tally(rt::fuel_left(&self.store), 0);
            span.record("fuel", count.spent);
        }
        span.record("outcome", outcome);
    }

    /// Runs the top-level call `call` of `func` in its span, when a
    /// subscriber listens; `outcome` names how it ended.
    #[inline]
    fn traced<R>(
        &mut self,
        func: &str,
        outcome: fn(&Result<R, Error>) -> &'static str,
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
        outcome: fn(&Result<R, Error>) -> &'static str,
        call: impl FnOnce(&mut Self) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let span = self.trace_start(func);
        if span.is_disabled() {
            return call(self);
        }
        let result = span.in_scope(|| call(self));
        self.trace_end(&span, outcome(&result));
        result
    }

    /// Runs the program (its `_start` export) and returns its exit code:
    /// 0 when `_start` returns, `n` when it calls `proc_exit(n)` (Go's
    /// `os.Exit(n)`). A trap is an error. A program runs once.
    pub fn run(&mut self) -> Result<i32, Error> {
        self.traced("_start", trace::outcome, Self::run_untraced)
    }

    fn run_untraced(&mut self) -> Result<i32, Error> {
        self.check_mode(false, "run")?;
        let start = self.begin("_start")?;
        let result = enter(&mut self.store, &start, ());
        self.exited(result)
    }

    /// [`run`](Self::run) for an instance made with
    /// [`Linker::instantiate_async`](super::Linker::instantiate_async): the
    /// program awaits its async host functions and sleeps, and yields to the
    /// executor while it computes.
    pub async fn run_async(&mut self) -> Result<i32, Error>
    where
        S: Send,
    {
        traced_async!(self, "_start", trace::outcome, self.run_async_untraced())
    }

    async fn run_async_untraced(&mut self) -> Result<i32, Error>
    where
        S: Send,
    {
        self.check_mode(true, "run_async")?;
        let start = self.begin("_start")?;
        let result = enter_async(&mut self.store, &mut self.in_flight, &start, ()).await;
        match result {
            Ok(result) => self.exited(result),
            Err(stopped) => Err(self.stopped("_start", stopped)),
        }
    }

    /// The entry point `name` (`_start`, `_initialize`), with the clock and
    /// the fuel of a new top-level call.
    fn begin(&mut self, name: &str) -> Result<rt::TypedFunc<(), ()>, Error> {
        let f = self.typed(name)?;
        self.arm_deadline();
        self.refuel()?;
        Ok(f)
    }

    /// The exit code of a program's run.
    fn exited(&mut self, result: Result<(), rt::Error>) -> Result<i32, Error> {
        let code = match result {
            Ok(()) => 0,
            Err(e) => match rt::exit_status(&e) {
                Some(code) => code,
                None => return Err(self.fault("_start", e)),
            },
        };
        self.poisoned = Some(format!("the program exited with code {code}"));
        Ok(code)
    }

    /// Starts a reactor (a Go plugin built with `-buildmode=c-shared`) by
    /// calling its `_initialize` export, which runs the Go runtime's setup and
    /// the packages' `init` functions. Calling it again does nothing: Go
    /// aborts if `_initialize` runs twice.
    pub fn initialize(&mut self) -> Result<(), Error> {
        if self.initialized {
            return self.check_mode(false, "initialize");
        }
        self.traced(INITIALIZE, trace::outcome, Self::initialize_untraced)
    }

    fn initialize_untraced(&mut self) -> Result<(), Error> {
        self.check_mode(false, "initialize")?;
        if self.initialized {
            return Ok(());
        }
        let init = self.begin(INITIALIZE)?;
        enter(&mut self.store, &init, ()).map_err(|e| self.fault(INITIALIZE, e))?;
        self.initialized = true;
        Ok(())
    }

    /// [`initialize`](Self::initialize) for an async instance.
    pub async fn initialize_async(&mut self) -> Result<(), Error>
    where
        S: Send,
    {
        if self.initialized {
            return self.check_mode(true, "initialize_async");
        }
        traced_async!(
            self,
            INITIALIZE,
            trace::outcome,
            self.initialize_async_untraced()
        )
    }

    async fn initialize_async_untraced(&mut self) -> Result<(), Error>
    where
        S: Send,
    {
        self.check_mode(true, "initialize_async")?;
        if self.initialized {
            return Ok(());
        }
        let init = self.begin(INITIALIZE)?;
        match enter_async(&mut self.store, &mut self.in_flight, &init, ()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(self.fault(INITIALIZE, e)),
            Err(stopped) => return Err(self.stopped(INITIALIZE, stopped)),
        }
        self.initialized = true;
        Ok(())
    }

    /// Calls the export `name` with wasm values.
    ///
    /// The call gets the instance's whole fuel budget and deadline (see
    /// [`Limits`](crate::Limits)).
    ///
    /// ```no_run
    /// # fn f(instance: &mut gohost::Instance<()>) -> Result<(), gohost::Error> {
    /// instance.initialize()?;
    /// let sum: i32 = instance.call("add", (2i32, 3i32))?;
    /// # Ok(()) }
    /// ```
    pub fn call<P: WasmParams, R: WasmResults>(
        &mut self,
        name: &str,
        params: P,
    ) -> Result<R, Error> {
        self.traced(name, trace::outcome, |this| {
            this.call_untraced(name, params)
        })
    }

    fn call_untraced<P: WasmParams, R: WasmResults>(
        &mut self,
        name: &str,
        params: P,
    ) -> Result<R, Error> {
        self.check_mode(false, "call")?;
        self.check_started(name)?;
        self.arm_deadline();
        self.call_armed(name, params)
    }

    /// [`call`](Self::call) for an instance made with
    /// [`Linker::instantiate_async`](super::Linker::instantiate_async).
    ///
    /// The guest's call awaits its async host functions, and yields to the
    /// executor while it computes (between fuel slices of about a million
    /// instructions on wasmi, every 2 ms epoch tick on wasmtime) and while
    /// it sleeps. Its deadline counts the time spent awaiting.
    ///
    /// Dropping the future before it completes cancels the call: the guest
    /// is left half-run, so the instance is poisoned and refuses further
    /// calls ([`Pool`](crate::Pool)s replace it).
    ///
    /// ```no_run
    /// # async fn f(instance: &mut gohost::Instance<()>) -> Result<(), gohost::Error> {
    /// instance.initialize_async().await?;
    /// let sum: i32 = instance.call_async("add", (2i32, 3i32)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn call_async<P: WasmParams + Sync, R: WasmResults + Sync>(
        &mut self,
        name: &str,
        params: P,
    ) -> Result<R, Error>
    where
        S: Send,
    {
        traced_async!(
            self,
            name,
            trace::outcome,
            self.call_async_untraced(name, params)
        )
    }

    async fn call_async_untraced<P: WasmParams + Sync, R: WasmResults + Sync>(
        &mut self,
        name: &str,
        params: P,
    ) -> Result<R, Error>
    where
        S: Send,
    {
        self.check_mode(true, "call_async")?;
        self.check_started(name)?;
        self.arm_deadline();
        self.call_armed_async(name, params).await
    }

    /// [`call_async`](Self::call_async) within the deadline armed by the
    /// top-level call in progress, with a full fuel budget.
    async fn call_armed_async<P: WasmParams + Sync, R: WasmResults + Sync>(
        &mut self,
        name: &str,
        params: P,
    ) -> Result<R, Error>
    where
        S: Send,
    {
        self.check_poisoned()?;
        self.refuel()?;
        let f = self.exports.typed(&self.inner, &mut self.store, name)?;
        match enter_async(&mut self.store, &mut self.in_flight, f, params).await {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(e)) => Err(self.fault(name, e)),
            Err(stopped) => Err(self.stopped(name, stopped)),
        }
    }

    /// The error of a call stopped while it awaited; poisons the instance.
    fn stopped(&mut self, func: &str, why: Stopped) -> Error {
        let deadline = &mut self.store.data_mut().deadline;
        deadline.stop(why == Stopped::Cancelled);
        let err = deadline.error(func).unwrap_or_else(|| Error::Cancelled {
            func: func.to_owned(),
        });
        self.poison(err)
    }

    /// A handle that stops this instance's running call from another
    /// thread or task (see [`CancelHandle`]). Needs an engine built with
    /// [`Config::interruptible`](crate::Config::interruptible); once an
    /// instance has a handle, every call checks it (at the cost of a
    /// deadline: see [`Limits::deadline`](crate::Limits::deadline)).
    pub fn cancel_handle(&mut self) -> Result<CancelHandle, Error> {
        if !self.interruptible {
            return Err(Error::Config(
                "a cancel handle needs an engine built with Config::interruptible(true)".into(),
            ));
        }
        Ok(CancelHandle::new(
            self.store.data_mut().deadline.cancel_state(),
        ))
    }

    /// Refuses a sync method on an async instance and the other way round.
    fn check_mode(&self, asynchronous: bool, method: &str) -> Result<(), Error> {
        match (self.store.data().asynchronous, asynchronous) {
            (true, false) => Err(Error::Config(format!(
                "{method}() on an instance made with instantiate_async: use {method}_async()"
            ))),
            (false, true) => Err(Error::Config(format!(
                "{method}() on an instance made with instantiate: instantiate it with \
                 instantiate_async to call it asynchronously"
            ))),
            (true, true) => crate::engine::async_call::require_tokio(),
            (false, false) => Ok(()),
        }
    }

    /// Calls `name` within the deadline armed by the top-level call in
    /// progress, with a full fuel budget.
    fn call_armed<P: WasmParams, R: WasmResults>(
        &mut self,
        name: &str,
        params: P,
    ) -> Result<R, Error> {
        self.check_poisoned()?;
        self.refuel()?;
        // By reference: a typed function holds its type, which wasmtime
        // counts references to (clone and drop take a lock).
        let f = self.exports.typed(&self.inner, &mut self.store, name)?;
        enter(&mut self.store, f, params).map_err(|e| self.fault(name, e))
    }

    fn check_started(&self, name: &str) -> Result<(), Error> {
        if self.reactor && !self.initialized {
            // Go traps with a cryptic message otherwise.
            return Err(Error::Config(format!(
                "call initialize() before calling `{name}`: the module is a reactor and its runtime has not started"
            )));
        }
        Ok(())
    }

    /// Calls an export that takes encoded arguments and returns a reply
    /// (`docs/abi.md`, "Exports"): `(status, payload)`, copied out.
    ///
    /// One deadline covers both wasm calls (the argument buffer's allocation
    /// and the export); each gets a full fuel budget, as separate calls do.
    pub(crate) fn call_encoded(&mut self, name: &str, args: &[u8]) -> Result<(u8, Vec<u8>), Error> {
        self.traced(name, trace::encoded_outcome, |this| {
            this.call_encoded_untraced(name, args)
        })
    }

    fn call_encoded_untraced(&mut self, name: &str, args: &[u8]) -> Result<(u8, Vec<u8>), Error> {
        self.check_mode(false, "call")?;
        let len = encoded_len(name, args)?;
        self.check_started(name)?;
        self.arm_deadline();
        let ptr: i32 = self.call_armed(ALLOC, (len,))?;
        self.write_args(ptr, args)?;
        let packed: i64 = self.call_armed(name, (ptr, len))?;
        self.reply(name, packed)
    }

    /// [`call_encoded`](Self::call_encoded) for async instances.
    pub(crate) async fn call_encoded_async(
        &mut self,
        name: &str,
        args: &[u8],
    ) -> Result<(u8, Vec<u8>), Error>
    where
        S: Send,
    {
        traced_async!(
            self,
            name,
            trace::encoded_outcome,
            self.call_encoded_async_untraced(name, args)
        )
    }

    async fn call_encoded_async_untraced(
        &mut self,
        name: &str,
        args: &[u8],
    ) -> Result<(u8, Vec<u8>), Error>
    where
        S: Send,
    {
        self.check_mode(true, "call")?;
        let len = encoded_len(name, args)?;
        self.check_started(name)?;
        self.arm_deadline();
        let ptr: i32 = self.call_armed_async(ALLOC, (len,)).await?;
        self.write_args(ptr, args)?;
        let packed: i64 = self.call_armed_async(name, (ptr, len)).await?;
        self.reply(name, packed)
    }

    /// Copies encoded arguments into the buffer the guest allocated.
    fn write_args(&mut self, ptr: i32, args: &[u8]) -> Result<(), Error> {
        let memory = self.memory()?;
        memory
            .write(&mut self.store, ptr as u32 as usize, args)
            .map_err(|e| {
                self.bad_reply(
                    ALLOC,
                    &format!("its buffer at {:#x} is not writable: {e}", ptr as u32),
                )
            })
    }

    /// The `(status, payload)` of an encoded export's reply, copied out.
    fn reply(&mut self, name: &str, packed: i64) -> Result<(u8, Vec<u8>), Error> {
        let memory = self.memory()?;
        let (ptr, len) = (
            (packed as u64 >> 32) as usize,
            (packed as u64 & 0xffff_ffff) as usize,
        );
        let data = memory.data(&self.store);
        let reply = ptr
            .checked_add(len)
            .and_then(|end| data.get(ptr..end))
            .ok_or_else(|| {
                format!(
                    "reply at {ptr:#x} with length {len} is outside guest memory of {} bytes",
                    data.len()
                )
            });
        match reply {
            Ok([status, payload @ ..]) => {
                if *status == PANICKED {
                    // Go recovered, but the plugin's state is whatever the
                    // panic left: don't trust this instance again.
                    self.poisoned = Some(format!("the guest panicked in `{name}`"));
                }
                Ok((*status, payload.to_vec()))
            }
            Ok([]) => Err(self.bad_reply(name, "the reply is empty")),
            Err(msg) => Err(self.bad_reply(name, &msg)),
        }
    }

    /// Marks the instance poisoned because a reply did not decode.
    pub(crate) fn bad_reply(&mut self, func: &str, message: &str) -> Error {
        let err = Error::BadReply {
            func: func.to_owned(),
            message: message.to_owned(),
        };
        self.poisoned = Some(err.to_string());
        err
    }

    /// Marks the instance poisoned with `err`'s description, returning it.
    pub(crate) fn poison(&mut self, err: Error) -> Error {
        self.poisoned = Some(err.to_string());
        err
    }

    /// Whether the instance can still be called; `Some(reason)` if not.
    pub fn poisoned(&self) -> Option<&str> {
        if self.in_flight {
            return Some(DROPPED);
        }
        if self.poisoned.is_none() && self.store.data().deadline.cancel_requested() {
            // Cancelled after its last call ended: unusable all the same,
            // so that a pool does not hand it to the next caller.
            return Some(CANCELLED);
        }
        self.poisoned.as_deref()
    }

    /// The embedder's state.
    pub fn state(&self) -> &S {
        &self.store.data().user
    }

    /// The embedder's state, mutably.
    pub fn state_mut(&mut self) -> &mut S {
        &mut self.store.data_mut().user
    }

    /// Ends the instance and gives back the embedder's state.
    pub fn into_state(self) -> S {
        self.store.into_data().user
    }

    /// How many host-object handles the guest holds open.
    pub fn open_handles(&self) -> usize {
        self.store.data().abi.handles.len()
    }

    /// The size of the guest's linear memory in bytes.
    pub fn memory_size(&self) -> usize {
        self.store
            .data()
            .memory
            .map_or(0, |m| m.data(&self.store).len())
    }

    fn memory(&mut self) -> Result<rt::Memory, Error> {
        self.store
            .data()
            .memory
            .ok_or_else(|| Error::MissingExport {
                name: "memory".into(),
                expected: "a memory".into(),
            })
    }

    fn check_poisoned(&self) -> Result<(), Error> {
        match self.poisoned() {
            Some(why) => Err(Error::Poisoned {
                reason: why.to_owned(),
            }),
            None => Ok(()),
        }
    }

    // A typed function is `Copy` on wasmi, only `Clone` on wasmtime.
    #[allow(clippy::clone_on_copy)]
    fn typed<P: rt::WasmParams + 'static, R: rt::WasmResults + 'static>(
        &mut self,
        name: &str,
    ) -> Result<rt::TypedFunc<P, R>, Error> {
        self.check_poisoned()?;
        Ok(self
            .exports
            .typed(&self.inner, &mut self.store, name)?
            .clone())
    }

    /// Starts the clock of a top-level call: it (with every call a host
    /// function makes back into the guest) may run until the deadline.
    fn arm_deadline(&mut self) {
        let limit = self.store.data().limits.deadline;
        self.store.data_mut().deadline.arm(limit);
        rt::arm_deadline(&mut self.store);
    }

    /// Gives the next call its full fuel budget (unlimited when the engine
    /// meters fuel but this instance has no limit).
    fn refuel(&mut self) -> Result<(), Error> {
        if self.metered {
            let fuel = self.store.data().limits.fuel_per_call.unwrap_or(u64::MAX);
            if let Some(count) = &mut self.fuel_count {
                count.tally(rt::fuel_left(&self.store), fuel);
            }
            rt::set_call_fuel(&mut self.store, fuel).map_err(|e| Error::Engine(e.to_string()))?;
        }
        Ok(())
    }

    /// Classifies an engine error from a call and poisons the instance.
    fn fault(&mut self, func: &str, e: rt::Error) -> Error {
        let data = self.store.data();
        let err = if let Some(requested_bytes) = data.limiter.denied {
            Error::MemoryLimit {
                limit_bytes: data.limiter.max_bytes,
                requested_bytes,
            }
        } else if let Some(code) = rt::exit_status(&e) {
            Error::Exited { code }
        } else if let Some(err) = data.deadline.error(func) {
            err
        } else if rt::out_of_fuel(&e) {
            Error::FuelExhausted {
                func: func.to_owned(),
                limit: data.limits.fuel_per_call.unwrap_or(0),
            }
        } else {
            super::call_error(e)
        };
        self.poison(err)
    }
}

/// Calls `f` from an async method: until it ends, or its deadline or
/// cancellation stops it while it awaits (see `until_stopped`).
/// `in_flight` stays set if the future is dropped before the call ends.
async fn enter_async<S: Send + 'static, P, R>(
    store: &mut rt::Store<StoreData<S>>,
    in_flight: &mut bool,
    f: &rt::TypedFunc<P, R>,
    params: P,
) -> Result<Result<R, rt::Error>, Stopped>
where
    P: rt::WasmParams + Sync,
    R: rt::WasmResults + Sync,
{
    let ends_at = store.data().deadline.ends_at();
    let cancel = store.data().deadline.cancel();
    *in_flight = true;
    let result = until_stopped(rt::call_async(store, f, params), ends_at, cancel).await;
    *in_flight = false;
    result
}

/// The length of encoded arguments, as the guest's allocator takes it.
fn encoded_len(name: &str, args: &[u8]) -> Result<i32, Error> {
    i32::try_from(args.len())
        .map_err(|_| Error::Config(format!("arguments of `{name}` exceed 2 GiB")))
}

/// Calls `f` from the host, on a native stack with room for all the guest
/// may use (see `native_stack`). Calls a host function makes back into the
/// guest are nested in this one and use `rt::call` directly.
#[inline]
fn enter<S, P, R>(
    store: &mut rt::Store<StoreData<S>>,
    f: &rt::TypedFunc<P, R>,
    params: P,
) -> Result<R, rt::Error>
where
    P: rt::WasmParams,
    R: rt::WasmResults,
{
    let needed = store.data().entry_stack;
    if native_stack::has_room(needed) {
        return rt::call(store, f, params);
    }
    native_stack::on_spare_stack(needed, || rt::call(store, f, params))
        .unwrap_or_else(|e| Err(rt::error(e.to_string())))
}

/// The exports called so far, resolved by name once, each with the typed
/// function last made from it, so that calling it again checks its
/// signature no more than its name.
#[derive(Default)]
struct Exports {
    index: HashMap<Box<str>, usize, BuildHasherDefault<Fnv1a>>,
    exports: Vec<Export>,
}

struct Export {
    func: rt::Func,
    typed: Option<Box<dyn Any + Send + Sync>>,
}

impl Exports {
    /// The export `name` as a function taking `P` and returning `R`.
    fn typed<S, P: rt::WasmParams + 'static, R: rt::WasmResults + 'static>(
        &mut self,
        instance: &rt::Instance,
        store: &mut rt::Store<StoreData<S>>,
        name: &str,
    ) -> Result<&rt::TypedFunc<P, R>, Error> {
        let i = match self.index.get(name) {
            Some(&i) => i,
            None => {
                let func =
                    instance
                        .get_func(&mut *store, name)
                        .ok_or_else(|| Error::MissingExport {
                            name: name.to_owned(),
                            expected: "a function".into(),
                        })?;
                self.exports.push(Export { func, typed: None });
                self.index.insert(name.into(), self.exports.len() - 1);
                self.exports.len() - 1
            }
        };
        let export = &mut self.exports[i];
        let cached = export
            .typed
            .as_ref()
            .is_some_and(|t| t.is::<rt::TypedFunc<P, R>>());
        if !cached {
            // The first call of this export, or with other types.
            let func = export.func;
            let typed = func.typed::<P, R>(&*store).map_err(|_| Error::ExportType {
                name: name.to_owned(),
                found: super::signature(&func.ty(&*store)).to_string(),
            })?;
            export.typed = Some(Box::new(typed));
        }
        Ok(export
            .typed
            .as_ref()
            .and_then(|t| t.downcast_ref())
            .expect("the typed function was just checked or stored"))
    }
}

/// FNV-1a, for the export table: its keys are short names the host asks
/// for (not chosen by the guest), so a fast hash does better than SipHash,
/// whose resistance to crafted keys is not needed.
struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv1a {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
