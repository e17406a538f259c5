//! The instance, shared by both engine adapters: each compiles this file
//! against its own `rt` (the engine's types and the few calls that differ).

use std::any::Any;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use tracing::Span;

use super::func::{WasmParams, WasmResults};
use super::{rt, StoreData};
use crate::abi::{ReplyError, Writer, Written};
use crate::engine::any_box::AnyBox;
use crate::engine::async_call::{until_stopped, Stopped};
use crate::engine::native_stack;
use crate::engine::trace::{self, FuelCount};
use crate::engine::ExportId;
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
    /// The guest's buffer for encoded export arguments, from the last
    /// `__gohost_alloc` (address, size), reused while arguments fit.
    args_buf: Option<(i32, i32)>,
    /// Where export arguments are encoded, reused from call to call.
    args: Vec<u8>,
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
            args_buf: None,
            args: Vec::new(),
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
    /// of its calls carry it (field `instance`; see
    /// `docs/observability.md`).
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
    /// executor while it computes (about every 2 ms: at each epoch tick on
    /// wasmtime, at the end of a fuel slice on wasmi; also in a task that
    /// makes many short calls in a row) and while it sleeps. Its deadline
    /// counts the time spent awaiting.
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
            (true, true) => crate::engine::async_call::require_runtime(),
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

    /// Calls the export `id` with wasm values: [`call`](Self::call) for
    /// the generated clients, which find the export by index, not by name.
    pub(crate) fn call_id<P: WasmParams, R: WasmResults>(
        &mut self,
        id: &ExportId,
        params: P,
    ) -> Result<R, Error> {
        self.traced(id.name(), trace::outcome, |this| {
            this.call_id_untraced(id, params)
        })
    }

    fn call_id_untraced<P: WasmParams, R: WasmResults>(
        &mut self,
        id: &ExportId,
        params: P,
    ) -> Result<R, Error> {
        self.check_mode(false, "call")?;
        self.check_started(id.name())?;
        self.arm_deadline();
        self.call_armed_id(id, params)
    }

    /// [`call_id`](Self::call_id) for async instances.
    pub(crate) async fn call_id_async<P: WasmParams + Sync, R: WasmResults + Sync>(
        &mut self,
        id: &ExportId,
        params: P,
    ) -> Result<R, Error>
    where
        S: Send,
    {
        traced_async!(
            self,
            id.name(),
            trace::outcome,
            self.call_id_async_untraced(id, params)
        )
    }

    async fn call_id_async_untraced<P: WasmParams + Sync, R: WasmResults + Sync>(
        &mut self,
        id: &ExportId,
        params: P,
    ) -> Result<R, Error>
    where
        S: Send,
    {
        self.check_mode(true, "call_async")?;
        self.check_started(id.name())?;
        self.arm_deadline();
        self.check_poisoned()?;
        self.refuel()?;
        let f = self.exports.typed_id(&self.inner, &mut self.store, id)?;
        match enter_async(&mut self.store, &mut self.in_flight, f, params).await {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(e)) => Err(self.fault(id.name(), e)),
            Err(stopped) => Err(self.stopped(id.name(), stopped)),
        }
    }

    /// [`call_armed`](Self::call_armed) of the export `id`.
    #[inline]
    fn call_armed_id<P: WasmParams, R: WasmResults>(
        &mut self,
        id: &ExportId,
        params: P,
    ) -> Result<R, Error> {
        self.check_poisoned()?;
        self.refuel()?;
        let f = self.exports.typed_id(&self.inner, &mut self.store, id)?;
        enter(&mut self.store, f, params).map_err(|e| self.fault(id.name(), e))
    }

    /// [`call_armed_id`](Self::call_armed_id) for async instances.
    async fn call_armed_id_async<P: WasmParams + Sync, R: WasmResults + Sync>(
        &mut self,
        id: &ExportId,
        params: P,
    ) -> Result<R, Error>
    where
        S: Send,
    {
        self.check_poisoned()?;
        self.refuel()?;
        let f = self.exports.typed_id(&self.inner, &mut self.store, id)?;
        match enter_async(&mut self.store, &mut self.in_flight, f, params).await {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(e)) => Err(self.fault(id.name(), e)),
            Err(stopped) => Err(self.stopped(id.name(), stopped)),
        }
    }

    /// Calls an export that takes encoded arguments and returns a reply
    /// (`docs/abi.md`, "Exports"): `(status, payload)`, copied out.
    ///
    /// One deadline covers both wasm calls (the argument buffer's allocation,
    /// when the last one is too small, and the export); each gets a full
    /// fuel budget, as separate calls do.
    pub(crate) fn call_encoded(&mut self, name: &str, args: &[u8]) -> Result<(u8, Vec<u8>), Error> {
        self.traced(name, trace::encoded_outcome, |this| {
            this.call_encoded_untraced(name, args)
        })
    }

    fn call_encoded_untraced(&mut self, name: &str, args: &[u8]) -> Result<(u8, Vec<u8>), Error> {
        self.check_mode(false, "call")?;
        self.check_started(name)?;
        self.arm_deadline();
        let (ptr, len) = self.place_args(name, args)?;
        let packed: i64 = self.call_armed(name, (ptr, len))?;
        self.decode_reply(name, packed, |status, payload| {
            Ok((status, payload.to_vec()))
        })
    }

    /// Calls the export `id`, which takes encoded arguments and returns a
    /// reply (`docs/abi.md`, "Exports"): `encode` writes the arguments,
    /// `decode` reads the reply where the guest left it, in its memory.
    ///
    /// The arguments are encoded straight into the guest's argument buffer
    /// from the last call; only when they outgrow it are they finished in
    /// a buffer the instance keeps and copied into a new one (a call of
    /// `__gohost_alloc`). One deadline covers both wasm calls; each gets a
    /// full fuel budget, as separate calls do.
    pub(crate) fn call_export<T>(
        &mut self,
        id: &ExportId,
        encode: impl FnOnce(&mut Writer<'_>),
        decode: impl FnOnce(u8, &[u8]) -> Result<T, ReplyError>,
    ) -> Result<T, Error> {
        if !trace::may_be_enabled(tracing::Level::DEBUG) {
            return self.call_export_untraced(id, encode, decode);
        }
        self.call_export_traced(id, encode, decode)
    }

    /// [`call_export`](Self::call_export) in its span, whose outcome
    /// comes from the reply's status: out of line.
    #[inline(never)]
    fn call_export_traced<T>(
        &mut self,
        id: &ExportId,
        encode: impl FnOnce(&mut Writer<'_>),
        decode: impl FnOnce(u8, &[u8]) -> Result<T, ReplyError>,
    ) -> Result<T, Error> {
        let span = self.trace_start(id.name());
        if span.is_disabled() {
            return self.call_export_untraced(id, encode, decode);
        }
        let mut status = 0;
        let result = span.in_scope(|| {
            self.call_export_untraced(id, encode, |st, payload| {
                status = st;
                decode(st, payload)
            })
        });
        self.trace_end(&span, trace::reply_outcome(&result, status));
        result
    }

    fn call_export_untraced<T>(
        &mut self,
        id: &ExportId,
        encode: impl FnOnce(&mut Writer<'_>),
        decode: impl FnOnce(u8, &[u8]) -> Result<T, ReplyError>,
    ) -> Result<T, Error> {
        self.check_mode(false, "call")?;
        self.check_started(id.name())?;
        self.arm_deadline();
        let (ptr, len) = match self.encode_args(encode)? {
            Args::InPlace { ptr, len } => (ptr, len),
            Args::Owned(args) => {
                let placed = self.place_args(id.name(), &args);
                self.args = args;
                placed?
            }
        };
        let packed = self.call_armed_id(id, (ptr, len))?;
        self.decode_reply(id.name(), packed, decode)
    }

    /// Writes encoded arguments to a guest buffer that holds them: the one
    /// from the last call, or a new one (a call of `__gohost_alloc`).
    /// Their address and length.
    fn place_args(&mut self, name: &str, args: &[u8]) -> Result<(i32, i32), Error> {
        let len = encoded_len(name, args)?;
        let ptr = match self.args_buffer(len) {
            Some(ptr) => ptr,
            None => {
                let class = args_class(len);
                let ptr = self.call_armed(ALLOC, (class,))?;
                self.keep_args_buffer(ptr, class)
            }
        };
        self.write_args(ptr, args)?;
        Ok((ptr, len))
    }

    /// [`call_export`](Self::call_export) for async instances.
    pub(crate) async fn call_export_async<T>(
        &mut self,
        id: &ExportId,
        encode: impl FnOnce(&mut Writer<'_>),
        decode: impl FnOnce(u8, &[u8]) -> Result<T, ReplyError>,
    ) -> Result<T, Error>
    where
        S: Send,
    {
        if !trace::may_be_enabled(tracing::Level::DEBUG) {
            return self.call_export_async_untraced(id, encode, decode).await;
        }
        let span = self.trace_start(id.name());
        if span.is_disabled() {
            return self.call_export_async_untraced(id, encode, decode).await;
        }
        let mut status = 0;
        let call = self.call_export_async_untraced(id, encode, |st, payload| {
            status = st;
            decode(st, payload)
        });
        let result = tracing::Instrument::instrument(call, span.clone()).await;
        self.trace_end(&span, trace::reply_outcome(&result, status));
        result
    }

    async fn call_export_async_untraced<T>(
        &mut self,
        id: &ExportId,
        encode: impl FnOnce(&mut Writer<'_>),
        decode: impl FnOnce(u8, &[u8]) -> Result<T, ReplyError>,
    ) -> Result<T, Error>
    where
        S: Send,
    {
        self.check_mode(true, "call")?;
        self.check_started(id.name())?;
        self.arm_deadline();
        let (ptr, len) = match self.encode_args(encode)? {
            Args::InPlace { ptr, len } => (ptr, len),
            Args::Owned(args) => {
                let placed = self.place_args_async(id.name(), &args).await;
                self.args = args;
                placed?
            }
        };
        let packed = self.call_armed_id_async(id, (ptr, len)).await?;
        self.decode_reply(id.name(), packed, decode)
    }

    /// [`place_args`](Self::place_args) for async instances.
    async fn place_args_async(&mut self, name: &str, args: &[u8]) -> Result<(i32, i32), Error>
    where
        S: Send,
    {
        let len = encoded_len(name, args)?;
        let ptr = match self.args_buffer(len) {
            Some(ptr) => ptr,
            None => {
                let class = args_class(len);
                let ptr = self.call_armed_async(ALLOC, (class,)).await?;
                self.keep_args_buffer(ptr, class)
            }
        };
        self.write_args(ptr, args)?;
        Ok((ptr, len))
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
        self.check_started(name)?;
        self.arm_deadline();
        let (ptr, len) = self.place_args_async(name, args).await?;
        let packed: i64 = self.call_armed_async(name, (ptr, len)).await?;
        self.decode_reply(name, packed, |status, payload| {
            Ok((status, payload.to_vec()))
        })
    }

    /// Encodes an export's arguments with `encode`: straight into the
    /// guest's argument buffer from the last call while they fit there
    /// (nothing to copy afterwards), else into the instance's own buffer.
    fn encode_args(&mut self, encode: impl FnOnce(&mut Writer<'_>)) -> Result<Args, Error> {
        // A buffer the guest would release for small arguments (see
        // `args_buffer`) is not written to.
        let Some((ptr, cap)) = self.args_buf.filter(|&(_, cap)| cap <= ARGS_KEEP) else {
            let mut w = Writer::reuse(std::mem::take(&mut self.args));
            encode(&mut w);
            return Ok(Args::Owned(w.into_bytes()));
        };
        let memory = self.memory()?;
        let spare = std::mem::take(&mut self.args);
        let start = ptr as u32 as usize;
        // Out of bounds only if the guest's allocator returned a bad
        // address; `write_args` then reports it.
        let guest = memory
            .data_mut(&mut self.store)
            .get_mut(start..start + cap as usize)
            .unwrap_or_default();
        let mut w = Writer::in_place(guest, spare);
        encode(&mut w);
        Ok(match w.finish() {
            Written::InPlace { len, spare } => {
                self.args = spare;
                // At most `cap`, an i32.
                Args::InPlace {
                    ptr,
                    len: len as i32,
                }
            }
            Written::Owned(args) => Args::Owned(args),
        })
    }

    /// The guest's argument buffer from the last `__gohost_alloc`, if it
    /// holds `len` bytes and is not one the guest would now release (see
    /// `args_class`).
    #[inline]
    fn args_buffer(&self, len: i32) -> Option<i32> {
        let (ptr, cap) = self.args_buf?;
        let release = cap > ARGS_KEEP && len <= ARGS_KEEP;
        (len <= cap && !release).then_some(ptr)
    }

    /// Remembers the buffer a `__gohost_alloc(class)` returned.
    fn keep_args_buffer(&mut self, ptr: i32, class: i32) -> i32 {
        self.args_buf = Some((ptr, class));
        ptr
    }

    /// Copies encoded arguments into the buffer the guest allocated.
    fn write_args(&mut self, ptr: i32, args: &[u8]) -> Result<(), Error> {
        let memory = self.memory()?;
        memory
            .write(&mut self.store, ptr as u32 as usize, args)
            .map_err(|e| {
                self.args_buf = None;
                self.bad_reply(
                    ALLOC,
                    &format!("its buffer at {:#x} is not writable: {e}", ptr as u32),
                )
            })
    }

    /// Decodes an encoded export's reply (status byte, then payload) with
    /// `decode`, in the guest's memory, bounds checked.
    fn decode_reply<T>(
        &mut self,
        name: &str,
        packed: i64,
        decode: impl FnOnce(u8, &[u8]) -> Result<T, ReplyError>,
    ) -> Result<T, Error> {
        let memory = self.memory()?;
        let (ptr, len) = (
            (packed as u64 >> 32) as usize,
            (packed as u64 & 0xffff_ffff) as usize,
        );
        let data = memory.data(&self.store);
        let decoded = match ptr.checked_add(len).and_then(|end| data.get(ptr..end)) {
            Some([status, payload @ ..]) => Ok((*status, decode(*status, payload))),
            Some([]) => Err("the reply is empty".to_owned()),
            None => Err(format!(
                "reply at {ptr:#x} with length {len} is outside guest memory of {} bytes",
                data.len()
            )),
        };
        match decoded {
            Ok((status, decoded)) => {
                if status == PANICKED {
                    // Go recovered, but the plugin's state is whatever the
                    // panic left: don't trust this instance again.
                    self.poisoned = Some(format!("the guest panicked in `{name}`"));
                }
                decoded.map_err(|e| match e {
                    ReplyError::Guest(e) => e,
                    ReplyError::Malformed(e) => self.bad_reply(name, e.message()),
                })
            }
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
    #[inline]
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

    #[inline]
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
    #[inline]
    fn arm_deadline(&mut self) {
        let limit = self.store.data().limits.deadline;
        self.store.data_mut().deadline.arm(limit);
        // Only an interruptible engine checks a deadline in the engine
        // (wasmtime's epochs; async calls need such an engine too).
        if self.interruptible {
            rt::arm_deadline(&mut self.store);
        }
    }

    /// Gives the next call its full fuel budget (unlimited when the engine
    /// meters fuel but this instance has no limit).
    #[inline(always)]
    fn refuel(&mut self) -> Result<(), Error> {
        if self.metered {
            self.set_fuel()?;
        }
        Ok(())
    }

    /// [`refuel`](Self::refuel) on an engine that meters fuel.
    fn set_fuel(&mut self) -> Result<(), Error> {
        let fuel = self.store.data().limits.fuel_per_call.unwrap_or(u64::MAX);
        if let Some(count) = &mut self.fuel_count {
            count.tally(rt::fuel_left(&self.store), fuel);
        }
        rt::set_call_fuel(&mut self.store, fuel).map_err(|e| Error::Engine(e.to_string()))
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

/// The largest argument buffer the guest's allocator keeps: it replaces a
/// larger one by a new buffer at the next allocation of at most this size
/// (`maxKeep` in the Go support package's `alloc_wasip1.go`), so the host
/// asks for a new one then too.
const ARGS_KEEP: i32 = 64 << 10;

/// Where an export call's encoded arguments are.
enum Args {
    /// Already in the guest's argument buffer, at `ptr`.
    InPlace { ptr: i32, len: i32 },
    /// In the instance's buffer, to be written to the guest's.
    Owned(Vec<u8>),
}

/// The size of the argument buffer to allocate for `len` bytes: the next
/// power of two from 256 up to [`ARGS_KEEP`], so that one buffer serves
/// calls whose arguments vary in length; `len` itself above that.
fn args_class(len: i32) -> i32 {
    if len > ARGS_KEEP {
        return len;
    }
    (len.max(256) as u32).next_power_of_two() as i32
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
    /// For each [`ExportId`] index: the export's position in `exports`
    /// plus one, 0 until that id is first called on this instance.
    by_id: Vec<u32>,
}

struct Export {
    func: rt::Func,
    typed: Option<AnyBox<dyn Any + Send + Sync>>,
}

impl Exports {
    /// The export `name` as a function taking `P` and returning `R`.
    fn typed<S, P: rt::WasmParams + 'static, R: rt::WasmResults + 'static>(
        &mut self,
        instance: &rt::Instance,
        store: &mut rt::Store<StoreData<S>>,
        name: &str,
    ) -> Result<&rt::TypedFunc<P, R>, Error> {
        let i = self.position(instance, store, name)?;
        self.typed_at(store, i, name)
    }

    /// The export of `id` as a function taking `P` and returning `R`:
    /// [`typed`](Self::typed) without hashing the name, once the id has
    /// been called on this instance.
    #[inline]
    fn typed_id<S, P: rt::WasmParams + 'static, R: rt::WasmResults + 'static>(
        &mut self,
        instance: &rt::Instance,
        store: &mut rt::Store<StoreData<S>>,
        id: &ExportId,
    ) -> Result<&rt::TypedFunc<P, R>, Error> {
        let k = id.index();
        let i = match self.by_id.get(k) {
            Some(&i) if i != 0 => i as usize - 1,
            _ => self.resolve_id(instance, store, id, k)?,
        };
        self.typed_at(store, i, id.name())
    }

    /// Finds the export of `id` by name, once per instance.
    #[cold]
    #[inline(never)]
    fn resolve_id<S>(
        &mut self,
        instance: &rt::Instance,
        store: &mut rt::Store<StoreData<S>>,
        id: &ExportId,
        k: usize,
    ) -> Result<usize, Error> {
        let i = self.position(instance, store, id.name())?;
        if self.by_id.len() <= k {
            self.by_id.resize(k + 1, 0);
        }
        // Positions are below the number of exports, which fits a u32.
        self.by_id[k] = u32::try_from(i + 1).unwrap_or(0);
        Ok(i)
    }

    /// The position of the export `name` in `exports`, resolved once.
    fn position<S>(
        &mut self,
        instance: &rt::Instance,
        store: &mut rt::Store<StoreData<S>>,
        name: &str,
    ) -> Result<usize, Error> {
        if let Some(&i) = self.index.get(name) {
            return Ok(i);
        }
        let func = instance
            .get_func(&mut *store, name)
            .ok_or_else(|| Error::MissingExport {
                name: name.to_owned(),
                expected: "a function".into(),
            })?;
        self.exports.push(Export { func, typed: None });
        self.index.insert(name.into(), self.exports.len() - 1);
        Ok(self.exports.len() - 1)
    }

    /// The export at `i` as a function taking `P` and returning `R`, made
    /// (and its signature checked) once for those types.
    #[inline]
    fn typed_at<S, P: rt::WasmParams + 'static, R: rt::WasmResults + 'static>(
        &mut self,
        store: &mut rt::Store<StoreData<S>>,
        i: usize,
        name: &str,
    ) -> Result<&rt::TypedFunc<P, R>, Error> {
        let export = &mut self.exports[i];
        let cached = export
            .typed
            .as_ref()
            .is_some_and(|t| t.get::<rt::TypedFunc<P, R>>().is_some());
        if !cached {
            // The first call of this export, or with other types.
            let func = export.func;
            let typed = func.typed::<P, R>(&*store).map_err(|_| Error::ExportType {
                name: name.to_owned(),
                found: super::signature(&func.ty(&*store)).to_string(),
            })?;
            export.typed = Some(AnyBox::new_sync(typed));
        }
        Ok(export
            .typed
            .as_ref()
            .and_then(|t| t.get())
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

#[cfg(test)]
mod tests {
    use crate::__private::{call_export, reply_ok, ExportId, Writer};
    use crate::{Engine, Error, Linker, Module, WasiConfig};

    /// A guest of encoded exports (`docs/abi.md`, "Exports"): its
    /// allocator counts its calls and hands out the buffer at `$at`;
    /// `echo` replies status 0 and its arguments, `far` a reply outside
    /// its memory; `misplace` moves the next buffer to the end of memory.
    const WAT: &str = r#"
        (module
          (memory (export "memory") 1)
          (global $allocs (mut i32) (i32.const 0))
          (global $at (mut i32) (i32.const 0x100))
          (func (export "__gohost_alloc") (param i32) (result i32)
            (global.set $allocs (i32.add (global.get $allocs) (i32.const 1)))
            (global.get $at))
          (func (export "allocs") (result i32) (global.get $allocs))
          (func (export "misplace") (global.set $at (i32.const 0xfff0)))
          (func (export "echo") (param $p i32) (param $n i32) (result i64)
            (i32.store8 (i32.const 0x8000) (i32.const 0))
            (memory.copy (i32.const 0x8001) (local.get $p) (local.get $n))
            (i64.or
              (i64.shl (i64.const 0x8000) (i64.const 32))
              (i64.extend_i32_u (i32.add (local.get $n) (i32.const 1)))))
          (func (export "far") (param i32 i32) (result i64)
            (i64.or (i64.shl (i64.const 0xfffe) (i64.const 32)) (i64.const 16))))
    "#;

    static ECHO: ExportId = ExportId::new("echo");
    static FAR: ExportId = ExportId::new("far");

    fn instance() -> crate::Instance<()> {
        let engine = Engine::default();
        let module = Module::from_bytes(&engine, &wat::parse_str(WAT).expect("wat")).expect("load");
        Linker::<()>::new(&engine)
            .instantiate(&module, &WasiConfig::new(), ())
            .expect("instantiate")
    }

    fn echo(i: &mut crate::Instance<()>, text: &str) -> Result<String, Error> {
        call_export(
            i,
            &ECHO,
            |w: &mut Writer<'_>| w.bytes(text.as_bytes()),
            |s, p| reply_ok("echo", s, p),
        )
    }

    fn allocs(i: &mut crate::Instance<()>) -> i32 {
        i.call("allocs", ()).expect("allocs")
    }

    #[test]
    fn the_argument_buffer_is_allocated_only_when_the_arguments_outgrow_it() {
        let mut i = instance();
        assert_eq!(echo(&mut i, "abc").ok().as_deref(), Some("abc"));
        assert_eq!(echo(&mut i, "defgh").ok().as_deref(), Some("defgh"));
        assert_eq!(allocs(&mut i), 1, "one buffer of 256 bytes serves both");
        let long = "x".repeat(300);
        assert_eq!(echo(&mut i, &long).ok(), Some(long.clone()));
        assert_eq!(allocs(&mut i), 2, "304 bytes need a buffer of 512");
        assert_eq!(echo(&mut i, "abc").ok().as_deref(), Some("abc"));
        assert_eq!(allocs(&mut i), 2);
        // The raw form shares the buffer.
        let raw = i.call_encoded("echo", b"\x02\0\0\0hi").expect("raw");
        assert_eq!(raw, (0, b"\x02\0\0\0hi".to_vec()));
        assert_eq!(allocs(&mut i), 2);
    }

    #[test]
    fn a_reply_outside_guest_memory_is_a_bad_reply() {
        let mut i = instance();
        let err = call_export(&mut i, &FAR, |_| {}, |s, p| reply_ok::<u32>("far", s, p));
        assert!(
            matches!(&err, Err(Error::BadReply { func, message })
                if func == "far" && message.contains("outside guest memory")),
            "{err:?}"
        );
        assert!(i.poisoned().is_some());
    }

    #[test]
    fn an_argument_buffer_outside_guest_memory_is_a_bad_reply() {
        let mut i = instance();
        i.call::<(), ()>("misplace", ()).expect("misplace");
        let err = echo(&mut i, &"y".repeat(100));
        assert!(
            matches!(&err, Err(Error::BadReply { func, message })
                if func == "__gohost_alloc" && message.contains("not writable")),
            "{err:?}"
        );
        assert!(i.poisoned().is_some());
        // The host goes on: a new instance works.
        assert_eq!(echo(&mut instance(), "ok").ok().as_deref(), Some("ok"));
    }
}
