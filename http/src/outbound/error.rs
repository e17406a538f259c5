//! What can go wrong with an outbound request, each with a message that
//! names the policy rule or setting involved.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use super::address::{Embedding, SpecialRange};

/// Why the policy refused a request: one variant per rule, each naming
/// the setting that would allow it.
///
/// ```
/// use gohost_http::outbound::{Denial, Policy};
///
/// let policy = Policy::builder().allow_host("api.example.com").build().unwrap();
/// let denial = policy.check_address("10.0.0.5".parse().unwrap()).unwrap_err();
/// assert!(matches!(denial, Denial::Address { .. }));
/// assert_eq!(
///     denial.to_string(),
///     "10.0.0.5 is a private address (10.0.0.0/8, RFC 1918); \
///      name it in allow_addresses to allow it"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Denial {
    /// The URL's scheme is not an allowed one (`schemes`), or not one the
    /// client speaks at all (`file:`, `ftp:`, ...).
    #[error("scheme {scheme:?} is not allowed ({})", allowed_or(.allowed, "the client speaks only http and https"))]
    Scheme {
        /// The scheme, as written.
        scheme: String,
        /// The allowed schemes, comma-separated.
        allowed: String,
    },
    /// The host is not in `allow_hosts`.
    #[error("host {host:?} is not allowed ({})", allowed_or(.allowed, "allow_hosts is empty: no host is allowed"))]
    Host {
        /// The host, normalised.
        host: String,
        /// The patterns of `allow_hosts`, comma-separated.
        allowed: String,
    },
    /// The request's `Host` header names a host that is not allowed.
    #[error("its Host header {host:?} is not allowed ({})", allowed_or(.allowed, "allow_hosts is empty: no host is allowed"))]
    HostHeader {
        /// The header's host, normalised.
        host: String,
        /// The patterns of `allow_hosts`, comma-separated.
        allowed: String,
    },
    /// The port is not in `ports`.
    #[error("port {port} is not allowed (ports: {allowed})")]
    Port {
        /// The port.
        port: u16,
        /// The allowed ports.
        allowed: String,
    },
    /// The method is not in `methods`.
    #[error("method {method} is not allowed (methods: {allowed})")]
    Method {
        /// The method.
        method: String,
        /// The allowed methods, comma-separated.
        allowed: String,
    },
    /// The URL carries a user name or password.
    #[error("the URL carries user-info; send credentials in an Authorization header")]
    UserInfo,
    /// An address the host resolves to is denied by default and not in
    /// `allow_addresses`.
    #[error("{}", address_message(*.address, .range, *.carried))]
    Address {
        /// The address denied.
        address: IpAddr,
        /// The range it is in.
        range: SpecialRange,
        /// The IPv4 address judged when `address` is an IPv6 form of one.
        carried: Option<(std::net::Ipv4Addr, Embedding)>,
    },
    /// The instance has `max_concurrent_requests` requests open already.
    #[error(
        "this instance already has {max} requests open (max_concurrent_requests = {max}); \
         close response bodies to free one"
    )]
    Concurrency {
        /// The limit.
        max: usize,
    },
    /// The URL cannot be read.
    #[error("{reason}")]
    BadUrl {
        /// What is wrong with it.
        reason: String,
    },
}

fn allowed_or<'a>(allowed: &'a str, none: &'a str) -> std::borrow::Cow<'a, str> {
    if allowed.is_empty() {
        none.into()
    } else {
        format!("allowed: {allowed}").into()
    }
}

fn address_message(
    address: IpAddr,
    range: &SpecialRange,
    carried: Option<(std::net::Ipv4Addr, Embedding)>,
) -> String {
    let subject = match carried {
        Some((v4, how)) => format!("{address} ({how} form of {v4})"),
        None => address.to_string(),
    };
    format!(
        "{subject} is {} ({}, {}); name it in allow_addresses to allow it",
        range.what, range.network, range.source
    )
}

/// A failed outbound request. Its message says which request, and why:
/// the rule that refused it, the limit it went over, or the error of the
/// connection.
///
/// ```
/// use gohost_http::outbound::OutboundError;
///
/// fn explain(e: &OutboundError) -> &'static str {
///     match e {
///         OutboundError::Denied { .. } => "the policy refused it; no connection was made",
///         OutboundError::RequestTooLarge { .. } | OutboundError::ResponseTooLarge { .. } => "too big",
///         OutboundError::Timeout { .. } => "too slow",
///         _ => "the network or the server failed",
///     }
/// }
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum OutboundError {
    /// The policy refused the request before any connection was made.
    #[error("request to {target} denied: {denial}")]
    Denied {
        /// The request's URL, or for an address, `ADDRESS:PORT (HOST)`.
        target: String,
        /// The rule.
        denial: Denial,
    },
    /// The request body is over `max_request_body_bytes`.
    #[error("request to {target} refused: its body is over the limit of {limit} bytes (max_request_body_bytes)")]
    RequestTooLarge {
        /// The request's URL.
        target: String,
        /// The limit.
        limit: u64,
    },
    /// The response body is over `max_response_body_bytes`.
    #[error("response from {target} refused: its body is over the limit of {limit} bytes (max_response_body_bytes)")]
    ResponseTooLarge {
        /// The request's URL.
        target: String,
        /// The limit.
        limit: u64,
    },
    /// The request took longer than `connect_timeout_ms` to connect or
    /// `timeout_ms` in all.
    #[error("request to {target} timed out after {} ms ({setting})", .after.as_millis())]
    Timeout {
        /// The request's URL.
        target: String,
        /// The time allowed.
        after: Duration,
        /// What allowed it: `connect_timeout_ms`, `timeout_ms`, or the
        /// request context's deadline (a guest's, when it is the shorter).
        setting: &'static str,
    },
    /// The host name could not be resolved.
    #[error("request to {target} failed: cannot resolve {host:?}: {reason}")]
    Resolve {
        /// The request's URL.
        target: String,
        /// The name.
        host: String,
        /// The resolver's error.
        reason: String,
    },
    /// No checked address accepted a connection.
    #[error("request to {target} failed: cannot connect to {addr}: {source}")]
    Connect {
        /// The request's URL.
        target: String,
        /// The last address tried.
        addr: SocketAddr,
        /// The error.
        source: Arc<std::io::Error>,
    },
    /// The TLS handshake failed (the certificate does not name the host,
    /// or is not trusted, ...).
    #[error("request to {target} failed: TLS: {source}")]
    Tls {
        /// The request's URL.
        target: String,
        /// The error.
        source: Arc<std::io::Error>,
    },
    /// The exchange failed after connecting: the server closed the
    /// connection, sent a malformed response, ...
    #[error("request to {target} failed: {reason}")]
    Http {
        /// The request's URL.
        target: String,
        /// What failed.
        reason: String,
    },
}

impl OutboundError {
    /// The rule that refused the request, when the policy did.
    pub fn denial(&self) -> Option<&Denial> {
        match self {
            OutboundError::Denied { denial, .. } => Some(denial),
            _ => None,
        }
    }

    pub(crate) fn denied(target: impl ToString, denial: Denial) -> OutboundError {
        OutboundError::Denied {
            target: target.to_string(),
            denial,
        }
    }
}
