//! The outbound policy: which requests a plugin may make, judged on the
//! URL (scheme, host, port, method) and on every address the host
//! resolves to, with the limits each request runs under.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use http::Method;
use ipnet::IpNet;

use super::address::{canonical, special};
use super::error::Denial;
use super::target::{Host, Scheme, Target};

/// The default `max_request_body_bytes`: 4 MiB.
pub const DEFAULT_MAX_REQUEST_BODY: u64 = 4 << 20;
/// The default `max_response_body_bytes`: 16 MiB.
pub const DEFAULT_MAX_RESPONSE_BODY: u64 = 16 << 20;
/// The default `connect_timeout_ms`: 5 s (resolving, connecting and the
/// TLS handshake).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The default `timeout_ms`: 30 s, from sending the request to the end of
/// the response body; within a plugin call's deadline, 4/5 of it.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default `max_concurrent_requests` per instance: 8.
pub const DEFAULT_MAX_CONCURRENT: usize = 8;
/// The methods allowed by default: all but `CONNECT` (never allowed: a
/// tunnel) and `TRACE`.
pub const DEFAULT_METHODS: [Method; 7] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
    Method::OPTIONS,
];

/// What a plugin may reach over HTTP, and within which limits.
///
/// A request is allowed when its scheme, host, port and method are, and
/// every address its host resolves to is either an ordinary public
/// address or in [`PolicyBuilder::allow_network`]; loopback, private,
/// link-local, unique-local, cloud metadata and the other special-purpose
/// addresses ([`SPECIAL_IPV4`](super::SPECIAL_IPV4),
/// [`SPECIAL_IPV6`](super::SPECIAL_IPV6)) are denied otherwise. The
/// default policy allows no host at all.
///
/// ```
/// use std::time::Duration;
/// use gohost_http::outbound::{Policy, Scheme};
///
/// let policy = Policy::builder()
///     .allow_host("api.example.com")
///     .allow_host("*.cdn.example.net")
///     .schemes([Scheme::Https])
///     .max_response_body(1 << 20)
///     .timeout(Duration::from_secs(2))
///     .build()?;
/// assert!(policy.check_url("GET", "https://api.example.com/v1").is_ok());
/// assert!(policy.check_url("GET", "https://img.cdn.example.net/a.png").is_ok());
/// assert!(policy.check_url("GET", "http://api.example.com/").is_err()); // scheme
/// assert!(policy.check_url("GET", "https://example.com/").is_err()); // host
/// assert!(policy.check_url("GET", "https://api.example.com:8443/").is_err()); // port
/// // And where it resolves to, when the request is made:
/// assert!(policy.check_address("127.0.0.1".parse()?).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    hosts: Vec<HostPattern>,
    schemes: Vec<Scheme>,
    ports: Ports,
    methods: Vec<Method>,
    networks: Vec<IpNet>,
    max_request_body: u64,
    max_response_body: u64,
    connect_timeout: Duration,
    timeout: Duration,
    max_concurrent: usize,
}

impl Default for Policy {
    /// The policy that allows nothing: no host is allowed.
    fn default() -> Policy {
        Policy {
            hosts: Vec::new(),
            schemes: vec![Scheme::Http, Scheme::Https],
            ports: Ports::Default,
            methods: DEFAULT_METHODS.to_vec(),
            networks: Vec::new(),
            max_request_body: DEFAULT_MAX_REQUEST_BODY,
            max_response_body: DEFAULT_MAX_RESPONSE_BODY,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            max_concurrent: DEFAULT_MAX_CONCURRENT,
        }
    }
}

/// A host `allow_hosts` names: a name, `*.` and a name (any name below
/// it, not the name itself), an IP address, or `*` (any host).
#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    Any,
    Exact(Host),
    Below(String),
}

