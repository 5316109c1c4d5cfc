//! A certificate as OpenSSL's verifier sees it: the parsed fields plus what
//! `x509v3_cache_extensions` derives from the extensions (CA flag, path
//! length, key usage, key identifiers, self-issued / self-signed, and the
//! "invalid" and "unhandled critical extension" marks).

use crate::name;
use x509::der::{self, Der, Tlv};
use x509::{oid, Certificate, Extension};

/// keyUsage keyCertSign as OpenSSL numbers the bits (first byte, then
/// second << 8).
const KU_KEY_CERT_SIGN: u16 = 0x0004;
/// Netscape cert type: any of the SSL, S/MIME or object-signing CA bits.
const NS_ANY_CA: u8 = 0x07;

const NETSCAPE_CERT_TYPE: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x86, 0xF8, 0x42, 0x01, 0x01];
const PROXY_CERT_INFO: &[u8] = &[0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x0E];
const ISSUER_ALT_NAME: &[u8] = &[0x55, 0x1D, 0x12];
const NAME_CONSTRAINTS: &[u8] = &[0x55, 0x1D, 0x1E];
const CRL_DISTRIBUTION_POINTS: &[u8] = &[0x55, 0x1D, 0x1F];
const IP_ADDR_BLOCKS: &[u8] = &[0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x07];
const AS_IDENTIFIERS: &[u8] = &[0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x08];

/// Extensions OpenSSL's verifier understands: a critical extension not in
/// this list makes the certificate unusable (`X509_supported_extension`).
const SUPPORTED_CRITICAL: &[&[u8]] = &[
    NETSCAPE_CERT_TYPE,
    oid::KEY_USAGE,
    oid::SUBJECT_ALT_NAME,
    oid::BASIC_CONSTRAINTS,
    &[0x55, 0x1D, 0x20], // certificatePolicies
    CRL_DISTRIBUTION_POINTS,
    oid::EXT_KEY_USAGE,
    IP_ADDR_BLOCKS,
    AS_IDENTIFIERS,
    &[0x55, 0x1D, 0x24], // policyConstraints
    PROXY_CERT_INFO,
    NAME_CONSTRAINTS,
    &[0x55, 0x1D, 0x21], // policyMappings
    &[0x55, 0x1D, 0x36], // inhibitAnyPolicy
];

/// authorityKeyIdentifier.
#[derive(Debug, Clone, Default)]
struct AuthorityKeyId<'a> {
    key_id: Option<&'a [u8]>,
    /// Canonical key of the first directoryName of authorityCertIssuer.
    issuer: Option<Vec<u8>>,
    serial: Option<&'a [u8]>,
}

/// One certificate with OpenSSL's derived flags.
#[derive(Debug, Clone)]
pub struct Cert<'a> {
    pub x: Certificate<'a>,
    subject: Vec<u8>,
    issuer: Vec<u8>,
    /// An extension failed to decode or repeats (`EXFLAG_INVALID`).
    pub invalid: bool,
    /// A critical extension OpenSSL does not handle (`EXFLAG_CRITICAL`).
    pub unhandled_critical: bool,
    pub proxy: bool,
    /// Subject and issuer names match (`EXFLAG_SI`).
    pub self_issued: bool,
    /// Self-issued, its own AKID matches and key usage allows signing
    /// certificates (`EXFLAG_SS`).
    pub self_signed: bool,
    basic_constraints: bool,
    ca: bool,
    /// pathLenConstraint, if given and representable.
    pub path_len: Option<u64>,
    key_usage: Option<u16>,
    ns_cert_type: Option<u8>,
    skid: Option<&'a [u8]>,
    akid: Option<AuthorityKeyId<'a>>,
}

impl<'a> Cert<'a> {
    /// `None` when the DER is not a certificate.
    pub fn parse(der: &'a [u8]) -> Option<Self> {
        let x = Certificate::parse(der)?;
        let subject = name::canonical(x.subject);
        let issuer = name::canonical(x.issuer);
        let mut c = Cert {
            subject,
            issuer,
            invalid: false,
            unhandled_critical: false,
            proxy: false,
            self_issued: false,
            self_signed: false,
            basic_constraints: false,
            ca: false,
            path_len: None,
            key_usage: None,
            ns_cert_type: None,
            skid: None,
            akid: None,
            x,
        };
        c.cache_extensions();
        Some(c)
    }

