//! RSA signature verification as OpenSSL does it for certificates: the
//! public operation with OpenSSL's key checks, then PKCS#1 v1.5 (an exact
//! DigestInfo) or PSS (EMSA-PSS with the parameters' hash, MGF1 hash and
//! salt length).

use crate::hash::Hash;
use num_bigint::BigUint;
use x509::der;
use x509::der::write as encode;

/// `OPENSSL_RSA_MAX_MODULUS_BITS`.
const MAX_MODULUS_BITS: u64 = 16_384;
/// Above `OPENSSL_RSA_SMALL_MODULUS_BITS`, exponents are limited to
/// `OPENSSL_RSA_MAX_PUBEXP_BITS`.
const SMALL_MODULUS_BITS: u64 = 3072;
const MAX_PUBEXP_BITS: u64 = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsaKey {
    n: BigUint,
    e: BigUint,
}

/// PSS parameters of a signature.
#[derive(Debug, Clone, Copy)]
pub struct Pss {
    pub hash: Hash,
    pub mgf1_hash: Hash,
    pub salt_len: usize,
}

impl RsaKey {
    /// An `RSAPublicKey` (SEQUENCE { n, e }); `None` if it does not decode.
    pub fn decode(bits: &[u8]) -> Option<RsaKey> {
        let seq = der::Der::new(bits).expect(der::SEQUENCE)?;
        let mut ints = der::Der::new(seq.body);
        let n = positive(ints.expect(der::INTEGER)?.body)?;
        let e = positive(ints.expect(der::INTEGER)?.body)?;
        Some(RsaKey { n, e })
    }

    /// Modulus size in bytes (`RSA_size`).
    fn size(&self) -> usize {
        self.n.bits().div_ceil(8) as usize
    }

    /// `s^e mod n` left-padded to the modulus size, or `None` where
    /// OpenSSL's public operation refuses.
    fn public_op(&self, sig: &[u8]) -> Option<Vec<u8>> {
        let bits = self.n.bits();
        let even = !self.n.bit(0);
        if bits > MAX_MODULUS_BITS
            || even
            || self.n <= self.e
            || (bits > SMALL_MODULUS_BITS && self.e.bits() > MAX_PUBEXP_BITS)
            || sig.len() > self.size()
        {
            return None;
        }
        let s = BigUint::from_bytes_be(sig);
        if s >= self.n {
            return None;
        }
        let m = s.modpow(&self.e, &self.n).to_bytes_be();
        let mut out = vec![0; self.size().checked_sub(m.len())?];
        out.extend(m);
        Some(out)
    }

    /// RSASSA-PKCS1-v1_5 over `msg` with `hash`.
    pub fn verify_pkcs1(&self, hash: Hash, msg: &[u8], sig: &[u8]) -> bool {
        if sig.len() != self.size() {
            return false;
        }
        let Some(em) = self.public_op(sig) else {
            return false;
        };
        pkcs1_payload(&em).is_some_and(|t| t == digest_info(hash, &hash.digest(msg)))
    }

    /// RSASSA-PSS over `msg`.
    pub fn verify_pss(&self, pss: Pss, msg: &[u8], sig: &[u8]) -> bool {
        let Some(em) = self.public_op(sig) else {
            return false;
        };
        let m_hash = pss.hash.digest(msg);
        emsa_pss_verify(pss, &m_hash, &em, self.n.bits()).unwrap_or(false)
    }
}

fn positive(int: &[u8]) -> Option<BigUint> {
    (int.first().is_some_and(|b| b & 0x80 == 0)).then(|| BigUint::from_bytes_be(int))
}

/// The payload of an `00 01 FF.. 00 T` block (at least 8 FF bytes).
fn pkcs1_payload(em: &[u8]) -> Option<&[u8]> {
    let rest = em.strip_prefix(&[0x00, 0x01])?;
    let pad = rest.iter().take_while(|b| **b == 0xFF).count();
    if pad < 8 || rest.get(pad) != Some(&0) {
        return None;
    }
    Some(&rest[pad + 1..])
}

fn digest_info(hash: Hash, digest: &[u8]) -> Vec<u8> {
    let mut alg = Vec::new();
    encode(der::OID, &hash.oid(), &mut alg);
    encode(der::NULL, &[], &mut alg);
    let mut body = Vec::new();
    encode(der::SEQUENCE, &alg, &mut body);
    encode(der::OCTET_STRING, digest, &mut body);
    let mut out = Vec::new();
    encode(der::SEQUENCE, &body, &mut out);
    out
}

/// EMSA-PSS verification with an exact salt length (RFC 8017, 9.1.2, as
/// `RSA_verify_PKCS1_PSS_mgf1` checks it).
fn emsa_pss_verify(pss: Pss, m_hash: &[u8], em: &[u8], mod_bits: u64) -> Option<bool> {
    let h_len = pss.hash.len();
    let ms_bits = ((mod_bits - 1) & 7) as u32;
    let first = *em.first()?;
    if ms_bits != 0 && u32::from(first) >> ms_bits != 0 {
        return Some(false);
    }
    let em = if ms_bits == 0 {
        if first != 0 {
            return Some(false);
        }
        &em[1..]
    } else {
        em
    };
    let em_len = em.len();
    if em_len < h_len + 2 || pss.salt_len > em_len - h_len - 2 || em[em_len - 1] != 0xBC {
        return Some(false);
    }
    let masked_len = em_len - h_len - 1;
    let (masked_db, rest) = em.split_at(masked_len);
    let h = &rest[..h_len];
    let mut db = mgf1(pss.mgf1_hash, h, masked_len);
    db.iter_mut().zip(masked_db).for_each(|(d, m)| *d ^= m);
    if ms_bits != 0 {
        db[0] &= 0xFF >> (8 - ms_bits);
    }
    let zeros = db[..masked_len - 1].iter().take_while(|b| **b == 0).count();
    if db[zeros] != 1 || masked_len - zeros - 1 != pss.salt_len {
        return Some(false);
    }
    let salt = &db[zeros + 1..];
    let h2 = pss.hash.digest_parts(&[&[0u8; 8], m_hash, salt]);
    Some(h2 == h)
}

fn mgf1(hash: Hash, seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + hash.len());
    let mut counter = 0u32;
    while out.len() < len {
        out.extend(hash.digest_parts(&[seed, &counter.to_be_bytes()]));
        counter += 1;
    }
    out.truncate(len);
    out
}
