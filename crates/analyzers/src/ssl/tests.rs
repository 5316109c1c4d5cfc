//! End-to-end tests: TLS conversations built byte by byte, run through the
//! analyzer, checked against the ssl.log row Zeek would write.

use super::*;
use crate::context::{AnalyzerConfig, ConnInfo, FuidGen};
use crate::x509::tests::certificate_der as certificate;
use crate::x509::X509Record;
use records::Time;
use std::net::{IpAddr, Ipv4Addr};

const CIPHER_ECDHE_RSA_AES128_GCM: u16 = 0xC02F;

fn record(content: u8, version: u16, body: &[u8]) -> Vec<u8> {
    let mut r = vec![content];
    r.extend(version.to_be_bytes());
    r.extend((body.len() as u16).to_be_bytes());
    r.extend(body);
    r
}

fn handshake(msg_type: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![msg_type];
    m.extend(&(body.len() as u32).to_be_bytes()[1..]);
    m.extend(body);
    m
}

fn hs_record(msg_type: u8, body: &[u8]) -> Vec<u8> {
    record(22, 0x0303, &handshake(msg_type, body))
}

fn vec8(b: &[u8]) -> Vec<u8> {
    [&[b.len() as u8][..], b].concat()
}

fn vec16(b: &[u8]) -> Vec<u8> {
    [&(b.len() as u16).to_be_bytes()[..], b].concat()
}

fn ext(kind: u16, data: &[u8]) -> Vec<u8> {
    [&kind.to_be_bytes()[..], &vec16(data)].concat()
}

fn sni(name: &str) -> Vec<u8> {
    ext(0, &vec16(&[&[0u8][..], &vec16(name.as_bytes())].concat()))
}

fn alpn(protocols: &[&str]) -> Vec<u8> {
    let list: Vec<u8> = protocols.iter().flat_map(|p| vec8(p.as_bytes())).collect();
    ext(16, &vec16(&list))
}

fn client_hello(session_id: &[u8], exts: &[Vec<u8>]) -> Vec<u8> {
    let mut b = vec![3, 3];
    b.extend([0x11; 32]);
    b.extend(vec8(session_id));
    b.extend(vec16(&[0x13, 0x01, 0xC0, 0x2F]));
    b.extend(vec8(&[0]));
    b.extend(vec16(&exts.concat()));
    handshake(1, &b)
}

fn server_hello(random: [u8; 32], session_id: &[u8], cipher: u16, exts: &[Vec<u8>]) -> Vec<u8> {
    let mut b = vec![3, 3];
    b.extend(random);
    b.extend(vec8(session_id));
    b.extend(cipher.to_be_bytes());
    b.push(0);
    b.extend(vec16(&exts.concat()));
    handshake(2, &b)
}

fn certificate_msg(certs: &[Vec<u8>]) -> Vec<u8> {
    let list: Vec<u8> = certs
        .iter()
        .flat_map(|c| [&(c.len() as u32).to_be_bytes()[1..], c].concat())
        .collect();
    handshake(
        11,
        &[&(list.len() as u32).to_be_bytes()[1..], &list].concat(),
    )
}

/// One analyzer on one connection, with what it reported.
struct Run {
    analyzer: SslAnalyzer,
    config: AnalyzerConfig,
    out: Vec<AppRecord>,
    confirmed: bool,
    violation: Option<String>,
    now: i64,
}

impl Run {
    fn new() -> Self {
        Run {
            analyzer: SslAnalyzer::new(),
            config: AnalyzerConfig::default(),
            out: Vec::new(),
            confirmed: false,
            violation: None,
            now: 1_000_000,
        }
    }