    fn cache_extensions(&mut self) {
        let exts = self.x.extensions.clone();
        let mut invalid = false;
        let mut decoded = |oid: &[u8]| -> Option<&'a [u8]> {
            let mut found = exts.iter().filter(|e| e.oid == oid);
            let first = found.next()?;
            // OpenSSL refuses to decode an extension that occurs twice.
            invalid |= found.next().is_some();
            Some(first.value)
        };
        let bc = decoded(oid::BASIC_CONSTRAINTS);
        let proxy = decoded(PROXY_CERT_INFO);
        let ku = decoded(oid::KEY_USAGE);
        let eku = decoded(oid::EXT_KEY_USAGE);
        let ns = decoded(NETSCAPE_CERT_TYPE);
        let skid = decoded(oid::SUBJECT_KEY_ID);
        let akid = decoded(oid::AUTHORITY_KEY_ID);
        let structural = [
            decoded(oid::SUBJECT_ALT_NAME).map(general_names),
            decoded(NAME_CONSTRAINTS).map(is_sequence),
            decoded(CRL_DISTRIBUTION_POINTS).map(is_sequence),
            decoded(IP_ADDR_BLOCKS).map(is_sequence),
            decoded(AS_IDENTIFIERS).map(is_sequence),
            eku.map(oid_list),
            proxy.map(is_sequence),
        ];
        invalid |= structural.contains(&Some(false));
        if let Some(v) = bc {
            invalid |= !self.basic_constraints(v);
        }
        if let Some(v) = ku {
            self.key_usage = bit_string(v).map(|b| {
                u16::from(b.first().copied().unwrap_or(0))
                    | u16::from(b.get(1).copied().unwrap_or(0)) << 8
            });
            invalid |= self.key_usage.is_none();
        }
        if let Some(v) = ns {
            self.ns_cert_type = bit_string(v).map(|b| b.first().copied().unwrap_or(0));
            invalid |= self.ns_cert_type.is_none();
        }
        if let Some(v) = skid {
            self.skid = Der::new(v).expect(der::OCTET_STRING).map(|t| t.body);
            invalid |= self.skid.is_none();
        }
        if let Some(v) = akid {
            self.akid = authority_key_id(v);
            invalid |= self.akid.is_none();
        }
        self.proxy = proxy.is_some();
        // A proxy certificate may not be a CA nor carry alternative names.
        invalid |= self.proxy
            && (self.ca
                || self.x.extension(oid::SUBJECT_ALT_NAME).is_some()
                || self.x.extension(ISSUER_ALT_NAME).is_some());
        self.invalid = invalid;
        self.unhandled_critical = exts.iter().any(unhandled);
        self.self_issued = self.subject == self.issuer;
        self.self_signed = self.self_issued
            && self.akid_matches(self.akid.as_ref())
            && !self.key_usage_rejects(KU_KEY_CERT_SIGN);
    }

    /// basicConstraints; false when it does not decode or contradicts itself.
    fn basic_constraints(&mut self, value: &[u8]) -> bool {
        let Some(seq) = Der::new(value).expect(der::SEQUENCE) else {
            return false;
        };
        let mut items = Der::new(seq.body);
        self.basic_constraints = true;
        self.ca = items
            .optional(der::BOOLEAN)
            .is_some_and(|b| b.body.first().is_some_and(|v| *v != 0));
        let len = items.optional(der::INTEGER);
        if !items.is_empty() {
            return false;
        }
        let Some(len) = len else { return true };
        if len.body.first().is_none_or(|b| b & 0x80 != 0) {
            return false;
        }
        self.path_len = x509::unsigned(len.body);
        // A pathLenConstraint other than 0 needs cA.
        self.ca || self.path_len == Some(0)
    }

    fn key_usage_rejects(&self, usage: u16) -> bool {
        self.key_usage.is_some_and(|ku| ku & usage == 0)
    }

    /// `X509_check_ca`: 0 not a CA, 1 a CA by basicConstraints, 3 a v1
    /// self-signed root, 4 keyUsage allows signing, 5 Netscape CA type.
    pub fn check_ca(&self) -> u8 {
        if self.key_usage_rejects(KU_KEY_CERT_SIGN) {
            return 0;
        }
        if self.basic_constraints {
            return u8::from(self.ca);
        }
        if self.x.version == 1 && self.self_signed {
            3
        } else if self.key_usage.is_some() {
            4
        } else if self.ns_cert_type.is_some_and(|ns| ns & NS_ANY_CA != 0) {
            5
        } else {
            0
        }
    }

    /// `X509_check_akid(issuer = self, akid)`.
    fn akid_matches(&self, akid: Option<&AuthorityKeyId<'_>>) -> bool {
        let Some(akid) = akid else { return true };
        if let (Some(want), Some(have)) = (akid.key_id, self.skid) {
            if want != have {
                return false;
            }
        }
        if akid.serial.is_some_and(|s| s != self.x.serial) {
            return false;
        }
        akid.issuer.as_ref().is_none_or(|n| *n == self.issuer)
    }

    /// `x509_likely_issued(issuer, self)`: names chain, neither is
    /// invalid, and the AKID (if any) points at `issuer`.
    pub fn likely_issued_by(&self, issuer: &Cert<'_>) -> bool {
        issuer.subject == self.issuer
            && !issuer.invalid
            && !self.invalid
            && issuer.akid_matches(self.akid.as_ref())
    }

    /// The canonical subject key (for store lookups).
    pub fn subject_key(&self) -> &[u8] {
        &self.subject
    }

    /// The canonical issuer key.
    pub fn issuer_key(&self) -> &[u8] {
        &self.issuer
    }
}

