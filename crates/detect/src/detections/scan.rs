//! Scans, as the community `simple-scan` script defines them: failed TCP
//! attempts (conn.log histories `S`, `SW` — Zeek's `connection_attempt` —
//! and `Sr`, `SWr` — `connection_rejected`) are collected per scanner as
//! unique (host, port) pairs, kept while the scanner stays active within
//! `scan_timeout`. `scan_threshold` unique attempts (`local_scan_threshold`
//! for local scanners) or, for remote scanners, `knockknock_threshold`
//! hosts on one port raise `Scan::Address_Scan`, `Scan::Port_Scan` or
//! `Scan::Random_Scan` by the shape of what was probed; darknet hits lower
//! the thresholds. A reported scanner is then ignored while suppressed.

use crate::config::{Builtin, Common, Meta, Setup, Shared, Spec};
use crate::detections::mins_secs;
use crate::engine::{Ctx, Detection, Observed};
use crate::notice::{Notice, Notices, Proto};
use crate::settings::Span;
use crate::state::Table;
use config::{Cidr, NetSet};
use flow::ConnRecord;
use hashbrown::{HashMap, HashSet};
use records::Time;
use std::collections::BTreeSet;
use std::net::IpAddr;

crate::options! {
    /// `[detect.scan]`
    pub struct ScanOptions {
        /// A scanner's attempts are kept until it has been quiet this long.
        scan_timeout: Span = Span::mins(15), zeek "Scan::scan_timeout";
        /// Unique failed host/port attempts that make a remote host a scanner.
        scan_threshold: u64 = 25, zeek "Scan::scan_threshold";
        /// Unique failed host/port attempts that make a local host a scanner.
        local_scan_threshold: u64 = 250, zeek "Scan::local_scan_threshold";
        /// Hosts probed on one port that make a remote host a scanner ("kk:" notices).
        knockknock_threshold: u64 = 20, zeek "Scan::knockknock_threshold";
        /// Darknet hosts probed that lower the thresholds below.
        dark_host_threshold: u64 = 3, zeek "Scan::dark_host_threshold";
        /// The remote threshold once darknet hosts were probed.
        scan_threshold_with_darknet_hits: u64 = 10, zeek "Scan::scan_threshold_with_darknet_hits";
        /// The local threshold once darknet hosts were probed.
        local_scan_threshold_with_darknet_hits: u64 = 100, zeek "Scan::local_scan_threshold_with_darknet_hits";
        /// The knock-knock threshold once darknet hosts were probed.
        knockknock_threshold_with_darknet_hits: u64 = 3, zeek "Scan::knockknock_threshold_with_darknet_hits";
        /// Unused address space: any connection there is a probe.
        darknet_nets: Vec<Cidr> = Vec::new(), zeek "Site::darknet_nets";
    }
}

pub static META: Meta = Meta {
    name: "scan",
    scripts: &[
        "misc/scan",
        "simple-scan",
        "bro-simple-scan",
        "zeek-simple-scan",
        "packages/bro-simple-scan",
        "packages/simple-scan",
    ],
    notes: &["Scan::Address_Scan", "Scan::Port_Scan", "Scan::Random_Scan"],
    summary: "hosts failing to connect to many hosts or ports",
};

pub fn spec() -> Box<dyn Spec> {
    Box::new(Builtin {
        meta: &META,
        common: Common::addresses_only(),
        opts: ScanOptions::default(),
        make: |b, shared| Box::new(Scan::new(b, shared)),
    })
}

/// A probed host and port.
type Attempt = (IpAddr, u16);

/// What is tracked per scanner (the script's `Scan_Info`).
struct ScanInfo {
    first_seen: Time,
    attempts: HashSet<Attempt, foldhash::fast::RandomState>,
    port_counts: HashMap<u16, u64, foldhash::fast::RandomState>,
    dark_hosts: Vec<IpAddr>,
}

impl ScanInfo {
    fn new(first_seen: Time) -> Self {
        ScanInfo {
            first_seen,
            attempts: HashSet::default(),
            port_counts: HashMap::default(),
            dark_hosts: Vec::new(),
        }
    }
}

struct Scan {
    cfg: Setup<ScanOptions>,
    darknet: NetSet,
    attacks: Table<IpAddr, ScanInfo>,
    /// Scanners already reported → until when they are ignored.
    known_scanners: Table<IpAddr, Time>,
}

impl Scan {
    fn new(b: &Builtin<ScanOptions>, shared: &Shared) -> Self {
        let cfg = b.setup(shared);
        Scan {
            darknet: NetSet::from_cidrs(cfg.opts.darknet_nets.iter().copied()),
            attacks: Table::new(cfg.max_keys),
            known_scanners: Table::new(cfg.max_keys),
            cfg,
        }
    }

