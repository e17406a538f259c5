//! What gohost needs of an engine: the contract each adapter (`wasmi/`,
//! `wasmtime/`) implements, so that the instance, the linker and the caller
//! are ordinary code over it, checked against both engines in every build
//! that has both.
//!
//! Beside the trait, the two types it shares with the rest of gohost: what
//! an instance's store holds ([`StoreData`]), and a host call's caller of
//! either engine ([`CallerRepr`]).
//!
//! The types are the engine's own (its store, its caller, its typed
//! function); the functions are the few operations whose details differ:
//! how a call is made (in fuel slices on wasmi, under epochs on wasmtime),
//! how an async call awaits, how fuel and deadlines are set, how engine
//! errors read. Everything else, what gohost does around a call, is shared.

use std::fmt;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;

use super::choice::per_engine;
use super::config::Config;
use super::kind::EngineKind;
use super::sig::{Import, Signature};
use super::values::{WasmParams, WasmResult, WasmResults};
use crate::abi::{AbiState, Pending};
use crate::error::{Error, Trap};
use crate::limits::{Deadline, Limits, MemoryLimiter};
use crate::trace::Ident;
use crate::wasi::WasiConfig;

/// What instantiating a module gives: the instance and its memory export,
/// or the engine's error (a trap in the start function, a limit).
pub(crate) type Instantiated<B> =
    Result<(<B as Backend>::Instance, Option<<B as Backend>::Memory>), <B as Backend>::Error>;

