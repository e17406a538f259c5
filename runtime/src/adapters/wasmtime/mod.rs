//! The wasmtime adapter: gohost's [`Backend`] on [wasmtime], a JIT
//! compiler (the `wasmtime` cargo feature). Everything that names
//! `wasmtime` lives in this folder: its engine with the epoch ticker and
//! the module cache, how a call runs (epochs, fibers for async calls), its
//! host functions, and its WASI (`wasmtime-wasi`'s preview 1).
//!
//! [wasmtime]: https://docs.rs/wasmtime

mod cache;
mod call;
mod engine;
mod func;
mod limiter;
mod links;
mod module;
mod store;
mod types;
mod wasi;

use std::future::Future;
use std::path::Path;
use std::pin::Pin;

use wasmtime::AsContextMut;
use wasmtime_wasi::p1::WasiP1Ctx;

use engine::WasmtimeEngine;
use links::Links;
use store::Extra;
use types::{Data, EngineCaller, Store};

use crate::abi::Pending;
use crate::engine::sig::{Import, Signature};
use crate::engine::values::{WasmParams, WasmResult, WasmResults};
use crate::engine::CallerRepr;
use crate::engine::{Backend, Config, EngineKind, Instantiated, Wasmtime};
use crate::error::{Error, Trap};
use crate::wasi::WasiConfig;

impl Backend for Wasmtime {
    const KIND: EngineKind = EngineKind::Wasmtime;

    type Engine = WasmtimeEngine;
    type Module = wasmtime::Module;
    type Store<S: 'static> = Store<S>;
    type Caller<'a, S: 'static> = EngineCaller<'a, S>;
    type Instance = wasmtime::Instance;
    type Func = wasmtime::Func;
    type TypedFunc<P: WasmParams, R: WasmResults> = wasmtime::TypedFunc<P, R>;
    type Memory = wasmtime::Memory;
    type Error = wasmtime::Error;
    type Links<S: 'static> = Links<S>;
    type Wasi = WasiP1Ctx;
    type StoreExtra<S: 'static> = Extra<S>;

    fn new_engine(config: &Config) -> WasmtimeEngine {
        WasmtimeEngine::new(config)
    }

    fn fuel(engine: &WasmtimeEngine) -> bool {
        engine.fuel
    }

    fn interruptible(engine: &WasmtimeEngine) -> bool {
        engine.interruptible
    }

    fn entry_stack(engine: &WasmtimeEngine) -> usize {
        engine.entry_stack
    }

    /// Always 1: wasmtime frees a module's code with the module.
    fn generations(_engine: &WasmtimeEngine) -> u64 {
        1
    }

    fn compile(
        engine: &WasmtimeEngine,
        wasm: &[u8],
        origin: Option<&Path>,
    ) -> Result<wasmtime::Module, Error> {
        module::compile(engine, wasm, origin)
    }

    fn load_file(engine: &WasmtimeEngine, path: &Path) -> Result<wasmtime::Module, Error> {
        module::load_file(engine, path)
    }

