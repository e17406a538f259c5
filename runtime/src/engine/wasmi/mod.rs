//! The wasmi adapter (the default engine): everything that names `wasmi`
//! lives under this module.

#[path = "../caller.rs"]
mod caller;
mod func;
#[path = "../gen_linkers.rs"]
mod gen_linkers;
#[path = "../instance.rs"]
mod instance;
mod limiter;
#[path = "../linker.rs"]
mod linker;
mod links;
mod module;
mod store;
mod suspend;

pub use caller::Caller;
pub use func::{IntoAsyncHostFunc, IntoHostFunc, WasmParams, WasmResult, WasmResults, WasmValue};
pub use instance::Instance;
pub use linker::Linker;
pub use module::Module;
pub use store::StoreData;
pub(crate) use suspend::park_start;

use std::sync::Arc;

use super::generations::Generations;
use super::sig::{ImportKind, Signature, ValKind};
use super::Config;

/// A compilation and execution environment shared by modules and instances.
///
/// Cheap to clone; clones share the same engine.
///
/// # Memory across reloads
///
/// A host that loads modules for as long as it runs (plugins reloaded when
/// they change, one module per request) keeps using one engine, and the
/// engine frees the compiled code of the modules that are gone. What stays
/// is bounded: the code of the live modules, and at most about
/// [`Config::generation_budget`] bytes of wasm (by default 32 MiB) of
/// modules already dropped for each engine generation something still holds.
///
/// On wasmi, an engine keeps the code of every module it compiled until it
/// is itself dropped, so a gohost `Engine` is made of wasmi engines in
/// generations: modules are compiled by the current one until it has taken
/// the budget's worth of wasm, then by a fresh one. A retired generation is
/// freed when the last thing made from it is dropped: its modules, their
/// instances and pools, and the engine linkers a [`Linker`] built for it (a
/// [`Linker`] replays its registrations, WASI and every function added with
/// [`Linker::func_wrap`] or [`Linker::func_wrap_async`], into each generation
/// it instantiates a module of, and keeps the current one's). A module that
/// lives for the whole run (a plugin loaded once) keeps its generation, and
/// the up to 32 MiB of other modules compiled with it, for that long.
///
/// On wasmtime (the `jit` feature) a module's code is freed when the module
/// and its instances are dropped; one engine serves them all.
///
/// Measured with `cargo run --release -p gohost-bench --bin reload-soak`,
/// which reloads a 2.7 MB Go plugin with one engine and one linker: see
/// `docs/hot-reload.md`, "Reloading plugins: memory stays bounded".
#[derive(Debug, Clone)]
pub struct Engine {
    generations: Arc<Generations<wasmi::Engine>>,
    /// What each generation is made with.
    config: Arc<wasmi::Config>,
    /// Whether fuel limits were asked for ([`Config::consume_fuel`]).
    pub(crate) fuel: bool,
    /// Whether calls can have deadlines ([`Config::interruptible`]); the
    /// engine then meters fuel, to stop the guest between slices.
    pub(crate) interruptible: bool,
    /// The native stack a call needs free when it enters the guest.
    pub(crate) entry_stack: usize,
}

impl Engine {
    /// An engine with the given settings.
    pub fn new(config: &Config) -> Self {
        let mut c = wasmi::Config::default();
        c.consume_fuel(config.fuel || config.interruptible);
        if config.interruptible {
            // Calls with a deadline run in fuel slices, but wasmi cannot
            // pause a call whose slice runs out while it compiles a function
            // lazily (the call fails as out of fuel). So compiling costs no
            // fuel on this engine, as on wasmtime; executing costs the same.
            c.fuel_cost(wasmi::CustomFuelCosts {
                bytes_copied_per_fuel: 64, // wasmi's default
                fuel_per_bytes_translated: 0,
                fuel_per_bytes_validated: 0,
            });
        }
        // The guest's stack, sized from the bytes wasmtime would give it
        // (see `Config::max_wasm_stack`). wasmi's defaults (1,000 frames)
        // end ordinary Go recursion early.
        c.set_max_recursion_depth(config.max_wasm_stack / MIN_FRAME_BYTES);
        c.set_max_stack_height(config.max_wasm_stack.saturating_mul(VALUES_PER_FRAME_BYTE));
        c.compilation_mode(if config.eager {
            wasmi::CompilationMode::Eager
        } else {
            wasmi::CompilationMode::Lazy
        });
        Engine {
            generations: Arc::new(Generations::new(
                wasmi::Engine::new(&c),
                config.generation_budget,
            )),
            config: Arc::new(c),
            fuel: config.fuel,
            interruptible: config.interruptible,
            entry_stack: config.entry_stack(),
        }
    }

