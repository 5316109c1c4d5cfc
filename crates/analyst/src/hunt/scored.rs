//! Hunts that score: beacons (the beaconing detection's RITA score over
//! conn.log after the fact), DNS tunneling (the tunneling detection's
//! per-domain evidence) and DGA-like domains (detect's label score).

use super::{fixed, Ctx, Distinct, Groups, HUNT_TOP};
use crate::log::Row;
use crate::table::{SortKey, Table};
use clap::Args;
use detect::detections::beaconing::{self, score, BeaconingOptions};
use detect::detections::dns_tunneling::{DnsTunnelingOptions, DomainStats};
use detect::domain::{dga_score, is_internet_name, normalize, registered_domain, registered_label};
use detect::notice::Proto;
use std::borrow::Cow;

fn beacon_defaults() -> BeaconingOptions {
    BeaconingOptions::default()
}

#[derive(Args, Debug)]
pub struct Beacons {
    /// Connections a pair needs to be scored.
    #[arg(long, default_value_t = beacon_defaults().beacon_threshold)]
    pub min_connections: u64,
    /// Lowest beacon score shown (0..1).
    #[arg(long, default_value_t = beacon_defaults().min_score)]
    pub min_score: f64,
    /// Largest spread of the intervals (MAD over median) shown.
    #[arg(long, default_value_t = beacon_defaults().max_jitter)]
    pub max_jitter: f64,
}

/// Nanoseconds since the epoch of a Zeek time (`1258531221.486539`),
/// exactly (no float rounding).
pub fn parse_ts_ns(t: &str) -> Option<i64> {
    let (secs, frac) = t.split_once('.').unwrap_or((t, ""));
    let secs: i64 = secs.parse().ok()?;
    if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac: i64 = format!("{frac:0<9}").parse().ok()?;
    secs.checked_mul(1_000_000_000)?.checked_add(frac)
}

/// Connection points kept over all pairs (12 bytes each, about 100 MB):
/// past it every pair keeps fewer, so memory stays bounded however long
/// the logs.
const POINT_BUDGET: usize = 8 << 20;

/// Fewest points a pair keeps when the budget shrinks its share.
const MIN_POINTS: usize = 64;

/// One source → destination:port/proto series: its connection count and
/// the start times and bytes of its first connections.
#[derive(Default)]
struct Series {
    count: u64,
    times: Vec<i64>,
    bytes: Vec<u32>,
}

/// Series by pair, with the points per pair cut as the budget requires.
/// Pairs are keyed by "source\tdestination\tport\tproto".
struct Collector {
    pairs: Groups<Vec<u8>, Series>,
    cap: usize,
    points: usize,
    budget: usize,
}

impl Collector {
    fn new(cap: usize, budget: usize) -> Collector {
        Collector {
            pairs: Groups::new(),
            cap,
            points: 0,
            budget,
        }
    }

    fn add(&mut self, key: &[u8], ts: i64, bytes: u64) {
        let Some(s) = self.pairs.entry_bytes(key, Series::default) else {
            return;
        };
        s.count += 1;
        if s.times.len() >= self.cap {
            return;
        }
        s.times.push(ts);
        s.bytes.push(u32::try_from(bytes).unwrap_or(u32::MAX));
        self.points += 1;
        if self.points > self.budget && self.cap > MIN_POINTS {
            while self.points > self.budget && self.cap > MIN_POINTS {
                self.shrink();
            }
            eprintln!(
                "shrike hunt: warning: beacons: many connections; pairs are scored on their first {} connections",
                self.cap
            );
        }
    }

    /// Halves the points a pair may keep.
    fn shrink(&mut self) {
        self.cap = (self.cap / 2).max(MIN_POINTS);
        self.points = 0;
        for s in self.pairs.values_mut() {
            s.times.truncate(self.cap);
            s.bytes.truncate(self.cap);
            s.times.shrink_to_fit();
            s.bytes.shrink_to_fit();
            self.points += s.times.len();
        }
    }
}

