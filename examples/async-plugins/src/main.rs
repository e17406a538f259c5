//! gohost's async example: an HTTP service on Tokio and axum whose routes
//! are answered by pools of Go plugins. The plugins' host functions await
//! Tokio file I/O and a slow upstream; a runaway plugin is cut off at its
//! deadline while the others keep answering.
//!
//! ```text
//! cargo run -p async-plugins                   # build, serve, run a demo against itself, exit
//! cargo run -p async-plugins -- --serve        # serve on 127.0.0.1:3000 until Ctrl-C
//! cargo run -p async-plugins -- --serve ADDR   # serve on ADDR
//! ```

use std::error::Error;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_plugins::{client, say, Host, DEADLINE, INSTANCES_PER_PLUGIN, UPSTREAM_LATENCY};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinSet;

/// Where `--serve` listens without an address.
const DEFAULT_ADDR: &str = "127.0.0.1:3000";

/// The demo's burst: this many requests for `spin`, then for `docs`, all
/// at once.
const SPIN_REQUESTS: usize = 4;
const DOCS_REQUESTS: usize = 16;

/// The documents the demo asks `docs` for, in turn (`data/*.txt`).
const DOCS: &[&str] = &["gopher", "ferris", "wasm"];

type BoxError = Box<dyn Error + Send + Sync>;

enum Mode {
    /// Serve on an ephemeral port, run the demo against it, stop.
    Demo,
    /// Serve on this address until Ctrl-C.
    Serve(SocketAddr),
}

fn main() -> ExitCode {
    let mode = match mode(std::env::args().skip(1).collect()) {
        Ok(mode) => mode,
        Err(msg) => {
            eprintln!("async-plugins: {msg}\nusage: async-plugins [--serve [ADDR]]");
            return ExitCode::from(2);
        }
    };
    let outcome = match async_plugins::runtime() {
        Ok(runtime) => runtime.block_on(run(mode)),
        Err(e) => Err(e.into()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("async-plugins: {e}");
            ExitCode::FAILURE
        }
    }
}

fn mode(args: Vec<String>) -> Result<Mode, String> {
    match args.as_slice() {
        [] => Ok(Mode::Demo),
        [flag] if flag == "--serve" => Ok(Mode::Serve(
            DEFAULT_ADDR
                .parse()
                .map_err(|e| format!("{DEFAULT_ADDR}: {e}"))?,
        )),
        [flag, addr] if flag == "--serve" => addr
            .parse()
            .map(Mode::Serve)
            .map_err(|e| format!("{addr}: {e}")),
        _ => Err(format!("unexpected arguments {args:?}")),
    }
}

async fn run(mode: Mode) -> Result<(), BoxError> {
    // Building with Go and compiling the modules block: keep them off the
    // runtime's worker threads.
    let host = tokio::task::spawn_blocking(|| -> Result<Host, BoxError> {
        let folder = async_plugins::build_plugins()?;
        Ok(Host::load(&folder, &async_plugins::data_dir())?)
    })
    .await??;
    let host = Arc::new(host);

    let bind = match mode {
        Mode::Demo => SocketAddr::from(([127, 0, 0, 1], 0)),
        Mode::Serve(addr) => addr,
    };
    let listener = TcpListener::bind(bind).await?;
    let addr = listener.local_addr()?;
    say(format_args!(
        "serving http://{addr} with plugins {}: up to {INSTANCES_PER_PLUGIN} instances each, {DEADLINE:?} per call",
        host.names().join(", ")
    ));

    match mode {
        Mode::Serve(_) => {
            say(format_args!(
                "try: curl -i 'http://{addr}/plugins/docs?q=gopher'   (Ctrl-C stops the server)"
            ));
            async_plugins::serve(listener, host, async {
                if let Err(e) = tokio::signal::ctrl_c().await {
                    eprintln!("async-plugins: cannot listen for Ctrl-C ({e}); serving on");
                    std::future::pending::<()>().await;
                }
            })
            .await?;
            say(format_args!("stopped"));
            Ok(())
        }
        Mode::Demo => {
            let (stop, stopped) = oneshot::channel::<()>();
            let server = tokio::spawn(async_plugins::serve(listener, host.clone(), async {
                let _ = stopped.await;
            }));
            let outcome = demo(addr).await;
            let _ = stop.send(());
            server.await??;
            outcome
        }
    }
}

