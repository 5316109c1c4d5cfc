//! What the report says, gathered in one streaming pass per log:
//! `shrike_run` (the sensor's run metadata), `notice` (incidents), then
//! `conn` (counts, the analysis period, traffic over time, top talkers,
//! and the arrival times of the beaconing pairs the notices name). Memory
//! grows with the answer (incidents, hosts, time buckets), each capped.

use crate::hunt::{Ctx, Groups};
use crate::input::Source;
use crate::log::{Columns, LogReader, Row, Value};
use std::collections::{BTreeMap, HashMap};

/// Times of one incident kept for the timeline (the count goes on).
const MAX_TIMES: usize = 2_000;
/// Arrival times kept per beaconing pair for its histogram.
const MAX_ARRIVALS: usize = 20_000;
/// Most time buckets of the connections chart before they widen.
const MAX_BUCKETS: usize = 2_048;
/// Hosts shown as top talkers.
pub const TOP_TALKERS: usize = 10;

/// The sensor's own record of its runs (`shrike_run.log`), summed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunMeta {
    pub hostnames: Vec<String>,
    pub sources: Vec<(String, String)>,
    pub start: Option<f64>,
    pub end: Option<f64>,
    pub packets: u64,
    pub versions: Vec<String>,
    pub runs: u64,
}

/// One incident: the notices of one type between the same two parties.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    pub note: String,
    pub src: String,
    /// `addr:port`, the address, or the notice's `sub` when it has no destination.
    pub dst: String,
    /// The bare destination address, when there is one.
    pub dst_addr: Option<String>,
    pub details: String,
    pub count: u64,
    /// Unknown when the log's times are masked or unreadable.
    pub first: Option<f64>,
    pub last: Option<f64>,
    /// Notice times for the timeline (up to [`MAX_TIMES`]).
    pub times: Vec<f64>,
}

/// Connections over time: `counts[i]` started in `[start + i*width, +width)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Histogram {
    pub start: f64,
    pub width: f64,
    pub counts: Vec<u64>,
}

/// A beaconing pair's connection start times, sorted.
#[derive(Debug, Clone, PartialEq)]
pub struct Arrivals {
    pub src: String,
    pub dst: String,
    pub times: Vec<f64>,
}

/// Everything the report shows.
#[derive(Debug, Default)]
pub struct Report {
    pub meta: Option<RunMeta>,
    /// Earliest and latest time in the logs.
    pub period: Option<(f64, f64)>,
    pub connections: u64,
    /// Whether any conn log was found.
    pub has_conn: bool,
    pub has_notices: bool,
    /// First seen first.
    pub incidents: Vec<Incident>,
    pub traffic: Histogram,
    /// (host, bytes sent and received), most first.
    pub talkers: Vec<(String, u64)>,
    pub beacons: Vec<Arrivals>,
    /// Rows skipped as unreadable, and rows left out past a cap.
    pub skipped: u64,
}

/// Reads the log directory into a [`Report`].
pub fn gather(cx: &Ctx) -> Result<Report, String> {
    let mut r = Report {
        meta: run_meta(cx)?,
        ..Report::default()
    };
    let mut period = Period::default();
    let notices = sources(cx, "notice");
    r.has_notices = !notices.is_empty();
    r.incidents = incidents(&notices, &mut period, &mut r.skipped)?;
    let conn = sources(cx, "conn");
    r.has_conn = !conn.is_empty();
    let mut pass = ConnPass::new(beacon_pairs(&r.incidents));
    let mut cols = Columns::new(ConnPass::FIELDS);
    each_row(&conn, &mut r.skipped, &mut |row| {
        let idx = cols.resolve(row.header);
        pass.row(row, idx, &mut period);
    })?;
    r.connections = pass.rows;
    r.traffic = std::mem::take(&mut pass.traffic).finish();
    r.talkers = pass.top_talkers(&mut r.skipped);
    r.beacons = pass.arrivals();
    r.period = period.range();
    Ok(r)
}

/// The files of a log, none when it is absent.
fn sources(cx: &Ctx, name: &str) -> Vec<Source> {
    cx.sources(name).unwrap_or_default()
}