    fn with(&mut self, f: impl FnOnce(&mut SslAnalyzer, &mut Context<'_>)) {
        let conn = ConnInfo {
            uid: "CTest",
            orig_h: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
            orig_p: 50000,
            resp_h: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
            resp_p: 443,
            proto: 6,
            local_orig: None,
            local_resp: None,
            start: records::Time(0),
        };
        let mut fuids = FuidGen::new(Some(1));
        self.now += 1;
        let mut cx = Context::new(
            &conn,
            Time(self.now),
            &self.config,
            &mut fuids,
            &mut self.out,
        );
        f(&mut self.analyzer, &mut cx);
        self.confirmed |= cx.confirmed;
        if let Some((reason, _)) = cx.violation.take() {
            self.violation.get_or_insert(reason);
        }
    }

    fn send(&mut self, is_orig: bool, bytes: &[u8]) -> &mut Self {
        self.with(|a, cx| a.deliver(cx, is_orig, bytes));
        self
    }

    fn finish(&mut self) -> &mut Self {
        self.with(|a, cx| a.finish(cx));
        self
    }

    /// The ssl.log rows written so far.
    fn rows(&self) -> Vec<&SslRecord> {
        self.out
            .iter()
            .filter_map(|r| match r {
                AppRecord::Ssl(s) => Some(&**s),
                _ => None,
            })
            .collect()
    }

    fn row(&self) -> &SslRecord {
        let rows = self.rows();
        assert_eq!(rows.len(), 1, "exactly one ssl.log row");
        rows[0]
    }

    /// The x509.log rows written so far.
    fn x509_rows(&self) -> Vec<&X509Record> {
        let rows = self.out.iter().filter_map(|r| match r {
            AppRecord::X509(x) => Some(&**x),
            _ => None,
        });
        rows.collect()
    }

    fn weirds(&self) -> Vec<&'static str> {
        self.out
            .iter()
            .filter_map(|r| match r {
                AppRecord::Weird(w) => Some(w.name),
                _ => None,
            })
            .collect()
    }
}

/// A TLS 1.2 ECDHE handshake: client bytes and server bytes per flight.
fn tls12_flights(cert: &[u8]) -> Vec<(bool, Vec<u8>)> {
    let ske = handshake(12, &[3, 0, 23, 1, 4]);
    vec![
        (
            true,
            hs_record(
                1,
                &client_hello(&[], &[sni("www.example.com"), alpn(&["h2", "http/1.1"])])[4..],
            ),
        ),
        (
            false,
            [record(
                22,
                0x0303,
                &[
                    server_hello([5; 32], &[], CIPHER_ECDHE_RSA_AES128_GCM, &[alpn(&["h2"])]),
                    certificate_msg(&[cert.to_vec()]),
                    ske,
                    handshake(14, &[]),
                ]
                .concat(),
            )]
            .concat(),
        ),
        (
            true,
            [
                hs_record(16, &[0; 33]),
                record(20, 0x0303, &[1]),
                record(22, 0x0303, &[0xEE; 40]),
            ]
            .concat(),
        ),
        (
            false,
            [record(20, 0x0303, &[1]), record(22, 0x0303, &[0xDD; 40])].concat(),
        ),
    ]
}

fn cert_for_example() -> Vec<u8> {
    certificate("www.example.com", &["www.example.com", "example.com"])
}

