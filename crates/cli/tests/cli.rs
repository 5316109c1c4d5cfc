//! End-to-end: the `shrike` binary on captures the test synthesizes.

mod common;

use common::{ip, run_on, shrike, tmpdir, Run, T0};
use std::net::IpAddr;
use std::process::{Command, Stdio};
use testkit::packet::Packet;
use testkit::{gzip, vxlan, Capture, PcapFormat, TcpConversation, MS, SEC};

/// A small mixed capture: two HTTP-like sessions, a rejected attempt, DNS,
/// a ping and a VXLAN-tunnelled ping.
fn traffic() -> Capture {
    let mut cap = Capture::new();
    for i in 0..2u16 {
        let conv = TcpConversation::new(
            ip("10.1.1.1"),
            40000 + i,
            ip("93.184.216.34"),
            80,
            T0 + i as i64 * SEC,
        )
        .handshake()
        .client_sends(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .server_sends(&[b'y'; 700])
        .close();
        cap.extend(conv.frames());
    }
    cap.extend(
        TcpConversation::new(ip("10.1.1.1"), 41000, ip("10.1.1.9"), 23, T0 + 2 * SEC)
            .rejected()
            .frames(),
    );
    cap.push(
        T0 + 3 * SEC,
        Packet::udp(ip("10.1.1.1"), 5353, ip("10.1.1.53"), 53)
            .payload(&[1; 30])
            .build(),
    );
    cap.push(
        T0 + 3 * SEC + MS,
        Packet::udp(ip("10.1.1.53"), 53, ip("10.1.1.1"), 5353)
            .payload(&[2; 90])
            .build(),
    );
    cap.push(
        T0 + 4 * SEC,
        Packet::icmp_echo(ip("10.1.1.1"), ip("8.8.8.8"), 1, 1, false)
            .payload(&[0; 56])
            .build(),
    );
    cap.push(
        T0 + 4 * SEC + MS,
        Packet::icmp_echo(ip("8.8.8.8"), ip("10.1.1.1"), 1, 1, true)
            .payload(&[0; 56])
            .build(),
    );
    // One UDP flow seen on two VLANs is still one connection.
    cap.push(
        T0 + 4 * SEC,
        Packet::udp(ip("10.1.1.2"), 7000, ip("10.1.1.3"), 7001)
            .vlan(10)
            .build(),
    );
    cap.push(
        T0 + 4 * SEC + MS,
        Packet::udp(ip("10.1.1.3"), 7001, ip("10.1.1.2"), 7000)
            .vlan(20)
            .build(),
    );
    let inner = Packet::icmp_echo(ip("10.9.0.1"), ip("10.9.0.2"), 5, 1, false).build();
    cap.push(
        T0 + 5 * SEC,
        vxlan(ip("172.16.0.1"), 40000, ip("172.16.0.2"), 7, &inner).build(),
    );
    cap.sorted()
}

fn pcap() -> Vec<u8> {
    traffic().to_bytes(PcapFormat::Pcap {
        nanos: false,
        big_endian: false,
    })
}

/// conn.log rows without the uid and with columns joined, sorted.
fn normalized(rows: &[Vec<String>]) -> Vec<String> {
    let mut v: Vec<String> = rows
        .iter()
        .map(|r| [&r[..1], &r[2..]].concat().join("\t"))
        .collect();
    v.sort();
    v
}

#[test]
fn writes_zeek_tsv_conn_log() {
    let r = run_on(&pcap(), "tsv", &["--workers", "1", "-q"]);
    assert!(r.out.status.success(), "{}", r.stderr());
    let log = r.log("conn.log");
    let header: Vec<&str> = log.lines().take(8).collect();
    assert_eq!(header[0], "#separator \\x09");
    assert_eq!(header[1], "#set_separator\t,");
    assert_eq!(header[4], "#path\tconn");
    assert!(header[6].starts_with(
        "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration"
    ));
    assert!(log.lines().last().unwrap().starts_with("#close\t"));
    let rows = r.rows("conn.log");
    assert_eq!(rows.len(), 8, "{log}");
    let http: Vec<_> = rows.iter().filter(|r| r[5] == "80").collect();
    assert_eq!(http.len(), 2);
    for h in http {
        assert_eq!(h[11], "SF");
        assert_eq!(h[15], "ShADadFf");
        assert_eq!(h[9], "27");
        assert_eq!(h[10], "700");
    }
    let rej = rows.iter().find(|r| r[5] == "23").unwrap();
    assert_eq!((rej[11].as_str(), rej[15].as_str()), ("REJ", "Sr"));
    let dns = rows.iter().find(|r| r[5] == "53").unwrap();
    assert_eq!(
        (dns[6].as_str(), dns[9].as_str(), dns[10].as_str()),
        ("udp", "30", "90")
    );
    let tunnelled = rows.iter().find(|r| r[2] == "10.9.0.1").unwrap();
    let outer = rows.iter().find(|r| r[5] == "4789").unwrap();
    assert_eq!(
        tunnelled[20], outer[1],
        "tunnel_parents names the VXLAN connection"
    );
    // tunnel.log has the discovery and the close of that tunnel.
    let tunnels = r.rows("tunnel.log");
    assert_eq!(tunnels.len(), 2);
    assert_eq!(tunnels[0][6], "Tunnel::VXLAN");
}

#[test]
fn local_networks_fill_local_orig() {
    let r = run_on(&pcap(), "private", &["-q"]);
    let rows = r.rows("conn.log");
    let http = rows.iter().find(|r| r[5] == "80").unwrap();
    // Private address space counts as local by default.
    assert_eq!((http[12].as_str(), http[13].as_str()), ("T", "F"));
    let r = run_on(
        &pcap(),
        "localnet",
        &["-q", "--local-net", "93.184.216.0/24"],
    );
    let rows = r.rows("conn.log");
    let http = rows.iter().find(|r| r[5] == "80").unwrap();
    assert_eq!((http[12].as_str(), http[13].as_str()), ("T", "T"));

    let dir = tmpdir("netcfg");
    std::fs::write(
        dir.join("networks.cfg"),
        "# local\n8.8.8.0/24\tPublic DNS\n",
    )
    .unwrap();
    std::fs::write(dir.join("in.pcap"), pcap()).unwrap();
    let out = shrike(
        &dir.join("in.pcap"),
        &dir.join("logs"),
        &[
            "-q",
            "--networks",
            dir.join("networks.cfg").to_str().unwrap(),
        ],
    );
    assert!(out.status.success());
    let r = Run {
        dir: dir.join("logs"),
        out,
    };
    let ping = r
        .rows("conn.log")
        .into_iter()
        .find(|r| r[2] == "10.1.1.1" && r[6] == "icmp")
        .unwrap();
    assert_eq!(ping[13], "T");
}

#[test]
fn zeek_config_redefs_are_honoured_and_unknowns_reported() {
    let dir = tmpdir("zcfg");
    std::fs::write(
        dir.join("local.zeek"),
        "@load policy/protocols/conn/mac-logging\n@load protocols/unknown/thing\nredef LogAscii::use_json = T;\nredef Site::local_nets += { 93.184.216.0/24 };\nredef Some::option = 3;\n",
    )
    .unwrap();
    std::fs::write(dir.join("in.pcap"), pcap()).unwrap();
    let out = shrike(
        &dir.join("in.pcap"),
        &dir.join("logs"),
        &[
            "--zeek-config",
            dir.join("local.zeek").to_str().unwrap(),
            "-q",
        ],
    );
    let r = Run {
        dir: dir.join("logs"),
        out,
    };
    assert!(r.out.status.success(), "{}", r.stderr());
    let err = r.stderr();
    assert!(
        err.contains("Some::option") && err.contains("protocols/unknown/thing"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "reported once: {err}");
    let log = r.log("conn.log");
    let http = log
        .lines()
        .find(|l| l.contains("\"id.resp_p\":80"))
        .expect("JSON rows");
    assert!(http.starts_with("{\"ts\":"), "{http}");
    assert!(http.contains("\"local_resp\":true"));
    assert!(
        http.contains("\"orig_l2_addr\":\"02:00:00:00:00:01\""),
        "{http}"
    );
}

#[test]
fn json_output_has_zeek_keys() {
    let r = run_on(&pcap(), "json", &["--json", "-q"]);
    let log = r.log("conn.log");
    assert!(!log.starts_with('#'));
    for line in log.lines() {
        assert!(
            line.starts_with("{\"ts\":") && line.ends_with('}'),
            "{line}"
        );
        assert!(line.contains("\"id.orig_h\":\"") && line.contains("\"uid\":\"C"));
    }
    let iso = run_on(&pcap(), "iso", &["--json", "--json-iso8601", "-q"]);
    assert!(
        iso.log("conn.log")
            .lines()
            .all(|l| l.starts_with("{\"ts\":\"2023-11-14T22:13:")),
        "{}",
        iso.log("conn.log")
    );
}

#[test]
fn worker_count_does_not_change_the_output() {
    let one = run_on(&pcap(), "w1", &["--workers", "1", "--seed", "3", "-q"]);
    let four = run_on(&pcap(), "w4", &["--workers", "4", "--seed", "3", "-q"]);
    let (a, b) = (one.rows("conn.log"), four.rows("conn.log"));
    assert_eq!(normalized(&a), normalized(&b));
    let uids = |rows: &[Vec<String>]| {
        let mut u: Vec<String> = rows.iter().map(|r| r[1].clone()).collect();
        u.sort();
        u
    };
    assert_eq!(
        uids(&a),
        uids(&b),
        "seeded uids are stable across worker counts"
    );
}

#[test]
fn every_capture_format_reads_the_same() {
    let cap = traffic();
    let base = normalized(&run_on(&pcap(), "fmt-base", &["-q", "--seed", "1"]).rows("conn.log"));
    let variants = [
        (
            "ns-be",
            cap.to_bytes(PcapFormat::Pcap {
                nanos: true,
                big_endian: true,
            }),
        ),
        ("pcapng", cap.to_bytes(PcapFormat::Pcapng)),
        ("gzip", gzip(&pcap())),
    ];
    for (tag, bytes) in variants {
        let r = run_on(&bytes, tag, &["-q", "--seed", "1"]);
        assert!(r.out.status.success(), "{tag}: {}", r.stderr());
        assert_eq!(normalized(&r.rows("conn.log")), base, "{tag}");
    }
    // Standard input.
    let dir = tmpdir("stdin");
    let mut child = Command::new(env!("CARGO_BIN_EXE_shrike"))
        .args(["-r", "-", "-q", "--seed", "1", "--logdir"])
        .arg(dir.join("logs"))
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), &pcap()).unwrap();
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    let r = Run {
        dir: dir.join("logs"),
        out,
    };
    assert_eq!(normalized(&r.rows("conn.log")), base);
}

