//! gohost's benchmarks, and the baselines they are measured against: the
//! same work done with the raw engine in the same run, so that figures are
//! ratios that hold on a noisy machine.
//!
//! - `perf-table` (binary): the whole performance table in one command —
//!   host and export calls, cold start, compute against native Go, peak
//!   memory, and the wazero peer — on both engines:
//!   `cargo run --release -p gohost-bench --bin perf-table`.
//! - `perf-probe` (binary): its in-process half, run once per engine.
//! - `benches/calls.rs` (criterion): the call benchmarks with criterion's
//!   statistics.
//! - `raw-wasmi-run`, `raw-wasmtime-run` (binaries): the cold-start
//!   baselines for `gohost run`.
//! - `call-profile` (binary): one call loop for callgrind.
//! - `http-load` (binary): requests per second and latency of a Go hello
//!   handler through gohost-http against Go's own `net/http`, natively
//!   ([`http_load`]).
//! - `go-compat` (binary): Go's standard-library tests under gohost on
//!   both engines and under Go's own runner, written to
//!   `docs/compatibility.md`: `cargo run --release -p gohost-bench --bin
//!   go-compat -- --short --jobs 2 --out docs/compatibility.md`.
//!
//! Guests live in `guests/`: `calls` (the call benchmarks, a plugin),
//! `asynccalls` (the async-call benchmarks), `hello` (cold start),
//! `compute` (sha256 and JSON, also built natively).
//! The wazero peer host is `peer/wazero`; the plugin-system peers
//! (Extism, go-plugin) are in `peers/`, see [`peers`].

use std::path::{Path, PathBuf};

pub mod http_load;
pub mod measure;
pub mod peers;
pub mod raw;

use gohost::{Caller, Config, Engine, Instance, Linker, Module, Trap, WasiConfig};

/// The host module the benchmark guest calls through its generated package.
#[gohost::host_module(
    name = "benchapi",
    go_package = "benchapi",
    go_out = "guests/calls/benchapi"
)]
pub mod benchapi {
    use std::fmt;

    /// A point with a name: the three-field record of the benchmarks.
    #[derive(Debug)]
    pub struct Point {
        pub x: f64,
        pub y: f64,
        pub name: String,
    }

    /// Three numbers: the record round trip without a string to allocate.
    #[derive(Debug)]
    pub struct Vec3 {
        pub x: f64,
        pub y: f64,
        pub z: f64,
    }

    /// The request and response record of the peer rows (`peers`): two
    /// strings and a number, as Extism and go-plugin users pass them.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Pair {
        pub first: String,
        pub second: String,
        pub n: i64,
    }

    /// The error of the error-path benchmark.
    #[derive(Debug)]
    pub enum BenchError {
        Refused { code: u32 },
    }

    impl fmt::Display for BenchError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                BenchError::Refused { code } => write!(f, "refused with code {code}"),
            }
        }
    }

    /// Adds two numbers: the scalar call.
    pub fn add(a: i32, b: i32) -> i32 {
        a.wrapping_add(b)
    }

    /// The length of a text: the string call.
    pub fn text_len(s: &str) -> u32 {
        s.len() as u32
    }

    /// The first byte plus the length: the byte-slice call (the host reads
    /// the guest's bytes in place, so the work is the same for any size).
    pub fn bytes_len(b: &[u8]) -> u32 {
        b.len() as u32 + u32::from(b.first().copied().unwrap_or(0))
    }

    /// Sends a record back moved by one: the record round trip.
    pub fn shift(p: Point) -> Point {
        Point {
            x: p.x + 1.0,
            y: p.y + 1.0,
            name: p.name,
        }
    }

    /// Sends a vector back moved by one: the record round trip of scalars.
    pub fn nudge(v: Vec3) -> Vec3 {
        Vec3 {
            x: v.x + 1.0,
            y: v.y + 1.0,
            z: v.z + 1.0,
        }
    }

    /// Blocks the calling thread for micros microseconds, as a sync host
    /// function that waits on I/O does: the wait of the pool row of calls
    /// that wait.
    pub fn wait(micros: u32) {
        std::thread::sleep(std::time::Duration::from_micros(micros.into()));
    }

    /// Always fails: the error path.
    pub fn refuse(code: u32) -> Result<u32, BenchError> {
        Err(BenchError::Refused { code })
    }

    /// What the benchmark plugin implements: the export-call benchmarks.
    extern "Go" {
        /// Adds two numbers in the guest: the scalar export call.
        pub fn guest_add(a: i32, b: i32) -> i32;
        /// Moves a point in the guest: the record export call.
        pub fn guest_shift(p: &Point) -> Point;
        /// Swaps the strings and adds their lengths to `n`: the record
        /// plugin call of the peer rows.
        pub fn guest_swap(p: &Pair) -> Pair;
    }
}

