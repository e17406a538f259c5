//! The wasmtime adapter (the `jit` feature): everything that names
//! `wasmtime` lives under this module. Same API as the wasmi adapter.

mod cache;
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

use std::sync::Arc;

use super::TICK;

pub use caller::Caller;
pub use func::{IntoAsyncHostFunc, IntoHostFunc, WasmParams, WasmResult, WasmResults, WasmValue};
pub use instance::Instance;
pub use linker::Linker;
pub use module::Module;
pub use store::StoreData;

use super::sig::{ImportKind, Signature, ValKind};
use super::Config;

/// Parks the pending call of an async host function of generated glue
/// (see `async_start`): 1 in the guest's pending word, the call in the
/// store, and an epoch check due at once. The Go wrapper, seeing the word
/// set, jumps back to call the import again; the jump reaches the epoch
/// check first, and its callback yields to the executor until the parked
/// call's waker is woken.
pub(crate) fn park_start<S: Send + 'static, R: WasmResult + Default>(
    caller: &mut Caller<'_, S>,
    call: std::pin::Pin<Box<dyn crate::engine::host_call::Pending<S, R>>>,
    flag: i32,
    (m, n): (&'static str, &'static str),
) -> Result<R, crate::Trap> {
    let (mut cx, _) = caller.__split()?;
    cx.mem
        .write_u32(flag, 1)
        .map_err(|e| crate::Trap::new(format!("{m}.{n}: the pending word: {e}")))?;
    cx.abi.async_calls.park(call, (m, n));
    wasmtime::AsContextMut::as_context_mut(caller.engine_mut()).set_epoch_deadline(0);
    Ok(R::default())
}

/// A compilation and execution environment shared by modules and instances.
///
/// Cheap to clone; clones share the same engine.
///
/// # Memory across reloads
///
/// A host that loads modules for as long as it runs (plugins reloaded when
/// they change, one module per request) keeps using one engine, and the
/// engine frees the compiled code of the modules that are gone. What stays
/// is bounded: the code of the live modules, and on wasmi at most about
/// [`Config::generation_budget`] bytes of wasm (by default 32 MiB) of
/// modules already dropped for each engine generation something still holds.
///
/// On wasmtime (this build) a module's code is freed when the module, its
/// clones and its instances are dropped; one wasmtime engine serves them
/// all. On wasmi, which keeps the code of every module it compiled until
/// the engine itself is dropped, a gohost `Engine` is made of wasmi engines
/// in generations, retired when they have compiled the budget's worth of
/// wasm and freed with the last module, instance or linker that uses them
/// (see the wasmi build's documentation of this type).
///
/// Measured with `cargo run --release -p gohost-bench --bin reload-soak`,
/// which reloads a 2.7 MB Go plugin with one engine and one linker: see
/// `docs/hot-reload.md`, "Reloading plugins: memory stays bounded".
#[derive(Debug, Clone)]
pub struct Engine {
    pub(crate) inner: wasmtime::Engine,
    pub(crate) fuel: bool,
    /// Whether calls can have deadlines ([`Config::interruptible`]): epoch
    /// interruption is on and a ticker thread advances the epoch.
    pub(crate) interruptible: bool,
    /// Where compiled modules are cached; `None` when the cache is off.
    pub(crate) cache: Option<Arc<cache::Cache>>,
    /// The native stack a call needs free when it enters the guest: the
    /// guest's `max_wasm_stack` and room for host functions.
    pub(crate) entry_stack: usize,
}

