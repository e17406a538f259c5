//! Compiling modules on wasmtime, through the module cache when the engine
//! has one.

use std::path::Path;

use super::cache;
use super::engine::WasmtimeEngine;
use crate::engine::module::check_magic;
use crate::engine::sig::{Import, ImportKind, Signature, ValKind};
use crate::error::Error;

/// Validates and compiles `wasm` (already known to start as wasm does).
/// The bytes of a file (`origin` is its path) are kept in the module cache
/// by their contents, and taken from there when loaded again by an engine
/// with the same settings; bytes from elsewhere are compiled.
pub(crate) fn compile(
    engine: &WasmtimeEngine,
    wasm: &[u8],
    origin: Option<&Path>,
) -> Result<wasmtime::Module, Error> {
    match (&engine.cache, origin) {
        (Some(cache), Some(path)) => cached(engine, cache, &cache.key(wasm), wasm, Some(path)),
        _ => compile_now(engine, wasm, origin),
    }
}

/// Reads and compiles the module at `path`: from the cache when the file
/// is unchanged since it was last loaded, else by its contents.
pub(crate) fn load_file(engine: &WasmtimeEngine, path: &Path) -> Result<wasmtime::Module, Error> {
    if let Some(cache) = &engine.cache {
        if let Some(module) = cache.load_unchanged(&engine.inner, path) {
            return Ok(module);
        }
    }
    // Before reading: a file that changes while it is read must not be
    // remembered as unchanged.
    let id = engine.cache.as_ref().and_then(|_| cache::FileId::of(path));
    let wasm = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    check_magic(&wasm, Some(path))?;
    let Some(cache) = &engine.cache else {
        return compile_now(engine, &wasm, Some(path));
    };
    let key = cache.key(&wasm);
    let module = cached(engine, cache, &key, &wasm, Some(path))?;
    cache.remember(path, id, &key);
    Ok(module)
}

/// The module under `key` in the cache, or compiled and stored there.
fn cached(
    engine: &WasmtimeEngine,
    cache: &cache::Cache,
    key: &cache::Key,
    wasm: &[u8],
    origin: Option<&Path>,
) -> Result<wasmtime::Module, Error> {
    if let Some(module) = cache.load(&engine.inner, key) {
        return Ok(module);
    }
    let module = compile_now(engine, wasm, origin)?;
    cache.store(key, &module);
    Ok(module)
}

fn compile_now(
    engine: &WasmtimeEngine,
    wasm: &[u8],
    origin: Option<&Path>,
) -> Result<wasmtime::Module, Error> {
    wasmtime::Module::new(&engine.inner, wasm).map_err(|e| Error::InvalidModule {
        origin: origin.map(|p| p.display().to_string()),
        message: format!("{e:#}"),
    })
}

/// What `module` imports, in gohost's terms.
pub(crate) fn imports(module: &wasmtime::Module) -> Vec<Import<'_>> {
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
pub(crate) fn has_func_export(module: &wasmtime::Module, name: &str) -> bool {
    matches!(module.get_export(name), Some(wasmtime::ExternType::Func(_)))
}

fn val_kind(t: &wasmtime::ValType) -> ValKind {
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

/// A function type, in gohost's terms.
pub(crate) fn signature(ty: &wasmtime::FuncType) -> Signature {
    Signature {
        params: ty.params().map(|t| val_kind(&t)).collect(),
        results: ty.results().map(|t| val_kind(&t)).collect(),
    }
}

/// The kind of an import, from what wasmtime's import iterator yields (an
/// owned type; wasmi's lends one).
fn import_kind(ty: wasmtime::ExternType) -> ImportKind {
    match ty {
        wasmtime::ExternType::Func(f) => ImportKind::Func(signature(&f)),
        wasmtime::ExternType::Memory(_) => ImportKind::Memory,
        wasmtime::ExternType::Table(_) => ImportKind::Table,
        wasmtime::ExternType::Global(_) => ImportKind::Global,
        wasmtime::ExternType::Tag(_) => ImportKind::Other("tag"),
    }
}
