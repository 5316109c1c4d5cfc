//! End-to-end: detections over synthesized captures, written to notice.log
//! by the `shrike` binary, with one worker and with several.

mod common;

use common::{ip, run_on, Run, T0};
use std::collections::BTreeSet;
use testkit::packet::Packet;
use testkit::{Capture, PcapFormat, TcpConversation, MS, SEC};

const SCANNER: &str = "45.33.32.156";
const TUNNELER: &str = "10.1.0.7";

/// A remote scanner probing 40 ports of one host (refused), a host
/// tunnelling data through DNS names, and benign background: web
/// sessions and ordinary lookups from other hosts.
fn capture() -> Vec<u8> {
    let mut cap = Capture::new();
    for port in 1..=40u16 {
        let t = T0 + port as i64 * 100 * MS;
        let probe = TcpConversation::new(ip(SCANNER), 50000, ip("10.1.0.5"), port, t).rejected();
        cap.extend(probe.frames());
    }
    for i in 0..250u32 {
        let name = format!(
            "{:08x}{:08x}{:08x}{:08x}.{:08x}.t.example.net",
            i.wrapping_mul(2654435761),
            i ^ 0x5bd1e995,
            i.rotate_left(13),
            i.wrapping_mul(0x9e3779b9),
            i * 7
        );
        let q = testkit::dns::message(i as u16, &name, None);
        let t = T0 + i as i64 * 400 * MS;
        cap.push(
            t,
            Packet::udp(ip(TUNNELER), 30000 + i as u16, ip("10.1.0.53"), 53)
                .payload(&q)
                .build(),
        );
    }
    for i in 0..20u16 {
        let t = T0 + i as i64 * 3 * SEC;
        let web = TcpConversation::new(ip("10.1.0.9"), 40000 + i, ip("93.184.216.34"), 80, t)
            .handshake()
            .client_sends(b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n")
            .server_sends(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            .close();
        cap.extend(web.frames());
        let q = testkit::dns::message(i, "www.example.com", None);
        cap.push(
            t,
            Packet::udp(ip("10.1.0.9"), 20000 + i, ip("10.1.0.53"), 53)
                .payload(&q)
                .build(),
        );
    }
    cap.sorted().to_bytes(PcapFormat::Pcap {
        nanos: false,
        big_endian: false,
    })
}

/// (note, src) of every notice.
fn notices(run: &Run) -> BTreeSet<(String, String)> {
    let header = run.log("notice.log");
    let fields: Vec<&str> = header
        .lines()
        .find_map(|l| l.strip_prefix("#fields\t"))
        .map(|f| f.split('\t').collect())
        .unwrap_or_default();
    let col = |name: &str| fields.iter().position(|f| *f == name).unwrap();
    run.rows("notice.log")
        .iter()
        .map(|r| (r[col("note")].clone(), r[col("src")].clone()))
        .collect()
}

fn expected() -> BTreeSet<(String, String)> {
    [
        ("Scan::Port_Scan", SCANNER),
        ("DNSTunneling::DNS_Tunneling_Detected", TUNNELER),
        ("DNSTunneling::DNS_Long_Query", TUNNELER),
        ("DNS::C2_Over_DNS", TUNNELER),
    ]
    .iter()
    .map(|(n, s)| (n.to_string(), s.to_string()))
    .collect()
}

#[test]
fn default_run_writes_the_notices_of_every_detection() {
    let one = run_on(&capture(), "det-w1", &["--workers", "1", "-q"]);
    assert!(one.out.status.success(), "{}", one.stderr());
    assert_eq!(notices(&one), expected(), "{}", one.log("notice.log"));
    let scan = one
        .rows("notice.log")
        .into_iter()
        .find(|r| r.contains(&"Scan::Port_Scan".to_string()))
        .unwrap();
    assert!(
        scan.iter()
            .any(|f| f == "45.33.32.156 scanned at least 25 unique ports on host 10.1.0.5 in 0m2s"),
        "{scan:?}"
    );
}

#[test]
fn detections_see_every_worker_s_records() {
    // The scanner's probes and the tunnel's queries are spread over the
    // workers by the flow hash; the notices are the same.
    for workers in ["2", "3"] {
        let many = run_on(
            &capture(),
            &format!("det-w{workers}"),
            &["--workers", workers, "-q"],
        );
        assert!(many.out.status.success(), "{}", many.stderr());
        assert_eq!(notices(&many), expected(), "{workers} workers");
    }
    // A compressed capture is read by one thread that feeds the workers.
    let gz = testkit::gzip(&capture());
    let fed = run_on(&gz, "det-gz", &["--workers", "2", "-q"]);
    assert_eq!(notices(&fed), expected(), "gzip, 2 workers");
}

#[test]
fn detections_can_be_switched_off_and_zeek_configs_choose_them() {
    let off = run_on(&capture(), "det-off", &["--no-detections", "-q"]);
    assert!(!off.dir.join("notice.log").exists());
    assert!(off.dir.join("conn.log").exists());

    // A Zeek config runs only the detections it loads.
    let dir = common::tmpdir("det-zeek");
    let zeek = dir.join("local.zeek");
    std::fs::write(&zeek, "@load misc/scan\nredef Scan::scan_threshold = 30;\n").unwrap();
    let z = run_on(
        &capture(),
        "det-zeek-run",
        &["--zeek-config", zeek.to_str().unwrap(), "-q"],
    );
    let only_scan: BTreeSet<_> = [("Scan::Port_Scan".to_string(), SCANNER.to_string())].into();
    assert_eq!(notices(&z), only_scan);
    assert!(z.log("notice.log").contains("at least 30 unique ports"));
    assert!(z.stderr().is_empty(), "{}", z.stderr());
}

#[test]
fn toml_config_sets_options_and_bad_ones_name_the_line() {
    let dir = common::tmpdir("det-toml");
    let good = dir.join("good.toml");
    std::fs::write(
        &good,
        "[detect.scan]\nenabled = false\n\n[detect.dns_c2]\nenabled = false\n\n[detect.dns_tunneling]\nmax_query_length = 255\n",
    )
    .unwrap();
    let r = run_on(
        &capture(),
        "det-toml-run",
        &["--config", good.to_str().unwrap(), "-q"],
    );
    let tunnel_only: BTreeSet<_> = [(
        "DNSTunneling::DNS_Tunneling_Detected".to_string(),
        TUNNELER.to_string(),
    )]
    .into();
    assert_eq!(notices(&r), tunnel_only);

    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "[detect.scan]\nscan_threshold = 25\nscan_treshold = 30\n",
    )
    .unwrap();
    let r = run_on(
        &capture(),
        "det-toml-bad",
        &["--config", bad.to_str().unwrap(), "-q"],
    );
    assert_eq!(r.out.status.code(), Some(1));
    let err = r.stderr();
    assert!(
        err.contains("bad.toml: line 3: unknown option detect.scan.scan_treshold"),
        "{err}"
    );
}
