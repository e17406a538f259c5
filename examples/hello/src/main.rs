//! gohost's first example: a Rust host module, and a Go guest that imports
//! the Go package generated from it.
//!
//! ```text
//! cargo run -p hello -- Gopher
//! ```
//!
//! Building this crate writes `guest/greeter/greeter.go` (the macro's
//! `go_out`); the program then builds the Go guest in `guest/` with your Go
//! toolchain and runs it.

use std::path::Path;
use std::process::ExitCode;

use gohost::{Engine, Linker, Module, Output, WasiConfig};

/// What the host keeps between calls of one guest.
#[derive(Debug, Default)]
pub struct Greeter {
    greeted: u32,
}

/// The host functions the Go guest can call, as package `greeter`.
#[gohost::host_module(name = "greeter", go_package = "greeter", go_out = "guest/greeter")]
pub mod greeter {
    /// Returns a greeting for `name`, and counts it.
    pub fn greet(state: &mut super::Greeter, name: &str) -> String {
        state.greeted += 1;
        format!("Hello, {name}! You are visitor number {}.", state.greeted)
    }

    /// Adds two numbers, on the host.
    pub fn add(a: i32, b: i32) -> i32 {
        a.wrapping_add(b)
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("hello: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<i32, Box<dyn std::error::Error>> {
    let guest_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("guest");
    let wasm = gohost_build::try_build_go(&guest_dir, "hello", gohost_build::BuildMode::Command)?;

    let engine = Engine::default();
    let module = Module::from_file(&engine, &wasm)?;
    let mut linker = Linker::<Greeter>::new(&engine);
    greeter::add_to_linker(&mut linker, |state: &mut Greeter| state)?;

    let mut wasi = WasiConfig::new();
    wasi.arg("hello").args(std::env::args().skip(1));
    wasi.stdout(Output::Inherit).stderr(Output::Inherit);
    let mut instance = linker.instantiate(&module, &wasi, Greeter::default())?;
    let code = instance.run()?;
    eprintln!("(the host greeted {} time(s))", instance.state().greeted);
    Ok(code)
}
