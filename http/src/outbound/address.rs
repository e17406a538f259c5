//! Which addresses a plugin may not reach unless the policy names them.
//!
//! The list follows IANA's IPv4 and IPv6 Special-Purpose Address
//! Registries (RFC 6890 and the RFCs each entry cites): every range they
//! mark as not globally reachable, plus the cloud providers' metadata
//! services and, for IPv6, everything outside global unicast (`2000::/3`).
//! IPv6 forms that carry an IPv4 address (IPv4-mapped `::ffff:0:0/96`,
//! IPv4-compatible `::/96`, NAT64 `64:ff9b::/96`) are judged by the IPv4
//! address they carry, so `::ffff:127.0.0.1` is loopback.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

/// A range of addresses denied by default: what it is and where it is
/// defined.
///
/// ```
/// use gohost_http::outbound::SpecialRange;
///
/// let range = SpecialRange::of("10.0.0.5".parse().unwrap()).expect("special");
/// assert_eq!(range.network.to_string(), "10.0.0.0/8");
/// assert_eq!(range.what, "a private address");
/// assert_eq!(range.source, "RFC 1918");
/// assert_eq!(SpecialRange::of("93.184.215.14".parse().unwrap()), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecialRange {
    /// The network, such as `10.0.0.0/8`.
    pub network: IpNet,
    /// What an address in it is, such as "a private address".
    pub what: &'static str,
    /// Where the range is defined, such as "RFC 1918".
    pub source: &'static str,
}

const fn v4(
    a: u8,
    b: u8,
    c: u8,
    d: u8,
    len: u8,
    what: &'static str,
    source: &'static str,
) -> SpecialRange {
    SpecialRange {
        network: IpNet::V4(Ipv4Net::new_assert(Ipv4Addr::new(a, b, c, d), len)),
        what,
        source,
    }
}

const fn v6(segments: [u16; 8], len: u8, what: &'static str, source: &'static str) -> SpecialRange {
    let [a, b, c, d, e, f, g, h] = segments;
    SpecialRange {
        network: IpNet::V6(Ipv6Net::new_assert(
            Ipv6Addr::new(a, b, c, d, e, f, g, h),
            len,
        )),
        what,
        source,
    }
}

const METADATA: &str = "a cloud metadata service's address";

/// IPv4 ranges denied by default, the narrower before the wider that
/// holds them (the first match names the reason).
///
/// ```
/// use gohost_http::outbound::SPECIAL_IPV4;
///
/// for range in SPECIAL_IPV4 {
///     println!("{:<18} {} ({})", range.network, range.what, range.source);
/// }
/// ```
pub const SPECIAL_IPV4: &[SpecialRange] = &[
    v4(
        0,
        0,
        0,
        0,
        8,
        "a \"this network\" address (0.0.0.0 reaches the local host)",
        "RFC 791",
    ),
    v4(10, 0, 0, 0, 8, "a private address", "RFC 1918"),
    v4(100, 100, 100, 200, 32, METADATA, "Alibaba Cloud"),
    v4(
        100,
        64,
        0,
        0,
        10,
        "a shared (carrier-grade NAT) address",
        "RFC 6598",
    ),
    v4(127, 0, 0, 0, 8, "a loopback address", "RFC 1122"),
    v4(
        169,
        254,
        169,
        254,
        32,
        METADATA,
        "AWS, Google Cloud, Azure, OpenStack",
    ),
    v4(169, 254, 0, 0, 16, "a link-local address", "RFC 3927"),
    v4(172, 16, 0, 0, 12, "a private address", "RFC 1918"),
    v4(192, 0, 0, 0, 24, "an IETF protocol assignment", "RFC 6890"),
    v4(192, 0, 2, 0, 24, "a documentation address", "RFC 5737"),
    v4(
        192,
        88,
        99,
        0,
        24,
        "a 6to4 relay anycast address",
        "RFC 7526",
    ),
    v4(192, 168, 0, 0, 16, "a private address", "RFC 1918"),
    v4(198, 18, 0, 0, 15, "a benchmarking address", "RFC 2544"),
    v4(198, 51, 100, 0, 24, "a documentation address", "RFC 5737"),
    v4(203, 0, 113, 0, 24, "a documentation address", "RFC 5737"),
    v4(224, 0, 0, 0, 4, "a multicast address", "RFC 5771"),
    v4(255, 255, 255, 255, 32, "the broadcast address", "RFC 919"),
    v4(240, 0, 0, 0, 4, "a reserved address", "RFC 1112"),
];