/// The host module of the async-call benchmarks (guest `asynccalls`): the
/// addition of the scalar host-call row, once as an async function whose
/// future is ready at once (what an async call costs beyond the function)
/// and once sync, called from an async call. A guest that imports an async
/// function runs only in async instances, so it has its own module and
/// guest: the sync rows keep `benchapi`.
#[gohost::host_module(
    name = "benchasync",
    go_package = "benchasync",
    go_out = "guests/asynccalls/benchasync"
)]
pub mod benchasync {
    /// Adds two numbers in a future that completes at once.
    pub async fn add_later(a: i32, b: i32) -> i32 {
        a.wrapping_add(b)
    }

    /// Adds two numbers: the sync function of an async instance.
    pub fn add(a: i32, b: i32) -> i32 {
        a.wrapping_add(b)
    }

    /// Awaits a Tokio timer of micros microseconds, as an async host
    /// function that waits on I/O does: the wait of the pool row of calls
    /// that wait, next to the sync wait of benchapi.
    pub async fn wait(micros: u32) {
        tokio::time::sleep(std::time::Duration::from_micros(micros.into())).await;
    }
}

/// The directory of the bench guest `name` (a Go module under `guests/`).
pub fn guest_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("guests")
        .join(name)
}

/// Builds the Go program in `dir` for this machine (not wasm) as `name`
/// next to the guests, and returns its path. With `-tags purego`, so that
/// natively too crypto/sha256 runs Go's generic code rather than the CPU's
/// SHA instructions, which wasm cannot use.
///
/// # Panics
///
/// If Go is missing or the build fails.
pub fn build_native(dir: &Path, name: &str) -> PathBuf {
    gohost_build::require_go();
    let out = gohost_build::out_dir().join(name);
    let status = std::process::Command::new("go")
        .current_dir(dir)
        .args(["build", "-tags", "purego", "-o"])
        .arg(&out)
        .arg(".")
        .status()
        .expect("run go build");
    assert!(status.success(), "go build in {} failed", dir.display());
    out
}

/// The wazero host of the performance table (`peer/wazero`), built.
///
/// # Panics
///
/// If Go is missing or older than its `go.mod` asks (1.24), or the build
/// fails.
pub fn build_wazero_host() -> PathBuf {
    build_native(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("peer/wazero"),
        "wazero-host",
    )
}

/// Builds the benchmark guest (a reactor) and returns the wasm path.
pub fn build_guest() -> PathBuf {
    gohost_build::build_go(
        &guest_dir("calls"),
        "bench-calls",
        gohost_build::BuildMode::Reactor,
    )
}

/// Builds the async-call benchmark guest (a reactor importing
/// [`benchasync`]) and returns the wasm path.
pub fn build_async_guest() -> PathBuf {
    gohost_build::build_go(
        &guest_dir("asynccalls"),
        "bench-asynccalls",
        gohost_build::BuildMode::Reactor,
    )
}

/// An engine for async instances: interruptible, as they need.
pub fn async_engine() -> Engine {
    Engine::new(Config::new().interruptible(true))
}

/// The linker of the async-call guest: [`benchasync`] through the
/// generated glue.
///
/// # Panics
///
/// If a function does not register.
pub fn async_linker(engine: &Engine) -> Linker<()> {
    let mut linker = Linker::<()>::new(engine);
    benchasync::add_to_linker(&mut linker).expect("benchasync");
    linker
}

