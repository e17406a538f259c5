//! `gohost`: run Go wasip1 programs and generate Go bindings for
//! `#[gohost::host_module]` modules, inspect guests, start projects.

mod gen;
mod inspect;
mod new;
mod run;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Run Go programs compiled for WebAssembly (GOOS=wasip1 GOARCH=wasm), and
/// generate the Go side of gohost host modules.
#[derive(Debug, Parser)]
#[command(name = "gohost", version, about, long_about = None)]
#[command(after_help = "\
Examples:
  GOOS=wasip1 GOARCH=wasm go build -o hello.wasm .
  gohost run hello.wasm arg1 arg2
  gohost run --dir ./data::/data --env MODE=fast prog.wasm
  gohost run --timeout 2.5 prog.wasm
  GOOS=wasip1 GOARCH=wasm go test -exec \"gohost go-exec\" ./...
  gohost gen src/kv.rs --out guest/kv
  gohost inspect plugin.wasm --host src/kv.rs
  gohost new plugin my-plugins")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Run(run::RunArgs),
    GoExec(run::GoExecArgs),
    Gen(gen::GenArgs),
    Inspect(inspect::InspectArgs),
    New(new::NewArgs),
}

/// The name Go's `go test` and `go run` look for on `PATH` when
/// `GOOS=wasip1` and no `-exec` is given.
const GO_EXEC_NAME: &str = "go_wasip1_wasm_exec";

fn main() -> ExitCode {
    let mut args: Vec<OsString> = std::env::args_os().collect();
    // Installed (or linked) as go_wasip1_wasm_exec, behave like `gohost go-exec`.
    let invoked_as = args.first().and_then(|a| {
        std::path::Path::new(a)
            .file_stem()
            .map(|s| s.to_os_string())
    });
    if invoked_as.as_deref() == Some(GO_EXEC_NAME.as_ref()) {
        args.insert(1, "go-exec".into());
    }
    let cli = Cli::parse_from(args);
    match cli.command {
        Command::Run(a) => run::run(a),
        Command::GoExec(a) => run::go_exec(a),
        Command::Gen(a) => gen::gen(a),
        Command::Inspect(a) => inspect::inspect(a),
        Command::New(a) => new::new(a),
    }
}
