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