    /// The wasmi engine that compiles a module of `bytes` bytes of wasm
    /// (see [`Generations::for_module`]).
    pub(crate) fn for_module(&self, bytes: usize) -> wasmi::Engine {
        self.generations
            .for_module(bytes, || wasmi::Engine::new(&self.config))
    }

    /// The current generation's wasmi engine.
    pub(crate) fn current(&self) -> wasmi::Engine {
        self.generations.current()
    }

    /// Whether `engine` is the current generation.
    pub(crate) fn is_current(&self, engine: &wasmi::Engine) -> bool {
        wasmi::Engine::same(&self.current(), engine)
    }

    /// How many engine generations this engine has made (1 at first; see
    /// "Memory across reloads" above). Always 1 on wasmtime.
    #[doc(hidden)]
    pub fn generations(&self) -> u64 {
        self.generations.made()
    }
}

/// The smallest frame wasmtime makes for a call on x86-64 and aarch64 (a
/// return address and a frame pointer): no depth that fits in wasmtime's
/// stack has more frames than its bytes over this.
const MIN_FRAME_BYTES: usize = 16;

/// wasmi's value stack in bytes for each byte of wasmtime's stack. Go's
/// frames take less of wasmi's value stack than of wasmtime's native
/// stack: with the same number of bytes, a plain recursive Go function and
/// a recursive tree walk went twice as deep on wasmi (measured with
/// `tests/guests/deep`; see `Config::max_wasm_stack`). 4 leaves room for
/// functions that keep more values live than those.
const VALUES_PER_FRAME_BYTE: usize = 4;

impl Default for Engine {
    fn default() -> Self {
        Engine::new(&Config::default())
    }
}

/// Turns an engine error from a call into gohost's error, keeping the
/// engine's message (trap code or host message).
pub(crate) fn call_error(e: wasmi::Error) -> crate::Error {
    crate::Error::Trap {
        message: e.to_string(),
    }
}

pub(crate) fn val_kind(t: wasmi::ValType) -> ValKind {
    match t {
        wasmi::ValType::I32 => ValKind::I32,
        wasmi::ValType::I64 => ValKind::I64,
        wasmi::ValType::F32 => ValKind::F32,
        wasmi::ValType::F64 => ValKind::F64,
        wasmi::ValType::V128 => ValKind::V128,
        wasmi::ValType::FuncRef => ValKind::FuncRef,
        wasmi::ValType::ExternRef => ValKind::ExternRef,
    }
}

pub(crate) fn signature(ty: &wasmi::FuncType) -> Signature {
    Signature {
        params: ty.params().iter().copied().map(val_kind).collect(),
        results: ty.results().iter().copied().map(val_kind).collect(),
    }
}

pub(crate) fn import_kind(ty: &wasmi::ExternType) -> ImportKind {
    match ty {
        wasmi::ExternType::Func(f) => ImportKind::Func(signature(f)),
        wasmi::ExternType::Memory(_) => ImportKind::Memory,
        wasmi::ExternType::Table(_) => ImportKind::Table,
        wasmi::ExternType::Global(_) => ImportKind::Global,
    }
}

/// The engine's types, and the calls that differ between engines, for the
/// code both adapters share (`../instance.rs`, `../caller.rs`).
mod rt {
    pub(crate) use wasmi::{
        Caller, Error, Extern, Func, Instance, Linker, Memory, Store, TypedFunc, WasmParams,
        WasmResults,
    };

    use std::cell::Cell;
    use std::time::Instant;

    use super::suspend::Suspend;
    use super::StoreData;
    use crate::engine::{native_stack, TICK};
    use wasmi::{AsContextMut, TypedResumableCall};

