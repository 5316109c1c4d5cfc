//! The report as one self-contained HTML page: the Markdown report's
//! content, then charts drawn as inline SVG (connections over time, top
//! talkers, the notice timeline, and each beaconing pair's inter-arrival
//! histogram). No scripts and nothing fetched: it opens anywhere.

use super::advice::Advice;
use super::gather::{Arrivals, Report};
use super::svg::{self, escape};
use super::{thousands, utc, when, Facts};
use std::fmt::Write;

/// Most bars of the connections chart.
const TRAFFIC_BARS: usize = 120;
/// Bins of an inter-arrival histogram.
const GAP_BINS: usize = 40;

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:1000px;padding:0 1em;color:#212529;background:#f8f9fa}\
h2{border-bottom:2px solid #1864ab;padding-bottom:.3em}\
table{border-collapse:collapse;width:100%;font-size:.9em;background:#fff}\
th,td{border:1px solid #ced4da;padding:.35em .5em;text-align:left;vertical-align:top;overflow-wrap:anywhere}\
th{background:#e9ecef}td.n{text-align:right}\
.facts p{margin:.2em 0}.evidence{color:#495057;font-size:.9em}\
figure{margin:1.5em 0;background:#fff;border:1px solid #dee2e6;padding:.5em}\
figcaption{font-weight:600;margin-bottom:.3em}\
svg .label{font-size:11px;fill:#343a40;font-family:inherit}";

pub fn render(r: &Report, facts: &Facts, advice: &[Advice]) -> String {
    let mut out = String::new();
    let _ = write_page(&mut out, r, facts, advice);
    out
}

fn write_page(out: &mut String, r: &Report, f: &Facts, advice: &[Advice]) -> std::fmt::Result {
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>\n",
        super::TITLE
    )?;
    writeln!(out, "<h2>{}</h2>\n<div class=\"facts\">", super::TITLE)?;
    for (label, value) in f.lines() {
        writeln!(out, "<p><strong>{label}</strong>: {}</p>", escape(&value))?;
    }
    writeln!(out, "</div>\n<h3>Anomalies Detected</h3>")?;
    anomalies(out, r, f)?;
    writeln!(out, "<h3>Recommendations</h3>")?;
    if advice.is_empty() {
        writeln!(out, "<p>No action needed: no anomalies were detected.</p>")?;
    } else {
        writeln!(out, "<ol id=\"recommendations\">")?;
        for a in advice {
            writeln!(
                out,
                "<li>{} <span class=\"evidence\">({})</span></li>",
                escape(&a.text),
                escape(&a.evidence)
            )?;
        }
        writeln!(out, "</ol>")?;
    }
    if r.skipped > 0 {
        writeln!(
            out,
            "<p><em>{} log rows were unreadable or past the report's limits and were left out.</em></p>",
            r.skipped
        )?;
    }
    writeln!(out, "<h3>Charts</h3>")?;
    charts(out, r)?;
    writeln!(out, "</body></html>")
}

fn anomalies(out: &mut String, r: &Report, f: &Facts) -> std::fmt::Result {
    if r.incidents.is_empty() {
        return writeln!(out, "<p>{}</p>", f.no_anomalies());
    }
    writeln!(
        out,
        "<table id=\"anomalies\"><thead><tr><th>Notice Type</th><th>Source</th><th>Destination</th><th>Details</th><th>Count</th><th>First Seen (UTC)</th><th>Last Seen (UTC)</th></tr></thead><tbody>"
    )?;
    for i in &r.incidents {
        writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
            escape(&i.note),
            escape(&i.src),
            escape(&i.dst),
            escape(&i.details),
            i.count,
            when(i.first),
            when(i.last)
        )?;
    }
    writeln!(out, "</tbody></table>")
}

fn charts(out: &mut String, r: &Report) -> std::fmt::Result {
    let t = &r.traffic;
    let end = t.start + t.width * t.counts.len() as f64;
    let (start_label, end_label) = (utc(t.start), utc(end));
    figure(
        out,
        "Connections over time",
        &svg::bars(
            "chart-connections",
            "Connections started per interval",
            &rebin(&t.counts, TRAFFIC_BARS),
            (&start_label, &end_label),
        ),
    )?;
    figure(
        out,
        "Top talkers (bytes sent and received)",
        &svg::hbars("chart-talkers", "Top talkers by bytes", &r.talkers, bytes),
    )?;
    let (a, b) = r.period.unwrap_or((0.0, 0.0));
    figure(
        out,
        "Timeline of notices",
        &svg::timeline(
            "chart-notices",
            "Notices over the analysis period, by type",
            &lanes(r),
            (a, b),
            (&utc(a), &utc(b)),
        ),
    )?;
    for (n, pair) in r.beacons.iter().enumerate() {
        beacon(out, n + 1, pair)?;
    }
    Ok(())
}

fn figure(out: &mut String, caption: &str, svg: &str) -> std::fmt::Result {
    writeln!(
        out,
        "<figure><figcaption>{}</figcaption>{svg}</figure>",
        escape(caption)
    )
}

/// A beaconing pair's histogram of gaps between connection starts.
fn beacon(out: &mut String, n: usize, pair: &Arrivals) -> std::fmt::Result {
    let gaps: Vec<f64> = pair.times.windows(2).map(|w| w[1] - w[0]).collect();
    let max = gaps.iter().copied().fold(0.0, f64::max);
    let mut bins = vec![0u64; GAP_BINS];
    for g in &gaps {
        let i = if max > 0.0 {
            (g / max * GAP_BINS as f64) as usize
        } else {
            0
        };
        bins[i.min(GAP_BINS - 1)] += 1;
    }
    let mean = if gaps.is_empty() {
        0.0
    } else {
        gaps.iter().sum::<f64>() / gaps.len() as f64
    };
    let caption = format!(
        "Beaconing {} → {}: {} connections, mean interval {mean:.1}s",
        pair.src,
        pair.dst,
        pair.times.len()
    );
    let svg = svg::bars(
        &format!("chart-beacon-{n}"),
        "Inter-arrival times (seconds)",
        &bins,
        ("0 s", &format!("{max:.1} s")),
    );
    writeln!(
        out,
        "<figure class=\"beacon\"><figcaption>{}</figcaption>{svg}</figure>",
        escape(&caption)
    )
}

/// Notice times per notice type, in order of first appearance.
fn lanes(r: &Report) -> Vec<(String, Vec<f64>)> {
    let mut lanes: Vec<(String, Vec<f64>)> = Vec::new();
    for i in &r.incidents {
        match lanes.iter_mut().find(|(n, _)| *n == i.note) {
            Some((_, times)) => times.extend_from_slice(&i.times),
            None => lanes.push((i.note.clone(), i.times.clone())),
        }
    }
    lanes
}

/// Adjacent counts summed so there are at most `most`.
fn rebin(counts: &[u64], most: usize) -> Vec<u64> {
    let per = counts.len().div_ceil(most.max(1)).max(1);
    counts.chunks(per).map(|c| c.iter().sum()).collect()
}

/// 1536 as `1.5 KB` (decimal units, as conn.log's byte counts).
fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KB", "MB", "GB", "TB", "PB"];
    if n < 1000 {
        return format!("{} B", thousands(n));
    }
    let mut v = n as f64 / 1000.0;
    let mut unit = 0;
    while v >= 1000.0 && unit + 1 < UNITS.len() {
        v /= 1000.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebinning_keeps_the_total() {
        let counts: Vec<u64> = (0..250).collect();
        let bars = rebin(&counts, 120);
        assert!(bars.len() <= 120);
        assert_eq!(bars.iter().sum::<u64>(), counts.iter().sum::<u64>());
    }

    #[test]
    fn byte_counts_read_well() {
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(1_500), "1.5 KB");
        assert_eq!(bytes(2_000_000_000), "2.0 GB");
    }
}
