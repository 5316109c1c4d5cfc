//! `shrike report` over synthesized log directories: TSV and gzipped JSON
//! give the same report; incidents are grouped; recommendations follow
//! the notice types; Zeek's conformance logs (when present) report too.

use analyst::report::{render, ReportFormat};
use std::io::Write;
use std::path::{Path, PathBuf};

const T0: f64 = 1_700_000_000.0;
const BEACON_SRC: &str = "10.10.5.12";
const BEACON_DST: &str = "203.0.113.50";

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("shrike-report-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A log as (fields, rows of values), `-` unset.
struct Log {
    path: &'static str,
    fields: Vec<&'static str>,
    types: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Log {
    fn tsv(&self) -> String {
        let mut s = format!(
            "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t{}\n#open\t2023-11-14-22-13-20\n#fields\t{}\n#types\t{}\n",
            self.path,
            self.fields.join("\t"),
            self.types.join("\t")
        );
        for r in &self.rows {
            s += &r.join("\t");
            s.push('\n');
        }
        s + "#close\t2023-11-14-23-13-20\n"
    }

    fn json(&self) -> String {
        let mut s = String::new();
        for r in &self.rows {
            let kv: Vec<String> = self
                .fields
                .iter()
                .zip(r)
                .zip(&self.types)
                .filter(|((_, v), _)| v.as_str() != "-")
                .map(|((f, v), t)| match *t {
                    "time" | "count" | "port" | "interval" => format!("\"{f}\":{v}"),
                    _ => format!("\"{f}\":\"{v}\""),
                })
                .collect();
            s += &format!("{{{}}}\n", kv.join(","));
        }
        s
    }
}

fn row(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

/// 62 beacon connections a minute apart, and 8 others from two hosts.
fn conn() -> Log {
    let mut rows = Vec::new();
    for i in 0..62 {
        let ts = format!("{:.6}", T0 + i as f64 * 60.0);
        rows.push(row(&[
            &ts, "0.5", BEACON_SRC, BEACON_DST, "443", "200", "300",
        ]));
    }
    for i in 0..8 {
        let ts = format!("{:.6}", T0 + 100.0 + i as f64);
        rows.push(row(&[
            &ts,
            "1.0",
            "10.10.3.45",
            "8.8.8.8",
            "53",
            "50",
            "5000",
        ]));
    }
    Log {
        path: "conn",
        fields: vec![
            "ts",
            "duration",
            "id.orig_h",
            "id.resp_h",
            "id.resp_p",
            "orig_bytes",
            "resp_bytes",
        ],
        types: vec!["time", "interval", "addr", "addr", "port", "count", "count"],
        rows,
    }
}

fn notice() -> Log {
    let n = |dt: f64, note: &str, msg: &str, sub: &str, src: &str, dst: &str, p: &str| {
        row(&[&format!("{:.6}", T0 + dt), note, msg, sub, src, dst, p])
    };
    Log {
        path: "notice",
        fields: vec!["ts", "note", "msg", "sub", "src", "dst", "p"],
        types: vec!["time", "enum", "string", "string", "addr", "addr", "port"],
        rows: vec![
            n(
                3000.0,
                "BeaconDetection::Possible_Beaconing",
                "30 connections",
                "-",
                BEACON_SRC,
                BEACON_DST,
                "443",
            ),
            n(
                3660.0,
                "BeaconDetection::Possible_Beaconing",
                "62 connections with 60.0s mean interval",
                "-",
                BEACON_SRC,
                BEACON_DST,
                "443",
            ),
            n(
                200.0,
                "DNSTunneling::DNS_Tunneling_Detected",
                "847 queries to suspect-domain.xyz",
                "suspect-domain.xyz",
                "10.10.3.45",
                "8.8.8.8",
                "-",
            ),
            n(
                400.0,
                "SSH::Password_Guessing",
                "45.33.32.156 appears to be guessing SSH passwords",
                "Sampled servers: 10.10.20.11",
                "45.33.32.156",
                "-",
                "-",
            ),
        ],
    }
}

fn run_meta() -> Log {
    Log {
        path: "shrike_run",
        fields: vec![
            "ts",
            "end_ts",
            "hostname",
            "source",
            "source_kind",
            "packets",
            "bytes",
            "connections",
            "notices",
            "version",
        ],
        types: vec![
            "time", "time", "string", "string", "string", "count", "count", "count", "count",
            "string",
        ],
        rows: vec![row(&[
            &format!("{T0:.6}"),
            &format!("{:.6}", T0 + 3661.0),
            "sensor-1",
            "/data/egress.pcap",
            "file",
            "1234",
            "99999",
            "70",
            "4",
            "0.1.0",
        ])],
    }
}

fn write_tsv(dir: &Path, logs: &[Log]) {
    for l in logs {
        std::fs::write(dir.join(format!("{}.log", l.path)), l.tsv()).unwrap();
    }
}

fn write_json_gz(dir: &Path, logs: &[Log]) {
    for l in logs {
        let f = std::fs::File::create(dir.join(format!("{}.log.gz", l.path))).unwrap();
        let mut gz = flate2::write::GzEncoder::new(f, flate2::Compression::fast());
        gz.write_all(l.json().as_bytes()).unwrap();
        gz.finish().unwrap();
    }
}

#[test]
fn markdown_report_has_the_playbook_sections_and_one_row_per_incident() {
    let dir = tmpdir("md");
    write_tsv(&dir, &[conn(), notice(), run_meta()]);
    let md = render(&dir, ReportFormat::Md).unwrap();
    let lines: Vec<&str> = md.lines().collect();
    assert_eq!(lines[0], "## Network Anomaly Detection Report");
    assert!(md.contains("**Sensor**: sensor-1 (Shrike 0.1.0)"), "{md}");
    assert!(
        md.contains("**Monitoring Interface**: capture file /data/egress.pcap (read offline); 1,234 packets, network time 2023-11-14 22:13:20 to 2023-11-14 23:14:21 UTC"),
        "{md}"
    );
    // Notices and connections span T0 .. T0+3661 (the last beacon ends at +3660.5).
    assert!(
        md.contains("**Analysis Period**: 2023-11-14 22:13:20 to 2023-11-14 23:14:20 UTC"),
        "{md}"
    );
    assert!(md.contains("**Total Connections Logged**: 70"), "{md}");
    let table: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| Notice"))
        .collect();
    assert_eq!(
        table,
        [
            "| DNSTunneling::DNS_Tunneling_Detected | 10.10.3.45 | 8.8.8.8 | 847 queries to suspect-domain.xyz | 1 | 2023-11-14 22:16:40 | 2023-11-14 22:16:40 |",
            "| SSH::Password_Guessing | 45.33.32.156 | Sampled servers: 10.10.20.11 | 45.33.32.156 appears to be guessing SSH passwords | 1 | 2023-11-14 22:20:00 | 2023-11-14 22:20:00 |",
            "| BeaconDetection::Possible_Beaconing | 10.10.5.12 | 203.0.113.50:443 | 62 connections with 60.0s mean interval | 2 | 2023-11-14 23:03:20 | 2023-11-14 23:14:20 |",
        ]
    );
    let recs: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_digit()))
        .collect();
    assert_eq!(
        recs,
        [
            "1. Isolate 10.10.3.45 and investigate for DNS tunneling malware (1 incident, 1 notice: DNSTunneling::DNS_Tunneling_Detected ×1)",
            "2. Block 203.0.113.50 at the firewall and forensically image 10.10.5.12 (1 incident, 2 notices: BeaconDetection::Possible_Beaconing ×2)",
            "3. Block 45.33.32.156 and enforce SSH key-only authentication on the hosts they targeted (1 incident, 1 notice: SSH::Password_Guessing ×1)",
        ]
    );
}

#[test]
fn gzipped_json_logs_give_the_same_report() {
    let (tsv, json) = (tmpdir("tsv"), tmpdir("json"));
    write_tsv(&tsv, &[conn(), notice(), run_meta()]);
    write_json_gz(&json, &[conn(), notice(), run_meta()]);
    for format in [ReportFormat::Md, ReportFormat::Html] {
        assert_eq!(
            render(&tsv, format).unwrap(),
            render(&json, format).unwrap()
        );
    }
}

#[test]
fn without_run_metadata_the_report_says_so() {
    let dir = tmpdir("nometa");
    write_tsv(&dir, &[conn()]);
    let md = render(&dir, ReportFormat::Md).unwrap();
    assert!(
        md.contains("**Sensor**: not recorded (these logs have no shrike_run log"),
        "{md}"
    );
    assert!(md.contains("None found: there is no notice log"), "{md}");
    assert!(md.contains("No action needed"), "{md}");
}

#[test]
fn html_report_is_self_contained_with_every_chart() {
    let dir = tmpdir("html");
    write_tsv(&dir, &[conn(), notice(), run_meta()]);
    let html = render(&dir, ReportFormat::Html).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    for id in [
        "chart-connections",
        "chart-talkers",
        "chart-notices",
        "chart-beacon-1",
    ] {
        assert!(html.contains(&format!("<svg id=\"{id}\"")), "{id} missing");
    }
    assert!(!html.contains("<script"), "no scripts");
    assert!(
        !html.contains("http://")
            || html.matches("http://").count()
                == html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
    );
    assert!(!html.contains("https://"));
    // The beacon's 61 gaps of 60 s land in one bin: one bar.
    let beacon = html.split("<svg id=\"chart-beacon-1\"").nth(1).unwrap();
    let beacon = &beacon[..beacon.find("</svg>").unwrap()];
    assert_eq!(beacon.matches("class=\"bar\"").count(), 1);
    assert!(beacon.contains("<title>61</title>"));
    assert!(
        html.contains("Beaconing 10.10.5.12 → 203.0.113.50: 62 connections, mean interval 60.0s")
    );
    // Top talkers: the beacon's two hosts carry 62*500 bytes, the DNS pair 8*5050.
    let talkers = html.split("<svg id=\"chart-talkers\"").nth(1).unwrap();
    let first = talkers.find("10.10.3.45").unwrap();
    assert!(first < talkers.find(BEACON_SRC).unwrap());
    assert!(talkers.contains(">40.4 KB</text>"), "{talkers}");
}

#[test]
fn zeek_conformance_logs_report() {
    let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/cases");
    let case = cases.join("scripts.policy.protocols.ssl.expiring-certs");
    if !case.is_dir() {
        eprintln!("skipped: ../shared/conformance not found");
        return;
    }
    let md = render(&case, ReportFormat::Md).unwrap();
    assert!(md.contains("**Sensor**: not recorded"), "{md}");
    assert!(
        md.contains("| SSL::Certificate_Expired | 192.168.4.149 | 87.98.220.10:443 |"),
        "{md}"
    );
    assert!(
        md.contains(
            "1. Replace the expired or expiring TLS certificates on 87.98.220.10 and 122.1.240.204"
        ),
        "{md}"
    );
    let html = render(&case, ReportFormat::Html).unwrap();
    assert!(html.contains("<svg id=\"chart-notices\""));
}