    fn imports(module: &wasmtime::Module) -> Vec<Import<'_>> {
        module::imports(module)
    }

    fn has_func_export(module: &wasmtime::Module, name: &str) -> bool {
        module::has_func_export(module, name)
    }

    fn new_links<S: Send + 'static>(engine: &WasmtimeEngine) -> Links<S> {
        Links::new(engine)
    }

    fn build_wasi(config: &WasiConfig, asynchronous: bool) -> Result<WasiP1Ctx, Error> {
        wasi::build(config, asynchronous)
    }

    /// A store with its memory limiter, and its epoch callback on an
    /// interruptible engine.
    fn new_store<S: Send + 'static>(
        engine: &WasmtimeEngine,
        _module: &wasmtime::Module,
        data: Data<S>,
    ) -> Store<S> {
        let mut store = wasmtime::Store::new(&engine.inner, data);
        store.limiter(|d| &mut d.limiter);
        if engine.interruptible {
            call::make_interruptible(&mut store);
        }
        store
    }

    fn instantiate<S: Send + 'static>(
        links: &Links<S>,
        store: &mut Store<S>,
        module: &wasmtime::Module,
    ) -> Result<Instantiated<Self>, Error> {
        // A start function is a call into the guest from the host.
        let needed = store.data().entry_stack;
        let instantiated = crate::native_stack::with_stack(needed, || {
            let instance = links.sync().instantiate(&mut *store, module)?;
            let memory = instance.get_memory(&mut *store, "memory");
            Ok((instance, memory))
        });
        Ok(instantiated.unwrap_or_else(|e| Err(wasmtime::Error::msg(e.to_string()))))
    }

    async fn instantiate_async<S: Send + 'static>(
        links: &Links<S>,
        store: &mut Store<S>,
        module: &wasmtime::Module,
    ) -> Result<Instantiated<Self>, Error> {
        let linker = links
            .asynchronous()
            .map_err(|e| Error::Link(format!("cannot make the async linker: {e}")))?;
        let instantiated = async {
            let instance = linker.instantiate_async(&mut *store, module).await?;
            let memory = instance.get_memory(&mut *store, "memory");
            Ok((instance, memory))
        };
        Ok(instantiated.await)
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
    fn set_call_fuel<S>(store: &mut Store<S>, fuel: u64) -> Result<(), wasmtime::Error> {
        call::set_call_fuel(store, fuel)
    }

    fn fuel_left<S>(store: &Store<S>) -> u64 {
        call::fuel_left(store)
    }

    #[inline]
    fn arm_deadline<S>(store: &mut Store<S>) {
        call::arm_deadline(store)
    }

    fn func<S>(
        store: &mut Store<S>,
        instance: wasmtime::Instance,
        name: &str,
    ) -> Option<wasmtime::Func> {
        instance.get_func(&mut *store, name)
    }

    fn typed<S, P: WasmParams, R: WasmResults>(
        store: &Store<S>,
        func: wasmtime::Func,
    ) -> Result<wasmtime::TypedFunc<P, R>, Signature> {
        func.typed::<P, R>(store)
            .map_err(|_| module::signature(&func.ty(store)))
    }

    #[inline(always)]
    fn memory<S>(store: &Store<S>, memory: wasmtime::Memory) -> &[u8] {
        memory.data(store)
    }

    #[inline(always)]
    fn memory_mut<S>(store: &mut Store<S>, memory: wasmtime::Memory) -> &mut [u8] {
        memory.data_mut(store)
    }

    #[inline(always)]
    fn call<S, P: WasmParams, R: WasmResults>(
        store: &mut Store<S>,
        f: &wasmtime::TypedFunc<P, R>,
        params: P,
    ) -> Result<R, wasmtime::Error> {
        call::call(store, f, params)
    }

    fn call_async<'a, S: Send + 'static, P: WasmParams + Sync, R: WasmResults + Sync>(
        store: &'a mut Store<S>,
        f: &'a wasmtime::TypedFunc<P, R>,
        params: P,
    ) -> impl Future<Output = Result<R, wasmtime::Error>> + Send + 'a {
        call::call_async(store, f, params)
    }

    fn error(message: String) -> wasmtime::Error {
        wasmtime::Error::msg(message)
    }

    fn exit_status(e: &wasmtime::Error) -> Option<i32> {
        e.downcast_ref::<wasmtime_wasi::I32Exit>()
            .map(|exit| exit.0)
    }

    fn out_of_fuel(e: &wasmtime::Error) -> bool {
        e.downcast_ref::<wasmtime::Trap>() == Some(&wasmtime::Trap::OutOfFuel)
    }

    /// The trap's description (`call stack exhausted`, as wasmi words it,
    /// without wasmtime's `wasm trap: ` prefix), or the host function's
    /// message.
    fn message(e: &wasmtime::Error) -> String {
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

    fn full_message(e: &wasmtime::Error) -> String {
        format!("{e:#}")
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
        memory: wasmtime::Memory,
    ) -> (&'c mut [u8], &'c mut Data<S>) {
        memory.data_and_store_mut(caller)
    }

    fn caller_memory_export<S>(
        caller: &mut EngineCaller<'_, S>,
        name: &str,
    ) -> Option<wasmtime::Memory> {
        caller
            .get_export(name)
            .and_then(wasmtime::Extern::into_memory)
    }

    fn call_back<S, P: WasmParams, R: WasmResults>(
        caller: &mut EngineCaller<'_, S>,
        name: &str,
        params: P,
    ) -> Result<Result<R, wasmtime::Error>, Error> {
        let func = caller
            .get_export(name)
            .and_then(wasmtime::Extern::into_func)
            .ok_or_else(|| Error::MissingExport {
                name: name.to_owned(),
                expected: "a function".into(),
            })?;
        let typed = func
            .typed::<P, R>(&*caller)
            .map_err(|_| Error::ExportType {
                name: name.to_owned(),
                found: module::signature(&func.ty(&*caller)).to_string(),
            })?;
        Ok(call::call(caller.as_context_mut(), &typed, params))
    }

    #[inline(always)]
    fn caller_of<'c, 'a, S>(
        repr: &'c mut CallerRepr<'a, S>,
    ) -> Option<&'c mut EngineCaller<'a, S>> {
        match repr {
            CallerRepr::Wasmtime(caller) => Some(caller),
            _ => None,
        }
    }

    /// 1 in the guest's pending word, the call in the store, and an epoch
    /// check due at once. The Go wrapper, seeing the word set, jumps back
    /// to call the import again; the jump reaches the epoch check first,
    /// and its callback yields to the executor until the parked call's
    /// waker is woken.
    fn park_start<S: Send + 'static, R: WasmResult + Default>(
        caller: &mut EngineCaller<'_, S>,
        call: Pin<Box<dyn Pending<S, R>>>,
        flag: i32,
        (m, n): (&'static str, &'static str),
    ) -> Result<R, Trap> {
        let (bytes, data) = crate::host::memory_and_data::<Wasmtime, S>(caller)?;
        crate::abi::GuestMemory::new(bytes)
            .write_u32(flag, 1)
            .map_err(|e| Trap::new(format!("{m}.{n}: the pending word: {e}")))?;
        data.abi.async_calls.park(call, (m, n));
        caller.as_context_mut().set_epoch_deadline(0);
        Ok(R::default())
    }
}
