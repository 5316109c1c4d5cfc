//! Allowlists: networks and domain suffixes a detection leaves alone, and
//! the shipped default list of well-known update, CDN, antivirus and time
//! services (the playbook's known sources of false positives).

use crate::domain::DomainSet;
use config::{Cidr, NetSet};
use std::net::IpAddr;

/// Services that make many regular, repeated or unusual-looking lookups
/// and connections by design: operating system and software updates, CDNs,
/// antivirus cloud lookups (hashes encoded in DNS names) and time servers.
pub const DEFAULT_DOMAINS: &[&str] = &[
    // Microsoft updates and connectivity checks.
    "windowsupdate.com",
    "update.microsoft.com",
    "delivery.mp.microsoft.com",
    "download.microsoft.com",
    "msftncsi.com",
    "msftconnecttest.com",
    "time.windows.com",
    // Apple.
    "mesu.apple.com",
    "swscan.apple.com",
    "swcdn.apple.com",
    "time.apple.com",
    // Google and Mozilla updates.
    "update.googleapis.com",
    "gvt1.com",
    "gvt2.com",
    "aus5.mozilla.org",
    "download.mozilla.org",
    // Linux distributions.
    "archive.ubuntu.com",
    "security.ubuntu.com",
    "deb.debian.org",
    "security.debian.org",
    "dl.fedoraproject.org",
    "mirrors.fedoraproject.org",
    // CDNs.
    "akamai.net",
    "akamaiedge.net",
    "akamaihd.net",
    "akamaized.net",
    "edgekey.net",
    "edgesuite.net",
    "fastly.net",
    "edgecastcdn.net",
    "llnwd.net",
    "azureedge.net",
    // Antivirus cloud lookups (hashes as DNS labels).
    "sophosxl.net",
    "avqs.mcafee.com",
    "gti.mcafee.com",
    "e5.sk",
    "eset.com",
    "trendmicro.com",
    "kaspersky-labs.com",
    "bitdefender.net",
    "avast.com",
    "avg.com",
    "symantecliveupdate.com",
    "clamav.net",
    // Time.
    "pool.ntp.org",
    "time.google.com",
];

/// What a detection ignores.
#[derive(Debug, Clone, Default)]
pub struct Allowlist {
    nets: NetSet,
    domains: DomainSet,
}

impl Allowlist {
    /// The networks and domains given, plus the shipped default list when
    /// `with_defaults`.
    pub fn new(nets: &[Cidr], domains: &[String], with_defaults: bool) -> Allowlist {
        let mut d = DomainSet::new(domains.iter().map(String::as_str));
        if with_defaults {
            d.extend(DEFAULT_DOMAINS.iter().copied());
        }
        Allowlist {
            nets: NetSet::from_cidrs(nets.iter().copied()),
            domains: d,
        }
    }

    pub fn addr(&self, ip: IpAddr) -> bool {
        !self.nets.is_empty() && self.nets.contains(ip)
    }

    pub fn name(&self, name: &str) -> bool {
        self.domains.matches(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_domains_and_defaults() {
        let nets = [Cidr::parse("192.0.2.0/24").unwrap()];
        let a = Allowlist::new(&nets, &["corp.example".into()], true);
        assert!(a.addr("192.0.2.7".parse().unwrap()));
        assert!(!a.addr("198.51.100.1".parse().unwrap()));
        assert!(a.name("wiki.corp.example"));
        assert!(a.name("au.download.windowsupdate.com"));
        assert!(a.name("0.pool.ntp.org"));
        let plain = Allowlist::new(&[], &[], false);
        assert!(!plain.name("au.download.windowsupdate.com"));
        assert!(!plain.addr("192.0.2.7".parse().unwrap()));
    }
}