/// Streams every row of `srcs`; counts the lines the reader skipped.
fn each_row(srcs: &[Source], skipped: &mut u64, visit: &mut dyn FnMut(&Row)) -> Result<(), String> {
    let mut reader = LogReader::new();
    for src in srcs {
        reader.read(src, &mut |row| {
            visit(row);
            Ok(())
        })?;
    }
    *skipped += reader.stats.bad_lines + reader.stats.truncated_lines;
    Ok(())
}

fn run_meta(cx: &Ctx) -> Result<Option<RunMeta>, String> {
    let srcs = sources(cx, "shrike_run");
    if srcs.is_empty() {
        return Ok(None);
    }
    let names = [
        "ts",
        "end_ts",
        "hostname",
        "source",
        "source_kind",
        "packets",
        "version",
    ];
    let mut cols = Columns::new(&names);
    let mut m = RunMeta::default();
    let mut ignored = 0;
    each_row(&srcs, &mut ignored, &mut |row| {
        let i = cols.resolve(row.header);
        let text = |k: usize| row.at(i[k]).str().map(str::to_string);
        m.runs += 1;
        m.start = min_opt(m.start, time(row.at(i[0])));
        m.end = max_opt(m.end, time(row.at(i[1])).or(time(row.at(i[0]))));
        push_new(&mut m.hostnames, text(2));
        if let Some(src) = text(3) {
            let kind = text(4).unwrap_or_else(|| "file".into());
            if !m.sources.contains(&(src.clone(), kind.clone())) {
                m.sources.push((src, kind));
            }
        }
        m.packets += row.at(i[5]).u64().unwrap_or(0);
        push_new(&mut m.versions, text(6));
    })?;
    Ok((m.runs > 0).then_some(m))
}

/// Adds a value not yet in a (short) list.
fn push_new(list: &mut Vec<String>, v: Option<String>) {
    if let Some(v) = v {
        if list.len() < 16 && !list.contains(&v) {
            list.push(v);
        }
    }
}

/// Notices grouped into incidents: note + source + destination (or `sub`).
fn incidents(
    srcs: &[Source],
    period: &mut Period,
    skipped: &mut u64,
) -> Result<Vec<Incident>, String> {
    let names = [
        "ts",
        "note",
        "msg",
        "sub",
        "src",
        "dst",
        "p",
        "id.orig_h",
        "id.resp_h",
        "id.resp_p",
    ];
    let mut cols = Columns::new(&names);
    let mut groups: Groups<(String, String, String), Incident> = Groups::new();
    each_row(srcs, skipped, &mut |row| {
        let i = cols.resolve(row.header);
        let v = |k: usize| row.at(i[k]);
        // Zeek's test logs mask times: such notices count, undated.
        let ts = time(v(0));
        if let Some(t) = ts {
            period.add(t);
        }
        let note = v(1).str().unwrap_or("-").to_string();
        let src = v(4).str().or(v(7).str()).unwrap_or("-").to_string();
        let dst_addr = v(5).str().or(v(8).str()).map(str::to_string);
        let port = v(6).str().or(v(9).str());
        let dst = match (&dst_addr, port) {
            (Some(a), Some(p)) => endpoint(a, p),
            (Some(a), None) => a.clone(),
            (None, _) => row.readable(i[3]).unwrap_or_else(|| "-".into()),
        };
        let key = (note.clone(), src.clone(), dst.clone());
        let make = || Incident {
            note,
            src,
            dst,
            dst_addr,
            details: row.readable(i[2]).unwrap_or_default(),
            count: 0,
            first: ts,
            last: ts,
            times: Vec::new(),
        };
        if let Some(inc) = groups.entry(key, make) {
            inc.count += 1;
            inc.first = min_opt(inc.first, ts);
            if ts.is_some() && ts >= inc.last {
                // The latest notice says the most (counts grow).
                inc.last = ts;
                if let Some(msg) = row.readable(i[2]) {
                    inc.details = msg;
                }
            }
            if let Some(t) = ts.filter(|_| inc.times.len() < MAX_TIMES) {
                inc.times.push(t);
            }
        }
    })?;
    *skipped += groups.dropped;
    let mut out: Vec<Incident> = groups.finish().map(|(_, v)| v).collect();
    out.sort_by(|a, b| {
        let first = |i: &Incident| i.first.unwrap_or(f64::INFINITY);
        first(a)
            .total_cmp(&first(b))
            .then_with(|| (&a.note, &a.src, &a.dst).cmp(&(&b.note, &b.src, &b.dst)))
    });
    Ok(out)
}

