//! The client's connector: resolves the host once, judges every address
//! the answer holds, dials only those, and wraps the connection in TLS
//! verified against the host name of the URL.

use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use gohost::BoxFuture;
use hyper::Uri;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use super::address::canonical;
use super::error::OutboundError;
use super::policy::Policy;
use super::resolve::Resolve;
use super::target::{Host, Scheme};

/// Opens a TCP connection to an address the policy has checked. Tests
/// swap it for one that records every attempt.
pub(crate) trait Dial: Send + Sync + fmt::Debug + 'static {
    fn dial(&self, addr: SocketAddr) -> BoxFuture<'static, io::Result<TcpStream>>;
}

/// Dials with Tokio, without Nagle's delay (requests are written whole).
#[derive(Debug)]
pub(crate) struct TcpDial;

impl Dial for TcpDial {
    fn dial(&self, addr: SocketAddr) -> BoxFuture<'static, io::Result<TcpStream>> {
        Box::pin(async move {
            let stream = TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            Ok(stream)
        })
    }
}

/// Mozilla's roots (webpki-roots), on rustls's `ring` provider, speaking
/// HTTP/1.1: the client's TLS unless the builder is given another.
///
/// `ring` rather than rustls's default `aws-lc-rs`: it builds in seconds
/// with a C compiler alone, where aws-lc adds minutes to every clean
/// build. rustls 0.23.48 deprecates it for lacking a post-quantum key
/// exchange; a host that wants X25519MLKEM768 passes a configuration on
/// aws-lc-rs to [`ClientBuilder::tls_config`](super::ClientBuilder::tls_config).
#[allow(deprecated)]
pub(crate) fn default_tls() -> Arc<rustls::ClientConfig> {
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let roots =
                rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .expect("ring supports rustls's default protocol versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
            Arc::new(config)
        })
        .clone()
}

/// What every connection of one client shares.
#[derive(Debug)]
pub(crate) struct Connector {
    pub policy: Arc<Policy>,
    pub resolver: Arc<dyn Resolve>,
    pub tls: Arc<rustls::ClientConfig>,
    pub dial: Arc<dyn Dial>,
}

/// The connector as hyper-util's pooled client wants it: a cloneable
/// `Service<Uri>`.
#[derive(Debug, Clone)]
pub(crate) struct ConnectService(pub Arc<Connector>);

impl tower_service::Service<Uri> for ConnectService {
    type Response = Conn;
    type Error = OutboundError;
    type Future = BoxFuture<'static, Result<Conn, OutboundError>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), OutboundError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let connector = self.0.clone();
        Box::pin(async move { connector.connect(&uri).await })
    }
}

impl Connector {
    async fn connect(&self, uri: &Uri) -> Result<Conn, OutboundError> {
        // The client built `uri` from a checked target: its scheme is http
        // or https and its host is normalised.
        let scheme = if uri.scheme_str() == Some("https") {
            Scheme::Https
        } else {
            Scheme::Http
        };
        let target = format!(
            "{scheme}://{}",
            uri.authority().map(|a| a.as_str()).unwrap_or("")
        );
        let bad = |reason: String| OutboundError::Http {
            target: target.clone(),
            reason,
        };
        let host = Host::parse(uri.host().unwrap_or("")).map_err(bad)?;
        let port = uri.port_u16().unwrap_or(scheme.default_port());
        let limit = self.policy.connect_timeout();
        tokio::time::timeout(limit, self.open(&target, scheme, &host, port))
            .await
            .unwrap_or_else(|_| {
                Err(OutboundError::Timeout {
                    target: target.clone(),
                    after: limit,
                    setting: "connect_timeout_ms",
                })
            })
    }

    async fn open(
        &self,
        target: &str,
        scheme: Scheme,
        host: &Host,
        port: u16,
    ) -> Result<Conn, OutboundError> {
        let addrs = self.addresses(target, host).await?;
        for &addr in &addrs {
            self.policy.check_address(addr).map_err(|denial| {
                OutboundError::denied(format!("{} ({host})", SocketAddr::new(addr, port)), denial)
            })?;
        }
        // Only the checked addresses, in the resolver's order.
        let mut failure = None;
        for addr in addrs {
            let addr = SocketAddr::new(canonical(addr), port);
            match self.dial.dial(addr).await {
                Ok(tcp) => return self.secure(target, scheme, host, tcp).await,
                Err(e) => failure = Some((addr, e)),
            }
        }
        let (addr, e) = failure.unwrap_or_else(|| {
            let none = io::Error::new(io::ErrorKind::NotFound, "no address to connect to");
            (SocketAddr::new(IpAddr::from([0, 0, 0, 0]), port), none)
        });
        Err(OutboundError::Connect {
            target: target.to_owned(),
            addr,
            source: Arc::new(e),
        })
    }

    /// `tcp` as the scheme wants it: as is, or in TLS verified against
    /// the URL's host.
    async fn secure(
        &self,
        target: &str,
        scheme: Scheme,
        host: &Host,
        tcp: TcpStream,
    ) -> Result<Conn, OutboundError> {
        let stream = match scheme {
            Scheme::Http => Stream::Plain(tcp),
            Scheme::Https => {
                let name = match host {
                    Host::Domain(d) => ServerName::try_from(d.clone()),
                    Host::Ip(ip) => Ok(ServerName::IpAddress((*ip).into())),
                }
                .map_err(|e| OutboundError::Tls {
                    target: target.to_owned(),
                    source: Arc::new(io::Error::new(io::ErrorKind::InvalidInput, e)),
                })?;
                let tls = TlsConnector::from(self.tls.clone())
                    .connect(name, tcp)
                    .await
                    .map_err(|e| OutboundError::Tls {
                        target: target.to_owned(),
                        source: Arc::new(e),
                    })?;
                Stream::Tls(Box::new(tls))
            }
        };
        Ok(Conn(TokioIo::new(stream)))
    }

    /// Every address of `host`, without repeats: at least one.
    async fn addresses(&self, target: &str, host: &Host) -> Result<Vec<IpAddr>, OutboundError> {
        let name = match host {
            Host::Ip(ip) => return Ok(vec![*ip]),
            Host::Domain(name) => name,
        };
        let fail = |reason: String| OutboundError::Resolve {
            target: target.to_owned(),
            host: name.clone(),
            reason,
        };
        let mut addrs = self
            .resolver
            .resolve(name)
            .await
            .map_err(|e| fail(e.to_string()))?;
        let mut seen = std::collections::HashSet::new();
        addrs.retain(|a| seen.insert(*a));
        if addrs.is_empty() {
            return Err(fail("the name has no address".into()));
        }
        Ok(addrs)
    }
}

/// A connection, plain or TLS.
#[derive(Debug)]
pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Stream::Tls(s) => Pin::new(s).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Stream::Plain(s) => s.is_write_vectored(),
            Stream::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

/// A connection as hyper reads and writes it.
#[derive(Debug)]
pub(crate) struct Conn(TokioIo<Stream>);

impl Connection for Conn {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl hyper::rt::Read for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_shutdown(cx)
    }
}
