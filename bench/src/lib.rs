//! gohost's benchmarks, and the baselines they are measured against: the
//! same work done with the raw engine in the same run, so that figures are
//! ratios that hold on a noisy machine.
//!
//! - `benches/calls.rs` (criterion): host calls through the generated glue
//!   against hand-written `func_wrap` functions on raw wasmi, export calls,
//!   instance creation.
//! - `raw-wasmi-run` (binary): the cold-start baseline for `gohost run`.
//!
//! ```text
//! cargo bench -p gohost-bench
//! ```

use std::path::{Path, PathBuf};

use gohost::{Caller, Engine, Instance, Linker, Module, Trap, WasiConfig};

/// The host module the benchmark guest calls through its generated package.
#[gohost::host_module(name = "benchapi", go_package = "benchapi", go_out = "guest/benchapi")]
pub mod benchapi {
    use std::fmt;

    /// A point with a name: the three-field record of the benchmarks.
    #[derive(Debug)]
    pub struct Point {
        pub x: f64,
        pub y: f64,
        pub name: String,
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
    }
}

/// The benchmark guest's directory (a Go module with the generated package).
pub fn guest_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("guest")
}

/// Builds the benchmark guest (a reactor) and returns the wasm path.
pub fn build_guest() -> PathBuf {
    gohost_build::build_go(
        &guest_dir(),
        "bench-guest",
        gohost_build::BuildMode::Reactor,
    )
}

/// The benchmark guest on gohost, initialized: `benchapi` through the
/// generated glue, and the `raw.*` imports written with gohost's own
/// `func_wrap` (the same work as the raw-wasmi baselines).
///
/// # Panics
///
/// If the guest does not link or start; benchmarks have no better answer.
pub fn gohost_instance(engine: &Engine, module: &Module) -> Instance<()> {
    let mut linker = Linker::<()>::new(engine);
    benchapi::add_to_linker(&mut linker).expect("benchapi");
    linker
        .func_wrap(
            "raw",
            "add",
            |_: Caller<'_, ()>, a: i32, b: i32| -> Result<i32, Trap> { Ok(a.wrapping_add(b)) },
        )
        .expect("raw.add");
    linker
        .func_wrap(
            "raw",
            "text_len",
            |mut c: Caller<'_, ()>, p: i32, l: i32| -> Result<i32, Trap> {
                c.with_memory(|m, _| m.str(p, l).map_or(-1, |s| s.len() as i32))
            },
        )
        .expect("raw.text_len");
    linker
        .func_wrap(
            "raw",
            "bytes_len",
            |mut c: Caller<'_, ()>, p: i32, l: i32| -> Result<i32, Trap> {
                c.with_memory(|m, _| {
                    m.bytes(p, l).map_or(-1, |b| {
                        b.len() as i32 + i32::from(b.first().copied().unwrap_or(0))
                    })
                })
            },
        )
        .expect("raw.bytes_len");
    let mut i = linker
        .instantiate(module, &WasiConfig::new(), ())
        .expect("instantiate");
    i.initialize().expect("initialize");
    i
}
