//! The policy as a plugin manifest's `[http]` table writes it.
//!
//! ```toml
//! [http]
//! allow_hosts = ["api.example.com", "*.example.org"]
//! schemes = ["https"]                   # default ["http", "https"]
//! ports = [443, 8443]                   # default: the scheme's (80, 443); or "any"
//! methods = ["GET", "POST"]             # default: all but CONNECT and TRACE
//! allow_addresses = ["10.1.0.0/16"]     # denied by default; allowed here
//! max_request_body_bytes = 1048576      # default 4 MiB
//! max_response_body_bytes = 8388608     # default 16 MiB
//! connect_timeout_ms = 2000             # default 5000
//! timeout_ms = 10000                    # default 30000, and within [limits].deadline_ms
//! max_concurrent_requests = 4           # per instance; default 8
//! ```

use std::time::Duration;

use gohost::{Manifest, ManifestSection};
use http::Method;
use ipnet::IpNet;
use serde::Deserialize;
use toml::Spanned;

use super::policy::{Policy, PolicyBuilder, PolicyError};
use super::target::Scheme;

/// The `[http]` table as written, every value with its place.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[serde(default)]
    allow_hosts: Vec<Spanned<String>>,
    schemes: Option<Spanned<Vec<Spanned<String>>>>,
    ports: Option<Spanned<toml::Value>>,
    methods: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    allow_addresses: Vec<Spanned<String>>,
    max_request_body_bytes: Option<Spanned<u64>>,
    max_response_body_bytes: Option<Spanned<u64>>,
    connect_timeout_ms: Option<Spanned<u64>>,
    timeout_ms: Option<Spanned<u64>>,
    max_concurrent_requests: Option<Spanned<u64>>,
}

impl Policy {
    /// The policy of a plugin manifest: its `[http]` table, with its
    /// timeouts fitted into `[limits].deadline_ms`
    /// ([`PolicyBuilder::deadline`]). A manifest without `[http]` gets
    /// the default policy, which allows no host. Errors name the manifest,
    /// the line and the field.
    ///
    /// ```
    /// # fn main() -> Result<(), gohost::Error> {
    /// use std::path::Path;
    /// use gohost_http::outbound::Policy;
    ///
    /// let text = r#"
    /// wasm = "hook.wasm"
    /// [limits]
    /// deadline_ms = 2000
    /// [http]
    /// allow_hosts = ["hooks.example.com"]
    /// schemes = ["https"]
    /// "#;
    /// let manifest = gohost::Manifest::parse(text, Path::new("hook.toml"))?;
    /// let policy = Policy::from_manifest(&manifest)?;
    /// assert!(policy.check_url("POST", "https://hooks.example.com/x").is_ok());
    /// assert_eq!(policy.timeout().as_millis(), 1600); // 4/5 of the deadline
    ///
    /// let text = "wasm = \"hook.wasm\"\n[http]\nallow_hosts = [\"*.com\"]\n";
    /// let manifest = gohost::Manifest::parse(text, Path::new("hook.toml"))?;
    /// let err = Policy::from_manifest(&manifest).unwrap_err().to_string();
    /// assert!(err.starts_with("hook.toml, line 3: allow_hosts: \"*.com\" is not a host pattern"), "{err}");
    /// # Ok(()) }
    /// ```
    pub fn from_manifest(manifest: &Manifest) -> Result<Policy, gohost::Error> {
        match &manifest.http {
            Some(section) => Policy::from_section(section, manifest.deadline),
            None => {
                let mut builder = Policy::builder();
                if let Some(deadline) = manifest.deadline {
                    builder = builder.deadline(deadline);
                }
                builder.build().map_err(|e| gohost::Error::Manifest {
                    path: manifest.path.display().to_string(),
                    line: None,
                    message: e.to_string(),
                })
            }
        }
    }

    /// The policy an `[http]` table writes, for plugin calls with
    /// `deadline`.
    pub fn from_section(
        section: &ManifestSection,
        deadline: Option<Duration>,
    ) -> Result<Policy, gohost::Error> {
        let raw: RawPolicy = section.deserialize()?;
        read(&raw, deadline).map_err(|(span, e)| section.error(span, e.to_string()))
    }
}

type Failure = (Option<std::ops::Range<usize>>, PolicyError);

