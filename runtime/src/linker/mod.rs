//! The linker: the host functions guests can import, on either engine,
//! and instantiating modules with them.

mod instantiate;
pub(crate) mod link_check;

use instantiate::{LinkerOn, Spec};
use link_check::HostFuncs;

use crate::engine::host_funcs::{AsyncHostFuncOn, HostFuncOn, IntoAsyncHostFunc, IntoHostFunc};
use crate::engine::module::ModuleRepr;
use crate::engine::sig::Signature;
use crate::engine::{dispatch, dispatch_pair, per_engine, Backend, Engine, EngineRepr, Module};
use crate::error::Error;
use crate::host::Caller;
use crate::instance::Instance;
use crate::limits::Limits;
use crate::wasi::WasiConfig;

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
pub struct Linker<S: 'static> {
    /// The engine and its linkers, made from what was registered.
    repr: LinkerRepr<S>,
    pub(crate) engine: Engine,
    /// The signatures of the functions registered with `func_wrap` and the
    /// registered modules' fingerprints, for link-time diagnostics (the
    /// engine's linker cannot be asked).
    pub(crate) host: HostFuncs,
    /// The async host functions of generated glue so far: each has a slot
    /// in an instance's state where its calls' futures are pinned.
    async_slots: usize,
}

per_engine!(
    enum LinkerRepr<S> = LinkerOn<@, S>
);

impl<S> std::fmt::Debug for Linker<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Linker")
            .field("engine", &self.engine.kind())
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
        let repr = dispatch!(EngineRepr, &engine.repr, B, e => LinkerRepr::from(LinkerOn::<B, S>::new(e.clone())));
        let mut linker = Linker {
            repr,
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
        self.wrap::<true, _, _>(module, name, f, true)
    }

    /// Registers the sync host function `f`, recorded as async or not.
    fn wrap<const TRACED: bool, Params, Results>(
        &mut self,
        module: &str,
        name: &str,
        f: impl IntoHostFunc<S, Params, Results>,
        asynchronous: bool,
    ) -> Result<&mut Self, Error> {
        let sig = dispatch!(LinkerRepr, &mut self.repr, B, l =>
            HostFuncOn::<B, S, Params, Results>::define::<TRACED>(f, &mut l.links, module, name)
                .map_err(|e| B::message(&e)));
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
        self.wrap::<true, _, _>(module, name, f, false)
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
        self.wrap::<false, _, _>(module, name, f, false)
    }

    /// Registers the async host function `f` as the import `module.name`.
    ///
    /// `f` runs in two parts: a synchronous start, which gets the
    /// [`Caller`](crate::Caller) and returns a [`HostCall`](crate::HostCall)
    /// made from a `'static` future, and that future, which the guest's call
    /// awaits: the calling goroutine blocks (as in every import) while the
    /// executor runs other tasks. The future cannot hold the caller, the
    /// state or a view of the guest's memory: copy what it needs first.
    ///
    /// Guests that import an async function run only in async calls:
    /// instantiate them with [`instantiate_async`](Self::instantiate_async)
    /// (a sync instantiation is refused, naming the function) and call them
    /// with [`Instance::call_async`](crate::Instance::call_async).
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
        let sig = dispatch!(LinkerRepr, &mut self.repr, B, l =>
            AsyncHostFuncOn::<B, S, Params, Results>::define::<true>(f, &mut l.links, module, name)
                .map_err(|e| B::message(&e)));
        self.defined(module, name, sig, true)
    }

    /// Records a function the engine's linker defined (or says why it did
    /// not), for link-time checks.
    fn defined(
        &mut self,
        module: &str,
        name: &str,
        sig: Result<Signature, String>,
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
        let spec = self.spec(module, wasi, limits, state, false);
        dispatch_pair!(
            (LinkerRepr, &self.repr), (ModuleRepr, &module.repr), (l, m) =>
                Ok(Instance::new(l.instantiate(&self.host, m, spec)?)),
            _ => Err(self.other_engine(module))
        )
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
        if !self.engine.interruptible() {
            return Err(Error::Config(
                "async instances need an engine built with Config::interruptible(true), \
                 so that a busy guest yields to the executor"
                    .into(),
            ));
        }
        crate::instance::async_call::require_tokio()?;
        let spec = self.spec(module, wasi, limits, state, true);
        dispatch_pair!(
            (LinkerRepr, &self.repr), (ModuleRepr, &module.repr), (l, m) =>
                Ok(Instance::new(l.instantiate_async(&self.host, m, spec).await?)),
            _ => Err(self.other_engine(module))
        )
    }

    /// What an instantiation of `module` is for.
    fn spec<'w>(
        &self,
        module: &Module,
        wasi: &'w WasiConfig,
        limits: Limits,
        state: S,
        asynchronous: bool,
    ) -> Spec<'w, S> {
        Spec {
            module_name: module.name.clone(),
            wasi,
            limits,
            state,
            asynchronous,
        }
    }

    /// The error of instantiating a module of another engine.
    fn other_engine(&self, module: &Module) -> Error {
        Error::Config(format!(
            "the module was compiled by a {} engine and the linker belongs to a {} engine: \
             load the module with the linker's engine (Module::from_file(linker.engine(), ...))",
            module.engine_kind(),
            self.engine.kind()
        ))
    }

    /// The first async host function `module` imports, if any.
    pub(crate) fn async_import<'m>(&self, module: &'m Module) -> Option<(&'m str, &'m str)> {
        if self.host.asynchronous.is_empty() {
            return None;
        }
        module
            .imports()
            .into_iter()
            .map(|i| (i.module, i.name))
            .find(|(m, n)| {
                self.host
                    .asynchronous
                    .contains(&((*m).to_owned(), (*n).to_owned()))
            })
    }
}
