//! A request's head in the form the Go package reads: the request line and
//! header section of HTTP/1, which it parses as net/http's server does.

use std::io::Write as _;
use std::net::SocketAddr;

use http::request::Parts;
use http::{header, Version};

use http::HeaderMap;

/// The client's address, for `Request.RemoteAddr` in Go.
///
/// A [`Handler`](crate::Handler) reads it from the request's extensions:
/// this type, or axum's `ConnectInfo<SocketAddr>` (with the default `axum`
/// feature), which `into_make_service_with_connect_info::<SocketAddr>()`
/// puts there. A server built on hyper directly inserts it per connection:
///
/// ```no_run
/// # async fn f(handler: gohost_http::Handler<gohost_http::HttpState>) -> std::io::Result<()> {
/// use hyper_util::rt::TokioIo;
/// use tower_service::Service as _;
///
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// loop {
///     let (stream, peer) = listener.accept().await?;
///     let handler = handler.clone();
///     let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
///         req.extensions_mut().insert(gohost_http::ClientAddr(peer));
///         handler.clone().call(req)
///     });
///     tokio::spawn(hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service));
/// }
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientAddr(pub SocketAddr);

/// Appends the client's address from the request's extensions, as Go's
/// `Request.RemoteAddr` has it ("ip:port", "[ipv6]:port"); nothing when
/// unknown.
fn append_remote_addr(head: &mut Vec<u8>, parts: &Parts) {
    let addr = parts.extensions.get::<ClientAddr>().map(|a| a.0);
    #[cfg(feature = "axum")]
    let addr = addr.or_else(|| {
        parts
            .extensions
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
            .map(|c| c.0)
    });
    if let Some(addr) = addr {
        // Writing to a Vec cannot fail.
        let _ = write!(head, "{addr}");
    }
}

/// The request line and header section of `parts`, with `target` as the
/// request target when given (a routed request's path), then the client's
/// address: the `head` the guest's export takes.
pub(crate) fn request_head(parts: &Parts, target: Option<&str>) -> Vec<u8> {
    let mut head = Vec::with_capacity(256 + parts.headers.len() * 32);
    head.extend_from_slice(parts.method.as_str().as_bytes());
    head.push(b' ');
    match target {
        Some(t) => head.extend_from_slice(t.as_bytes()),
        None => append_target(&mut head, parts),
    }
    head.extend_from_slice(match parts.version {
        Version::HTTP_09 => b" HTTP/0.9\r\n",
        Version::HTTP_10 => b" HTTP/1.0\r\n",
        Version::HTTP_2 => b" HTTP/2.0\r\n",
        Version::HTTP_3 => b" HTTP/3.0\r\n",
        _ => b" HTTP/1.1\r\n",
    });
    // HTTP/2 and 3 carry the host in the URI (":authority"), not in a
    // field; net/http's Request.Host comes from either.
    if !parts.headers.contains_key(header::HOST) {
        if let Some(authority) = parts.uri.authority() {
            head.extend_from_slice(b"Host: ");
            head.extend_from_slice(authority.as_str().as_bytes());
            head.extend_from_slice(b"\r\n");
        }
    }
    append_canonical_fields(&mut head, &parts.headers);
    head.extend_from_slice(b"\r\n");
    append_remote_addr(&mut head, parts);
    head
}

/// Appends a `Name: value\r\n` line for each field, its name in the form
/// Go gives header keys (`Content-Type`: a capital after each dash and at
/// the start), so that the Go side uses the name as it is instead of
/// making a canonical copy. (hyper's names are lower case; Go would
/// canonicalize them the same way.)
pub(crate) fn append_canonical_fields(out: &mut Vec<u8>, fields: &HeaderMap) {
    for (name, value) in fields {
        let mut upper = true;
        out.extend(name.as_str().bytes().map(|b| {
            let c = if upper { b.to_ascii_uppercase() } else { b };
            upper = b == b'-';
            c
        }));
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
}

/// The request target as the client sent it: origin form (path and
/// query), or for HTTP/1 the absolute or authority form it may have used.
fn append_target(head: &mut Vec<u8>, parts: &Parts) {
    let uri = &parts.uri;
    let http1 = parts.version <= Version::HTTP_11;
    if parts.method == http::Method::CONNECT {
        if let Some(authority) = uri.authority() {
            head.extend_from_slice(authority.as_str().as_bytes());
            return;
        }
    }
    if http1 && uri.scheme().is_some() {
        // Writing to a Vec cannot fail.
        let _ = write!(head, "{uri}");
        return;
    }
    match uri.path_and_query() {
        Some(pq) if !pq.as_str().is_empty() => head.extend_from_slice(pq.as_str().as_bytes()),
        _ => head.push(b'/'),
    }
}
