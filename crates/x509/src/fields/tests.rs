//! x509.log values of certificates made with the openssl tool
//! (tests/data/make-certs.sh), as Zeek logs them.

use super::*;
use crate::time::zeek_time;
use std::net::IpAddr;

fn fields(der: &[u8]) -> LogFields<'_> {
    LogFields::of(&Certificate::parse(der).expect("parses")).expect("has fields")
}

const SPECIALS: &[u8] = include_bytes!("../../tests/data/rsa-specials.der");
const MULTIVALUED: &[u8] = include_bytes!("../../tests/data/rsa-multivalued.der");
const LATIN1_BMP: &[u8] = include_bytes!("../../tests/data/rsa-latin1-bmp.der");
const P384_SAN: &[u8] = include_bytes!("../../tests/data/p384-san.der");
const ED25519: &[u8] = include_bytes!("../../tests/data/ed25519.der");

#[test]
fn rsa_key_and_escaped_names() {
    let f = fields(SPECIALS);
    assert_eq!(f.version, 3);
    assert_eq!(f.serial, "B7C5");
    let subject = r#"CN=\ lead\;\<x\> \\ trail\ ,OU=\#1 \"R\+D\",O=Acme\, Inc.,C=US"#;
    assert_eq!(f.subject, subject);
    assert_eq!(f.issuer, subject);
    assert_eq!(
        (f.key_alg.as_str(), f.sig_alg.as_str()),
        ("rsaEncryption", "sha256WithRSAEncryption")
    );
    assert_eq!(f.key.key_type, Some("rsa"));
    assert_eq!(f.key.key_length, Some(1024));
    assert_eq!(f.key.exponent.as_deref(), Some("65537"));
    assert_eq!(f.key.curve, None);
    let bc = LoggedConstraints {
        ca: true,
        path_len: Some(2),
    };
    assert_eq!(f.basic_constraints, Some(bc));
    assert_eq!(f.san, None);
    assert!(f.weirds.is_empty());
}

#[test]
fn multi_valued_rdn_and_negative_serial() {
    let f = fields(MULTIVALUED);
    assert_eq!(
        f.subject,
        "emailAddress=jo@example.com+UID=jdoe+CN=Jo Doe,DC=com,DC=example"
    );
    assert_eq!(f.serial, "-12D687");
    let bc = LoggedConstraints {
        ca: false,
        path_len: None,
    };
    assert_eq!(f.basic_constraints, Some(bc));
}

#[test]
fn t61_and_bmp_strings_print_as_escaped_utf8() {
    let f = fields(LATIN1_BMP);
    assert_eq!(
        f.subject,
        r"CN=\E6\BC\A2\E5\AD\97 \CE\A9mega,O=M\C3\BCller Stra\C3\9Fe"
    );
    assert_eq!(f.serial, "00");
    assert_eq!(f.version, 1);
    assert_eq!(f.basic_constraints, None);
}

#[test]
fn ec_key_long_serial_and_subject_alt_names() {
    let f = fields(P384_SAN);
    assert_eq!(f.key_alg, "id-ecPublicKey");
    assert_eq!(f.sig_alg, "ecdsa-with-SHA256");
    assert_eq!(f.key.key_type, Some("ecdsa"));
    assert_eq!(f.key.key_length, Some(384));
    assert_eq!(f.key.curve, Some("secp384r1"));
    assert_eq!(f.key.exponent, None);
    // OpenSSL breaks serials after 35 bytes.
    let serial = "0102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F20212223\\\n2425";
    assert_eq!(f.serial, serial);
    let san = f.san.expect("has SAN");
    assert_eq!(san.dns, Some(vec![&b"ec.example"[..], b"*.ec.example"]));
    assert_eq!(san.uri, Some(vec![&b"https://ec.example/"[..]]));
    assert_eq!(san.email, Some(vec![&b"admin@ec.example"[..]]));
    let ips: Vec<IpAddr> = vec!["192.0.2.7".parse().unwrap(), "2001:db8::7".parse().unwrap()];
    assert_eq!(san.ip, Some(ips));
    assert!(san.other_fields);
}

#[test]
fn ed25519_key() {
    let f = fields(ED25519);
    assert_eq!(
        (f.key_alg.as_str(), f.sig_alg.as_str()),
        ("ED25519", "ED25519")
    );
    assert_eq!(f.key.key_type, Some("ED25519"));
    assert_eq!(f.key.key_length, Some(256));
}

