//! Instantiating a module on one engine: the store and its data, the
//! checks that come first, and the engine's result turned into an
//! [`InstanceOn`].

use super::link_check::{self, HostFuncs};
use crate::engine::{Backend, Instantiated, StoreData};
use crate::error::Error;
use crate::instance::InstanceOn;
use crate::limits::Limits;
use crate::wasi::WasiConfig;

/// What a [`Linker`](super::Linker) keeps of one engine: its engine and the
/// host functions as that engine holds them.
pub(crate) struct LinkerOn<B: Backend, S: 'static> {
    pub(super) engine: B::Engine,
    pub(super) links: B::Links<S>,
}

/// What an instantiation is for: the module's name, WASI, limits, state.
pub(super) struct Spec<'a, S> {
    pub(super) module_name: Option<std::sync::Arc<str>>,
    pub(super) wasi: &'a WasiConfig,
    pub(super) limits: Limits,
    pub(super) state: S,
    pub(super) asynchronous: bool,
}

impl<B: Backend, S: Send + 'static> LinkerOn<B, S> {
    pub(super) fn new(engine: B::Engine) -> Self {
        let links = B::new_links(&engine);
        LinkerOn { engine, links }
    }

    /// Instantiates `module` for sync calls.
    pub(super) fn instantiate(
        &self,
        host: &HostFuncs,
        module: &B::Module,
        spec: Spec<'_, S>,
    ) -> Result<InstanceOn<B, S>, Error> {
        let mut store = self.new_store(host, module, spec)?;
        let instantiated = B::instantiate(&self.links, &mut store, module)?;
        self.finish(store, instantiated)
    }

    /// Instantiates `module` for async calls.
    pub(super) async fn instantiate_async(
        &self,
        host: &HostFuncs,
        module: &B::Module,
        spec: Spec<'_, S>,
    ) -> Result<InstanceOn<B, S>, Error> {
        let mut store = self.new_store(host, module, spec)?;
        let instantiated = B::instantiate_async(&self.links, &mut store, module).await?;
        self.finish(store, instantiated)
    }

    /// A store for an instance of `module`, once its imports are checked.
    fn new_store(
        &self,
        host: &HostFuncs,
        module: &B::Module,
        spec: Spec<'_, S>,
    ) -> Result<B::Store<S>, Error> {
        let Spec {
            module_name,
            wasi,
            limits,
            state,
            asynchronous,
        } = spec;
        limits.check(B::fuel(&self.engine), B::interruptible(&self.engine))?;
        let mut data = StoreData::<B, S>::new(
            B::build_wasi(wasi, asynchronous)?,
            Default::default(),
            limits,
            B::entry_stack(&self.engine),
            state,
        );
        data.abi.config = wasi.config_values();
        data.ident.module = module_name;
        let mut store = B::new_store(&self.engine, module, data);
        // A start function runs with the budget of a call. (A new wasmi
        // store holds no fuel at all, so without this a metered or
        // interruptible engine could not run one.)
        if B::metered(&store) {
            let fuel = limits.fuel_per_call.unwrap_or(u64::MAX);
            B::set_call_fuel(&mut store, fuel).map_err(|e| Error::Engine(B::message(&e)))?;
        }
        // Set after the start function's fuel, which it gets in one go: a
        // start function is not resumable, even in an async instance.
        B::data_mut(&mut store).asynchronous = asynchronous;
        link_check::check_imports(host, B::imports(module))?;
        Ok(store)
    }

    /// The instance, from the engine's result of instantiating it.
    fn finish(
        &self,
        mut store: B::Store<S>,
        instantiated: Instantiated<B>,
    ) -> Result<InstanceOn<B, S>, Error> {
        let (instance, memory) = instantiated.map_err(|e| {
            let limiter = &B::data(&store).limiter;
            match limiter.denied {
                Some(requested_bytes) => Error::MemoryLimit {
                    limit_bytes: limiter.max_bytes,
                    requested_bytes,
                },
                // With its context: which import did not match.
                None => Error::Link(B::full_message(&e)),
            }
        })?;
        B::data_mut(&mut store).memory = memory;
        Ok(InstanceOn::new(
            store,
            instance,
            B::interruptible(&self.engine),
        ))
    }
}
