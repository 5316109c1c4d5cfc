//! DNS tunneling, the playbook's `DNSTunneling` script and more.
//!
//! * `DNSTunneling::DNS_Long_Query`: a query longer than
//!   `max_query_length`.
//! * `DNSTunneling::DNS_Tunneling_Detected`: a source reaching
//!   `query_threshold` queries within `time_window` (a per-source counter
//!   that expires `time_window` after it was created) — and, unless
//!   `smart = false`, carrying the marks of data in names: one registered
//!   domain (public-suffix aware) queried under at least
//!   `min_unique_subdomains` different names whose characters average at
//!   least `min_entropy` bits. A resolver or a busy browser reaches the
//!   count with ordinary names and is not flagged; iodine and dnscat2
//!   encode data in every name and are.
//!
//! Allowlisted domains (the shipped list has antivirus services that
//! encode hashes in names) are not counted. In smart mode names that cannot
//! reach an outside server (single labels, Windows' GSS-TSIG key names) are
//! ignored, and service names (`_ldap._tcp`) and reverse lookups are never
//! long-query notices.

use crate::config::{Builtin, Common, Meta, Setup, Shared, Spec};
use crate::detections::{human_duration, DnsQuestion};
use crate::domain::{entropy, is_internet_name, registered_domain};
use crate::engine::{Ctx, Detection, Observed};
use crate::notice::Notices;
use crate::settings::Span;
use crate::state::Table;
use analyzers::dns::DnsRecord;
use foldhash::fast::FixedState;
use hashbrown::HashSet;
use std::hash::BuildHasher;
use std::net::IpAddr;

crate::options! {
    /// `[detect.dns_tunneling]`
    pub struct DnsTunnelingOptions {
        /// Queries from one source within the window that make it a suspect.
        query_threshold: u64 = 200, zeek "DNSTunneling::query_threshold";
        /// The window queries are counted in (from a source's first query).
        time_window: Span = Span::mins(5), zeek "DNSTunneling::time_window";
        /// Queries longer than this are DNS_Long_Query notices.
        max_query_length: u64 = 50, zeek "DNSTunneling::max_query_length";
        /// Require per-domain evidence (unique names, entropy) besides the count; false is the playbook's plain count.
        smart: bool = true, zeek "DNSTunneling::smart";
        /// Different names under one registered domain within the window that look like a tunnel.
        min_unique_subdomains: u64 = 100, zeek "DNSTunneling::min_unique_subdomains";
        /// Mean character entropy (bits) of those names that looks like encoded data.
        min_entropy: f64 = 3.0, zeek "DNSTunneling::min_entropy";
        /// One DNS_Long_Query notice per source and registered domain (false: per source and query, the playbook's identifier).
        long_query_by_domain: bool = true, zeek "DNSTunneling::long_query_by_domain";
    }
}

pub static META: Meta = Meta {
    name: "dns_tunneling",
    scripts: &[
        "dns-tunneling",
        "detect-dns-tunneling",
        "shrike/dns-tunneling",
    ],
    notes: &[
        "DNSTunneling::DNS_Tunneling_Detected",
        "DNSTunneling::DNS_Long_Query",
    ],
    summary: "data carried in DNS names: too many, too random or too long queries",
};

pub fn spec() -> Box<dyn Spec> {
    Box::new(Builtin {
        meta: &META,
        common: Common::default(),
        opts: DnsTunnelingOptions::default(),
        make: |b, shared| Box::new(DnsTunneling::new(b, shared)),
    })
}

/// Distinct names remembered per source and domain (enough to pass any
/// sensible `min_unique_subdomains`).
const MAX_UNIQUE: usize = 4096;

/// One source's queries under one registered domain in the window (also
/// `shrike hunt dns-tunneling`'s per-domain evidence).
#[derive(Default)]
pub struct DomainStats {
    unique: HashSet<u64, FixedState>,
    entropy_sum: f64,
}

impl DomainStats {
    /// Counts a name below the domain (`subdomain` of `a.b.example.com` is `a.b`).
    pub fn add(&mut self, subdomain: &str) {
        if subdomain.is_empty() || self.unique.len() >= MAX_UNIQUE {
            return;
        }
        let h = FixedState::default().hash_one(subdomain);
        if self.unique.insert(h) {
            self.entropy_sum += entropy(subdomain.bytes().filter(|&b| b != b'.'));
        }
    }

    pub fn mean_entropy(&self) -> f64 {
        self.entropy_sum / self.unique.len().max(1) as f64
    }

    /// Different names seen (up to 4096).
    pub fn unique(&self) -> usize {
        self.unique.len()
    }
}

/// A source's query count in its window.
struct SourceWindow {
    queries: u64,
    reported: bool,
}