impl HostPattern {
    fn parse(pattern: &str) -> Result<HostPattern, String> {
        let bad = |why: String| format!("{pattern:?} is not a host pattern: {why}");
        if pattern == "*" {
            return Ok(HostPattern::Any);
        }
        if let Some(suffix) = pattern.strip_prefix("*.") {
            return match Host::parse(suffix).map_err(bad)? {
                Host::Domain(d) if d.contains('.') => Ok(HostPattern::Below(d)),
                Host::Domain(d) => Err(bad(format!(
                    "a wildcard needs a name of two labels or more below it, not {d:?}"
                ))),
                Host::Ip(_) => Err(bad("a wildcard cannot stand before an address".into())),
            };
        }
        if pattern.contains('*') {
            return Err(bad(
                "`*` stands alone or as the first label (\"*.example.com\")".into(),
            ));
        }
        if pattern.contains(['/', ':']) && !pattern.starts_with('[') {
            if let Ok(ip) = pattern.parse::<IpAddr>() {
                return Ok(HostPattern::Exact(Host::Ip(ip)));
            }
            return Err(bad(
                "write a host alone, without scheme, port or path".into()
            ));
        }
        Host::parse(pattern).map(HostPattern::Exact).map_err(bad)
    }

    fn matches(&self, host: &Host) -> bool {
        match (self, host) {
            (HostPattern::Any, _) => true,
            (HostPattern::Exact(h), host) => h == host,
            (HostPattern::Below(suffix), Host::Domain(d)) => d
                .strip_suffix(suffix.as_str())
                .is_some_and(|head| head.len() > 1 && head.ends_with('.')),
            (HostPattern::Below(_), Host::Ip(_)) => false,
        }
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostPattern::Any => f.write_str("*"),
            HostPattern::Exact(h) => write!(f, "{h}"),
            HostPattern::Below(d) => write!(f, "*.{d}"),
        }
    }
}

/// The ports requests may go to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ports {
    /// The scheme's default port: 80 for http, 443 for https.
    Default,
    Any,
    List(Vec<u16>),
}

impl Ports {
    fn allows(&self, scheme: Scheme, port: u16) -> bool {
        match self {
            Ports::Default => port == scheme.default_port(),
            Ports::Any => true,
            Ports::List(ports) => ports.contains(&port),
        }
    }
}

impl fmt::Display for Ports {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ports::Default => f.write_str("the scheme's default, 80 for http and 443 for https"),
            Ports::Any => f.write_str("any"),
            Ports::List(ports) => f.write_str(&join(ports)),
        }
    }
}

