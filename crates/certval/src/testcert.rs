//! A tiny certificate builder for tests: real certificates signed with
//! keys made at test time (P-256 and Ed25519 from a seed, RSA generated),
//! with the knobs validation cares about (names, validity, CA flag and
//! path length, key usage, extra extensions, signature algorithm).

use p256::ecdsa::signature::{RandomizedSigner, Signer};
use rsa::traits::PublicKeyParts;
use sha1::Sha1;
use sha2::Sha256;
use x509::der;
use x509::der::write as encode;

/// A key pair that can sign certificates.
pub enum Key {
    P256(p256::ecdsa::SigningKey),
    Ed25519(ed25519_compact::KeyPair),
    Rsa(Box<rsa::RsaPrivateKey>),
}

/// How an RSA key signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RsaScheme {
    Pkcs1Sha256,
    Pkcs1Sha1,
    PssSha256,
}

const ECDSA_SHA256: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02];
const ED25519: &[u8] = &[0x2B, 0x65, 0x70];
const RSA_SHA256: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B];
const RSA_SHA1: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x05];
const RSA_PSS: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0A];
const SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
const MGF1: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x08];

fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    encode(tag, body, &mut out);
    out
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(der::SEQUENCE, &parts.concat())
}

fn oid(o: &[u8]) -> Vec<u8> {
    tlv(der::OID, o)
}

fn bits(b: &[u8]) -> Vec<u8> {
    tlv(der::BIT_STRING, &[&[0u8][..], b].concat())
}

/// AlgorithmIdentifier of RSASSA-PSS with SHA-256, MGF1-SHA-256 and salt
/// 32; without `mgf1_hash` MGF1 lacks its parameter (CVE-2015-3194).
pub fn pss_sha256_algorithm(mgf1_hash: bool) -> Vec<u8> {
    let sha256 = seq(&[&oid(SHA256), &tlv(der::NULL, &[])]);
    let mgf = if mgf1_hash {
        seq(&[&oid(MGF1), &sha256])
    } else {
        seq(&[&oid(MGF1)])
    };
    let params = seq(&[
        &tlv(0xA0, &sha256),
        &tlv(0xA1, &mgf),
        &tlv(0xA2, &tlv(der::INTEGER, &[32])),
    ]);
    seq(&[&oid(RSA_PSS), &params])
}

impl Key {
    pub fn p256(seed: u8) -> Key {
        let mut scalar = [seed.max(1); 32];
        scalar[0] = 0x01;
        Key::P256(p256::ecdsa::SigningKey::from_bytes(&scalar.into()).expect("valid scalar"))
    }

    pub fn ed25519(seed: u8) -> Key {
        Key::Ed25519(ed25519_compact::KeyPair::from_seed(
            ed25519_compact::Seed::new([seed; 32]),
        ))
    }