struct DnsTunneling {
    cfg: Setup<DnsTunnelingOptions>,
    sources: Table<IpAddr, SourceWindow>,
    /// (source, hash of the registered domain) → its names in the window.
    domains: Table<(IpAddr, u64), DomainStats>,
}

impl DnsTunneling {
    fn new(b: &Builtin<DnsTunnelingOptions>, shared: &Shared) -> Self {
        let cfg = b.setup(shared);
        DnsTunneling {
            sources: Table::new(cfg.max_keys),
            domains: Table::new(cfg.max_keys),
            cfg,
        }
    }

    fn long_query(&self, r: &DnsRecord, src: IpAddr, query: &str, domain: &str, out: &mut Notices) {
        let len = query.len();
        if len as u64 <= self.cfg.opts.max_query_length {
            return;
        }
        if self.cfg.opts.smart && (is_service_or_reverse(query)) {
            return;
        }
        let id = if self.cfg.opts.long_query_by_domain {
            format!("{src}-{domain}")
        } else {
            format!("{src}-{query}")
        };
        let msg = format!("{src} sent a DNS query of {len} characters: {query}");
        let mut n = self
            .cfg
            .notice(r.ts, "DNSTunneling::DNS_Long_Query", msg, id);
        n.src = Some(src);
        n.dst = r.resp_h;
        out.raise(n);
    }

    fn count(&mut self, r: &DnsRecord, src: IpAddr, query: &str, domain: &str, out: &mut Notices) {
        let window = self.cfg.opts.time_window.0;
        let source = self
            .sources
            .entry_within(src, r.ts, window, || SourceWindow {
                queries: 0,
                reported: false,
            });
        source.queries += 1;
        let (queries, reported) = (source.queries, source.reported);
        let key = (src, FixedState::default().hash_one(domain));
        let subdomain = query
            .strip_suffix(domain)
            .map_or("", |s| s.trim_end_matches('.'));
        let stats = self
            .domains
            .entry_within(key, r.ts, window, DomainStats::default);
        stats.add(subdomain);
        if reported || queries < self.cfg.opts.query_threshold {
            return;
        }
        let (unique, mean) = (stats.unique.len() as u64, stats.mean_entropy());
        let evidence =
            unique >= self.cfg.opts.min_unique_subdomains && mean >= self.cfg.opts.min_entropy;
        if self.cfg.opts.smart && !evidence {
            return;
        }
        // How long the source took to send them (at most the window).
        let since = self.sources.created(&src).unwrap_or(r.ts);
        let took = human_duration(r.ts.0.saturating_sub(since.0));
        let msg = if self.cfg.opts.smart {
            format!(
                "{src} sent {queries} DNS queries within {took}, {unique} different names under {domain} (mean entropy {mean:.2} bits/char)"
            )
        } else {
            format!("{src} sent {queries} DNS queries within {took}")
        };
        let id = src.to_string();
        let mut n = self
            .cfg
            .notice(r.ts, "DNSTunneling::DNS_Tunneling_Detected", msg, id);
        n.src = Some(src);
        n.dst = r.resp_h;
        n.n = Some(queries);
        if self.cfg.opts.smart {
            n.sub = Some(domain.to_string());
        }
        out.raise(n);
        if let Some(s) = self.sources.get_mut(&src, r.ts) {
            s.reported = true;
        }
    }
}

/// DNS-SD / SRV service names (`_ldap._tcp...`) and reverse lookups: long
/// by design, never data.
fn is_service_or_reverse(name: &str) -> bool {
    name.split('.').any(|l| l.starts_with('_'))
        || name.ends_with(".in-addr.arpa")
        || name.ends_with(".ip6.arpa")
}