/// Each value through the builder, one at a time, so that an error
/// points at the value that caused it.
fn read(raw: &RawPolicy, deadline: Option<Duration>) -> Result<Policy, Failure> {
    let at = |span: std::ops::Range<usize>| move |e: PolicyError| (Some(span.clone()), e);
    let invalid = |setting: &'static str, span: std::ops::Range<usize>, message: String| {
        (Some(span), PolicyError { setting, message })
    };
    let mut b = Policy::builder();
    for host in &raw.allow_hosts {
        b = check(b.allow_host(host.get_ref())).map_err(at(host.span()))?;
    }
    if let Some(schemes) = &raw.schemes {
        let mut list = Vec::new();
        for s in schemes.get_ref() {
            list.push(
                s.get_ref()
                    .parse::<Scheme>()
                    .map_err(|m| invalid("schemes", s.span(), m))?,
            );
        }
        b = check(b.schemes(list)).map_err(at(schemes.span()))?;
    }
    if let Some(ports) = &raw.ports {
        b = read_ports(b, ports.get_ref())
            .map_err(|message| invalid("ports", ports.span(), message))?;
        b = check(b).map_err(at(ports.span()))?;
    }
    if let Some(methods) = &raw.methods {
        let mut list = Vec::new();
        for m in methods.get_ref() {
            let name = m.get_ref();
            let method = Method::from_bytes(name.to_ascii_uppercase().as_bytes())
                .map_err(|_| invalid("methods", m.span(), format!("{name:?} is not a method")))?;
            b = check(b.methods([method.clone()])).map_err(at(m.span()))?;
            list.push(method);
        }
        b = check(b.methods(list)).map_err(at(methods.span()))?;
    }
    for a in &raw.allow_addresses {
        let text = a.get_ref();
        let network = text
            .parse::<IpNet>()
            .or_else(|_| text.parse::<std::net::IpAddr>().map(IpNet::from))
            .map_err(|_| {
                invalid(
                    "allow_addresses",
                    a.span(),
                    format!("{text:?} is not an address or network (\"127.0.0.1\", \"10.1.0.0/16\", \"::1\")"),
                )
            })?;
        b = b.allow_network(network);
    }
    let mut spans = Vec::new();
    let mut setting = |v: &Option<Spanned<u64>>, name: &'static str| {
        v.as_ref().map(|v| {
            spans.push((name, v.span()));
            *v.get_ref()
        })
    };
    if let Some(n) = setting(&raw.max_request_body_bytes, "max_request_body_bytes") {
        b = b.max_request_body(n);
    }
    if let Some(n) = setting(&raw.max_response_body_bytes, "max_response_body_bytes") {
        b = b.max_response_body(n);
    }
    if let Some(ms) = setting(&raw.connect_timeout_ms, "connect_timeout_ms") {
        b = b.connect_timeout(Duration::from_millis(ms));
    }
    if let Some(ms) = setting(&raw.timeout_ms, "timeout_ms") {
        b = b.timeout(Duration::from_millis(ms));
    }
    if let Some(n) = setting(&raw.max_concurrent_requests, "max_concurrent_requests") {
        b = b.max_concurrent_requests(usize::try_from(n).unwrap_or(usize::MAX));
    }
    if let Some(deadline) = deadline {
        b = b.deadline(deadline);
    }
    b.build().map_err(|e| {
        let span = spans
            .iter()
            .find(|(name, _)| *name == e.setting)
            .map(|(_, s)| s.clone());
        (span, e)
    })
}

/// The builder, or its first error so far.
fn check(builder: PolicyBuilder) -> Result<PolicyBuilder, PolicyError> {
    match builder.clone().build() {
        Err(e) if e.setting != "timeout_ms" && e.setting != "connect_timeout_ms" => Err(e),
        _ => Ok(builder),
    }
}

fn read_ports(b: PolicyBuilder, value: &toml::Value) -> Result<PolicyBuilder, String> {
    const EXPECTED: &str = "write a list of ports, such as [443, 8443], or \"any\"";
    match value {
        toml::Value::String(s) if s == "any" => Ok(b.any_port()),
        toml::Value::Array(items) => {
            let mut ports = Vec::new();
            for item in items {
                let port = item
                    .as_integer()
                    .and_then(|n| u16::try_from(n).ok())
                    .filter(|&n| n != 0)
                    .ok_or_else(|| format!("{} is not a port (1 to 65535)", show(item)))?;
                ports.push(port);
            }
            Ok(b.ports(ports))
        }
        other => Err(format!(
            "{} is not a list of ports: {EXPECTED}",
            show(other)
        )),
    }
}

