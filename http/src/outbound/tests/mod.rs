//! The client against a real upstream on 127.0.0.1, and against names a
//! test resolver maps to every kind of denied address: each refusal is
//! checked to come before any connection attempt (the recording dialer
//! sees none, the upstream accepts none).

mod plugins;
mod upstream;

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use gohost::BoxFuture;
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Empty, Full, StreamBody};
use hyper::body::Frame;

use super::{Client, Denial, OutboundError, Policy, PolicyBuilder, Resolve, StaticResolver};
use upstream::{Recorder, Upstream};

fn ip(s: &str) -> IpAddr {
    s.parse().expect("an IP address")
}

/// A policy that allows `upstream.test`, 127.0.0.1 (host and address)
/// and the upstream's port, with short timeouts.
fn local(upstream: &Upstream) -> PolicyBuilder {
    Policy::builder()
        .allow_host("upstream.test")
        .allow_host("127.0.0.1")
        .allow_network(ip("127.0.0.1"))
        .ports([upstream.port()])
        .connect_timeout(Duration::from_millis(500))
        .timeout(Duration::from_millis(1500))
}

fn resolver() -> StaticResolver {
    StaticResolver::new().with("upstream.test", [ip("127.0.0.1")])
}

fn client(policy: PolicyBuilder, resolver: impl Resolve, dial: &Recorder) -> Client {
    Client::builder(policy.build().expect("a valid policy"))
        .resolver(resolver)
        .dial(dial.clone())
        .build()
}

fn get(url: &str) -> Request<Empty<Bytes>> {
    Request::get(url).body(Empty::new()).expect("a request")
}

