//! End-to-end: ssl.log's validation_status (Zeek's
//! protocols/ssl/validate-certs) for TLS handshakes carrying chains signed
//! at test time, with the trust store from --ca-bundle or SSL::root_certs.

mod common;

use certval::testcert::{self, CertBuilder, Key};
use common::{ip, run_on, Run, T0};
use testkit::{Capture, PcapFormat, TcpConversation, MS};

/// A test root, an intermediate and a leaf for www.example.com.
struct Pki {
    root: Vec<u8>,
    inter: Vec<u8>,
    leaf: Vec<u8>,
}

fn pki() -> Pki {
    let (root_key, inter_key) = (Key::p256(1), Key::p256(2));
    Pki {
        root: CertBuilder::new("Test Root")
            .ca(None)
            .self_signed(&root_key),
        inter: CertBuilder::new("Test Intermediate").ca(None).issued_by(
            &inter_key,
            "Test Root",
            &root_key,
        ),
        leaf: CertBuilder::new("www.example.com").issued_by(
            &Key::p256(3),
            "Test Intermediate",
            &inter_key,
        ),
    }
}

fn handshake(msg_type: u8, body: &[u8]) -> Vec<u8> {
    let len = (body.len() as u32).to_be_bytes();
    [&[msg_type][..], &len[1..], body].concat()
}

fn record(content: u8, body: &[u8]) -> Vec<u8> {
    [
        &[content, 3, 3][..],
        &(body.len() as u16).to_be_bytes(),
        body,
    ]
    .concat()
}

/// A TLS 1.2 handshake up to both ChangeCipherSpecs, the server sending
/// `chain`, on one TCP connection starting at `start`.
fn tls_session(port: u16, start: i64, chain: &[&[u8]]) -> Vec<(i64, Vec<u8>)> {
    let hello_body = [&[3, 3][..], &[0x11; 32], &[0, 0, 2, 0xC0, 0x2F, 1, 0]].concat();
    let server_hello = [&[3, 3][..], &[0x22; 32], &[0, 0xC0, 0x2F, 0]].concat();
    let list: Vec<u8> = chain
        .iter()
        .flat_map(|c| [&(c.len() as u32).to_be_bytes()[1..], c].concat())
        .collect();
    let certs = [&(list.len() as u32).to_be_bytes()[1..], &list].concat();
    let server_flight = [
        handshake(2, &server_hello),
        handshake(11, &certs),
        handshake(14, &[]),
    ]
    .concat();
    TcpConversation::new(ip("10.0.0.1"), port, ip("10.0.0.2"), 443, start)
        .handshake()
        .client_sends(&record(22, &handshake(1, &hello_body)))
        .server_sends(&record(22, &server_flight))
        .client_sends(
            &[
                record(22, &handshake(16, &[0; 33])),
                record(20, &[1]),
                record(22, &[0xEE; 40]),
            ]
            .concat(),
        )
        .server_sends(&[record(20, &[1]), record(22, &[0xDD; 40])].concat())
        .close()
        .frames()
}

fn pcap(sessions: Vec<Vec<(i64, Vec<u8>)>>) -> Vec<u8> {
    let mut cap = Capture::new();
    sessions.into_iter().for_each(|s| {
        cap.extend(s);
    });
    cap.sorted().to_bytes(PcapFormat::Pcap {
        nanos: false,
        big_endian: false,
    })
}

/// validation_status of each ssl.log row, in order.
fn statuses(r: &Run) -> Vec<String> {
    let log = r.log("ssl.log");
    let fields: Vec<&str> = log
        .lines()
        .find(|l| l.starts_with("#fields"))
        .map(|l| l.split('\t').skip(1).collect())
        .unwrap_or_default();
    let Some(i) = fields.iter().position(|f| *f == "validation_status") else {
        return Vec::new();
    };
    r.rows("ssl.log")
        .into_iter()
        .map(|row| row[i].clone())
        .collect()
}

fn with_bundle(tag: &str, pem: &str, bytes: &[u8], extra: &[&str]) -> Run {
    let bundle = std::env::temp_dir().join(format!("shrike-ca-{}-{tag}.pem", std::process::id()));
    std::fs::write(&bundle, pem).unwrap();
    let mut args = vec![
        "--seed",
        "1",
        "--load",
        "protocols/ssl/validate-certs",
        "--ca-bundle",
    ];
    let path = bundle.to_string_lossy().into_owned();
    args.push(&path);
    args.extend(extra);
    run_on(bytes, tag, &args)
}