    /// A fresh RSA key of `bits` bits.
    pub fn rsa(bits: usize) -> Key {
        let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, bits).expect("RSA key");
        Key::Rsa(Box::new(key))
    }

    /// The SubjectPublicKeyInfo.
    pub fn spki(&self) -> Vec<u8> {
        match self {
            Key::P256(k) => {
                let point = k.verifying_key().to_encoded_point(false);
                let alg = seq(&[
                    &oid(&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]),
                    &oid(&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]),
                ]);
                seq(&[&alg, &bits(point.as_bytes())])
            }
            Key::Ed25519(k) => seq(&[&seq(&[&oid(ED25519)]), &bits(k.pk.as_ref())]),
            Key::Rsa(k) => {
                let n = tlv(der::INTEGER, &[&[0u8][..], &k.n().to_bytes_be()].concat());
                let e = tlv(der::INTEGER, &k.e().to_bytes_be());
                let alg = seq(&[
                    &oid(&[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]),
                    &tlv(der::NULL, &[]),
                ]);
                seq(&[&alg, &bits(&seq(&[&n, &e]))])
            }
        }
    }

    /// The signatureAlgorithm this key signs with by default.
    fn algorithm(&self, rsa: RsaScheme) -> Vec<u8> {
        match (self, rsa) {
            (Key::P256(_), _) => seq(&[&oid(ECDSA_SHA256)]),
            (Key::Ed25519(_), _) => seq(&[&oid(ED25519)]),
            (Key::Rsa(_), RsaScheme::Pkcs1Sha256) => seq(&[&oid(RSA_SHA256), &tlv(der::NULL, &[])]),
            (Key::Rsa(_), RsaScheme::Pkcs1Sha1) => seq(&[&oid(RSA_SHA1), &tlv(der::NULL, &[])]),
            (Key::Rsa(_), RsaScheme::PssSha256) => pss_sha256_algorithm(true),
        }
    }

    fn sign(&self, tbs: &[u8], rsa: RsaScheme) -> Vec<u8> {
        match (self, rsa) {
            (Key::P256(k), _) => {
                let sig: p256::ecdsa::Signature = k.sign(tbs);
                sig.to_der().as_bytes().to_vec()
            }
            (Key::Ed25519(k), _) => k.sk.sign(tbs, None).as_ref().to_vec(),
            (Key::Rsa(k), RsaScheme::Pkcs1Sha256) => {
                let s = rsa::pkcs1v15::SigningKey::<Sha256>::new((**k).clone());
                Box::<[u8]>::from(s.sign(tbs)).to_vec()
            }
            (Key::Rsa(k), RsaScheme::Pkcs1Sha1) => {
                let s = rsa::pkcs1v15::SigningKey::<Sha1>::new((**k).clone());
                Box::<[u8]>::from(s.sign(tbs)).to_vec()
            }
            (Key::Rsa(k), RsaScheme::PssSha256) => {
                let s = rsa::pss::SigningKey::<Sha256>::new((**k).clone());
                Box::<[u8]>::from(s.sign_with_rng(&mut rsa::rand_core::OsRng, tbs)).to_vec()
            }
        }
    }
}

/// What goes into one certificate.
#[derive(Debug, Clone)]
pub struct CertBuilder {
    subject: String,
    serial: u64,
    not_before: i64,
    not_after: i64,
    /// basicConstraints: `Some(path_len)` makes a CA.
    ca: Option<Option<u64>>,
    key_usage: Option<u8>,
    extensions: Vec<Vec<u8>>,
    rsa: RsaScheme,
    signature_alg: Option<Vec<u8>>,
    spki: Option<Vec<u8>>,
}

/// keyUsage keyCertSign | cRLSign.
pub const KU_CA: u8 = 0x06;
/// keyUsage digitalSignature only.
pub const KU_SIGNATURE: u8 = 0x80;

impl CertBuilder {
    /// A leaf for `cn`, valid 2020-01-01 to 2030-01-01.
    pub fn new(cn: &str) -> Self {
        CertBuilder {
            subject: cn.to_string(),
            serial: 1,
            not_before: 1_577_836_800,
            not_after: 1_893_456_000,
            ca: None,
            key_usage: None,
            extensions: Vec::new(),
            rsa: RsaScheme::Pkcs1Sha256,
            signature_alg: None,
            spki: None,
        }
    }

    pub fn serial(mut self, n: u64) -> Self {
        self.serial = n;
        self
    }

    pub fn validity(mut self, not_before: i64, not_after: i64) -> Self {
        self.not_before = not_before;
        self.not_after = not_after;
        self
    }

    /// A CA with an optional path length constraint.
    pub fn ca(mut self, path_len: Option<u64>) -> Self {
        self.ca = Some(path_len);
        self
    }

    pub fn key_usage(mut self, bits: u8) -> Self {
        self.key_usage = Some(bits);
        self
    }

    /// An extra extension (OID content bytes, criticality, DER value).
    pub fn extension(mut self, ext_oid: &[u8], critical: bool, value: &[u8]) -> Self {
        self.extensions.push(extension(ext_oid, critical, value));
        self
    }

    pub fn rsa_scheme(mut self, scheme: RsaScheme) -> Self {
        self.rsa = scheme;
        self
    }

    /// Declares this signatureAlgorithm (whole DER) instead of the key's.
    pub fn signature_algorithm(mut self, alg: Vec<u8>) -> Self {
        self.signature_alg = Some(alg);
        self
    }

    /// Declares this SubjectPublicKeyInfo instead of the subject key's.
    pub fn public_key_info(mut self, spki: Vec<u8>) -> Self {
        self.spki = Some(spki);
        self
    }

