//! The wasmtime adapter (the `jit` feature): everything that names
//! `wasmtime` lives under this module. Same API as the wasmi adapter.

mod cache;
#[path = "../caller.rs"]
mod caller;
mod func;
#[path = "../instance.rs"]
mod instance;
mod limiter;
mod linker;
mod module;
mod store;

use std::sync::Arc;

pub use caller::Caller;
pub use func::{IntoHostFunc, WasmParams, WasmResult, WasmResults, WasmValue};
pub use instance::Instance;
pub use linker::Linker;
pub use module::Module;
pub use store::StoreData;

use super::sig::{ImportKind, Signature, ValKind};
use super::Config;

/// A compilation and execution environment shared by modules and instances.
///
/// Cheap to clone; clones share the same engine.
#[derive(Debug, Clone)]
pub struct Engine {
    pub(crate) inner: wasmtime::Engine,
    pub(crate) fuel: bool,
    /// Where compiled modules are cached; `None` when the cache is off.
    pub(crate) cache: Option<Arc<cache::Cache>>,
}

impl Engine {
    /// An engine with the given settings.
    pub fn new(config: &Config) -> Self {
        let mut c = wasmtime::Config::new();
        c.consume_fuel(config.fuel);
        // Trap messages name the trap, as on wasmi, without a backtrace.
        c.wasm_backtrace_max_frames(None);
        let inner = wasmtime::Engine::new(&c)
            .expect("gohost: wasmtime rejected a fixed, valid configuration");
        let cache = config
            .cache
            .then(|| config.cache_dir.clone().or_else(cache::default_dir))
            .flatten()
            .map(|dir| Arc::new(cache::Cache::new(dir, &inner)));
        Engine {
            inner,
            fuel: config.fuel,
            cache,
        }
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

pub(crate) fn import_kind(ty: &wasmtime::ExternType) -> ImportKind {
    match ty {
        wasmtime::ExternType::Func(f) => ImportKind::Func(signature(f)),
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
        Caller, Error, Extern, Func, Instance, Memory, Store, TypedFunc, WasmParams, WasmResults,
    };

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