fn unhandled(e: &Extension<'_>) -> bool {
    e.critical && !SUPPORTED_CRITICAL.contains(&e.oid)
}

fn is_sequence(value: &[u8]) -> bool {
    Der::new(value).expect(der::SEQUENCE).is_some()
}

fn oid_list(value: &[u8]) -> bool {
    Der::new(value)
        .expect(der::SEQUENCE)
        .is_some_and(|s| Der::new(s.body).all(|t| t.tag == der::OID))
}

/// GeneralNames: a SEQUENCE of context-tagged choices [0]..[8].
fn general_names(value: &[u8]) -> bool {
    Der::new(value)
        .expect(der::SEQUENCE)
        .is_some_and(|s| Der::new(s.body).all(|t| t.tag & 0xC0 == 0x80 && t.tag & 0x1F <= 8))
}

/// A BIT STRING's bytes with the unused trailing bits cleared.
fn bit_string(value: &[u8]) -> Option<Vec<u8>> {
    let t = Der::new(value).expect(der::BIT_STRING)?;
    let (&unused, bits) = t.body.split_first()?;
    if unused > 7 || (bits.is_empty() && unused != 0) {
        return None;
    }
    let mut bits = bits.to_vec();
    if let Some(last) = bits.last_mut() {
        *last &= 0xFF << unused;
    }
    Some(bits)
}

const IMPLICIT_0: u8 = 0x80;
const EXPLICIT_1: u8 = 0xA1;
const IMPLICIT_2: u8 = 0x82;
const DIRECTORY_NAME: u8 = 0xA4;

fn authority_key_id(value: &[u8]) -> Option<AuthorityKeyId<'_>> {
    let seq = Der::new(value).expect(der::SEQUENCE)?;
    let mut items = Der::new(seq.body);
    let key_id = items.optional(IMPLICIT_0).map(|t| t.body);
    let issuer = match items.optional(EXPLICIT_1) {
        Some(names) => Some(first_directory_name(names)?),
        None => None,
    };
    let serial = items.optional(IMPLICIT_2).map(|t| t.body);
    Some(AuthorityKeyId {
        key_id,
        issuer: issuer.flatten(),
        serial,
    })
}

/// The canonical key of the first directoryName in GeneralNames (`None`
/// inside when there is none); `None` when the names do not decode.
fn first_directory_name(names: Tlv<'_>) -> Option<Option<Vec<u8>>> {
    let mut out = None;
    for n in Der::new(names.body) {
        if n.tag & 0xC0 != 0x80 {
            return None;
        }
        if n.tag == DIRECTORY_NAME && out.is_none() {
            out = Some(name::canonical(n.body));
        }
    }
    Some(out)
}
