//! The wasmi adapter (the default engine): everything that names `wasmi`
//! lives under this module.

#[path = "../caller.rs"]
mod caller;
mod func;
#[path = "../instance.rs"]
mod instance;
mod limiter;
mod linker;
mod module;
mod store;

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
    pub(crate) inner: wasmi::Engine,
    pub(crate) fuel: bool,
}

impl Engine {
    /// An engine with the given settings.
    pub fn new(config: &Config) -> Self {
        let mut c = wasmi::Config::default();
        c.consume_fuel(config.fuel);
        c.compilation_mode(if config.eager {
            wasmi::CompilationMode::Eager
        } else {
            wasmi::CompilationMode::Lazy
        });
        Engine {
            inner: wasmi::Engine::new(&c),
            fuel: config.fuel,
        }
    }
}

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
        Caller, Error, Extern, Func, Instance, Memory, Store, TypedFunc, WasmParams, WasmResults,
    };

    /// The exit code if `e` is WASI's `proc_exit`.
    pub(crate) fn exit_status(e: &Error) -> Option<i32> {
        e.i32_exit_status()
    }

    /// Whether `e` is the trap of a call that ran out of fuel.
    pub(crate) fn out_of_fuel(e: &Error) -> bool {
        e.as_trap_code() == Some(wasmi::TrapCode::OutOfFuel)
    }
}
