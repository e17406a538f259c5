use std::path::Path;
use std::sync::Arc;

use super::Engine;
use crate::Error;

/// A validated, compiled WebAssembly module, ready to be instantiated any
/// number of times.
///
/// Cheap to clone. Its compiled code is freed when the module, its clones
/// and its instances are all dropped (see "Memory across reloads" at
/// [`Engine`]).
#[derive(Debug, Clone)]
pub struct Module {
    pub(crate) inner: wasmi::Module,
    pub(crate) name: Option<Arc<str>>,
}

impl Module {
    /// Validates and compiles `wasm` (binary format).
    ///
    /// With the default lazy compilation, function bodies are translated on
    /// their first call; validation is complete either way.
    pub fn from_bytes(engine: &Engine, wasm: &[u8]) -> Result<Self, Error> {
        Self::compile(engine, wasm, None)
    }

    /// Reads, validates and compiles the module at `path`.
    pub fn from_file(engine: &Engine, path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let wasm = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        let mut module = Self::compile(engine, &wasm, Some(path.display().to_string()))?;
        module.name = super::super::file_name(path);
        Ok(module)
    }

    /// The module `wasm`, read from `path` by the caller (a plugin set,
    /// which hashes the bytes too): named and reported as `from_file`'s.
    pub(crate) fn from_file_bytes(
        engine: &Engine,
        path: &Path,
        wasm: &[u8],
    ) -> Result<Self, Error> {
        let mut module = Self::compile(engine, wasm, Some(path.display().to_string()))?;
        module.name = super::super::file_name(path);
        Ok(module)
    }

    fn compile(engine: &Engine, wasm: &[u8], origin: Option<String>) -> Result<Self, Error> {
        let invalid = |message: String| Error::InvalidModule {
            origin: origin.clone(),
            message,
        };
        if !wasm.starts_with(b"\0asm") {
            return Err(invalid(format!(
                "not a WebAssembly binary (it does not start with \\0asm; found {:02x?})",
                &wasm[..wasm.len().min(4)]
            )));
        }
        // The generation is chosen by the module's size, and charged for it
        // even if it turns out invalid: wasmi may have kept some of it.
        wasmi::Module::new(&engine.for_module(wasm.len()), wasm)
            .map(|inner| Module { inner, name: None })
            .map_err(|e| invalid(e.to_string()))
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
        matches!(
            self.inner.get_export(name),
            Some(wasmi::ExternType::Func(_))
        )
    }
}
