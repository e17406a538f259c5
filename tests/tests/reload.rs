//! Reloading a plugin for as long as the host runs: one `Engine` and one
//! `Linker`, and cycles of load, instantiate, call, drop of a real Go
//! plugin. The compiled code of the modules that are gone must be freed
//! (wasmi engine generations, wasmtime code memory; see `gohost::Engine`),
//! so the resident memory stays within a bound however many cycles run.
//!
//! Before engine generations, on wasmi, every cycle kept about 3 MB (the
//! 2.7 MB benchmark plugin under `reload-soak`): these cycles alone would
//! have grown the process by several hundred MB.
//!
//! The plugin is `reentrant`: its export calls a host function registered
//! with `func_wrap`, which calls back into the guest, so each new engine
//! generation must have the host function too.

use std::time::Instant;

use gohost::{Caller, Engine, EngineKind, Linker, Module, WasiConfig};
use gohost_tests::mib;

/// Load/instantiate/call/drop cycles. Loading a Go plugin (1.9 MB of wasm)
/// is the slow part on wasmi, which validates and parses it each time:
/// about 60 ms a cycle in this (debug) test build, so 1,000 cycles would
/// add a minute to the suite on that engine; 400 take about 25 s and make
/// and retire some 24 engine generations. 1,000 run on wasmtime, which maps
/// the cached compiled module. `reload-soak` in `gohost-bench` runs 10,000
/// on either (see `docs/hot-reload.md`, "Reloading plugins").
fn cycles() -> u32 {
    if jit() {
        1_000
    } else {
        400
    }
}

/// Whether gohost runs on wasmtime (the suite runs once per engine).
fn jit() -> bool {
    EngineKind::default() == EngineKind::Wasmtime
}

/// Cycles before the second reading: the allocator, WASI and the engine
/// reach their steady state, and on wasmi several generations were made
/// and retired.
const WARM_UP: u32 = 100;

/// How much resident memory may grow between the warm-up and the end.
/// Measured on wasmi: 61.6 MiB after the warm-up, 60.6 MiB at the end. A
/// leak of the plugin's code (about 2 MB per cycle) breaks this bound
/// within 40 cycles.
const GROWTH_BOUND: u64 = 80 << 20;

#[test]
fn reloading_a_plugin_keeps_memory_bounded() {
    let plugin = gohost_tests::build_plugin("reentrant");
    let engine = Engine::default();
    let mut linker = Linker::<()>::new(&engine);
    linker
        .func_wrap(
            "env",
            "call_back",
            |mut caller: Caller<'_, ()>, depth: i32| -> Result<i32, gohost::Trap> {
                caller
                    .call::<(i32,), i32>("inner", (depth,))
                    .map_err(|e| gohost::Trap::new(e.to_string()))
            },
        )
        .expect("call_back");
    let start = gohost_tests::rss_bytes();
    let mut warm = 0;
    let began = Instant::now();
    let cycles = cycles();
    for cycle in 1..=cycles {
        let module = Module::from_file(&engine, &plugin).expect("load the plugin");
        let mut instance = linker
            .instantiate(&module, &WasiConfig::new(), ())
            .expect("instantiate");
        instance.initialize().expect("initialize");
        // outer: 1,000 bytes of string and one host call back into inner.
        let r = instance.call::<(i32,), i32>("outer", (0,));
        assert_eq!(r.ok(), Some(1001), "cycle {cycle}");
        drop(instance);
        drop(module);
        if cycle == WARM_UP {
            warm = gohost_tests::rss_bytes();
        }
    }
    let end = gohost_tests::rss_bytes();
    let elapsed = began.elapsed();
    println!(
        "{}: {cycles} reload cycles in {:.1} s ({:.1} ms each); RSS at start \
         {:.1} MiB, after {WARM_UP} cycles {:.1} MiB, at end {:.1} MiB; {} engine generations",
        EngineKind::default(),
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1000.0 / f64::from(cycles),
        mib(start),
        mib(warm),
        mib(end),
        engine.generations(),
    );
    assert!(
        end.saturating_sub(warm) < GROWTH_BOUND,
        "resident memory grew by {:.1} MiB over {} reload cycles (bound {:.0} MiB)",
        mib(end.saturating_sub(warm)),
        cycles - WARM_UP,
        mib(GROWTH_BOUND),
    );
    if !jit() {
        assert!(
            engine.generations() > 1,
            "the engine made no new generation"
        );
    }
}
