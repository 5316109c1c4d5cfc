//! Beaconing, the playbook's `BeaconDetection` script made precise.
//!
//! Connections to addresses outside the local networks are collected per
//! source → destination:port in an observation window (from the pair's
//! first connection); the destination is the server's name when the
//! connection's TLS or HTTP carried one (joined by uid), so a C2 behind
//! rotating CDN addresses is one series, else its address. When the window closes, a pair with at least
//! `beacon_threshold` connections (the playbook's count, the floor) is
//! scored as RITA v5 scores beacons ([`score`]) and raises
//! `BeaconDetection::Possible_Beaconing` when the score reaches
//! `min_score` and the intervals' spread (MAD over median) stays within
//! `max_jitter`; the message gives the score, the count, the mean interval
//! and its spread. Where RITA's users see noise, this stays quiet:
//! * failed TCP attempts (retries to a dead host) are not connections;
//! * destinations most internal hosts talk to (CDNs, update services) are
//!   common, not command and control (`max_prevalence`);
//! * allowlisted networks, names (the server's name from DNS, HTTP Host
//!   or TLS SNI) and ports (NTP, DNS by default) are ignored;
//! * timestamps keep their full precision.
//!
//! A pair with more than `strobe_per_day` connections a day (scaled to the
//! window) is `BeaconDetection::Strobe` instead.

pub mod score;

use crate::config::{Builtin, Common, Meta, Setup, Shared, Spec};
use crate::detections::{human_duration, pair_desc};
use crate::domain::normalize;
use crate::engine::{Ctx, Detection, Observed};
use crate::notice::{Notice, Notices, Proto};
use crate::settings::{PortSpec, Span};
use crate::state::Table;
use analyzers::AppRecord;
use flow::ConnRecord;
use records::Time;
use std::net::IpAddr;

crate::options! {
    /// `[detect.beaconing]`
    pub struct BeaconingOptions {
        /// Connections of a pair within the window before it is scored (the playbook's threshold).
        beacon_threshold: u64 = 50, zeek "BeaconDetection::beacon_threshold";
        /// The window a pair's connections are collected and scored over.
        observation_window: Span = Span::hours(1), zeek "BeaconDetection::observation_window";
        /// Beacon score (0..1, RITA's) at which a pair is reported (RITA's "medium"; within an hour, random arrivals of equal size score about 0.77).
        min_score: f64 = 0.9, zeek "BeaconDetection::min_score";
        /// Most spread of the intervals (their MAD over their median) a beacon may have: RITA's skew term scores any symmetric spread as perfect.
        max_jitter: f64 = 0.3, zeek "BeaconDetection::max_jitter";
        /// Report on the count alone, as the playbook's script does.
        playbook_only: bool = false, zeek "BeaconDetection::playbook_only";
        /// A destination this share of the active internal hosts talk to is common, not a beacon's.
        max_prevalence: f64 = 0.5, zeek "BeaconDetection::max_prevalence";
        /// ... if at least this many hosts talk to it.
        prevalence_min_hosts: u64 = 3, zeek "BeaconDetection::prevalence_min_hosts";
        /// Ports never considered (time, name service).
        allow_ports: Vec<PortSpec> = default_allow_ports(), zeek "BeaconDetection::allow_ports";
        /// Connections a day (scaled to the window) that make a pair a strobe.
        strobe_per_day: u64 = 86_400, zeek "BeaconDetection::strobe_per_day";
        /// Connection times kept per pair for scoring.
        max_points: usize = 4096, zeek "BeaconDetection::max_points";
    }
}

fn default_allow_ports() -> Vec<PortSpec> {
    [
        (123, Proto::Udp),
        (53, Proto::Udp),
        (53, Proto::Tcp),
        (853, Proto::Tcp),
        (5353, Proto::Udp),
    ]
    .into_iter()
    .map(|(port, proto)| PortSpec { port, proto })
    .collect()
}

pub static META: Meta = Meta {
    name: "beaconing",
    scripts: &["beaconing", "detect-beaconing", "shrike/beaconing"],
    notes: &[
        "BeaconDetection::Possible_Beaconing",
        "BeaconDetection::Strobe",
    ],
    summary: "hosts calling out to one destination on a regular schedule",
};

pub fn spec() -> Box<dyn Spec> {
    Box::new(Builtin {
        meta: &META,
        common: Common {
            max_keys: 200_000,
            // One notice a day per beaconing pair: a beacon runs for days.
            suppress_for: Some(Span::hours(24)),
            ..Common::default()
        },
        opts: BeaconingOptions::default(),
        make: |b, shared| Box::new(Beaconing::new(b, shared)),
    })
}

