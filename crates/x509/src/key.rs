//! The subject public key as Zeek's x509.log describes it: key type,
//! length in bits, RSA exponent and EC curve, as OpenSSL decodes the key.
//!
//! Zeek reads `rsa` (modulus bits, decimal exponent), `dsa` (bits of p)
//! and `ecdsa` (named curve, bits of the curve order) itself. For other
//! key types OpenSSL knows (Ed25519, RSA-PSS, ML-DSA, ...) it logs
//! OpenSSL's key type name and `EVP_PKEY_get_bits`. A key OpenSSL cannot
//! decode leaves every field unset.

use crate::big::Big;
use crate::der::{self, Der};
use crate::Certificate;

/// What x509.log shows of a public key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyInfo {
    pub key_type: Option<&'static str>,
    pub key_length: Option<u64>,
    /// RSA public exponent in decimal.
    pub exponent: Option<String>,
    /// EC named curve (OpenSSL's short name, e.g. `prime256v1`).
    pub curve: Option<&'static str>,
}

/// RSA exponents longer than this are not printed: their decimal form
/// would cost quadratic time, and no real key has one.
const MAX_EXPONENT_BYTES: usize = 4096;

/// Key algorithm OIDs (DER content bytes) and what OpenSSL makes of them.
const RSA: &[&[u8]] = &[
    &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01], // rsaEncryption
    // md5WithRSAEncryption: RDP servers' keys; Zeek reads them as RSA.
    &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x04],
    &[0x55, 0x08, 0x01, 0x01], // 2.5.8.1.1 rsa (X.500)
];
const DSA: &[&[u8]] = &[
    &[0x2A, 0x86, 0x48, 0xCE, 0x38, 0x04, 0x01], // dsaEncryption
    &[0x2B, 0x0E, 0x03, 0x02, 0x0C],             // dsaEncryption-old
    &[0x2B, 0x0E, 0x03, 0x02, 0x0D],             // dsaWithSHA (as a key type)
    &[0x2B, 0x0E, 0x03, 0x02, 0x1B],             // dsaWithSHA1-old
];
const EC_PUBLIC_KEY: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
const RSA_PSS: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0A];

/// Key types with a fixed-size key: OID, OpenSSL type name, key bytes,
/// bits OpenSSL reports.
const FIXED: &[(&[u8], &str, usize, u64)] = &[
    (&[0x2B, 0x65, 0x6E], "X25519", 32, 253),
    (&[0x2B, 0x65, 0x6F], "X448", 56, 448),
    (&[0x2B, 0x65, 0x70], "ED25519", 32, 256),
    (&[0x2B, 0x65, 0x71], "ED448", 57, 456),
];

/// NIST post-quantum signature keys (2.16.840.1.101.3.4.3.x): arc, type
/// name, key bytes. OpenSSL reports 8 bits per key byte.
const NIST_SIG: &[(u8, &str, usize)] = &[
    (17, "ML-DSA-44", 1312),
    (18, "ML-DSA-65", 1952),
    (19, "ML-DSA-87", 2592),
    (20, "SLH-DSA-SHA2-128s", 32),
    (21, "SLH-DSA-SHA2-128f", 32),
    (22, "SLH-DSA-SHA2-192s", 48),
    (23, "SLH-DSA-SHA2-192f", 48),
    (24, "SLH-DSA-SHA2-256s", 64),
    (25, "SLH-DSA-SHA2-256f", 64),
    (26, "SLH-DSA-SHAKE-128s", 32),
    (27, "SLH-DSA-SHAKE-128f", 32),
    (28, "SLH-DSA-SHAKE-192s", 48),
    (29, "SLH-DSA-SHAKE-192f", 48),
    (30, "SLH-DSA-SHAKE-256s", 64),
    (31, "SLH-DSA-SHAKE-256f", 64),
];
const NIST_SIG_ARC: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03];

