//! The outbound client: judges each request against the policy, sends it
//! with hyper over connections to checked addresses only, never follows
//! redirects itself, and streams the response under the policy's limits.

use std::error::Error as StdError;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, HOST};
use http::{Request, Response};
use http_body::Body;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper_util::client::legacy;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::body::ResponseBody;
use super::connect::{default_tls, ConnectService, Connector, Dial, TcpDial};
use super::error::{Denial, OutboundError};
use super::policy::Policy;
use super::resolve::{Resolve, SystemResolver};
use super::target::{Host, Target};

type BoxError = Box<dyn StdError + Send + Sync>;

/// The body the client sends: any body of `Bytes`, boxed and held to
/// `max_request_body_bytes`.
type RequestBody = UnsyncBoxBody<Bytes, BoxError>;

/// An HTTP client that makes only the requests a [`Policy`] allows.
///
/// Each request is judged on its URL (scheme, host, port, method,
/// user-info) before anything else; each new connection resolves the host
/// once, judges every address in the answer, and connects only to those
/// (there is no second lookup). Connections are pooled and reused per
/// host, and were all checked under this client's policy. Redirects are
/// returned, not followed: a caller that follows one makes a new request,
/// judged again (Go's `http.Client` does exactly this through gohost's
/// transport). https uses rustls, verifying the certificate against the
/// URL's host name.
///
/// Cloning is cheap and shares the connection pool. Requests need a Tokio
/// runtime with I/O and timers.
///
/// ```no_run
/// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
/// use gohost_http::outbound::{Client, Policy};
/// use http_body_util::BodyExt;
///
/// let policy = Policy::builder().allow_host("api.example.com").build()?;
/// let client = Client::new(policy);
/// let request = http::Request::get("https://api.example.com/v1/status").body(String::new())?;
/// let response = client.send(request).await?;
/// println!("{}", response.status());
/// let body = response.into_body().collect().await?.to_bytes();
///
/// // A denial comes before any connection, naming the rule:
/// let request = http::Request::get("http://169.254.169.254/latest/meta-data/").body(String::new())?;
/// let err = client.send(request).await.unwrap_err();
/// assert!(err.to_string().contains("is not allowed"));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    policy: Arc<Policy>,
    hyper: legacy::Client<ConnectService, RequestBody>,
}

/// Builds a [`Client`] with another resolver or TLS configuration.
///
/// ```
/// use gohost_http::outbound::{Client, Policy, StaticResolver};
///
/// let policy = Policy::builder()
///     .allow_host("upstream.test")
///     .allow_network("127.0.0.1".parse::<std::net::IpAddr>().unwrap())
///     .build()
///     .unwrap();
/// let client = Client::builder(policy)
///     .resolver(StaticResolver::new().with("upstream.test", ["127.0.0.1".parse().unwrap()]))
///     .build();
/// ```
#[derive(Debug)]
pub struct ClientBuilder {
    policy: Policy,
    resolver: Arc<dyn Resolve>,
    tls: Option<Arc<rustls::ClientConfig>>,
    dial: Arc<dyn Dial>,
}

impl ClientBuilder {
    /// Resolves host names with `resolver` instead of the system's.
    pub fn resolver(mut self, resolver: impl Resolve) -> ClientBuilder {
        self.resolver = Arc::new(resolver);
        self
    }

    /// Uses `config` for https instead of Mozilla's roots (webpki-roots)
    /// on rustls's `ring` provider: your own roots or client
    /// certificates. Set its ALPN to `http/1.1` (or leave it empty); the
    /// client speaks HTTP/1.1.
    pub fn tls_config(mut self, config: Arc<rustls::ClientConfig>) -> ClientBuilder {
        self.tls = Some(config);
        self
    }

    #[cfg(test)]
    pub(crate) fn dial(mut self, dial: impl Dial) -> ClientBuilder {
        self.dial = Arc::new(dial);
        self
    }

    /// The client.
    pub fn build(self) -> Client {
        let policy = Arc::new(self.policy);
        let connector = ConnectService(Arc::new(Connector {
            policy: policy.clone(),
            resolver: self.resolver,
            tls: self.tls.unwrap_or_else(default_tls),
            dial: self.dial,
        }));
        let hyper = legacy::Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .build(connector);
        Client { policy, hyper }
    }
}

