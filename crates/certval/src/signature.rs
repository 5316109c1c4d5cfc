//! `X509_get0_pubkey` and `X509_verify`: decoding an issuer's key, and
//! checking a certificate's signature with it the way OpenSSL's
//! `ASN1_item_verify` does (which algorithm, which key type, which
//! parameters), so that unknown algorithms and malformed parameters fail
//! as they fail there.

use crate::hash::Hash;
use crate::rsa::{Pss, RsaKey};
use ecdsa::signature::hazmat::PrehashVerifier;
use x509::der::{self, Der, Tlv};
use x509::Certificate;

const RSA_ENCRYPTION: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
const RSASSA_PSS: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0A];
const MGF1: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x08];
const EC_PUBLIC_KEY: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
const ED25519: &[u8] = &[0x2B, 0x65, 0x70];
const P256: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
const P384: &[u8] = &[0x2B, 0x81, 0x04, 0x00, 0x22];
const P521: &[u8] = &[0x2B, 0x81, 0x04, 0x00, 0x23];

/// A decoded public key.
#[derive(Debug, Clone)]
pub enum PublicKey {
    Rsa(RsaKey),
    /// An RSA key restricted to PSS (SPKI algorithm id-RSASSA-PSS).
    RsaPss(RsaKey),
    P256(ecdsa::VerifyingKey<p256::NistP256>),
    P384(ecdsa::VerifyingKey<p384::NistP384>),
    P521(Box<ecdsa::VerifyingKey<p521::NistP521>>),
    Ed25519(ed25519_compact::PublicKey),
}

impl PublicKey {
    /// The certificate's key, or `None` where OpenSSL could not decode it
    /// (or it is of a kind this crate does not verify: DSA, Ed448, curves
    /// other than P-256/384/521).
    pub fn of(cert: &Certificate<'_>) -> Option<PublicKey> {
        let params = cert.key_params.map(|p| p.raw);
        match cert.key_alg {
            RSA_ENCRYPTION => RsaKey::decode(cert.public_key).map(PublicKey::Rsa),
            RSASSA_PSS => RsaKey::decode(cert.public_key).map(PublicKey::RsaPss),
            EC_PUBLIC_KEY => ec_key(params?, cert.public_key),
            ED25519 if params.is_none() => ed25519_compact::PublicKey::from_slice(cert.public_key)
                .ok()
                .map(PublicKey::Ed25519),
            _ => None,
        }
    }
}

fn ec_key(params: &[u8], point: &[u8]) -> Option<PublicKey> {
    let curve = Der::new(params).expect(der::OID)?.body;
    match curve {
        P256 => ecdsa::VerifyingKey::<p256::NistP256>::from_sec1_bytes(point)
            .ok()
            .map(PublicKey::P256),
        P384 => ecdsa::VerifyingKey::<p384::NistP384>::from_sec1_bytes(point)
            .ok()
            .map(PublicKey::P384),
        P521 => ecdsa::VerifyingKey::<p521::NistP521>::from_sec1_bytes(point)
            .ok()
            .map(|k| PublicKey::P521(Box::new(k))),
        _ => None,
    }
}

/// What a signature algorithm OID asks for.
#[derive(Debug, Clone, Copy)]
enum Scheme {
    RsaPkcs1(Hash),
    Ecdsa(Hash),
    RsaPss,
    Ed25519,
}

