//! What the inbound tests share: the Go plugins of `tests/plugins` (built
//! with the real Go toolchain, once per test process), pools of them, a
//! real HTTP server on 127.0.0.1 and a real HTTP client.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use std::time::Duration;

use bytes::Bytes;
use gohost::{Config, Engine, Limits, Linker, Module, Output, OutputCallback, Pool, WasiConfig};
use gohost_http::{Handler, HttpState};
use http::{HeaderMap, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// The Go module of the test plugins.
pub fn plugins_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/plugins")
}

/// Builds the plugin `tests/plugins/<name>` once per test process, after
/// writing the Go package into the module.
pub fn plugin_wasm(name: &str) -> PathBuf {
    plugin_wasm_in(&plugins_dir(), name)
}

/// Builds the plugin `<module>/<name>` once per test process, after writing
/// the Go package into the Go module `module`.
pub fn plugin_wasm_in(module: &Path, name: &str) -> PathBuf {
    static WRITTEN: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    {
        let mut written = WRITTEN.lock().unwrap_or_else(|p| p.into_inner());
        if !written.iter().any(|m| m == module) {
            gohost_http::write_go_package(module).expect("write the Go package");
            written.push(module.to_owned());
        }
    }
    gohost_build::build_go_once(
        &module.join(name),
        &format!("http-{name}"),
        gohost_build::BuildMode::Reactor,
    )
}

/// One interruptible engine for every test (async calls need one).
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(Config::new().interruptible(true)))
}

/// The compiled plugin `name` (of `tests/plugins`, or `chi/router` of
/// `tests/plugins-chi`), compiled once per test process.
pub fn module(name: &str) -> Module {
    static MODULES: Mutex<BTreeMap<String, Module>> = Mutex::new(BTreeMap::new());
    let wasm = match name.strip_prefix("chi/") {
        Some(chi) => plugin_wasm_in(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/plugins-chi"),
            chi,
        ),
        None => plugin_wasm(name),
    };
    let mut modules = MODULES.lock().unwrap_or_else(|p| p.into_inner());
    modules
        .entry(name.to_owned())
        .or_insert_with(|| Module::from_file(engine(), &wasm).expect("compile the plugin"))
        .clone()
}

/// A linker with the host functions of gohost_http.
pub fn linker() -> Linker<HttpState> {
    let mut linker = Linker::<HttpState>::new(engine());
    gohost_http::add_to_linker(&mut linker, |s: &mut HttpState| s).expect("link gohost_http");
    linker
}

/// A pool of the plugin `name` with `limits`.
pub fn pool(name: &str, limits: Limits) -> Pool<HttpState> {
    Pool::builder(linker(), module(name), HttpState::new)
        .name(name)
        .max_instances(2)
        .limits(limits)
        .build_async()
        .expect("an HTTP plugin's pool")
}

/// The limits most tests use: a deadline far above what a request takes.
pub fn limits() -> Limits {
    Limits::new()
        .memory_bytes(256 << 20)
        .deadline(Duration::from_secs(30))
}

/// A Tokio runtime for a test: multi-threaded, with I/O and timers.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Serves `app` on 127.0.0.1 (an ephemeral port) with axum, which gives
/// handlers the client's address; returns the address.
pub async fn serve(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .expect("serve");
    });
    addr
}

/// Serves `handler` with hyper alone (HTTP/1.1, or HTTP/2 with prior
/// knowledge), which passes each connection's client address as a
/// [`gohost_http::ClientAddr`] extension; returns the address.
pub async fn serve_hyper(handler: Handler<HttpState>, http2: bool) -> SocketAddr {
    use tower_service::Service as _;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        while let Ok((stream, peer)) = listener.accept().await {
            let handler = handler.clone();
            let service = hyper::service::service_fn(
                move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(gohost_http::ClientAddr(peer));
                    handler.clone().call(req)
                },
            );
            let io = hyper_util::rt::TokioIo::new(stream);
            if http2 {
                tokio::spawn(
                    hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                        .serve_connection(io, service),
                );
            } else {
                tokio::spawn(
                    hyper::server::conn::http1::Builder::new().serve_connection(io, service),
                );
            }
        }
    });
    addr
}

/// Serves the plugin `name` at the root, with `handler`'s settings.
pub async fn serve_handler(handler: Handler<HttpState>) -> SocketAddr {
    serve(axum::Router::new().fallback_service(handler)).await
}

/// A real HTTP/1.1 client (hyper-util's), keeping connections alive.
pub fn client() -> Client<HttpConnector, Full<Bytes>> {
    Client::builder(TokioExecutor::new()).build_http()
}

/// A response read whole: status, header, body and trailers.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub trailers: Option<HeaderMap>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.text()))
    }
}

/// Sends `req` to `addr` and reads the whole response.
pub async fn send(
    client: &Client<HttpConnector, Full<Bytes>>,
    addr: SocketAddr,
    req: Request<Full<Bytes>>,
) -> Reply {
    let (mut parts, body) = req.into_parts();
    let pq = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    parts.uri = format!("http://{addr}{pq}").parse().expect("uri");
    let res = client
        .request(Request::from_parts(parts, body))
        .await
        .expect("request");
    let (parts, body) = res.into_parts();
    let collected = body.collect().await.expect("response body");
    let trailers = collected.trailers().cloned();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body: collected.to_bytes(),
        trailers,
    }
}

/// `GET path` on `addr`.
pub async fn get(addr: SocketAddr, path: &str) -> Reply {
    let req = Request::get(path).body(Full::default()).expect("request");
    send(&client(), addr, req).await
}

/// A pool of the plugin `name` with one instance, whose standard error
/// goes to the returned buffer: the tests that ask the plugin what its
/// previous request saw (`/last`) get the same instance.
pub fn single(name: &str, limits: Limits) -> (Arc<Pool<HttpState>>, Arc<Mutex<Vec<u8>>>) {
    let stderr = Arc::new(Mutex::new(Vec::new()));
    let sink = stderr.clone();
    let pool = Pool::builder(linker(), module(name), HttpState::new)
        .name(name)
        .max_instances(1)
        .limits(limits)
        .wasi(move || {
            let sink = sink.clone();
            let mut wasi = WasiConfig::new();
            wasi.stderr(Output::Callback(OutputCallback::new(move |bytes| {
                sink.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .extend_from_slice(bytes);
            })));
            wasi
        })
        .build_async()
        .expect("an HTTP plugin's pool");
    (Arc::new(pool), stderr)
}

/// The text in a captured output buffer.
pub fn captured(buf: &Mutex<Vec<u8>>) -> String {
    String::from_utf8_lossy(&buf.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
}

/// A request body the test writes piece by piece.
#[derive(Debug)]
pub struct ChannelBody(pub tokio::sync::mpsc::Receiver<Bytes>);

impl http_body::Body for ChannelBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        self.0
            .poll_recv(cx)
            .map(|piece| piece.map(|b| Ok(http_body::Frame::data(b))))
    }
}

/// A client whose request bodies are written piece by piece.
pub fn streaming_client() -> Client<HttpConnector, ChannelBody> {
    Client::builder(TokioExecutor::new()).build_http()
}

/// Waits for `f` to be true, checking every 10 ms for at most `limit`.
pub async fn eventually(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        if f() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    f()
}

/// Writes `request` on a new connection to `addr` and reads until the
/// server closes it.
pub async fn raw_exchange(addr: SocketAddr, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut out))
        .await
        .expect("the server closes the connection")
        .unwrap();
    String::from_utf8_lossy(&out).into_owned()
}
