//! The HTTP load benchmark: a hello handler served through gohost (a Go
//! plugin behind `gohost_http::Handler` on hyper, one instance per core)
//! against the same handler served by Go's own `net/http` server natively,
//! under the same bounded keep-alive load from 127.0.0.1.
//!
//! The handler is one Go package (`guests/httphello/hello`), built as a
//! plugin (`plugin/`) and as a native program (`native/`) with the real
//! Go toolchain. `http-load` (binary) runs both servers as child processes
//! and measures them in alternating rounds; `tests/http_load.rs` runs a
//! few hundred requests of it.

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use gohost::{Config, Engine, Linker, Module, Pool, WasiConfig};
use gohost_http::{ClientAddr, Handler, HttpState};
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use tower_service::Service as _;

/// The path every request asks for.
pub const PATH: &str = "/hello";

/// What every request must get back.
pub const BODY: &str = "Hello, world!\n";

/// The Go module of the benchmark's handler.
pub fn guest_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("guests/httphello")
}

/// Builds the plugin (writing gohost's Go package into its module first).
///
/// # Panics
///
/// When the Go package cannot be written or Go cannot build the plugin.
pub fn build_plugin() -> PathBuf {
    gohost_http::write_go_package(guest_dir()).expect("write the Go package");
    gohost_build::build_go(
        &guest_dir().join("plugin"),
        "http-hello-plugin",
        gohost_build::BuildMode::Reactor,
    )
}

/// Builds the native server with the host's Go toolchain.
///
/// # Panics
///
/// When Go is missing or the build fails.
pub fn build_native() -> PathBuf {
    gohost_build::require_go();
    let out = gohost_build::out_dir().join("http-hello-native");
    let status = Command::new("go")
        .current_dir(guest_dir())
        .args(["build", "-o"])
        .arg(&out)
        .arg("./native")
        .status()
        .expect("run go build");
    assert!(status.success(), "go build of the native server failed");
    out
}

/// A gohost server of the plugin at `wasm`: a pool of `instances` instances
/// behind a [`Handler`], served by hyper's HTTP/1 server on a Tokio
/// runtime of `instances` workers, on 127.0.0.1 (an ephemeral port).
/// Returns its address, and the runtime it runs on (dropping it stops
/// the server).
///
/// # Errors
///
/// When the plugin cannot be compiled or the port cannot be bound.
pub fn serve_gohost(
    wasm: &Path,
    instances: usize,
    guest_env: &[(String, String)],
) -> Result<(SocketAddr, tokio::runtime::Runtime), Box<dyn std::error::Error>> {
    let engine = Engine::new(Config::new().interruptible(true));
    let module = Module::from_file(&engine, wasm)?;
    let mut linker = Linker::<HttpState>::new(&engine);
    gohost_http::add_to_linker(&mut linker, |s: &mut HttpState| s)?;
    let env = guest_env.to_vec();
    let pool = Pool::builder(linker, module, HttpState::new)
        .name("hello")
        .max_instances(instances)
        .wasi(move || {
            let mut wasi = WasiConfig::new();
            for (k, v) in &env {
                wasi.env(k, v);
            }
            wasi
        })
        .build_async()?;
    let handler = Handler::new(pool);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(instances)
        .enable_all()
        .build()?;
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    runtime.spawn(async move {
        while let Ok((stream, peer)) = listener.accept().await {
            let _ = stream.set_nodelay(true);
            let handler = handler.clone();
            let service = hyper::service::service_fn(
                move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(ClientAddr(peer));
                    handler.clone().call(req)
                },
            );
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service),
            );
        }
    });
    Ok((addr, runtime))
}

/// A server in a child process that prints `listening ADDR` on its
/// standard output and serves until its standard input closes.
#[derive(Debug)]
pub struct ChildServer {
    child: Child,
    stdin: Option<ChildStdin>,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl ChildServer {
    /// Starts `cmd` and waits for its address.
    ///
    /// # Errors
    ///
    /// When it cannot start or does not say where it listens.
    pub fn start(mut cmd: Command) -> std::io::Result<ChildServer> {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdin = child.stdin.take();
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| std::io::Error::other("no stdout"))?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let addr = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|a| a.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("the server said {line:?}")))?;
        Ok(ChildServer { child, stdin, addr })
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