impl Engine {
    /// An engine with the given settings.
    pub fn new(config: &Config) -> Self {
        let mut c = wasmtime::Config::new();
        c.consume_fuel(config.fuel);
        c.epoch_interruption(config.interruptible);
        // Trap messages name the trap, as on wasmi, without a backtrace.
        c.wasm_backtrace_max_frames(None);
        c.max_wasm_stack(config.max_wasm_stack);
        // wasmtime-wasi turns on wasmtime's async support, which refuses a
        // guest stack larger than its fibers' stacks; those fibers get the
        // guest's stack and the host's room, as a thread does (see
        // `native_stack`).
        c.async_stack_size(config.entry_stack());
        let inner = wasmtime::Engine::new(&c)
            .expect("gohost: wasmtime rejected a fixed, valid configuration");
        let cache = config
            .cache
            .then(|| config.cache_dir.clone().or_else(cache::default_dir))
            .flatten()
            .map(|dir| Arc::new(cache::Cache::new(dir, &inner)));
        if config.interruptible {
            // Detached: it ends by itself with the engine.
            drop(start_ticker(&inner));
        }
        Engine {
            inner,
            fuel: config.fuel,
            interruptible: config.interruptible,
            cache,
            entry_stack: config.entry_stack(),
        }
    }
}

/// Starts the engine's ticker: a thread that advances the epoch every
/// [`TICK`] for as long as the engine lives (its modules and stores hold it
/// too), and ends within a tick after the last of them is dropped.
fn start_ticker(engine: &wasmtime::Engine) -> std::thread::JoinHandle<()> {
    let weak = engine.weak();
    let spawned = std::thread::Builder::new()
        .name("gohost-epoch".into())
        .spawn(move || loop {
            std::thread::sleep(TICK);
            match weak.upgrade() {
                Some(engine) => engine.increment_epoch(),
                None => break,
            }
        });
    // Without a ticker, deadlines would never fire: calls would run
    // unlimited. Failing to start a thread means the process is out of
    // resources; say so rather than run without the limit.
    spawned.expect("gohost: cannot start the epoch ticker thread")
}

impl Engine {
    /// How many engine generations this engine has made: always 1 on
    /// wasmtime (see "Memory across reloads" above).
    #[doc(hidden)]
    pub fn generations(&self) -> u64 {
        1
    }
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new(&Config::default())
    }
}

/// The message of an engine error from a call: the trap's description
/// (`call stack exhausted`, as wasmi words it, without wasmtime's `wasm
/// trap: ` prefix), or the host function's message.
pub(crate) fn message(e: &wasmtime::Error) -> String {
    match e.downcast_ref::<wasmtime::Trap>() {
        Some(trap) => {
            let text = trap.to_string();
            match text.strip_prefix("wasm trap: ") {
                Some(rest) => rest.to_owned(),
                None => text,
            }
        }
        None => e.root_cause().to_string(),
    }
}

/// Turns an engine error from a call into gohost's error, keeping the
/// engine's message (trap code or host message).
pub(crate) fn call_error(e: wasmtime::Error) -> crate::Error {
    crate::Error::Trap {
        message: message(&e),
    }
}

pub(crate) fn val_kind(t: &wasmtime::ValType) -> ValKind {
    match t {
        wasmtime::ValType::I32 => ValKind::I32,
        wasmtime::ValType::I64 => ValKind::I64,
        wasmtime::ValType::F32 => ValKind::F32,
        wasmtime::ValType::F64 => ValKind::F64,
        wasmtime::ValType::V128 => ValKind::V128,
        wasmtime::ValType::Ref(r) => match r.heap_type() {
            wasmtime::HeapType::Func => ValKind::FuncRef,
            wasmtime::HeapType::Extern => ValKind::ExternRef,
            _ => ValKind::OtherRef,
        },
    }
}

pub(crate) fn signature(ty: &wasmtime::FuncType) -> Signature {
    Signature {
        params: ty.params().map(|t| val_kind(&t)).collect(),
        results: ty.results().map(|t| val_kind(&t)).collect(),
    }
}