#[test]
fn capture_filter_selects_packets() {
    let r = run_on(&pcap(), "filter", &["-q", "-f", "udp port 53"]);
    let rows = r.rows("conn.log");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][5], "53");
    let bad = run_on(&pcap(), "badfilter", &["-q", "-f", "port banana"]);
    assert_eq!(bad.out.status.code(), Some(1));
    assert!(bad.stderr().contains("bad filter"));
}

#[test]
fn not_a_capture_is_one_clear_error() {
    let r = run_on(b"this is not a capture file at all", "garbage", &[]);
    assert_eq!(r.out.status.code(), Some(1));
    let err = r.stderr();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("is not a pcap or pcapng capture"), "{err}");
    assert!(!r.dir.join("conn.log").exists());
}

#[test]
fn truncated_capture_is_a_warning_and_the_rest_is_processed() {
    let mut bytes = pcap();
    bytes.truncate(bytes.len() - 10);
    let r = run_on(&bytes, "trunc", &[]);
    assert!(r.out.status.success());
    assert!(
        r.stderr().contains("truncated last record"),
        "{}",
        r.stderr()
    );
    // Everything but the cut-off VXLAN packet (outer and inner connection).
    assert_eq!(r.rows("conn.log").len(), 6);
    assert!(r.log("conn.log").contains("#close"));
}

