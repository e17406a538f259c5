//! Support for gohost's end-to-end tests: the Go guests under `guests/`.

use std::path::{Path, PathBuf};

pub use gohost_build::require_go;

/// The directory of the test guests (one Go module).
pub fn guests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("guests")
}

/// Builds the command guest `guests/<name>` once per test process.
pub fn build_guest(name: &str) -> PathBuf {
    gohost_build::build_go_once(
        &guests_dir().join(name),
        name,
        gohost_build::BuildMode::Command,
    )
}

/// Builds the plugin guest `guests/<name>` (a reactor) once per test process.
pub fn build_plugin(name: &str) -> PathBuf {
    gohost_build::build_go_once(
        &guests_dir().join(name),
        name,
        gohost_build::BuildMode::Reactor,
    )
}

/// Resident memory of this process in bytes (`VmRSS` of
/// `/proc/self/status`), for the tests that bound memory growth.
///
/// # Panics
///
/// Without a readable `/proc/self/status` (the tests run on Linux).
pub fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status");
    kib << 10
}

/// Resident memory after a soak's warm-up and at its end, in bytes.
#[derive(Debug, Clone, Copy)]
pub struct RssGrowth {
    pub warm: u64,
    pub end: u64,
}

impl RssGrowth {
    /// # Panics
    ///
    /// If memory grew by more than `bound` bytes after the warm-up.
    pub fn assert_within(&self, bound: u64) {
        assert!(
            self.end <= self.warm + bound,
            "resident memory grew from {:.1} MiB after warm-up to {:.1} MiB at the end",
            mib(self.warm),
            mib(self.end)
        );
    }
}

impl std::fmt::Display for RssGrowth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "RSS after warm-up {:.1} MiB, at the end {:.1} MiB ({:+.1} MiB)",
            mib(self.warm),
            mib(self.end),
            mib(self.end) - mib(self.warm)
        )
    }
}

/// `bytes` in MiB, for reports.
pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / f64::from(1 << 20)
}
