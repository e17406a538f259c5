//! A real HTTP/1.1 upstream on 127.0.0.1 for the client's tests, which
//! counts the connections it accepts, and a dialer that records every
//! connection attempt and connects to 127.0.0.1 only.

use std::convert::Infallible;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use gohost::BoxFuture;
use http::{Request, Response, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};

use crate::outbound::connect::Dial;

type Body = BoxBody<Bytes, Infallible>;

/// An upstream serving:
/// - `/hello`: "hello";
/// - `/bytes/N`: N bytes with a `Content-Length`;
/// - `/stream/N`: N bytes in 1 KiB chunks, without one;
/// - `/redirect?URL`: a 302 to URL;
/// - `/never`: an answer that never comes (the test's timeout ends it);
/// - `/stall`: a body that starts and never ends;
/// - `/echo`: the request's `Host` header, method and body size;
/// - `/headers`: the request's header fields, one `name: value` a line;
/// - `/login`: sets the cookie `session=gopher` and redirects to `/whoami`;
/// - `/whoami`: the request's `Cookie` header;
/// - `/json`: a small JSON object.
#[derive(Debug, Clone)]
pub struct Upstream {
    pub addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
}

impl Upstream {
    /// Starts one on 127.0.0.1 (plain), on the current Tokio runtime.
    pub async fn start() -> Upstream {
        Upstream::start_with(None).await
    }

    /// Starts one speaking TLS with `tls`.
    pub async fn start_with(tls: Option<Arc<rustls::ServerConfig>>) -> Upstream {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                let tls = tls.clone();
                tokio::spawn(async move {
                    let service =
                        service_fn(|req| async move { Ok::<_, Infallible>(answer(req).await) });
                    let http = hyper::server::conn::http1::Builder::new();
                    match tls {
                        None => {
                            let _ = http.serve_connection(TokioIo::new(tcp), service).await;
                        }
                        Some(tls) => {
                            if let Ok(stream) =
                                tokio_rustls::TlsAcceptor::from(tls).accept(tcp).await
                            {
                                let _ = http.serve_connection(TokioIo::new(stream), service).await;
                            }
                        }
                    }
                });
            }
        });
        Upstream { addr, accepted }
    }

    /// How many connections it has accepted.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).boxed()
}

async fn answer(req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or("").to_owned();
    let number = |prefix: &str| {
        path.strip_prefix(prefix)
            .and_then(|n| n.parse::<usize>().ok())
    };
    if path == "/hello" {
        return Response::new(full("hello"));
    }
    if let Some(n) = number("/bytes/") {
        return Response::new(full(vec![b'x'; n]));
    }
    if let Some(n) = number("/stream/") {
        let chunks = (0..n.div_ceil(1024)).map(move |i| {
            let len = (n - i * 1024).min(1024);
            Ok::<_, Infallible>(Frame::data(Bytes::from(vec![b'y'; len])))
        });
        return Response::new(StreamBody::new(stream(chunks)).boxed());
    }
    if path == "/redirect" {
        return Response::builder()
            .status(StatusCode::FOUND)
            .header("location", query)
            .body(full(""))
            .expect("a redirect");
    }
    if path == "/never" {
        tokio::time::sleep(Duration::from_secs(30)).await;
        return Response::new(full("too late"));
    }
    if path == "/stall" {
        let chunks = stream([Ok::<_, Infallible>(Frame::data(Bytes::from_static(
            b"start",
        )))]);
        let stall = StallAfter {
            first: Some(chunks),
        };
        return Response::new(StreamBody::new(stall).boxed());
    }
    if path == "/echo" {
        let host = req
            .headers()
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let method = req.method().to_string();
        let size = req
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes().len())
            .unwrap_or(0);
        return Response::new(full(format!("{method} {host} {size}")));
    }
    if path == "/headers" {
        let mut lines = String::new();
        for (name, value) in req.headers() {
            lines.push_str(&format!(
                "{name}: {}\n",
                String::from_utf8_lossy(value.as_bytes())
            ));
        }
        return Response::new(full(lines));
    }
    if path == "/login" {
        return Response::builder()
            .status(StatusCode::FOUND)
            .header("set-cookie", "session=gopher; Path=/")
            .header("location", "/whoami")
            .body(full(""))
            .expect("a redirect");
    }
    if path == "/whoami" {
        let cookie = req
            .headers()
            .get("cookie")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("none");
        return Response::new(full(format!("cookie: {cookie}")));
    }
    if path == "/json" {
        return Response::builder()
            .header("content-type", "application/json")
            .body(full(r#"{"name":"gopher","n":7}"#))
            .expect("json");
    }
    Response::builder()
        .status(StatusCode::NOT_FOUND)
        .body(full("no such path"))
        .expect("a 404")
}

/// An iterator as a `Stream`, without pulling in a stream crate.
pub fn stream<I: IntoIterator>(items: I) -> IterStream<I::IntoIter> {
    IterStream(items.into_iter())
}

pub struct IterStream<I>(I);

impl<I: Iterator + Unpin> futures_core::Stream for IterStream<I> {
    type Item = I::Item;
    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<I::Item>> {
        std::task::Poll::Ready(self.get_mut().0.next())
    }
}

/// Yields what `first` yields, then never anything again.
struct StallAfter<S> {
    first: Option<S>,
}

impl<S: futures_core::Stream + Unpin> futures_core::Stream for StallAfter<S> {
    type Item = S::Item;
    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<S::Item>> {
        let this = self.get_mut();
        if let Some(first) = this.first.as_mut() {
            match std::pin::Pin::new(first).poll_next(cx) {
                std::task::Poll::Ready(None) => this.first = None,
                other => return other,
            }
        }
        std::task::Poll::Pending
    }
}

/// Records every address the client tries to connect to; connects to
/// 127.0.0.1 only and refuses everything else without touching the
/// network, so a broken check can never send traffic elsewhere.
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    attempts: Arc<Mutex<Vec<SocketAddr>>>,
}

impl Recorder {
    pub fn attempts(&self) -> Vec<SocketAddr> {
        self.attempts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Dial for Recorder {
    fn dial(&self, addr: SocketAddr) -> BoxFuture<'static, io::Result<TcpStream>> {
        self.attempts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(addr);
        Box::pin(async move {
            if addr.ip() != IpAddr::V4(Ipv4Addr::LOCALHOST) {
                return Err(io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    "the test dialer connects to 127.0.0.1 only",
                ));
            }
            let stream = TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            Ok(stream)
        })
    }
}