impl Beacons {
    pub fn run(&self, cx: &Ctx) -> Result<Table, String> {
        let opts = beacon_defaults();
        let names = [
            "ts",
            "id.orig_h",
            "id.resp_h",
            "id.resp_p",
            "proto",
            "conn_state",
            "orig_bytes",
        ];
        let mut c = Collector::new(opts.max_points, POINT_BUDGET);
        let (mut first, mut last) = (i64::MAX, i64::MIN);
        let mut key = Vec::new();
        cx.scan("conn", &names, &mut |row, idx| {
            let Some(ts) = row.at(idx[0]).str().and_then(parse_ts_ns) else {
                return;
            };
            let proto = row.at(idx[4]).str().unwrap_or("");
            let port: u16 = row
                .at(idx[3])
                .str()
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            if beaconing::is_failed_tcp(proto, row.at(idx[5]).str())
                || allowed_port(&opts, port, proto)
            {
                return;
            }
            first = first.min(ts);
            last = last.max(ts);
            key.clear();
            for (n, &i) in idx[1..=4].iter().enumerate() {
                if n > 0 {
                    key.push(b'\t');
                }
                key.extend_from_slice(row.at(i).shown());
            }
            c.add(&key, ts, row.at(idx[6]).u64().unwrap_or(0));
        })?;
        let cols = [
            "source",
            "destination",
            "port",
            "proto",
            "connections",
            "score",
            "timestamps",
            "sizes",
            "histogram",
            "duration",
            "mean_interval",
            "mad",
        ];
        let sort = vec![SortKey::desc(5), SortKey::desc(4)];
        let mut t = Table::new(&cols, sort, cx.top(HUNT_TOP));
        for (key, s) in c.pairs.finish() {
            if s.count < self.min_connections {
                continue;
            }
            let mut times = s.times;
            let mut bytes: Vec<f64> = s.bytes.iter().map(|&b| f64::from(b)).collect();
            // After the fact, as RITA: the histogram spans the whole log.
            let Some(sc) = score::score(&mut times, &mut bytes, first, last) else {
                continue;
            };
            let iv = score::interval_stats(&times);
            let jitter = if iv.median > 0.0 {
                iv.mad / iv.median
            } else {
                0.0
            };
            if sc.total < self.min_score || jitter > self.max_jitter {
                continue;
            }
            let parts = [sc.total, sc.timestamps, sc.sizes, sc.histogram, sc.duration];
            let key = String::from_utf8_lossy(&key);
            let mut row: Vec<String> = key.split('\t').map(String::from).collect();
            row.push(s.count.to_string());
            row.extend(parts.iter().map(|p| fixed(*p, 3)));
            row.extend([fixed(iv.mean, 1), fixed(iv.mad, 1)]);
            t.push(row);
        }
        t.finish();
        Ok(t)
    }
}

/// The detection's ignored ports (NTP, DNS, ...).
fn allowed_port(opts: &BeaconingOptions, port: u16, proto: &str) -> bool {
    let proto = match proto {
        "tcp" => Proto::Tcp,
        "udp" => Proto::Udp,
        _ => Proto::Icmp,
    };
    opts.allow_ports
        .iter()
        .any(|p| p.port == port && p.proto == proto)
}

/// A dns.log row's query, normalized, when it is an Internet name: data
/// can only reach an outside server under one.
fn internet_query<'a>(row: &Row<'a>, i: Option<usize>) -> Option<Cow<'a, str>> {
    let query = normalize(row.at(i).str()?);
    is_internet_name(&query).then_some(query)
}

fn tunnel_defaults() -> DnsTunnelingOptions {
    DnsTunnelingOptions::default()
}

#[derive(Args, Debug)]
pub struct DnsTunneling {
    /// Different names under a domain that look like a tunnel.
    #[arg(long, default_value_t = tunnel_defaults().min_unique_subdomains)]
    pub min_unique: u64,
    /// Mean character entropy (bits) of those names.
    #[arg(long, default_value_t = tunnel_defaults().min_entropy)]
    pub min_entropy: f64,
}

#[derive(Default)]
struct Domain {
    names: DomainStats,
    queries: u64,
    hosts: Distinct,
    bytes: u64,
    longest: usize,
}