/// Serves until standard input closes, printing `listening ADDR` first:
/// the child side of [`ChildServer`] for the gohost server.
///
/// # Errors
///
/// As [`serve_gohost`].
pub fn serve_gohost_until_stdin_closes(
    wasm: &Path,
    instances: usize,
    guest_env: &[(String, String)],
) -> Result<(), Box<dyn std::error::Error>> {
    let (addr, runtime) = serve_gohost(wasm, instances, guest_env)?;
    let mut out = std::io::stdout();
    writeln!(out, "listening {addr}")?;
    out.flush()?;
    std::io::copy(&mut std::io::stdin(), &mut std::io::sink())?;
    drop(runtime);
    Ok(())
}

/// A bounded load: `requests` requests in all, over `connections`
/// keep-alive connections, each sending its next request when the last
/// one's response has been read.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    /// Connections, each one request at a time.
    pub connections: usize,
    /// Requests in all.
    pub requests: u64,
}

/// What a load measured.
#[derive(Debug, Clone, Copy)]
pub struct LoadReport {
    /// Requests answered with 200 and the expected body.
    pub ok: u64,
    /// Requests that failed, or got another answer.
    pub errors: u64,
    /// From the first request to the last response.
    pub elapsed: Duration,
    /// The median latency of one request.
    pub p50: Duration,
    /// The 99th percentile.
    pub p99: Duration,
}

impl LoadReport {
    /// Requests answered per second.
    pub fn per_second(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }
}

/// Runs `load` against `addr`, on the current Tokio runtime.
pub async fn run_load(addr: SocketAddr, load: Load) -> LoadReport {
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..load.connections.max(1) {
        tasks.spawn(connection(addr, next.clone(), load.requests));
    }
    let mut latencies = Vec::with_capacity(usize::try_from(load.requests).unwrap_or(0));
    let mut errors = 0;
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok((l, e)) => {
                latencies.extend(l);
                errors += e;
            }
            Err(_) => errors += 1,
        }
    }
    let elapsed = start.elapsed();
    latencies.sort_unstable();
    let quantile = |q: f64| {
        let i = ((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1));
        latencies.get(i).copied().unwrap_or_default()
    };
    LoadReport {
        ok: latencies.len() as u64,
        errors,
        elapsed,
        p50: quantile(0.50),
        p99: quantile(0.99),
    }
}

/// One keep-alive connection's share of the load: the latency of each
/// request it got a correct answer to, and how many went wrong.
async fn connection(addr: SocketAddr, next: Arc<AtomicU64>, total: u64) -> (Vec<Duration>, u64) {
    let mut latencies = Vec::new();
    let mut errors = 0;
    let Ok(stream) = tokio::net::TcpStream::connect(addr).await else {
        return (latencies, 1);
    };
    let _ = stream.set_nodelay(true);
    let Ok((mut sender, conn)) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await
    else {
        return (latencies, 1);
    };
    tokio::spawn(conn);
    while next.fetch_add(1, Ordering::Relaxed) < total {
        let req = hyper::Request::get(PATH)
            .header(hyper::header::HOST, "127.0.0.1")
            .body(Empty::<Bytes>::new());
        let Ok(req) = req else {
            errors += 1;
            continue;
        };
        let started = Instant::now();
        if sender.ready().await.is_err() {
            errors += 1;
            break;
        }
        let good = match sender.send_request(req).await {
            Ok(res) => {
                let status = res.status();
                match res.into_body().collect().await {
                    Ok(body) => status == hyper::StatusCode::OK && body.to_bytes() == BODY,
                    Err(_) => false,
                }
            }
            Err(_) => false,
        };
        if good {
            latencies.push(started.elapsed());
        } else {
            errors += 1;
        }
    }
    (latencies, errors)
}
