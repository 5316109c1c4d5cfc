//! Published test vectors (the JA3 README, FoxIO's JA4 and JA4S
//! specifications) on ClientHellos and ServerHellos built byte by byte.

use super::*;
use crate::ssl::SslAnalyzer;
use crate::test_support::{conn, drive_with};
use crate::{AnalyzerConfig, AppRecord};

const GREASE: u16 = 0x3a3a;

fn u16s(values: &[u16]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_be_bytes()).collect()
}

fn len16(b: &[u8]) -> Vec<u8> {
    [&(b.len() as u16).to_be_bytes()[..], b].concat()
}

fn len8(b: &[u8]) -> Vec<u8> {
    [&[b.len() as u8][..], b].concat()
}

/// An extension's type and body.
type Ext = (u16, Vec<u8>);

fn sni(name: &str) -> Ext {
    (0, len16(&[&[0u8][..], &len16(name.as_bytes())].concat()))
}

fn alpn(protocols: &[&[u8]]) -> Ext {
    let list: Vec<u8> = protocols.iter().flat_map(|p| len8(p)).collect();
    (16, len16(&list))
}

fn list16(kind: u16, values: &[u16]) -> Ext {
    (kind, len16(&u16s(values)))
}

/// A ClientHello body (without the handshake header).
fn client_hello_body(version: u16, ciphers: &[u16], exts: &[Ext]) -> Vec<u8> {
    let mut b = version.to_be_bytes().to_vec();
    b.extend([7; 32]);
    b.extend(len8(&[]));
    b.extend(len16(&u16s(ciphers)));
    b.extend(len8(&[0]));
    let exts: Vec<u8> = exts
        .iter()
        .flat_map(|(kind, data)| [&kind.to_be_bytes()[..], &len16(data)].concat())
        .collect();
    b.extend(len16(&exts));
    b
}

fn server_hello_body(version: u16, cipher: u16, exts: &[Ext]) -> Vec<u8> {
    let mut b = version.to_be_bytes().to_vec();
    b.extend([9; 32]);
    b.extend(len8(&[1, 2]));
    b.extend(cipher.to_be_bytes());
    b.push(0);
    let exts: Vec<u8> = exts
        .iter()
        .flat_map(|(kind, data)| [&kind.to_be_bytes()[..], &len16(data)].concat())
        .collect();
    b.extend(len16(&exts));
    b
}

/// The ClientHello of the JA4 specification's example (Chrome, TLS 1.3),
/// with GREASE added where Chrome puts it.
fn chrome_hello() -> Vec<u8> {
    let ciphers = [
        GREASE, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
        0xc014, 0x009c, 0x009d, 0x002f, 0x0035,
    ];
    let sigalgs = [
        0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
    ];
    let exts = vec![
        (GREASE, vec![]),
        (0x001b, vec![2, 0, 2]),
        sni("example.com"),
        (0x0033, vec![0, 0]),
        alpn(&[b"h2", b"http/1.1"]),
        (0x4469, vec![]),
        (0x0017, vec![]),
        (0x002d, vec![1, 1]),
        list16(0x000d, &sigalgs),
        (0x0005, vec![1, 0, 0, 0, 0]),
        (0x0023, vec![]),
        (0x0012, vec![]),
        (0x002b, len8(&u16s(&[GREASE, 0x0304, 0x0303]))),
        (0xff01, vec![0]),
        (0x000b, len8(&[0])),
        list16(0x000a, &[GREASE, 0x001d, 0x0017, 0x0018]),
        (0x0015, vec![0; 4]),
    ];
    client_hello_body(0x0303, &ciphers, &exts)
}

fn parsed(body: &[u8]) -> ClientHello<'_> {
    hs::client_hello(body).expect("a ClientHello")
}