impl Detection for DnsTunneling {
    fn topics(&self) -> &'static [&'static str] {
        &["dns"]
    }

    fn observe(&mut self, rec: &Observed, _cx: &Ctx, out: &mut Notices) {
        let Some(DnsQuestion { r, src, query }) = DnsQuestion::of(rec, &self.cfg.allow) else {
            return;
        };
        // Data can only reach an outside server under an Internet name.
        if self.cfg.opts.smart && !is_internet_name(&query) {
            return;
        }
        let domain = registered_domain(&query);
        self.long_query(r, src, &query, domain, out);
        self.count(r, src, &query, domain, out);
    }

    fn tick(&mut self, cx: &Ctx, _out: &mut Notices) {
        let window = self.cfg.opts.time_window.0;
        self.sources.expire_created(cx.now, window, |_, _| {});
        self.domains.expire_created(cx.now, window, |_, _| {});
    }

    fn evicted(&self) -> u64 {
        self.sources.evicted + self.domains.evicted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detections::testutil::*;
    use crate::settings::Setting;

    fn query(ts: i64, src: &str, name: &str) -> Observed {
        dns(ts, src, "10.0.0.53", name, None)
    }

    /// A dnscat2-like name: hex data under the tunnel domain.
    fn tunnel_name(i: u64) -> String {
        let data: String = (0..3)
            .map(|k| {
                format!(
                    "{:016x}",
                    i.wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(k * 21)
                )
            })
            .collect();
        format!("{}.{}.t.example.net", &data[..30], &data[30..])
    }

    #[test]
    fn tunnel_is_detected_once_and_names_its_domain() {
        let records = (0..400).map(|i| query(T0 + i * SEC / 2, "10.0.0.7", &tunnel_name(i as u64)));
        let n = run("dns_tunneling", |_| {}, records);
        assert_eq!(
            notes(&n),
            [
                "DNSTunneling::DNS_Long_Query",
                "DNSTunneling::DNS_Tunneling_Detected"
            ]
        );
        let t = &n[1];
        assert_eq!(t.src, Some(ip("10.0.0.7")));
        assert_eq!(t.sub.as_deref(), Some("example.net"));
        assert!(t.msg.as_deref().unwrap().starts_with(
            "10.0.0.7 sent 200 DNS queries within 1m39s, 200 different names under example.net"
        ));
    }

    #[test]
    fn busy_resolver_with_ordinary_names_is_not_flagged() {
        let sites = [
            "www.google.com",
            "mail.google.com",
            "outlook.office365.com",
            "www.bbc.co.uk",
            "api.github.com",
            "static.xx.fbcdn.net",
        ];
        let mut records = Vec::new();
        for i in 0..3000 {
            let name = sites[i % sites.len()].to_string();
            records.push(query(T0 + i as i64 * SEC / 10, "10.0.0.53", &name));
            // Distinct, short and ordinary names under one domain.
            records.push(query(
                T0 + i as i64 * SEC / 10,
                "10.0.0.53",
                &format!("host{}.corp.example", i % 150),
            ));
        }
        // Windows clients' long service lookups and secure-update key names.
        records.push(query(
            T0,
            "10.0.0.8",
            "1068-ms-7.309-2c6e448.7a9463b8-b109-11ed-26a3-080027f220e5",
        ));
        records.push(query(
            T0,
            "10.0.0.8",
            "_ldap._tcp.Default-First-Site-Name._sites.dc._msdcs.corp.example.com",
        ));
        assert!(run("dns_tunneling", |_| {}, records).is_empty());
    }

    #[test]
    fn playbook_mode_counts_only() {
        let records = (0..250).map(|i| query(T0 + i * SEC, "10.0.0.53", "www.example.com"));
        let n = run(
            "dns_tunneling",
            |s| set(s, "smart", Setting::Bool(false)),
            records,
        );
        assert_eq!(notes(&n), ["DNSTunneling::DNS_Tunneling_Detected"]);
        assert_eq!(
            n[0].msg.as_deref(),
            Some("10.0.0.53 sent 200 DNS queries within 3m19s")
        );
    }

    #[test]
    fn window_restarts_after_time_window() {
        // 150 queries, then 150 more six minutes later: never 200 in one window.
        let records = (0..300).map(|i| {
            let t = if i < 150 { i } else { 360 + i };
            query(T0 + t * SEC, "10.0.0.7", &tunnel_name(i as u64))
        });
        let n = run(
            "dns_tunneling",
            |s| set(s, "max_query_length", Setting::Int(255)),
            records,
        );
        assert!(n.is_empty(), "{n:?}");
    }

    #[test]
    fn allowlisted_antivirus_lookups_are_ignored() {
        let records = (0..400).map(|i| {
            query(
                T0 + i * SEC / 2,
                "10.0.0.7",
                &tunnel_name(i as u64).replace("t.example.net", "sophosxl.net"),
            )
        });
        assert!(run("dns_tunneling", |_| {}, records).is_empty());
    }

    #[test]
    fn long_query_identifier_per_query_as_in_the_playbook() {
        let records = (0..3).map(|i| query(T0 + i * SEC, "10.0.0.7", &tunnel_name(i as u64)));
        let per_domain = run("dns_tunneling", |_| {}, records.clone());
        assert_eq!(per_domain.len(), 1);
        let per_query = run(
            "dns_tunneling",
            |s| set(s, "long_query_by_domain", Setting::Bool(false)),
            records,
        );
        assert_eq!(per_query.len(), 3);
        assert!(per_query[0]
            .msg
            .as_deref()
            .unwrap()
            .contains("a DNS query of 63 characters"));
    }
}