/// Where a pair's connections go: the server's name when they carried one
/// (TLS SNI, HTTP Host) — a C2 behind a CDN changes address, not name —
/// otherwise its address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Dest {
    Name(Box<str>),
    Addr(IpAddr),
}

impl std::fmt::Display for Dest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Dest::Name(n) => f.write_str(n),
            Dest::Addr(a) => write!(f, "{a}"),
        }
    }
}

/// Source, destination, destination port and transport.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct PairKey {
    src: IpAddr,
    dest: Dest,
    port: u16,
    proto: Proto,
}

/// A pair's connections in its window.
struct Pair {
    first: Time,
    last: Time,
    /// The server's address at the last connection.
    addr: IpAddr,
    count: u64,
    /// (start time, bytes the source sent) per connection, up to
    /// `max_points`.
    points: Vec<(i64, u64)>,
}

/// TCP connections that never got going: a retry is not a beacon.
fn failed_tcp(c: &ConnRecord) -> bool {
    is_failed_tcp(c.proto.0, c.conn_state)
}

/// Whether a connection of `proto` in `conn_state` (conn.log's columns)
/// never got going.
pub fn is_failed_tcp(proto: &str, conn_state: Option<&str>) -> bool {
    proto == "tcp"
        && matches!(
            conn_state,
            Some("S0" | "REJ" | "RSTOS0" | "RSTRH" | "SH" | "SHR")
        )
}

struct Beaconing {
    cfg: Setup<BeaconingOptions>,
    pairs: Table<PairKey, Pair>,
    /// Destination → the internal sources seen talking to it, when last.
    talkers: Table<Dest, Vec<(IpAddr, Time)>>,
    /// Connection uid → the server name its TLS or HTTP carried.
    uid_names: Table<Box<str>, Box<str>>,
    /// Internal hosts active (talking outside) within the window.
    hosts: Table<IpAddr, ()>,
}

/// Sources remembered per destination for its prevalence.
const MAX_TALKERS: usize = 256;

impl Beaconing {
    fn new(b: &Builtin<BeaconingOptions>, shared: &Shared) -> Self {
        let cfg = b.setup(shared);
        Beaconing {
            pairs: Table::new(cfg.max_keys),
            talkers: Table::new(cfg.max_keys),
            hosts: Table::new(cfg.max_keys),
            uid_names: Table::new(cfg.max_keys),
            cfg,
        }
    }

    fn window(&self) -> i64 {
        self.cfg.opts.observation_window.0
    }

    fn ignored(&self, key: &PairKey, addr: IpAddr, cx: &Ctx) -> bool {
        let allow = &self.cfg.allow;
        let port = PortSpec {
            port: key.port,
            proto: key.proto,
        };
        let name = match &key.dest {
            Dest::Name(n) => Some(&**n),
            Dest::Addr(a) => cx.names.get(*a),
        };
        allow.addr(key.src)
            || allow.addr(addr)
            || self.cfg.opts.allow_ports.contains(&port)
            || name.is_some_and(|n| allow.name(n))
    }

    /// Remembers the server name a connection carried, until the
    /// connection is logged.
    fn remember_name(&mut self, uid: &str, name: Option<&records::ZString>, t: Time) {
        let Some(name) = name.and_then(|z| std::str::from_utf8(&z.0).ok()) else {
            return;
        };
        // A Host header may carry a port, or be an address.
        let host = name.rsplit_once(':').map_or(name, |(h, _)| h).trim();
        if host.is_empty() || host.parse::<IpAddr>().is_ok() {
            return;
        }
        self.uid_names.insert(uid.into(), normalize(host).into(), t);
    }

    fn note_talker(&mut self, src: IpAddr, dst: Dest, t: Time) {
        let window = self.window();
        self.hosts.entry(src, t, || ());
        let list = self.talkers.entry(dst, t, Vec::new);
        if let Some(seen) = list.iter_mut().find(|(s, _)| *s == src) {
            seen.1 = seen.1.max(t);
            return;
        }
        if list.len() >= MAX_TALKERS {
            list.retain(|(_, seen)| t.0.saturating_sub(seen.0) < window);
        }
        if list.len() < MAX_TALKERS {
            list.push((src, t));
        }
    }

    /// Share of the active internal hosts that talk to `dst`, and how many.
    fn prevalence(&self, dst: &Dest, now: Time) -> (f64, u64) {
        let window = self.window();
        let talkers = self.talkers.get(dst).map_or(0, |l| {
            l.iter()
                .filter(|(_, seen)| now.0.saturating_sub(seen.0) < window)
                .count()
        }) as u64;
        (talkers as f64 / self.hosts.len().max(1) as f64, talkers)
    }