/// A value as TOML writes it.
fn show(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => format!("{s:?}"),
        toml::Value::Integer(n) => n.to_string(),
        other => format!("a {}", other.type_str()),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn policy(text: &str) -> Result<Policy, String> {
        let text = format!("wasm = \"p.wasm\"\n{text}");
        let manifest = Manifest::parse(&text, Path::new("p.toml")).map_err(|e| e.to_string())?;
        Policy::from_manifest(&manifest).map_err(|e| e.to_string())
    }

    #[test]
    fn every_field_is_read() {
        let p = policy(
            r#"[limits]
deadline_ms = 60000
[http]
allow_hosts = ["api.example.com", "*.example.org", "127.0.0.1"]
schemes = ["https", "HTTP"]
ports = [443, 8443]
methods = ["get", "POST"]
allow_addresses = ["127.0.0.1", "10.1.0.0/16", "::1"]
max_request_body_bytes = 1000
max_response_body_bytes = 2000
connect_timeout_ms = 300
timeout_ms = 4000
max_concurrent_requests = 3
"#,
        )
        .expect("valid");
        assert!(p.check_url("GET", "https://a.example.org:8443/").is_ok());
        assert!(p.check_url("POST", "http://127.0.0.1:443/").is_ok());
        assert!(p.check_url("PUT", "https://api.example.com/").is_err());
        assert!(p.check_url("GET", "https://api.example.com:80/").is_err());
        assert!(p.check_address("10.1.9.9".parse().expect("ip")).is_ok());
        assert!(p.check_address("::1".parse().expect("ip")).is_ok());
        assert!(p.check_address("10.2.0.1".parse().expect("ip")).is_err());
        assert_eq!((p.max_request_body(), p.max_response_body()), (1000, 2000));
        assert_eq!(p.connect_timeout(), Duration::from_millis(300));
        assert_eq!(p.timeout(), Duration::from_millis(4000));
        assert_eq!(p.max_concurrent_requests(), 3);

        let any = policy("[http]\nallow_hosts = [\"*\"]\nports = \"any\"\n").expect("valid");
        assert!(any.check_url("GET", "http://x.example:1234/").is_ok());
        let none = policy("").expect("valid");
        assert!(none.check_url("GET", "http://x.example/").is_err());
        assert_eq!(none, Policy::default());
    }

    #[test]
    fn each_bad_value_is_named_with_its_line() {
        let cases = [
            ("[http]\nallow_host = []\n", "line 3: unknown field `allow_host`"),
            ("[http]\nallow_hosts = \"a.com\"\n", "line 3: invalid type: string \"a.com\", expected a sequence"),
            ("[http]\nallow_hosts = [\n\"ok.com\",\n\"*.com\"]\n", "line 5: allow_hosts: \"*.com\" is not a host pattern"),
            ("[http]\nschemes = [\"https\", \"ftp\"]\n", "line 3: schemes: \"ftp\" is not a scheme the client speaks"),
            ("[http]\nschemes = []\n", "line 3: schemes: no scheme is allowed"),
            ("[http]\nports = [80, 70000]\n", "line 3: ports: 70000 is not a port (1 to 65535)"),
            ("[http]\nports = [0]\n", "line 3: ports: 0 is not a port"),
            ("[http]\nports = \"all\"\n", "line 3: ports: \"all\" is not a list of ports"),
            ("[http]\nmethods = [\"GET\",\n\"CONNECT\"]\n", "line 4: methods: CONNECT cannot be allowed"),
            ("[http]\nmethods = [\"G T\"]\n", "line 3: methods: \"G T\" is not a method"),
            ("[http]\nallow_addresses = [\"localhost\"]\n", "line 3: allow_addresses: \"localhost\" is not an address or network"),
            ("[http]\nmax_request_body_bytes = -1\n", "line 3: invalid value"),
            ("[http]\n\nmax_concurrent_requests = 0\n", "line 4: max_concurrent_requests: must be at least 1"),
            ("[http]\ntimeout_ms = 0\n", "line 3: timeout_ms: must be at least 1 ms"),
            ("[http]\ntimeout_ms = 100\nconnect_timeout_ms = 200\n", "line 4: connect_timeout_ms: 200 ms is longer than timeout_ms"),
            (
                "[limits]\ndeadline_ms = 1000\n[http]\ntimeout_ms = 1000\n",
                "line 5: timeout_ms: 1000 ms is not shorter than the plugin call's deadline (1000 ms)",
            ),
            ("[http]\nhosts = 1\n", "line 3: unknown field `hosts`"),
        ];
        for (text, want) in cases {
            let got = policy(text).expect_err(text);
            assert!(got.starts_with("p.toml, "), "{text:?}: {got}");
            assert!(got.contains(want), "{text:?}:\n want {want}\n  got {got}");
        }
    }

    #[test]
    fn the_deadline_shapes_the_defaults_without_http() {
        let p = policy("[limits]\ndeadline_ms = 500\n").expect("valid");
        assert_eq!(p.timeout(), Duration::from_millis(400));
    }
}