/// `addr:port`, IPv6 in brackets.
fn endpoint(addr: &str, port: &str) -> String {
    if addr.contains(':') {
        format!("[{addr}]:{port}")
    } else {
        format!("{addr}:{port}")
    }
}

/// (source, destination address) of every beaconing incident.
fn beacon_pairs(incidents: &[Incident]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = incidents
        .iter()
        .filter(|i| is_beaconing(&i.note))
        .filter_map(|i| Some((i.src.clone(), i.dst_addr.clone()?)))
        .collect();
    pairs.sort();
    pairs.dedup();
    pairs
}

/// Notice types that mean periodic callbacks.
pub fn is_beaconing(note: &str) -> bool {
    let kind = note.rsplit("::").next().unwrap_or(note);
    kind.contains("Beacon") || kind == "Strobe"
}

/// The conn.log pass.
struct ConnPass {
    rows: u64,
    traffic: Buckets,
    talkers: Groups<String, u64>,
    /// Beaconing pair -> its arrival times.
    pairs: HashMap<(String, String), Vec<f64>>,
}

impl ConnPass {
    const FIELDS: &'static [&'static str] = &[
        "ts",
        "duration",
        "id.orig_h",
        "id.resp_h",
        "orig_bytes",
        "resp_bytes",
    ];

    fn new(beacons: Vec<(String, String)>) -> ConnPass {
        ConnPass {
            rows: 0,
            traffic: Buckets::default(),
            talkers: Groups::new(),
            pairs: beacons.into_iter().map(|p| (p, Vec::new())).collect(),
        }
    }

    fn row(&mut self, row: &Row, i: &[Option<usize>], period: &mut Period) {
        self.rows += 1;
        let v = |k: usize| row.at(i[k]);
        let Some(ts) = time(v(0)) else { return };
        period.add(ts);
        period.add(ts + v(1).f64().unwrap_or(0.0).max(0.0));
        self.traffic.add(ts);
        let bytes = v(4)
            .u64()
            .unwrap_or(0)
            .saturating_add(v(5).u64().unwrap_or(0));
        let (orig, resp) = (v(2).str().unwrap_or("-"), v(3).str().unwrap_or("-"));
        for host in [orig, resp] {
            if let Some(total) = self.talkers.entry(host.to_string(), || 0) {
                *total = total.saturating_add(bytes);
            }
        }
        if !self.pairs.is_empty() {
            let key = (orig.to_string(), resp.to_string());
            if let Some(times) = self.pairs.get_mut(&key) {
                if times.len() < MAX_ARRIVALS {
                    times.push(ts);
                }
            }
        }
    }

    fn top_talkers(&mut self, skipped: &mut u64) -> Vec<(String, u64)> {
        let talkers = std::mem::take(&mut self.talkers);
        *skipped += talkers.dropped;
        let mut all: Vec<(String, u64)> = talkers.finish().collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        all.truncate(TOP_TALKERS);
        all
    }

    fn arrivals(&mut self) -> Vec<Arrivals> {
        let mut out: Vec<Arrivals> = self
            .pairs
            .drain()
            .map(|((src, dst), mut times)| {
                times.sort_by(f64::total_cmp);
                Arrivals { src, dst, times }
            })
            .collect();
        out.sort_by(|a, b| (&a.src, &a.dst).cmp(&(&b.src, &b.dst)));
        out
    }
}

/// Connection counts per time bucket; buckets double in width when there
/// would be more than [`MAX_BUCKETS`], so any span fits.
#[derive(Default)]
struct Buckets {
    width: f64,
    counts: BTreeMap<i64, u64>,
}

impl Buckets {
    fn add(&mut self, ts: f64) {
        if self.width == 0.0 {
            self.width = 1.0;
        }
        *self
            .counts
            .entry((ts / self.width).floor() as i64)
            .or_default() += 1;
        while self.counts.len() > MAX_BUCKETS
            || self.span() > MAX_BUCKETS as i64 * 2 && self.width < 1e12
        {
            self.widen();
        }
    }

