//! CIDR blocks, sets of them, and Zeek's `networks.cfg`.

use crate::ConfigError;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A network: address and prefix length, host bits cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cidr {
    pub addr: IpAddr,
    pub len: u8,
}

/// IPv4-mapped IPv6 addresses are IPv4 addresses to Zeek.
fn canon(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => ip,
        },
        v4 => v4,
    }
}

fn mask4(a: u32, len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        a & (u32::MAX << (32 - len.min(32) as u32))
    }
}

fn mask6(a: u128, len: u8) -> u128 {
    if len == 0 {
        0
    } else {
        a & (u128::MAX << (128 - len.min(128) as u32))
    }
}

impl Cidr {
    /// A network from an address and a length; host bits are cleared, the
    /// length is clamped to the family's width.
    pub fn new(addr: IpAddr, len: u8) -> Cidr {
        match canon(addr) {
            IpAddr::V4(v4) => {
                // A mapped address with a /96+ length counts the IPv6 bits.
                let len = if addr.is_ipv6() {
                    len.saturating_sub(96)
                } else {
                    len
                }
                .min(32);
                Cidr {
                    addr: IpAddr::V4(Ipv4Addr::from(mask4(u32::from(v4), len))),
                    len,
                }
            }
            IpAddr::V6(v6) => {
                let len = len.min(128);
                Cidr {
                    addr: IpAddr::V6(Ipv6Addr::from(mask6(u128::from(v6), len))),
                    len,
                }
            }
        }
    }

    /// A host route (/32 or /128).
    pub fn host(addr: IpAddr) -> Cidr {
        match canon(addr) {
            a @ IpAddr::V4(_) => Cidr::new(a, 32),
            a => Cidr::new(a, 128),
        }
    }

    /// Parses `10.0.0.0/8`, `[2001:db8::]/32`, `2001:db8::/32`, or a bare
    /// address (`10.1.2.3`, `[::1]`) as a host route.
    pub fn parse(s: &str) -> Option<Cidr> {
        let s = s.trim();
        let (a, len) = match s.rsplit_once('/') {
            Some((a, l)) => (a, Some(l.trim().parse::<u8>().ok()?)),
            None => (s, None),
        };
        let a = a.trim();
        let a = a
            .strip_prefix('[')
            .and_then(|x| x.strip_suffix(']'))
            .unwrap_or(a);
        let ip: IpAddr = a.parse().ok()?;
        match len {
            None => Some(Cidr::host(ip)),
            Some(l) => {
                let max = if ip.is_ipv4() { 32 } else { 128 };
                if l > max {
                    return None;
                }
                Some(Cidr::new(ip, l))
            }
        }
    }

    /// Does the network contain `ip`?
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canon(ip)) {
            (IpAddr::V4(n), IpAddr::V4(a)) => mask4(u32::from(a), self.len) == u32::from(n),
            (IpAddr::V6(n), IpAddr::V6(a)) => mask6(u128::from(a), self.len) == u128::from(n),
            _ => false,
        }
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

impl std::str::FromStr for Cidr {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Cidr::parse(s).ok_or_else(|| ConfigError::new(0, format!("not a subnet or address: {s:?}")))
    }
}

/// A set of networks with a fast membership test: per prefix length present,
/// a sorted list of network numbers (at most 33 + 129 binary searches, in
/// practice a handful).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetSet {
    cidrs: Vec<Cidr>,
    v4: Vec<(u8, Vec<u32>)>,
    v6: Vec<(u8, Vec<u128>)>,
}

impl NetSet {
    pub fn new() -> NetSet {
        NetSet::default()
    }

    pub fn from_cidrs<I: IntoIterator<Item = Cidr>>(it: I) -> NetSet {
        let mut s = NetSet::new();
        for c in it {
            s.cidrs.push(Cidr::new(c.addr, c.len));
        }
        s.rebuild();
        s
    }

    fn rebuild(&mut self) {
        self.cidrs.sort();
        self.cidrs.dedup();
        self.v4.clear();
        self.v6.clear();
        for c in &self.cidrs {
            match c.addr {
                IpAddr::V4(a) => match self.v4.iter_mut().find(|(l, _)| *l == c.len) {
                    Some((_, v)) => v.push(u32::from(a)),
                    None => self.v4.push((c.len, vec![u32::from(a)])),
                },
                IpAddr::V6(a) => match self.v6.iter_mut().find(|(l, _)| *l == c.len) {
                    Some((_, v)) => v.push(u128::from(a)),
                    None => self.v6.push((c.len, vec![u128::from(a)])),
                },
            }
        }
        for (_, v) in &mut self.v4 {
            v.sort_unstable();
        }
        for (_, v) in &mut self.v6 {
            v.sort_unstable();
        }
    }

