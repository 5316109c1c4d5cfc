//! Everything x509.log says about a certificate, derived as Zeek's X509
//! file analyzer derives it with OpenSSL (`X509::ParseCertificate`, the
//! extension handlers and the script that fills `X509::Info`).

use crate::der::{self, Der};
use crate::integer::{integer, Integer};
use crate::key::{key_info, KeyInfo};
use crate::name::Name;
use crate::objects;
use crate::san::{self, SubjectAltName};
use crate::time::zeek_time;
use crate::{oid, Certificate};
use sha2::{Digest, Sha256};

/// Bytes Zeek reads of a printed name or serial (its buffer is 2048).
const MAX_NAME: usize = 2047;
const MAX_SERIAL: usize = 2048;
/// Bytes of an algorithm name (`i2t_ASN1_OBJECT` into 255 bytes).
const MAX_ALGORITHM: usize = 254;

/// A weird Zeek raises about the certificate file, with its `addl`.
pub type Weird = (&'static str, Option<String>);

/// basicConstraints as logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoggedConstraints {
    pub ca: bool,
    pub path_len: Option<u64>,
}

/// The x509.log values of one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFields<'a> {
    pub version: u64,
    /// Upper-case hex, `-` for negative numbers (`i2a_ASN1_INTEGER`).
    pub serial: String,
    pub subject: String,
    pub issuer: String,
    /// Seconds since the epoch (0 when Zeek could not read the time).
    pub not_valid_before: i64,
    pub not_valid_after: i64,
    pub key_alg: String,
    /// Empty when OpenSSL does not know the signature algorithm.
    pub sig_alg: String,
    pub key: KeyInfo,
    /// The last subjectAltName extension that decoded.
    pub san: Option<SubjectAltName<'a>>,
    /// The last basicConstraints extension that decoded.
    pub basic_constraints: Option<LoggedConstraints>,
    /// Weirds, in the order Zeek raises them.
    pub weirds: Vec<Weird>,
}

impl<'a> LogFields<'a> {
    /// The values of a parsed certificate (`None` only if it was not
    /// checked by [`Certificate::parse`]).
    pub fn of(cert: &Certificate<'a>) -> Option<LogFields<'a>> {
        let serial = integer(cert.serial)?;
        let subject = Name::parse(cert.subject)?;
        let issuer = Name::parse(cert.issuer)?;
        let mut times = Der::new(cert.validity).map(|t| (t.tag, t.body));
        let (before, after) = (times.next()?, times.next()?);
        let mut weirds = Vec::new();
        let mut time = |(tag, text): (u8, &[u8])| {
            zeek_time(tag, text).unwrap_or_else(|w| {
                weirds.push((w, None));
                0
            })
        };
        let not_valid_before = time(before);
        let not_valid_after = time(after);
        let mut fields = LogFields {
            version: u64::from(cert.version),
            serial: serial_text(&serial),
            subject: capped(subject.rfc2253(), MAX_NAME),
            issuer: capped(issuer.rfc2253(), MAX_NAME),
            not_valid_before,
            not_valid_after,
            key_alg: capped(objects::long_name(cert.key_alg), MAX_ALGORITHM),
            sig_alg: objects::lookup(cert.signature_alg)
                .map(|o| capped(o.long.to_string(), MAX_ALGORITHM))
                .unwrap_or_default(),
            key: key_info(cert),
            san: None,
            basic_constraints: None,
            weirds,
        };
        for ext in &cert.extensions {
            fields.extension(ext.oid, ext.value);
        }
        Some(fields)
    }

    fn extension(&mut self, oid: &[u8], value: &'a [u8]) {
        if oid == oid::BASIC_CONSTRAINTS {
            match basic_constraints(value) {
                Some(bc) => self.basic_constraints = Some(bc),
                None => self.weirds.push(("x509_invalid_basic_constraint", None)),
            }
        } else if oid == oid::SUBJECT_ALT_NAME {
            match san::parse(value) {
                Some(san) => {
                    let bad = san.bad_ip_lengths.iter();
                    let weirds = bad.map(|len| ("x509_san_ip_length", Some(len.to_string())));
                    self.weirds.extend(weirds);
                    self.san = Some(san);
                }
                None => self.weirds.push(("x509_san_parse_error", None)),
            }
        }
    }
}

/// x509.log's `fingerprint`: SHA-256 of the certificate's encoding (only
/// the certificate, without anything after it); prints in lower-case hex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    pub fn of(der: &[u8]) -> Fingerprint {
        let cert = Der::new(der).next().map_or(der, |t| t.raw);
        Fingerprint(Sha256::digest(cert).into())
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// `i2a_ASN1_INTEGER`: upper-case hex, a backslash-newline after every 35
/// bytes, cut where Zeek's buffer ends.
fn serial_text(n: &Integer) -> String {
    let mut s = String::new();
    if n.negative {
        s.push('-');
    }
    for (i, b) in n.magnitude.iter().enumerate() {
        if i > 0 && i % 35 == 0 {
            s.push_str("\\\n");
        }
        s.push_str(&format!("{b:02X}"));
    }
    capped(s, MAX_SERIAL)
}

/// BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE,
/// pathLenConstraint INTEGER OPTIONAL }, as OpenSSL decodes it.
fn basic_constraints(value: &[u8]) -> Option<LoggedConstraints> {
    let seq = Der::new(value).expect(der::SEQUENCE)?;
    let mut items = Der::new(seq.body);
    let ca = match items.optional(der::BOOLEAN) {
        Some(b) => match b.body {
            [v] => *v != 0,
            _ => return None,
        },
        None => false,
    };
    let path_len = match items.optional(der::INTEGER) {
        Some(i) => Some(path_len(&integer(i.body)?)),
        None => None,
    };
    items
        .is_empty()
        .then_some(LoggedConstraints { ca, path_len })
}

/// What Zeek stores of the path length: `ASN1_INTEGER_get` (-1 when the
/// number does not fit a long) cut to 32 bits, in a 64-bit count.
fn path_len(n: &Integer) -> u64 {
    let digits = n.magnitude.iter().skip_while(|b| **b == 0);
    let value = match (digits.clone().count() <= 8)
        .then(|| digits.fold(0u64, |a, b| (a << 8) | u64::from(*b)))
    {
        Some(v) if !n.negative && v <= i64::MAX as u64 => v as i64,
        Some(v) if n.negative && v <= 1 << 63 => (v as i64).wrapping_neg(),
        _ => -1,
    };
    value as i32 as i64 as u64
}

fn capped(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

#[cfg(test)]
mod tests;