fn join<T: fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(T::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Policy {
    /// A builder, starting from the default policy (no host allowed).
    pub fn builder() -> PolicyBuilder {
        PolicyBuilder::default()
    }

    /// Judges a request's method and URL: scheme, host, port, user-info
    /// and method. The addresses the host resolves to are judged when the
    /// request is made ([`Policy::check_address`]).
    ///
    /// ```
    /// use gohost_http::outbound::{Denial, Policy};
    ///
    /// let policy = Policy::builder().allow_host("allowed.example").build()?;
    /// assert!(policy.check_url("GET", "http://allowed.example/").is_ok());
    /// // User-info does not change the host: this request goes to `denied.example`.
    /// let denial = policy.check_url("GET", "http://allowed.example@denied.example/").unwrap_err();
    /// assert!(matches!(denial, Denial::Host { .. }), "{denial}");
    /// let denial = policy.check_url("GET", "file:///etc/passwd").unwrap_err();
    /// assert!(matches!(denial, Denial::Scheme { .. }), "{denial}");
    /// # Ok::<(), gohost_http::outbound::PolicyError>(())
    /// ```
    pub fn check_url(&self, method: &str, url: &str) -> Result<(), Denial> {
        let method = Method::from_bytes(method.as_bytes()).map_err(|_| Denial::Method {
            method: method.to_owned(),
            allowed: join(&self.methods),
        })?;
        self.check_target(&method, &Target::parse(url).map_err(|d| self.explain(d))?)
    }

    /// Fills in what the policy allows in a denial made before the policy
    /// was at hand.
    pub(crate) fn explain(&self, denial: Denial) -> Denial {
        match denial {
            Denial::Scheme { scheme, .. } => Denial::Scheme {
                scheme,
                allowed: join(&self.schemes),
            },
            other => other,
        }
    }

    pub(crate) fn check_target(&self, method: &Method, target: &Target) -> Result<(), Denial> {
        if !self.schemes.contains(&target.scheme) {
            return Err(Denial::Scheme {
                scheme: target.scheme.to_string(),
                allowed: join(&self.schemes),
            });
        }
        self.check_host(&target.host)
            .map_err(|allowed| Denial::Host {
                host: target.host.to_string(),
                allowed,
            })?;
        if !self.ports.allows(target.scheme, target.port) {
            return Err(Denial::Port {
                port: target.port,
                allowed: self.ports.to_string(),
            });
        }
        if !self.methods.contains(method) {
            return Err(Denial::Method {
                method: method.to_string(),
                allowed: join(&self.methods),
            });
        }
        if target.user_info {
            return Err(Denial::UserInfo);
        }
        Ok(())
    }

    /// `Ok` when `host` is allowed; otherwise the allowed patterns.
    pub(crate) fn check_host(&self, host: &Host) -> Result<(), String> {
        if self.hosts.iter().any(|p| p.matches(host)) {
            Ok(())
        } else {
            Err(join(&self.hosts))
        }
    }

    /// Judges one address a host resolved to (or an IP literal): allowed
    /// when [`PolicyBuilder::allow_network`] names it, otherwise when it
    /// is not special-purpose. An IPv4-mapped IPv6 address is judged, and
    /// matched against the allowed networks, as its IPv4 address.
    ///
    /// ```
    /// use gohost_http::outbound::Policy;
    ///
    /// let strict = Policy::builder().allow_host("*").build()?;
    /// assert!(strict.check_address("8.8.8.8".parse()?).is_ok());
    /// for denied in ["127.0.0.1", "10.1.2.3", "169.254.169.254", "fd00::1", "::ffff:127.0.0.1"] {
    ///     assert!(strict.check_address(denied.parse()?).is_err(), "{denied}");
    /// }
    /// let local = Policy::builder().allow_host("*").allow_network("127.0.0.1".parse::<std::net::IpAddr>()?).build()?;
    /// assert!(local.check_address("127.0.0.1".parse()?).is_ok());
    /// assert!(local.check_address("::ffff:127.0.0.1".parse()?).is_ok());
    /// assert!(local.check_address("127.0.0.2".parse()?).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check_address(&self, addr: IpAddr) -> Result<(), Denial> {
        let real = canonical(addr);
        if self.networks.iter().any(|n| n.contains(&real)) {
            return Ok(());
        }
        match special(addr) {
            None => Ok(()),
            Some(s) => Err(Denial::Address {
                address: addr,
                range: s.range,
                carried: s.carried,
            }),
        }
    }

    /// The largest request body, in bytes.
    pub fn max_request_body(&self) -> u64 {
        self.max_request_body
    }

    /// The largest response body, in bytes.
    pub fn max_response_body(&self) -> u64 {
        self.max_response_body
    }

    /// The time allowed to resolve, connect and finish the TLS handshake.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The time allowed for a whole exchange, from sending the request to
    /// the end of the response body.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The most requests one instance may have open at once (a request is
    /// open until its response body is read to the end or dropped).
    pub fn max_concurrent_requests(&self) -> usize {
        self.max_concurrent
    }
}

/// A policy setting that cannot be used, naming the setting.
///
/// ```
/// use gohost_http::outbound::Policy;
///
/// let err = Policy::builder().allow_host("*.com").build().unwrap_err();
/// assert!(err.to_string().starts_with("allow_hosts: \"*.com\" is not a host pattern"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{setting}: {message}")]
pub struct PolicyError {
    /// The setting, as the manifest's `[http]` table names it.
    pub setting: &'static str,
    /// What is wrong with it.
    pub message: String,
}