    fn add(
        &mut self,
        key: PairKey,
        addr: IpAddr,
        start: Time,
        bytes: u64,
        out: &mut Notices,
        cx: &Ctx,
    ) {
        let window = self.window();
        if self
            .pairs
            .created(&key)
            .is_some_and(|c| start.0.saturating_sub(c.0) >= window)
        {
            if let Some(p) = self.pairs.remove(&key) {
                self.evaluate(key.clone(), p, cx, out);
            }
        }
        let max_points = self.cfg.opts.max_points;
        let p = self.pairs.entry(key, start, || Pair {
            first: start,
            last: start,
            addr,
            count: 0,
            points: Vec::new(),
        });
        p.first = p.first.min(start);
        if start >= p.last {
            p.last = start;
            p.addr = addr;
        }
        p.count += 1;
        if p.points.len() < max_points {
            p.points.push((start.0, bytes));
        }
    }

    fn evaluate(&self, key: PairKey, mut pair: Pair, cx: &Ctx, out: &mut Notices) {
        if pair.count < self.cfg.opts.beacon_threshold || self.ignored(&key, pair.addr, cx) {
            return;
        }
        let window = self.window();
        let strobe = (self.cfg.opts.strobe_per_day as f64 * window as f64 / 86_400e9).ceil() as u64;
        if pair.count >= strobe.max(1) {
            out.raise(self.strobe(key, &pair, cx));
            return;
        }
        if self.cfg.opts.playbook_only {
            let msg = format!(
                "{} made {} connections within {}",
                describe(&key, &pair, cx),
                pair.count,
                human_duration(window)
            );
            out.raise(self.beacon_notice(key, &pair, msg, None));
            return;
        }
        let (mut times, mut bytes): (Vec<i64>, Vec<f64>) =
            pair.points.drain(..).map(|(t, b)| (t, b as f64)).unzip();
        // The window ends a window after the pair's first connection, or
        // where the run ended.
        let end = pair
            .first
            .0
            .saturating_add(window)
            .min(cx.now.0.max(pair.last.0));
        let Some(s) = score::score(&mut times, &mut bytes, pair.first.0, end) else {
            return;
        };
        let iv = score::interval_stats(&times);
        let jitter = if iv.median > 0.0 {
            iv.mad / iv.median
        } else {
            0.0
        };
        let (prevalence, talkers) = self.prevalence(&key.dest, pair.last);
        if s.total < self.cfg.opts.min_score
            || jitter > self.cfg.opts.max_jitter
            || (talkers >= self.cfg.opts.prevalence_min_hosts
                && prevalence >= self.cfg.opts.max_prevalence)
        {
            return;
        }
        let msg = format!(
            "{} beacons: score {:.3} over {} connections in {}, mean interval {:.1}s (spread: MAD {:.1}s, sd {:.1}s)",
            describe(&key, &pair, cx),
            s.total,
            pair.count,
            human_duration(pair.last.0.saturating_sub(pair.first.0)),
            iv.mean,
            iv.mad,
            iv.stddev
        );
        let sub = format!(
            "timestamps {:.3}, sizes {:.3}, histogram {:.3}, duration {:.3}; {talkers} of {} internal hosts talk to it",
            s.timestamps,
            s.sizes,
            s.histogram,
            s.duration,
            self.hosts.len()
        );
        out.raise(self.beacon_notice(key, &pair, msg, Some(sub)));
    }

    fn beacon_notice(&self, key: PairKey, pair: &Pair, msg: String, sub: Option<String>) -> Notice {
        let id = format!(
            "{}->{}:{}/{}",
            key.src,
            key.dest,
            key.port,
            key.proto.name()
        );
        let mut n = self
            .cfg
            .notice(pair.last, "BeaconDetection::Possible_Beaconing", msg, id);
        n.sub = sub;
        n.src = Some(key.src);
        n.dst = Some(pair.addr);
        n.p = Some((key.port, key.proto));
        n.n = Some(pair.count);
        n
    }

    fn strobe(&self, key: PairKey, pair: &Pair, cx: &Ctx) -> Notice {
        let msg = format!(
            "{} is a strobe: {} connections in {}",
            describe(&key, pair, cx),
            pair.count,
            human_duration(pair.last.0.saturating_sub(pair.first.0))
        );
        let mut n = self.beacon_notice(key, pair, msg, None);
        n.note = "BeaconDetection::Strobe";
        n
    }

