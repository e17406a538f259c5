//! The wasmi adapter: gohost's [`Backend`] on [wasmi], an interpreter.
//! Everything that names `wasmi` lives in this folder: its engines in
//! generations, how a call runs (in fuel slices, resumable when async),
//! its host functions, and its WASI (`wasi-common` with gohost's async
//! standard input and `poll_oneoff`).
//!
//! [wasmi]: https://docs.rs/wasmi

mod call;
mod caller;
mod engine;
mod func;
mod generations;
mod limiter;
mod links;
mod module;
mod store;
mod suspend;
mod types;
mod wasi;

use std::future::Future;
use std::path::Path;
use std::pin::Pin;

use wasmi::{AsContext, AsContextMut};

use engine::WasmiEngine;
use func::{IntoAsyncDefine, IntoDefine};
use links::Links;
use store::Extra;
use types::{Data, EngineCaller, Store};
use wasi::Wasi;

use crate::abi::Pending;
use crate::engine::host_funcs::{AsyncHostFuncOn, HostFuncOn};
use crate::engine::sig::{Import, Signature};
use crate::engine::values::{WasmParams, WasmResult, WasmResults};
use crate::engine::CallerRepr;
use crate::engine::{Backend, Config, EngineKind, Instantiated, Wasmi};
use crate::error::{Error, Trap};
use crate::wasi::WasiConfig;

impl Backend for Wasmi {
    const KIND: EngineKind = EngineKind::Wasmi;

    type Engine = WasmiEngine;
    type Module = wasmi::Module;
    type Store<S: 'static> = Store<S>;
    type Caller<'a, S: 'static> = EngineCaller<'a, S>;
    type Instance = wasmi::Instance;
    type Func = wasmi::Func;
    type TypedFunc<P: WasmParams, R: WasmResults> = wasmi::TypedFunc<P, R>;
    type Memory = wasmi::Memory;
    type Error = wasmi::Error;
    type Links<S: 'static> = Links<S>;
    type Wasi = Wasi;
    type StoreExtra<S: 'static> = Extra<S>;

    fn new_engine(config: &Config) -> WasmiEngine {
        WasmiEngine::new(config)
    }

    fn fuel(engine: &WasmiEngine) -> bool {
        engine.fuel
    }

    fn interruptible(engine: &WasmiEngine) -> bool {
        engine.interruptible
    }

    fn entry_stack(engine: &WasmiEngine) -> usize {
        engine.entry_stack
    }

    fn generations(engine: &WasmiEngine) -> u64 {
        engine.generations()
    }

    fn compile(
        engine: &WasmiEngine,
        wasm: &[u8],
        origin: Option<&Path>,
    ) -> Result<wasmi::Module, Error> {
        module::compile(engine, wasm, origin)
    }

    fn load_file(engine: &WasmiEngine, path: &Path) -> Result<wasmi::Module, Error> {
        module::load_file(engine, path)
    }