    /// A linker with WASI preview 1.
    pub(crate) fn wasi_linker<S: Send + 'static>(engine: &wasmi::Engine) -> Linker<StoreData<S>> {
        let mut linker = Linker::new(engine);
        // Registering the fixed WASI function set on a fresh linker cannot
        // collide with anything.
        wasmi_wasi::add_to_linker(&mut linker, |d: &mut StoreData<S>| &mut d.wasi)
            .expect("gohost: WASI preview 1 must register on an empty linker");
        linker
    }

    /// The linker of async instances: `sync`'s functions, with the WASI
    /// functions that block (`poll_oneoff`, which Go calls to sleep, and
    /// `fd_read` of an inherited standard input) made async. wasmi's WASI
    /// is synchronous; see `wasi::poll` and `wasi::stdin`.
    pub(crate) fn async_linker<S: Send + 'static>(
        sync: &Linker<StoreData<S>>,
    ) -> Result<Linker<StoreData<S>>, Error> {
        let mut linker = sync.clone();
        linker.allow_shadowing(true);
        // Defined over wasi-common's, which the linker allows.
        for define in [
            wasi_define("poll_oneoff", crate::wasi::poll::poll_oneoff::<S>),
            wasi_define("fd_read", crate::wasi::stdin::fd_read::<S>),
        ] {
            define(&mut linker)?;
        }
        Ok(linker)
    }

    /// WASI preview 1's function `name` as `f`.
    fn wasi_define<S, P, R>(
        name: &str,
        f: impl crate::engine::IntoAsyncHostFunc<S, P, R>,
    ) -> crate::engine::wasmi::func::Define<S> {
        f.into_define::<false>("wasi_snapshot_preview1", name).0
    }

    /// A store for a new instance of `module`, with its memory limiter; on
    /// the module's engine generation.
    pub(crate) fn new_store<S>(
        engine: &super::Engine,
        module: &wasmi::Module,
        mut data: StoreData<S>,
    ) -> Result<Store<StoreData<S>>, crate::Error> {
        data.entry_stack = engine.entry_stack;
        let mut store = Store::new(module.engine(), data);
        store.limiter(|d| &mut d.limiter);
        Ok(store)
    }

    /// Instantiates `module` (running its start function, if any) and
    /// finds its memory export.
    pub(crate) fn instantiate<S>(
        linker: &Linker<StoreData<S>>,
        store: &mut Store<StoreData<S>>,
        module: &wasmi::Module,
    ) -> Result<(Instance, Option<Memory>), Error> {
        let instance = linker.instantiate_and_start(&mut *store, module)?;
        let memory = instance.get_memory(&*store, "memory");
        Ok((instance, memory))
    }

    /// Instantiates `module` for async calls. A start function, if any,
    /// runs synchronously (Go modules have none), on a native stack with
    /// room for it, as in a sync instantiation.
    pub(crate) async fn instantiate_async<S>(
        linker: &Linker<StoreData<S>>,
        store: &mut Store<StoreData<S>>,
        module: &wasmi::Module,
    ) -> Result<(Instance, Option<Memory>), Error> {
        let needed = store.data().entry_stack;
        native_stack::with_stack(needed, || instantiate(linker, store, module))
            .unwrap_or_else(|e| Err(Error::new(e.to_string())))
    }

    /// The fuel a call runs on between two looks at the clock (with a
    /// deadline, and in async calls, which may yield there: `yield_due`):
    /// about a millisecond in a small Go loop, and as little as 10 µs in a
    /// loop of a large Go function, which wasmi charges for most of the
    /// function each round (see `Limits::fuel_per_call`).
    pub(crate) const SLICE: u64 = 1_000_000;

    /// Nothing to do on wasmi: the deadline is read between fuel slices.
    pub(crate) fn arm_deadline<S>(_store: &mut Store<StoreData<S>>) {}

    /// Gives the next call `fuel`; with a deadline, one slice of it now and
    /// the rest in reserve for `call` to hand out. An async call gets what
    /// is left of its thread's slice (see `SLICE_LEFT`).
    pub(crate) fn set_call_fuel<S>(
        store: &mut Store<StoreData<S>>,
        fuel: u64,
    ) -> Result<(), Error> {
        let data = store.data();
        let now = if data.asynchronous {
            fuel.min(SLICE_LEFT.get())
        } else if data.deadline.armed() {
            fuel.min(SLICE)
        } else {
            fuel
        };
        store.data_mut().fuel_reserve = fuel - now;
        store.set_fuel(now)
    }

    /// The fuel the running call has left: in the engine, and in reserve
    /// for its next slices.
    pub(crate) fn fuel_left<S>(store: &Store<StoreData<S>>) -> u64 {
        store
            .get_fuel()
            .unwrap_or(0)
            .saturating_add(store.data().fuel_reserve)
    }

    /// Calls `f`. Without a deadline, plainly. With one, in slices of fuel:
    /// each time a slice runs out, the call ends if its whole budget is
    /// spent (an out-of-fuel trap, as without slices) or its deadline has
    /// passed, and continues with the next slice otherwise.
    pub(crate) fn call<S, P, R>(
        mut cx: impl AsContextMut<Data = StoreData<S>>,
        f: &TypedFunc<P, R>,
        params: P,
    ) -> Result<R, Error>
    where
        P: WasmParams,
        R: WasmResults,
    {
        let mut store = cx.as_context_mut();
        let deadline = &mut store.data_mut().deadline;
        if !deadline.armed() {
            return f.call(cx, params);
        }
        // A call re-entered from a host function that ran out the clock
        // stops here, as on wasmtime, where entering wasm checks the epoch.
        if deadline.passed() {
            return Err(deadline_error());
        }
        let mut call = f.call_resumable(&mut cx, params)?;
        loop {
            call = match call {
                TypedResumableCall::Finished(results) => return Ok(results),
                // A host function failed: the call ends with its error, as
                // a plain call would.
                TypedResumableCall::HostTrap(trap) => return Err(owned(trap.host_error())),
                TypedResumableCall::OutOfFuel(paused) => {
                    next_slice(cx.as_context_mut(), paused.required_fuel())?;
                    paused.resume(&mut cx)?
                }
            };
        }
    }

    /// Ends a call whose slice of fuel ran out if its whole budget is spent
    /// (an out-of-fuel trap, as without slices) or its deadline has passed;
    /// otherwise gives it the next slice.
    fn next_slice<S>(
        mut cx: impl AsContextMut<Data = StoreData<S>>,
        needed: u64,
    ) -> Result<(), Error> {
        let mut cx = cx.as_context_mut();
        let left = cx.get_fuel()?;
        let data = cx.data_mut();
        let reserve = data.fuel_reserve;
        if left.saturating_add(reserve) < needed {
            return Err(Error::from(wasmi::TrapCode::OutOfFuel));
        }
        if data.deadline.passed() {
            return Err(deadline_error());
        }
        let more = reserve.min(SLICE.max(needed.saturating_sub(left)));
        data.fuel_reserve = reserve - more;
        cx.set_fuel(left + more)
    }

    /// Calls `f` from an async call: in fuel slices, yielding to the
    /// executor between two when one is due (`yield_due`); when an async
    /// host function's future is pending (it paused the call with
    /// `Suspend`), awaits it, finishes it and resumes the call with its
    /// result.
    pub(crate) async fn call_async<S: Send + 'static, P, R>(
        store: &mut Store<StoreData<S>>,
        f: &TypedFunc<P, R>,
        params: P,
    ) -> Result<R, Error>
    where
        P: WasmParams,
        R: WasmResults,
    {
        if store.data_mut().deadline.passed() {
            return Err(deadline_error());
        }
        let mut call = step(store, |s| f.call_resumable(s, params)).await?;
        loop {
            call = match call {
                TypedResumableCall::Finished(results) => {
                    SLICE_LEFT.set(store.get_fuel().unwrap_or(0).min(SLICE));
                    return Ok(results);
                }
                TypedResumableCall::OutOfFuel(paused) => {
                    next_slice(&mut *store, paused.required_fuel())?;
                    if yield_due() {
                        // Tokio's yield lets the runtime poll its I/O and
                        // timers before this task runs again (a plain
                        // self-wake would wait for its `event_interval`).
                        tokio::task::yield_now().await;
                        // The interval starts when the task runs again
                        // (maybe on another thread), not counting the
                        // time it waited for its turn.
                        NEXT_YIELD.set(Some(Instant::now() + TICK));
                    }
                    step(store, |s| paused.resume(s)).await?
                }
                TypedResumableCall::HostTrap(trap) => {
                    if trap.host_error().downcast_ref::<Suspend>().is_none() {
                        return Err(owned(trap.host_error()));
                    }
                    let mut parked = store
                        .data_mut()
                        .parked
                        .take()
                        .ok_or_else(|| Error::new("gohost: a paused call has no host call"))?;
                    std::future::poll_fn(|cx| parked.poll(cx))
                        .await
                        .map_err(|t| Error::new(t.message().to_owned()))?;
                    let results = parked
                        .finish(store)
                        .map_err(|t| Error::new(t.message().to_owned()))?;
                    step(store, |s| trap.resume(s, &results)).await?
                }
            };
        }
    }

    thread_local! {
        /// The fuel left of the slice the async calls on this thread run
        /// in: a call starts with what the last one to finish left. Calls
        /// too short for a slice of their own, made one after another,
        /// then still end slices, where they may yield. (A call that fails
        /// or is dropped leaves it as it was.)
        static SLICE_LEFT: Cell<u64> = const { Cell::new(SLICE) };

        /// When async calls running on this thread yield next (see
        /// `yield_due`). Per thread, not per call, for the same reason.
        static NEXT_YIELD: Cell<Option<Instant>> = const { Cell::new(None) };
    }

    /// Whether an async call at the end of a fuel slice yields to the
    /// executor now: once a `TICK` has passed since the last yield on this
    /// thread ended (or since the first slice end it saw), as a wasmtime
    /// call yields at each epoch tick. How long a slice takes varies a
    /// hundredfold with the guest's code, so slices alone make no interval.
    fn yield_due() -> bool {
        let now = Instant::now();
        NEXT_YIELD.with(|next| {
            let due = next.get().is_some_and(|at| now >= at);
            if due || next.get().is_none() {
                next.set(Some(now + TICK));
            }
            due
        })
    }

    /// Runs one synchronous stretch of an async call (until it finishes,
    /// pauses or runs out of its fuel slice) within a single poll, with the
    /// poll's waker in the store for async host functions, on a native
    /// stack with room for the host functions it calls.
    async fn step<S, T>(
        store: &mut Store<StoreData<S>>,
        f: impl FnOnce(&mut Store<StoreData<S>>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut f = Some(f);
        std::future::poll_fn(|cx| {
            let Some(f) = f.take() else {
                return std::task::Poll::Ready(Err(Error::new(
                    "gohost: a call step was polled twice",
                )));
            };
            let data = store.data_mut();
            data.waker = Some(cx.waker().clone());
            let needed = data.entry_stack;
            let out = native_stack::with_stack(needed, || f(store))
                .unwrap_or_else(|e| Err(Error::new(e.to_string())));
            // Not kept past the poll: an idle instance would hold its last
            // task alive, and a stale waker would never wake anything.
            store.data_mut().waker = None;
            std::task::Poll::Ready(out.map_err(|e| unexpected_suspend(store, e)))
        })
        .await
    }

    /// An error that is the `Suspend` of an async host function wasmi did not
    /// pause the call for (a host function called in tail position, which
    /// Go never emits), which gohost cannot resume: a clear error, and the
    /// parked host call dropped.
    fn unexpected_suspend<S>(store: &mut Store<StoreData<S>>, e: Error) -> Error {
        if e.downcast_ref::<Suspend>().is_none() {
            return e;
        }
        store.data_mut().parked = None;
        Error::new(
            "an async host function was tail-called (return_call); gohost can only await \
             async host functions reached by an ordinary call",
        )
    }

    /// The engine error of a call stopped at its deadline; the instance
    /// tells it from other errors by `Deadline::error`.
    fn deadline_error() -> Error {
        Error::new("the call's deadline passed")
    }

    /// The same error as `e`, as far as gohost looks at it (exit status,
    /// trap code, message). wasmi only lends a typed resumable call's host
    /// error; the errors host functions raise are these three kinds.
    fn owned(e: &Error) -> Error {
        if let Some(code) = e.i32_exit_status() {
            Error::i32_exit(code)
        } else if let Some(code) = e.as_trap_code() {
            Error::from(code)
        } else {
            Error::new(e.to_string())
        }
    }

    /// An engine error with `message`, for what fails around a call.
    pub(crate) fn error(message: String) -> Error {
        Error::new(message)
    }

    /// The exit code if `e` is WASI's `proc_exit`.
    pub(crate) fn exit_status(e: &Error) -> Option<i32> {
        e.i32_exit_status()
    }

    /// Whether `e` is the trap of a call that ran out of fuel.
    pub(crate) fn out_of_fuel(e: &Error) -> bool {
        e.as_trap_code() == Some(wasmi::TrapCode::OutOfFuel)
    }
}