/// OpenSSL's signature OID table, limited to digests it ships enabled
/// (MD2 and SHA-0 are not: those signatures fail).
fn scheme(oid: &[u8]) -> Option<Scheme> {
    const PKCS1: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01];
    const ECDSA_SHA2: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03];
    match oid {
        [p @ .., n] if p == PKCS1 => match n {
            4 => Some(Scheme::RsaPkcs1(Hash::Md5)),
            5 => Some(Scheme::RsaPkcs1(Hash::Sha1)),
            10 => Some(Scheme::RsaPss),
            11 => Some(Scheme::RsaPkcs1(Hash::Sha256)),
            12 => Some(Scheme::RsaPkcs1(Hash::Sha384)),
            13 => Some(Scheme::RsaPkcs1(Hash::Sha512)),
            14 => Some(Scheme::RsaPkcs1(Hash::Sha224)),
            15 => Some(Scheme::RsaPkcs1(Hash::Sha512_224)),
            16 => Some(Scheme::RsaPkcs1(Hash::Sha512_256)),
            _ => None,
        },
        // OIW md5WithRSA and sha1WithRSA.
        [0x2B, 0x0E, 0x03, 0x02, 0x03] => Some(Scheme::RsaPkcs1(Hash::Md5)),
        [0x2B, 0x0E, 0x03, 0x02, 0x1D] => Some(Scheme::RsaPkcs1(Hash::Sha1)),
        [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x01] => Some(Scheme::Ecdsa(Hash::Sha1)),
        [p @ .., n] if p == ECDSA_SHA2 => match n {
            1 => Some(Scheme::Ecdsa(Hash::Sha224)),
            2 => Some(Scheme::Ecdsa(Hash::Sha256)),
            3 => Some(Scheme::Ecdsa(Hash::Sha384)),
            4 => Some(Scheme::Ecdsa(Hash::Sha512)),
            _ => None,
        },
        ED25519 => Some(Scheme::Ed25519),
        _ => None,
    }
}

/// `X509_verify(cert, key) > 0`.
pub fn verify(cert: &Certificate<'_>, key: &PublicKey) -> bool {
    let Some((outer_alg, bits)) = outer_signature(cert.der) else {
        return false;
    };
    // The signed algorithm must repeat the outer one; the BIT STRING must
    // have no unused bits.
    if outer_alg != cert.tbs_signature_alg || bits.first() != Some(&0) {
        return false;
    }
    let (msg, sig) = (cert.tbs, cert.signature);
    match (scheme(cert.signature_alg), key) {
        (Some(Scheme::RsaPkcs1(h)), PublicKey::Rsa(k)) => k.verify_pkcs1(h, msg, sig),
        (Some(Scheme::RsaPss), PublicKey::Rsa(k) | PublicKey::RsaPss(k)) => {
            pss_params(cert.signature_params).is_some_and(|p| k.verify_pss(p, msg, sig))
        }
        (Some(Scheme::Ecdsa(h)), k) => ecdsa(k, &h.digest(msg), sig),
        (Some(Scheme::Ed25519), PublicKey::Ed25519(k)) => {
            ed25519_compact::Signature::from_slice(sig).is_ok_and(|s| k.verify(msg, &s).is_ok())
        }
        _ => false,
    }
}

fn ecdsa(key: &PublicKey, digest: &[u8], sig: &[u8]) -> bool {
    match key {
        PublicKey::P256(k) => ecdsa::Signature::<p256::NistP256>::from_der(sig)
            .is_ok_and(|s| k.verify_prehash(digest, &s).is_ok()),
        PublicKey::P384(k) => ecdsa::Signature::<p384::NistP384>::from_der(sig)
            .is_ok_and(|s| k.verify_prehash(digest, &s).is_ok()),
        PublicKey::P521(k) => ecdsa::Signature::<p521::NistP521>::from_der(sig)
            .is_ok_and(|s| k.verify_prehash(digest, &s).is_ok()),
        _ => false,
    }
}

/// The outer signatureAlgorithm (whole encoding) and the signature BIT
/// STRING's content (unused-bits byte included).
fn outer_signature(der: &[u8]) -> Option<(&[u8], &[u8])> {
    let cert = Der::new(der).expect(der::SEQUENCE)?;
    let mut parts = Der::new(cert.body);
    parts.expect(der::SEQUENCE)?;
    let alg = parts.expect(der::SEQUENCE)?.raw;
    let bits = parts.expect(der::BIT_STRING)?.body;
    Some((alg, bits))
}

