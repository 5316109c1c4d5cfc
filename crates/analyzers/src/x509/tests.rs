use super::*;
use crate::context::{AnalyzerConfig, FuidGen};
use crate::test_support::conn;
use crate::AppWeird;
use records::Time;

fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![tag];
    match body.len() {
        n @ 0..=0x7F => v.push(n as u8),
        n @ 0x80..=0xFF => v.extend([0x81, n as u8]),
        n => {
            v.push(0x82);
            v.extend((n as u16).to_be_bytes());
        }
    }
    v.extend_from_slice(body);
    v
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

fn name(cn: &str) -> Vec<u8> {
    let attr = seq(&[tlv(0x06, &[0x55, 0x04, 0x03]), tlv(0x0C, cn.as_bytes())]);
    seq(&[tlv(0x31, &attr)])
}

/// An (unsigned) v3 certificate for `cn` issued by `CN=Test CA`: a 64-bit
/// RSA key, valid 2024 to 2034, with the DNS names `san` if any.
pub(crate) fn certificate_der(cn: &str, san: &[&str]) -> Vec<u8> {
    let rsa = tlv(
        0x06,
        &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01],
    );
    let sha256_rsa = seq(&[
        tlv(
            0x06,
            &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B],
        ),
        tlv(0x05, &[]),
    ]);
    let key = seq(&[
        tlv(0x02, &[0x00, 0xC1, 2, 3, 4, 5, 6, 7, 9]),
        tlv(0x02, &[3]),
    ]);
    let spki = seq(&[
        seq(&[rsa, tlv(0x05, &[])]),
        tlv(0x03, &[&[0][..], &key].concat()),
    ]);
    let validity = seq(&[tlv(0x17, b"240101000000Z"), tlv(0x17, b"340101000000Z")]);
    let mut tbs = vec![
        tlv(0xA0, &tlv(0x02, &[2])),
        tlv(0x02, &[0x01, 0x02]),
        sha256_rsa.clone(),
        name("Test CA"),
        validity,
        name(cn),
        spki,
    ];
    if !san.is_empty() {
        let names: Vec<Vec<u8>> = san.iter().map(|n| tlv(0x82, n.as_bytes())).collect();
        let ext = seq(&[tlv(0x06, &[0x55, 0x1D, 0x11]), tlv(0x04, &seq(&names))]);
        tbs.push(tlv(0xA3, &seq(&[ext])));
    }
    seq(&[seq(&tbs), sha256_rsa, tlv(0x03, &[0, 0xAA])])
}

/// Runs the X.509 analysis of each certificate with one configuration.
struct Run {
    config: AnalyzerConfig,
    out: Vec<AppRecord>,
    now: i64,
}

impl Run {
    fn new(config: AnalyzerConfig) -> Self {
        Run {
            config,
            out: Vec::new(),
            now: 1_700_000_000_000_000_000,
        }
    }

    fn cert(&mut self, der: &[u8], host_cert: bool, client_cert: bool) -> Option<CertSummary> {
        let info = conn(6, 443);
        let mut fuids = FuidGen::new(Some(1));
        self.now += 1_000_000_000;
        let mut cx = Context::new(
            &info,
            Time(self.now),
            &self.config,
            &mut fuids,
            &mut self.out,
        );
        let origin = CertOrigin {
            host_cert,
            client_cert,
        };
        certificate(&mut cx, der, origin)
    }

    fn rows(&self) -> Vec<&X509Record> {
        let rows = self.out.iter().filter_map(|r| match r {
            AppRecord::X509(x) => Some(&**x),
            _ => None,
        });
        rows.collect()
    }

    fn weirds(&self) -> Vec<&AppWeird> {
        let weirds = self.out.iter().filter_map(|r| match r {
            AppRecord::Weird(w) => Some(w),
            _ => None,
        });
        weirds.collect()
    }
}

#[test]
fn a_certificate_becomes_a_row() {
    let der = certificate_der("www.example.com", &["www.example.com", "example.com"]);
    let mut run = Run::new(AnalyzerConfig::default());
    let summary = run.cert(&der, true, false).expect("parses");
    let rows = run.rows();
    let [row] = rows[..] else {
        panic!("one row: {rows:?}")
    };
    assert_eq!(row.ts, Time(run.now));
    assert_eq!(row.fingerprint, summary.fingerprint);
    assert_eq!(row.fingerprint, Fingerprint::of(&der).to_string());
    assert_eq!((row.version, row.serial.as_str()), (3, "0102"));
    assert_eq!(row.subject, "CN=www.example.com");
    assert_eq!(row.issuer, "CN=Test CA");
    assert_eq!(
        (row.not_valid_before.0, row.not_valid_after.0),
        (1_704_067_200, 2_019_686_400)
    );
    assert_eq!(
        (row.key_alg.as_str(), row.sig_alg.as_str()),
        ("rsaEncryption", "sha256WithRSAEncryption")
    );
    assert_eq!(row.key_type.as_deref(), Some("rsa"));
    assert_eq!(
        (row.key_length, row.exponent.as_deref()),
        (Some(64), Some("3"))
    );
    let dns: Vec<&[u8]> = row.san_dns.iter().flatten().map(|s| &s.0[..]).collect();
    assert_eq!(dns, [&b"www.example.com"[..], b"example.com"]);
    assert_eq!((row.ca, row.path_len), (None, None));
    assert!(row.host_cert && !row.client_cert);
    assert_eq!(summary.subject, "CN=www.example.com");
    assert!(summary.host_names.matches(b"example.com"));
    assert!(run.weirds().is_empty());
}

#[test]
fn rows_are_deduplicated_per_fingerprint_and_role() {
    let der = certificate_der("a.example", &[]);
    let mut run = Run::new(AnalyzerConfig::default());
    run.cert(&der, true, false);
    run.cert(&der, true, false);
    run.cert(&der, false, false);
    run.cert(&der, true, true);
    let roles: Vec<_> = run
        .rows()
        .iter()
        .map(|r| (r.host_cert, r.client_cert))
        .collect();
    assert_eq!(roles, [(true, false), (false, false), (true, true)]);
}

#[test]
fn zero_relog_interval_logs_every_time() {
    let mut config = AnalyzerConfig::default();
    config.x509.relog_after = records::Interval(0);
    let der = certificate_der("a.example", &[]);
    let mut run = Run::new(config);
    run.cert(&der, true, false);
    run.cert(&der, true, false);
    assert_eq!(run.rows().len(), 2);
}

#[test]
fn host_certs_only_skips_the_rest_of_the_chain() {
    let mut config = AnalyzerConfig::default();
    config.x509.host_certs_only = true;
    let mut run = Run::new(config);
    let ca = run.cert(&certificate_der("Test CA", &[]), false, false);
    run.cert(&certificate_der("leaf.example", &[]), true, false);
    assert!(ca.is_some(), "still analysed for ssl.log");
    let subjects: Vec<_> = run.rows().iter().map(|r| r.subject.clone()).collect();
    assert_eq!(subjects, ["CN=leaf.example"]);
}

#[test]
fn unparseable_certificates_are_file_weirds() {
    let mut run = Run::new(AnalyzerConfig::default());
    assert_eq!(run.cert(b"\x30\x03\x02\x01\x01", true, false), None);
    assert!(run.rows().is_empty());
    let weirds = run.weirds();
    let [w] = weirds[..] else {
        panic!("one weird: {weirds:?}")
    };
    assert_eq!((w.name, w.addl.as_deref()), ("x509_cert_parse_error", None));
    assert!(w.file.as_deref().is_some_and(|f| f.starts_with('F')));
}
