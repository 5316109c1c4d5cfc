//! X.509 certificates as Zeek's x509 file analyzer sees them: the fields
//! x509.log writes and what certificate validation needs (the signed
//! bytes, the signature, the public key, names and validity).
//!
//! Parsing never panics and never allocates per field: a [`Certificate`]
//! borrows slices of the DER it came from. A certificate whose outer
//! structure does not parse is `None` (Zeek: no x509 info, a weird).

mod big;
pub mod der;
pub mod fields;
pub mod host;
mod integer;
pub mod key;
pub mod name;
pub mod objects;
pub mod san;
mod time;

use der::{Der, Tlv};
pub use fields::{Fingerprint, LogFields};
pub use host::HostNames;
pub use name::Name;
pub use time::{parse_time, zeek_time};

/// Extension OIDs (content bytes of the OBJECT IDENTIFIER).
pub mod oid {
    /// 2.5.29.19 basicConstraints.
    pub const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1D, 0x13];
    /// 2.5.29.17 subjectAltName.
    pub const SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1D, 0x11];
    /// 2.5.29.15 keyUsage.
    pub const KEY_USAGE: &[u8] = &[0x55, 0x1D, 0x0F];
    /// 2.5.29.14 subjectKeyIdentifier.
    pub const SUBJECT_KEY_ID: &[u8] = &[0x55, 0x1D, 0x0E];
    /// 2.5.29.35 authorityKeyIdentifier.
    pub const AUTHORITY_KEY_ID: &[u8] = &[0x55, 0x1D, 0x23];
    /// 2.5.29.37 extKeyUsage.
    pub const EXT_KEY_USAGE: &[u8] = &[0x55, 0x1D, 0x25];
    /// 2.5.4.3 commonName.
    pub const COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];
}

/// One extension: OID content bytes, criticality and the OCTET STRING's
/// content (the extension's own DER).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extension<'a> {
    pub oid: &'a [u8],
    pub critical: bool,
    pub value: &'a [u8],
}

/// A parsed certificate, borrowing its DER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate<'a> {
    /// The whole certificate (what fingerprints hash).
    pub der: &'a [u8],
    /// The signed part, header included (what the signature covers).
    pub tbs: &'a [u8],
    /// X.509 version as written in x509.log: 1, 2 or 3.
    pub version: u8,
    /// serialNumber INTEGER content bytes.
    pub serial: &'a [u8],
    /// The outer signatureAlgorithm's OID content bytes.
    pub signature_alg: &'a [u8],
    /// The outer signatureAlgorithm's parameters (whole TLV), if any.
    pub signature_params: Option<Tlv<'a>>,
    /// The signature BIT STRING's bits (unused-bits byte stripped).
    pub signature: &'a [u8],
    /// The TBS's inner signature AlgorithmIdentifier, whole encoding.
    pub tbs_signature_alg: &'a [u8],
    /// Issuer Name, whole encoding (SEQUENCE of RDNs).
    pub issuer: &'a [u8],
    /// Subject Name, whole encoding.
    pub subject: &'a [u8],
    /// The Validity SEQUENCE's content (notBefore and notAfter).
    pub validity: &'a [u8],
    /// notBefore / notAfter as Unix seconds; `None` if unparseable.
    pub not_before: Option<i64>,
    pub not_after: Option<i64>,
    /// SubjectPublicKeyInfo, whole encoding.
    pub spki: &'a [u8],
    /// The key's algorithm OID content bytes.
    pub key_alg: &'a [u8],
    /// The key algorithm's parameters (whole TLV; the curve OID for EC).
    pub key_params: Option<Tlv<'a>>,
    /// The subjectPublicKey BIT STRING's bits.
    pub public_key: &'a [u8],
    /// Extensions in certificate order (v3 only).
    pub extensions: Vec<Extension<'a>>,
}

/// basicConstraints: `cA` and `pathLenConstraint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BasicConstraints {
    pub ca: bool,
    pub path_len: Option<u64>,
}

