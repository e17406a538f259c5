use std::path::Path;
use std::sync::Arc;

use super::{cache, Engine};
use crate::Error;

/// A validated, compiled WebAssembly module, ready to be instantiated any
/// number of times.
///
/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct Module {
    pub(crate) inner: wasmtime::Module,
    pub(crate) name: Option<Arc<str>>,
}

impl Module {
    /// Validates and compiles `wasm` (binary format).
    pub fn from_bytes(engine: &Engine, wasm: &[u8]) -> Result<Self, Error> {
        check_magic(wasm, None)?;
        Self::compile(engine, wasm, None)
    }

    /// Reads, validates and compiles the module at `path`.
    ///
    /// The compiled code is kept in the module cache (see
    /// [`Config::cache`](crate::Config::cache)), and taken from there when
    /// the same bytes are loaded again by an engine with the same settings.
    pub fn from_file(engine: &Engine, path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let mut module = Self::load_file(engine, path)?;
        module.name = super::super::file_name(path);
        Ok(module)
    }

    /// The module at `path`, from the cache or compiled.
    fn load_file(engine: &Engine, path: &Path) -> Result<Self, Error> {
        if let Some(cache) = &engine.cache {
            if let Some(inner) = cache.load_unchanged(&engine.inner, path) {
                return Ok(Module { inner, name: None });
            }
        }
        // Before reading: a file that changes while it is read must not be
        // remembered as unchanged.
        let id = engine.cache.as_ref().and_then(|_| cache::FileId::of(path));
        let wasm = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        let origin = Some(path.display().to_string());
        check_magic(&wasm, origin.clone())?;
        let Some(cache) = &engine.cache else {
            return Self::compile(engine, &wasm, origin);
        };
        let key = cache.key(&wasm);
        let module = Self::cached(engine, cache, &key, &wasm, origin)?;
        cache.remember(path, id, &key);
        Ok(module)
    }

    /// The module `wasm`, read from `path` by the caller (a plugin set,
    /// which hashes the bytes too): named and reported as `from_file`'s,
    /// and kept in the module cache by its contents.
    pub(crate) fn from_file_bytes(
        engine: &Engine,
        path: &Path,
        wasm: &[u8],
    ) -> Result<Self, Error> {
        let origin = Some(path.display().to_string());
        check_magic(wasm, origin.clone())?;
        let mut module = match &engine.cache {
            None => Self::compile(engine, wasm, origin)?,
            Some(cache) => Self::cached(engine, cache, &cache.key(wasm), wasm, origin)?,
        };
        module.name = super::super::file_name(path);
        Ok(module)
    }

    /// The module under `key` in the cache, or compiled and stored there.
    fn cached(
        engine: &Engine,
        cache: &cache::Cache,
        key: &cache::Key,
        wasm: &[u8],
        origin: Option<String>,
    ) -> Result<Self, Error> {
        if let Some(inner) = cache.load(&engine.inner, key) {
            return Ok(Module { inner, name: None });
        }
        let module = Self::compile(engine, wasm, origin)?;
        cache.store(key, &module.inner);
        Ok(module)
    }

    fn compile(engine: &Engine, wasm: &[u8], origin: Option<String>) -> Result<Self, Error> {
        wasmtime::Module::new(&engine.inner, wasm)
            .map(|inner| Module { inner, name: None })
            .map_err(|e| Error::InvalidModule {
                origin,
                message: format!("{e:#}"),
            })
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
            Some(wasmtime::ExternType::Func(_))
        )
    }
}

fn check_magic(wasm: &[u8], origin: Option<String>) -> Result<(), Error> {
    if wasm.starts_with(b"\0asm") {
        return Ok(());
    }
    Err(Error::InvalidModule {
        origin,
        message: format!(
            "not a WebAssembly binary (it does not start with \\0asm; found {:02x?})",
            &wasm[..wasm.len().min(4)]
        ),
    })
}
