//! What the CLI's tests share: running the `gohost` binary.

#![allow(dead_code)] // each test binary uses a different part

use std::process::{Command, Output};

/// The `gohost` binary this package builds.
pub const GOHOST: &str = env!("CARGO_BIN_EXE_gohost");

/// Runs `gohost` with `args`, output captured.
pub fn gohost(args: &[&str]) -> Output {
    Command::new(GOHOST)
        .args(args)
        .output()
        .expect("run gohost")
}

/// Output as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
