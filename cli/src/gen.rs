//! `gohost gen`: the Go package of a host module, from its Rust source.

use std::path::PathBuf;
use std::process::ExitCode;

/// Generate (or check) the Go package of each `#[gohost::host_module]` in a
/// Rust source file. Produces the same bytes as the macro's `go_out`.
#[derive(Debug, clap::Args)]
pub struct GenArgs {
    /// The Rust source file that holds the host module.
    source: PathBuf,

    /// The directory to write the Go files to.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,

    /// Write nothing; exit with 1 and list the differences if the files in
    /// DIR are not what would be generated.
    #[arg(long)]
    check: bool,
}

pub fn gen(_a: GenArgs) -> ExitCode {
    eprintln!("gohost gen: not wired yet");
    ExitCode::FAILURE
}
