//! Outbound HTTP from a Go plugin against the same requests from Rust: a
//! GET of 1 KiB from an upstream on 127.0.0.1, made by a Go plugin with
//! `http.Get` (through gohost-http's Transport and the host's client), and
//! by Rust with the same client (`gohost_http::outbound::Client`, same
//! policy, same connection pool). Both read the body to its end; both
//! keep their connection alive.
//!
//! ```text
//! cargo run --release -p gohost-bench --bin http-outbound
//! GOHOST_ENGINE=wasmtime cargo run --release -p gohost-bench --bin http-outbound
//! ```
//!
//! Options: `--requests N` per round (default 2,000), `--rounds N`
//! (default 5). The rounds alternate Rust, Go's `http.Get`, and Go's
//! `Transport.RoundTrip` without `http.Client` (what the client's own work
//! costs is the difference); each figure is the median of its rounds, and
//! the ratios are Go's over Rust's.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use bytes::Bytes;
use gohost::{Linker, Module};
use gohost_http::outbound::{Client, Policy};
use gohost_http::HttpState;
use http_body_util::{BodyExt, Empty, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

/// The body the upstream answers with: 1 KiB.
const BODY: [u8; 1024] = [b'x'; 1024];

struct Args {
    requests: u32,
    rounds: usize,
}

fn args() -> Result<Args, String> {
    let mut args = Args {
        requests: 2_000,
        rounds: 5,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let bad = |e: std::num::ParseIntError| format!("{flag} {value}: {e}");
        match flag.as_str() {
            "--requests" => args.requests = value.parse().map_err(bad)?,
            "--rounds" => args.rounds = value.parse().map_err(bad)?,
            _ => return Err(format!("unknown option {flag} (--requests N, --rounds N)")),
        }
    }
    if args.requests == 0 || args.rounds == 0 {
        return Err("--requests and --rounds must be at least 1".into());
    }
    Ok(args)
}

/// Serves `GET /1k` on 127.0.0.1 (HTTP/1.1, keep-alive); returns its
/// address.
async fn upstream() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let _ = tcp.set_nodelay(true);
            tokio::spawn(async move {
                let service = service_fn(|_req| async {
                    Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from_static(&BODY))))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tcp), service)
                    .await;
            });
        }
    });
    addr
}

/// `requests` GETs from Rust, each body read to its end: the time per
/// request.
async fn rust_round(client: &Client, url: &str, requests: u32) -> Duration {
    let start = Instant::now();
    for _ in 0..requests {
        let request = http::Request::get(url)
            .body(Empty::<Bytes>::new())
            .expect("request");
        let response = client.send(request).await.expect("the Rust request");
        let body = response
            .into_body()
            .collect()
            .await
            .expect("the body")
            .to_bytes();
        assert_eq!(body.len(), BODY.len());
    }
    start.elapsed() / requests
}

/// `requests` GETs from the Go plugin, in one call of its export `export`
/// (`get_n`: `http.Get`; `round_trip_n`: the Transport alone): the time
/// per request.
async fn go_round(
    instance: &mut gohost::Instance<HttpState>,
    export: &str,
    port: u16,
    requests: u32,
) -> Duration {
    let n = i32::try_from(requests).expect("requests fit an int32");
    let start = Instant::now();
    let read: i64 = instance
        .call_async(export, (i32::from(port), n))
        .await
        .expect("the Go plugin's requests");
    let elapsed = start.elapsed();
    assert_eq!(
        read,
        i64::from(n) * BODY.len() as i64,
        "the plugin failed (see its standard error)"
    );
    elapsed / requests
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn micros(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

fn main() -> ExitCode {
    let args = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("http-outbound: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run(args));
    ExitCode::SUCCESS
}

async fn run(args: Args) {
    let guest = gohost_bench::guest_dir("httpout");
    gohost_http::write_go_package(&guest).expect("write gohosthttp into the guest");
    let wasm = gohost_build::build_go(&guest, "bench-httpout", gohost_build::BuildMode::Reactor);

    let addr = upstream().await;
    let url = format!("http://{addr}/1k");
    let policy = Policy::builder()
        .allow_host("127.0.0.1")
        .allow_network(std::net::IpAddr::from(Ipv4Addr::LOCALHOST))
        .ports([addr.port()])
        .build()
        .expect("policy");
    let client = Client::new(policy);

    let engine = gohost_bench::async_engine();
    let module = Module::from_file(&engine, &wasm).expect("compile the guest");
    let mut linker = Linker::<HttpState>::new(&engine);
    gohost_http::add_to_linker(&mut linker, |s: &mut HttpState| s).expect("link gohost_http");
    let mut wasi = gohost::WasiConfig::new();
    wasi.inherit_stdio();
    let mut instance = linker
        .instantiate_async(&module, &wasi, HttpState::with_outbound(&client))
        .await
        .expect("instantiate");
    instance.initialize_async().await.expect("initialize");

    // Warm up both: connections, code paths, Go's allocator.
    rust_round(&client, &url, 200).await;
    go_round(&mut instance, "get_n", addr.port(), 200).await;
    go_round(&mut instance, "round_trip_n", addr.port(), 200).await;

    let (mut rust, mut go, mut transport) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..args.rounds {
        rust.push(rust_round(&client, &url, args.requests).await);
        go.push(go_round(&mut instance, "get_n", addr.port(), args.requests).await);
        transport.push(go_round(&mut instance, "round_trip_n", addr.port(), args.requests).await);
    }
    let (rust, go, transport) = (median(rust), median(go), median(transport));
    println!(
        "outbound GET of 1 KiB from 127.0.0.1, {} requests x {} rounds, {}:",
        args.requests,
        args.rounds,
        engine.kind()
    );
    println!(
        "  Rust, gohost-http's client:         {} per request",
        micros(rust)
    );
    println!(
        "  Go plugin, http.Get (same client): {} per request",
        micros(go)
    );
    println!(
        "  Go plugin, Transport.RoundTrip:    {} per request",
        micros(transport)
    );
    println!(
        "  ratio Go / Rust: {:.2}x (http.Get), {:.2}x (RoundTrip alone)",
        go.as_secs_f64() / rust.as_secs_f64(),
        transport.as_secs_f64() / rust.as_secs_f64()
    );
}
