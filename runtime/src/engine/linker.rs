//! The linker, shared by both engine adapters (see `instance.rs`).

use super::func::{IntoAsyncHostFunc, IntoHostFunc};
use super::links::Links;
use super::{rt, Caller, Engine, Instance, Module, StoreData};
use crate::engine::link_check::{self, HostFuncs};
use crate::engine::native_stack;
use crate::engine::sig::{Import, Signature};
use crate::{Error, Limits, WasiConfig};

/// The host functions guests can import, WASI preview 1 included.
///
/// A linker is built once and instantiates any number of modules; `S` is the
/// embedder's state that host functions see through [`Caller`](super::Caller).
/// It instantiates modules of any generation of its engine (see "Memory
/// across reloads" at [`Engine`]) and keeps none of them alive but the
/// current one.
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
    /// The engine's linkers, made from what was registered.
    links: Links<S>,
    pub(crate) engine: Engine,
    /// The signatures of the functions registered with `func_wrap` and the
    /// registered modules' fingerprints, for link-time diagnostics (the
    /// engine's linker cannot be asked).
    pub(crate) host: HostFuncs,
    /// The async host functions of generated glue so far: each has a slot
    /// in an instance's state where its calls' futures are pinned.
    async_slots: usize,
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
    /// A linker providing WASI preview 1 (`wasi_snapshot_preview1`) and
    /// gohost's own import `gohost.config`, through which generated Go
    /// packages read [`WasiConfig::config`] values.
    pub fn new(engine: &Engine) -> Self {
        let mut linker = Linker {
            links: Links::new(engine),
            engine: engine.clone(),
            host: HostFuncs::default(),
            async_slots: 0,
        };
        linker
            .func_wrap(
                crate::abi::RUNTIME_MODULE,
                "config",
                |mut caller: Caller<'_, S>, key: i32, key_len: i32, buf: i32, capacity: i32| {
                    let (mut cx, _) = caller.__split()?;
                    crate::abi::read_config(&mut cx.mem, cx.abi, (key, key_len), buf, capacity)
                },
            )
            .expect("a new linker defines nothing yet");
        linker
    }

    /// A new slot for an async host function of generated glue (see
    /// `async_start::start`).
    pub(crate) fn async_slot(&mut self) -> usize {
        self.async_slots += 1;
        self.async_slots - 1
    }

    /// Registers the start of an async host function of generated glue: a
    /// sync function (see `async_start::start`), recorded as async, so that
    /// a guest importing it is instantiated for async calls.
    pub(crate) fn func_wrap_async_start<Params, Results>(
        &mut self,
        module: &str,
        name: &str,
        f: impl IntoHostFunc<S, Params, Results>,
    ) -> Result<&mut Self, Error> {
        self.wrap(module, name, f, true)
    }

    /// Registers the sync host function `f`, recorded as async or not.
    fn wrap<Params, Results>(
        &mut self,
        module: &str,
        name: &str,
        f: impl IntoHostFunc<S, Params, Results>,
        asynchronous: bool,
    ) -> Result<&mut Self, Error> {
        let sig = f.register::<true>(&mut self.links, module, name);
        self.defined(module, name, sig, asynchronous)
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
        self.wrap(module, name, f, false)
    }

    /// [`func_wrap`](Self::func_wrap) without the `tracing` span of each
    /// call, for the benchmark of what a span costs when no subscriber
    /// listens (`perf-probe`). Not for other uses.
    #[doc(hidden)]
    pub fn func_wrap_untraced<Params, Results>(
        &mut self,
        module: &str,
        name: &str,
        f: impl IntoHostFunc<S, Params, Results>,
    ) -> Result<&mut Self, Error> {
        let sig = f.register::<false>(&mut self.links, module, name);
        self.defined(module, name, sig, false)
    }

    /// Registers the async host function `f` as the import `module.name`.
    ///
    /// `f` runs in two parts: a synchronous start, which gets the
    /// [`Caller`](super::Caller) and returns a [`HostCall`](crate::HostCall)
    /// made from a `'static` future, and that future, which the guest's call
    /// awaits: the calling goroutine blocks (as in every import) while the
    /// executor runs other tasks. The future cannot hold the caller, the
    /// state or a view of the guest's memory: copy what it needs first.
    ///
    /// Guests that import an async function run only in async calls:
    /// instantiate them with [`instantiate_async`](Self::instantiate_async)
    /// (a sync instantiation is refused, naming the function) and call them
    /// with [`Instance::call_async`](super::Instance::call_async).
    ///
    /// A panic in `f` or in its future fails the guest's call with a trap,
    /// as for [`func_wrap`](Self::func_wrap).
    ///
    /// Each call boxes its future, and on wasmtime goes through the
    /// engine's async machinery even when the future is ready at once; the
    /// `async fn`s of a `#[gohost::host_module]` are cheaper
    /// (`docs/performance-rounds.md`, "Async calls"; `docs/abi.md`, "Async
    /// host functions").
    pub fn func_wrap_async<Params, Results>(
        &mut self,
        module: &str,
        name: &str,
        f: impl IntoAsyncHostFunc<S, Params, Results>,
    ) -> Result<&mut Self, Error> {
        let sig = f.register::<true>(&mut self.links, module, name);
        self.defined(module, name, sig, true)
    }

    /// Records a function the engine's linker defined (or says why it did
    /// not), for link-time checks.
    fn defined(
        &mut self,
        module: &str,
        name: &str,
        sig: Result<Signature, rt::Error>,
        asynchronous: bool,
    ) -> Result<&mut Self, Error> {
        let sig = sig.map_err(|e| Error::Link(format!("cannot define `{module}.{name}`: {e}")))?;
        let key = (module.to_owned(), name.to_owned());
        if asynchronous {
            self.host.asynchronous.insert(key.clone());
        }
        self.host.funcs.insert(key, sig);
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
        if let Some((m, name)) = self.async_import(module) {
            return Err(Error::Config(format!(
                "the guest imports `{m}.{name}`, an async host function: instantiate it with \
                 instantiate_async and call it with call_async"
            )));
        }
        let links = self.links.for_module(&module.inner).map_err(link_error)?;
        let mut store = self.new_store(module, wasi, state, limits, false)?;
        // A start function is a call into the guest from the host.
        let needed = store.data().entry_stack;
        let instantiated = native_stack::with_stack(needed, || {
            rt::instantiate(&links.sync, &mut store, &module.inner)
        })
        .map_err(|e| Error::Engine(e.to_string()))?;
        self.finish(store, instantiated)
    }

    /// Instantiates `module` for async calls: [`Instance::run_async`],
    /// [`Instance::initialize_async`], [`Instance::call_async`] and the typed
    /// clients' `_async` functions, which await host functions registered
    /// with [`func_wrap_async`](Self::func_wrap_async) and yield to the
    /// executor while the guest computes or sleeps. Its sync methods refuse
    /// to run (the guest may need to await).
    ///
    /// Needs an engine built with [`Config::interruptible`](crate::Config::interruptible)
    /// (what lets a busy guest yield) and a Tokio runtime (its timers serve
    /// deadlines and sleeping guests).
    ///
    /// ```no_run
    /// # async fn f() -> Result<(), gohost::Error> {
    /// use gohost::{Config, Engine, Linker, Module, WasiConfig};
    ///
    /// let engine = Engine::new(Config::new().interruptible(true));
    /// let module = Module::from_file(&engine, "plugin.wasm")?;
    /// let linker = Linker::<()>::new(&engine);
    /// let mut plugin = linker.instantiate_async(&module, &WasiConfig::new(), ()).await?;
    /// plugin.initialize_async().await?;
    /// let sum: i32 = plugin.call_async("add", (2i32, 3i32)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn instantiate_async(
        &self,
        module: &Module,
        wasi: &WasiConfig,
        state: S,
    ) -> Result<Instance<S>, Error> {
        self.instantiate_limited_async(module, wasi, state, Limits::new())
            .await
    }

    /// Like [`instantiate_async`](Self::instantiate_async), with limits on
    /// memory and execution.
    pub async fn instantiate_limited_async(
        &self,
        module: &Module,
        wasi: &WasiConfig,
        state: S,
        limits: Limits,
    ) -> Result<Instance<S>, Error> {
        if !self.engine.interruptible {
            return Err(Error::Config(
                "async instances need an engine built with Config::interruptible(true), \
                 so that a busy guest yields to the executor"
                    .into(),
            ));
        }
        crate::engine::async_call::require_tokio()?;
        let links = self.links.for_module(&module.inner).map_err(link_error)?;
        let linker = links
            .asynchronous()
            .map_err(|e| Error::Link(format!("cannot make the async linker: {e}")))?;
        let mut store = self.new_store(module, wasi, state, limits, true)?;
        let instantiated = rt::instantiate_async(linker, &mut store, &module.inner).await;
        self.finish(store, instantiated)
    }

    /// The first async host function `module` imports, if any.
    pub(crate) fn async_import<'m>(&self, module: &'m Module) -> Option<(&'m str, &'m str)> {
        if self.host.asynchronous.is_empty() {
            return None;
        }
        module
            .inner
            .imports()
            .map(|i| (i.module(), i.name()))
            .find(|(m, n)| {
                self.host
                    .asynchronous
                    .contains(&((*m).to_owned(), (*n).to_owned()))
            })
    }

    /// A store for an instance of `module`, once its imports are checked.
    fn new_store(
        &self,
        module: &Module,
        wasi: &WasiConfig,
        state: S,
        limits: Limits,
        asynchronous: bool,
    ) -> Result<rt::Store<StoreData<S>>, Error> {
        limits.check(self.engine.fuel, self.engine.interruptible)?;
        let mut data = StoreData::new(wasi.build(asynchronous)?, limits, state);
        data.abi.config = wasi.config_values();
        data.ident.module = module.name.clone();
        let mut store = rt::new_store(&self.engine, &module.inner, data)?;
        // A start function runs with the budget of a call. (A new wasmi
        // store holds no fuel at all, so without this a metered or
        // interruptible engine could not run one.)
        if store.get_fuel().is_ok() {
            let fuel = store.data().limits.fuel_per_call.unwrap_or(u64::MAX);
            rt::set_call_fuel(&mut store, fuel).map_err(|e| Error::Engine(e.to_string()))?;
        }
        // Set after the start function's fuel, which it gets in one go: a
        // start function is not resumable, even in an async instance.
        store.data_mut().asynchronous = asynchronous;
        link_check::check_imports(
            &self.host,
            module.inner.imports().map(|i| Import {
                module: i.module(),
                name: i.name(),
                kind: super::import_kind(i.ty()),
            }),
        )?;
        Ok(store)
    }

    /// The instance, from the engine's result of instantiating it.
    fn finish(
        &self,
        mut store: rt::Store<StoreData<S>>,
        instantiated: Result<(rt::Instance, Option<rt::Memory>), rt::Error>,
    ) -> Result<Instance<S>, Error> {
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
        Ok(Instance::new(store, instance, self.engine.interruptible))
    }
}

/// The error of an engine linker that cannot be made again for a module's
/// engine generation (the same registrations succeeded once, so this is
/// not expected).
fn link_error(e: rt::Error) -> Error {
    Error::Link(format!("cannot register the host functions again: {e}"))
}