/// Named curves OpenSSL supports: OID, name, bits of the group order,
/// bytes of a field element.
#[rustfmt::skip]
const CURVES: &[(&[u8], &str, u64, usize)] = &[
    (&[0x2B, 0x81, 0x04, 0x00, 0x06], "secp112r1", 112, 14),
    (&[0x2B, 0x81, 0x04, 0x00, 0x07], "secp112r2", 110, 14),
    (&[0x2B, 0x81, 0x04, 0x00, 0x1C], "secp128r1", 128, 16),
    (&[0x2B, 0x81, 0x04, 0x00, 0x1D], "secp128r2", 126, 16),
    (&[0x2B, 0x81, 0x04, 0x00, 0x09], "secp160k1", 161, 20),
    (&[0x2B, 0x81, 0x04, 0x00, 0x08], "secp160r1", 161, 20),
    (&[0x2B, 0x81, 0x04, 0x00, 0x1E], "secp160r2", 161, 20),
    (&[0x2B, 0x81, 0x04, 0x00, 0x1F], "secp192k1", 192, 24),
    (&[0x2B, 0x81, 0x04, 0x00, 0x20], "secp224k1", 225, 28),
    (&[0x2B, 0x81, 0x04, 0x00, 0x21], "secp224r1", 224, 28),
    (&[0x2B, 0x81, 0x04, 0x00, 0x0A], "secp256k1", 256, 32),
    (&[0x2B, 0x81, 0x04, 0x00, 0x22], "secp384r1", 384, 48),
    (&[0x2B, 0x81, 0x04, 0x00, 0x23], "secp521r1", 521, 66),
    (&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x01], "prime192v1", 192, 24),
    (&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x02], "prime192v2", 192, 24),
    (&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x03], "prime192v3", 192, 24),
    (&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x04], "prime239v1", 239, 30),
    (&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x05], "prime239v2", 239, 30),
    (&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x06], "prime239v3", 239, 30),
    (&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07], "prime256v1", 256, 32),
    (&[0x2B, 0x81, 0x04, 0x00, 0x04], "sect113r1", 113, 15),
    (&[0x2B, 0x81, 0x04, 0x00, 0x05], "sect113r2", 113, 15),
    (&[0x2B, 0x81, 0x04, 0x00, 0x16], "sect131r1", 131, 17),
    (&[0x2B, 0x81, 0x04, 0x00, 0x17], "sect131r2", 131, 17),
    (&[0x2B, 0x81, 0x04, 0x00, 0x01], "sect163k1", 163, 21),
    (&[0x2B, 0x81, 0x04, 0x00, 0x02], "sect163r1", 162, 21),
    (&[0x2B, 0x81, 0x04, 0x00, 0x0F], "sect163r2", 163, 21),
    (&[0x2B, 0x81, 0x04, 0x00, 0x18], "sect193r1", 193, 25),
    (&[0x2B, 0x81, 0x04, 0x00, 0x19], "sect193r2", 193, 25),
    (&[0x2B, 0x81, 0x04, 0x00, 0x1A], "sect233k1", 232, 30),
    (&[0x2B, 0x81, 0x04, 0x00, 0x1B], "sect233r1", 233, 30),
    (&[0x2B, 0x81, 0x04, 0x00, 0x03], "sect239k1", 238, 30),
    (&[0x2B, 0x81, 0x04, 0x00, 0x10], "sect283k1", 281, 36),
    (&[0x2B, 0x81, 0x04, 0x00, 0x11], "sect283r1", 282, 36),
    (&[0x2B, 0x81, 0x04, 0x00, 0x24], "sect409k1", 407, 52),
    (&[0x2B, 0x81, 0x04, 0x00, 0x25], "sect409r1", 409, 52),
    (&[0x2B, 0x81, 0x04, 0x00, 0x26], "sect571k1", 570, 72),
    (&[0x2B, 0x81, 0x04, 0x00, 0x27], "sect571r1", 570, 72),
    (&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x00, 0x01], "c2pnb163v1", 163, 21),
    (&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x00, 0x02], "c2pnb163v2", 162, 21),
    (&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x00, 0x03], "c2pnb163v3", 162, 21),
    (&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x00, 0x04], "c2pnb176v1", 161, 22),
    (&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x00, 0x05], "c2tnb191v1", 191, 24),
    (&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x00, 0x06], "c2tnb191v2", 190, 24),
    (&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x00, 0x07], "c2tnb191v3", 189, 24),
    (&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x00, 0x0A], "c2pnb208w1", 193, 26),
    (&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x00, 0x0B], "c2tnb239v1", 238, 30),
    (&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x00, 0x0C], "c2tnb239v2", 237, 30),
    (&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x00, 0x0D], "c2tnb239v3", 236, 30),
    (&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x00, 0x10], "c2pnb272w1", 257, 34),
    (&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x00, 0x11], "c2pnb304w1", 289, 38),
    (&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x00, 0x12], "c2tnb359v1", 353, 45),
    (&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x00, 0x13], "c2pnb368w1", 353, 46),
    (&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x00, 0x14], "c2tnb431r1", 418, 54),
    (&[0x67, 0x2B, 0x01, 0x04, 0x01], "wap-wsg-idm-ecid-wtls1", 112, 15),
    (&[0x67, 0x2B, 0x01, 0x04, 0x03], "wap-wsg-idm-ecid-wtls3", 163, 21),
    (&[0x67, 0x2B, 0x01, 0x04, 0x04], "wap-wsg-idm-ecid-wtls4", 113, 15),
    (&[0x67, 0x2B, 0x01, 0x04, 0x05], "wap-wsg-idm-ecid-wtls5", 163, 21),
    (&[0x67, 0x2B, 0x01, 0x04, 0x06], "wap-wsg-idm-ecid-wtls6", 112, 14),
    (&[0x67, 0x2B, 0x01, 0x04, 0x07], "wap-wsg-idm-ecid-wtls7", 161, 20),
    (&[0x67, 0x2B, 0x01, 0x04, 0x08], "wap-wsg-idm-ecid-wtls8", 113, 14),
    (&[0x67, 0x2B, 0x01, 0x04, 0x09], "wap-wsg-idm-ecid-wtls9", 161, 20),
    (&[0x67, 0x2B, 0x01, 0x04, 0x0A], "wap-wsg-idm-ecid-wtls10", 232, 30),
    (&[0x67, 0x2B, 0x01, 0x04, 0x0B], "wap-wsg-idm-ecid-wtls11", 233, 30),
    (&[0x67, 0x2B, 0x01, 0x04, 0x0C], "wap-wsg-idm-ecid-wtls12", 224, 28),
    (&[0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x01], "brainpoolP160r1", 160, 20),
    (&[0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x02], "brainpoolP160t1", 160, 20),
    (&[0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x03], "brainpoolP192r1", 192, 24),
    (&[0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x04], "brainpoolP192t1", 192, 24),
    (&[0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x05], "brainpoolP224r1", 224, 28),
    (&[0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x06], "brainpoolP224t1", 224, 28),
    (&[0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x07], "brainpoolP256r1", 256, 32),
    (&[0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x08], "brainpoolP256t1", 256, 32),
    (&[0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x09], "brainpoolP320r1", 320, 40),
    (&[0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x0A], "brainpoolP320t1", 320, 40),
    (&[0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x0B], "brainpoolP384r1", 384, 48),
    (&[0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x0C], "brainpoolP384t1", 384, 48),
    (&[0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x0D], "brainpoolP512r1", 512, 64),
    (&[0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x0E], "brainpoolP512t1", 512, 64),
    (&[0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x01, 0x82, 0x2D], "SM2", 256, 32),
];