/// A request that passed the policy's checks on its URL, rewritten to go
/// where it was judged to go.
pub(crate) struct Checked {
    request: Request<RequestBody>,
    target: Arc<str>,
    /// The time the exchange may take, and what set it.
    timeout: (Duration, &'static str),
}

impl Checked {
    /// Gives the exchange at most `limit` (a guest request's context
    /// deadline), when that is shorter than the policy's timeout.
    pub(crate) fn within(mut self, limit: Option<Duration>) -> Checked {
        if let Some(limit) = limit.filter(|l| *l < self.timeout.0) {
            self.timeout = (limit, "the request context's deadline");
        }
        self
    }
}

impl Client {
    /// A client for `policy`, with the system's resolver and Mozilla's
    /// roots for https.
    pub fn new(policy: Policy) -> Client {
        Client::builder(policy).build()
    }

    /// A builder, to set the resolver or the TLS configuration.
    pub fn builder(policy: Policy) -> ClientBuilder {
        ClientBuilder {
            policy,
            resolver: Arc::new(SystemResolver),
            tls: None,
            dial: Arc::new(TcpDial),
        }
    }

    /// The policy the client enforces.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The client as one plugin instance uses it: the same policy and
    /// connection pool, with the instance's own count of open requests
    /// (`max_concurrent_requests`).
    pub fn instance(&self) -> Outbound {
        Outbound {
            client: self.clone(),
            open: Arc::new(Semaphore::new(self.policy.max_concurrent_requests())),
        }
    }

    /// Sends `request` (its URI absolute: scheme and host) if the policy
    /// allows it, and returns the response as soon as its head arrives;
    /// the body streams. A redirect is returned as it is.
    pub async fn send<B>(
        &self,
        request: Request<B>,
    ) -> Result<Response<ResponseBody>, OutboundError>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let checked = self.check(request)?;
        self.exchange(checked, None).await
    }

    /// The checks made on the request itself, before any connection.
    fn check<B>(&self, request: Request<B>) -> Result<Checked, OutboundError>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let url = request.uri().to_string();
        let (parts, body) = request.into_parts();
        self.check_parts(parts, &url, body)
    }

    /// [`Client::check`] of a request whose URL is text, as a guest sends
    /// it (`file:///...` is no `http::Uri`, but must be refused by name).
    pub(crate) fn check_parts<B>(
        &self,
        mut parts: http::request::Parts,
        url: &str,
        body: B,
    ) -> Result<Checked, OutboundError>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let target =
            Target::parse(url).map_err(|d| OutboundError::denied(url, self.policy.explain(d)))?;
        let name = target.to_string();
        let deny = |denial| OutboundError::denied(&name, denial);
        self.policy
            .check_target(&parts.method, &target)
            .map_err(deny)?;
        if let Some(value) = parts.headers.get(HOST) {
            let host = host_of_header(value).map_err(|reason| deny(Denial::BadUrl { reason }))?;
            if host != target.host {
                self.policy.check_host(&host).map_err(|allowed| {
                    deny(Denial::HostHeader {
                        host: host.to_string(),
                        allowed,
                    })
                })?;
            }
        }
        let limit = self.policy.max_request_body();
        let declared = parts
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
            .or(body.size_hint().exact());
        if declared.is_some_and(|n| n > limit) {
            return Err(OutboundError::RequestTooLarge {
                target: name,
                limit,
            });
        }
        parts.uri = target.uri().map_err(deny)?;
        let body = Limited::new(body, usize::try_from(limit).unwrap_or(usize::MAX)).boxed_unsync();
        Ok(Checked {
            request: Request::from_parts(parts, body),
            target: name.into(),
            timeout: (self.policy.timeout(), "timeout_ms"),
        })
    }

    pub(crate) async fn exchange(
        &self,
        checked: Checked,
        slot: Option<OwnedSemaphorePermit>,
    ) -> Result<Response<ResponseBody>, OutboundError> {
        let Checked {
            request,
            target,
            timeout: (timeout, setting),
        } = checked;
        let deadline = Instant::now() + timeout;
        let response = match tokio::time::timeout_at(deadline, self.hyper.request(request)).await {
            Ok(Ok(response)) => response,
            Ok(Err(e)) => return Err(self.failure(&e, &target)),
            Err(_) => {
                return Err(OutboundError::Timeout {
                    target: target.to_string(),
                    after: timeout,
                    setting,
                })
            }
        };
        let limit = self.policy.max_response_body();
        let declared = response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit) {
            return Err(OutboundError::ResponseTooLarge {
                target: target.to_string(),
                limit,
            });
        }
        let sleep = tokio::time::sleep_until(deadline);
        Ok(response
            .map(|body| ResponseBody::new(body, sleep, (timeout, setting), limit, target, slot)))
    }

    /// What went wrong, from hyper-util's error: the connector's own
    /// error (a denial, a timeout, ...) where it is the cause.
    fn failure(&self, error: &legacy::Error, target: &str) -> OutboundError {
        let mut cause: Option<&(dyn StdError + 'static)> = Some(error);
        while let Some(e) = cause {
            if let Some(ours) = e.downcast_ref::<OutboundError>() {
                return retarget(ours.clone(), target);
            }
            if e.downcast_ref::<LengthLimitError>().is_some() {
                return OutboundError::RequestTooLarge {
                    target: target.to_owned(),
                    limit: self.policy.max_request_body(),
                };
            }
            cause = e.source();
        }
        let mut reason = error.to_string();
        let mut cause = error.source();
        while let Some(e) = cause {
            reason.push_str(": ");
            reason.push_str(&e.to_string());
            cause = e.source();
        }
        OutboundError::Http {
            target: target.to_owned(),
            reason,
        }
    }
}

