use super::*;

const EC_SELF_SIGNED: &[u8] = include_bytes!("../tests/data/ec-selfsigned.der");

#[test]
fn parses_a_real_certificate() {
    let c = Certificate::parse(EC_SELF_SIGNED).unwrap();
    assert_eq!(c.version, 3);
    assert_eq!(c.serial, &[0x12, 0x34]);
    assert_eq!(c.not_before, Some(1795943930));
    assert_eq!(c.not_after, Some(1795943930 + 30 * 86_400));
    assert!(c.self_issued());
    // id-ecPublicKey and ecdsa-with-SHA256
    assert_eq!(c.key_alg, &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]);
    assert_eq!(
        c.signature_alg,
        &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02]
    );
    assert_eq!(c.public_key.len(), 65);
    assert!(c.extension(oid::SUBJECT_ALT_NAME).is_some());
    assert_eq!(c.tbs.as_ptr(), EC_SELF_SIGNED[4..].as_ptr());
}

#[test]
fn truncations_never_parse_or_panic() {
    for n in 0..EC_SELF_SIGNED.len() {
        assert!(
            Certificate::parse(&EC_SELF_SIGNED[..n]).is_none(),
            "prefix {n}"
        );
    }
}

#[test]
fn times() {
    assert_eq!(parse_time(der::UTC_TIME, b"700101000000Z"), Some(0));
    assert_eq!(
        parse_time(der::UTC_TIME, b"491231235959Z"),
        Some(2_524_607_999)
    );
    assert_eq!(
        parse_time(der::GENERALIZED_TIME, b"20380119031408Z"),
        Some(2_147_483_648)
    );
    assert_eq!(parse_time(der::UTC_TIME, b"7013010000Z"), None);
}

#[test]
fn integers() {
    assert_eq!(unsigned(&[0x00, 0xFF]), Some(255));
    assert_eq!(unsigned(&[0x80]), None);
    assert_eq!(unsigned(&[1, 2, 3, 4, 5, 6, 7, 8, 9]), None);
}
