//! A compiled module, of the engine that compiled it.

use std::path::Path;
use std::sync::Arc;

use super::backend::Backend;
use super::choice::{dispatch, per_engine};
use super::handle::{Engine, EngineRepr};
use super::kind::EngineKind;
use super::sig::Import;
use crate::error::Error;

/// A validated, compiled WebAssembly module, ready to be instantiated any
/// number of times by a [`Linker`](crate::Linker) of the engine that
/// compiled it.
///
/// Cheap to clone. Its compiled code is freed when the module, its clones
/// and its instances are all dropped (see "Memory across reloads" at
/// [`Engine`]).
#[derive(Debug, Clone)]
pub struct Module {
    pub(crate) repr: ModuleRepr,
    pub(crate) name: Option<Arc<str>>,
}

/// The engine's module, as its [`Backend`] keeps it.
pub(crate) type ModuleOf<B> = <B as Backend>::Module;

per_engine!(
    #[derive(Debug, Clone)]
    pub(crate) enum ModuleRepr = ModuleOf<@>
);

impl Module {
    /// Validates and compiles `wasm` (binary format).
    ///
    /// On wasmi, with the default lazy compilation, function bodies are
    /// translated on their first call; validation is complete either way.
    pub fn from_bytes(engine: &Engine, wasm: &[u8]) -> Result<Self, Error> {
        Self::compile(engine, wasm, None)
    }

    /// Reads, validates and compiles the module at `path`.
    ///
    /// On wasmtime the compiled code is kept in the module cache (see
    /// [`Config::cache`](crate::Config::cache)), and taken from there when
    /// the same bytes are loaded again by an engine with the same settings.
    pub fn from_file(engine: &Engine, path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let repr =
            dispatch!(EngineRepr, &engine.repr, B, e => ModuleRepr::from(B::load_file(e, path)?));
        Ok(Module {
            repr,
            name: file_name(path),
        })
    }

    /// The module `wasm`, read from `path` by the caller (a plugin set,
    /// which hashes the bytes too): named and reported as `from_file`'s
    /// (and kept in wasmtime's module cache by its contents).
    pub(crate) fn from_file_bytes(
        engine: &Engine,
        path: &Path,
        wasm: &[u8],
    ) -> Result<Self, Error> {
        let mut module = Self::compile(engine, wasm, Some(path))?;
        module.name = file_name(path);
        Ok(module)
    }

    fn compile(engine: &Engine, wasm: &[u8], origin: Option<&Path>) -> Result<Self, Error> {
        check_magic(wasm, origin)?;
        let repr = dispatch!(EngineRepr, &engine.repr, B, e => ModuleRepr::from(B::compile(e, wasm, origin)?));
        Ok(Module { repr, name: None })
    }

    /// The engine that compiled the module.
    pub fn engine_kind(&self) -> EngineKind {
        dispatch!(ModuleRepr, &self.repr, B, _ => B::KIND)
    }

    /// The name of the file the module was loaded from (its last path
    /// component, `plugin.wasm`), for the `module` field of call spans
    /// (see `docs/observability.md`); `None` for a module made from
    /// bytes.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Whether the module exports a function named `name`.
    pub fn has_export(&self, name: &str) -> bool {
        dispatch!(ModuleRepr, &self.repr, B, m => B::has_func_export(m, name))
    }

    /// What the module imports.
    pub(crate) fn imports(&self) -> Vec<Import<'_>> {
        dispatch!(ModuleRepr, &self.repr, B, m => B::imports(m))
    }
}

/// Refuses bytes that are not WebAssembly at all, before an engine says
/// something less clear.
pub(crate) fn check_magic(wasm: &[u8], origin: Option<&Path>) -> Result<(), Error> {
    if wasm.starts_with(b"\0asm") {
        return Ok(());
    }
    Err(Error::InvalidModule {
        origin: origin.map(|p| p.display().to_string()),
        message: format!(
            "not a WebAssembly binary (it does not start with \\0asm; found {:02x?})",
            &wasm[..wasm.len().min(4)]
        ),
    })
}
/// The last component of `path`, as a module's name.
pub(crate) fn file_name(path: &std::path::Path) -> Option<std::sync::Arc<str>> {
    path.file_name().map(|n| n.to_string_lossy().into())
}
