//! Where webhook deliveries may go: public addresses, and whatever the operator's
//! allow-list names, so that an admin cannot aim a webhook at the server's own network.
//!
//! The rule is applied where the connection is made: the delivery client resolves
//! names through [`GuardedResolver`], which drops internal addresses (so a name that
//! resolves differently later, as in DNS rebinding, is checked again each time), and
//! IP-literal hosts, which never reach a resolver, are checked before sending.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// The setting that lifts the rule, named in refusals so that admins know what to ask for.
pub const ALLOWED_HOSTS_SETTING: &str = "WEBHOOK_ALLOWED_HOSTS";

/// Why an address is not public (loopback, private, …), or `None` if it is.
pub fn internal_kind(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(ip) => v4_kind(ip),
        IpAddr::V6(ip) => v6_kind(ip),
    }
}

/// Whether a delivery may reach `ip` without the allow-list.
pub fn is_public(ip: IpAddr) -> bool {
    internal_kind(ip).is_none()
}

/// IPv4 ranges that are not globally reachable (IANA special-purpose registry);
/// the first match names the kind.
const V4_INTERNAL: &[([u8; 4], u8, &str)] = &[
    ([0, 0, 0, 0], 32, "unspecified"),
    ([0, 0, 0, 0], 8, "\"this network\""),
    ([10, 0, 0, 0], 8, "private"),
    ([100, 64, 0, 0], 10, "shared (CGNAT)"),
    ([127, 0, 0, 0], 8, "loopback"),
    ([169, 254, 0, 0], 16, "link-local"),
    ([172, 16, 0, 0], 12, "private"),
    ([192, 0, 0, 0], 24, "IETF protocol"),
    ([192, 0, 2, 0], 24, "documentation"),
    ([192, 88, 99, 0], 24, "6to4 relay"),
    ([192, 168, 0, 0], 16, "private"),
    ([198, 18, 0, 0], 15, "benchmarking"),
    ([198, 51, 100, 0], 24, "documentation"),
    ([203, 0, 113, 0], 24, "documentation"),
    ([224, 0, 0, 0], 4, "multicast"),
    ([255, 255, 255, 255], 32, "broadcast"),
    ([240, 0, 0, 0], 4, "reserved"),
];

/// IPv6 ranges that are not globally reachable; addresses outside `2000::/3`
/// (global unicast) are refused as reserved unless they embed an IPv4 address.
const V6_INTERNAL: &[([u16; 8], u8, &str)] = &[
    ([0, 0, 0, 0, 0, 0, 0, 0], 128, "unspecified"),
    ([0, 0, 0, 0, 0, 0, 0, 1], 128, "loopback"),
    ([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48, "local NAT64"),
    ([0x100, 0, 0, 0, 0, 0, 0, 0], 64, "discard-only"),
    (
        [0x2001, 0, 0, 0, 0, 0, 0, 0],
        23,
        "IETF protocol (Teredo, benchmarking, …)",
    ),
    ([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32, "documentation"),
    ([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20, "documentation"),
    ([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7, "unique local (private)"),
    ([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10, "link-local"),
    ([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10, "site-local"),
    ([0xff00, 0, 0, 0, 0, 0, 0, 0], 8, "multicast"),
];

fn v4_kind(ip: Ipv4Addr) -> Option<&'static str> {
    V4_INTERNAL
        .iter()
        .find(|(base, len, _)| v4_in(ip, Ipv4Addr::from(*base), *len))
        .map(|(_, _, kind)| *kind)
}

fn v6_kind(ip: Ipv6Addr) -> Option<&'static str> {
    // Forms that carry an IPv4 address reach that address: judge it instead.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_kind(v4);
    }
    let segments = ip.segments();
    let embedded = |high: u16, low: u16| Ipv4Addr::from((u32::from(high) << 16) | u32::from(low));
    if v6_in(ip, Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96) {
        // NAT64 (RFC 6052): the last 32 bits.
        return v4_kind(embedded(segments[6], segments[7]));
    }
    if v6_in(ip, Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16) {
        // 6to4 (RFC 3056): bits 16–48.
        return v4_kind(embedded(segments[1], segments[2]));
    }
    if let Some((_, _, kind)) = V6_INTERNAL
        .iter()
        .find(|(base, len, _)| v6_in(ip, Ipv6Addr::from(*base), *len))
    {
        return Some(kind);
    }
    if v6_in(ip, Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), 96) {
        return Some("IPv4-compatible (deprecated)");
    }
    if !v6_in(ip, Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0), 3) {
        return Some("reserved");
    }
    None
}

fn v4_in(ip: Ipv4Addr, base: Ipv4Addr, len: u8) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(len.min(32))).unwrap_or(0);
    u32::from(ip) & mask == u32::from(base) & mask
}

