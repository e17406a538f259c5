//! gohost's first example: build the Go guest in `guest/`, give it one host
//! function, and run it.
//!
//! ```text
//! cargo run -p hello -- Gopher
//! ```

use std::path::Path;
use std::process::ExitCode;

use gohost::{Caller, Engine, Linker, Module, Output, Trap, WasiConfig};

fn main() -> ExitCode {
    match run() {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("hello: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<i32, gohost::Error> {
    let guest_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("guest");
    let wasm = gohost_build::build_go(&guest_dir, "hello", gohost_build::BuildMode::Command);

    let engine = Engine::default();
    let module = Module::from_file(&engine, &wasm)?;
    let mut linker = Linker::<()>::new(&engine);
    linker.func_wrap(
        "hello",
        "add",
        |_: Caller<'_, ()>, a: i32, b: i32| -> Result<i32, Trap> { Ok(a.wrapping_add(b)) },
    )?;

    let mut wasi = WasiConfig::new();
    wasi.arg("hello").args(std::env::args().skip(1));
    wasi.stdout(Output::Inherit).stderr(Output::Inherit);
    linker.instantiate(&module, &wasi, ())?.run()
}