#[test]
fn corrupt_capture_fails_and_leaves_no_complete_log() {
    let mut bytes = pcap();
    // Make the third record's length absurd.
    let mut off = 24;
    for _ in 0..2 {
        let incl = u32::from_le_bytes(bytes[off + 8..off + 12].try_into().unwrap()) as usize;
        off += 16 + incl;
    }
    bytes[off + 8..off + 12].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
    let r = run_on(&bytes, "corrupt", &["--workers", "1"]);
    assert_eq!(r.out.status.code(), Some(1));
    assert!(r.stderr().contains("corrupt"), "{}", r.stderr());
    assert!(!r.log("conn.log").contains("#close"));
    let json = run_on(&bytes, "corrupt-json", &["--workers", "2", "--json"]);
    assert_eq!(json.out.status.code(), Some(1));
    assert!(
        !json.dir.join("conn.log").exists(),
        "a JSON log of a failed run is not left under its final name"
    );
}

#[test]
fn bad_arguments_give_one_line() {
    let out = Command::new(env!("CARGO_BIN_EXE_shrike"))
        .args(["-r", "x.pcap", "--workers", "many"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_shrike"))
        .args(["-r", "/nonexistent/file.pcap"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /nonexistent/file.pcap"));
}

#[test]
fn summary_line_unless_quiet() {
    let r = run_on(&pcap(), "summary", &[]);
    let err = r.stderr();
    assert!(
        err.contains("packets") && err.contains("connections") && err.contains("MB/s"),
        "{err}"
    );
    let q = run_on(&pcap(), "quiet", &["-q"]);
    assert!(q.stderr().is_empty(), "{}", q.stderr());
}

#[test]
fn syn_flood_memory_is_bounded() {
    let mut cap = Capture::new();
    for i in 0..20_000u32 {
        let src = IpAddr::from(std::net::Ipv4Addr::from(0x0b00_0000 + i));
        cap.push(
            T0 + i as i64 * 1000,
            Packet::tcp(src, 1024 + (i % 50000) as u16, ip("10.0.0.80"), 80)
                .flags(0x02)
                .seq(i)
                .build(),
        );
    }
    let bytes = cap.to_bytes(PcapFormat::Pcap {
        nanos: false,
        big_endian: false,
    });
    let r = run_on(
        &bytes,
        "flood",
        &["--max-connections", "500", "--workers", "1"],
    );
    assert!(r.out.status.success());
    assert!(
        r.stderr().contains("19500 connections evicted"),
        "{}",
        r.stderr()
    );
    assert_eq!(r.rows("conn.log").len(), 20_000);
    assert!(r.log("weird.log").contains("conn_table_full_evicting"));
}