fn v6_in(ip: Ipv6Addr, base: Ipv6Addr, len: u8) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(len.min(128))).unwrap_or(0);
    u128::from(ip) & mask == u128::from(base) & mask
}

/// A CIDR range of the allow-list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    base: IpAddr,
    len: u8,
}

impl Network {
    fn contains(&self, ip: IpAddr) -> bool {
        match (self.base, ip) {
            (IpAddr::V4(base), IpAddr::V4(ip)) => v4_in(ip, base, self.len),
            (IpAddr::V6(base), IpAddr::V6(ip)) => v6_in(ip, base, self.len),
            _ => false,
        }
    }
}

/// One entry of the allow-list: a host name (its every address is allowed) or an
/// address range (`10.1.0.0/16`, `fd00::/8`; a bare address is a range of one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedHost {
    Name(String),
    Network(Network),
}

impl FromStr for AllowedHost {
    type Err = String;

    fn from_str(entry: &str) -> Result<Self, String> {
        let entry = entry.trim();
        let (address, len) = match entry.split_once('/') {
            Some((address, len)) => (address, Some(len)),
            None => (entry, None),
        };
        let address = address.trim_start_matches('[').trim_end_matches(']');
        if let Ok(base) = address.parse::<IpAddr>() {
            let max = if base.is_ipv4() { 32 } else { 128 };
            let len = match len {
                None => max,
                Some(len) => len
                    .parse::<u8>()
                    .ok()
                    .filter(|len| *len <= max)
                    .ok_or_else(|| format!("{entry:?}: the prefix length must be 0–{max}"))?,
            };
            return Ok(Self::Network(Network { base, len }));
        }
        if len.is_some() {
            return Err(format!("{entry:?}: not an address range like 10.0.0.0/8"));
        }
        let name = normalise_name(entry);
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
        if !valid {
            return Err(format!("{entry:?}: not a host name, address or address range"));
        }
        Ok(Self::Name(name))
    }
}

impl fmt::Display for AllowedHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Name(name) => f.write_str(name),
            Self::Network(net) => write!(f, "{}/{}", net.base, net.len),
        }
    }
}

/// Host names compare without case and without a final dot.
fn normalise_name(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// Destinations allowed despite the rule. Empty (the default) allows only public addresses.
#[derive(Debug, Clone, Default)]
pub struct AllowList {
    names: Vec<String>,
    networks: Vec<Network>,
}

impl AllowList {
    pub fn new(entries: impl IntoIterator<Item = AllowedHost>) -> Self {
        let mut list = Self::default();
        for entry in entries {
            match entry {
                AllowedHost::Name(name) => list.names.push(name),
                AllowedHost::Network(network) => list.networks.push(network),
            }
        }
        list
    }

    /// A comma-separated list, as in the setting.
    pub fn parse(entries: &str) -> Result<Self, String> {
        let entries = entries
            .split(',')
            .filter(|e| !e.trim().is_empty())
            .map(str::parse)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::new(entries))
    }

    /// Whether the host name itself is listed (then all its addresses are allowed).
    pub fn allows_name(&self, host: &str) -> bool {
        let host = normalise_name(host);
        self.names.contains(&host)
    }

    /// Whether a delivery may connect to `ip`: public, or in a listed range.
    pub fn allows_ip(&self, ip: IpAddr) -> bool {
        // An IPv4-mapped address is the IPv4 address to the kernel; either spelling matches.
        is_public(ip)
            || self
                .networks
                .iter()
                .any(|net| net.contains(ip) || net.contains(ip.to_canonical()))
    }

    /// The check at registration: a URL whose host is an IP literal or a loopback name
    /// (`localhost`, `*.localhost`) must be allowed. Other names are checked at delivery.
    pub fn check_url(&self, url: &Url) -> Result<(), Refused> {
        if let Some(refused) = self.check_literal(url) {
            return Err(refused);
        }
        if let Some(name) = url.host_str().filter(|_| literal(url).is_none()) {
            let normalised = normalise_name(name);
            let loopback = normalised == "localhost" || normalised.ends_with(".localhost");
            let allowed = self.allows_name(name)
                || self.allows_ip(Ipv4Addr::LOCALHOST.into())
                || self.allows_ip(Ipv6Addr::LOCALHOST.into());
            if loopback && !allowed {
                return Err(Refused::Name(normalised));
            }
        }
        Ok(())
    }

    /// The check before sending: a URL whose host is an IP literal never reaches the
    /// resolver, so it is judged here.
    pub fn check_literal(&self, url: &Url) -> Option<Refused> {
        let ip = literal(url)?;
        (!self.allows_ip(ip)).then(|| Refused::Address {
            ip,
            kind: internal_kind(ip).unwrap_or("internal"),
        })
    }

    /// The addresses of a name that a delivery may connect to.
    fn filter(&self, name: &str, addresses: Vec<SocketAddr>) -> Result<Vec<SocketAddr>, Refused> {
        if self.allows_name(name) {
            return Ok(addresses);
        }
        let allowed: Vec<SocketAddr> = addresses
            .iter()
            .copied()
            .filter(|a| self.allows_ip(a.ip()))
            .collect();
        if allowed.is_empty() {
            tracing::warn!(
                name,
                ?addresses,
                "webhooks: refused a name with only internal addresses"
            );
            return Err(Refused::Name(normalise_name(name)));
        }
        Ok(allowed)
    }
}