/// The connector names a connection (`http://host:port`); the caller
/// wants the request's URL, except where an address was denied, which
/// names the address.
fn retarget(error: OutboundError, url: &str) -> OutboundError {
    let mut error = error;
    match &mut error {
        OutboundError::Denied { .. } => {}
        OutboundError::RequestTooLarge { target, .. }
        | OutboundError::ResponseTooLarge { target, .. }
        | OutboundError::Timeout { target, .. }
        | OutboundError::Resolve { target, .. }
        | OutboundError::Connect { target, .. }
        | OutboundError::Tls { target, .. }
        | OutboundError::Http { target, .. } => *target = url.to_owned(),
    }
    error
}

/// The host a `Host` header names (without its port).
fn host_of_header(value: &http::HeaderValue) -> Result<Host, String> {
    let text = value
        .to_str()
        .map_err(|_| format!("the Host header {value:?} is not text"))?;
    let url = url::Url::parse(&format!("http://{text}/"))
        .ok()
        .filter(|u| u.path() == "/" && u.username().is_empty() && u.password().is_none());
    match url.as_ref().and_then(|u| u.host()) {
        Some(host) => Host::parse(&host.to_string()),
        None => Err(format!("the Host header {text:?} is not a host")),
    }
}

/// One plugin instance's use of a [`Client`]: the client's policy and
/// connection pool, with this instance's limit on open requests
/// (`max_concurrent_requests`). A request is open from
/// [`Outbound::send`] until its response body ends, fails or is
/// dropped; one more is refused with [`Denial::Concurrency`] rather than
/// queued.
///
/// ```no_run
/// # async fn f(client: gohost_http::outbound::Client) -> Result<(), gohost_http::outbound::OutboundError> {
/// let instance = client.instance();
/// let response = instance.send(http::Request::get("https://api.example.com/").body(String::new()).unwrap()).await?;
/// assert_eq!(instance.open_requests(), 1);
/// drop(response);
/// assert_eq!(instance.open_requests(), 0);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Outbound {
    client: Client,
    open: Arc<Semaphore>,
}

impl Outbound {
    /// The shared client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// [`Client::send`], counted against this instance's
    /// `max_concurrent_requests`.
    pub async fn send<B>(
        &self,
        request: Request<B>,
    ) -> Result<Response<ResponseBody>, OutboundError>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let checked = self.client.check(request)?;
        self.send_checked(checked).await
    }

    /// Sends a checked request on a free slot of this instance.
    pub(crate) async fn send_checked(
        &self,
        checked: Checked,
    ) -> Result<Response<ResponseBody>, OutboundError> {
        let slot = self.open.clone().try_acquire_owned().map_err(|_| {
            OutboundError::denied(
                &checked.target,
                Denial::Concurrency {
                    max: self.client.policy.max_concurrent_requests(),
                },
            )
        })?;
        self.client.exchange(checked, Some(slot)).await
    }

    /// How many of this instance's requests are open.
    pub fn open_requests(&self) -> usize {
        self.client.policy.max_concurrent_requests() - self.open.available_permits()
    }
}