const EXPLICIT_0: u8 = 0xA0;
const ISSUER_UID: u8 = 0x81;
const SUBJECT_UID: u8 = 0x82;
const EXPLICIT_3: u8 = 0xA3;

impl<'a> Certificate<'a> {
    /// Parse DER; `None` when the structure is not a certificate OpenSSL
    /// would read (`d2i_X509`): every SEQUENCE holds exactly its fields,
    /// INTEGERs, OIDs, BIT STRINGs, times and names are well-formed.
    pub fn parse(der: &'a [u8]) -> Option<Self> {
        let cert = Der::new(der).expect(der::SEQUENCE)?;
        let mut parts = Der::new(cert.body);
        let tbs = parts.expect(der::SEQUENCE)?;
        let (signature_alg, signature_params) = algorithm(parts.expect(der::SEQUENCE)?)?;
        let signature = bit_string(parts.expect(der::BIT_STRING)?)?;
        if !parts.is_empty() {
            return None;
        }

        let mut fields = Der::new(tbs.body);
        let version = match fields.optional(EXPLICIT_0) {
            Some(v) => match single(v.body, der::INTEGER)?.body {
                [v @ 0..=2] => v + 1,
                _ => return None,
            },
            None => 1,
        };
        let serial = fields.expect(der::INTEGER)?.body;
        integer::integer(serial)?;
        let tbs_signature_alg = fields.expect(der::SEQUENCE)?;
        algorithm(tbs_signature_alg)?;
        let issuer = fields.expect_list(der::SEQUENCE)?.raw;
        let validity = fields.expect(der::SEQUENCE)?;
        let (not_before, not_after) = validity_times(validity.body)?;
        let subject = fields.expect_list(der::SEQUENCE)?.raw;
        Name::parse(issuer)?;
        Name::parse(subject)?;
        let spki = fields.expect(der::SEQUENCE)?;
        let mut key = Der::new(spki.body);
        let (key_alg, key_params) = algorithm(key.expect(der::SEQUENCE)?)?;
        let public_key = bit_string(key.expect(der::BIT_STRING)?)?;
        if !key.is_empty() {
            return None;
        }
        for unique_id in [ISSUER_UID, SUBJECT_UID] {
            if let Some(id) = fields.optional(unique_id) {
                bit_string(id)?;
            }
        }
        let extensions = match fields.optional(EXPLICIT_3) {
            Some(f) => {
                let mut inner = Der::new(f.body);
                let list = inner.expect_list(der::SEQUENCE)?;
                if !inner.is_empty() {
                    return None;
                }
                extensions(list.body)?
            }
            None => Vec::new(),
        };
        if !fields.is_empty() {
            return None;
        }
        Some(Certificate {
            der,
            tbs: tbs.raw,
            version,
            serial,
            signature_alg,
            signature_params,
            signature,
            tbs_signature_alg: tbs_signature_alg.raw,
            issuer,
            subject,
            validity: validity.body,
            not_before,
            not_after,
            spki: spki.raw,
            key_alg,
            key_params,
            public_key,
            extensions,
        })
    }

    /// The extension with this OID, if present.
    pub fn extension(&self, oid: &[u8]) -> Option<&Extension<'a>> {
        self.extensions.iter().find(|e| e.oid == oid)
    }

    /// basicConstraints, if present and well-formed.
    pub fn basic_constraints(&self) -> Option<BasicConstraints> {
        let ext = self.extension(oid::BASIC_CONSTRAINTS)?;
        let seq = Der::new(ext.value).expect(der::SEQUENCE)?;
        let mut items = Der::new(seq.body);
        let ca = items
            .optional(der::BOOLEAN)
            .is_some_and(|b| b.body.first().is_some_and(|v| *v != 0));
        let path_len = items.optional(der::INTEGER).and_then(|i| unsigned(i.body));
        Some(BasicConstraints { ca, path_len })
    }

    /// Issuer and subject are the same name (byte-for-byte).
    pub fn self_issued(&self) -> bool {
        self.issuer == self.subject
    }
}

