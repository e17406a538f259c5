//! `cargo run -- NAME`: builds the plugins and sends each a request.

use std::process::ExitCode;

fn main() -> ExitCode {
    let name = std::env::args().nth(1).unwrap_or_else(|| "world".to_string());
    let plugins = match {{lib}}::load_plugins() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{{crate}}: {e}");
            return ExitCode::FAILURE;
        }
    };
    for plugin in &plugins {
        eprintln!("built {}: {}", plugin.name, plugin.wasm.display());
    }
    let req = {{lib}}::{{package}}::Request { name, times: 2 };
    for plugin in &plugins {
        match plugin.handle(&req) {
            Ok(Ok(answer)) => println!("{}: {answer}", plugin.name),
            Ok(Err(refusal)) => println!("{} refused: {refusal}", plugin.name),
            Err(e) => println!("{} failed: {e}", plugin.name),
        }
    }
    ExitCode::SUCCESS
}
