//! `shrike -r capture --report`: the sensor runs, records its run in
//! shrike_run.log, and writes the anomaly report into the log directory;
//! the HTML report renders in headless Chromium (when installed; the
//! project's test script installs it) with its charts and no errors.

mod common;

use common::{ip, run_on, Run, T0};
use std::path::Path;
use std::process::Command;
use testkit::{Capture, PcapFormat, TcpConversation, MS, SEC};

const SCANNER: &str = "45.33.32.156";
const BEACON: (&str, &str) = ("10.10.5.12", "45.33.32.50");

/// A host calling home every 60 s for an hour, and a remote scanner
/// probing 40 ports of another host.
fn capture() -> Vec<u8> {
    let mut cap = Capture::new();
    for i in 0..62i64 {
        let t = T0 + i * 60 * SEC;
        let call = TcpConversation::new(ip(BEACON.0), 40000 + i as u16, ip(BEACON.1), 443, t)
            .handshake()
            .client_sends(b"ping")
            .server_sends(b"pong")
            .close();
        cap.extend(call.frames());
    }
    for port in 1..=40u16 {
        let t = T0 + 30 * SEC + port as i64 * 100 * MS;
        let probe = TcpConversation::new(ip(SCANNER), 50000, ip("10.10.20.11"), port, t).rejected();
        cap.extend(probe.frames());
    }
    cap.sorted().to_bytes(PcapFormat::Pcap {
        nanos: false,
        big_endian: false,
    })
}

fn sensor(tag: &str, extra: &[&str]) -> Run {
    let mut args = vec!["--local-net", "10.0.0.0/8", "-q", "--report"];
    args.extend_from_slice(extra);
    let run = run_on(&capture(), tag, &args);
    assert!(run.out.status.success(), "{}", run.stderr());
    run
}

#[test]
fn report_flag_writes_the_report_after_the_run() {
    let run = sensor("md", &[]);
    let meta = run.rows("shrike_run.log");
    assert_eq!(meta.len(), 1);
    let md = run.log("report.md");
    assert!(
        md.starts_with("## Network Anomaly Detection Report"),
        "{md}"
    );
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    assert!(
        md.contains(&format!("**Sensor**: {} (Shrike ", host.trim())),
        "{md}"
    );
    assert!(md.contains("in.pcap (read offline); "), "{md}");
    assert!(
        md.contains("**Analysis Period**: 2023-11-14 22:13:20 to "),
        "{md}"
    );
    let conns = run.rows("conn.log").len();
    assert!(
        md.contains(&format!("**Total Connections Logged**: {conns}")),
        "{md}"
    );
    assert!(
        md.contains(&format!(
            "| BeaconDetection::Possible_Beaconing | {} | {}:443 |",
            BEACON.0, BEACON.1
        )),
        "{md}"
    );
    assert!(
        md.contains(&format!("| Scan::Port_Scan | {SCANNER} |")),
        "{md}"
    );
    assert!(
        md.contains(&format!(
            "Block {} at the firewall and forensically image {}",
            BEACON.1, BEACON.0
        )),
        "{md}"
    );
    assert!(
        md.contains(&format!("Block {SCANNER} at the perimeter")),
        "{md}"
    );
}

#[test]
fn report_of_json_logs_matches_the_tsv_one() {
    let tsv = sensor("tsv", &["--seed", "1"]);
    let json = sensor("json", &["--seed", "1", "--json"]);
    let body = |run: &Run| {
        // The sensor lines name each run's own capture path.
        run.log("report.md")
            .lines()
            .filter(|l| !l.starts_with("**Monitoring Interface**"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(body(&tsv), body(&json));
}

/// Debian's Chromium, when installed.
fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser"].into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

fn headless(browser: &str, profile: &Path, args: &[&str], page: &Path) -> std::process::Output {
    Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap()
}

#[test]
fn html_report_renders_in_headless_chromium() {
    let run = sensor("html", &["--report-format", "html"]);
    let page = run.dir.join("report.html");
    assert!(page.is_file());
    let Some(browser) = chromium() else {
        eprintln!("skipped: chromium is not installed (scripts/test installs Debian's chromium)");
        return;
    };
    let profile = run.dir.join("chromium-profile");
    let dom = headless(browser, &profile, &["--dump-dom"], &page);
    let html = String::from_utf8_lossy(&dom.stdout);
    for id in [
        "chart-connections",
        "chart-talkers",
        "chart-notices",
        "chart-beacon-1",
    ] {
        assert!(
            html.contains(&format!("<svg id=\"{id}\"")),
            "{id} not in the DOM"
        );
    }
    assert!(html.contains("<circle"), "timeline dots rendered");
    let shot = run.dir.join("report.png");
    let out = headless(
        browser,
        &profile,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=900,2400",
        ],
        &page,
    );
    for o in [&dom, &out] {
        let stderr = String::from_utf8_lossy(&o.stderr);
        let errors: Vec<&str> = stderr
            .lines()
            .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught"))
            .collect();
        assert!(errors.is_empty(), "console errors: {errors:?}");
    }
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(png.len() > 10_000, "screenshot of {} bytes", png.len());
    assert!(png_colours(&png) > 1, "the screenshot is blank");
}

/// Different pixel values of an 8-bit RGB(A) PNG (a blank page has one).
fn png_colours(png: &[u8]) -> usize {
    use std::io::Read;
    let (mut idat, mut width, mut bpp) = (Vec::new(), 0usize, 4usize);
    let mut at = 8;
    while at + 8 <= png.len() {
        let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
        let end = (at + 8 + len).min(png.len());
        let body = &png[at + 8..end];
        match &png[at + 4..at + 8] {
            b"IHDR" => {
                width = u32::from_be_bytes(body[..4].try_into().unwrap()) as usize;
                bpp = if body[9] == 2 { 3 } else { 4 };
            }
            b"IDAT" => idat.extend_from_slice(body),
            _ => {}
        }
        at = end + 4;
    }
    let mut raw = Vec::new();
    flate2::read::ZlibDecoder::new(&idat[..])
        .read_to_end(&mut raw)
        .unwrap();
    let stride = width * bpp;
    let mut prev = vec![0u8; stride];
    let mut seen = std::collections::HashSet::new();
    for line in raw.chunks(stride + 1) {
        let (filter, data) = (line[0], &line[1..]);
        let mut row = data.to_vec();
        for i in 0..row.len() {
            let a = if i >= bpp { row[i - bpp] } else { 0 };
            let (b, c) = (prev[i], if i >= bpp { prev[i - bpp] } else { 0 });
            row[i] = row[i].wrapping_add(match filter {
                1 => a,
                2 => b,
                3 => ((a as u16 + b as u16) / 2) as u8,
                4 => paeth(a, b, c),
                _ => 0,
            });
        }
        for px in row.chunks(bpp) {
            seen.insert(px.to_vec());
        }
        prev = row;
    }
    seen.len()
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = a as i16 + b as i16 - c as i16;
    let (pa, pb, pc) = (
        (p - a as i16).abs(),
        (p - b as i16).abs(),
        (p - c as i16).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}
