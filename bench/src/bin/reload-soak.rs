//! Reload soak: a host that keeps one `Engine` and one `Linker` and reloads
//! a Go plugin over and over, as a host that picks up new plugin builds
//! does. Each cycle loads the module from its file, instantiates it,
//! starts its Go runtime, calls an export through the typed client, and
//! drops everything. The resident memory must stay bounded: the compiled
//! code of modules that are gone must be freed (see `gohost::Engine`).
//!
//! ```text
//! cargo run --release -p gohost-bench --bin reload-soak -- --cycles 10000
//! GOHOST_ENGINE=wasmtime cargo run --release -p gohost-bench --features wasmtime --bin reload-soak -- --cycles 10000
//! ```
//!
//! Options: `--cycles N` (default 10,000), `--every N` (print every N
//! cycles, default 1,000), `--guest FILE` (the benchmark guest already
//! built; built first without it). Prints the resident memory (VmRSS) at
//! the start, after every `--every` cycles and at the end, and the engine
//! generations made (see `Engine::generations`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use gohost::{Engine, Module};
use gohost_bench::{benchapi, gohost_instance, gohost_linker};

/// Resident memory of this process in KiB (`VmRSS` of /proc/self/status).
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status")
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

struct Args {
    cycles: u64,
    every: u64,
    guest: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        cycles: 10_000,
        every: 1_000,
        guest: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--cycles" => args.cycles = value()?.parse().map_err(|e| format!("--cycles: {e}"))?,
            "--every" => args.every = value()?.parse().map_err(|e| format!("--every: {e}"))?,
            "--guest" => args.guest = Some(PathBuf::from(value()?)),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    args.every = args.every.max(1);
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!(
                "reload-soak: {e}\nusage: reload-soak [--cycles N] [--every N] [--guest FILE]"
            );
            return ExitCode::from(2);
        }
    };
    let guest = args.guest.unwrap_or_else(gohost_bench::build_guest);
    let engine = Engine::default();
    let linker = gohost_linker(&engine);
    let start = rss_kib();
    println!(
        "reload-soak on {}: {} cycles of load, instantiate, call, drop of {}",
        engine.kind(),
        args.cycles,
        guest.display()
    );
    println!("start: RSS {}", mib(start));
    let began = Instant::now();
    for cycle in 1..=args.cycles {
        let module = Module::from_file(&engine, &guest).expect("load the guest");
        let mut instance = gohost_instance(&linker, &module);
        let sum = benchapi::exports::guest_add(&mut instance, cycle as i32, 1).expect("guest_add");
        assert_eq!(sum, cycle as i32 + 1, "cycle {cycle}");
        drop(instance);
        drop(module);
        if cycle % args.every == 0 {
            println!(
                "after {cycle} cycles: RSS {} ({:.1} ms per cycle)",
                mib(rss_kib()),
                began.elapsed().as_secs_f64() * 1000.0 / cycle as f64
            );
        }
    }
    let end = rss_kib();
    println!(
        "end: RSS {} (start {}, growth {})",
        mib(end),
        mib(start),
        mib(end.saturating_sub(start))
    );
    ExitCode::SUCCESS
}