    /// A logged connection joins its pair's series.
    fn connection(&mut self, c: &ConnRecord, cx: &Ctx, out: &mut Notices) {
        let name = self.uid_names.remove(c.uid.as_str());
        let Some(proto) = Proto::from_name(c.proto.0).filter(|p| *p != Proto::Icmp) else {
            return;
        };
        if cx.is_local(c.resp_h) || failed_tcp(c) {
            return;
        }
        let key = PairKey {
            src: c.orig_h,
            dest: name.map_or(Dest::Addr(c.resp_h), Dest::Name),
            port: c.resp_p.0,
            proto,
        };
        if self.ignored(&key, c.resp_h, cx) {
            return;
        }
        if cx.is_local(c.orig_h) {
            self.note_talker(c.orig_h, key.dest.clone(), c.ts);
        }
        let bytes = c.orig_ip_bytes.unwrap_or(0);
        self.add(key, c.resp_h, c.ts, bytes, out, cx);
    }

    /// Scores the pairs whose window has closed by `now`.
    fn close_windows(&mut self, cx: &Ctx, out: &mut Notices) {
        let mut closed = Vec::new();
        self.pairs
            .expire_created(cx.now, self.window(), |k, p| closed.push((k, p)));
        for (k, p) in closed {
            self.evaluate(k, p, cx, out);
        }
    }
}

/// `"10.0.0.5 -> 192.0.2.7:443/tcp (name)"`: the pair and its server.
fn describe(key: &PairKey, pair: &Pair, cx: &Ctx) -> String {
    let name = match &key.dest {
        Dest::Name(n) => Some(&**n),
        Dest::Addr(a) => cx.names.get(*a),
    };
    pair_desc(key.src, pair.addr, key.port, key.proto, name)
}