/// Builds a [`Policy`]; every setting is checked by
/// [`PolicyBuilder::build`], which names the first that cannot be used.
///
/// ```
/// use std::time::Duration;
/// use gohost_http::outbound::Policy;
///
/// // A local upstream on port 8080, reached by name or by address.
/// let policy = Policy::builder()
///     .allow_hosts(["upstream.local", "127.0.0.1"])
///     .allow_network("127.0.0.1".parse::<std::net::IpAddr>()?)
///     .ports([8080])
///     .methods([http::Method::GET, http::Method::POST])
///     .max_request_body(64 << 10)
///     .max_response_body(1 << 20)
///     .connect_timeout(Duration::from_millis(500))
///     .deadline(Duration::from_secs(2)) // the plugin call's: timeout_ms becomes 1.6 s
///     .max_concurrent_requests(4)
///     .build()?;
/// assert_eq!(policy.timeout(), Duration::from_millis(1600));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct PolicyBuilder {
    policy: Policy,
    timeout_set: bool,
    connect_timeout_set: bool,
    deadline: Option<Duration>,
    errors: Vec<PolicyError>,
}

impl PolicyBuilder {
    fn fail(&mut self, setting: &'static str, message: String) {
        self.errors.push(PolicyError { setting, message });
    }

    /// Allows a host (`allow_hosts`): a name (`api.example.com`), any name
    /// below one (`*.example.com`, which does not match `example.com`
    /// itself), an IP address (`127.0.0.1`, `[::1]`), or `*` for any host.
    /// Names are compared after normalisation (case, trailing dot, IDNA).
    /// The addresses a host resolves to are judged as well.
    pub fn allow_host(mut self, pattern: &str) -> PolicyBuilder {
        match HostPattern::parse(pattern) {
            Ok(p) => self.policy.hosts.push(p),
            Err(e) => self.fail("allow_hosts", e),
        }
        self
    }

