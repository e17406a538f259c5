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