impl Detection for Beaconing {
    fn topics(&self) -> &'static [&'static str] {
        &["conn", "ssl", "http"]
    }

    fn wants_names(&self) -> bool {
        true
    }

    fn observe(&mut self, rec: &Observed, cx: &Ctx, out: &mut Notices) {
        match rec {
            Observed::Conn(c) => self.connection(c, cx, out),
            Observed::App(AppRecord::Ssl(s)) => {
                self.remember_name(&s.uid, s.server_name.as_ref(), s.ts)
            }
            Observed::App(AppRecord::Http(h)) => self.remember_name(&h.uid, h.host.as_ref(), h.ts),
            _ => {}
        }
    }

    fn tick(&mut self, cx: &Ctx, out: &mut Notices) {
        self.close_windows(cx, out);
        let window = self.window();
        self.hosts.expire_idle(cx.now, window, |_, _| {});
        self.talkers.expire_idle(cx.now, window, |_, _| {});
        self.uid_names.expire_idle(cx.now, window, |_, _| {});
    }

    fn finish(&mut self, cx: &Ctx, out: &mut Notices) {
        let mut open = Vec::new();
        self.pairs.drain(|k, p| open.push((k, p)));
        for (k, p) in open {
            self.evaluate(k, p, cx, out);
        }
    }

    fn evicted(&self) -> u64 {
        self.pairs.evicted + self.talkers.evicted + self.hosts.evicted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detections::testutil::*;
    use crate::settings::Setting;
    use analyzers::ssl::SslRecord;
    use records::ZString;

    /// `n` connections from `src` to `dst`:`port` every `every` seconds,
    /// with a deterministic jitter of up to `jitter` seconds.
    fn periodic(src: &str, dst: &str, port: u16, n: i64, every: f64, jitter: f64) -> Vec<Observed> {
        (0..n)
            .map(|i| {
                let j = ((i * 7919 % 101) as f64 / 50.0 - 1.0) * jitter;
                let ts = T0 + ((i as f64 * every + j) * 1e9) as i64;
                Observed::Conn(ok_conn(ts, src, dst, port))
            })
            .collect()
    }

    #[test]
    fn sixty_second_beacon_is_reported_with_its_timing() {
        let n = run(
            "beaconing",
            |_| {},
            periodic("10.0.0.12", "45.33.32.50", 443, 62, 60.0, 0.5),
        );
        assert_eq!(notes(&n), ["BeaconDetection::Possible_Beaconing"]);
        let msg = n[0].msg.as_deref().unwrap();
        assert!(
            msg.starts_with("10.0.0.12 -> 45.33.32.50:443/tcp beacons: score "),
            "{msg}"
        );
        assert!(
            msg.contains("over 60 connections in 59m0s, mean interval 60.0s"),
            "{msg}"
        );
        assert_eq!(
            (n[0].dst, n[0].p.map(|p| p.0)),
            (Some(ip("45.33.32.50")), Some(443))
        );
    }

    #[test]
    fn irregular_busy_client_is_not_a_beacon() {
        // 80 connections in an hour at irregular, bursty times.
        let records: Vec<Observed> = (0..80i64)
            .map(|i| {
                let ts = T0
                    + ((i / 8) * 360 + (i % 8) * (1 + i % 5) * 3) * SEC
                    + (i * 131 % 997) * 1_000_000;
                let mut c = ok_conn(ts, "10.0.0.13", "93.184.216.20", 443);
                c.orig_ip_bytes = Some(400 + (i * i * 7919 % 50_000) as u64);
                Observed::Conn(c)
            })
            .collect();
        assert!(run("beaconing", |_| {}, records).is_empty());
    }

    #[test]
    fn failed_retries_ntp_and_common_destinations_are_not_beacons() {
        let mut records = Vec::new();
        // Retries to a dead host every 60 s.
        for mut r in periodic("10.0.0.14", "45.33.32.60", 443, 70, 60.0, 0.0) {
            if let Observed::Conn(c) = &mut r {
                c.conn_state = Some("S0");
                c.history = Some("S".into());
            }
            records.push(r);
        }
        // NTP every 64 s.
        for mut r in periodic("10.0.0.15", "45.33.32.123", 123, 60, 64.0, 0.0) {
            if let Observed::Conn(c) = &mut r {
                c.proto = records::Enum("udp");
            }
            records.push(r);
        }
        // Every host polls the same CDN address every minute.
        for h in 20..26 {
            records.extend(periodic(
                &format!("10.0.0.{h}"),
                "45.33.32.99",
                443,
                60,
                60.0,
                0.3,
            ));
        }
        assert!(run("beaconing", |_| {}, records).is_empty());
    }

    #[test]
    fn count_alone_in_playbook_mode() {
        let records: Vec<Observed> = (0..50)
            .map(|i| {
                Observed::Conn(ok_conn(
                    T0 + (i * i) * SEC,
                    "10.0.0.16",
                    "45.33.32.70",
                    8080,
                ))
            })
            .collect();
        let scored = run("beaconing", |_| {}, records.clone());
        assert!(scored.is_empty(), "{scored:?}");
        let n = run(
            "beaconing",
            |s| set(s, "playbook_only", Setting::Bool(true)),
            records,
        );
        assert_eq!(
            n[0].msg.as_deref(),
            Some("10.0.0.16 -> 45.33.32.70:8080/tcp made 50 connections within 1h0m0s")
        );
    }

    /// Connections every 60 s, each over TLS to `sni`, rotating over three
    /// server addresses as a CDN hands them out.
    fn fronted(src: &str, sni: &str) -> Vec<Observed> {
        let mut out = Vec::new();
        for i in 0..60i64 {
            let ts = T0 + i * 60 * SEC + (i * 7919 % 11) * SEC / 10;
            let c = ok_conn(ts, src, &format!("45.33.32.{}", 100 + i % 3), 443);
            let hello = SslRecord {
                ts: Time(ts),
                uid: c.uid.clone(),
                server_name: Some(ZString(sni.as_bytes().to_vec())),
                ..Default::default()
            };
            out.push(app(AppRecord::Ssl(Box::new(hello))));
            out.push(Observed::Conn(c));
        }
        out
    }

    #[test]
    fn beacon_behind_rotating_cdn_addresses_is_one_series_by_server_name() {
        let n = run(
            "beaconing",
            |_| {},
            fronted("10.0.0.18", "C2.Front.Example"),
        );
        assert_eq!(notes(&n), ["BeaconDetection::Possible_Beaconing"]);
        let msg = n[0].msg.as_deref().unwrap();
        assert!(msg.contains("443/tcp (c2.front.example) beacons"), "{msg}");
        assert!(msg.contains("over 60 connections"), "{msg}");
        let allowed = fronted("10.0.0.18", "settings-win.data.microsoft.com");
        let quiet = run(
            "beaconing",
            |s| {
                let domains = Setting::List(vec![Setting::Text("microsoft.com".into())]);
                set(s, "allow_domains", domains)
            },
            allowed,
        );
        assert!(quiet.is_empty(), "{quiet:?}");
    }

    #[test]
    fn strobe_is_its_own_note() {
        let records = periodic("10.0.0.17", "45.33.32.80", 80, 4000, 0.5, 0.0);
        let n = run("beaconing", |_| {}, records);
        assert_eq!(notes(&n), ["BeaconDetection::Strobe"]);
    }
}