/// An engine gohost can run guests on (see the module documentation).
///
/// Not for use outside gohost: it is public only because the host-function
/// traits name it, and it changes with gohost.
#[doc(hidden)]
pub trait Backend: Sized + Send + Sync + 'static {
    /// Which engine this is.
    const KIND: EngineKind;

    /// gohost's engine of this kind: the engine's, and what gohost keeps
    /// beside it (generations, the module cache, the epoch ticker).
    type Engine: Clone + Send + Sync + fmt::Debug;
    /// A compiled module.
    type Module: Clone + Send + Sync + fmt::Debug;
    /// A store holding one instance's [`StoreData`].
    type Store<S: 'static>;
    /// The context of a host call: the store, lent to the host function.
    type Caller<'a, S: 'static>;
    /// An instantiated module, within its store.
    type Instance: Copy + Send + Sync;
    /// An exported function, not yet typed.
    type Func: Copy + Send + Sync;
    /// An exported function with its signature checked for `P` and `R`.
    type TypedFunc<P: WasmParams, R: WasmResults>: Send + Sync + 'static;
    /// A linear memory, within its store.
    type Memory: Copy + Send + Sync;
    /// The error a call into the guest ends with: a trap, a host
    /// function's error, `proc_exit`.
    type Error: Send + Sync + 'static;
    /// The host functions a gohost linker registered, as this engine keeps
    /// them (one engine linker, or the registrations replayed for each
    /// wasmi engine generation).
    type Links<S: 'static>: Send + Sync;
    /// The WASI context in an instance's store.
    type Wasi;
    /// What else the adapter keeps in an instance's store.
    type StoreExtra<S: 'static>: Default;

    // The engine and its modules.

    /// An engine with `config`'s settings.
    fn new_engine(config: &Config) -> Self::Engine;
    /// Whether the engine meters fuel for limits ([`Config::consume_fuel`]).
    fn fuel(engine: &Self::Engine) -> bool;
    /// Whether calls on it can be interrupted ([`Config::interruptible`]).
    fn interruptible(engine: &Self::Engine) -> bool;
    /// The native stack a call must find free when it enters the guest.
    fn entry_stack(engine: &Self::Engine) -> usize;
    /// How many engine generations it has made (wasmi; 1 otherwise).
    fn generations(engine: &Self::Engine) -> u64;

    /// Validates and compiles `wasm`; `origin` names it in errors.
    fn compile(
        engine: &Self::Engine,
        wasm: &[u8],
        origin: Option<&Path>,
    ) -> Result<Self::Module, Error>;
    /// Reads and compiles the module at `path` (from the module cache,
    /// where the engine has one).
    fn load_file(engine: &Self::Engine, path: &Path) -> Result<Self::Module, Error>;
    /// What `module` imports, in gohost's terms.
    fn imports(module: &Self::Module) -> Vec<Import<'_>>;
    /// Whether `module` exports a function named `name`.
    fn has_func_export(module: &Self::Module, name: &str) -> bool;

    // Linking and instantiating.

    /// The registrations of a new linker: WASI preview 1 alone.
    fn new_links<S: Send + 'static>(engine: &Self::Engine) -> Self::Links<S>;
    /// The WASI context of a new instance, for async calls if
    /// `asynchronous`.
    fn build_wasi(wasi: &WasiConfig, asynchronous: bool) -> Result<Self::Wasi, Error>;
    /// A store for a new instance of `module` holding `data`.
    fn new_store<S: Send + 'static>(
        engine: &Self::Engine,
        module: &Self::Module,
        data: StoreData<Self, S>,
    ) -> Self::Store<S>;
    /// Instantiates `module` in `store` (running its start function, if
    /// any, on a native stack with room for it) and finds its memory
    /// export. The outer error: the linker could not be made for the
    /// module's engine generation.
    fn instantiate<S: Send + 'static>(
        links: &Self::Links<S>,
        store: &mut Self::Store<S>,
        module: &Self::Module,
    ) -> Result<Instantiated<Self>, Error>;
    /// [`instantiate`](Self::instantiate) for async calls, with the
    /// functions that block (WASI's sleeps and reads) made async.
    fn instantiate_async<S: Send + 'static>(
        links: &Self::Links<S>,
        store: &mut Self::Store<S>,
        module: &Self::Module,
    ) -> impl Future<Output = Result<Instantiated<Self>, Error>> + Send;

    // The store.

    /// The store's data.
    fn data<S>(store: &Self::Store<S>) -> &StoreData<Self, S>;
    /// The store's data, mutably.
    fn data_mut<S>(store: &mut Self::Store<S>) -> &mut StoreData<Self, S>;
    /// The store's data, the store gone.
    fn into_data<S>(store: Self::Store<S>) -> StoreData<Self, S>;
    /// Whether the store's engine meters fuel.
    fn metered<S>(store: &Self::Store<S>) -> bool;
    /// Gives the next call `fuel` (in slices with a deadline on wasmi).
    fn set_call_fuel<S>(store: &mut Self::Store<S>, fuel: u64) -> Result<(), Self::Error>;
    /// The fuel the running call has left.
    fn fuel_left<S>(store: &Self::Store<S>) -> u64;
    /// Makes the engine look at the call's deadline (wasmtime's epochs;
    /// nothing on wasmi, which looks between fuel slices).
    fn arm_deadline<S>(store: &mut Self::Store<S>);

    // Exports and memory.

    /// The function export `name` of `instance`.
    fn func<S>(
        store: &mut Self::Store<S>,
        instance: Self::Instance,
        name: &str,
    ) -> Option<Self::Func>;
    /// `func` typed for `P` and `R`; its actual signature if it has another.
    fn typed<S, P: WasmParams, R: WasmResults>(
        store: &Self::Store<S>,
        func: Self::Func,
    ) -> Result<Self::TypedFunc<P, R>, Signature>;
    /// The bytes of `memory`.
    fn memory<S>(store: &Self::Store<S>, memory: Self::Memory) -> &[u8];
    /// The bytes of `memory`, mutably.
    fn memory_mut<S>(store: &mut Self::Store<S>, memory: Self::Memory) -> &mut [u8];

    // Calls.

    /// Calls `f` from the host: the engine stops it at its deadline.
    fn call<S, P: WasmParams, R: WasmResults>(
        store: &mut Self::Store<S>,
        f: &Self::TypedFunc<P, R>,
        params: P,
    ) -> Result<R, Self::Error>;
    /// Calls `f` from an async call: host futures are awaited, and a guest
    /// that computes yields to the executor about every 2 ms.
    fn call_async<'a, S: Send + 'static, P: WasmParams + Sync, R: WasmResults + Sync>(
        store: &'a mut Self::Store<S>,
        f: &'a Self::TypedFunc<P, R>,
        params: P,
    ) -> impl Future<Output = Result<R, Self::Error>> + Send + 'a;
    /// An engine error with `message`, for what fails around a call.
    fn error(message: String) -> Self::Error;
    /// The exit code, if `e` is WASI's `proc_exit`.
    fn exit_status(e: &Self::Error) -> Option<i32>;
    /// Whether `e` is the trap of a call that ran out of fuel.
    fn out_of_fuel(e: &Self::Error) -> bool;
    /// The message of `e`: the trap's description or the host's message.
    fn message(e: &Self::Error) -> String;
    /// `e` with its context, for errors of linking (which import did not
    /// match).
    fn full_message(e: &Self::Error) -> String;

    // Host calls.

    /// The store's data, from a host call.
    fn caller_data<'c, S>(caller: &'c Self::Caller<'_, S>) -> &'c StoreData<Self, S>;
    /// The store's data, mutably, from a host call.
    fn caller_data_mut<'c, S>(caller: &'c mut Self::Caller<'_, S>) -> &'c mut StoreData<Self, S>;
    /// The guest's memory and the store's data, from a host call.
    fn caller_memory<'c, S>(
        caller: &'c mut Self::Caller<'_, S>,
        memory: Self::Memory,
    ) -> (&'c mut [u8], &'c mut StoreData<Self, S>);
    /// The calling instance's memory export `name`.
    fn caller_memory_export<S>(
        caller: &mut Self::Caller<'_, S>,
        name: &str,
    ) -> Option<Self::Memory>;
    /// Calls the calling instance's export `name` from a host call (the
    /// guest re-enters itself).
    fn call_back<S, P: WasmParams, R: WasmResults>(
        caller: &mut Self::Caller<'_, S>,
        name: &str,
        params: P,
    ) -> Result<Result<R, Self::Error>, Error>;

    /// This engine's caller in `repr`, if `repr` is of this engine.
    fn caller_of<'c, 'a, S>(repr: &'c mut CallerRepr<'a, S>)
        -> Option<&'c mut Self::Caller<'a, S>>;
    /// Parks the pending call of an async host function of generated glue
    /// (`host::async_start`) until its future is ready: wasmi suspends the
    /// call; wasmtime sets the guest's pending word `flag`, and the guest
    /// calls the import again.
    fn park_start<S: Send + 'static, R: WasmResult + Default>(
        caller: &mut Self::Caller<'_, S>,
        call: Pin<Box<dyn Pending<S, R>>>,
        flag: i32,
        names: (&'static str, &'static str),
    ) -> Result<R, Trap>;
}

