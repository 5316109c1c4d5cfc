//! Domain generation algorithms: malware that cannot hard-code its server
//! looks up many machine-made names a day, most of which do not exist.
//! A source that queries `min_domains` different registered domains whose
//! label scores at least `min_score` on [`dga_score`] (character
//! statistics, not just length) within `time_window` raises
//! `DNS::Possible_DGA`, naming how many failed (NXDOMAIN) and examples.
//! One random-looking name is not enough: CDNs and trackers use a few.

use crate::config::{Builtin, Common, Meta, Setup, Shared, Spec};
use crate::detections::DnsQuestion;
use crate::domain::{dga_score, is_internet_name, registered_domain, registered_label};
use crate::engine::{Ctx, Detection, Observed};
use crate::notice::Notices;
use crate::settings::Span;
use crate::state::Table;
use foldhash::fast::FixedState;
use hashbrown::HashSet;
use std::hash::BuildHasher;
use std::net::IpAddr;

crate::options! {
    /// `[detect.dga]`
    pub struct DgaOptions {
        /// A label scoring at least this (0–1) looks machine-generated.
        min_score: f64 = 0.55;
        /// Different generated-looking domains from one source that raise the notice.
        min_domains: u64 = 5;
        /// The window they are counted in (from the source's first one).
        time_window: Span = Span::hours(1);
    }
}

pub static META: Meta = Meta {
    name: "dga",
    scripts: &["shrike/dga"],
    notes: &["DNS::Possible_DGA"],
    summary: "hosts looking up many machine-generated domain names",
};

pub fn spec() -> Box<dyn Spec> {
    Box::new(Builtin {
        meta: &META,
        common: Common::default(),
        opts: DgaOptions::default(),
        make: |b, shared| Box::new(Dga::new(b, shared)),
    })
}

/// Examples a notice names.
const EXAMPLES: usize = 3;

/// One source's generated-looking domains in its window.
#[derive(Default)]
struct Suspects {
    domains: HashSet<u64, FixedState>,
    failed: u64,
    examples: Vec<String>,
    reported: bool,
}

struct Dga {
    cfg: Setup<DgaOptions>,
    sources: Table<IpAddr, Suspects>,
}

impl Dga {
    fn new(b: &Builtin<DgaOptions>, shared: &Shared) -> Self {
        let cfg = b.setup(shared);
        Dga {
            sources: Table::new(cfg.max_keys),
            cfg,
        }
    }
}

impl Detection for Dga {
    fn topics(&self) -> &'static [&'static str] {
        &["dns"]
    }

    fn observe(&mut self, rec: &Observed, _cx: &Ctx, out: &mut Notices) {
        let Some(DnsQuestion { r, src, query }) = DnsQuestion::of(rec, &self.cfg.allow) else {
            return;
        };
        let min_score = self.cfg.opts.min_score;
        let generated = registered_label(&query).is_some_and(|l| dga_score(l) >= min_score);
        if !generated || !is_internet_name(&query) {
            return;
        }
        let domain = registered_domain(&query);
        let window = self.cfg.opts.time_window.0;
        let s = self
            .sources
            .entry_within(src, r.ts, window, Suspects::default);
        let max = self.cfg.opts.min_domains as usize;
        if s.reported
            || (s.domains.len() >= max)
            || !s.domains.insert(FixedState::default().hash_one(domain))
        {
            return;
        }
        s.failed += u64::from(r.rcode_name.as_deref() == Some("NXDOMAIN"));
        if s.examples.len() < EXAMPLES {
            s.examples.push(domain.to_string());
        }
        if (s.domains.len() as u64) < self.cfg.opts.min_domains {
            return;
        }
        s.reported = true;
        let count = s.domains.len();
        let msg = format!(
            "{src} looked up {count} machine-generated-looking domains ({} did not exist), e.g. {}",
            s.failed,
            s.examples.join(", ")
        );
        let mut n = self
            .cfg
            .notice(r.ts, "DNS::Possible_DGA", msg, src.to_string());
        n.src = Some(src);
        n.n = Some(count as u64);
        out.raise(n);
    }

    fn tick(&mut self, cx: &Ctx, _out: &mut Notices) {
        let window = self.cfg.opts.time_window.0;
        self.sources.expire_created(cx.now, window, |_, _| {});
    }

    fn evicted(&self) -> u64 {
        self.sources.evicted
    }
}

#[cfg(test)]
mod tests {
    use crate::detections::testutil::*;
    use crate::engine::Observed;

    fn nx(ts: i64, src: &str, name: &str) -> Observed {
        let mut d = dns(ts, src, "10.0.0.53", name, None);
        if let Observed::App(analyzers::AppRecord::Dns(r)) = &mut d {
            r.rcode_name = Some("NXDOMAIN".into());
        }
        d
    }

    #[test]
    fn many_generated_domains_from_one_host() {
        let labels = [
            "xjpakmdcfuqe",
            "kqxvbrtlmzwp",
            "ndcmptvcbeirpu",
            "zadgbusnvbwbfy",
            "bjfhepxoxgnp",
            "qwkzrtplxvnm",
        ];
        let mut records: Vec<Observed> = labels
            .iter()
            .enumerate()
            .map(|(i, l)| nx(T0 + i as i64 * SEC, "10.0.0.66", &format!("{l}.com")))
            .collect();
        // Ordinary browsing, and a CDN's hashed host names under one domain.
        for (i, name) in [
            "www.wikipedia.org",
            "mail.google.com",
            "api.stackoverflow.com",
        ]
        .iter()
        .enumerate()
        {
            records.push(dns(
                T0 + i as i64,
                "10.0.0.7",
                "10.0.0.53",
                name,
                Some("93.184.216.34"),
            ));
        }
        for i in 0..20 {
            let name = format!("d{i}x7kq2zp9vbw.cloudfront.net");
            records.push(dns(
                T0 + i,
                "10.0.0.8",
                "10.0.0.53",
                &name,
                Some("93.184.216.35"),
            ));
        }
        let n = run("dga", |_| {}, records);
        assert_eq!(notes(&n), ["DNS::Possible_DGA"]);
        assert_eq!(n[0].src, Some(ip("10.0.0.66")));
        assert_eq!(n[0].n, Some(5));
        assert_eq!(
            n[0].msg.as_deref(),
            Some("10.0.0.66 looked up 5 machine-generated-looking domains (5 did not exist), e.g. xjpakmdcfuqe.com, kqxvbrtlmzwp.com, ndcmptvcbeirpu.com")
        );
    }

    #[test]
    fn a_few_generated_names_or_a_slow_trickle_are_not_enough() {
        let labels = [
            "xjpakmdcfuqe",
            "kqxvbrtlmzwp",
            "ndcmptvcbeirpu",
            "zadgbusnvbwbfy",
            "bjfhepxoxgnp",
        ];
        let few = labels[..4]
            .iter()
            .map(|l| nx(T0, "10.0.0.66", &format!("{l}.net")));
        assert!(run("dga", |_| {}, few).is_empty());
        let slow = labels
            .iter()
            .enumerate()
            .map(|(i, l)| nx(T0 + i as i64 * 3600 * SEC, "10.0.0.66", &format!("{l}.net")));
        assert!(run("dga", |_| {}, slow).is_empty());
    }
}