/// Describe the certificate's public key.
pub fn key_info(cert: &Certificate<'_>) -> KeyInfo {
    let mut info = decoded_key(cert);
    // Zeek logs no length of 0 bits.
    info.key_length = info.key_length.filter(|l| *l > 0);
    info
}

fn decoded_key(cert: &Certificate<'_>) -> KeyInfo {
    let alg = cert.key_alg;
    let key = cert.public_key;
    if RSA.contains(&alg) {
        return rsa(key).unwrap_or_default();
    }
    if DSA.contains(&alg) {
        return dsa(cert.key_params.map(|p| p.raw), key).unwrap_or_default();
    }
    if alg == EC_PUBLIC_KEY {
        return ec(cert.key_params.map(|p| p.raw), key).unwrap_or_default();
    }
    other(alg, key).unwrap_or_default()
}

/// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
fn rsa_numbers(key: &[u8]) -> Option<(&[u8], &[u8])> {
    let seq = Der::new(key).expect(der::SEQUENCE)?;
    let mut parts = Der::new(seq.body);
    let n = parts.expect(der::INTEGER)?.body;
    let e = parts.expect(der::INTEGER)?.body;
    Some((n, e))
}

fn rsa(key: &[u8]) -> Option<KeyInfo> {
    let (n, e) = rsa_numbers(key)?;
    let exponent = (e.len() <= MAX_EXPONENT_BYTES)
        .then(|| Big::from_digits(e.iter().map(|b| u64::from(*b)), 256).to_string());
    Some(KeyInfo {
        key_type: Some("rsa"),
        key_length: Some(bits(n)),
        exponent,
        curve: None,
    })
}

