//! X.509 certificates as Zeek's x509 file analyzer sees them: the fields
//! x509.log writes and what certificate validation needs (the signed
//! bytes, the signature, the public key, names and validity).
//!
//! Parsing never panics and never allocates per field: a [`Certificate`]
//! borrows slices of the DER it came from. A certificate whose outer
//! structure does not parse is `None` (Zeek: no x509 info, a weird).

pub mod der;
mod time;

use der::{Der, Tlv};
pub use time::parse_time;

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
const EXPLICIT_3: u8 = 0xA3;

impl<'a> Certificate<'a> {
    /// Parse DER; `None` when the structure is not a certificate.
    pub fn parse(der: &'a [u8]) -> Option<Self> {
        let cert = Der::new(der).expect(der::SEQUENCE)?;
        let mut parts = Der::new(cert.body);
        let tbs = parts.expect(der::SEQUENCE)?;
        let (signature_alg, signature_params) = algorithm(parts.expect(der::SEQUENCE)?)?;
        let signature = bit_string(parts.expect(der::BIT_STRING)?)?;

        let mut fields = Der::new(tbs.body);
        let version = match fields.optional(EXPLICIT_0) {
            Some(v) => {
                let n = Der::new(v.body).expect(der::INTEGER)?;
                match n.body {
                    [v @ 0..=2] => v + 1,
                    _ => return None,
                }
            }
            None => 1,
        };
        let serial = fields.expect(der::INTEGER)?.body;
        let tbs_signature_alg = fields.expect(der::SEQUENCE)?.raw;
        let issuer = fields.expect(der::SEQUENCE)?.raw;
        let validity = fields.expect(der::SEQUENCE)?;
        let mut times = Der::new(validity.body);
        let not_before = times.next().and_then(|t| parse_time(t.tag, t.body));
        let not_after = times.next().and_then(|t| parse_time(t.tag, t.body));
        let subject = fields.expect(der::SEQUENCE)?.raw;
        let spki = fields.expect(der::SEQUENCE)?;
        let mut key = Der::new(spki.body);
        let (key_alg, key_params) = algorithm(key.expect(der::SEQUENCE)?)?;
        let public_key = bit_string(key.expect(der::BIT_STRING)?)?;
        let extensions = fields
            .find(|f| f.tag == EXPLICIT_3)
            .map(|f| extensions(f.body))
            .unwrap_or_default();
        Some(Certificate {
            der,
            tbs: tbs.raw,
            version,
            serial,
            signature_alg,
            signature_params,
            signature,
            tbs_signature_alg,
            issuer,
            subject,
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

/// AlgorithmIdentifier: OID content and optional parameters.
fn algorithm(seq: Tlv<'_>) -> Option<(&[u8], Option<Tlv<'_>>)> {
    let mut items = Der::new(seq.body);
    let oid = items.expect(der::OID)?.body;
    Some((oid, items.next()))
}

fn bit_string(t: Tlv<'_>) -> Option<&[u8]> {
    t.body.split_first().map(|(_, bits)| bits)
}

fn extensions(explicit: &[u8]) -> Vec<Extension<'_>> {
    let Some(list) = Der::new(explicit).expect(der::SEQUENCE) else {
        return Vec::new();
    };
    Der::new(list.body)
        .filter(|e| e.tag == der::SEQUENCE)
        .filter_map(|e| {
            let mut parts = Der::new(e.body);
            let oid = parts.expect(der::OID)?.body;
            let critical = parts
                .optional(der::BOOLEAN)
                .is_some_and(|b| b.body.first().is_some_and(|v| *v != 0));
            let value = parts.expect(der::OCTET_STRING)?.body;
            Some(Extension {
                oid,
                critical,
                value,
            })
        })
        .collect()
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
