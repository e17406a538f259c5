//! The linker, shared by both engine adapters (see `instance.rs`).

use super::func::IntoHostFunc;
use super::{rt, Engine, Instance, Module, StoreData};
use crate::engine::link_check::{self, HostFuncs};
use crate::engine::native_stack;
use crate::engine::sig::Import;
use crate::{Error, Limits, WasiConfig};

/// The host functions guests can import, WASI preview 1 included.
///
/// A linker is built once and instantiates any number of modules; `S` is the
/// embedder's state that host functions see through [`Caller`](super::Caller).
///
/// ```
/// use gohost::{Caller, Engine, Linker, Trap};
///
/// let engine = Engine::default();
/// let mut linker = Linker::<u32>::new(&engine);
/// linker.func_wrap("env", "bump", |mut caller: Caller<'_, u32>, by: i32| -> Result<i32, Trap> {
///     *caller.data_mut() += by as u32;
///     Ok(*caller.data() as i32)
/// })?;
/// # Ok::<(), gohost::Error>(())
/// ```
pub struct Linker<S> {
    pub(crate) inner: rt::Linker<StoreData<S>>,
    pub(crate) engine: Engine,
    /// The signatures of the functions registered with `func_wrap` and the
    /// registered modules' fingerprints, for link-time diagnostics (the
    /// engine's linker cannot be asked).
    pub(crate) host: HostFuncs,
}

impl<S> std::fmt::Debug for Linker<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Linker")
            .field(
                "modules",
                &self.host.fingerprints.keys().collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl<S: Send + 'static> Linker<S> {
    /// A linker providing WASI preview 1 (`wasi_snapshot_preview1`).
    pub fn new(engine: &Engine) -> Self {
        Linker {
            inner: rt::wasi_linker(&engine.inner),
            engine: engine.clone(),
            host: HostFuncs::default(),
        }
    }

    /// The engine this linker belongs to.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Registers `f` as the import `module.name`.
    ///
    /// A panic in `f` does not unwind into the engine: it fails the guest's
    /// call with a trap naming `module.name` and carrying the panic's
    /// message. Fails if that name is already defined.
    pub fn func_wrap<Params, Results>(
        &mut self,
        module: &str,
        name: &str,
        f: impl IntoHostFunc<S, Params, Results>,
    ) -> Result<&mut Self, Error> {
        let sig = f
            .register(&mut self.inner, module, name)
            .map_err(|e| Error::Link(format!("cannot define `{module}.{name}`: {e}")))?;
        self.host
            .funcs
            .insert((module.to_owned(), name.to_owned()), sig);
        Ok(self)
    }

    /// Records the model fingerprint of a gohost module, so that guests
    /// built against other bindings are refused with a clear message.
    pub(crate) fn set_fingerprint(&mut self, module: &str, hash: &str) {
        self.host
            .fingerprints
            .insert(module.to_owned(), hash.to_owned());
    }

    /// Instantiates `module` with the given WASI configuration and state.
    ///
    /// Every import is checked first; a missing or mistyped one is reported
    /// by module, name and both signatures.
    pub fn instantiate(
        &self,
        module: &Module,
        wasi: &WasiConfig,
        state: S,
    ) -> Result<Instance<S>, Error> {
        self.instantiate_limited(module, wasi, state, Limits::new())
    }

    /// Like [`instantiate`](Self::instantiate), with limits on memory and
    /// execution. Memory taken during instantiation counts too.
    pub fn instantiate_limited(
        &self,
        module: &Module,
        wasi: &WasiConfig,
        state: S,
        limits: Limits,
    ) -> Result<Instance<S>, Error> {
        limits.check(self.engine.fuel, self.engine.interruptible)?;
        let data = StoreData::new(wasi.build()?, limits, state);
        let mut store = rt::new_store(&self.engine, data)?;
        // A start function runs with the budget of a call. (A new wasmi
        // store holds no fuel at all, so without this a metered or
        // interruptible engine could not run one.)
        if store.get_fuel().is_ok() {
            let fuel = store.data().limits.fuel_per_call.unwrap_or(u64::MAX);
            rt::set_call_fuel(&mut store, fuel).map_err(|e| Error::Engine(e.to_string()))?;
        }
        link_check::check_imports(
            &self.host,
            module.inner.imports().map(|i| Import {
                module: i.module(),
                name: i.name(),
                kind: super::import_kind(i.ty()),
            }),
        )?;
        // A start function is a call into the guest from the host.
        let needed = store.data().entry_stack;
        let instantiated = native_stack::with_stack(needed, || {
            rt::instantiate(&self.inner, &mut store, &module.inner)
        })
        .map_err(|e| Error::Engine(e.to_string()))?;
        let (instance, memory) = instantiated.map_err(|e| {
            match store.data().limiter.denied {
                Some(requested_bytes) => Error::MemoryLimit {
                    limit_bytes: store.data().limiter.max_bytes,
                    requested_bytes,
                },
                // With its context: which import did not match.
                None => Error::Link(format!("{e:#}")),
            }
        })?;
        store.data_mut().memory = memory;
        Ok(Instance::new(store, instance))
    }
}
