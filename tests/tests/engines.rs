//! Both engines in one build: the suite runs on the one `GOHOST_ENGINE`
//! names, and one process runs the same Go plugin on both at once.

use std::sync::Arc;

use gohost::{Config, Engine, EngineKind, Error, Linker, Module, Pool, WasiConfig};

/// The suite's second pass sets `GOHOST_ENGINE=wasmtime`: it must really
/// run on wasmtime, not fall back to the default with a warning.
#[test]
fn the_suite_runs_on_the_engine_gohost_engine_names() {
    let Ok(name) = std::env::var("GOHOST_ENGINE") else {
        assert_eq!(Engine::default().kind(), EngineKind::Wasmi);
        return;
    };
    let kind: EngineKind = name
        .parse()
        .unwrap_or_else(|e| panic!("GOHOST_ENGINE: {e}"));
    assert!(kind.is_available(), "this build has no {kind} engine");
    assert_eq!(Engine::default().kind(), kind);
    assert_eq!(Engine::new(&Config::new()).kind(), kind);
}

#[test]
fn one_process_runs_a_go_plugin_on_both_engines_at_once() {
    let wasm = std::fs::read(gohost_tests::build_plugin("reactor")).expect("read the plugin");
    let pools: Vec<(EngineKind, Arc<Pool<()>>)> = EngineKind::available()
        .map(|kind| {
            let engine = Engine::new(Config::new().engine(kind));
            let module = Module::from_bytes(&engine, &wasm).expect("compile");
            assert_eq!(module.engine_kind(), kind);
            let pool = Pool::builder(Linker::<()>::new(&engine), module, || ())
                .max_instances(2)
                .build();
            (kind, Arc::new(pool))
        })
        .collect();
    assert_eq!(pools.len(), 2, "the test crate builds both engines");
    std::thread::scope(|s| {
        for (kind, pool) in &pools {
            for t in 0..2 {
                s.spawn(move || {
                    for k in 0..50 {
                        let sum: i32 = pool
                            .call(|p| {
                                assert_eq!(p.engine_kind(), *kind);
                                p.call("add", (k, t))
                            })
                            .unwrap_or_else(|e| panic!("{kind}: {e}"));
                        assert_eq!(sum, k + t);
                    }
                });
            }
        }
    });
    for (kind, pool) in &pools {
        assert_eq!(pool.stats().calls, 100, "{kind}");
    }
}

#[test]
fn a_module_of_one_engine_is_refused_by_a_linker_of_the_other_with_a_sentence() {
    let wasm = wat::parse_str(r#"(module (func (export "run")))"#).expect("wat");
    let wasmi = Engine::new(Config::new().engine(EngineKind::Wasmi));
    let wasmtime = Engine::new(Config::new().engine(EngineKind::Wasmtime));
    let module = Module::from_bytes(&wasmtime, &wasm).expect("compile");
    let err = Linker::<()>::new(&wasmi)
        .instantiate(&module, &WasiConfig::new(), ())
        .expect_err("a wasmtime module on a wasmi linker");
    assert!(
        matches!(&err, Error::Config(m)
            if m.contains("compiled by a wasmtime engine") && m.contains("belongs to a wasmi engine")),
        "{err}"
    );
}