#[test]
fn ja4_of_the_specification_example() {
    let body = chrome_hello();
    let h = parsed(&body);
    assert_eq!(
        ja4_client(&h, Transport::Tcp),
        "t13d1516h2_8daaf6152771_e5627efa2ab1"
    );
    // The same hello in QUIC's CRYPTO frames.
    assert_eq!(
        ja4_client(&h, Transport::Quic),
        "q13d1516h2_8daaf6152771_e5627efa2ab1"
    );
}

#[test]
fn ja4_hashes_of_the_specification() {
    let ciphers = [
        0x002f, 0x0035, 0x009c, 0x009d, 0x1301, 0x1302, 0x1303, 0xc013, 0xc014, 0xc02b, 0xc02c,
        0xc02f, 0xc030, 0xcca8, 0xcca9,
    ];
    assert_eq!(list_hash(&ciphers), "8daaf6152771");
    let exts = [
        0x0005, 0x000a, 0x000b, 0x000d, 0x0012, 0x0015, 0x0017, 0x001b, 0x0023, 0x002b, 0x002d,
        0x0033, 0x4469, 0xff01,
    ];
    // Without signature algorithms the string has no trailing '_'.
    assert_eq!(list_hash(&exts), "6d807ffa2a79");
    assert_eq!(list_hash(&[]), "000000000000");
}

#[test]
fn ja4_without_sni_alpn_or_extensions() {
    let body = client_hello_body(0x0303, &[0x002f], &[]);
    assert_eq!(
        ja4_client(&parsed(&body), Transport::Tcp),
        format!("t12i010000_{}_000000000000", list_hash(&[0x002f]))
    );
    // No ciphers, an unknown version.
    let body = client_hello_body(0x0305, &[], &[(0x0017, vec![])]);
    let fp = ja4_client(&parsed(&body), Transport::Tcp);
    assert!(fp.starts_with("t00i000100_000000000000_"), "{fp}");
}

#[test]
fn ja4_alpn_characters_of_the_specification() {
    let code = |v: &[u8]| alpn_code(Some(v));
    assert_eq!(code(b"h2"), "h2");
    assert_eq!(code(b"http/1.1"), "h1");
    assert_eq!(code(b"h"), "hh");
    assert_eq!(code(&[0xAB]), "ab");
    assert_eq!(code(&[0xAB, 0xCD]), "ad");
    assert_eq!(code(&[0x30, 0xAB]), "3b");
    assert_eq!(code(&[0x30, 0x31, 0xAB, 0xCD]), "3d");
    assert_eq!(code(&[0x30, 0xAB, 0xCD, 0x31]), "01");
    assert_eq!(code(b""), "00");
    assert_eq!(alpn_code(None), "00");
}

#[test]
fn ja4s_of_the_specification_example() {
    let exts = vec![
        (0x0005, vec![]),
        (0x0017, vec![]),
        (0xff01, vec![0]),
        (0x0000, vec![]),
    ];
    let body = server_hello_body(0x0303, 0xc030, &exts);
    let h = hs::server_hello(&body).expect("a ServerHello");
    assert_eq!(ja4_server(&h, Transport::Tcp), "t120400_c030_4e8089b08790");
    // TLS 1.3 names its version in supported_versions; ALPN is the chosen.
    let exts = vec![(0x002b, vec![3, 4]), alpn(&[b"h2"])];
    let body = server_hello_body(0x0303, 0x1301, &exts);
    let h = hs::server_hello(&body).expect("a ServerHello");
    let fp = ja4_server(&h, Transport::Quic);
    assert!(fp.starts_with("q1302h2_1301_"), "{fp}");
}

/// A ClientHello with the fields of a JA3 README example (and GREASE the
/// fingerprint must ignore).
fn ja3_readme_hello() -> Vec<u8> {
    let ciphers = [
        47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4, GREASE,
    ];
    let exts = vec![
        sni("example.com"),
        (GREASE, vec![]),
        list16(10, &[23, GREASE, 24, 25]),
        (11, len8(&[0])),
    ];
    client_hello_body(0x0301, &ciphers, &exts)
}