    fn imports(module: &wasmi::Module) -> Vec<Import<'_>> {
        module::imports(module)
    }

    fn has_func_export(module: &wasmi::Module, name: &str) -> bool {
        module::has_func_export(module, name)
    }

    fn new_links<S: Send + 'static>(engine: &WasmiEngine) -> Links<S> {
        Links::new(engine)
    }

    fn build_wasi(config: &WasiConfig, asynchronous: bool) -> Result<Wasi, Error> {
        wasi::build(config, asynchronous)
    }

    fn new_store<S: Send + 'static>(
        _engine: &WasmiEngine,
        module: &wasmi::Module,
        data: Data<S>,
    ) -> Store<S> {
        let mut store = wasmi::Store::new(module.engine(), data);
        store.limiter(|d| &mut d.limiter);
        store
    }

    fn instantiate<S: Send + 'static>(
        links: &Links<S>,
        store: &mut Store<S>,
        module: &wasmi::Module,
    ) -> Result<Instantiated<Self>, Error> {
        let linkers = links.for_module(module).map_err(link_error)?;
        Ok(instantiate_on(&linkers.sync, store, module))
    }

    fn instantiate_async<S: Send + 'static>(
        links: &Links<S>,
        store: &mut Store<S>,
        module: &wasmi::Module,
    ) -> impl Future<Output = Result<Instantiated<Self>, Error>> + Send {
        // A start function, if any, runs synchronously (Go modules have
        // none), as in a sync instantiation.
        let instantiated = links
            .for_module(module)
            .map_err(link_error)
            .and_then(|linkers| {
                let linker = linkers
                    .asynchronous(links::async_linker)
                    .map_err(|e| Error::Link(format!("cannot make the async linker: {e}")))?;
                Ok(instantiate_on(linker, store, module))
            });
        std::future::ready(instantiated)
    }

    #[inline(always)]
    fn data<S>(store: &Store<S>) -> &Data<S> {
        store.data()
    }

    #[inline(always)]
    fn data_mut<S>(store: &mut Store<S>) -> &mut Data<S> {
        store.data_mut()
    }

    fn into_data<S>(store: Store<S>) -> Data<S> {
        store.into_data()
    }

    fn metered<S>(store: &Store<S>) -> bool {
        store.get_fuel().is_ok()
    }

    #[inline]
    fn set_call_fuel<S>(store: &mut Store<S>, fuel: u64) -> Result<(), wasmi::Error> {
        call::set_call_fuel(store, fuel)
    }

    fn fuel_left<S>(store: &Store<S>) -> u64 {
        call::fuel_left(store)
    }

    /// Nothing to do on wasmi: the deadline is read between fuel slices.
    #[inline(always)]
    fn arm_deadline<S>(_store: &mut Store<S>) {}

    fn func<S>(store: &mut Store<S>, instance: wasmi::Instance, name: &str) -> Option<wasmi::Func> {
        instance.get_func(&*store, name)
    }

    fn typed<S, P: WasmParams, R: WasmResults>(
        store: &Store<S>,
        func: wasmi::Func,
    ) -> Result<wasmi::TypedFunc<P, R>, Signature> {
        func.typed::<P, R>(store)
            .map_err(|_| module::signature(&func.ty(store)))
    }

    #[inline(always)]
    fn memory<S>(store: &Store<S>, memory: wasmi::Memory) -> &[u8] {
        memory.data(store)
    }

    #[inline(always)]
    fn memory_mut<S>(store: &mut Store<S>, memory: wasmi::Memory) -> &mut [u8] {
        memory.data_mut(store)
    }

    #[inline(always)]
    fn call<S, P: WasmParams, R: WasmResults>(
        store: &mut Store<S>,
        f: &wasmi::TypedFunc<P, R>,
        params: P,
    ) -> Result<R, wasmi::Error> {
        call::call(store, f, params)
    }

    fn call_async<'a, S: Send + 'static, P: WasmParams + Sync, R: WasmResults + Sync>(
        store: &'a mut Store<S>,
        f: &'a wasmi::TypedFunc<P, R>,
        params: P,
    ) -> impl Future<Output = Result<R, wasmi::Error>> + Send + 'a {
        call::call_async(store, f, params)
    }

    fn error(message: String) -> wasmi::Error {
        wasmi::Error::new(message)
    }

    fn exit_status(e: &wasmi::Error) -> Option<i32> {
        e.i32_exit_status()
    }

    fn out_of_fuel(e: &wasmi::Error) -> bool {
        e.as_trap_code() == Some(wasmi::TrapCode::OutOfFuel)
    }

    fn message(e: &wasmi::Error) -> String {
        e.to_string()
    }

    fn full_message(e: &wasmi::Error) -> String {
        e.to_string()
    }

    #[inline(always)]
    fn caller_data<'c, S>(caller: &'c EngineCaller<'_, S>) -> &'c Data<S> {
        caller.data()
    }

    #[inline(always)]
    fn caller_data_mut<'c, S>(caller: &'c mut EngineCaller<'_, S>) -> &'c mut Data<S> {
        caller.data_mut()
    }

    #[inline(always)]
    fn caller_memory<'c, S>(
        caller: &'c mut EngineCaller<'_, S>,
        memory: wasmi::Memory,
    ) -> (&'c mut [u8], &'c mut Data<S>) {
        memory.data_and_store_mut(caller)
    }

    fn caller_memory_export<S>(
        caller: &mut EngineCaller<'_, S>,
        name: &str,
    ) -> Option<wasmi::Memory> {
        caller.get_export(name).and_then(wasmi::Extern::into_memory)
    }

    fn call_back<S, P: WasmParams, R: WasmResults>(
        caller: &mut EngineCaller<'_, S>,
        name: &str,
        params: P,
    ) -> Result<Result<R, wasmi::Error>, Error> {
        let func = caller
            .get_export(name)
            .and_then(wasmi::Extern::into_func)
            .ok_or_else(|| Error::MissingExport {
                name: name.to_owned(),
                expected: "a function".into(),
            })?;
        let typed = func
            .typed::<P, R>(caller.as_context())
            .map_err(|_| Error::ExportType {
                name: name.to_owned(),
                found: module::signature(&func.ty(caller.as_context())).to_string(),
            })?;
        Ok(call::call(caller.as_context_mut(), &typed, params))
    }

    #[inline(always)]
    fn caller_of<'c, 'a, S>(
        repr: &'c mut CallerRepr<'a, S>,
    ) -> Option<&'c mut EngineCaller<'a, S>> {
        #[allow(unreachable_patterns)] // a build without wasmtime has one engine
        match repr {
            CallerRepr::Wasmi(caller) => Some(caller),
            _ => None,
        }
    }

    fn park_start<S: Send + 'static, R: WasmResult + Default>(
        caller: &mut EngineCaller<'_, S>,
        call: Pin<Box<dyn Pending<S, R>>>,
        flag: i32,
        names: (&'static str, &'static str),
    ) -> Result<R, Trap> {
        suspend::park_start(caller, call, flag, names)
    }
}

