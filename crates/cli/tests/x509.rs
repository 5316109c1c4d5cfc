//! End-to-end: x509.log from TLS certificate chains, deduplicated over
//! the whole run whatever the number of workers, and the scripts and
//! redefs that change it.

mod common;

use common::{ip, run_on, tmpdir, Run, T0};
use testkit::{Capture, PcapFormat, TcpConversation, SEC};

const LEAF: &[u8] = include_bytes!("../../x509/tests/data/p384-san.der");
const CA: &[u8] = include_bytes!("../../x509/tests/data/rsa-specials.der");

fn with_len(len_bytes: usize, body: &[u8]) -> Vec<u8> {
    let len = (body.len() as u32).to_be_bytes();
    [&len[4 - len_bytes..], body].concat()
}

fn handshake_record(msg_type: u8, body: &[u8]) -> Vec<u8> {
    let msg = [&[msg_type][..], &with_len(3, body)].concat();
    [&[22, 3, 3][..], &with_len(2, &msg)].concat()
}

fn client_hello() -> Vec<u8> {
    let mut b = vec![3, 3];
    b.extend([0x11; 32]);
    b.push(0); // session id
    b.extend(with_len(2, &[0xC0, 0x2F]));
    b.extend([1, 0]); // compression methods: null
    handshake_record(1, &b)
}

fn server_flight(chain: &[&[u8]]) -> Vec<u8> {
    let mut hello = vec![3, 3];
    hello.extend([0x22; 32]);
    hello.extend([0, 0xC0, 0x2F, 0]);
    let certs: Vec<u8> = chain.iter().flat_map(|c| with_len(3, c)).collect();
    [
        handshake_record(2, &hello),
        handshake_record(11, &with_len(3, &certs)),
    ]
    .concat()
}

/// `n` TLS connections from as many clients to as many servers, each
/// server sending the same chain.
fn capture(n: u8) -> Vec<u8> {
    let mut cap = Capture::new();
    for i in 0..n {
        let client = ip(&format!("10.0.{i}.1"));
        let server = ip(&format!("192.0.2.{}", i + 1));
        let start = T0 + i64::from(i) * SEC;
        cap.extend(
            TcpConversation::new(client, 40000 + u16::from(i), server, 443, start)
                .handshake()
                .client_sends(&client_hello())
                .server_sends(&server_flight(&[LEAF, CA]))
                .close()
                .frames(),
        );
    }
    cap.sorted().to_bytes(PcapFormat::Pcap {
        nanos: false,
        big_endian: false,
    })
}

fn run_with_config(tag: &str, config: &str, workers: &str) -> Run {
    let dir = tmpdir(&format!("{tag}-config"));
    let path = dir.join("local.zeek");
    std::fs::write(&path, config).unwrap();
    let path = path.to_str().unwrap();
    let args = ["--seed", "1", "--workers", workers, "--zeek-config", path];
    run_on(&capture(8), tag, &args)
}

fn subjects_and_host_flags(r: &Run) -> Vec<(String, String)> {
    let rows = r.rows("x509.log");
    // certificate.subject and host_cert
    rows.iter()
        .map(|row| (row[4].clone(), row[20].clone()))
        .collect()
}

#[test]
fn each_certificate_is_logged_once_across_workers() {
    for workers in ["1", "4"] {
        let r = run_on(
            &capture(8),
            &format!("x509-dedup-{workers}"),
            &["--seed", "1", "--workers", workers],
        );
        assert!(r.out.status.success(), "{}", r.stderr());
        let mut rows = subjects_and_host_flags(&r);
        rows.sort();
        assert_eq!(
            rows,
            [
                ("CN=\\\\ lead\\\\;\\\\<x\\\\> \\\\\\\\ trail\\\\ ,OU=\\\\#1 \\\\\"R\\\\+D\\\\\",O=Acme\\\\, Inc.,C=US".into(), "F".into()),
                ("CN=ec.example".into(), "T".into()),
            ],
            "{workers} workers:\n{}",
            r.log("x509.log")
        );
        assert_eq!(r.rows("ssl.log").len(), 8);
        assert!(
            !r.log("files.log").contains("x509"),
            "certificates are not files.log rows"
        );
    }
}

#[test]
fn host_certs_only_without_deduplication() {
    let config = "@load protocols/ssl/log-hostcerts-only\n\
                  redef X509::relog_known_certificates_after = 0secs;\n";
    let r = run_with_config("x509-hostcerts", config, "2");
    assert!(r.out.status.success(), "{}", r.stderr());
    let rows = subjects_and_host_flags(&r);
    assert_eq!(rows.len(), 8, "{}", r.log("x509.log"));
    assert!(rows
        .iter()
        .all(|(s, host)| s == "CN=ec.example" && host == "T"));
    assert!(!r.stderr().contains("ignoring"), "{}", r.stderr());
}

#[test]
fn ssl_log_subject_columns_when_asked_for() {
    let config = "redef SSL::log_include_server_certificate_subject_issuer = T;\n";
    let r = run_with_config("x509-ssl-subject", config, "1");
    let header = r.log("ssl.log");
    let fields = header.lines().find(|l| l.starts_with("#fields")).unwrap();
    assert!(
        fields.contains("\tsubject\tissuer\tsni_matches_cert"),
        "{fields}"
    );
    assert!(!fields.contains("client_subject"));
    let row = &r.rows("ssl.log")[0];
    assert_eq!(row[row.len() - 3], "CN=ec.example");
}

#[test]
fn a_certificate_that_does_not_parse_is_a_file_weird() {
    let mut cap = Capture::new();
    cap.extend(
        TcpConversation::new(ip("10.0.0.1"), 40000, ip("192.0.2.1"), 443, T0)
            .handshake()
            .client_sends(&client_hello())
            .server_sends(&server_flight(&[b"\x30\x03\x02\x01\x01", CA]))
            .close()
            .frames(),
    );
    let pcap = cap.sorted().to_bytes(PcapFormat::Pcap {
        nanos: false,
        big_endian: false,
    });
    let r = run_on(&pcap, "x509-weird", &["--seed", "1"]);
    let weirds = r.rows("weird.log");
    let row = weirds
        .iter()
        .find(|w| w[6] == "x509_cert_parse_error")
        .unwrap_or_else(|| panic!("{}", r.log("weird.log")));
    // No connection; addl is the file id.
    assert_eq!(&row[1..6], ["-", "-", "-", "-", "-"]);
    assert!(row[7].starts_with('F'), "{row:?}");
    assert_eq!(r.rows("x509.log").len(), 1);
}