/// The address a URL's host spells, if it is an IP literal. The URL parser has already
/// turned other spellings of an IPv4 address (`0x7f000001`, `2130706433`) into dotted form.
fn literal(url: &Url) -> Option<IpAddr> {
    let host = url.host_str()?;
    host.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
        .parse()
        .ok()
}

/// A destination the rule refuses. Its text is what admins read in `lastError`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error(
        "address not allowed: {ip} is a {kind} address (webhooks may only reach public addresses \
         unless {ALLOWED_HOSTS_SETTING} allows it)"
    )]
    Address { ip: IpAddr, kind: &'static str },
    #[error(
        "address not allowed: {0} resolves only to loopback, private or other internal addresses \
         (webhooks may only reach public addresses unless {ALLOWED_HOSTS_SETTING} allows it)"
    )]
    Name(String),
}

/// The delivery client's resolver: the system's lookup, without the addresses the
/// allow-list does not allow. A name with none left fails with [`Refused`].
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    allowed: AllowList,
}

impl GuardedResolver {
    pub fn new(allowed: AllowList) -> Self {
        Self { allowed }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allowed = self.allowed.clone();
        Box::pin(async move {
            let host = name.as_str();
            // Port 0: the connector puts the URL's port in.
            let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host, 0)).await?.collect();
            let allowed = allowed.filter(host, addresses)?;
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn internal_ipv4_addresses_are_not_public() {
        for (address, kind) in [
            ("0.0.0.0", "unspecified"),
            ("0.1.2.3", "\"this network\""),
            ("127.0.0.1", "loopback"),
            ("127.255.255.254", "loopback"),
            ("10.0.0.1", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private"),
            ("169.254.169.254", "link-local"),
            ("100.64.0.1", "shared (CGNAT)"),
            ("100.127.255.255", "shared (CGNAT)"),
            ("192.0.0.8", "IETF protocol"),
            ("192.0.2.1", "documentation"),
            ("198.18.0.1", "benchmarking"),
            ("224.0.0.1", "multicast"),
            ("239.255.255.250", "multicast"),
            ("255.255.255.255", "broadcast"),
            ("240.0.0.1", "reserved"),
        ] {
            assert_eq!(internal_kind(ip(address)), Some(kind), "{address}");
        }
    }

    #[test]
    fn public_ipv4_addresses_are_public() {
        for address in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.216.34",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.167.255.255",
            "169.253.0.1",
            "223.255.255.255",
        ] {
            assert_eq!(internal_kind(ip(address)), None, "{address}");
        }
    }

    #[test]
    fn internal_ipv6_addresses_are_not_public() {
        for (address, kind) in [
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("fc00::1", "unique local (private)"),
            ("fd12:3456::1", "unique local (private)"),
            ("fe80::1", "link-local"),
            ("fec0::1", "site-local"),
            ("ff02::1", "multicast"),
            ("2001:db8::1", "documentation"),
            ("2001::1", "IETF protocol (Teredo, benchmarking, …)"),
            ("64:ff9b:1::1", "local NAT64"),
            ("100::1", "discard-only"),
            ("::127.0.0.1", "IPv4-compatible (deprecated)"),
            ("4000::1", "reserved"),
        ] {
            assert_eq!(internal_kind(ip(address)), Some(kind), "{address}");
        }
        for address in [
            "2606:4700:4700::1111",
            "2a00:1450:4001::200e",
            "2002:0808:0808::1",
        ] {
            assert_eq!(internal_kind(ip(address)), None, "{address}");
        }
    }

    #[test]
    fn ipv6_forms_of_ipv4_addresses_are_judged_by_the_ipv4_address() {
        for (address, kind) in [
            ("::ffff:127.0.0.1", Some("loopback")),
            ("::ffff:7f00:1", Some("loopback")),
            ("::ffff:10.1.2.3", Some("private")),
            ("::ffff:169.254.169.254", Some("link-local")),
            ("::ffff:100.64.0.1", Some("shared (CGNAT)")),
            ("::ffff:0.0.0.0", Some("unspecified")),
            ("64:ff9b::127.0.0.1", Some("loopback")),
            ("64:ff9b::a9fe:a9fe", Some("link-local")),
            ("2002:c0a8:0101::1", Some("private")),
            ("2002:7f00:0001::1", Some("loopback")),
            ("::ffff:8.8.8.8", None),
            ("64:ff9b::8.8.8.8", None),
        ] {
            assert_eq!(internal_kind(ip(address)), kind, "{address}");
        }
    }

    #[test]
    fn the_allow_list_admits_its_names_and_ranges() {
        let list = AllowList::parse(" hooks.internal. ,10.1.0.0/16, [::1], 127.0.0.1 ,fd00::/8").unwrap();
        assert!(list.allows_name("HOOKS.internal"));
        assert!(list.allows_name("hooks.internal."));
        assert!(!list.allows_name("other.internal"));
        for allowed in [
            "10.1.2.3",
            "::1",
            "127.0.0.1",
            "::ffff:127.0.0.1",
            "fd00::5",
            "8.8.8.8",
        ] {
            assert!(list.allows_ip(ip(allowed)), "{allowed}");
        }
        for refused in ["10.2.0.1", "127.0.0.2", "::ffff:10.2.0.1", "fe80::1", "fc00::1"] {
            assert!(!list.allows_ip(ip(refused)), "{refused}");
        }
        assert!(AllowList::parse("").unwrap().names.is_empty());
        for bad in ["10.0.0.0/33", "::/129", "host/8", "a b", "http://x"] {
            assert!(AllowList::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn registration_refuses_internal_literals_and_localhost() {
        let strict = AllowList::default();
        for url in [
            "http://127.0.0.1:8080/hook",
            "http://[::1]/hook",
            "http://[::ffff:127.0.0.1]/hook",
            "http://169.254.169.254/latest/meta-data",
            "https://10.0.0.1/hook",
            "http://0x7f000001/hook",
            "http://2130706433/hook",
            "http://0/hook",
            "http://localhost:9000/hook",
            "http://LOCALHOST./hook",
            "http://api.localhost/hook",
        ] {
            let url = Url::parse(url).unwrap();
            assert!(strict.check_url(&url).is_err(), "{url}");
        }
        for url in [
            "https://example.com/hook",
            "http://8.8.8.8/hook",
            "http://[2606:4700::1]/",
        ] {
            let url = Url::parse(url).unwrap();
            assert_eq!(strict.check_url(&url), Ok(()), "{url}");
        }
        let loopback = AllowList::parse("127.0.0.1").unwrap();
        for url in ["http://127.0.0.1:8080/hook", "http://localhost:8080/hook"] {
            assert_eq!(loopback.check_url(&Url::parse(url).unwrap()), Ok(()), "{url}");
        }
        assert!(loopback.check_url(&Url::parse("http://[::2]/").unwrap()).is_err());
    }

    #[test]
    fn refusals_say_what_was_refused() {
        let url = Url::parse("http://169.254.169.254/").unwrap();
        let refused = AllowList::default().check_literal(&url).unwrap();
        assert_eq!(
            refused.to_string(),
            "address not allowed: 169.254.169.254 is a link-local address (webhooks may only reach \
             public addresses unless WEBHOOK_ALLOWED_HOSTS allows it)"
        );
    }

    #[tokio::test]
    async fn the_resolver_drops_internal_addresses() {
        let resolve = |list: AllowList, name: &str| {
            let resolver = GuardedResolver::new(list);
            resolver.resolve(name.parse().unwrap())
        };
        let refused = match resolve(AllowList::default(), "localhost").await {
            Ok(addresses) => panic!("localhost resolved to {:?}", addresses.collect::<Vec<_>>()),
            Err(err) => err,
        };
        assert_eq!(
            refused.downcast_ref::<Refused>(),
            Some(&Refused::Name("localhost".to_owned()))
        );
        let addresses: Vec<SocketAddr> = resolve(AllowList::parse("localhost").unwrap(), "localhost")
            .await
            .unwrap()
            .collect();
        assert!(addresses.iter().all(|a| a.ip().is_loopback()), "{addresses:?}");
        assert!(!addresses.is_empty());
        let addresses: Vec<SocketAddr> = resolve(AllowList::parse("127.0.0.0/8").unwrap(), "localhost")
            .await
            .unwrap()
            .collect();
        assert!(addresses.iter().all(|a| a.ip().is_ipv4()), "{addresses:?}");
    }

    #[test]
    fn a_name_with_public_and_internal_addresses_keeps_only_the_public_ones() {
        let addresses: Vec<SocketAddr> = ["10.0.0.1:0", "93.184.216.34:0", "[::1]:0", "[2606:4700::1]:0"]
            .iter()
            .map(|a| a.parse().unwrap())
            .collect();
        let kept = AllowList::default().filter("mixed.example", addresses).unwrap();
        let kept: Vec<String> = kept.iter().map(|a| a.ip().to_string()).collect();
        assert_eq!(kept, ["93.184.216.34", "2606:4700::1"]);
    }
}