async fn text(client: &Client, url: &str) -> Result<(StatusCode, String), OutboundError> {
    let response = client.send(get(url)).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

fn denial(result: Result<(StatusCode, String), OutboundError>) -> (String, Denial) {
    match result {
        Err(OutboundError::Denied { target, denial }) => (target, denial),
        other => panic!("not denied: {other:?}"),
    }
}

#[tokio::test]
async fn an_allowed_local_upstream_answers_by_address_and_by_name() {
    let upstream = Upstream::start().await;
    let dial = Recorder::default();
    let client = client(local(&upstream), resolver(), &dial);

    let (status, body) = text(&client, &upstream.url("/hello"))
        .await
        .expect("allowed");
    assert_eq!((status, body.as_str()), (StatusCode::OK, "hello"));
    let url = format!("http://upstream.test:{}/echo", upstream.port());
    let (_, body) = text(&client, &url).await.expect("allowed by name");
    assert_eq!(body, format!("GET upstream.test:{} 0", upstream.port()));
    assert_eq!(dial.attempts(), vec![upstream.addr, upstream.addr]);

    // A connection is reused for the next request to the same host.
    text(&client, &upstream.url("/hello")).await.expect("again");
    assert_eq!(upstream.accepted(), 2);
}

#[tokio::test]
async fn names_that_resolve_to_denied_addresses_are_refused_before_any_connection() {
    let resolver = StaticResolver::new()
        .with("db.internal", [ip("10.0.0.5")])
        .with("corp.test", [ip("172.20.1.1")])
        .with("home.test", [ip("192.168.1.10")])
        .with("localhost", [ip("127.0.0.1"), ip("::1")])
        .with("loop6.test", [ip("::1")])
        .with("metadata.test", [ip("169.254.169.254")])
        .with("linklocal.test", [ip("169.254.3.4")])
        .with("ula.test", [ip("fd12:3456::1")])
        .with("ll6.test", [ip("fe80::1")])
        .with("mapped.test", [ip("::ffff:10.0.0.5")])
        .with("mapped-loop.test", [ip("::ffff:127.0.0.1")])
        .with("nat64.test", [ip("64:ff9b::a9fe:a9fe")])
        .with("zero.test", [ip("0.0.0.0")])
        .with("cgnat.test", [ip("100.64.1.1")])
        .with("mcast.test", [ip("224.0.0.251")])
        .with("mixed.test", [ip("93.184.215.14"), ip("10.0.0.5")]);
    let dial = Recorder::default();
    let policy = Policy::builder().allow_host("*").any_port();
    let client = client(policy, resolver, &dial);
    let cases = [
        (
            "db.internal",
            "10.0.0.5:80 (db.internal)",
            "10.0.0.5 is a private address (10.0.0.0/8, RFC 1918)",
        ),
        (
            "corp.test",
            "172.20.1.1:80 (corp.test)",
            "private address (172.16.0.0/12",
        ),
        (
            "home.test",
            "192.168.1.10:80 (home.test)",
            "private address (192.168.0.0/16",
        ),
        (
            "localhost",
            "127.0.0.1:80 (localhost)",
            "127.0.0.1 is a loopback address (127.0.0.0/8, RFC 1122)",
        ),
        (
            "loop6.test",
            "[::1]:80 (loop6.test)",
            "::1 is the loopback address (::1/128, RFC 4291)",
        ),
        (
            "metadata.test",
            "169.254.169.254:80 (metadata.test)",
            "cloud metadata service's address",
        ),
        (
            "linklocal.test",
            "169.254.3.4:80",
            "link-local address (169.254.0.0/16, RFC 3927)",
        ),
        (
            "ula.test",
            "[fd12:3456::1]:80",
            "unique-local address (fc00::/7, RFC 4193)",
        ),
        ("ll6.test", "[fe80::1]:80", "link-local address (fe80::/10"),
        (
            "mapped.test",
            "[::ffff:10.0.0.5]:80",
            "::ffff:10.0.0.5 (IPv4-mapped form of 10.0.0.5) is a private address",
        ),
        (
            "mapped-loop.test",
            "[::ffff:127.0.0.1]:80",
            "(IPv4-mapped form of 127.0.0.1) is a loopback address",
        ),
        (
            "nat64.test",
            "[64:ff9b::a9fe:a9fe]:80",
            "(NAT64 form of 169.254.169.254) is a cloud metadata",
        ),
        ("zero.test", "0.0.0.0:80", "\"this network\" address"),
        ("cgnat.test", "100.64.1.1:80", "carrier-grade NAT"),
        ("mcast.test", "224.0.0.251:80", "multicast"),
        ("mixed.test", "10.0.0.5:80 (mixed.test)", "private address"),
    ];
    for (host, target, reason) in cases {
        let result = text(&client, &format!("http://{host}/x")).await;
        let message = match &result {
            Err(e) => e.to_string(),
            Ok(_) => String::new(),
        };
        let (got_target, denial) = denial(result);
        assert!(
            matches!(denial, Denial::Address { .. }),
            "{host}: {denial:?}"
        );
        assert!(got_target.starts_with(target), "{host}: {got_target}");
        assert!(message.contains(reason), "{host}: {message}");
        assert!(
            message.ends_with("name it in allow_addresses to allow it"),
            "{message}"
        );
    }
    assert_eq!(dial.attempts(), [], "a denied address was dialled");
    assert_eq!(
        text(&client, "http://db.internal/")
            .await
            .expect_err("denied")
            .to_string(),
        "request to 10.0.0.5:80 (db.internal) denied: 10.0.0.5 is a private address \
         (10.0.0.0/8, RFC 1918); name it in allow_addresses to allow it"
    );
}

#[tokio::test]
async fn an_allowed_public_address_is_the_one_dialled() {
    // The recorder refuses anything but 127.0.0.1 without touching the
    // network: this shows the address dialled is the checked one.
    let resolver = StaticResolver::new().with(
        "public.test",
        [
            ip("93.184.215.14"),
            ip("2606:2800:21f:cb07:6820:80da:af6b:8b2c"),
        ],
    );
    let dial = Recorder::default();
    let client = client(Policy::builder().allow_host("public.test"), resolver, &dial);
    let err = text(&client, "http://public.test/")
        .await
        .expect_err("the recorder refuses it");
    assert!(matches!(err, OutboundError::Connect { .. }), "{err}");
    assert_eq!(
        dial.attempts(),
        vec![
            SocketAddr::new(ip("93.184.215.14"), 80),
            SocketAddr::new(ip("2606:2800:21f:cb07:6820:80da:af6b:8b2c"), 80),
        ]
    );
}

/// Answers each lookup from the next entry of its list: a name server
/// rebinding a name between lookups.
#[derive(Debug)]
struct Rebinding {
    answers: Vec<IpAddr>,
    calls: AtomicUsize,
}

impl Resolve for Rebinding {
    fn resolve<'a>(&'a self, _: &'a str) -> BoxFuture<'a, io::Result<Vec<IpAddr>>> {
        let i = self.calls.fetch_add(1, Ordering::SeqCst);
        let answer = self.answers[i.min(self.answers.len() - 1)];
        Box::pin(async move { Ok(vec![answer]) })
    }
}

#[tokio::test]
async fn each_connection_resolves_once_and_dials_what_it_checked() {
    let upstream = Upstream::start().await;
    let resolver = Arc::new(Rebinding {
        answers: vec![ip("127.0.0.1"), ip("10.0.0.5")],
        calls: AtomicUsize::new(0),
    });
    #[derive(Debug)]
    struct Shared(Arc<Rebinding>);
    impl Resolve for Shared {
        fn resolve<'a>(&'a self, host: &'a str) -> BoxFuture<'a, io::Result<Vec<IpAddr>>> {
            self.0.resolve(host)
        }
    }
    let dial = Recorder::default();
    let policy = local(&upstream).allow_host("rebind.test");
    let client = client(policy, Shared(resolver.clone()), &dial);
    let url = format!("http://rebind.test:{}/hello", upstream.port());
    assert_eq!(text(&client, &url).await.expect("first answer").1, "hello");
    assert_eq!(
        resolver.calls.load(Ordering::SeqCst),
        1,
        "one lookup per connection"
    );
    assert_eq!(dial.attempts(), vec![upstream.addr]);

    // A new client (no pooled connection): the name now resolves to a
    // private address, which is judged and refused.
    let fresh = Client::builder(client.policy().clone())
        .resolver(Shared(resolver.clone()))
        .dial(dial.clone())
        .build();
    let (_, d) = denial(text(&fresh, &url).await);
    assert!(matches!(d, Denial::Address { .. }), "{d}");
    assert_eq!(resolver.calls.load(Ordering::SeqCst), 2);
    assert_eq!(
        dial.attempts(),
        vec![upstream.addr],
        "nothing more was dialled"
    );
}

#[tokio::test]
async fn loopback_needs_an_allowance_even_when_the_host_is_allowed() {
    let upstream = Upstream::start().await;
    let dial = Recorder::default();
    let policy = Policy::builder()
        .allow_host("127.0.0.1")
        .allow_host("upstream.test")
        .ports([upstream.port()]);
    let client = client(policy, resolver(), &dial);
    for url in [
        upstream.url("/hello"),
        format!("http://upstream.test:{}/hello", upstream.port()),
        format!("http://0x7f.1:{}/hello", upstream.port()),
        format!("http://2130706433:{}/hello", upstream.port()),
    ] {
        let (target, d) = denial(text(&client, &url).await);
        assert!(
            target.starts_with(&format!("127.0.0.1:{}", upstream.port())),
            "{url}: {target}"
        );
        assert!(
            d.to_string().starts_with("127.0.0.1 is a loopback address"),
            "{url}: {d}"
        );
    }
    let policy = Policy::builder().allow_host("*").any_port();
    let any = self::client(policy, resolver(), &dial);
    for url in [
        format!("http://[::ffff:127.0.0.1]:{}/", upstream.port()),
        format!("http://[::1]:{}/", upstream.port()),
        format!("http://[::]:{}/", upstream.port()),
        format!("http://0.0.0.0:{}/", upstream.port()),
    ] {
        let (_, d) = denial(text(&any, &url).await);
        assert!(matches!(d, Denial::Address { .. }), "{url}: {d}");
    }
    assert_eq!((dial.attempts().len(), upstream.accepted()), (0, 0));
}

#[tokio::test]
async fn the_url_rules_refuse_before_resolving_or_connecting() {
    let upstream = Upstream::start().await;
    let dial = Recorder::default();
    let client = client(
        local(&upstream).methods([Method::GET, Method::POST]),
        resolver(),
        &dial,
    );
    let port = upstream.port();
    let cases = [
        (
            format!("http://upstream.test@denied.test:{port}/"),
            "host \"denied.test\" is not allowed",
        ),
        (
            format!("http://127.0.0.1@10.0.0.5:{port}/"),
            "host \"10.0.0.5\" is not allowed",
        ),
        (
            format!("http://user:pw@upstream.test:{port}/"),
            "the URL carries user-info",
        ),
        (
            "file:///etc/passwd".to_owned(),
            "scheme \"file\" is not allowed (allowed: http, https)",
        ),
        (
            "ftp://upstream.test/".to_owned(),
            "scheme \"ftp\" is not allowed",
        ),
        (
            "gopher://upstream.test/".to_owned(),
            "scheme \"gopher\" is not allowed",
        ),
        (
            format!("ws://upstream.test:{port}/"),
            "scheme \"ws\" is not allowed",
        ),
        (
            "http://upstream.test:1/".to_owned(),
            "port 1 is not allowed",
        ),
        ("http://upstream.test/".to_owned(), "port 80 is not allowed"),
        (
            format!("http://other.test:{port}/"),
            "host \"other.test\" is not allowed (allowed: upstream.test, 127.0.0.1)",
        ),
    ];
    for (url, want) in cases {
        let Ok(uri) = url.parse::<http::Uri>() else {
            // `http::Uri` refuses some of these itself (`file:///`); the
            // policy still judges the text, as the Go transport sends it.
            let err = client.policy().check_url("GET", &url).expect_err(&url);
            assert!(err.to_string().contains(want), "{url}: {err}");
            continue;
        };
        let request = Request::get(uri)
            .body(Empty::<Bytes>::new())
            .expect("request");
        let err = client.send(request).await.expect_err(&url).to_string();
        assert!(err.contains(want), "{url}: {err}");
    }
    let put = Request::put(upstream.url("/echo"))
        .body(Empty::<Bytes>::new())
        .expect("request");
    let err = client.send(put).await.expect_err("PUT").to_string();
    assert!(
        err.ends_with("denied: method PUT is not allowed (methods: GET, POST)"),
        "{err}"
    );
    let fronted = Request::get(upstream.url("/echo"))
        .header("host", "elsewhere.test")
        .body(Empty::<Bytes>::new())
        .expect("request");
    let err = client
        .send(fronted)
        .await
        .expect_err("Host header")
        .to_string();
    assert!(
        err.contains("its Host header \"elsewhere.test\" is not allowed"),
        "{err}"
    );
    assert_eq!((dial.attempts().len(), upstream.accepted()), (0, 0));

    // A Host header naming an allowed host is sent as it is.
    let named = Request::get(upstream.url("/echo"))
        .header("host", "upstream.test")
        .body(Empty::<Bytes>::new())
        .expect("request");
    let body = client
        .send(named)
        .await
        .expect("allowed")
        .into_body()
        .collect()
        .await
        .expect("body");
    assert_eq!(body.to_bytes(), "GET upstream.test 0");
}

#[tokio::test]
async fn redirects_are_returned_not_followed() {
    let upstream = Upstream::start().await;
    let dial = Recorder::default();
    let client = client(local(&upstream), resolver(), &dial);
    let response = client
        .send(get(
            &upstream.url("/redirect?http://169.254.169.254/latest/meta-data/")
        ))
        .await
        .expect("the redirect itself");
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(
        response.headers()["location"],
        "http://169.254.169.254/latest/meta-data/"
    );
    drop(response);
    assert_eq!(dial.attempts(), vec![upstream.addr]);
}

#[tokio::test]
async fn bodies_over_the_limits_are_refused() {
    let upstream = Upstream::start().await;
    let dial = Recorder::default();
    let client = client(
        local(&upstream)
            .max_request_body(1000)
            .max_response_body(4096),
        resolver(),
        &dial,
    );

    assert_eq!(
        text(&client, &upstream.url("/bytes/4096"))
            .await
            .expect("at the limit")
            .1
            .len(),
        4096
    );
    assert_eq!(
        text(&client, &upstream.url("/stream/4096"))
            .await
            .expect("at the limit")
            .1
            .len(),
        4096
    );

    let err = text(&client, &upstream.url("/bytes/4097"))
        .await
        .expect_err("declared too large");
    assert_eq!(
        err.to_string(),
        format!(
            "response from {} refused: its body is over the limit of 4096 bytes (max_response_body_bytes)",
            upstream.url("/bytes/4097")
        )
    );
    // Without a Content-Length: refused while it streams, after the
    // chunks within the limit.
    let response = client
        .send(get(&upstream.url("/stream/10000")))
        .await
        .expect("head");
    let mut body = response.into_body();
    let mut received = 0;
    let err = loop {
        match body.frame().await {
            Some(Ok(frame)) => received += frame.into_data().map_or(0, |d| d.len()),
            Some(Err(e)) => break e,
            None => panic!("the body ended after {received} bytes"),
        }
    };
    assert!(
        matches!(err, OutboundError::ResponseTooLarge { limit: 4096, .. }),
        "{err}"
    );
    assert_eq!(received, 4096);
    assert!(
        body.frame().await.is_none(),
        "the body ends after its error"
    );

    let accepted = upstream.accepted();
    let big = Request::post(upstream.url("/echo"))
        .body(Full::new(Bytes::from(vec![0; 1001])))
        .expect("request");
    let err = client.send(big).await.expect_err("declared too large");
    assert!(
        matches!(err, OutboundError::RequestTooLarge { limit: 1000, .. }),
        "{err}"
    );
    assert_eq!(upstream.accepted(), accepted, "refused before connecting");
    let ok = Request::post(upstream.url("/echo"))
        .body(Full::new(Bytes::from(vec![0; 1000])))
        .expect("request");
    let body = client
        .send(ok)
        .await
        .expect("at the limit")
        .into_body()
        .collect()
        .await
        .expect("body");
    assert!(body.to_bytes().ends_with(b" 1000"));

    // A streamed body without a length: cut off as it goes over.
    let chunks = (0..4).map(|_| Ok::<_, io::Error>(Frame::data(Bytes::from(vec![0; 400]))));
    let streamed = Request::post(upstream.url("/echo"))
        .body(StreamBody::new(upstream::stream(chunks)))
        .expect("request");
    let err = client.send(streamed).await.expect_err("streamed too large");
    assert!(
        matches!(err, OutboundError::RequestTooLarge { limit: 1000, .. }),
        "{err}"
    );
}

/// Never answers.
#[derive(Debug)]
struct Silent;

impl Resolve for Silent {
    fn resolve<'a>(&'a self, _: &'a str) -> BoxFuture<'a, io::Result<Vec<IpAddr>>> {
        Box::pin(std::future::pending())
    }
}

#[tokio::test]
async fn slow_upstreams_time_out_by_the_setting_that_applies() {
    let upstream = Upstream::start().await;
    let dial = Recorder::default();
    let policy = local(&upstream)
        .connect_timeout(Duration::from_millis(100))
        .timeout(Duration::from_millis(300));
    let client = self::client(policy.clone(), resolver(), &dial);

    let err = text(&client, &upstream.url("/never"))
        .await
        .expect_err("no answer");
    assert_eq!(
        err.to_string(),
        format!(
            "request to {} timed out after 300 ms (timeout_ms)",
            upstream.url("/never")
        )
    );
    let response = client
        .send(get(&upstream.url("/stall")))
        .await
        .expect("the head comes");
    let mut body = response.into_body();
    let first = body.frame().await.expect("a frame").expect("data");
    assert_eq!(first.into_data().expect("data"), "start");
    let err = body
        .frame()
        .await
        .expect("an error")
        .expect_err("a timeout");
    assert!(
        matches!(
            err,
            OutboundError::Timeout {
                setting: "timeout_ms",
                ..
            }
        ),
        "{err}"
    );

    let silent = self::client(policy.allow_host("slow-dns.test"), Silent, &dial);
    let url = format!("http://slow-dns.test:{}/hello", upstream.port());
    let err = text(&silent, &url).await.expect_err("no address");
    assert_eq!(
        err.to_string(),
        format!("request to {url} timed out after 100 ms (connect_timeout_ms)")
    );
}

#[tokio::test]
async fn an_instance_may_have_only_so_many_requests_open() {
    let upstream = Upstream::start().await;
    let dial = Recorder::default();
    let client = client(
        local(&upstream).max_concurrent_requests(2),
        resolver(),
        &dial,
    );
    let instance = client.instance();
    let first = instance
        .send(get(&upstream.url("/stall")))
        .await
        .expect("first");
    let second = instance
        .send(get(&upstream.url("/hello")))
        .await
        .expect("second");
    assert_eq!(instance.open_requests(), 2);
    let accepted = upstream.accepted();
    let err = instance
        .send(get(&upstream.url("/hello")))
        .await
        .expect_err("third");
    assert_eq!(
        err.to_string(),
        format!(
            "request to {} denied: this instance already has 2 requests open \
             (max_concurrent_requests = 2); close response bodies to free one",
            upstream.url("/hello")
        )
    );
    assert_eq!(upstream.accepted(), accepted, "refused before connecting");
    // Another instance has its own count.
    client
        .instance()
        .send(get(&upstream.url("/hello")))
        .await
        .expect("another instance");

    // A body read to its end frees its slot; so does a dropped one.
    second.into_body().collect().await.expect("hello");
    assert_eq!(instance.open_requests(), 1);
    drop(first);
    assert_eq!(instance.open_requests(), 0);
    let third = instance
        .send(get(&upstream.url("/hello")))
        .await
        .expect("a free slot");
    assert_eq!(
        third.into_body().collect().await.expect("body").to_bytes(),
        "hello"
    );
}

#[tokio::test]
async fn https_verifies_the_certificate_against_the_url_host() {
    let cert = rcgen::generate_simple_self_signed(vec!["upstream.test".to_owned()])
        .expect("a certificate");
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert.cert.der().clone()], key)
        .expect("server config");
    let upstream = Upstream::start_with(Some(Arc::new(server))).await;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.cert.der().clone()).expect("a root");
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let dial = Recorder::default();
    let policy = local(&upstream)
        .allow_host("impostor.test")
        .schemes([super::Scheme::Https]);
    let client = Client::builder(policy.build().expect("policy"))
        .resolver(resolver().with("impostor.test", [ip("127.0.0.1")]))
        .tls_config(Arc::new(tls))
        .dial(dial.clone())
        .build();
    let port = upstream.port();
    let (status, body) = text(&client, &format!("https://upstream.test:{port}/hello"))
        .await
        .expect("trusted");
    assert_eq!((status, body.as_str()), (StatusCode::OK, "hello"));

    // The same server under another name: its certificate does not name
    // it, so the handshake fails.
    let err = text(&client, &format!("https://impostor.test:{port}/hello"))
        .await
        .expect_err("wrong name");
    assert!(matches!(err, OutboundError::Tls { .. }), "{err}");
    assert!(err.to_string().contains("certificate"), "{err}");
    // And the default roots do not trust it at all.
    let default_roots = Client::builder(client.policy().clone())
        .resolver(resolver())
        .dial(dial)
        .build();
    let err = text(
        &default_roots,
        &format!("https://upstream.test:{port}/hello"),
    )
    .await
    .expect_err("untrusted");
    assert!(matches!(err, OutboundError::Tls { .. }), "{err}");
}
