//! End-to-end: `--intel FILE` over a synthesized capture — an address and a
//! domain indicator hit, intel.log and notice.log are written; bad lines and
//! missing files are warnings, never failures.

mod common;

use common::{ip, run_on, Run, T0};
use std::collections::BTreeSet;
use testkit::packet::Packet;
use testkit::{Capture, PcapFormat, TcpConversation, SEC};

const EVIL_IP: &str = "203.0.113.66";
const CLIENT: &str = "10.1.0.9";

/// A DNS query for evil.example, an HTTP request to the evil address with
/// that Host, and benign traffic.
fn capture() -> Vec<u8> {
    let mut cap = Capture::new();
    let q = testkit::dns::message(7, "evil.example", None);
    cap.push(
        T0,
        Packet::udp(ip(CLIENT), 20000, ip("10.1.0.53"), 53)
            .payload(&q)
            .build(),
    );
    let web = TcpConversation::new(ip(CLIENT), 40000, ip(EVIL_IP), 80, T0 + SEC)
        .handshake()
        .client_sends(b"GET /beacon HTTP/1.1\r\nHost: Evil.Example\r\n\r\n")
        .server_sends(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        .close();
    cap.extend(web.frames());
    let benign = TcpConversation::new(ip(CLIENT), 40001, ip("93.184.216.34"), 80, T0 + 2 * SEC)
        .handshake()
        .client_sends(b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n")
        .server_sends(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        .close();
    cap.extend(benign.frames());
    cap.sorted().to_bytes(PcapFormat::Pcap {
        nanos: false,
        big_endian: false,
    })
}

fn intel_file(tag: &str) -> std::path::PathBuf {
    let dir = common::tmpdir(tag);
    let path = dir.join("intel.dat");
    std::fs::write(
        &path,
        format!(
            "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.do_notice\n\
             {EVIL_IP}\tIntel::ADDR\tfeed-a\tC2 server\tT\n\
             evil.example\tIntel::DOMAIN\tfeed-b\tC2 domain\tT\n\
             not-an-address\tIntel::ADDR\tfeed-a\tbroken\tF\n"
        ),
    )
    .unwrap();
    path
}

/// (indicator, where) of every intel.log row.
fn hits(run: &Run) -> BTreeSet<(String, String)> {
    let log = run.log("intel.log");
    let fields: Vec<&str> = log
        .lines()
        .find_map(|l| l.strip_prefix("#fields\t"))
        .map(|f| f.split('\t').collect())
        .unwrap_or_default();
    let col = |name: &str| fields.iter().position(|f| *f == name).unwrap();
    run.rows("intel.log")
        .iter()
        .map(|r| {
            (
                r[col("seen.indicator")].clone(),
                r[col("seen.where")].clone(),
            )
        })
        .collect()
}

fn expected() -> BTreeSet<(String, String)> {
    [
        ("evil.example", "DNS::IN_REQUEST"),
        ("Evil.Example", "HTTP::IN_HOST_HEADER"),
        (EVIL_IP, "Conn::IN_RESP"),
    ]
    .iter()
    .map(|(i, w)| (i.to_string(), w.to_string()))
    .collect()
}

#[test]
fn address_and_domain_hits_write_intel_log_and_notices() {
    let intel = intel_file("intel-e2e");
    for workers in ["1", "2"] {
        let run = run_on(
            &capture(),
            &format!("intel-w{workers}"),
            &[
                "--intel",
                intel.to_str().unwrap(),
                "--workers",
                workers,
                "-q",
            ],
        );
        assert!(run.out.status.success(), "{}", run.stderr());
        assert_eq!(hits(&run), expected(), "{}", run.log("intel.log"));
        let notices: Vec<Vec<String>> = run.rows("notice.log");
        let intel_notices: Vec<&Vec<String>> = notices
            .iter()
            .filter(|r| r.iter().any(|f| f == "Intel::Notice"))
            .collect();
        // One per indicator and host pair: the domain at DNS and at HTTP
        // (different pairs), the address.
        assert_eq!(intel_notices.len(), 3, "{}", run.log("notice.log"));
        assert!(run
            .log("notice.log")
            .contains(&format!("Intel hit on {EVIL_IP} at Conn::IN_RESP")));
        let err = run.stderr();
        assert!(
            err.contains("intel.dat, line 4: \"not-an-address\" is not an address"),
            "{err}"
        );
    }
}

#[test]
fn missing_intel_files_are_a_warning() {
    let run = run_on(
        &capture(),
        "intel-missing",
        &["--intel", "/nonexistent/intel.dat", "-q"],
    );
    assert!(run.out.status.success());
    assert!(run
        .stderr()
        .contains("cannot read intel file /nonexistent/intel.dat"));
    assert!(!run.dir.join("intel.log").exists());
}

#[test]
fn zeek_configs_read_files_and_load_seen_scripts() {
    let intel = intel_file("intel-zeek");
    let zeek = intel.with_file_name("local.zeek");
    std::fs::write(
        &zeek,
        format!(
            "@load frameworks/intel/seen/dns\nredef Intel::read_files += {{ \"{}\" }};\n",
            intel.display()
        ),
    )
    .unwrap();
    let run = run_on(
        &capture(),
        "intel-zeek-run",
        &["--zeek-config", zeek.to_str().unwrap(), "-q"],
    );
    assert!(run.out.status.success(), "{}", run.stderr());
    let only_dns: BTreeSet<_> =
        [("evil.example".to_string(), "DNS::IN_REQUEST".to_string())].into();
    assert_eq!(hits(&run), only_dns);
    assert!(
        !run.dir.join("notice.log").exists(),
        "do_notice is not loaded"
    );
}
