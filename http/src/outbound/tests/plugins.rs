//! Go plugins making requests with `net/http` through the host, end to
//! end: the plugin `tests/plugins/fetch`, built with the real Go
//! toolchain, serves routes (through gohost-http's inbound Handler) whose
//! handlers call out with `http.Get`, `http.DefaultClient`, clients of
//! their own, a reverse proxy and a cookie jar; the host's client reaches
//! a real upstream on 127.0.0.1, and a test resolver maps other names to
//! denied addresses, which the recording dialer must never be asked for.
//! On the engine `GOHOST_ENGINE` names (`wasmi`, the default, or
//! `wasmtime`: the tests build both).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;
use gohost::{Config, Engine, Limits, Linker, Module, Pool};
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client as PlainClient;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

use super::upstream::{Recorder, Upstream};
use super::{ip, resolver};
use crate::outbound::{Client, Policy, PolicyBuilder, StaticResolver};
use crate::{Handler, HttpState};

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(Config::new().interruptible(true)))
}

/// The plugin, built and compiled once per test process.
fn module() -> Module {
    static MODULE: OnceLock<Module> = OnceLock::new();
    MODULE
        .get_or_init(|| {
            let dir: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/plugins");
            crate::write_go_package(&dir).expect("write the Go package");
            let wasm = gohost_build::build_go_once(
                &dir.join("fetch"),
                "http-fetch",
                gohost_build::BuildMode::Reactor,
            );
            Module::from_file(engine(), &wasm).expect("compile the plugin")
        })
        .clone()
}

/// The names the plugin's requests use: `upstream.test` is the upstream
/// on 127.0.0.1; the others are denied addresses, never dialled.
fn names() -> StaticResolver {
    resolver()
        .with("db.internal", [ip("10.0.0.5")])
        .with("metadata.test", [ip("169.254.169.254")])
        .with("ula.test", [ip("fd00::5")])
}

/// The plugin served on 127.0.0.1 with outbound requests under `policy`,
/// and the dialer that records what its requests connected to.
struct Rig {
    plugin: SocketAddr,
    dial: Recorder,
}

async fn rig(policy: PolicyBuilder) -> Rig {
    let dial = Recorder::default();
    let client = Client::builder(policy.build().expect("a valid policy"))
        .resolver(names())
        .dial(dial.clone())
        .build();
    let mut linker = Linker::<HttpState>::new(engine());
    crate::add_to_linker(&mut linker, |s: &mut HttpState| s).expect("link gohost_http");
    let pool = Pool::builder(linker, module(), move || HttpState::with_outbound(&client))
        .max_instances(2)
        .limits(
            Limits::new()
                .memory_bytes(256 << 20)
                .deadline(Duration::from_secs(20)),
        )
        .build_async()
        .expect("pool");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let plugin = listener.local_addr().expect("address");
    let app = axum::Router::new().fallback_service(Handler::new(pool));
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    Rig { plugin, dial }
}

/// Allows the upstream by name and by address, and every other host by
/// name (their addresses are judged), on port 80 and the upstream's.
fn open(upstream: &Upstream) -> PolicyBuilder {
    Policy::builder()
        .allow_host("*")
        .allow_network(ip("127.0.0.1"))
        .ports([80, upstream.port()])
        .timeout(Duration::from_secs(5))
}