/// IPv6 ranges denied by default, the narrower first; anything outside
/// [`GLOBAL_UNICAST`] is denied too.
pub const SPECIAL_IPV6: &[SpecialRange] = &[
    v6(
        [0, 0, 0, 0, 0, 0, 0, 0],
        128,
        "the unspecified address (it reaches the local host)",
        "RFC 4291",
    ),
    v6(
        [0, 0, 0, 0, 0, 0, 0, 1],
        128,
        "the loopback address",
        "RFC 4291",
    ),
    v6(
        [0, 0, 0, 0, 0, 0, 0, 0],
        96,
        "an IPv4-compatible address (deprecated)",
        "RFC 4291",
    ),
    v6(
        [0x64, 0xff9b, 1, 0, 0, 0, 0, 0],
        48,
        "a local-use NAT64 address",
        "RFC 8215",
    ),
    v6(
        [0x100, 0, 0, 0, 0, 0, 0, 0],
        64,
        "a discard-only address",
        "RFC 6666",
    ),
    v6(
        [0x2001, 0, 0, 0, 0, 0, 0, 0],
        23,
        "an IETF protocol assignment (Teredo among them)",
        "RFC 2928",
    ),
    v6(
        [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0],
        32,
        "a documentation address",
        "RFC 3849",
    ),
    v6(
        [0x2002, 0, 0, 0, 0, 0, 0, 0],
        16,
        "a 6to4 address",
        "RFC 3056",
    ),
    v6(
        [0x3fff, 0, 0, 0, 0, 0, 0, 0],
        20,
        "a documentation address",
        "RFC 9637",
    ),
    v6(
        [0x5f00, 0, 0, 0, 0, 0, 0, 0],
        16,
        "a segment routing (SRv6) address",
        "RFC 9602",
    ),
    v6([0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254], 128, METADATA, "AWS"),
    v6(
        [0xfc00, 0, 0, 0, 0, 0, 0, 0],
        7,
        "a unique-local address",
        "RFC 4193",
    ),
    v6(
        [0xfe80, 0, 0, 0, 0, 0, 0, 0],
        10,
        "a link-local address",
        "RFC 4291",
    ),
    v6(
        [0xfec0, 0, 0, 0, 0, 0, 0, 0],
        10,
        "a site-local address (deprecated)",
        "RFC 3879",
    ),
    v6(
        [0xff00, 0, 0, 0, 0, 0, 0, 0],
        8,
        "a multicast address",
        "RFC 4291",
    ),
];

/// The IPv6 global unicast space (RFC 4291, IANA's IPv6 Address Space
/// registry): everything outside it is reserved or special, and denied.
pub const GLOBAL_UNICAST: SpecialRange = v6(
    [0x2000, 0, 0, 0, 0, 0, 0, 0],
    3,
    "an address outside global unicast (2000::/3)",
    "RFC 4291",
);

/// How an IPv6 address carries an IPv4 one; a denial of such an address
/// names the IPv4 address it was judged as.
///
/// ```
/// use gohost_http::outbound::{Denial, Embedding, Policy};
///
/// let policy = Policy::builder().allow_host("*").build()?;
/// match policy.check_address("64:ff9b::a9fe:a9fe".parse()?) {
///     Err(Denial::Address { carried: Some((v4, how)), .. }) => {
///         assert_eq!((v4.to_string().as_str(), how), ("169.254.169.254", Embedding::Nat64));
///     }
///     other => panic!("{other:?}"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Embedding {
    /// `::ffff:a.b.c.d` (RFC 4291): the IPv4 address itself, on a
    /// dual-stack socket.
    Mapped,
    /// `::a.b.c.d` (RFC 4291, deprecated).
    Compatible,
    /// `64:ff9b::a.b.c.d` (RFC 6052): the IPv4 address through a NAT64
    /// gateway.
    Nat64,
}

impl fmt::Display for Embedding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Embedding::Mapped => "IPv4-mapped",
            Embedding::Compatible => "IPv4-compatible",
            Embedding::Nat64 => "NAT64",
        })
    }
}

/// Why an address is special: its range, and the IPv4 address judged when
/// an IPv6 address carries one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Special {
    /// The range the address (or the IPv4 address it carries) is in.
    pub range: SpecialRange,
    /// The IPv4 address judged, and how the IPv6 address carried it.
    pub carried: Option<(Ipv4Addr, Embedding)>,
}

impl SpecialRange {
    /// The range `addr` falls in when it is denied by default, `None` for
    /// an ordinary public address. An IPv6 address that carries an IPv4
    /// one is judged by the IPv4 address (a [`Denial::Address`](super::Denial::Address) names it).
    pub fn of(addr: IpAddr) -> Option<SpecialRange> {
        special(addr).map(|s| s.range)
    }
}

/// Judges `addr`: `Some` when it is denied by default.
pub fn special(addr: IpAddr) -> Option<Special> {
    match addr {
        IpAddr::V4(v4) => special_v4(v4).map(|range| Special {
            range,
            carried: None,
        }),
        IpAddr::V6(v6) => special_v6(v6),
    }
}

fn special_v4(addr: Ipv4Addr) -> Option<SpecialRange> {
    let addr = IpAddr::V4(addr);
    SPECIAL_IPV4
        .iter()
        .copied()
        .find(|r| r.network.contains(&addr))
}

fn special_v6(addr: Ipv6Addr) -> Option<Special> {
    if let Some((v4, how)) = carried_ipv4(addr) {
        if let Some(range) = special_v4(v4) {
            return Some(Special {
                range,
                carried: Some((v4, how)),
            });
        }
        if how != Embedding::Compatible {
            // A public IPv4 address, reached directly or through NAT64.
            return None;
        }
    }
    let ip = IpAddr::V6(addr);
    let range = SPECIAL_IPV6
        .iter()
        .copied()
        .find(|r| r.network.contains(&ip))
        .or_else(|| (!GLOBAL_UNICAST.network.contains(&ip)).then_some(GLOBAL_UNICAST))?;
    Some(Special {
        range,
        carried: None,
    })
}

