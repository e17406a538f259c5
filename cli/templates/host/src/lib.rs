//! A Rust host for a Go program, made with `gohost new host`.
//!
//! The `#[gohost::host_module]` below declares what the Go guest may call.
//! Building this crate writes the Go package `guest/{{package}}` (and the
//! support code it imports, `guest/internal/gohost`); [`run_guest`] builds
//! the guest in `guest/` with your Go toolchain and runs it.

use std::path::{Path, PathBuf};

use gohost::{Capture, Engine, Linker, Module, Output, WasiConfig};

/// What the host keeps for one run of the guest.
#[derive(Debug, Default)]
pub struct Host {
    /// How many greetings the guest asked for.
    pub greeted: u32,
}

/// The functions the Go guest can call, as the Go package `{{package}}`.
#[gohost::host_module(name = "{{package}}", go_out = "guest/{{package}}")]
pub mod {{package}} {
    /// A point on a plane.
    pub struct Point {
        pub x: i32,
        pub y: i32,
    }

    /// Returns a greeting for `name`, and counts it.
    pub fn greet(host: &mut super::Host, name: &str) -> String {
        host.greeted += 1;
        format!("Hello, {name}! You are visitor number {}.", host.greeted)
    }

    /// Moves `p` by (`dx`, `dy`).
    pub fn shift(p: Point, dx: i32, dy: i32) -> Point {
        Point {
            x: p.x.saturating_add(dx),
            y: p.y.saturating_add(dy),
        }
    }

    /// Divides `a` by `b`; dividing by zero is an error.
    pub fn divide(a: i64, b: i64) -> Result<i64, String> {
        a.checked_div(b)
            .ok_or_else(|| format!("cannot divide {a} by {b}"))
    }
}

/// What a run of the guest did.
#[derive(Debug)]
pub struct Run {
    /// The module built from `guest/`.
    pub wasm: PathBuf,
    /// The guest's exit code.
    pub code: i32,
    /// What it printed.
    pub stdout: String,
    /// The host's state at the end.
    pub host: Host,
}

/// Why the guest did not run: it does not build (with the Go compiler's
/// messages), or gohost refused or stopped it.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// Builds the Go guest into `target/gohost-guests/{{crate}}-guest.wasm` and
/// runs it with `args`, capturing what it prints.
pub fn run_guest(args: &[String]) -> Result<Run, Error> {
    let guest_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("guest");
    let wasm = gohost_build::try_build_go(
        &guest_dir,
        "{{crate}}-guest",
        gohost_build::BuildMode::Command,
    )?;

    let engine = Engine::default();
    let module = Module::from_file(&engine, &wasm)?;
    let mut linker = Linker::<Host>::new(&engine);
    {{package}}::add_to_linker(&mut linker, |host: &mut Host| host)?;

    let stdout = Capture::new();
    let mut wasi = WasiConfig::new();
    wasi.arg("guest").args(args);
    wasi.stdout(Output::Capture(stdout.clone()));
    wasi.stderr(Output::Inherit);
    let mut instance = linker.instantiate(&module, &wasi, Host::default())?;
    let code = instance.run()?;
    Ok(Run {
        wasm,
        code,
        stdout: stdout.to_string_lossy(),
        host: instance.into_state(),
    })
}