fn escape(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

impl Rig {
    /// Asks the plugin's route `route` (with `query` after `url=`) and
    /// returns its JSON answer.
    async fn ask(&self, route: &str, url: &str, more: &str) -> Value {
        let (status, body) = self
            .raw(&format!("{route}?url={}{more}", escape(url)))
            .await;
        assert_eq!(status, 200, "{route} {url}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
    }

    async fn raw(&self, path_and_query: &str) -> (u16, String) {
        let client = PlainClient::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
        let uri = format!("http://{}{path_and_query}", self.plugin);
        let response = client
            .get(uri.parse().expect("uri"))
            .await
            .unwrap_or_else(|e| panic!("{uri}: {e}"));
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    /// Asserts nothing but the upstream was ever dialled.
    fn only_dialled(&self, upstream: &Upstream) {
        let attempts = self.dial.attempts();
        assert!(
            attempts.iter().all(|a| *a == upstream.addr),
            "dialled {attempts:?}"
        );
    }
}

fn err(v: &Value) -> &str {
    v["err"].as_str().unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_get_reaches_an_allowed_upstream_and_streams_its_body() {
    let upstream = Upstream::start().await;
    let rig = rig(open(&upstream)).await;
    let port = upstream.port();

    let v = rig
        .ask("/get", &format!("http://upstream.test:{port}/hello"), "")
        .await;
    assert_eq!(
        (v["status"].as_u64(), v["body"].as_str(), err(&v)),
        (Some(200), Some("hello"), "")
    );
    let v = rig
        .ask("/get", &format!("http://127.0.0.1:{port}/hello"), "")
        .await;
    assert_eq!(v["body"], "hello");

    // resp.Body is read as Go reads it: reads of at most 1000 bytes (short
    // ones where the server's 1 KiB chunks end), so 100 or more.
    let v = rig
        .ask(
            "/get",
            &format!("http://upstream.test:{port}/stream/100000"),
            "&chunk=1000",
        )
        .await;
    assert_eq!((v["len"].as_u64(), err(&v)), (Some(100_000), ""));
    let reads = v["reads"].as_u64().unwrap_or(0);
    assert!((100..=200).contains(&reads), "{reads} reads");

    // Method, body, header and Host of http.NewRequest, through
    // http.DefaultClient.
    let v = rig
        .ask(
            "/do",
            &format!("http://upstream.test:{port}/echo"),
            "&method=PUT&size=3000",
        )
        .await;
    assert_eq!(v["body"], format!("PUT upstream.test:{port} 3000"));
    let v = rig
        .ask(
            "/do",
            &format!("http://upstream.test:{port}/headers"),
            "&method=GET",
        )
        .await;
    let headers = v["body"].as_str().unwrap_or("");
    assert!(
        headers.contains("user-agent: Go-http-client/1.1\n"),
        "{headers}"
    );
    assert!(headers.contains("x-plugin: fetch\n"), "{headers}");
    let v = rig
        .ask(
            "/do",
            &format!("http://127.0.0.1:{port}/echo"),
            "&method=GET&host=upstream.test",
        )
        .await;
    assert_eq!(v["body"], "GET upstream.test 0", "req.Host is sent as Host");
    rig.only_dialled(&upstream);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_issues_bad_requests_each_fail_in_go_naming_the_rule() {
    let upstream = Upstream::start().await;
    let rig = rig(open(&upstream)
        .max_response_body(1 << 20)
        .max_request_body(1 << 20))
    .await;
    let port = upstream.port();
    let up = |path: &str| format!("http://upstream.test:{port}{path}");
    let cases = [
        (
            "http://db.internal/x".to_owned(),
            "Get \"http://db.internal/x\": gohost: request to 10.0.0.5:80 (db.internal) denied: \
             10.0.0.5 is a private address (10.0.0.0/8, RFC 1918); name it in allow_addresses to allow it",
        ),
        (
            "http://metadata.test/latest/meta-data/".to_owned(),
            "gohost: request to 169.254.169.254:80 (metadata.test) denied: 169.254.169.254 is a cloud metadata service's address",
        ),
        ("http://ula.test/".to_owned(), "denied: fd00::5 is a unique-local address (fc00::/7, RFC 4193)"),
        (
            up("/redirect?http://db.internal/admin"),
            "Get \"http://db.internal/admin\": gohost: request to 10.0.0.5:80 (db.internal) denied",
        ),
        (
            up("/redirect?http://169.254.169.254/"),
            "Get \"http://169.254.169.254/\": gohost: request to 169.254.169.254:80 (169.254.169.254) denied",
        ),
        (
            format!("http://upstream.test@db.internal:{port}/"),
            "gohost: request to 10.0.0.5:",
        ),
        (
            "file:///etc/passwd".to_owned(),
            "Get \"file:///etc/passwd\": gohost: request to file:///etc/passwd denied: scheme \"file\" is not allowed (allowed: http, https)",
        ),
        ("ftp://upstream.test/x".to_owned(), "denied: scheme \"ftp\" is not allowed"),
        (format!("http://upstream.test:{}/", port ^ 1), "denied: port"),
    ];
    for (url, want) in cases {
        let v = rig.ask("/get", &url, "").await;
        assert!(
            err(&v).contains(want),
            "{url}:\n want {want}\n  got {}",
            err(&v)
        );
        assert_eq!(v["denied"], true, "{url}: errors.Is(err, ErrDenied)");
    }
    assert!(
        upstream.accepted() <= 2,
        "only the two redirects reached the upstream"
    );
    rig.only_dialled(&upstream);

    // A response over the limit: refused by http.Get when declared, by
    // resp.Body.Read when it streams.
    let v = rig.ask("/get", &up("/bytes/1048577"), "").await;
    assert!(
        err(&v).ends_with(
            "refused: its body is over the limit of 1048576 bytes (max_response_body_bytes)"
        ),
        "{v}"
    );
    assert_eq!(
        (v["too_large"].as_bool(), v["status"].as_u64()),
        (Some(true), Some(0))
    );
    let v = rig.ask("/get", &up("/stream/3000000"), "").await;
    assert!(err(&v).contains("over the limit of 1048576 bytes"), "{v}");
    assert_eq!(
        (
            v["too_large"].as_bool(),
            v["status"].as_u64(),
            v["len"].as_u64()
        ),
        (Some(true), Some(200), Some(1 << 20))
    );
    // A request body over the limit.
    let v = rig
        .ask("/do", &up("/echo"), "&method=POST&size=1048577")
        .await;
    assert!(
        err(&v).contains("its body is over the limit of 1048576 bytes (max_request_body_bytes)"),
        "{v}"
    );
    assert_eq!(v["too_large"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loopback_is_denied_without_an_allowance() {
    let upstream = Upstream::start().await;
    let strict = Policy::builder().allow_host("*").ports([upstream.port()]);
    let rig = rig(strict).await;
    for url in [
        upstream.url("/hello"),
        format!("http://upstream.test:{}/hello", upstream.port()),
    ] {
        let v = rig.ask("/get", &url, "").await;
        assert!(
            err(&v).contains("denied: 127.0.0.1 is a loopback address (127.0.0.0/8, RFC 1122)"),
            "{v}"
        );
        assert_eq!(v["denied"], true);
    }
    assert_eq!((rig.dial.attempts().len(), upstream.accepted()), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_concurrency_and_cancellation() {
    let upstream = Upstream::start().await;
    let policy = open(&upstream)
        .timeout(Duration::from_millis(400))
        .max_concurrent_requests(2);
    let rig = rig(policy).await;
    let up = |path: &str| format!("http://upstream.test:{}{path}", upstream.port());

    // An upstream that never answers: the policy's timeout.
    let v = rig.ask("/get", &up("/never"), "").await;
    assert!(
        err(&v).ends_with("timed out after 400 ms (timeout_ms)"),
        "{v}"
    );
    assert_eq!(v["timeout"], true);
    // A Go client's own, shorter timeout bounds the host's wait.
    let v = rig.ask("/timeout", &up("/never"), "&ms=150").await;
    assert_eq!(v["timeout"], true, "{v}");
    assert!(
        err(&v).contains("Client.Timeout exceeded") || err(&v).contains("context's deadline"),
        "{v}"
    );

    // More requests open than allowed.
    let v = rig.ask("/open", &up("/stall"), "&n=3").await;
    let steps: Vec<&str> = v["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(steps[..2], ["open", "open"], "{v}");
    assert!(
        steps[2].ends_with("denied: this instance already has 2 requests open (max_concurrent_requests = 2); close response bodies to free one"),
        "{v}"
    );
    assert_eq!(
        steps[3], "after close: open",
        "closing bodies frees their slots"
    );
    assert_eq!(v["denied"], true);

    // A request canceled through its context between reads of its body.
    let v = rig.ask("/cancel", &up("/stream/100000"), "").await;
    assert_eq!(
        (v["len"].as_u64(), err(&v)),
        (Some(1024), "context canceled"),
        "{v}"
    );
    let v = rig.ask("/get", &up("/hello"), "").await;
    assert_eq!(v["body"], "hello");
    rig.only_dialled(&upstream);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standard_library_code_written_against_net_http_works_unchanged() {
    let upstream = Upstream::start().await;
    let rig = rig(open(&upstream)).await;
    let up = |path: &str| format!("http://upstream.test:{}{path}", upstream.port());

    // httputil.ReverseProxy, on http.DefaultTransport.
    let (status, body) = rig
        .raw(&format!("/proxy?url={}", escape(&up("/hello"))))
        .await;
    assert_eq!((status, body.as_str()), (200, "hello"));
    let (status, _) = rig
        .raw(&format!("/proxy?url={}", escape("http://db.internal/")))
        .await;
    assert_eq!(status, 502, "the proxy's answer to a transport error");
    // A cookie jar across a redirect.
    let v = rig.ask("/jar", &up("/login"), "").await;
    assert_eq!(v["body"], "cookie: session=gopher", "{v}");
    // encoding/json straight from resp.Body.
    let v = rig.ask("/json", &up("/json"), "").await;
    assert_eq!(v["body"], r#"{"n":7,"name":"gopher"}"#);
    rig.only_dialled(&upstream);
}
