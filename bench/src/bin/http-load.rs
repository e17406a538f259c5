//! Requests per second and latency of a Go hello handler served through
//! gohost (a plugin behind `gohost_http::Handler` on hyper, one instance
//! per core), against the same handler in Go's own `net/http` server,
//! natively, under the same bounded keep-alive load from 127.0.0.1, in
//! one run.
//!
//! ```text
//! cargo run --release -p gohost-bench --bin http-load                  # wasmi
//! GOHOST_ENGINE=wasmtime cargo run --release -p gohost-bench --bin http-load   # wasmtime
//! cargo run --release -p gohost-bench --bin http-load -- --requests 50000 --rounds 5
//! ```
//!
//! Both servers run as child processes (this binary with `--serve`, and
//! the native Go program); the load generator runs here, on one thread,
//! and the two servers take turns, round after round, so that they share
//! the machine's noise. Each round starts with a warm-up that is not
//! counted. The table gives each server's median round, and the median
//! of the rounds' ratios (with their range) as the figure to quote.

use std::path::PathBuf;
use std::process::Command;

use clap::Parser;
use gohost_bench::http_load::{self, ChildServer, Load, LoadReport};

#[derive(Debug, Parser)]
#[command(about = "HTTP load: a Go hello handler through gohost against Go's net/http, natively")]
struct Args {
    /// Requests per server and round.
    #[arg(long, default_value_t = 20_000)]
    requests: u64,
    /// Keep-alive connections, each one request at a time.
    #[arg(long, default_value_t = 16)]
    connections: usize,
    /// Rounds; the table gives each server's median round, and the
    /// median of the rounds' ratios.
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// Requests before each measured round, not counted.
    #[arg(long, default_value_t = 2_000)]
    warmup: u64,
    /// gohost instances (and Tokio workers); default: one per core.
    #[arg(long)]
    instances: Option<usize>,
    /// Serve the plugin at this path until standard input closes, after
    /// printing `listening ADDR` (the gohost server's child process; run
    /// it under a profiler and measure it with `--against`).
    #[arg(long, value_name = "WASM")]
    serve: Option<PathBuf>,
    /// An environment variable of the plugin's instances, as NAME=VALUE
    /// (GOGC=200, say); repeatable.
    #[arg(long = "guest-env", value_name = "NAME=VALUE", value_parser = env_pair)]
    guest_env: Vec<(String, String)>,
    /// Only load a server that is already running at this address, one
    /// round after the warm-up.
    #[arg(long, value_name = "ADDR")]
    against: Option<std::net::SocketAddr>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let instances = args.instances.unwrap_or(cores);
    if let Some(wasm) = &args.serve {
        return http_load::serve_gohost_until_stdin_closes(wasm, instances, &args.guest_env);
    }
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let load = Load {
        connections: args.connections,
        requests: args.requests,
    };
    let warmup = Load {
        connections: args.connections,
        requests: args.warmup,
    };
    if let Some(addr) = args.against {
        client.block_on(http_load::run_load(addr, warmup));
        let r = client.block_on(http_load::run_load(addr, load));
        println!(
            "{addr}: {:.0} req/s, p50 {:.1} µs, p99 {:.1} µs, {} ok, {} errors",
            r.per_second(),
            micros(r.p50),
            micros(r.p99),
            r.ok,
            r.errors
        );
        return Ok(());
    }
    let plugin = http_load::build_plugin();
    let native = http_load::build_native();
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.arg("--serve")
        .arg(&plugin)
        .arg("--instances")
        .arg(instances.to_string());
    let gohost = ChildServer::start(cmd)?;
    let go = ChildServer::start(Command::new(&native))?;
    // The server child inherits GOHOST_ENGINE, so it picks this engine.
    let engine = gohost::EngineKind::default();
    println!(
        "http-load: GET {} on 127.0.0.1, {} keep-alive connections, {} requests a round, {} round(s); \
         gohost on {engine} with {instances} instance(s), Go net/http with GOMAXPROCS {cores}",
        http_load::PATH,
        args.connections,
        args.requests,
        args.rounds
    );
    let mut rounds: [Vec<LoadReport>; 2] = [Vec::new(), Vec::new()];
    for round in 1..=args.rounds.max(1) {
        for (i, server) in [&gohost, &go].into_iter().enumerate() {
            client.block_on(http_load::run_load(server.addr, warmup));
            let report = client.block_on(http_load::run_load(server.addr, load));
            println!(
                "  round {round}: {:<13} {:>9.0} req/s  p50 {:>7.1} µs  p99 {:>7.1} µs  errors {}",
                ["gohost", "Go net/http"][i],
                report.per_second(),
                micros(report.p50),
                micros(report.p99),
                report.errors
            );
            rounds[i].push(report);
        }
    }
    // Each round's ratio compares the two servers under the same noise.
    let mut ratios: Vec<f64> = rounds[0]
        .iter()
        .zip(&rounds[1])
        .map(|(a, b)| a.per_second() / b.per_second())
        .collect();
    ratios.sort_by(f64::total_cmp);
    let [ours, theirs] = rounds.map(median);
    println!();
    println!("| server | req/s | p50 | p99 | errors |");
    println!("|---|---|---|---|---|");
    for (name, r) in [
        (format!("gohost ({engine}, {instances} instances)"), ours),
        ("Go net/http, native".to_owned(), theirs),
    ] {
        println!(
            "| {name} | {:.0} | {:.1} µs | {:.1} µs | {} |",
            r.per_second(),
            micros(r.p50),
            micros(r.p99),
            r.errors
        );
    }
    println!(
        "| gohost ÷ native | **{:.2}x** (rounds {:.2}x to {:.2}x) | {:.2}x | {:.2}x | |",
        ratios[ratios.len() / 2],
        ratios[0],
        ratios[ratios.len() - 1],
        micros(ours.p50) / micros(theirs.p50),
        micros(ours.p99) / micros(theirs.p99)
    );
    Ok(())
}

fn env_pair(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("{s:?} is not NAME=VALUE"))
}

fn micros(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// The round with the median throughput.
fn median(mut reports: Vec<LoadReport>) -> LoadReport {
    reports.sort_by(|a, b| a.per_second().total_cmp(&b.per_second()));
    reports[reports.len() / 2]
}
