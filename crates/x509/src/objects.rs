//! OpenSSL's object table: the short and long names OpenSSL prints for
//! the OIDs it knows (`OBJ_nid2sn` / `OBJ_nid2ln`). Zeek's x509.log shows
//! these names, and an OID OpenSSL does not know is printed in dotted
//! form instead, so the table decides which of the two a log shows.
//!
//! Generated from OpenSSL 3.0's `obj_mac.h` (every object with an OID;
//! a missing short or long name is the other one, as in OpenSSL), plus
//! the post-quantum algorithms OpenSSL 3.5 added (ML-DSA, SLH-DSA,
//! ML-KEM). OIDs OpenSSL does not know are printed in dotted form.

use crate::big::Big;
use table::OBJECTS;

mod table;

/// An object OpenSSL knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Object {
    /// Short name (`CN`, `rsaEncryption`, `prime256v1`).
    pub short: &'static str,
    /// Long name (`commonName`, `sha256WithRSAEncryption`).
    pub long: &'static str,
}

/// The object whose OID has these DER content bytes.
pub fn lookup(oid: &[u8]) -> Option<Object> {
    let i = OBJECTS.binary_search_by(|(k, _, _)| (*k).cmp(oid)).ok()?;
    let (_, short, long) = OBJECTS[i];
    Some(Object { short, long })
}

/// Whether OpenSSL accepts these content bytes as an OID
/// (`c2i_ASN1_OBJECT`): not empty, the last byte ends a sub-identifier,
/// and no sub-identifier starts with a padding byte 0x80.
pub fn is_valid_oid(oid: &[u8]) -> bool {
    let starts_ok = oid
        .iter()
        .enumerate()
        .all(|(i, b)| *b != 0x80 || (i > 0 && oid[i - 1] & 0x80 != 0));
    oid.last().is_some_and(|b| b & 0x80 == 0) && starts_ok
}

/// Dotted decimal form (`OBJ_obj2txt(.., 1)`): the first sub-identifier
/// holds the first two arcs (`40 * a + b`, a at most 2). Arcs of any size.
pub fn dotted(oid: &[u8]) -> String {
    let mut out = String::new();
    for (i, sub) in oid.split_inclusive(|b| b & 0x80 == 0).enumerate() {
        let mut value = Big::from_digits(sub.iter().map(|b| u64::from(b & 0x7F)), 128);
        if i == 0 {
            let arc0 = value.small().map_or(2, |v| (v / 40).min(2));
            value.subtract(arc0 * 40);
            out.push_str(&arc0.to_string());
        }
        out.push('.');
        out.push_str(&value.to_string());
    }
    out
}

/// The long name OpenSSL knows, else the dotted form
/// (`OBJ_obj2txt(.., 0)`, as `i2t_ASN1_OBJECT` prints algorithms).
pub fn long_name(oid: &[u8]) -> String {
    match lookup(oid) {
        Some(o) => o.long.to_string(),
        None => dotted(oid),
    }
}

/// The short name OpenSSL knows, else the dotted form.
pub fn short_name(oid: &[u8]) -> String {
    match lookup(oid) {
        Some(o) => o.short.to_string(),
        None => dotted(oid),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_forms() {
        assert_eq!(dotted(&[0x55, 0x04, 0x03]), "2.5.4.3");
        assert_eq!(
            dotted(&[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D]),
            "1.2.840.113549"
        );
        assert_eq!(dotted(&[0x00]), "0.0");
        assert_eq!(dotted(&[0x4F]), "1.39");
        assert_eq!(dotted(&[0x81, 0x00]), "2.48");
        assert_eq!(dotted(&[0x88, 0x37, 0x03]), "2.999.3");
        // 2^70 as one arc.
        let big = [
            0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00,
        ];
        assert_eq!(
            dotted(&[&[0x2A][..], &big].concat()),
            "1.2.1180591620717411303424"
        );
    }

    #[test]
    fn validity() {
        assert!(is_valid_oid(&[0x55, 0x04, 0x03]));
        assert!(!is_valid_oid(&[]));
        assert!(!is_valid_oid(&[0x55, 0x84]));
        assert!(!is_valid_oid(&[0x55, 0x80, 0x01]));
        assert!(is_valid_oid(&[0x55, 0x81, 0x80, 0x01]));
    }

    #[test]
    fn names_or_dotted() {
        let sha256_rsa = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B];
        assert_eq!(long_name(&sha256_rsa), "sha256WithRSAEncryption");
        assert_eq!(short_name(&sha256_rsa), "RSA-SHA256");
        assert_eq!(long_name(&[0x55, 0x04, 0x7F]), "2.5.4.127");
    }

    #[test]
    fn sorted_for_binary_search() {
        assert!(OBJECTS.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn known_names() {
        let cn = lookup(&[0x55, 0x04, 0x03]).unwrap();
        assert_eq!((cn.short, cn.long), ("CN", "commonName"));
        let ml_dsa = lookup(&[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x11]).unwrap();
        assert_eq!(ml_dsa.long, "ML-DSA-44");
        assert_eq!(lookup(&[0x55, 0x04, 0x7f]), None);
    }
}