#[test]
fn tls12_handshake_logs_when_established() {
    let cert = cert_for_example();
    let mut run = Run::new();
    for (is_orig, bytes) in tls12_flights(&cert) {
        run.send(is_orig, &bytes);
    }
    assert!(run.confirmed);
    assert_eq!(run.violation, None);
    let row = run.row();
    assert_eq!(row.version.as_deref(), Some("TLSv12"));
    assert_eq!(
        row.cipher.as_deref(),
        Some("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
    );
    assert_eq!(row.curve.as_deref(), Some("secp256r1"));
    assert_eq!(
        row.server_name.as_ref().map(|s| &s.0[..]),
        Some(&b"www.example.com"[..])
    );
    assert_eq!(
        row.next_protocol.as_ref().map(|s| &s.0[..]),
        Some(&b"h2"[..])
    );
    assert!(row.established);
    assert!(!row.resumed);
    assert_eq!(row.ssl_history, "CsxknGIi");
    assert_eq!(
        row.cert_chain_fps,
        Some(vec![x509::Fingerprint::of(&cert).to_string()])
    );
    assert_eq!(row.client_cert_chain_fps, Some(vec![]));
    assert_eq!(row.sni_matches_cert, Some(true));
    assert_eq!(row.ts, Time(1_000_001), "ts is the first record's time");
    // Established sessions are logged once; the analyzer is done.
    run.send(false, &record(23, 0x0303, &[1; 10])).finish();
    assert_eq!(run.rows().len(), 1);
}

#[test]
fn records_split_byte_by_byte() {
    let cert = cert_for_example();
    let mut run = Run::new();
    for (is_orig, bytes) in tls12_flights(&cert) {
        for b in bytes {
            run.send(is_orig, &[b]);
        }
    }
    let row = run.row();
    assert_eq!(row.ssl_history, "CsxknGIi");
    assert!(row.established);
    assert_eq!(row.sni_matches_cert, Some(true));
}

#[test]
fn handshake_message_fragmented_over_records() {
    let hello = client_hello(&[], &[sni("frag.example")]);
    let (a, b) = hello.split_at(20);
    let mut run = Run::new();
    run.send(
        true,
        &[record(22, 0x0301, a), record(22, 0x0301, b)].concat(),
    )
    .finish();
    assert!(run.confirmed);
    let row = run.row();
    assert_eq!(
        row.server_name.as_ref().map(|s| &s.0[..]),
        Some(&b"frag.example"[..])
    );
    assert_eq!(row.ssl_history, "C");
    assert!(!row.established);
    assert_eq!(row.cert_chain_fps, None);
}

#[test]
fn tls13_negotiated_by_supported_versions() {
    let key_share_client = ext(
        51,
        &vec16(&[&29u16.to_be_bytes()[..], &vec16(&[9; 32])].concat()),
    );
    let key_share_server = ext(51, &[&29u16.to_be_bytes()[..], &vec16(&[8; 32])].concat());
    let mut run = Run::new();
    run.send(
        true,
        &hs_record(
            1,
            &client_hello(
                &[7; 32],
                &[
                    sni("tls13.example"),
                    ext(43, &[4, 3, 4, 3, 3]),
                    key_share_client,
                ],
            )[4..],
        ),
    );
    let sh = server_hello(
        [6; 32],
        &[7; 32],
        0x1301,
        &[ext(43, &[3, 4]), key_share_server],
    );
    run.send(
        false,
        &[
            hs_record(2, &sh[4..]),
            record(20, 0x0303, &[1]),
            record(23, 0x0303, &[0xAB; 50]),
        ]
        .concat(),
    );
    assert!(
        run.rows().is_empty(),
        "not established before the client encrypts"
    );
    run.send(
        true,
        &[record(20, 0x0303, &[1]), record(23, 0x0303, &[0xCD; 50])].concat(),
    );
    let row = run.row();
    assert_eq!(row.version.as_deref(), Some("TLSv13"));
    assert_eq!(row.cipher.as_deref(), Some("TLS_AES_128_GCM_SHA256"));
    assert_eq!(row.curve.as_deref(), Some("x25519"));
    assert_eq!(row.ssl_history, "CsiI");
    assert!(row.established);
    assert!(
        !row.resumed,
        "an echoed session id does not mean resumption in TLS 1.3"
    );
    assert_eq!(row.cert_chain_fps, None);
    assert_eq!(row.sni_matches_cert, None);
}

#[test]
fn hello_retry_request_and_psk_resumption() {
    let hrr_random = session::HELLO_RETRY_RANDOM;
    let mut run = Run::new();
    run.send(
        true,
        &hs_record(1, &client_hello(&[], &[ext(43, &[2, 3, 4])])[4..]),
    );
    run.send(
        false,
        &hs_record(
            2,
            &server_hello(
                hrr_random,
                &[],
                0x1301,
                &[ext(43, &[3, 4]), ext(51, &[0, 24])],
            )[4..],
        ),
    );
    run.send(
        true,
        &hs_record(
            1,
            &client_hello(&[], &[ext(43, &[2, 3, 4]), ext(41, &[0; 10])])[4..],
        ),
    );
    run.send(
        false,
        &hs_record(
            2,
            &server_hello([1; 32], &[], 0x1302, &[ext(43, &[3, 4]), ext(41, &[0, 0])])[4..],
        ),
    );
    run.finish();
    let row = run.row();
    assert_eq!(row.ssl_history, "CjCs");
    assert_eq!(row.curve.as_deref(), Some("secp384r1"));
    assert_eq!(row.cipher.as_deref(), Some("TLS_AES_256_GCM_SHA384"));
    assert!(row.resumed);
}

#[test]
fn session_id_echo_resumes_tls12() {
    let id = [0x42; 32];
    let mut run = Run::new();
    run.send(true, &hs_record(1, &client_hello(&id, &[])[4..]));
    run.send(
        false,
        &[
            hs_record(2, &server_hello([3; 32], &id, 0x009C, &[])[4..]),
            record(20, 0x0303, &[1]),
            record(22, 0x0303, &[0x99; 40]),
        ]
        .concat(),
    );
    run.send(
        true,
        &[record(20, 0x0303, &[1]), record(22, 0x0303, &[0x98; 40])].concat(),
    );
    let row = run.row();
    assert!(row.resumed);
    assert!(row.established);
    assert_eq!(row.ssl_history, "CsiI");
    assert_eq!(
        row.cipher.as_deref(),
        Some("TLS_RSA_WITH_AES_128_GCM_SHA256")
    );
    assert_eq!(row.curve, None);
}

#[test]
fn plain_alert_is_logged_at_connection_end() {
    let mut run = Run::new();
    run.send(true, &hs_record(1, &client_hello(&[], &[])[4..]));
    run.send(false, &record(21, 0x0303, &[2, 40]));
    assert!(run.rows().is_empty());
    run.finish();
    let row = run.row();
    assert_eq!(row.ssl_history, "Cl");
    assert_eq!(row.last_alert.as_deref(), Some("handshake_failure"));
    assert_eq!(row.version, None);
    assert!(!row.established);
    assert_eq!(row.sni_matches_cert, None);
}

#[test]
fn excessive_alerts_are_capped() {
    let mut run = Run::new();
    run.send(false, &record(21, 0x0303, &[1, 0].repeat(12)))
        .finish();
    assert_eq!(run.row().ssl_history, "l".repeat(10));
    assert_eq!(run.weirds(), vec!["SSL_excessive_alerts_in_record"]);
}

#[test]
fn sslv2_client_hello_then_tls_server_hello() {
    // SSLv2 CLIENT-HELLO: version 3.1, one 3-byte cipher, 16-byte challenge.
    let mut body = vec![1, 3, 1, 0, 3, 0, 0, 0, 16, 0x01, 0x00, 0x80];
    body.extend([0x77; 16]);
    let mut v2 = vec![0x80 | (body.len() >> 8) as u8, body.len() as u8];
    v2.extend(body);
    let mut run = Run::new();
    run.send(true, &v2);
    assert!(run.confirmed);
    run.send(
        false,
        &record(22, 0x0301, &server_hello([2; 32], &[], 0x0005, &[])),
    )
    .finish();
    assert_eq!(run.violation, None);
    let row = run.row();
    assert_eq!(row.ssl_history, "Cs");
    assert_eq!(row.version.as_deref(), Some("TLSv12"));
    assert_eq!(row.cipher.as_deref(), Some("TLS_RSA_WITH_RC4_128_SHA"));
}

#[test]
fn flipped_roles_are_marked() {
    let mut run = Run::new();
    run.send(false, &hs_record(1, &client_hello(&[], &[])[4..]));
    run.send(
        true,
        &hs_record(2, &server_hello([2; 32], &[], 0x002F, &[])[4..]),
    )
    .finish();
    assert_eq!(run.row().ssl_history, "^Cs");
}

#[test]
fn non_tls_is_a_violation_without_a_row() {
    let mut run = Run::new();
    run.send(true, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .finish();
    assert_eq!(
        run.violation.as_deref(),
        Some("Invalid version in TLS connection. Version: 17748")
    );
    assert!(!run.confirmed);
    assert!(run.rows().is_empty());
}

#[test]
fn bad_version_late_in_connection() {
    let mut run = Run::new();
    run.send(
        true,
        &hs_record(1, &client_hello(&[], &[sni("late.example")])[4..]),
    );
    run.send(false, &record(22, 0x0000, &[0; 4]));
    assert_eq!(
        run.violation.as_deref(),
        Some("Invalid version late in TLS connection. Packet reported version: 0")
    );
    assert_eq!(run.row().ssl_history, "C");
    run.send(
        false,
        &hs_record(2, &server_hello([2; 32], &[], 0x002F, &[])[4..]),
    );
    assert_eq!(run.rows().len(), 1, "nothing parsed after a violation");
}

#[test]
fn unknown_handshake_type_and_record_type() {
    let mut run = Run::new();
    run.send(true, &hs_record(1, &client_hello(&[], &[])[4..]));
    run.send(false, &hs_record(9, &[1, 2]));
    assert_eq!(
        run.violation.as_deref(),
        Some("unknown handshake message (9) from responder")
    );
    assert_eq!(run.row().ssl_history, "C");

    let mut run = Run::new();
    run.send(true, &record(25, 0x0301, &[0; 3]));
    assert_eq!(
        run.violation.as_deref(),
        Some("unknown SSL record type (25) from originator")
    );
}

#[test]
fn gap_stops_analysis_but_keeps_the_session() {
    let mut run = Run::new();
    run.send(
        true,
        &hs_record(1, &client_hello(&[], &[sni("gap.example")])[4..]),
    );
    run.with(|a, cx| a.gap(cx, false, 100));
    run.send(
        false,
        &hs_record(2, &server_hello([2; 32], &[], 0x002F, &[])[4..]),
    )
    .finish();
    assert_eq!(run.row().ssl_history, "C");
}

#[test]
fn oversized_handshake_message_is_refused() {
    let mut run = Run::new();
    run.send(true, &record(22, 0x0301, &[1, 0x7F, 0xFF, 0xFF]));
    assert!(run.violation.as_deref().unwrap_or("").contains("too large"));
    assert!(run.analyzer.sides.iter().all(|s| s.handshake.is_empty()));
}

#[test]
fn history_is_capped() {
    let mut run = Run::new();
    for _ in 0..60 {
        run.send(false, &record(21, 0x0303, &[1, 0, 1, 0]));
    }
    run.finish();
    assert_eq!(run.row().ssl_history.len(), session::MAX_HISTORY);
    assert_eq!(run.weirds(), vec!["SSL_max_ssl_history_length_reached"]);
}

#[test]
fn server_name_weirds() {
    let entry = |name: &[u8]| [&[0u8][..], &vec16(name)].concat();
    let two_names = ext(
        0,
        &vec16(&[entry(b"a.example"), entry(b"b.example")].concat()),
    );
    let mut run = Run::new();
    run.send(true, &hs_record(1, &client_hello(&[], &[two_names])[4..]))
        .finish();
    assert_eq!(
        run.row().server_name.as_ref().map(|s| &s.0[..]),
        Some(&b"a.example"[..])
    );
    assert_eq!(run.weirds(), vec!["SSL_many_server_names"]);

    let odd_type = ext(0, &vec16(&[9, 0, 1, b'x']));
    let mut run = Run::new();
    run.send(true, &hs_record(1, &client_hello(&[], &[odd_type])[4..]))
        .finish();
    assert_eq!(run.row().server_name, None);
    assert_eq!(run.weirds(), vec!["ssl_ext_unknown_server_name_type"]);
}

#[test]
fn certificate_chains_are_bounded() {
    let cert = cert_for_example();
    let mut run = Run::new();
    for _ in 0..30 {
        run.send(
            false,
            &record(
                22,
                0x0303,
                &certificate_msg(&[cert.clone(), cert.clone(), cert.clone()]),
            ),
        );
    }
    run.finish();
    assert_eq!(run.row().cert_chain_fps.as_ref().map(Vec::len), Some(64));
}

#[test]
fn chain_certificates_become_x509_rows() {
    let leaf = cert_for_example();
    let ca = certificate("Test CA", &[]);
    let mut run = Run::new();
    run.config.x509.relog_after = records::Interval(0);
    run.send(
        true,
        &record(22, 0x0303, &client_hello(&[], &[sni("www.example.com")])),
    );
    let chain = certificate_msg(&[leaf.clone(), vec![], ca.clone()]);
    run.send(false, &record(22, 0x0303, &chain));
    // The client's certificate: flagged as such, and first of its chain.
    run.send(
        true,
        &record(22, 0x0303, &certificate_msg(std::slice::from_ref(&leaf))),
    );
    run.finish();
    let rows: Vec<_> = run
        .x509_rows()
        .iter()
        .map(|r| (r.subject.as_str(), r.host_cert, r.client_cert))
        .collect();
    assert_eq!(
        rows,
        [
            ("CN=www.example.com", true, false),
            ("CN=Test CA", false, false),
            ("CN=www.example.com", true, true),
        ]
    );
    assert_eq!(run.weirds(), ["zero_length_certificate"]);
    let row = run.row();
    let fps = |c: &[u8]| x509::Fingerprint::of(c).to_string();
    assert_eq!(row.cert_chain_fps, Some(vec![fps(&leaf), fps(&ca)]));
    assert_eq!(row.client_cert_chain_fps, Some(vec![fps(&leaf)]));
    assert_eq!(row.subject.as_deref(), Some("CN=www.example.com"));
    assert_eq!(row.issuer.as_deref(), Some("CN=Test CA"));
    assert_eq!(row.client_subject.as_deref(), Some("CN=www.example.com"));
    assert_eq!(row.sni_matches_cert, Some(true));
}

#[test]
fn unparseable_first_certificate_leaves_no_sni_verdict() {
    let mut run = Run::new();
    run.send(
        true,
        &record(22, 0x0303, &client_hello(&[], &[sni("www.example.com")])),
    );
    let chain = certificate_msg(&[vec![0x30, 0x00], cert_for_example()]);
    run.send(false, &record(22, 0x0303, &chain)).finish();
    let row = run.row();
    assert_eq!(row.cert_chain_fps.as_ref().map(Vec::len), Some(1));
    assert_eq!(row.sni_matches_cert, None);
    assert_eq!(row.subject, None);
    assert_eq!(run.weirds(), ["x509_cert_parse_error"]);
    assert_eq!(run.x509_rows().len(), 1);
}

#[test]
fn sni_check_uses_the_names_zeek_uses() {
    let check = |cn: &str, san: &[&str], sni_name: &str| {
        let mut run = Run::new();
        run.send(
            true,
            &record(22, 0x0303, &client_hello(&[], &[sni(sni_name)])),
        );
        let chain = certificate_msg(&[certificate(cn, san)]);
        run.send(false, &record(22, 0x0303, &chain)).finish();
        run.row().sni_matches_cert
    };
    // subjectAltName names win over the common name.
    assert_eq!(
        check("cn.example", &["a.example", "*.b.example"], "x.b.example"),
        Some(true)
    );
    assert_eq!(
        check("cn.example", &["a.example"], "cn.example"),
        Some(false)
    );
    // Without them, the last common name counts; case matters, as in Zeek.
    assert_eq!(check("host.example", &[], "host.example"), Some(true));
    assert_eq!(check("Host.Example", &[], "host.example"), Some(false));
}

fn dtls_record(content: u8, epoch: u16, body: &[u8]) -> Vec<u8> {
    let mut r = vec![content, 0xFE, 0xFD];
    r.extend(epoch.to_be_bytes());
    r.extend([0, 0, 0, 0, 0, 1]);
    r.extend((body.len() as u16).to_be_bytes());
    r.extend(body);
    r
}

/// A DTLS handshake fragment: `msg` (a TLS handshake message) bytes
/// `from..to` with the DTLS header.
fn dtls_fragment(msg: &[u8], seq: u16, from: usize, to: usize) -> Vec<u8> {
    let body = &msg[4..];
    let u24 = |n: usize| (n as u32).to_be_bytes()[1..].to_vec();
    [
        vec![msg[0]],
        u24(body.len()),
        seq.to_be_bytes().to_vec(),
        u24(from),
        u24(to - from),
        body[from..to].to_vec(),
    ]
    .concat()
}

fn dtls_message(msg: &[u8], seq: u16) -> Vec<u8> {
    dtls_fragment(msg, seq, 0, msg.len() - 4)
}

fn dtls_client_hello(cookie: &[u8]) -> Vec<u8> {
    let mut b = vec![0xFE, 0xFD];
    b.extend([0x11; 32]);
    b.extend(vec8(&[]));
    b.extend(vec8(cookie));
    b.extend(vec16(&[0xC0, 0x2F]));
    b.extend(vec8(&[0]));
    b.extend(vec16(&sni("dtls.example")));
    handshake(1, &b)
}

fn dtls_run() -> Run {
    Run {
        analyzer: SslAnalyzer::new_dtls(),
        ..Run::new()
    }
}

#[test]
fn dtls_handshake_with_cookie_and_fragmented_certificate() {
    let cert = cert_for_example();
    let cert_msg = certificate_msg(std::slice::from_ref(&cert));
    let half = (cert_msg.len() - 4) / 2;
    let mut server_hello = server_hello([5; 32], &[], CIPHER_ECDHE_RSA_AES128_GCM, &[]);
    server_hello[4..6].copy_from_slice(&[0xFE, 0xFD]);
    let hello_verify = handshake(3, &[0xFE, 0xFF, 2, 0xAB, 0xCD]);
    let stun = [&[0, 1, 0, 8, 0x21, 0x12, 0xA4, 0x42][..], &[7; 20]].concat();
    let mut run = dtls_run();
    run.send(true, &stun)
        .send(
            true,
            &dtls_record(22, 0, &dtls_message(&dtls_client_hello(&[]), 0)),
        )
        .send(false, &dtls_record(22, 0, &dtls_message(&hello_verify, 0)))
        .send(
            true,
            &dtls_record(22, 0, &dtls_message(&dtls_client_hello(&[0xAB, 0xCD]), 1)),
        )
        .send(
            false,
            &[
                dtls_record(22, 0, &dtls_message(&server_hello, 1)),
                dtls_record(22, 0, &dtls_fragment(&cert_msg, 2, 0, half)),
            ]
            .concat(),
        )
        .send(
            false,
            &[
                dtls_record(
                    22,
                    0,
                    &dtls_fragment(&cert_msg, 2, half, cert_msg.len() - 4),
                ),
                dtls_record(22, 0, &dtls_message(&handshake(14, &[]), 3)),
            ]
            .concat(),
        )
        .send(
            true,
            &[
                dtls_record(22, 0, &dtls_message(&handshake(16, &[0; 33]), 2)),
                dtls_record(20, 0, &[1]),
                dtls_record(22, 1, &[0xEE; 48]),
            ]
            .concat(),
        )
        .send(
            false,
            &[dtls_record(20, 0, &[1]), dtls_record(22, 1, &[0xDD; 48])].concat(),
        );
    assert!(run.confirmed);
    assert_eq!(run.violation, None);
    let row = run.row();
    assert_eq!(row.version.as_deref(), Some("DTLSv12"));
    assert!(row.established);
    assert_eq!(
        row.server_name,
        Some(records::ZString(b"dtls.example".to_vec()))
    );
    assert_eq!(row.ssl_history, "CvCsxnGIi");
    assert_eq!(
        row.cert_chain_fps,
        Some(vec![x509::Fingerprint::of(&cert).to_string()])
    );
}

#[test]
fn dtls_wrong_versions_after_confirmation_are_one_violation() {
    let mut run = dtls_run();
    run.send(
        true,
        &dtls_record(22, 0, &dtls_message(&dtls_client_hello(&[]), 0)),
    );
    let tls_record = record(23, 0x0303, &[0; 10]);
    let mut bogus = tls_record.clone();
    bogus.extend([0; 8]);
    run.send(false, &bogus);
    assert!(run
        .violation
        .as_deref()
        .is_some_and(|v| v.contains("Invalid version in DTLS")));
    // A truncated record is a parse failure.
    let mut run = dtls_run();
    run.send(
        true,
        &dtls_record(22, 0, &dtls_message(&dtls_client_hello(&[]), 0))[..20],
    );
    assert!(run.violation.is_some());
    assert!(!run.confirmed);
}

#[test]
fn certificate_request_names_the_accepted_authorities() {
    let tlv = |tag: u8, body: &[u8]| [&[tag, body.len() as u8][..], body].concat();
    let cn = |name: &str| {
        let atv = [tlv(0x06, &[0x55, 0x04, 0x03]), tlv(0x0C, name.as_bytes())].concat();
        tlv(0x30, &tlv(0x31, &tlv(0x30, &atv)))
    };
    let names: Vec<u8> = [cn("Test CA"), b"\x30\x01".to_vec(), cn("Other CA")]
        .iter()
        .flat_map(|dn| vec16(dn))
        .collect();
    // certificate types, signature algorithms (TLS 1.2), authorities
    let request = [vec8(&[1, 64]), vec16(&[4, 1]), vec16(&names)].concat();
    let mut run = Run::new();
    run.send(true, &hs_record(1, &client_hello(&[], &[])[4..]))
        .send(
            false,
            &record(
                22,
                0x0303,
                &[
                    server_hello([5; 32], &[], CIPHER_ECDHE_RSA_AES128_GCM, &[]),
                    handshake(13, &request),
                ]
                .concat(),
            ),
        )
        .finish();
    assert_eq!(
        run.row().requested_client_certificate_authorities,
        Some(vec![
            "CN=Test CA".to_string(),
            String::new(),
            "CN=Other CA".to_string()
        ])
    );
}