const EXPLICIT: [u8; 4] = [0xA0, 0xA1, 0xA2, 0xA3];

/// RSASSA-PSS-params with OpenSSL's defaults (SHA-1, MGF1-SHA-1, salt 20,
/// trailer 1); `None` where `rsa_pss_get_param` fails.
fn pss_params(params: Option<Tlv<'_>>) -> Option<Pss> {
    let seq = params.filter(|p| p.tag == der::SEQUENCE)?;
    let mut fields = Der::new(seq.body);
    let hash = match fields.optional(EXPLICIT[0]) {
        Some(t) => hash_algorithm(t.body)?,
        None => Hash::Sha1,
    };
    let mgf1_hash = match fields.optional(EXPLICIT[1]) {
        Some(t) => mgf1_hash(t.body)?,
        None => Hash::Sha1,
    };
    let salt_len = match fields.optional(EXPLICIT[2]) {
        Some(t) => small_integer(t.body)?,
        None => 20,
    };
    if let Some(t) = fields.optional(EXPLICIT[3]) {
        if small_integer(t.body)? != 1 {
            return None;
        }
    }
    Some(Pss {
        hash,
        mgf1_hash,
        salt_len,
    })
}

/// An AlgorithmIdentifier naming a digest.
fn hash_algorithm(alg: &[u8]) -> Option<Hash> {
    let seq = Der::new(alg).expect(der::SEQUENCE)?;
    Hash::from_oid(Der::new(seq.body).expect(der::OID)?.body)
}

/// maskGenAlgorithm: MGF1 with its digest as parameter (required: the
/// missing parameter is CVE-2015-3194's certificate).
fn mgf1_hash(alg: &[u8]) -> Option<Hash> {
    let seq = Der::new(alg).expect(der::SEQUENCE)?;
    let mut items = Der::new(seq.body);
    if items.expect(der::OID)?.body != MGF1 {
        return None;
    }
    hash_algorithm(items.expect(der::SEQUENCE)?.raw)
}

/// A non-negative INTEGER element that fits in `usize`.
fn small_integer(explicit: &[u8]) -> Option<usize> {
    let int = Der::new(explicit).expect(der::INTEGER)?;
    if int.body.first().is_none_or(|b| b & 0x80 != 0) {
        return None;
    }
    x509::unsigned(int.body).and_then(|n| usize::try_from(n).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real keys and signatures: every Mozilla root's self-signature
    /// verifies (RSA PKCS#1 2048–4096 bits with SHA-1/256/384/512, ECDSA
    /// P-256/P-384).
    #[test]
    fn mozilla_root_self_signatures_verify() {
        let mut checked = 0;
        for der in webpki_root_certs::TLS_SERVER_ROOT_CERTS {
            let cert = Certificate::parse(der.as_ref()).expect("root parses");
            let key = PublicKey::of(&cert).expect("root key decodes");
            assert!(verify(&cert, &key), "root {checked} verifies");
            checked += 1;
        }
        assert!(checked > 100);
    }

    #[test]
    fn pss_parameters_as_openssl_reads_them() {
        let defaults = pss_params(Der::new(&[0x30, 0x00]).next()).unwrap();
        assert_eq!(
            (defaults.hash, defaults.mgf1_hash, defaults.salt_len),
            (Hash::Sha1, Hash::Sha1, 20)
        );
        assert!(pss_params(None).is_none());
        // trailerField 2 is refused.
        assert!(pss_params(Der::new(&[0x30, 0x05, 0xA3, 0x03, 0x02, 0x01, 0x02]).next()).is_none());
        // A negative salt length too.
        assert!(pss_params(Der::new(&[0x30, 0x05, 0xA2, 0x03, 0x02, 0x01, 0xFF]).next()).is_none());
    }
}