/// A new async instance of `module` (made with `instantiate_async`), its
/// Go runtime started. Needs a Tokio runtime.
///
/// # Panics
///
/// If the guest does not link or start.
pub async fn gohost_async_instance(linker: &Linker<()>, module: &Module) -> Instance<()> {
    let mut i = linker
        .instantiate_async(module, &WasiConfig::new(), ())
        .await
        .expect("instantiate_async");
    i.initialize_async().await.expect("initialize_async");
    i
}

/// The linker of the benchmark guest on gohost: `benchapi` through the
/// generated glue, and the `raw.*` imports written with gohost's own
/// `func_wrap` (the same work as the raw-engine baselines).
///
/// # Panics
///
/// If a function does not register; benchmarks have no better answer.
pub fn gohost_linker(engine: &Engine) -> Linker<()> {
    linker_with(engine, true)
}

/// [`gohost_linker`] with the `raw.*` imports registered without their
/// `tracing` spans (`Linker::func_wrap_untraced`): the baseline of what a
/// span costs a host call when no subscriber listens.
///
/// # Panics
///
/// If a function does not register.
pub fn gohost_linker_untraced(engine: &Engine) -> Linker<()> {
    linker_with(engine, false)
}

fn linker_with(engine: &Engine, traced: bool) -> Linker<()> {
    let mut linker = Linker::<()>::new(engine);
    benchapi::add_to_linker(&mut linker).expect("benchapi");
    // The same closure either way, with a span or without.
    macro_rules! raw {
        ($name:literal, $f:expr) => {
            if traced {
                linker.func_wrap("raw", $name, $f)
            } else {
                linker.func_wrap_untraced("raw", $name, $f)
            }
            .expect(concat!("raw.", $name))
        };
    }
    raw!("add", |_: Caller<'_, ()>,
                 a: i32,
                 b: i32|
     -> Result<i32, Trap> { Ok(a.wrapping_add(b)) });
    raw!("text_len", |mut c: Caller<'_, ()>,
                      p: i32,
                      l: i32|
     -> Result<i32, Trap> {
        c.with_memory(|m, _| m.text(p, l).map_or(-1, |s| s.len() as i32))
    });
    raw!("bytes_len", |mut c: Caller<'_, ()>,
                       p: i32,
                       l: i32|
     -> Result<i32, Trap> {
        c.with_memory(|m, _| {
            m.bytes(p, l).map_or(-1, |b| {
                b.len() as i32 + i32::from(b.first().copied().unwrap_or(0))
            })
        })
    });
    raw!("refuse", |mut c: Caller<'_, ()>,
                    code: i32,
                    p: i32,
                    cap: i32|
     -> Result<i32, Trap> {
        let message = raw::refusal(code);
        if message.len() > cap as u32 as usize {
            return Ok(-1);
        }
        c.with_memory(|m, _| {
            m.write(p, message.as_bytes())
                .map_or(-1, |()| message.len() as i32)
        })
    });
    linker
}

/// A `tracing` subscriber that takes every span and event and keeps
/// nothing: what gohost's spans cost when a subscriber listens, without
/// the cost of a real subscriber's recording.
#[derive(Debug, Clone, Copy, Default)]
pub struct Listening;

impl tracing::Subscriber for Listening {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// Runs the guest loop `export` through gohost: `n` iterations, and for the
/// byte-slice loops a slice of `size` bytes. The gohost counterpart of
/// [`raw::RawGuest::call_loop`].
///
/// # Errors
///
/// If the export is missing, has another signature, or traps.
pub fn call_loop(
    i: &mut Instance<()>,
    export: &str,
    n: i32,
    size: Option<i32>,
) -> Result<i32, gohost::Error> {
    match size {
        Some(s) => i.call::<(i32, i32), i32>(export, (n, s)),
        None => i.call::<(i32,), i32>(export, (n,)),
    }
}

/// A new instance of the benchmark guest on gohost, its Go runtime started.
///
/// # Panics
///
/// If the guest does not link or start.
pub fn gohost_instance(linker: &Linker<()>, module: &Module) -> Instance<()> {
    let mut i = linker
        .instantiate(module, &WasiConfig::new(), ())
        .expect("instantiate");
    i.initialize().expect("initialize");
    i
}
