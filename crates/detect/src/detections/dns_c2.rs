//! Command and control over DNS as RITA counts it: one registered domain
//! (public-suffix aware) queried under `min_subdomains` different names
//! within `time_window`, from any number of sources, raises
//! `DNS::C2_Over_DNS` naming the domain and its busiest querier. Unlike
//! the per-source DNS tunneling detection it catches a tunnel spread over
//! many infected hosts or hidden behind the site's resolver. Reverse
//! lookups, service names and allowlisted services (antivirus hash
//! lookups, CDNs) are not counted.

use crate::config::{Builtin, Common, Meta, Setup, Shared, Spec};
use crate::detections::DnsQuestion;
use crate::domain::{is_internet_name, registered_domain};
use crate::engine::{Ctx, Detection, Observed};
use crate::notice::Notices;
use crate::settings::Span;
use crate::state::Table;
use foldhash::fast::FixedState;
use hashbrown::HashSet;
use std::hash::BuildHasher;
use std::net::IpAddr;

crate::options! {
    /// `[detect.dns_c2]`
    pub struct DnsC2Options {
        /// Different names under one registered domain that raise the notice (RITA: 100).
        min_subdomains: u64 = 100;
        /// The window they are counted in (from the domain's first query).
        time_window: Span = Span::hours(24);
    }
}

pub static META: Meta = Meta {
    name: "dns_c2",
    scripts: &["shrike/dns-c2"],
    notes: &["DNS::C2_Over_DNS"],
    summary: "domains queried under very many different names (RITA's C2 over DNS)",
};

pub fn spec() -> Box<dyn Spec> {
    Box::new(Builtin {
        meta: &META,
        common: Common::default(),
        opts: DnsC2Options::default(),
        make: |b, shared| Box::new(DnsC2::new(b, shared)),
    })
}

/// Sources remembered per domain, to name the busiest.
const SOURCES: usize = 4;

/// One registered domain's names in its window.
#[derive(Default)]
struct Domain {
    names: HashSet<u64, FixedState>,
    queries: u64,
    sources: Vec<(IpAddr, u64)>,
    reported: bool,
}

impl Domain {
    fn seen_from(&mut self, src: IpAddr) {
        self.queries += 1;
        if let Some((_, n)) = self.sources.iter_mut().find(|(s, _)| *s == src) {
            *n += 1;
        } else if self.sources.len() < SOURCES {
            self.sources.push((src, 1));
        }
    }

    fn busiest(&self) -> Option<IpAddr> {
        // The first of the busiest: the client before the resolver that
        // forwards its queries.
        let most = self.sources.iter().map(|(_, n)| *n).max()?;
        self.sources
            .iter()
            .find(|(_, n)| *n == most)
            .map(|(s, _)| *s)
    }
}

struct DnsC2 {
    cfg: Setup<DnsC2Options>,
    /// By the hash of the registered domain.
    domains: Table<u64, Domain>,
}

impl DnsC2 {
    fn new(b: &Builtin<DnsC2Options>, shared: &Shared) -> Self {
        let cfg = b.setup(shared);
        DnsC2 {
            domains: Table::new(cfg.max_keys),
            cfg,
        }
    }
}

fn is_service_or_reverse(name: &str) -> bool {
    name.split('.').any(|l| l.starts_with('_')) || name.ends_with(".arpa")
}

impl Detection for DnsC2 {
    fn topics(&self) -> &'static [&'static str] {
        &["dns"]
    }

    fn observe(&mut self, rec: &Observed, _cx: &Ctx, out: &mut Notices) {
        let Some(DnsQuestion { r, src, query }) = DnsQuestion::of(rec, &self.cfg.allow) else {
            return;
        };
        if !is_internet_name(&query) || is_service_or_reverse(&query) {
            return;
        }
        let domain = registered_domain(&query);
        if domain.len() == query.len() {
            return;
        }
        let window = self.cfg.opts.time_window.0;
        let hasher = FixedState::default();
        let d = self
            .domains
            .entry_within(hasher.hash_one(domain), r.ts, window, Domain::default);
        d.seen_from(src);
        let wanted = self.cfg.opts.min_subdomains;
        if d.reported || !d.names.insert(hasher.hash_one(&*query)) {
            return;
        }
        if (d.names.len() as u64) < wanted {
            return;
        }
        d.reported = true;
        // Only the count matters from here on.
        d.names = HashSet::default();
        let src = d.busiest().unwrap_or(src);
        let msg = format!(
            "{domain} was queried under {wanted} different names ({} queries from {}{} hosts), most by {src}",
            d.queries,
            d.sources.len(),
            if d.sources.len() == SOURCES { " or more" } else { "" },
        );
        let mut n = self
            .cfg
            .notice(r.ts, "DNS::C2_Over_DNS", msg, domain.to_string());
        n.src = Some(src);
        n.sub = Some(domain.to_string());
        n.n = Some(wanted);
        out.raise(n);
    }

    fn tick(&mut self, cx: &Ctx, _out: &mut Notices) {
        let window = self.cfg.opts.time_window.0;
        self.domains.expire_created(cx.now, window, |_, _| {});
    }

    fn evicted(&self) -> u64 {
        self.domains.evicted
    }
}

#[cfg(test)]
mod tests {
    use crate::detections::testutil::*;

    #[test]
    fn many_names_under_one_domain_across_hosts() {
        let mut records = Vec::new();
        for i in 0..150i64 {
            let host = format!("10.0.0.{}", 10 + i % 3);
            let name = format!("{:x}.c2.badcorp.xyz", i * 7919);
            records.push(dns(T0 + i * SEC, &host, "10.0.0.53", &name, None));
        }
        // A busy site with a hundred ordinary names and reverse lookups.
        for i in 0..100i64 {
            let name = format!("host{}.example.com", i % 60);
            records.push(dns(T0 + i * SEC, "10.0.0.20", "10.0.0.53", &name, None));
            let ptr = format!("{i}.1.0.10.in-addr.arpa");
            records.push(dns(T0 + i * SEC, "10.0.0.20", "10.0.0.53", &ptr, None));
        }
        let n = run("dns_c2", |_| {}, records);
        assert_eq!(notes(&n), ["DNS::C2_Over_DNS"]);
        assert_eq!(n[0].sub.as_deref(), Some("badcorp.xyz"));
        assert_eq!(n[0].src, Some(ip("10.0.0.10")));
        assert_eq!(
            n[0].msg.as_deref(),
            Some("badcorp.xyz was queried under 100 different names (100 queries from 3 hosts), most by 10.0.0.10")
        );
    }
}