/// Talks to the server at `addr` as a client would, and says what happened.
async fn demo(addr: SocketAddr) -> Result<(), BoxError> {
    // One at a time: an answer, the typed error path, a route with no plugin.
    for target in [
        "/plugins/docs?q=gopher",
        "/plugins/docs?q=unicorn",
        "/plugins/docs?q=../secret",
        "/plugins/nope",
    ] {
        let r = client::get(addr, target).await?;
        say(format_args!(
            "GET {target} -> {} in {} ms: {}",
            r.status,
            ms(r.elapsed),
            r.body.trim_end()
        ));
    }

    // All at once: the runaway plugin first, then the one that works.
    say(format_args!(
        "{} requests at once: {SPIN_REQUESTS} x spin (loops forever), {DOCS_REQUESTS} x docs (a file read and a {} ms upstream call each)",
        SPIN_REQUESTS + DOCS_REQUESTS,
        ms(UPSTREAM_LATENCY)
    ));
    let targets = (0..SPIN_REQUESTS)
        .map(|_| "/plugins/spin".to_owned())
        .chain((0..DOCS_REQUESTS).map(|i| format!("/plugins/docs?q={}", DOCS[i % DOCS.len()])));
    let started = Instant::now();
    let mut calls = JoinSet::new();
    for target in targets {
        calls.spawn(async move {
            let reply = client::get(addr, &target).await;
            (target, reply, started.elapsed())
        });
    }
    let mut done = Vec::new();
    while let Some(call) = calls.join_next().await {
        let (target, reply, at) = call?;
        done.push((at, target, reply?));
    }
    let wall = started.elapsed();
    done.sort_by_key(|(at, ..)| *at);
    for (at, target, r) in &done {
        say(format_args!(
            "  {:>4} ms  {} {:<24} {}",
            ms(*at),
            r.status,
            target,
            r.body.trim_end()
        ));
    }

    let of = |plugin: &str| -> Vec<&(Duration, String, client::Reply)> {
        done.iter()
            .filter(|(_, _, r)| r.plugin.as_deref() == Some(plugin))
            .collect()
    };
    let (docs, spin) = (of("docs"), of("spin"));
    let docs_ok = docs.iter().filter(|(_, _, r)| r.status == 200).count();
    let spin_cut = spin.iter().filter(|(_, _, r)| r.status == 504).count();
    let first_cut = spin
        .iter()
        .map(|(at, ..)| *at)
        .min()
        .unwrap_or(Duration::MAX);
    let docs_before = docs.iter().filter(|(at, ..)| *at < first_cut).count();
    say(format_args!(
        "docs: {docs_ok} of {} answered 200, in {}..{} ms each; {} upstream waits of {} ms overlapped on {INSTANCES_PER_PLUGIN} instances ({} ms one after another)",
        docs.len(),
        docs.iter().map(|(_, _, r)| ms(r.elapsed)).min().unwrap_or(0),
        docs.iter().map(|(_, _, r)| ms(r.elapsed)).max().unwrap_or(0),
        docs.len(),
        ms(UPSTREAM_LATENCY),
        ms(UPSTREAM_LATENCY) * docs.len() as u128,
    ));
    say(format_args!(
        "spin: {spin_cut} of {} cut off with 504 after {}..{} ms; {docs_before} docs answers arrived before the first cut",
        spin.len(),
        spin.iter().map(|(_, _, r)| ms(r.elapsed)).min().unwrap_or(0),
        spin.iter().map(|(_, _, r)| ms(r.elapsed)).max().unwrap_or(0),
    ));
    say(format_args!(
        "all {} answered in {} ms",
        done.len(),
        ms(wall)
    ));

    // The pool replaced the instances the deadline took: docs still
    // answers, spin is cut off again, not "poisoned".
    for target in ["/plugins/docs?q=wasm", "/plugins/spin"] {
        let r = client::get(addr, target).await?;
        say(format_args!(
            "GET {target} -> {} in {} ms: {}",
            r.status,
            ms(r.elapsed),
            r.body.trim_end()
        ));
    }
    let stats = client::get(addr, "/stats").await?;
    say(format_args!("GET /stats ->\n{}", stats.body.trim_end()));

    if docs_ok != DOCS_REQUESTS || spin_cut != SPIN_REQUESTS {
        return Err(format!(
            "expected {DOCS_REQUESTS} docs answers and {SPIN_REQUESTS} spin cut-offs, got {docs_ok} and {spin_cut}"
        )
        .into());
    }
    Ok(())
}

fn ms(d: Duration) -> u128 {
    d.as_millis()
}
