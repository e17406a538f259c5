//! Module loading on mutated wasm (seeded with tiny hand-made modules and,
//! at run time, a real Go guest): validation, linking against WASI, and
//! instantiation with limits must fail with an error, never a panic, a hang
//! or unbounded memory. A module that instantiates is also started, on a
//! small fuel budget so that no input can run forever.

#![no_main]

use gohost::{Config, Engine, Limits, Linker, Module, WasiConfig};
use libfuzzer_sys::fuzz_target;

/// A new engine per input: a wasmi engine keeps the code of every module
/// compiled on it until the engine itself is dropped, so one shared engine
/// would grow without bound over a fuzzing run.
fn engine() -> Engine {
    Engine::new(Config::new().consume_fuel(true))
}

fuzz_target!(|wasm: &[u8]| {
    // wasmi dispatches instructions by tail calls, which LLVM turns into
    // jumps in a normal optimized build. The coverage instrumentation of a
    // fuzz build prevents that, so each executed instruction takes a native
    // stack frame: run on a thread with a stack large enough for the fuel
    // budget (a normal build needs none of this).
    std::thread::scope(|s| {
        let worker = std::thread::Builder::new()
            .stack_size(1 << 30)
            .spawn_scoped(s, || load_and_run(wasm))
            .expect("spawn the fuzz worker");
        if let Err(panic) = worker.join() {
            std::panic::resume_unwind(panic);
        }
    });
});

fn load_and_run(wasm: &[u8]) {
    let engine = &engine();
    let Ok(module) = Module::from_bytes(engine, wasm) else {
        return;
    };
    let _ = module.has_export("_start");
    let linker = Linker::<()>::new(engine);
    let mut wasi = WasiConfig::new();
    wasi.args(["fuzz", "arg"]).env("K", "V");
    let limits = Limits::new().memory_bytes(64 << 20).fuel_per_call(200_000);
    let Ok(mut instance) = linker.instantiate_limited(&module, &wasi, (), limits) else {
        return;
    };
    if module.has_export("_initialize") {
        let _ = instance.initialize();
    } else if module.has_export("_start") {
        let _ = instance.run();
    }
    let _ = instance.memory_size();
}
