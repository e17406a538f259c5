//! The baseline on raw wasmtime: what a careful hand-written host does,
//! with nothing of gohost in between.

use wasmtime_wasi::p1::WasiP1Ctx;

/// What the raw host keeps per instance: WASI and the memory export,
/// resolved once (the best a hand-written host does).
struct Raw {
    wasi: WasiP1Ctx,
    memory: Option<wasmtime::Memory>,
}

/// The benchmark guest compiled by raw wasmtime with its default settings.
pub struct RawModule {
    engine: wasmtime::Engine,
    module: wasmtime::Module,
    linker: wasmtime::Linker<Raw>,
}

/// One started instance of the benchmark guest on raw wasmtime.
pub struct RawGuest {
    store: wasmtime::Store<Raw>,
    instance: wasmtime::Instance,
    guest_add: wasmtime::TypedFunc<(i32, i32), i32>,
}

fn memory<'a>(c: &'a mut wasmtime::Caller<'_, Raw>) -> wasmtime::Result<&'a mut [u8]> {
    let m = c
        .data()
        .memory
        .ok_or_else(|| wasmtime::Error::msg("no memory"))?;
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
        let engine = wasmtime::Engine::default();
        let module = wasmtime::Module::new(&engine, wasm).expect("compile the guest");
        let mut linker = wasmtime::Linker::<Raw>::new(&engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |r: &mut Raw| &mut r.wasi)
            .expect("wasi");
        linker
            .func_wrap("raw", "add", |a: i32, b: i32| a.wrapping_add(b))
            .expect("raw.add");
        linker
            .func_wrap(
                "raw",
                "text_len",
                |mut c: wasmtime::Caller<'_, Raw>, p: i32, l: i32| -> wasmtime::Result<i32> {
                    Ok(super::text_len(memory(&mut c)?, p, l))
                },
            )
            .expect("raw.text_len");
        linker
            .func_wrap(
                "raw",
                "bytes_len",
                |mut c: wasmtime::Caller<'_, Raw>, p: i32, l: i32| -> wasmtime::Result<i32> {
                    Ok(super::bytes_len(memory(&mut c)?, p, l))
                },
            )
            .expect("raw.bytes_len");
        linker
            .func_wrap(
                "raw",
                "refuse",
                |mut c: wasmtime::Caller<'_, Raw>,
                 code: i32,
                 p: i32,
                 cap: i32|
                 -> wasmtime::Result<i32> {
                    Ok(super::refuse(memory(&mut c)?, code, p, cap))
                },
            )
            .expect("raw.refuse");
        for import in module.imports() {
            if import.module() == "benchapi" {
                if let wasmtime::ExternType::Func(ty) = import.ty() {
                    // The raw loops never call the typed API; only the
                    // guest's `init` does, and reads no result.
                    linker
                        .func_new(import.module(), import.name(), ty, |_, _, results| {
                            for r in results.iter_mut() {
                                *r = wasmtime::Val::I32(0);
                            }
                            Ok(())
                        })
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
        let wasi = wasmtime_wasi::WasiCtxBuilder::new().build_p1();
        let mut store = wasmtime::Store::new(&self.engine, Raw { wasi, memory: None });
        let instance = self
            .linker
            .instantiate(&mut store, &self.module)
            .expect("instantiate");
        store.data_mut().memory = instance.get_memory(&mut store, "memory");
        instance
            .get_typed_func::<(), ()>(&mut store, "_initialize")
            .and_then(|f| f.call(&mut store, ()))
            .expect("_initialize");
        let guest_add = instance
            .get_typed_func(&mut store, "guest_add")
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
                .get_typed_func::<(i32, i32), i32>(&mut self.store, export)
                .and_then(|f| f.call(&mut self.store, (n, s))),
            None => self
                .instance
                .get_typed_func::<i32, i32>(&mut self.store, export)
                .and_then(|f| f.call(&mut self.store, n)),
        }
        .expect("call")
    }

    /// Calls the guest's scalar export through a resolved typed function.
    pub fn guest_add(&mut self, a: i32, b: i32) -> i32 {
        self.guest_add.call(&mut self.store, (a, b)).expect("call")
    }
}