/// The IPv4 address an IPv6 address carries, and how. `::` and `::1` carry
/// none: they are IPv6's own unspecified and loopback addresses.
pub fn carried_ipv4(addr: Ipv6Addr) -> Option<(Ipv4Addr, Embedding)> {
    let s = addr.segments();
    let low = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s[..6] {
        [0, 0, 0, 0, 0, 0xffff] => Some((low, Embedding::Mapped)),
        [0, 0, 0, 0, 0, 0] if u32::from(low) > 1 => Some((low, Embedding::Compatible)),
        [0x64, 0xff9b, 0, 0, 0, 0] => Some((low, Embedding::Nat64)),
        _ => None,
    }
}

/// The address a socket really reaches: an IPv4-mapped IPv6 address is
/// its IPv4 address (what allowances are matched against and what is
/// dialled).
pub fn canonical(addr: IpAddr) -> IpAddr {
    addr.to_canonical()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn what(addr: &str) -> Option<&'static str> {
        let addr: IpAddr = addr.parse().expect("an address");
        SpecialRange::of(addr).map(|r| r.what)
    }

    #[test]
    fn every_special_range_is_denied_and_public_addresses_are_not() {
        let cases = [
            ("0.0.0.0", "this network"),
            ("0.1.2.3", "this network"),
            ("10.0.0.5", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private"),
            ("100.64.0.1", "carrier-grade NAT"),
            ("100.100.100.200", "metadata"),
            ("127.0.0.1", "loopback"),
            ("127.255.255.254", "loopback"),
            ("169.254.169.254", "metadata"),
            ("169.254.1.1", "link-local"),
            ("192.0.0.170", "IETF"),
            ("192.0.2.1", "documentation"),
            ("198.51.100.1", "documentation"),
            ("203.0.113.1", "documentation"),
            ("192.88.99.1", "6to4"),
            ("198.19.0.1", "benchmarking"),
            ("224.0.0.1", "multicast"),
            ("239.255.255.250", "multicast"),
            ("255.255.255.255", "broadcast"),
            ("240.0.0.1", "reserved"),
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("fe80::1", "link-local"),
            ("fc00::1", "unique-local"),
            ("fd12:3456::1", "unique-local"),
            ("fd00:ec2::254", "metadata"),
            ("fec0::1", "site-local"),
            ("ff02::1", "multicast"),
            ("100::1", "discard-only"),
            ("2001::1", "Teredo"),
            ("2001:db8::1", "documentation"),
            ("3fff::1", "documentation"),
            ("2002:c000:0201::1", "6to4"),
            ("5f00::1", "SRv6"),
            ("64:ff9b:1::1", "local-use NAT64"),
            ("4000::1", "outside global unicast"),
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:10.0.0.5", "private"),
            ("::ffff:169.254.169.254", "metadata"),
            ("::ffff:0.0.0.0", "this network"),
            ("::127.0.0.1", "loopback"),
            ("::8.8.8.8", "IPv4-compatible"),
            ("64:ff9b::10.0.0.5", "private"),
            ("64:ff9b::127.0.0.1", "loopback"),
            ("64:ff9b::a9fe:a9fe", "metadata"),
        ];
        for (addr, want) in cases {
            let got = what(addr).unwrap_or_else(|| panic!("{addr} was not denied"));
            assert!(got.contains(want), "{addr}: {got:?} does not say {want:?}");
        }
        for public in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.215.14",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
            "2a00:1450:4001::1",
            "::ffff:8.8.8.8",
            "64:ff9b::8.8.8.8",
        ] {
            assert_eq!(what(public), None, "{public} was denied");
        }
    }

    #[test]
    fn an_ipv6_address_names_the_ipv4_address_it_carries() {
        let s = special("::ffff:10.0.0.5".parse().expect("v6")).expect("special");
        assert_eq!(
            s.carried,
            Some((Ipv4Addr::new(10, 0, 0, 5), Embedding::Mapped))
        );
        let s = special("64:ff9b::7f00:1".parse().expect("v6")).expect("special");
        assert_eq!(s.carried, Some((Ipv4Addr::LOCALHOST, Embedding::Nat64)));
        let s = special("::1".parse().expect("v6")).expect("special");
        assert_eq!((s.range.what, s.carried), ("the loopback address", None));
        assert_eq!(
            canonical("::ffff:127.0.0.1".parse().expect("v6")),
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        );
    }

    #[test]
    fn the_tables_hold_the_narrower_range_first() {
        for table in [SPECIAL_IPV4, SPECIAL_IPV6] {
            for (i, wide) in table.iter().enumerate() {
                for narrow in &table[i + 1..] {
                    assert!(
                        !wide.network.contains(&narrow.network) || wide.network == narrow.network,
                        "{} hides {} after it",
                        wide.network,
                        narrow.network
                    );
                }
            }
        }
    }
}