    pub fn insert(&mut self, c: Cidr) {
        self.cidrs.push(Cidr::new(c.addr, c.len));
        self.rebuild();
    }

    pub fn extend<I: IntoIterator<Item = Cidr>>(&mut self, it: I) {
        self.cidrs
            .extend(it.into_iter().map(|c| Cidr::new(c.addr, c.len)));
        self.rebuild();
    }

    /// Removes exactly these networks (Zeek's `-=` on a set).
    pub fn remove_all<I: IntoIterator<Item = Cidr>>(&mut self, it: I) {
        let gone: Vec<Cidr> = it.into_iter().map(|c| Cidr::new(c.addr, c.len)).collect();
        self.cidrs.retain(|c| !gone.contains(c));
        self.rebuild();
    }

    pub fn is_empty(&self) -> bool {
        self.cidrs.is_empty()
    }

    pub fn len(&self) -> usize {
        self.cidrs.len()
    }

    /// The networks, sorted.
    pub fn cidrs(&self) -> &[Cidr] {
        &self.cidrs
    }

    /// Is `ip` in one of the networks?
    pub fn contains(&self, ip: IpAddr) -> bool {
        match canon(ip) {
            IpAddr::V4(a) => {
                let a = u32::from(a);
                self.v4
                    .iter()
                    .any(|(l, v)| v.binary_search(&mask4(a, *l)).is_ok())
            }
            IpAddr::V6(a) => {
                let a = u128::from(a);
                self.v6
                    .iter()
                    .any(|(l, v)| v.binary_search(&mask6(a, *l)).is_ok())
            }
        }
    }

    /// The union of two sets.
    pub fn union(&self, other: &NetSet) -> NetSet {
        NetSet::from_cidrs(self.cidrs.iter().chain(other.cidrs.iter()).copied())
    }
}

/// A parsed `networks.cfg`: the networks and each one's description.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NetworksCfg {
    pub nets: NetSet,
    /// In file order: network and its description (may be empty).
    pub entries: Vec<(Cidr, String)>,
}

/// Parses Zeek's (ZeekControl's) `networks.cfg`: one network per line,
/// optionally followed by whitespace and a description; `#` starts a comment;
/// blank lines are ignored. A line whose first word is not a network is an
/// error naming the line.
pub fn parse_networks_cfg(text: &str) -> Result<NetworksCfg, ConfigError> {
    let mut entries = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = match line.find('#') {
            Some(p) => &line[..p],
            None => line,
        };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (net, desc) = match line.find(char::is_whitespace) {
            Some(p) => (&line[..p], line[p..].trim()),
            None => (line, ""),
        };
        let cidr = Cidr::parse(net).ok_or_else(|| {
            ConfigError::new(i + 1, format!("networks.cfg: {net:?} is not a network"))
        })?;
        entries.push((cidr, desc.to_string()));
    }
    Ok(NetworksCfg {
        nets: NetSet::from_cidrs(entries.iter().map(|(c, _)| *c)),
        entries,
    })
}

/// Zeek's `Site::private_address_space` (IANA special-purpose blocks and
/// their 6to4 forms), which Zeek adds to `Site::local_nets` while
/// `Site::private_address_space_is_local` is `T` (the default).
pub fn private_address_space() -> NetSet {
    const NETS: &[&str] = &[
        "0.0.0.0/8",
        "[2002::]/24",
        "10.0.0.0/8",
        "[2002:a00::]/24",
        "100.64.0.0/10",
        "[2002:6440::]/26",
        "127.0.0.0/8",
        "[2002:7f00::]/24",
        "169.254.0.0/16",
        "[2002:a9fe::]/32",
        "172.16.0.0/12",
        "[2002:ac10::]/28",
        "192.0.0.0/24",
        "[2002:c000::]/40",
        "192.0.2.0/24",
        "[2002:c000:200::]/40",
        "192.168.0.0/16",
        "[2002:c0a8::]/32",
        "198.18.0.0/15",
        "[2002:c612::]/31",
        "198.51.100.0/24",
        "[2002:c633:6400::]/40",
        "203.0.113.0/24",
        "[2002:cb00:7100::]/40",
        // Not in Zeek's list, but its baselines log link-local multicast
        // (mDNS, LLMNR, routing protocols) as local.
        "224.0.0.0/24",
        "240.0.0.0/4",
        "[2002:f000::]/20",
        "255.255.255.255/32",
        "[2002:ffff:ffff::]/48",
        "[::]/128",
        "[::1]/128",
        "[64:ff9b:1::]/48",
        "[100::]/64",
        "[2001::]/23",
        "[2001:2::]/48",
        "[2001:db8::]/32",
        "[fc00::]/7",
        "[fe80::]/10",
    ];
    NetSet::from_cidrs(NETS.iter().filter_map(|s| Cidr::parse(s)))
}