#[test]
fn fingerprint_covers_only_the_certificate() {
    let with_trailer = [SPECIALS, b"junk"].concat();
    assert_eq!(Fingerprint::of(&with_trailer), Fingerprint::of(SPECIALS));
    let abc = Fingerprint::of(&[0x04, 0x03, b'a', b'b', b'c']);
    // SHA-256 of the whole element, here an OCTET STRING "abc".
    assert_eq!(abc.to_string().len(), 64);
    assert_ne!(abc, Fingerprint::of(b"abc"));
}

#[test]
fn serial_as_openssl_writes_it() {
    let text = |c: &[u8]| serial_text(&integer(c).unwrap());
    assert_eq!(text(&[0x00, 0xB7]), "B7");
    assert_eq!(text(&[0x80]), "-80");
    assert_eq!(text(&[0xFF]), "-01");
    assert_eq!(text(&[0x7F; 3000]).len(), MAX_SERIAL);
}

#[test]
fn basic_constraints_as_openssl_reads_them() {
    let bc = |v: &[u8]| basic_constraints(v);
    assert_eq!(
        bc(&[0x30, 0x00]),
        Some(LoggedConstraints {
            ca: false,
            path_len: None
        })
    );
    let ca = [0x30, 0x06, 0x01, 0x01, 0xFF, 0x02, 0x01, 0x05];
    assert_eq!(
        bc(&ca),
        Some(LoggedConstraints {
            ca: true,
            path_len: Some(5)
        })
    );
    assert_eq!(bc(&[0x30, 0x02, 0x01, 0x00]), None, "empty BOOLEAN");
    assert_eq!(
        bc(&[0x30, 0x04, 0x02, 0x02, 0x00, 0x01]),
        None,
        "padded INTEGER"
    );
    assert_eq!(bc(&[0x30, 0x02, 0x05, 0x00]), None, "trailing element");
    // Zeek keeps 32 bits of the number, sign-extended into its count.
    let big = [0x30, 0x07, 0x02, 0x05, 0x01, 0x00, 0x00, 0x00, 0x05];
    assert_eq!(bc(&big).unwrap().path_len, Some(5));
    let negative = [0x30, 0x03, 0x02, 0x01, 0xFF];
    assert_eq!(bc(&negative).unwrap().path_len, Some(u64::MAX));
}

#[test]
fn zeek_validity_times() {
    use crate::der::{GENERALIZED_TIME as G, UTC_TIME as U};
    assert_eq!(zeek_time(U, b"990709120000Z"), Ok(931_521_600));
    assert_eq!(zeek_time(U, b"490101000000Z"), Ok(2_493_072_000));
    assert_eq!(zeek_time(G, b"99991231235959Z"), Ok(253_402_300_799));
    assert_eq!(zeek_time(G, b"20240101000000.123Z"), Ok(1_704_067_200));
    // Zeek adds the offset as HH*60+MM seconds.
    assert_eq!(zeek_time(G, b"20240101000000+0130"), Ok(1_704_067_200 + 90));
    // mktime carries month 13 into the next year.
    assert_eq!(zeek_time(G, b"20231301000000Z"), Ok(1_704_067_200));
    assert_eq!(zeek_time(U, b"2401010000Z"), Ok(1_704_067_200));
    assert_eq!(zeek_time(U, b"240101000000+0100"), Err("x509_utc_format"));
    assert_eq!(
        zeek_time(G, b"20240101000000+01"),
        Err("x509_time_offset_underflow")
    );
    assert_eq!(
        zeek_time(G, b"20240101000000X0100"),
        Err("x509_time_offset_type")
    );
    assert_eq!(
        zeek_time(0x04, b"20240101000000Z"),
        Err("x509_invalid_time_type")
    );
}

#[test]
fn extension_weirds() {
    let mut f = fields(SPECIALS);
    f.extension(oid::BASIC_CONSTRAINTS, &[0x04, 0x00]);
    f.extension(oid::SUBJECT_ALT_NAME, &[0x30, 0x03, 0x87, 0x01, 0x01]);
    f.extension(oid::SUBJECT_ALT_NAME, &[0x31, 0x00]);
    let weirds: Vec<_> = f.weirds.iter().map(|w| (w.0, w.1.as_deref())).collect();
    assert_eq!(
        weirds,
        [
            ("x509_invalid_basic_constraint", None),
            ("x509_san_ip_length", Some("1")),
            ("x509_san_parse_error", None),
        ]
    );
    // The last extension that decoded counts.
    assert_eq!(f.san.unwrap().ip, Some(vec![]));
}