/// What an instance's store holds: WASI, the ABI state, the cached memory
/// export, limits, the running call's deadline, what the engine's adapter
/// keeps, and the embedder's state.
#[doc(hidden)]
#[allow(missing_debug_implementations)] // holds the embedder's `S`, which need not be Debug
pub struct StoreData<B: Backend, S: 'static> {
    pub(crate) wasi: B::Wasi,
    pub(crate) abi: AbiState,
    /// The guest's `memory` export, resolved once after instantiation so
    /// host calls don't look it up by name.
    pub(crate) memory: Option<B::Memory>,
    pub(crate) limiter: MemoryLimiter,
    pub(crate) limits: Limits,
    /// The running call's wall-clock deadline.
    pub(crate) deadline: Deadline,
    /// The native stack a call needs free when it enters the guest (see
    /// `native_stack`), from the engine.
    pub(crate) entry_stack: usize,
    /// Whether the instance was made for async calls (`instantiate_async`).
    pub(crate) asynchronous: bool,
    /// The instance's id and names, for the spans of its calls.
    pub(crate) ident: Ident,
    /// What the engine's adapter keeps per instance.
    pub(crate) engine: B::StoreExtra<S>,
    pub(crate) user: S,
}

impl<B: Backend, S> StoreData<B, S> {
    /// The store data of a new instance: nothing resolved yet, no call
    /// running.
    pub(crate) fn new(
        wasi: B::Wasi,
        engine: B::StoreExtra<S>,
        limits: Limits,
        entry_stack: usize,
        user: S,
    ) -> Self {
        StoreData {
            wasi,
            abi: AbiState::default(),
            memory: None,
            limiter: MemoryLimiter::new(limits.memory_bytes.unwrap_or(usize::MAX)),
            limits,
            deadline: Deadline::default(),
            entry_stack,
            asynchronous: false,
            ident: Ident::next(),
            engine,
            user,
        }
    }
}

/// The engine's caller, as its [`Backend`] names it.
pub(crate) type CallerOf<'a, B, S> = <B as Backend>::Caller<'a, S>;

per_engine!(
    #[doc(hidden)]
    #[allow(missing_debug_implementations)] // the engines' callers are not Debug
    pub enum CallerRepr<'a, S> = CallerOf<'a, @, S>
);
