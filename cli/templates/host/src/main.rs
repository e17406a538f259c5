//! `cargo run -- NAME...`: builds the Go guest and runs it.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match {{lib}}::run_guest(&args) {
        Ok(run) => {
            eprintln!("built the guest: {}", run.wasm.display());
            print!("{}", run.stdout);
            eprintln!("(the host greeted {} time(s))", run.host.greeted);
            ExitCode::from(u8::try_from(run.code).unwrap_or(1))
        }
        Err(e) => {
            eprintln!("{{crate}}: {e}");
            ExitCode::FAILURE
        }
    }
}