#[test]
fn ja3_of_the_readme_examples() {
    let body = ja3_readme_hello();
    let mut f = Fingerprints::default();
    f.client_hello(&parsed(&body), Transport::Tcp, true, false);
    // 769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0
    assert_eq!(f.ja3.as_deref(), Some("ada70206e40642a3e4461f35503241d5"));
    assert_eq!(f.ja4, None);
    // No extensions at all: empty fields.
    let body = client_hello_body(0x0301, &[4, 5, 10, 9, 100, 98, 3, 6, 19, 18, 99], &[]);
    let mut f = Fingerprints::default();
    f.client_hello(&parsed(&body), Transport::Tcp, true, true);
    // 769,4-5-10-9-100-98-3-6-19-18-99,,,
    assert_eq!(f.ja3.as_deref(), Some("de350869b8c85de67a350c8d186f11e6"));
}

#[test]
fn ja3_lists_grow_with_every_hello_as_in_the_package() {
    let first = client_hello_body(0x0303, &[47], &[(10, len16(&u16s(&[23])))]);
    let second = client_hello_body(0x0303, &[53], &[(11, len8(&[0]))]);
    let mut f = Fingerprints::default();
    f.client_hello(&parsed(&first), Transport::Tcp, true, true);
    let ja4 = f.ja4.clone();
    f.client_hello(&parsed(&second), Transport::Tcp, true, true);
    assert_eq!(f.ja3, Some(crate::digest::md5_hex(b"771,47-53,10-11,23,0")));
    // JA4 is the first hello's.
    assert_eq!(f.ja4, ja4);
}

#[test]
fn ja3s_is_version_cipher_and_extensions() {
    let exts = vec![(0xff01, vec![0]), (0, vec![]), (11, len8(&[0]))];
    let body = server_hello_body(0x0303, 0xc02f, &exts);
    let h = hs::server_hello(&body).expect("a ServerHello");
    let mut f = Fingerprints::default();
    f.server_hello(&h, Transport::Tcp, true, false);
    assert_eq!(
        f.ja3s,
        Some(crate::digest::md5_hex(b"771,49199,65281-0-11"))
    );
    assert_eq!(f.ja4s, None);
}

#[test]
fn grease_values() {
    let grease: Vec<u16> = (0..=0xffff).filter(|&v| is_grease(v)).collect();
    assert_eq!(grease.len(), 16);
    assert_eq!((grease[0], grease[15]), (0x0a0a, 0xfafa));
}

/// The handshake in TLS records, as the analyzer reads it.
fn in_record(msg_type: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![msg_type];
    m.extend(&(body.len() as u32).to_be_bytes()[1..]);
    m.extend(body);
    let mut r = vec![22, 3, 1];
    r.extend((m.len() as u16).to_be_bytes());
    r.extend(m);
    r
}

fn ssl_row(config: &AnalyzerConfig) -> crate::ssl::SslRecord {
    let client = in_record(1, &chrome_hello());
    let server = in_record(2, &server_hello_body(0x0303, 0xc030, &[(0xff01, vec![0])]));
    let out = drive_with(
        config,
        &mut SslAnalyzer::new(),
        &conn(6, 443),
        &[(true, &client), (false, &server)],
    );
    out.records
        .into_iter()
        .find_map(|r| match r {
            AppRecord::Ssl(s) => Some(*s),
            _ => None,
        })
        .expect("an ssl.log row")
}

#[test]
fn the_ssl_row_carries_the_fingerprints_asked_for() {
    let row = ssl_row(&AnalyzerConfig::default());
    assert_eq!((row.ja3, row.ja4.as_str()), (None, ""));
    let mut config = AnalyzerConfig::default();
    config.ssl.ja3 = true;
    config.ssl.ja4 = true;
    let row = ssl_row(&config);
    assert_eq!(row.ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
    assert_eq!(row.ja4s, format!("t120100_c030_{}", list_hash(&[0xff01])));
    assert_eq!(row.ja3.map(|h| h.len()), Some(32));
    assert_eq!(row.ja3s, Some(crate::digest::md5_hex(b"771,49200,65281")));
}
