//! Compiling modules on wasmi, in the engine generation their size picks.

use std::path::Path;

use super::engine::WasmiEngine;
use crate::engine::sig::{Import, ImportKind, Signature, ValKind};
use crate::error::Error;

/// Validates and compiles `wasm` (already known to start as wasm does).
/// With the default lazy compilation, function bodies are translated on
/// their first call; validation is complete either way.
pub(crate) fn compile(
    engine: &WasmiEngine,
    wasm: &[u8],
    origin: Option<&Path>,
) -> Result<wasmi::Module, Error> {
    // The generation is chosen by the module's size, and charged for it
    // even if it turns out invalid: wasmi may have kept some of it.
    wasmi::Module::new(&engine.for_module(wasm.len()), wasm).map_err(|e| Error::InvalidModule {
        origin: origin.map(|p| p.display().to_string()),
        message: e.to_string(),
    })
}

/// What `module` imports, in gohost's terms.
pub(crate) fn imports(module: &wasmi::Module) -> Vec<Import<'_>> {
    module
        .imports()
        .map(|i| Import {
            module: i.module(),
            name: i.name(),
            kind: import_kind(i.ty()),
        })
        .collect()
}

/// Whether `module` exports a function named `name`.
pub(crate) fn has_func_export(module: &wasmi::Module, name: &str) -> bool {
    matches!(module.get_export(name), Some(wasmi::ExternType::Func(_)))
}

/// Reads and compiles the module at `path`.
pub(crate) fn load_file(engine: &WasmiEngine, path: &Path) -> Result<wasmi::Module, Error> {
    let wasm = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    crate::engine::module::check_magic(&wasm, Some(path))?;
    compile(engine, &wasm, Some(path))
}

fn val_kind(t: wasmi::ValType) -> ValKind {
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

/// A function type, in gohost's terms.
pub(crate) fn signature(ty: &wasmi::FuncType) -> Signature {
    Signature {
        params: ty.params().iter().copied().map(val_kind).collect(),
        results: ty.results().iter().copied().map(val_kind).collect(),
    }
}

fn import_kind(ty: &wasmi::ExternType) -> ImportKind {
    match ty {
        wasmi::ExternType::Func(f) => ImportKind::Func(signature(f)),
        wasmi::ExternType::Memory(_) => ImportKind::Memory,
        wasmi::ExternType::Table(_) => ImportKind::Table,
        wasmi::ExternType::Global(_) => ImportKind::Global,
    }
}