    /// The script's thresholds for this scanner: (unique attempts, hosts
    /// on one port — none for local scanners).
    fn thresholds(&self, local: bool, darknet_scan: bool) -> (u64, Option<u64>) {
        let o = &self.cfg.opts;
        match (local, darknet_scan) {
            (true, false) => (o.local_scan_threshold, None),
            (true, true) => (o.local_scan_threshold_with_darknet_hits, None),
            (false, false) => (o.scan_threshold, Some(o.knockknock_threshold)),
            (false, true) => (
                o.scan_threshold_with_darknet_hits,
                Some(o.knockknock_threshold_with_darknet_hits),
            ),
        }
    }

    fn add_attempt(
        &mut self,
        scanner: IpAddr,
        attempt: Attempt,
        now: Time,
        cx: &Ctx,
        out: &mut Notices,
    ) {
        if self
            .known_scanners
            .get(&scanner)
            .is_some_and(|until| now < *until)
        {
            return;
        }
        let dark_limit = self.cfg.opts.dark_host_threshold as usize;
        let is_dark = !self.darknet.is_empty() && self.darknet.contains(attempt.0);
        let si = self.attacks.entry(scanner, now, || ScanInfo::new(now));
        if !si.attempts.insert(attempt) {
            return;
        }
        let on_port = {
            let c = si.port_counts.entry(attempt.1).or_insert(0);
            *c += 1;
            *c
        };
        if si.dark_hosts.len() < dark_limit && is_dark && !si.dark_hosts.contains(&attempt.0) {
            si.dark_hosts.push(attempt.0);
        }
        let unique = si.attempts.len() as u64;
        let darknet_scan = si.dark_hosts.len() >= dark_limit;
        let local = cx.is_local(scanner);
        let (thresh, knock) = self.thresholds(local, darknet_scan);
        let is_knock = knock.is_some_and(|k| on_port >= k);
        if unique < thresh && !is_knock {
            return;
        }
        if let Some(si) = self.attacks.remove(&scanner) {
            out.raise(self.notice(scanner, &si, now, local, is_knock));
        }
        // The script ignores a reported scanner for 1 h, or for as long as
        // its notice suppresses the next.
        let quiet = if self.cfg.suppress_for > 0 {
            self.cfg.suppress_for
        } else {
            Span::hours(1).0
        };
        let until = Time(now.0.saturating_add(quiet));
        self.known_scanners.insert(scanner, until, now);
    }

    fn notice(
        &self,
        scanner: IpAddr,
        si: &ScanInfo,
        now: Time,
        local: bool,
        knock: bool,
    ) -> Notice {
        let (note, what, port) = describe(&si.attempts);
        let mut msg = format!(
            "{scanner} scanned at least {what} in {}",
            mins_secs(now.0.saturating_sub(si.first_seen.0))
        );
        if knock {
            msg = format!("kk: {msg}");
        }
        let mut n = self.cfg.notice(now, note, msg, scanner.to_string());
        n.p = port.map(|p| (p, Proto::Tcp));
        n.src = Some(scanner);
        n.sub = Some(if local { "local" } else { "remote" }.into());
        n
    }
}

/// The script's `analyze_unique_hostports`: the note, the message part and
/// the port of a single-port address scan. Lists are sorted (Zeek's set
/// order is arbitrary).
fn describe(
    attempts: &HashSet<Attempt, foldhash::fast::RandomState>,
) -> (&'static str, String, Option<u16>) {
    let ports: BTreeSet<u16> = attempts.iter().map(|a| a.1).collect();
    let victims: BTreeSet<IpAddr> = attempts.iter().map(|a| a.0).collect();
    let join = |items: Vec<String>| items.join(", ");
    if let (1, Some(&p)) = (ports.len(), ports.first()) {
        let what = format!("{} unique hosts on port {p}/tcp", victims.len());
        return ("Scan::Address_Scan", what, Some(p));
    }
    if let (1, Some(v)) = (victims.len(), victims.first()) {
        return (
            "Scan::Port_Scan",
            format!("{} unique ports on host {v}", ports.len()),
            None,
        );
    }
    if ports.len() <= 5 {
        let list = join(ports.iter().map(|p| format!("{p}/tcp")).collect());
        return (
            "Scan::Address_Scan",
            format!("{} unique hosts on ports {list}", victims.len()),
            None,
        );
    }
    if victims.len() <= 5 {
        let list = join(victims.iter().map(|v| v.to_string()).collect());
        return (
            "Scan::Port_Scan",
            format!("{} unique ports on hosts {list}", ports.len()),
            None,
        );
    }
    (
        "Scan::Random_Scan",
        format!("{} hosts on {} ports", victims.len(), ports.len()),
        None,
    )
}

/// A failed attempt in Zeek's terms: `connection_attempt` with history `S`
/// or `SW`, `connection_rejected` with `Sr` or `SWr`.
fn is_failed_attempt(c: &ConnRecord) -> bool {
    c.proto.0 == "tcp" && matches!(c.history.as_deref(), Some("S" | "SW" | "Sr" | "SWr"))
}

