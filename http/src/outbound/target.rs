//! Where a request goes, read from its URL the way the connection will
//! use it: one parse (WHATWG's, the `url` crate's), and the policy judges
//! and the client connects to what that parse found, so user-info,
//! percent-encoding, IPv4 forms such as `0x7f.1`, IPv6 literals and
//! trailing dots cannot make the judged host differ from the dialled one.

use std::fmt;
use std::net::IpAddr;

use url::Url;

use super::error::Denial;

/// The two schemes the client speaks.
///
/// ```
/// use gohost_http::outbound::Scheme;
///
/// assert_eq!("HTTPS".parse::<Scheme>(), Ok(Scheme::Https));
/// assert_eq!(Scheme::Http.default_port(), 80);
/// assert!("file".parse::<Scheme>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scheme {
    /// `http`: plain text, port 80 by default.
    Http,
    /// `https`: TLS (rustls), port 443 by default.
    Https,
}

impl Scheme {
    /// The scheme's name, lower-case.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    /// The port a URL of this scheme without one goes to.
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Scheme {
    type Err = String;

    fn from_str(s: &str) -> Result<Scheme, String> {
        match s.to_ascii_lowercase().as_str() {
            "http" => Ok(Scheme::Http),
            "https" => Ok(Scheme::Https),
            _ => Err(format!(
                "{s:?} is not a scheme the client speaks (http, https)"
            )),
        }
    }
}

/// A host as a URL names it, normalised: a lower-case ASCII domain (IDNA
/// applied, percent-encoding decoded, without a trailing dot), or an IP
/// address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    /// A domain name, to be resolved.
    Domain(String),
    /// An IP address literal (`127.0.0.1`, `[::1]`, or a form such as
    /// `0x7f.1` that WHATWG's parser reads as one).
    Ip(IpAddr),
}

impl Host {
    /// Reads a host as a URL would (`[..]` around IPv6), normalised.
    pub(crate) fn parse(s: &str) -> Result<Host, String> {
        let host = url::Host::parse(s).map_err(|e| format!("{s:?} is not a host name: {e}"))?;
        Ok(match host {
            url::Host::Domain(d) => Host::Domain(trim_dot(&d)?),
            url::Host::Ipv4(a) => Host::Ip(IpAddr::V4(a)),
            url::Host::Ipv6(a) => Host::Ip(IpAddr::V6(a)),
        })
    }

    fn from_url(host: url::Host<&str>) -> Result<Host, String> {
        Ok(match host {
            url::Host::Domain(d) => Host::Domain(trim_dot(d)?),
            url::Host::Ipv4(a) => Host::Ip(IpAddr::V4(a)),
            url::Host::Ipv6(a) => Host::Ip(IpAddr::V6(a)),
        })
    }
}

/// `example.com.` is `example.com` (the absolute form of the same name);
/// an empty label is no name at all.
fn trim_dot(domain: &str) -> Result<String, String> {
    let name = domain.strip_suffix('.').unwrap_or(domain);
    if name.is_empty() || name.split('.').any(str::is_empty) {
        return Err(format!(
            "{domain:?} is not a host name: it has an empty label"
        ));
    }
    Ok(name.to_owned())
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Domain(d) => f.write_str(d),
            Host::Ip(IpAddr::V4(a)) => write!(f, "{a}"),
            Host::Ip(IpAddr::V6(a)) => write!(f, "[{a}]"),
        }
    }
}

/// A request's destination, read from its URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    pub scheme: Scheme,
    pub host: Host,
    pub port: u16,
    /// The path and query, as sent in the request line.
    pub path_and_query: String,
    /// Whether the URL carried a user name or password.
    pub user_info: bool,
}

