//! The smallest reasonable host for a Go wasip1 command on raw wasmtime +
//! wasmtime-wasi (preview 1), configured like `gohost run` (inherited stdio,
//! arguments): the cold-start baseline for `gohost run` on wasmtime.
//!
//! ```text
//! raw-wasmtime-run [--precompiled FILE.cwasm] prog.wasm [args...]
//! ```
//!
//! With `--precompiled`, the module is loaded from FILE (memory-mapped,
//! the fastest load wasmtime offers) when it exists, and compiled and
//! written there when it does not: the baseline for gohost's module cache.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let precompiled = match args.first().map(String::as_str) {
        Some("--precompiled") if args.len() >= 2 => {
            let file = args.remove(1);
            args.remove(0);
            Some(file)
        }
        _ => None,
    };
    let Some(path) = args.first().cloned() else {
        eprintln!("usage: raw-wasmtime-run [--precompiled FILE.cwasm] prog.wasm [args...]");
        return ExitCode::from(2);
    };
    match run(&path, precompiled.as_deref(), &args) {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("raw-wasmtime-run: {e:#}");
            ExitCode::from(125)
        }
    }
}

fn load(
    engine: &wasmtime::Engine,
    path: &str,
    precompiled: Option<&str>,
) -> wasmtime::Result<wasmtime::Module> {
    let Some(cwasm) = precompiled else {
        return wasmtime::Module::from_file(engine, path);
    };
    if Path::new(cwasm).exists() {
        // SAFETY: the file was written by `Module::serialize` of this very
        // program (below), with the same engine settings; wasmtime checks
        // its version and settings again.
        return unsafe { wasmtime::Module::deserialize_file(engine, cwasm) };
    }
    let module = wasmtime::Module::from_file(engine, path)?;
    std::fs::write(cwasm, module.serialize()?)?;
    Ok(module)
}

fn run(path: &str, precompiled: Option<&str>, args: &[String]) -> wasmtime::Result<i32> {
    let engine = wasmtime::Engine::default();
    let module = load(&engine, path, precompiled)?;
    let mut linker = wasmtime::Linker::new(&engine);
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |ctx| ctx)?;
    let wasi = wasmtime_wasi::WasiCtxBuilder::new()
        .inherit_stdio()
        .args(args)
        .build_p1();
    let mut store = wasmtime::Store::new(&engine, wasi);
    let instance = linker.instantiate(&mut store, &module)?;
    let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
    match start.call(&mut store, ()) {
        Ok(()) => Ok(0),
        Err(e) => match e.downcast_ref::<wasmtime_wasi::I32Exit>() {
            Some(exit) => Ok(exit.0),
            None => Err(e),
        },
    }
}