impl Detection for Scan {
    fn topics(&self) -> &'static [&'static str] {
        &["conn"]
    }

    fn observe(&mut self, rec: &Observed, cx: &Ctx, out: &mut Notices) {
        let Observed::Conn(c) = rec else { return };
        if !is_failed_attempt(c) || self.cfg.allow.addr(c.orig_h) || self.cfg.allow.addr(c.resp_h) {
            return;
        }
        let now = rec.time().unwrap_or(cx.now);
        self.add_attempt(c.orig_h, (c.resp_h, c.resp_p.0), now, cx, out);
    }

    fn tick(&mut self, cx: &Ctx, _out: &mut Notices) {
        self.attacks
            .expire_idle(cx.now, self.cfg.opts.scan_timeout.0, |_, _| {});
        self.known_scanners.retain(|_, until| *until > cx.now);
    }

    fn evicted(&self) -> u64 {
        self.attacks.evicted + self.known_scanners.evicted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detections::testutil::*;
    use crate::settings::Setting;
    use records::Port;

    fn probe(i: i64, scanner: &str, victim: &str, port: u16) -> Observed {
        let history = if i % 2 == 0 { "S" } else { "Sr" };
        let state = if i % 2 == 0 { "S0" } else { "REJ" };
        Observed::Conn(conn(T0 + i * SEC, scanner, victim, port, history, state))
    }

    #[test]
    fn port_scan_of_one_host() {
        let records = (0..40).map(|i| probe(i, "45.33.32.5", "10.0.0.9", 1000 + i as u16));
        let n = run("scan", |_| {}, records);
        assert_eq!(notes(&n), ["Scan::Port_Scan"]);
        assert_eq!(
            n[0].msg.as_deref(),
            Some("45.33.32.5 scanned at least 25 unique ports on host 10.0.0.9 in 0m24s")
        );
        assert_eq!(
            (n[0].sub.as_deref(), n[0].src),
            (Some("remote"), Some(ip("45.33.32.5")))
        );
    }

    #[test]
    fn address_scan_on_one_port_is_knock_knock_for_remote_scanners() {
        let records = (0..40).map(|i| probe(i, "45.33.32.5", &format!("10.0.1.{i}"), 445));
        let n = run("scan", |_| {}, records);
        assert_eq!(notes(&n), ["Scan::Address_Scan"]);
        assert_eq!(
            n[0].msg.as_deref(),
            Some("kk: 45.33.32.5 scanned at least 20 unique hosts on port 445/tcp in 0m19s")
        );
        assert_eq!(
            (n[0].p, n[0].proto.map(|p| p.0)),
            (Some(Port(445)), Some("tcp"))
        );
    }

    #[test]
    fn random_scan_and_local_threshold() {
        // A local host probing 300 host/port pairs: local threshold 250.
        let records = (0..300).map(|i| {
            probe(
                i,
                "10.0.0.66",
                &format!("10.0.{}.{}", i / 50, i % 50),
                20 + (i % 7) as u16,
            )
        });
        let n = run("scan", |_| {}, records);
        assert_eq!(notes(&n), ["Scan::Random_Scan"]);
        assert_eq!(n[0].sub.as_deref(), Some("local"));
        assert!(n[0]
            .msg
            .as_deref()
            .unwrap()
            .contains("scanned at least 250 hosts on 7 ports"));
    }

    #[test]
    fn darknet_hits_lower_the_threshold() {
        let records =
            (0..12).map(|i| probe(i, "45.33.32.5", &format!("10.99.0.{i}"), 20 + i as u16));
        assert!(run("scan", |_| {}, records.clone()).is_empty());
        let darknet = Setting::List(vec![Setting::Text("10.99.0.0/16".into())]);
        let n = run("scan", |s| set(s, "darknet_nets", darknet), records);
        assert_eq!(notes(&n), ["Scan::Random_Scan"]);
    }

    #[test]
    fn benign_failures_and_established_connections_are_not_scans() {
        let mut records = Vec::new();
        // A busy client: many successful connections and a few failures.
        for i in 0..200 {
            records.push(Observed::Conn(ok_conn(
                T0 + i * SEC,
                "10.0.0.7",
                &format!("192.0.2.{}", i % 100),
                443,
            )));
        }
        for i in 0..10 {
            records.push(probe(i, "10.0.0.7", &format!("192.0.2.{i}"), 8443));
        }
        // A slow remote prober: 24 attempts spread over 16-minute gaps.
        for i in 0..24 {
            records.push(probe(
                i * 16 * 60,
                "93.184.216.7",
                &format!("10.0.2.{i}"),
                22 + i as u16,
            ));
        }
        assert!(run("scan", |_| {}, records).is_empty());
    }
}
