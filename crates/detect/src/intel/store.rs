//! The loaded intelligence: per indicator, its metadata by source (a
//! later item of the same source replaces the earlier, as in Zeek), and
//! the lookups `Intel::seen` makes — an address against addresses and the
//! networks holding it, a string (lowercased) against strings of its type.

use super::file::{Indicator, Item, Meta};
use super::Kind;
use config::Cidr;
use hashbrown::HashMap;
use std::net::IpAddr;

/// Metadata of one indicator, one per source.
#[derive(Debug, Default, Clone)]
pub struct Metas(Vec<Meta>);

impl Metas {
    fn put(&mut self, meta: Meta) {
        match self.0.iter_mut().find(|m| m.source == meta.source) {
            Some(m) => *m = meta,
            None => self.0.push(meta),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &Meta> {
        self.0.iter()
    }
}

/// What matched a sighting: each matching indicator's type and metadata.
#[derive(Debug, Default)]
pub struct Hits<'a> {
    pub items: Vec<(Kind, &'a Metas)>,
}

impl Hits<'_> {
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn metas(&self) -> impl Iterator<Item = &Meta> {
        self.items.iter().flat_map(|(_, m)| m.iter())
    }
}

#[derive(Debug, Default)]
pub struct Store {
    hosts: HashMap<IpAddr, Metas>,
    /// Networks by (IPv6, prefix length): a lookup masks the address once
    /// per length in use.
    nets: HashMap<(bool, u8), HashMap<Cidr, Metas>>,
    strings: HashMap<(Kind, Vec<u8>), Metas>,
}

impl Store {
    pub fn insert(&mut self, item: Item) {
        let metas = match item.indicator {
            Indicator::Addr(a) => self.hosts.entry(a).or_default(),
            Indicator::Subnet(c) => self
                .nets
                .entry((c.addr.is_ipv6(), c.len))
                .or_default()
                .entry(c)
                .or_default(),
            Indicator::Text(kind, s) => self.strings.entry((kind, s)).or_default(),
        };
        metas.put(item.meta);
    }

    pub fn len(&self) -> usize {
        self.hosts.len() + self.nets.values().map(HashMap::len).sum::<usize>() + self.strings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// An address: itself (`ADDR`) and every network holding it (`SUBNET`).
    pub fn host(&self, ip: IpAddr) -> Hits<'_> {
        let ip = Cidr::host(ip).addr;
        let mut hits = Hits::default();
        if let Some(m) = self.hosts.get(&ip) {
            hits.items.push((Kind::Addr, m));
        }
        for ((v6, len), nets) in &self.nets {
            if *v6 != ip.is_ipv6() {
                continue;
            }
            if let Some(m) = nets.get(&Cidr::new(ip, *len)) {
                hits.items.push((Kind::Subnet, m));
            }
        }
        hits
    }

    /// A string of a type; `lower` is a scratch buffer.
    pub fn text<'a>(&'a self, kind: Kind, s: &[u8], lower: &mut Vec<u8>) -> Hits<'a> {
        lower.clear();
        lower.extend(s.iter().map(u8::to_ascii_lowercase));
        let mut hits = Hits::default();
        // The key is borrowed through a tuple; a moved buffer is put back.
        let key = (kind, std::mem::take(lower));
        if let Some(m) = self.strings.get(&key) {
            hits.items.push((kind, m));
        }
        *lower = key.1;
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intel::file::parse;

    fn store(text: &str) -> Store {
        let mut s = Store::default();
        let (items, bad) = parse(text.as_bytes());
        assert!(bad.is_empty(), "{bad:?}");
        items.into_iter().for_each(|i| s.insert(i));
        s
    }

    const HEADER: &str = "#fields\tindicator\tindicator_type\tmeta.source\n";

    #[test]
    fn addresses_match_themselves_and_their_networks() {
        let s = store(&format!(
            "{HEADER}10.1.2.3\tIntel::ADDR\ta\n10.0.0.0/8\tIntel::SUBNET\tb\n\
             10.1.0.0/16\tIntel::SUBNET\tc\n2001:db8::/32\tIntel::SUBNET\td\n"
        ));
        let kinds = |ip: &str| {
            let mut k: Vec<&str> = s
                .host(ip.parse().unwrap())
                .items
                .iter()
                .map(|(k, _)| k.name())
                .collect();
            k.sort();
            k
        };
        assert_eq!(
            kinds("10.1.2.3"),
            ["Intel::ADDR", "Intel::SUBNET", "Intel::SUBNET"]
        );
        assert_eq!(kinds("10.9.0.1"), ["Intel::SUBNET"]);
        assert!(kinds("11.0.0.1").is_empty());
        assert_eq!(kinds("2001:db8::1"), ["Intel::SUBNET"]);
        assert!(kinds("::ffff:11.0.0.1").is_empty());
        assert_eq!(
            kinds("::ffff:10.1.2.3").len(),
            3,
            "a mapped address is IPv4"
        );
    }

    #[test]
    fn strings_match_case_insensitively_per_type_and_source_replaces() {
        let s = store(&format!(
            "{HEADER}Evil.Example\tIntel::DOMAIN\ta\nevil.example\tIntel::DOMAIN\ta\n\
             evil.example\tIntel::DOMAIN\tb\n"
        ));
        let mut buf = Vec::new();
        let hits = s.text(Kind::Domain, b"EVIL.example", &mut buf);
        let sources: Vec<&str> = hits.metas().map(|m| m.source.as_str()).collect();
        assert_eq!(sources, ["a", "b"]);
        assert!(s.text(Kind::Url, b"evil.example", &mut buf).is_empty());
        assert!(s.text(Kind::Domain, b"x.evil.example", &mut buf).is_empty());
        assert_eq!(s.len(), 1);
    }
}
