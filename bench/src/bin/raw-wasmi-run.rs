//! The smallest reasonable host for a Go wasip1 command on raw wasmi +
//! wasmi_wasi, configured like `gohost run` (lazy compilation, inherited
//! stdio, arguments): the cold-start baseline for `gohost run`.
//!
//! ```text
//! raw-wasmi-run prog.wasm [args...]
//! ```

use std::process::ExitCode;

use wasmi_wasi::WasiCtx;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: raw-wasmi-run prog.wasm [args...]");
        return ExitCode::from(2);
    };
    match run(path, &args) {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("raw-wasmi-run: {e}");
            ExitCode::from(125)
        }
    }
}

fn run(path: &str, args: &[String]) -> Result<i32, Box<dyn std::error::Error>> {
    let mut config = wasmi::Config::default();
    config.compilation_mode(wasmi::CompilationMode::Lazy);
    let engine = wasmi::Engine::new(&config);
    let module = wasmi::Module::new(&engine, std::fs::read(path)?)?;
    let mut linker = wasmi::Linker::<WasiCtx>::new(&engine);
    wasmi_wasi::add_to_linker(&mut linker, |ctx| ctx)?;
    let mut builder = wasmi_wasi::WasiCtxBuilder::new();
    builder.inherit_stdio().args(args)?;
    let mut store = wasmi::Store::new(&engine, builder.build());
    let instance = linker.instantiate_and_start(&mut store, &module)?;
    let start = instance.get_typed_func::<(), ()>(&store, "_start")?;
    match start.call(&mut store, ()) {
        Ok(()) => Ok(0),
        Err(e) => match e.i32_exit_status() {
            Some(code) => Ok(code),
            None => Err(e.into()),
        },
    }
}