/// The kind of an import, from what wasmtime's import iterator yields (an
/// owned type; wasmi's lends one).
pub(crate) fn import_kind(ty: wasmtime::ExternType) -> ImportKind {
    match ty {
        wasmtime::ExternType::Func(f) => ImportKind::Func(signature(&f)),
        wasmtime::ExternType::Memory(_) => ImportKind::Memory,
        wasmtime::ExternType::Table(_) => ImportKind::Table,
        wasmtime::ExternType::Global(_) => ImportKind::Global,
        wasmtime::ExternType::Tag(_) => ImportKind::Other("tag"),
    }
}

/// The engine's types, and the calls that differ between engines, for the
/// code both adapters share (`../instance.rs`, `../caller.rs`).
mod rt {
    pub(crate) use wasmtime::{
        Caller, Error, Extern, Func, Instance, Linker, Memory, Store, TypedFunc, WasmParams,
        WasmResults,
    };

    use super::StoreData;
    use wasmtime::{AsContextMut, UpdateDeadline};

    /// A linker with WASI preview 1.
    pub(crate) fn wasi_linker<S: Send + 'static>(
        engine: &wasmtime::Engine,
    ) -> Linker<StoreData<S>> {
        let mut linker = Linker::new(engine);
        // Registering the fixed WASI function set on a fresh linker cannot
        // collide with anything.
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |d: &mut StoreData<S>| &mut d.wasi)
            .expect("gohost: WASI preview 1 must register on an empty linker");
        linker
    }

    /// The linker of async instances: `sync`'s functions, with
    /// wasmtime-wasi's async preview 1 (whose blocking functions await).
    pub(crate) fn async_linker<S: Send + 'static>(
        sync: &Linker<StoreData<S>>,
    ) -> Result<Linker<StoreData<S>>, Error> {
        let mut linker = sync.clone();
        linker.allow_shadowing(true);
        wasmtime_wasi::p1::add_to_linker_async(&mut linker, |d: &mut StoreData<S>| &mut d.wasi)?;
        Ok(linker)
    }

    /// A store for a new instance of `module`: its memory limiter, its
    /// epoch callback on an interruptible engine, and fuel for a start
    /// function.
    pub(crate) fn new_store<S>(
        engine: &super::Engine,
        _module: &wasmtime::Module,
        mut data: StoreData<S>,
    ) -> Result<Store<StoreData<S>>, crate::Error> {
        data.entry_stack = engine.entry_stack;
        let mut store = Store::new(&engine.inner, data);
        store.limiter(|d| &mut d.limiter);
        if engine.interruptible {
            make_interruptible(&mut store);
        }
        Ok(store)
    }

    /// Instantiates `module` (running its start function, if any) and
    /// finds its memory export.
    pub(crate) fn instantiate<S>(
        linker: &Linker<StoreData<S>>,
        store: &mut Store<StoreData<S>>,
        module: &wasmtime::Module,
    ) -> Result<(Instance, Option<Memory>), Error> {
        let instance = linker.instantiate(&mut *store, module)?;
        let memory = instance.get_memory(&mut *store, "memory");
        Ok((instance, memory))
    }

    /// Instantiates `module` for async calls.
    pub(crate) async fn instantiate_async<S: Send + 'static>(
        linker: &Linker<StoreData<S>>,
        store: &mut Store<StoreData<S>>,
        module: &wasmtime::Module,
    ) -> Result<(Instance, Option<Memory>), Error> {
        let instance = linker.instantiate_async(&mut *store, module).await?;
        let memory = instance.get_memory(&mut *store, "memory");
        Ok((instance, memory))
    }

    /// An epoch deadline that is never reached.
    const NEVER: u64 = u64::MAX / 2;

    /// Lets the store's calls be interrupted: at each epoch tick the
    /// running call reads the clock, and ends once its deadline passed.
    /// Installed on every store of an interruptible engine: with epoch
    /// interruption on, a store without this callback would trap at once.
    pub(crate) fn make_interruptible<S>(store: &mut Store<StoreData<S>>) {
        store.epoch_deadline_callback(|mut cx| {
            let data = cx.data_mut();
            let asynchronous = data.asynchronous;
            Ok(if data.deadline.passed() {
                UpdateDeadline::Interrupt
            } else if let Some(wait) = data.abi.async_calls.owed_wait() {
                // An async host call was parked just now: wait for its
                // waker before the guest calls it again (`park_start`).
                UpdateDeadline::YieldCustom(1, wait)
            } else if asynchronous {
                // Let the executor run other tasks between two ticks of a
                // guest that computes. Tokio's yield (as wasmtime advises)
                // lets the runtime poll its I/O and timers first; a plain
                // self-wake would leave them for its `event_interval` (61
                // polls, here 120 ms of guest code).
                UpdateDeadline::YieldCustom(1, Box::pin(tokio::task::yield_now()))
            } else if data.deadline.armed() {
                UpdateDeadline::Continue(1)
            } else {
                UpdateDeadline::Continue(NEVER)
            })
        });
        store.set_epoch_deadline(NEVER);
    }

    /// Makes the next tick look at the clock if the call has a deadline.
    pub(crate) fn arm_deadline<S>(store: &mut Store<StoreData<S>>) {
        let data = store.data();
        let ticks = if data.deadline.armed() || data.asynchronous {
            1
        } else {
            NEVER
        };
        store.set_epoch_deadline(ticks);
    }

    /// Gives the next call `fuel`.
    pub(crate) fn set_call_fuel<S>(
        store: &mut Store<StoreData<S>>,
        fuel: u64,
    ) -> Result<(), Error> {
        store.set_fuel(fuel)
    }

    /// The fuel the running call has left.
    pub(crate) fn fuel_left<S>(store: &Store<StoreData<S>>) -> u64 {
        store.get_fuel().unwrap_or(0)
    }

    /// Calls `f`; the epoch callback stops it at its deadline.
    pub(crate) fn call<S, P, R>(
        cx: impl AsContextMut<Data = StoreData<S>>,
        f: &TypedFunc<P, R>,
        params: P,
    ) -> Result<R, Error>
    where
        P: WasmParams,
        R: WasmResults,
    {
        f.call(cx, params)
    }

    /// Calls `f` from an async call, on a fiber: host futures are awaited
    /// and epoch ticks yield to the executor.
    pub(crate) async fn call_async<S: Send + 'static, P, R>(
        store: &mut Store<StoreData<S>>,
        f: &TypedFunc<P, R>,
        params: P,
    ) -> Result<R, Error>
    where
        P: WasmParams + Sync,
        R: WasmResults + Sync,
    {
        f.call_async(store, params).await
    }

    /// An engine error with `message`, for what fails around a call.
    pub(crate) fn error(message: String) -> Error {
        Error::msg(message)
    }

    /// The exit code if `e` is WASI's `proc_exit`.
    pub(crate) fn exit_status(e: &Error) -> Option<i32> {
        e.downcast_ref::<wasmtime_wasi::I32Exit>()
            .map(|exit| exit.0)
    }

    /// Whether `e` is the trap of a call that ran out of fuel.
    pub(crate) fn out_of_fuel(e: &Error) -> bool {
        e.downcast_ref::<wasmtime::Trap>() == Some(&wasmtime::Trap::OutOfFuel)
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    #[test]
    fn the_ticker_ends_with_the_engine() {
        let mut config = wasmtime::Config::new();
        config.epoch_interruption(true);
        let engine = wasmtime::Engine::new(&config).expect("engine");
        let ticker = super::start_ticker(&engine);
        // Something made from the engine keeps it (and the ticker) alive.
        let store = wasmtime::Store::new(&engine, ());
        drop(engine);
        std::thread::sleep(super::TICK * 5);
        assert!(!ticker.is_finished());
        drop(store);
        let started = Instant::now();
        while !ticker.is_finished() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the ticker outlived its engine"
            );
            std::thread::sleep(super::TICK);
        }
    }
}