impl Target {
    /// Reads `url`. A scheme other than http and https is refused here, by
    /// name; everything else is for the policy to judge.
    pub fn parse(url: &str) -> Result<Target, Denial> {
        let parsed = Url::parse(url).map_err(|e| Denial::BadUrl {
            reason: format!("{url:?} is not a URL: {e}"),
        })?;
        let scheme = parsed
            .scheme()
            .parse::<Scheme>()
            .map_err(|_| Denial::Scheme {
                scheme: parsed.scheme().to_owned(),
                allowed: String::new(),
            })?;
        let host = parsed.host().ok_or_else(|| Denial::BadUrl {
            reason: format!("{url:?} has no host"),
        })?;
        let host = Host::from_url(host).map_err(|reason| Denial::BadUrl { reason })?;
        let port = parsed.port().unwrap_or(scheme.default_port());
        let mut path_and_query = parsed.path().to_owned();
        if let Some(q) = parsed.query() {
            path_and_query.push('?');
            path_and_query.push_str(q);
        }
        Ok(Target {
            scheme,
            host,
            port,
            path_and_query,
            user_info: !parsed.username().is_empty() || parsed.password().is_some(),
        })
    }

    /// `host[:port]`, the port only when it is not the scheme's default:
    /// the request's `Host` and its connection pool's key.
    pub fn authority(&self) -> String {
        if self.port == self.scheme.default_port() {
            self.host.to_string()
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The absolute URI the client sends (without user-info or fragment).
    pub fn uri(&self) -> Result<http::Uri, Denial> {
        let uri = format!(
            "{}://{}{}",
            self.scheme,
            self.authority(),
            self.path_and_query
        );
        http::Uri::try_from(uri.as_str()).map_err(|e| Denial::BadUrl {
            reason: format!("{uri:?} is not a request URI: {e}"),
        })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}://{}{}",
            self.scheme,
            self.authority(),
            self.path_and_query
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str) -> Target {
        Target::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    #[test]
    fn the_judged_host_is_the_real_one() {
        let cases = [
            ("http://allowed@denied/", "denied", 80),
            ("http://allowed:pw@denied:8080/x", "denied", 8080),
            ("http://a@b@denied/", "denied", 80),
            ("http://denied#@allowed/", "denied", 80),
            ("http://denied?@allowed/", "denied", 80),
            ("HTTP://Example.COM./", "example.com", 80),
            ("http://%6c%6f%63alhost/", "localhost", 80),
            ("http://0x7f.1/", "127.0.0.1", 80),
            ("http://2130706433/", "127.0.0.1", 80),
            ("http://127.1/", "127.0.0.1", 80),
            ("http://0177.0.0.1/", "127.0.0.1", 80),
            ("http://[::1]:8080/", "[::1]", 8080),
            ("http://[::ffff:7f00:1]/", "[::ffff:127.0.0.1]", 80),
            ("https://bücher.example/", "xn--bcher-kva.example", 443),
            ("https://api.example.com:443/", "api.example.com", 443),
            ("http://allowed\\@denied/", "allowed", 80),
        ];
        for (url, host, port) in cases {
            let t = target(url);
            assert_eq!((t.host.to_string().as_str(), t.port), (host, port), "{url}");
        }
        assert!(target("http://allowed@denied/").user_info);
        assert!(!target("http://denied/").user_info);
    }

    #[test]
    fn the_request_line_keeps_path_and_query_but_not_fragment_or_user_info() {
        let t = target("http://u:p@example.com:8080/a/b?x=1&y=%20#frag");
        assert_eq!(t.path_and_query, "/a/b?x=1&y=%20");
        assert_eq!(
            t.uri().expect("uri").to_string(),
            "http://example.com:8080/a/b?x=1&y=%20"
        );
        assert_eq!(target("http://example.com").path_and_query, "/");
        assert_eq!(
            target("https://[::1]:443/").uri().expect("uri").to_string(),
            "https://[::1]/"
        );
    }

    #[test]
    fn other_schemes_and_broken_urls_are_refused() {
        for url in [
            "file:///etc/passwd",
            "ftp://example.com/",
            "gopher://x/",
            "data:text/plain,hi",
            "javascript:alert(1)",
            "ws://example.com/",
        ] {
            match Target::parse(url) {
                Err(Denial::Scheme { .. }) => {}
                other => panic!("{url}: {other:?}"),
            }
        }
        for url in [
            "http://",
            "http://exa mple.com/",
            "http://[::1/",
            "not a url",
            "http://a..b/",
            "http://./",
            "http://[fe80::1%25eth0]/",
        ] {
            match Target::parse(url) {
                Err(Denial::BadUrl { .. }) => {}
                other => panic!("{url}: {other:?}"),
            }
        }
    }
}
