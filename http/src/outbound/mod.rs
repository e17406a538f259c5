//! Outbound HTTP under a policy: the client behind the `RoundTripper`
//! that gohost's Go package installs as `http.DefaultTransport`, usable
//! from Rust as well.
//!
//! - [`Policy`] says what a plugin may reach: hosts (exact, `*.example.com`,
//!   `*`), schemes, ports, methods, body sizes, timeouts, open requests per
//!   instance, and the special-purpose addresses it may reach after all
//!   (built with [`Policy::builder`], or read from a manifest's `[http]`
//!   table with [`Policy::from_manifest`]).
//! - [`Client`] makes the requests: it judges the URL, resolves the host
//!   once ([`Resolve`]), judges every address in the answer, connects only
//!   to those, and never follows redirects itself.
//! - [`Outbound`] is one instance's use of a client, counting its open
//!   requests.
//!
//! Addresses denied unless the policy names them ([`SPECIAL_IPV4`],
//! [`SPECIAL_IPV6`], [`GLOBAL_UNICAST`]): loopback, private (RFC 1918),
//! shared (RFC 6598), link-local, the cloud metadata services, unique-local,
//! unspecified, broadcast, multicast, documentation, benchmarking and
//! reserved ranges, and the IPv4-mapped, IPv4-compatible and NAT64 forms of
//! them.
//!
//! ```no_run
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! use gohost_http::outbound::{Client, OutboundError, Policy};
//!
//! let client = Client::new(Policy::builder().allow_host("api.example.com").build()?);
//! let request = http::Request::get("http://db.internal/").body(String::new())?;
//! match client.send(request).await {
//!     Err(OutboundError::Denied { denial, .. }) => println!("refused: {denial}"),
//!     other => println!("{other:?}"),
//! }
//! # Ok(()) }
//! ```

mod address;
mod body;
mod client;
mod connect;
mod error;
pub(crate) mod guest;
mod manifest;
mod policy;
mod resolve;
mod target;
#[cfg(test)]
mod tests;

pub use address::{Embedding, SpecialRange, GLOBAL_UNICAST, SPECIAL_IPV4, SPECIAL_IPV6};
pub use body::ResponseBody;
pub use client::{Client, ClientBuilder, Outbound};
pub use error::{Denial, OutboundError};
pub use policy::{
    Policy, PolicyBuilder, PolicyError, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_CONCURRENT,
    DEFAULT_MAX_REQUEST_BODY, DEFAULT_MAX_RESPONSE_BODY, DEFAULT_METHODS, DEFAULT_TIMEOUT,
};
pub use resolve::{Resolve, StaticResolver, SystemResolver};
/// The TLS library, for [`ClientBuilder::tls_config`].
pub use rustls;
pub use target::Scheme;