    /// Allows each of `patterns` ([`PolicyBuilder::allow_host`]).
    pub fn allow_hosts<'a>(self, patterns: impl IntoIterator<Item = &'a str>) -> PolicyBuilder {
        patterns.into_iter().fold(self, PolicyBuilder::allow_host)
    }

    /// The schemes allowed (`schemes`); both by default.
    pub fn schemes(mut self, schemes: impl IntoIterator<Item = Scheme>) -> PolicyBuilder {
        self.policy.schemes = schemes.into_iter().collect();
        self.policy.schemes.sort();
        self.policy.schemes.dedup();
        self
    }

    /// The ports allowed (`ports`), instead of the scheme's default port
    /// (80 for http, 443 for https).
    pub fn ports(mut self, ports: impl IntoIterator<Item = u16>) -> PolicyBuilder {
        let mut ports: Vec<u16> = ports.into_iter().collect();
        ports.sort_unstable();
        ports.dedup();
        if ports.contains(&0) {
            self.fail("ports", "0 is not a port".into());
        }
        self.policy.ports = Ports::List(ports);
        self
    }

    /// Allows any port (`ports = "any"`).
    pub fn any_port(mut self) -> PolicyBuilder {
        self.policy.ports = Ports::Any;
        self
    }

    /// The methods allowed (`methods`); by default [`DEFAULT_METHODS`].
    /// `CONNECT` is never allowed.
    pub fn methods(mut self, methods: impl IntoIterator<Item = Method>) -> PolicyBuilder {
        let methods: Vec<Method> = methods.into_iter().collect();
        if methods.contains(&Method::CONNECT) {
            self.fail(
                "methods",
                "CONNECT cannot be allowed: a tunnel would carry traffic the policy never sees"
                    .into(),
            );
        }
        self.policy.methods = methods;
        self
    }

    /// Allows addresses that are denied by default (`allow_addresses`):
    /// an address (`127.0.0.1`, `::1`) or a network (`10.1.0.0/16`).
    /// Allowing them does not allow any host: name the host too.
    pub fn allow_network(mut self, network: impl Into<IpNet>) -> PolicyBuilder {
        let network: IpNet = network.into();
        self.policy.networks.push(network.trunc());
        self
    }

    /// The largest request body, in bytes (`max_request_body_bytes`).
    pub fn max_request_body(mut self, bytes: u64) -> PolicyBuilder {
        self.policy.max_request_body = bytes;
        self
    }

    /// The largest response body, in bytes (`max_response_body_bytes`).
    pub fn max_response_body(mut self, bytes: u64) -> PolicyBuilder {
        self.policy.max_response_body = bytes;
        self
    }

    /// The time to resolve, connect and finish the TLS handshake
    /// (`connect_timeout_ms`); by default 5 s, or the whole timeout when
    /// that is shorter.
    pub fn connect_timeout(mut self, timeout: Duration) -> PolicyBuilder {
        self.policy.connect_timeout = timeout;
        self.connect_timeout_set = true;
        self
    }

    /// The time for a whole exchange, from sending the request to the end
    /// of the response body (`timeout_ms`).
    pub fn timeout(mut self, timeout: Duration) -> PolicyBuilder {
        self.policy.timeout = timeout;
        self.timeout_set = true;
        self
    }

    /// The deadline of the plugin calls that make the requests
    /// ([`gohost::Limits::deadline`]; a manifest's `deadline_ms`). A
    /// request must end before the call does, or the plugin would be cut
    /// off instead of getting an error: an explicit timeout must be
    /// shorter than `deadline`, and the defaults shrink to fit (the
    /// timeout to 4/5 of it).
    pub fn deadline(mut self, deadline: Duration) -> PolicyBuilder {
        self.deadline = Some(deadline);
        self
    }

    /// The most requests one instance may have open at once
    /// (`max_concurrent_requests`); more are refused, not queued.
    pub fn max_concurrent_requests(mut self, max: usize) -> PolicyBuilder {
        self.policy.max_concurrent = max;
        self
    }

    /// Checks the settings: the first error, naming its setting.
    pub fn build(mut self) -> Result<Policy, PolicyError> {
        let p = &mut self.policy;
        let mut errors = std::mem::take(&mut self.errors);
        let mut fail = |setting, message: String| errors.push(PolicyError { setting, message });
        if p.schemes.is_empty() {
            fail(
                "schemes",
                "no scheme is allowed: name http, https or both".into(),
            );
        }
        if p.methods.is_empty() {
            fail("methods", "no method is allowed".into());
        }
        if matches!(&p.ports, Ports::List(l) if l.is_empty()) {
            fail("ports", "no port is allowed".into());
        }
        if p.max_concurrent == 0 {
            fail("max_concurrent_requests", "must be at least 1".into());
        }
        if let Some(deadline) = self.deadline {
            if !self.timeout_set {
                p.timeout = p.timeout.min(deadline * 4 / 5);
            }
            if p.timeout >= deadline {
                fail(
                    "timeout_ms",
                    format!(
                        "{} ms is not shorter than the plugin call's deadline ({} ms): \
                         the call would be cut off before the request could fail",
                        p.timeout.as_millis(),
                        deadline.as_millis()
                    ),
                );
            }
        }
        if !self.connect_timeout_set {
            // Connecting is part of the exchange: the default shrinks to fit.
            p.connect_timeout = p.connect_timeout.min(p.timeout);
        }
        if p.timeout.is_zero() {
            fail("timeout_ms", "must be at least 1 ms".into());
        }
        if p.connect_timeout.is_zero() {
            fail("connect_timeout_ms", "must be at least 1 ms".into());
        }
        if p.connect_timeout > p.timeout {
            fail(
                "connect_timeout_ms",
                format!(
                    "{} ms is longer than timeout_ms ({} ms), which includes connecting",
                    p.connect_timeout.as_millis(),
                    p.timeout.as_millis()
                ),
            );
        }
        match errors.into_iter().next() {
            Some(e) => Err(e),
            None => Ok(self.policy),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows(patterns: &[&str], host: &str) -> bool {
        let policy = Policy::builder()
            .allow_hosts(patterns.iter().copied())
            .any_port()
            .build()
            .expect("policy");
        policy.check_url("GET", &format!("http://{host}/")).is_ok()
    }

    #[test]
    fn host_patterns_match_exact_names_wildcards_and_addresses() {
        assert!(allows(&["api.example.com"], "api.example.com"));
        assert!(allows(&["api.example.com"], "API.Example.COM."));
        assert!(allows(&["API.EXAMPLE.COM."], "api.example.com"));
        assert!(!allows(&["api.example.com"], "example.com"));
        assert!(!allows(&["api.example.com"], "xapi.example.com"));
        assert!(!allows(&["api.example.com"], "api.example.com.evil.net"));
        assert!(allows(&["*.example.com"], "a.example.com"));
        assert!(allows(&["*.example.com"], "a.b.example.com"));
        assert!(!allows(&["*.example.com"], "example.com"));
        assert!(!allows(&["*.example.com"], "badexample.com"));
        assert!(!allows(&["*.example.com"], "127.0.0.1"));
        assert!(allows(&["*"], "anything.at.all"));
        assert!(allows(&["*"], "127.0.0.1"));
        assert!(allows(&["127.0.0.1"], "127.0.0.1"));
        assert!(allows(&["127.0.0.1"], "0x7f.1"));
        assert!(!allows(&["127.0.0.1"], "localhost"));
        assert!(allows(&["[::1]"], "[::1]"));
        assert!(allows(&["::1"], "[0:0::1]"));
        assert!(allows(&["bücher.example"], "xn--bcher-kva.example"));
        assert!(!allows(&[], "api.example.com"));
    }

    #[test]
    fn bad_host_patterns_are_refused_by_name() {
        for (pattern, want) in [
            ("*.com", "two labels"),
            ("a.*.com", "first label"),
            ("*example.com", "first label"),
            ("https://api.example.com", "without scheme"),
            ("api.example.com:443", "without scheme"),
            ("*.127.0.0.1", "address"),
            ("", "not a host"),
            ("a..b", "empty label"),
            ("exa mple.com", "not a host"),
        ] {
            let err = Policy::builder()
                .allow_host(pattern)
                .build()
                .expect_err(pattern);
            assert_eq!(err.setting, "allow_hosts");
            assert!(err.message.contains(want), "{pattern:?}: {err}");
        }
    }

    #[test]
    fn schemes_ports_methods_and_user_info_are_judged() {
        let policy = Policy::builder()
            .allow_host("h.example")
            .build()
            .expect("policy");
        let denial = |m: &str, url: &str| policy.check_url(m, url).expect_err(url).to_string();
        assert!(policy.check_url("GET", "http://h.example/").is_ok());
        assert!(policy.check_url("GET", "https://h.example:443/").is_ok());
        assert_eq!(
            denial("GET", "http://h.example:8080/"),
            "port 8080 is not allowed (ports: the scheme's default, 80 for http and 443 for https)"
        );
        assert_eq!(
            denial("GET", "https://h.example:80/").split(' ').nth(1),
            Some("80")
        );
        assert_eq!(
            denial("TRACE", "http://h.example/"),
            "method TRACE is not allowed (methods: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS)"
        );
        assert!(denial("CONNECT", "http://h.example/").contains("method CONNECT"));
        assert!(denial("G E T", "http://h.example/").contains("method G E T is not allowed"));
        assert_eq!(
            denial("GET", "file:///etc/passwd"),
            "scheme \"file\" is not allowed (allowed: http, https)"
        );
        assert_eq!(
            denial("GET", "http://user:pw@h.example/"),
            "the URL carries user-info; send credentials in an Authorization header"
        );
        assert_eq!(
            denial("GET", "http://h.example@other.example/"),
            "host \"other.example\" is not allowed (allowed: h.example)"
        );
        assert_eq!(
            Policy::default()
                .check_url("GET", "http://h.example/")
                .expect_err("none")
                .to_string(),
            "host \"h.example\" is not allowed (allow_hosts is empty: no host is allowed)"
        );

        let https = Policy::builder()
            .allow_host("h.example")
            .schemes([Scheme::Https])
            .ports([8443])
            .methods([Method::GET])
            .build()
            .expect("policy");
        assert!(https.check_url("GET", "https://h.example:8443/").is_ok());
        assert!(https.check_url("GET", "https://h.example/").is_err());
        assert!(https.check_url("POST", "https://h.example:8443/").is_err());
        assert_eq!(
            https
                .check_url("GET", "http://h.example:8443/")
                .expect_err("http")
                .to_string(),
            "scheme \"http\" is not allowed (allowed: https)"
        );
    }

    #[test]
    fn allowances_open_only_what_they_name() {
        let policy = Policy::builder()
            .allow_host("*")
            .allow_network("10.1.0.0/16".parse::<IpNet>().expect("net"))
            .allow_network("::1".parse::<IpAddr>().expect("addr"))
            .build()
            .expect("policy");
        let ok = |a: &str| policy.check_address(a.parse().expect("addr")).is_ok();
        assert!(ok("10.1.2.3") && ok("::ffff:10.1.2.3") && ok("::1") && ok("1.1.1.1"));
        assert!(!ok("10.2.0.1") && !ok("127.0.0.1") && !ok("64:ff9b::a01:203"));
        let msg = policy
            .check_address("::ffff:169.254.169.254".parse().expect("addr"))
            .expect_err("metadata")
            .to_string();
        assert_eq!(
            msg,
            "::ffff:169.254.169.254 (IPv4-mapped form of 169.254.169.254) is a cloud metadata \
             service's address (169.254.169.254/32, AWS, Google Cloud, Azure, OpenStack); \
             name it in allow_addresses to allow it"
        );
    }

    #[test]
    fn limits_are_checked_and_timeouts_fit_the_deadline() {
        let err = |b: PolicyBuilder| b.build().expect_err("refused").to_string();
        assert_eq!(
            err(Policy::builder().max_concurrent_requests(0)),
            "max_concurrent_requests: must be at least 1"
        );
        assert_eq!(
            err(Policy::builder().schemes([])),
            "schemes: no scheme is allowed: name http, https or both"
        );
        assert_eq!(
            err(Policy::builder().ports([])),
            "ports: no port is allowed"
        );
        assert_eq!(
            err(Policy::builder().ports([0, 80])),
            "ports: 0 is not a port"
        );
        assert!(err(Policy::builder().methods([Method::CONNECT]))
            .starts_with("methods: CONNECT cannot"));
        assert_eq!(
            err(Policy::builder().timeout(Duration::ZERO)),
            "timeout_ms: must be at least 1 ms"
        );
        assert!(err(Policy::builder()
            .timeout(Duration::from_secs(1))
            .connect_timeout(Duration::from_secs(2)))
        .starts_with("connect_timeout_ms: 2000 ms is longer than timeout_ms (1000 ms)"));
        assert_eq!(
            err(Policy::builder()
                .timeout(Duration::from_secs(2))
                .deadline(Duration::from_secs(2))),
            "timeout_ms: 2000 ms is not shorter than the plugin call's deadline (2000 ms): \
             the call would be cut off before the request could fail"
        );

        let fitted = Policy::builder()
            .deadline(Duration::from_secs(1))
            .build()
            .expect("fits");
        assert_eq!(fitted.timeout(), Duration::from_millis(800));
        assert_eq!(fitted.connect_timeout(), Duration::from_millis(800));
        let roomy = Policy::builder()
            .deadline(Duration::from_secs(60))
            .build()
            .expect("fits");
        assert_eq!(
            (roomy.timeout(), roomy.connect_timeout()),
            (DEFAULT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT)
        );
    }
}