/// AlgorithmIdentifier: a valid OID and optional parameters, nothing more.
fn algorithm(seq: Tlv<'_>) -> Option<(&[u8], Option<Tlv<'_>>)> {
    let mut items = Der::new(seq.body);
    let oid = items.expect(der::OID)?.body;
    let params = if items.is_empty() {
        None
    } else {
        Some(items.next().filter(|p| any_ok(*p))?)
    };
    (items.is_empty() && objects::is_valid_oid(oid)).then_some((oid, params))
}

/// An ANY value OpenSSL decodes: universal types are checked as their
/// type requires (`asn1_ex_c2i`); other classes are kept as they are.
fn any_ok(t: Tlv<'_>) -> bool {
    let constructed = t.tag & 0x20 != 0;
    if t.tag & 0xC0 != 0 {
        return true;
    }
    let len = t.body.len();
    match (t.tag & 0x1F, constructed) {
        (0x10 | 0x11, c) => c,
        (_, true) => !matches!(t.tag & 0x1F, 1 | 2 | 5 | 6 | 10),
        (0x01, _) => len == 1,
        (0x02 | 0x0A, _) => integer::integer(t.body).is_some(),
        (0x03, _) => bit_string(t).is_some(),
        (0x05, _) => len == 0,
        (0x06, _) => objects::is_valid_oid(t.body),
        (0x17, _) => len >= 13,
        (0x18, _) => len >= 15,
        (0x1C, _) => len.is_multiple_of(4),
        (0x1E, _) => len.is_multiple_of(2),
        _ => true,
    }
}

/// A BIT STRING's bits: at least the unused-bits count, which is 0 to 7.
fn bit_string(t: Tlv<'_>) -> Option<&[u8]> {
    match t.body.split_first() {
        Some((unused, bits)) if *unused <= 7 => Some(bits),
        _ => None,
    }
}

/// The one element of `body`, which must have tag `tag`.
fn single(body: &[u8], tag: u8) -> Option<Tlv<'_>> {
    let mut d = Der::new(body);
    let t = d.expect(tag)?;
    d.is_empty().then_some(t)
}

/// notBefore and notAfter: UTCTime or GeneralizedTime with seconds
/// (OpenSSL 3.3 and later refuse shorter times), as Unix seconds when
/// they are well-formed dates.
#[allow(clippy::type_complexity)]
fn validity_times(body: &[u8]) -> Option<(Option<i64>, Option<i64>)> {
    let mut times = Der::new(body);
    let mut next = || {
        let t = times.next()?;
        let min = match t.tag {
            der::UTC_TIME => 13,
            der::GENERALIZED_TIME => 15,
            _ => return None,
        };
        (t.body.len() >= min).then(|| parse_time(t.tag, t.body))
    };
    let (before, after) = (next()?, next()?);
    times.is_empty().then_some((before, after))
}

/// The extensions list: each one `SEQUENCE { OID, BOOLEAN DEFAULT FALSE,
/// OCTET STRING }` and nothing else.
fn extensions(list: &[u8]) -> Option<Vec<Extension<'_>>> {
    let mut items = Der::new(list);
    let mut out = Vec::new();
    while !items.is_empty() {
        let mut parts = Der::new(items.expect(der::SEQUENCE)?.body);
        let oid = parts.expect(der::OID)?.body;
        let critical = match parts.optional(der::BOOLEAN) {
            Some(b) => match b.body {
                [v] => *v != 0,
                _ => return None,
            },
            None => false,
        };
        let value = parts.expect(der::OCTET_STRING)?.body;
        if !parts.is_empty() || !objects::is_valid_oid(oid) {
            return None;
        }
        out.push(Extension {
            oid,
            critical,
            value,
        });
    }
    Some(out)
}

/// A non-negative INTEGER that fits in u64.
pub fn unsigned(bytes: &[u8]) -> Option<u64> {
    let bytes = match bytes {
        [0, rest @ ..] if !rest.is_empty() => rest,
        [b, ..] if *b & 0x80 != 0 => return None,
        b => b,
    };
    (bytes.len() <= 8).then(|| bytes.iter().fold(0u64, |a, b| (a << 8) | u64::from(*b)))
}

#[cfg(test)]
mod tests;