/// Instantiates `module` with `linker` (running its start function, if
/// any, on a native stack with room for it) and finds its memory export.
fn instantiate_on<S>(
    linker: &wasmi::Linker<Data<S>>,
    store: &mut Store<S>,
    module: &wasmi::Module,
) -> Result<(wasmi::Instance, Option<wasmi::Memory>), wasmi::Error> {
    let needed = store.data().entry_stack;
    let instantiated = crate::native_stack::with_stack(needed, || {
        let instance = linker.instantiate_and_start(&mut *store, module)?;
        let memory = instance.get_memory(&*store, "memory");
        Ok((instance, memory))
    });
    instantiated.unwrap_or_else(|e| Err(wasmi::Error::new(e.to_string())))
}

/// The error of an engine linker that cannot be made again for a module's
/// engine generation (the same registrations succeeded once, so this is
/// not expected).
fn link_error(e: wasmi::Error) -> Error {
    Error::Link(format!("cannot register the host functions again: {e}"))
}

impl<S: Send + 'static, P, R, F: IntoDefine<S, P, R>> HostFuncOn<Wasmi, S, P, R> for F {
    fn define<const TRACED: bool>(
        self,
        links: &mut Links<S>,
        module: &str,
        name: &str,
    ) -> Result<Signature, wasmi::Error> {
        let (define, sig) = self.into_define::<TRACED>(module, name);
        links.define(define).map(|()| sig)
    }
}

impl<S: Send + 'static, P, R, F: IntoAsyncDefine<S, P, R>> AsyncHostFuncOn<Wasmi, S, P, R> for F {
    fn define<const TRACED: bool>(
        self,
        links: &mut Links<S>,
        module: &str,
        name: &str,
    ) -> Result<Signature, wasmi::Error> {
        let (define, sig) = self.into_define::<TRACED>(module, name);
        links.define(define).map(|()| sig)
    }
}
