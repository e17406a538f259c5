//! Name resolution: the client asks a [`Resolve`] once per connection,
//! judges every address it answers, and dials only those.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::IpAddr;

use gohost::BoxFuture;

/// Resolves host names to addresses for the outbound client.
///
/// The client asks once per new connection, judges every address in the
/// answer against the policy (one denied address refuses the request),
/// and connects only to those addresses: there is no second lookup for a
/// name server to answer differently (DNS rebinding).
///
/// ```
/// use std::net::IpAddr;
/// use gohost::BoxFuture;
/// use gohost_http::outbound::Resolve;
///
/// /// Resolves every name to one address, as a split-horizon DNS might.
/// #[derive(Debug)]
/// struct Fixed(IpAddr);
///
/// impl Resolve for Fixed {
///     fn resolve<'a>(&'a self, _host: &'a str) -> BoxFuture<'a, std::io::Result<Vec<IpAddr>>> {
///         Box::pin(async move { Ok(vec![self.0]) })
///     }
/// }
/// ```
pub trait Resolve: Send + Sync + fmt::Debug + 'static {
    /// The addresses of `host`, a normalised domain name (lower-case
    /// ASCII, no trailing dot; never an IP literal).
    fn resolve<'a>(&'a self, host: &'a str) -> BoxFuture<'a, io::Result<Vec<IpAddr>>>;
}

/// The system's resolver (`getaddrinfo`, on Tokio's blocking pool): what
/// `/etc/hosts`, `nsswitch.conf` and the configured name servers say. The
/// client's default.
///
/// ```no_run
/// # async fn f() -> std::io::Result<()> {
/// use gohost_http::outbound::{Resolve, SystemResolver};
///
/// let addrs = SystemResolver.resolve("localhost").await?;
/// assert!(addrs.iter().all(|a| a.is_loopback()));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve<'a>(&'a self, host: &'a str) -> BoxFuture<'a, io::Result<Vec<IpAddr>>> {
        Box::pin(async move {
            let addrs = tokio::net::lookup_host((host, 0)).await?;
            Ok(addrs.map(|a| a.ip()).collect())
        })
    }
}

/// A resolver that answers from a fixed table: for tests (map names to
/// any address, private and metadata ones included, and check that the
/// policy refuses them before connecting) and for hosts that pin names.
/// A name not in the table does not resolve.
///
/// ```
/// use gohost_http::outbound::StaticResolver;
///
/// let resolver = StaticResolver::new()
///     .with("upstream.test", ["127.0.0.1".parse().unwrap()])
///     .with("db.internal", ["10.0.0.5".parse().unwrap()]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct StaticResolver {
    names: HashMap<String, Vec<IpAddr>>,
}

impl StaticResolver {
    /// An empty table: no name resolves.
    pub fn new() -> StaticResolver {
        StaticResolver::default()
    }

    /// Maps `host` (any case, with or without a trailing dot) to `addrs`.
    pub fn with(mut self, host: &str, addrs: impl IntoIterator<Item = IpAddr>) -> StaticResolver {
        let name = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
        self.names.insert(name, addrs.into_iter().collect());
        self
    }
}

impl Resolve for StaticResolver {
    fn resolve<'a>(&'a self, host: &'a str) -> BoxFuture<'a, io::Result<Vec<IpAddr>>> {
        let answer = self.names.get(host).cloned().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                "no such host (not in the static resolver's table)",
            )
        });
        Box::pin(std::future::ready(answer))
    }
}
