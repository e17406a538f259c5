//! What the end-to-end tests share: running a guest with captured output.

#![allow(dead_code)] // each test binary uses a different part

use std::path::Path;

use gohost::{Capture, Engine, Input, Linker, Module, Output, WasiConfig};

/// What a guest did.
#[derive(Debug)]
pub struct Outcome {
    pub code: Result<i32, gohost::Error>,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    /// The exit code, if the guest ran to an exit.
    pub fn exit(&self) -> Option<i32> {
        self.code.as_ref().ok().copied()
    }
}

/// Runs the command module at `wasm` with `args` (after the program name),
/// letting `configure` open what the scenario needs, output captured.
pub fn run_with(wasm: &Path, args: &[&str], configure: impl FnOnce(&mut WasiConfig)) -> Outcome {
    let engine = Engine::default();
    let module = Module::from_file(&engine, wasm).expect("load guest");
    let (out, err) = (Capture::new(), Capture::new());
    let mut wasi = WasiConfig::new();
    wasi.arg("guest").args(args.iter().copied());
    wasi.stdout(Output::Capture(out.clone()))
        .stderr(Output::Capture(err.clone()));
    configure(&mut wasi);
    let linker = Linker::<()>::new(&engine);
    let code = linker
        .instantiate(&module, &wasi, ())
        .and_then(|mut i| i.run());
    Outcome {
        code,
        stdout: out.to_string_lossy(),
        stderr: err.to_string_lossy(),
    }
}

/// Runs a scenario of the `wasi` guest with nothing opened.
pub fn run(wasm: &Path, args: &[&str]) -> Outcome {
    run_with(wasm, args, |_| {})
}

/// Runs the scenario with these bytes on standard input.
pub fn run_stdin(wasm: &Path, args: &[&str], stdin: &[u8]) -> Outcome {
    run_with(wasm, args, |w| {
        w.stdin(Input::Bytes(stdin.to_vec()));
    })
}

/// The message of an error that stopped the guest in the Go function
/// `go_func`: `base`, and on an engine that records a trap's frames
/// (wasmtime; wasmi records none) ` {word} `{go_func}``.
pub fn stopped_in(base: &str, word: &str, go_func: &str) -> String {
    if gohost::EngineKind::default() == gohost::EngineKind::Wasmtime {
        format!("{base} {word} `{go_func}`")
    } else {
        base.to_owned()
    }
}