    /// Buckets from the first to the last.
    fn span(&self) -> i64 {
        match (self.counts.first_key_value(), self.counts.last_key_value()) {
            (Some((a, _)), Some((b, _))) => b.saturating_sub(*a),
            _ => 0,
        }
    }

    fn widen(&mut self) {
        self.width *= 2.0;
        let old = std::mem::take(&mut self.counts);
        for (k, n) in old {
            *self.counts.entry(k.div_euclid(2)).or_default() += n;
        }
    }

    fn finish(self) -> Histogram {
        let Some((&first, _)) = self.counts.first_key_value() else {
            return Histogram::default();
        };
        let last = self.counts.last_key_value().map_or(first, |(k, _)| *k);
        let len = usize::try_from(last.saturating_sub(first)).unwrap_or(0) + 1;
        let mut counts = vec![0; len.min(MAX_BUCKETS * 3)];
        for (k, n) in self.counts {
            if let Some(c) = usize::try_from(k - first)
                .ok()
                .and_then(|i| counts.get_mut(i))
            {
                *c += n;
            }
        }
        Histogram {
            start: first as f64 * self.width,
            width: self.width,
            counts,
        }
    }
}

/// Earliest and latest time seen.
#[derive(Default)]
struct Period(Option<(f64, f64)>);

impl Period {
    fn add(&mut self, t: f64) {
        if !t.is_finite() {
            return;
        }
        self.0 = Some(match self.0 {
            Some((a, b)) => (a.min(t), b.max(t)),
            None => (t, t),
        });
    }

    fn range(&self) -> Option<(f64, f64)> {
        self.0
    }
}

fn min_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        _ => a.or(b),
    }
}

fn max_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        _ => a.or(b),
    }
}

/// A log time: epoch seconds, or ISO 8601 (`--json-iso8601`, Zeek's
/// `JSON::TS_ISO8601`) like `2011-03-18T19:06:08.123456Z`.
pub fn time(v: Value) -> Option<f64> {
    let s = v.str()?;
    if let Ok(t) = s.parse::<f64>() {
        return t.is_finite().then_some(t);
    }
    iso8601(s)
}

fn iso8601(s: &str) -> Option<f64> {
    let s = s.strip_suffix('Z').unwrap_or(s);
    let (date, clock) = s.split_once('T')?;
    let mut d = date.splitn(3, '-').map(|p| p.parse::<i32>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let mut c = clock.splitn(3, ':');
    let (h, min) = (
        c.next()?.parse::<i32>().ok()?,
        c.next()?.parse::<i32>().ok()?,
    );
    let sec: f64 = c.next()?.parse().ok()?;
    let valid = (1..=12).contains(&m) && (1..=31).contains(&day) && h < 24 && min < 60;
    if !valid || !(0.0..61.0).contains(&sec) {
        return None;
    }
    // SAFETY: `tm` is plain data, all zero a valid value.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    (tm.tm_year, tm.tm_mon, tm.tm_mday) = (y - 1900, m - 1, day);
    (tm.tm_hour, tm.tm_min) = (h, min);
    // SAFETY: a valid pointer to a local; timegm only reads and normalizes it.
    let secs = unsafe { libc::timegm(&mut tm) };
    Some(secs as f64 + sec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_times_match_epoch_seconds() {
        assert_eq!(
            time(Value::Text(b"2011-03-18T19:06:08.5Z")),
            Some(1_300_475_168.5)
        );
        assert_eq!(time(Value::Text(b"1300475168.5")), Some(1_300_475_168.5));
        assert_eq!(time(Value::Text(b"2011-13-18T19:06:08Z")), None);
        assert_eq!(time(Value::Text(b"nan")), None);
    }

    #[test]
    fn buckets_widen_to_fit_any_span() {
        let mut b = Buckets::default();
        for t in [0.0, 1.0, 1.5, 100_000.0] {
            b.add(t);
        }
        let h = b.finish();
        assert!(h.counts.len() <= MAX_BUCKETS * 2 + 1, "{}", h.counts.len());
        assert_eq!(h.counts.iter().sum::<u64>(), 4);
        assert_eq!(h.counts[0], 3);
        assert!(h.width >= 16.0);
    }
}