#[test]
fn chains_get_openssl_verdicts_and_intermediates_are_cached() {
    let p = pki();
    let expired = CertBuilder::new("old.example.com")
        .validity(0, T0 / 1_000_000_000 - 86_400)
        .issued_by(&Key::p256(4), "Test Intermediate", &Key::p256(2));
    let sessions = vec![
        // Leaf without its intermediate, before any full chain was seen.
        tls_session(40001, T0, &[&p.leaf]),
        tls_session(40002, T0 + 100 * MS, &[&p.leaf, &p.inter]),
        // Now the intermediate is known for this issuer.
        tls_session(40003, T0 + 200 * MS, &[&p.leaf]),
        tls_session(40004, T0 + 300 * MS, &[&expired, &p.inter]),
        tls_session(
            40005,
            T0 + 400 * MS,
            &[&testcert::with_bad_signature(&p.leaf), &p.inter],
        ),
        tls_session(
            40006,
            T0 + 500 * MS,
            &[
                &p.leaf,
                &p.inter,
                &CertBuilder::new("Other Root")
                    .ca(None)
                    .self_signed(&Key::p256(5)),
            ],
        ),
    ];
    let r = with_bundle(
        "verdicts",
        &testcert::pem(&p.root),
        &pcap(sessions),
        &["--ca-bundle-only"],
    );
    assert!(r.out.status.success(), "{}", r.stderr());
    assert_eq!(
        statuses(&r),
        [
            "unable to get local issuer certificate",
            "ok",
            "ok",
            "certificate has expired",
            "certificate signature failure",
            "ok",
        ]
    );
}

#[test]
fn mozilla_roots_do_not_trust_a_private_ca() {
    let p = pki();
    let bytes = pcap(vec![tls_session(40001, T0, &[&p.leaf, &p.inter, &p.root])]);
    let r = run_on(
        &bytes,
        "mozilla",
        &["--seed", "1", "--load", "protocols/ssl/validate-certs"],
    );
    assert!(r.out.status.success(), "{}", r.stderr());
    assert_eq!(
        statuses(&r),
        ["self signed certificate in certificate chain"]
    );
    // Shrike's default mode validates, as Zeek's local.zeek does, and a
    // failure is a notice.
    let r = run_on(&bytes, "default-validation", &["--seed", "1"]);
    assert_eq!(
        statuses(&r),
        ["self signed certificate in certificate chain"]
    );
    assert!(r.log("notice.log").contains(
        "SSL::Invalid_Server_Cert\tSSL certificate validation failed with (self signed certificate in certificate chain)"
    ));
    // Without validate-certs there is no such column.
    let r = run_on(
        &bytes,
        "no-validation",
        &["--seed", "1", "-b", "--load", "base/protocols/ssl"],
    );
    assert!(r.log("ssl.log").contains("#fields"));
    assert!(!r.log("ssl.log").contains("validation_status"));
}

#[test]
fn root_certs_redef_adds_a_trust_anchor() {
    let p = pki();
    let escaped: String = p.root.iter().map(|b| format!("\\x{b:02X}")).collect();
    let config = format!(
        "@load protocols/ssl/validate-certs\nredef SSL::root_certs += {{ [\"CN=Test Root\"] = \"{escaped}\" }};\n"
    );
    let dir = std::env::temp_dir().join(format!("shrike-rootcerts-{}.zeek", std::process::id()));
    std::fs::write(&dir, config).unwrap();
    let bytes = pcap(vec![tls_session(40001, T0, &[&p.leaf, &p.inter])]);
    let r = run_on(
        &bytes,
        "root-certs",
        &["--seed", "1", "--zeek-config", &dir.to_string_lossy()],
    );
    assert!(r.out.status.success(), "{}", r.stderr());
    assert_eq!(statuses(&r), ["ok"]);
}

#[test]
fn a_bad_ca_bundle_is_one_clear_error() {
    let bytes = pcap(vec![tls_session(40001, T0, &[&pki().leaf])]);
    let r = with_bundle("bad-bundle", "not a certificate\n", &bytes, &[]);
    assert!(!r.out.status.success());
    let err = r.stderr();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("CA bundle") && err.contains("no PEM certificate"),
        "{err}"
    );
    let r = run_on(
        &bytes,
        "missing-bundle",
        &["--ca-bundle", "/nonexistent/ca.pem"],
    );
    assert!(!r.out.status.success());
    assert!(
        r.stderr().contains("cannot read CA bundle"),
        "{}",
        r.stderr()
    );
}