    /// Signed by `issuer` (named `issuer_cn`) for `subject`'s key.
    pub fn issued_by(&self, subject: &Key, issuer_cn: &str, issuer: &Key) -> Vec<u8> {
        let alg = self
            .signature_alg
            .clone()
            .unwrap_or_else(|| issuer.algorithm(self.rsa));
        let tbs = self.tbs(subject, issuer_cn, &alg);
        let sig = issuer.sign(&tbs, self.rsa);
        seq(&[&tbs, &alg, &bits(&sig)])
    }

    pub fn self_signed(&self, key: &Key) -> Vec<u8> {
        self.issued_by(key, &self.subject.clone(), key)
    }

    fn tbs(&self, subject: &Key, issuer_cn: &str, alg: &[u8]) -> Vec<u8> {
        let mut exts = Vec::new();
        if let Some(path_len) = self.ca {
            let mut bc = tlv(der::BOOLEAN, &[0xFF]);
            if let Some(n) = path_len {
                bc.extend(tlv(der::INTEGER, &[n as u8]));
            }
            exts.push(extension(
                &[0x55, 0x1D, 0x13],
                true,
                &tlv(der::SEQUENCE, &bc),
            ));
        }
        if let Some(ku) = self.key_usage {
            exts.push(extension(
                &[0x55, 0x1D, 0x0F],
                true,
                &tlv(der::BIT_STRING, &[1, ku]),
            ));
        }
        exts.extend(self.extensions.iter().cloned());
        let serial = tlv(der::INTEGER, &minimal_unsigned(self.serial));
        let validity = seq(&[&time(self.not_before), &time(self.not_after)]);
        seq(&[
            &tlv(0xA0, &tlv(der::INTEGER, &[2])),
            &serial,
            alg,
            &name(issuer_cn),
            &validity,
            &name(&self.subject),
            &self.spki.clone().unwrap_or_else(|| subject.spki()),
            &tlv(0xA3, &seq(&[&exts.concat()])),
        ])
    }
}

/// DER INTEGER content of `n`: no redundant leading zero byte (parsers
/// refuse padded integers), one when the top bit is set.
fn minimal_unsigned(n: u64) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(7);
    let mut out = bytes[first..].to_vec();
    if out[0] & 0x80 != 0 {
        out.insert(0, 0);
    }
    out
}

fn extension(ext_oid: &[u8], critical: bool, value: &[u8]) -> Vec<u8> {
    let crit = if critical {
        tlv(der::BOOLEAN, &[0xFF])
    } else {
        Vec::new()
    };
    seq(&[&oid(ext_oid), &crit, &tlv(der::OCTET_STRING, value)])
}

/// A Name of one commonName (UTF8String).
pub fn name(cn: &str) -> Vec<u8> {
    let atv = seq(&[&oid(&[0x55, 0x04, 0x03]), &tlv(0x0C, cn.as_bytes())]);
    seq(&[&tlv(der::SET, &atv)])
}

/// UTCTime before 2050, GeneralizedTime after (RFC 5280).
fn time(unix: i64) -> Vec<u8> {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let hms = format!("{:02}{:02}{:02}Z", secs / 3600, secs / 60 % 60, secs % 60);
    if (1950..2050).contains(&y) {
        tlv(
            der::UTC_TIME,
            format!("{:02}{m:02}{d:02}{hms}", y % 100).as_bytes(),
        )
    } else {
        tlv(
            der::GENERALIZED_TIME,
            format!("{y:04}{m:02}{d:02}{hms}").as_bytes(),
        )
    }
}

/// Proleptic Gregorian date of a day count since 1970 (H. Hinnant).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A copy of `cert` with the last signature byte flipped.
pub fn with_bad_signature(cert: &[u8]) -> Vec<u8> {
    let mut bad = cert.to_vec();
    if let Some(last) = bad.last_mut() {
        *last ^= 0x01;
    }
    bad
}

/// A PEM "CERTIFICATE" block of `der`.
pub fn pem(der: &[u8]) -> String {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut text = String::new();
    for chunk in der.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            let c = if i <= chunk.len() {
                B64[(n >> (18 - 6 * i) & 63) as usize]
            } else {
                b'='
            };
            text.push(char::from(c));
        }
    }
    let lines: Vec<&str> = text
        .as_bytes()
        .chunks(64)
        .map(|l| std::str::from_utf8(l).unwrap_or_default())
        .collect();
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    )
}
