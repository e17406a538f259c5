//! The baseline on raw wasmi: what a careful hand-written host does, with
//! nothing of gohost in between.

use wasmi_wasi::WasiCtx;

/// What the raw host keeps per instance: WASI and the memory export,
/// resolved once (the best a hand-written host does).
struct Raw {
    wasi: WasiCtx,
    memory: Option<wasmi::Memory>,
}

/// The benchmark guest compiled by raw wasmi, configured as gohost
/// configures it (lazy compilation).
pub struct RawModule {
    engine: wasmi::Engine,
    module: wasmi::Module,
    linker: wasmi::Linker<Raw>,
}

/// One started instance of the benchmark guest on raw wasmi.
pub struct RawGuest {
    store: wasmi::Store<Raw>,
    instance: wasmi::Instance,
    guest_add: wasmi::TypedFunc<(i32, i32), i32>,
}

fn memory<'a>(c: &'a mut wasmi::Caller<'_, Raw>) -> Result<&'a mut [u8], wasmi::Error> {
    let m = c
        .data()
        .memory
        .ok_or_else(|| wasmi::Error::new("no memory"))?;
    Ok(m.data_mut(c))
}

impl std::fmt::Debug for RawModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawModule").finish_non_exhaustive()
    }
}

impl std::fmt::Debug for RawGuest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawGuest").finish_non_exhaustive()
    }
}

impl RawModule {
    /// Compiles `wasm` and links WASI and the hand-written `raw.*` imports.
    ///
    /// # Panics
    ///
    /// If the module does not compile or link; a benchmark has no better
    /// answer.
    pub fn new(wasm: &[u8]) -> Self {
        let mut config = wasmi::Config::default();
        config.compilation_mode(wasmi::CompilationMode::Lazy);
        let engine = wasmi::Engine::new(&config);
        let module = wasmi::Module::new(&engine, wasm).expect("compile the guest");
        let mut linker = wasmi::Linker::<Raw>::new(&engine);
        wasmi_wasi::add_to_linker(&mut linker, |r: &mut Raw| &mut r.wasi).expect("wasi");
        linker
            .func_wrap("raw", "add", |a: i32, b: i32| a.wrapping_add(b))
            .expect("raw.add");
        linker
            .func_wrap(
                "raw",
                "text_len",
                |mut c: wasmi::Caller<'_, Raw>, p: i32, l: i32| -> Result<i32, wasmi::Error> {
                    Ok(super::text_len(memory(&mut c)?, p, l))
                },
            )
            .expect("raw.text_len");
        linker
            .func_wrap(
                "raw",
                "bytes_len",
                |mut c: wasmi::Caller<'_, Raw>, p: i32, l: i32| -> Result<i32, wasmi::Error> {
                    Ok(super::bytes_len(memory(&mut c)?, p, l))
                },
            )
            .expect("raw.bytes_len");
        linker
            .func_wrap(
                "raw",
                "refuse",
                |mut c: wasmi::Caller<'_, Raw>,
                 code: i32,
                 p: i32,
                 cap: i32|
                 -> Result<i32, wasmi::Error> {
                    Ok(super::refuse(memory(&mut c)?, code, p, cap))
                },
            )
            .expect("raw.refuse");
        for import in module.imports() {
            if import.module() == "benchapi" {
                if let wasmi::ExternType::Func(ty) = import.ty() {
                    // The raw loops never call the typed API; only the
                    // guest's `init` does, and needs no result.
                    linker
                        .func_new(import.module(), import.name(), ty.clone(), |_, _, _| Ok(()))
                        .expect("stub");
                }
            }
        }
        RawModule {
            engine,
            module,
            linker,
        }
    }

    /// A new instance, its Go runtime started (`_initialize`).
    pub fn instantiate(&self) -> RawGuest {
        let mut store = wasmi::Store::new(
            &self.engine,
            Raw {
                wasi: wasmi_wasi::WasiCtxBuilder::new().build(),
                memory: None,
            },
        );
        let instance = self
            .linker
            .instantiate_and_start(&mut store, &self.module)
            .expect("instantiate");
        store.data_mut().memory = instance.get_memory(&store, "memory");
        instance
            .get_typed_func::<(), ()>(&store, "_initialize")
            .and_then(|f| f.call(&mut store, ()))
            .expect("_initialize");
        let guest_add = instance
            .get_typed_func(&store, "guest_add")
            .expect("guest_add");
        RawGuest {
            store,
            instance,
            guest_add,
        }
    }
}

impl RawGuest {
    /// Runs one of the guest's benchmark loops (`loop_raw_*`).
    pub fn call_loop(&mut self, export: &str, n: i32, size: Option<i32>) -> i32 {
        match size {
            Some(s) => self
                .instance
                .get_typed_func::<(i32, i32), i32>(&self.store, export)
                .and_then(|f| f.call(&mut self.store, (n, s))),
            None => self
                .instance
                .get_typed_func::<i32, i32>(&self.store, export)
                .and_then(|f| f.call(&mut self.store, n)),
        }
        .expect("call")
    }

    /// Calls the guest's scalar export through a resolved typed function.
    pub fn guest_add(&mut self, a: i32, b: i32) -> i32 {
        self.guest_add.call(&mut self.store, (a, b)).expect("call")
    }
}