/// Dss-Parms ::= SEQUENCE { p, q, g INTEGER } in the algorithm
/// parameters (OpenSSL 3 decodes no key without them); the key is an INTEGER.
fn dsa(params: Option<&[u8]>, key: &[u8]) -> Option<KeyInfo> {
    Der::new(key).expect(der::INTEGER)?;
    let seq = Der::new(params?).expect(der::SEQUENCE)?;
    let mut parts = Der::new(seq.body);
    let p = parts.expect(der::INTEGER)?.body;
    parts.expect(der::INTEGER)?;
    parts.expect(der::INTEGER)?;
    Some(KeyInfo {
        key_type: Some("dsa"),
        key_length: Some(bits(p)),
        ..KeyInfo::default()
    })
}

/// A named curve in the parameters and a point of the right size. With
/// explicit curve parameters the length is the order's; OpenSSL would
/// also name a standard curve given this way, which we do not.
fn ec(params: Option<&[u8]>, key: &[u8]) -> Option<KeyInfo> {
    let params = Der::new(params?).next()?;
    if params.tag == der::SEQUENCE {
        return Some(KeyInfo {
            key_type: Some("ecdsa"),
            key_length: Some(bits(explicit_order(params.body)?)),
            ..KeyInfo::default()
        });
    }
    if params.tag != der::OID {
        return None;
    }
    let &(_, name, order_bits, field) = CURVES.iter().find(|c| c.0 == params.body)?;
    if !point_fits(key, field) {
        return None;
    }
    Some(KeyInfo {
        key_type: Some("ecdsa"),
        key_length: Some(order_bits),
        exponent: None,
        curve: Some(name),
    })
}

/// ECParameters ::= SEQUENCE { version, fieldID, curve, base, order, .. }
fn explicit_order(body: &[u8]) -> Option<&[u8]> {
    let mut parts = Der::new(body);
    parts.expect(der::INTEGER)?;
    parts.expect(der::SEQUENCE)?;
    parts.expect(der::SEQUENCE)?;
    parts.expect(der::OCTET_STRING)?;
    Some(parts.expect(der::INTEGER)?.body)
}

/// An uncompressed (04 X Y), compressed (02/03 X) or hybrid (06/07 X Y)
/// point with coordinates of the field's size. (OpenSSL also checks that
/// the point is on the curve; that takes curve arithmetic we do not have.)
fn point_fits(point: &[u8], field_bytes: usize) -> bool {
    match point.split_first() {
        Some((0x02 | 0x03, x)) => x.len() == field_bytes,
        Some((0x04 | 0x06 | 0x07, xy)) => xy.len() == 2 * field_bytes,
        _ => false,
    }
}

/// Key types Zeek does not take apart: OpenSSL's type name and bits.
fn other(alg: &[u8], key: &[u8]) -> Option<KeyInfo> {
    let (name, length) = if alg == RSA_PSS {
        let (n, _) = rsa_numbers(key)?;
        ("RSA-PSS", bits(n))
    } else if let Some(&(_, name, size, bits)) = FIXED.iter().find(|(o, ..)| *o == alg) {
        (key.len() == size).then_some((name, bits))?
    } else {
        let arc = alg.strip_prefix(NIST_SIG_ARC)?;
        let &(_, name, size) = NIST_SIG.iter().find(|(a, ..)| [*a] == arc)?;
        (key.len() == size).then_some((name, size as u64 * 8))?
    };
    Some(KeyInfo {
        key_type: Some(name),
        key_length: Some(length),
        ..KeyInfo::default()
    })
}

/// Significant bits of an unsigned big-endian number (`BN_num_bits`).
fn bits(n: &[u8]) -> u64 {
    let n = match n.iter().position(|b| *b != 0) {
        Some(i) => &n[i..],
        None => return 0,
    };
    (n.len() as u64 - 1) * 8 + u64::from(8 - n[0].leading_zeros())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn significant_bits() {
        assert_eq!(bits(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(bits(&[0x01]), 1);
        assert_eq!(bits(&[0, 0]), 0);
    }

    #[test]
    fn curves_table_is_unique() {
        for (i, c) in CURVES.iter().enumerate() {
            assert!(CURVES[i + 1..].iter().all(|d| d.0 != c.0 && d.1 != c.1));
        }
    }

    #[test]
    fn point_sizes() {
        let p256 = [&[0x04][..], &[1; 64]].concat();
        assert!(point_fits(&p256, 32));
        assert!(!point_fits(&p256, 48));
        assert!(point_fits(&[&[0x03][..], &[1; 66]].concat(), 66));
        assert!(!point_fits(&[0x00], 32));
    }
}