impl DnsTunneling {
    pub fn run(&self, cx: &Ctx) -> Result<Table, String> {
        let mut domains: Groups<String, Domain> = Groups::new();
        cx.scan("dns", &["query", "id.orig_h"], &mut |row, idx| {
            let Some(query) = internet_query(row, idx[0]) else {
                return;
            };
            let domain = registered_domain(&query);
            let Some(d) = domains.entry(domain.to_string(), Domain::default) else {
                return;
            };
            let sub = query
                .strip_suffix(domain)
                .map_or("", |s| s.trim_end_matches('.'));
            d.names.add(sub);
            d.queries += 1;
            d.bytes += query.len() as u64;
            d.longest = d.longest.max(query.len());
            d.hosts.add(row.at(idx[1]).shown());
        })?;
        let cols = [
            "domain",
            "unique_names",
            "mean_entropy",
            "queries",
            "hosts",
            "bytes",
            "longest_query",
        ];
        let sort = vec![SortKey::desc(1), SortKey::desc(3)];
        let mut t = Table::new(&cols, sort, cx.top(HUNT_TOP));
        for (name, d) in domains.finish() {
            let (unique, entropy) = (d.names.unique() as u64, d.names.mean_entropy());
            if unique < self.min_unique.max(1) || entropy < self.min_entropy {
                continue;
            }
            t.push(vec![
                name,
                unique.to_string(),
                fixed(entropy, 2),
                d.queries.to_string(),
                d.hosts.len().to_string(),
                d.bytes.to_string(),
                d.longest.to_string(),
            ]);
        }
        t.finish();
        Ok(t)
    }
}

#[derive(Args, Debug)]
pub struct DgaDomains {
    /// Lowest label score shown (0..1; about 0.55 and above looks generated).
    #[arg(long, default_value_t = 0.55)]
    pub min_score: f64,
    /// The playbook's crude test instead of the score: labels longer than N (0: off).
    #[arg(long, default_value_t = 0)]
    pub min_label_length: usize,
}

#[derive(Default)]
struct Suspect {
    score: f64,
    queries: u64,
    nxdomain: u64,
    hosts: Distinct,
    example: String,
}

impl DgaDomains {
    fn suspicious(&self, label: &str) -> Option<f64> {
        let score = dga_score(label);
        let hit = match self.min_label_length {
            0 => score >= self.min_score,
            n => label.len() > n,
        };
        hit.then_some(score)
    }

    pub fn run(&self, cx: &Ctx) -> Result<Table, String> {
        let mut suspects: Groups<String, Suspect> = Groups::new();
        cx.scan(
            "dns",
            &["query", "id.orig_h", "rcode_name"],
            &mut |row, idx| {
                let Some(query) = internet_query(row, idx[0]) else {
                    return;
                };
                let domain = registered_domain(&query);
                // None under hosting zones, whose labels the provider draws.
                let Some(score) = registered_label(&query).and_then(|l| self.suspicious(l)) else {
                    return;
                };
                let Some(s) = suspects.entry(domain.to_string(), Suspect::default) else {
                    return;
                };
                s.score = score;
                s.queries += 1;
                s.nxdomain += u64::from(row.at(idx[2]).text() == Some(b"NXDOMAIN"));
                s.hosts.add(row.at(idx[1]).shown());
                if s.example.is_empty() {
                    s.example = query.into_owned();
                }
            },
        )?;
        let cols = [
            "domain",
            "score",
            "label_length",
            "queries",
            "nxdomain",
            "hosts",
            "example_query",
        ];
        let sort = vec![SortKey::desc(1), SortKey::desc(3), SortKey::asc(0)];
        let mut t = Table::new(&cols, sort, cx.top(HUNT_TOP));
        for (domain, s) in suspects.finish() {
            let label_len = domain.split('.').next().map_or(0, str::len);
            t.push(vec![
                domain,
                fixed(s.score, 2),
                label_len.to_string(),
                s.queries.to_string(),
                s.nxdomain.to_string(),
                s.hosts.len().to_string(),
                s.example,
            ]);
        }
        t.finish();
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_budget_cuts_every_pair_alike() {
        let mut c = Collector::new(4096, 150);
        for t in 0..100 {
            for i in 0..3 {
                c.add(format!("10.0.0.{i}\td\t443\ttcp").as_bytes(), t, 10);
            }
        }
        assert_eq!(c.cap, MIN_POINTS);
        for (_, s) in c.pairs.finish() {
            assert_eq!(
                (s.count, s.times.len(), s.bytes.len()),
                (100, MIN_POINTS, MIN_POINTS)
            );
        }
    }

    #[test]
    fn zeek_times_to_nanoseconds() {
        assert_eq!(
            parse_ts_ns("1258531221.486539"),
            Some(1_258_531_221_486_539_000)
        );
        assert_eq!(parse_ts_ns("5"), Some(5_000_000_000));
        assert_eq!(parse_ts_ns("1.1234567891"), None);
        assert_eq!(parse_ts_ns("x.1"), None);
        assert_eq!(parse_ts_ns("99999999999999999.0"), None);
    }
}
