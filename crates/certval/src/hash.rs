//! The digests certificate signatures use, by OpenSSL's names for them.

use sha2::Digest;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
    Sha512_224,
    Sha512_256,
}

impl Hash {
    /// The digest of an AlgorithmIdentifier OID (content bytes), if
    /// OpenSSL has it.
    pub fn from_oid(oid: &[u8]) -> Option<Hash> {
        const NIST: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02];
        match oid {
            [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x02, 0x05] => Some(Hash::Md5),
            [0x2B, 0x0E, 0x03, 0x02, 0x1A] => Some(Hash::Sha1),
            [nist @ .., n] if nist == NIST => match n {
                1 => Some(Hash::Sha256),
                2 => Some(Hash::Sha384),
                3 => Some(Hash::Sha512),
                4 => Some(Hash::Sha224),
                5 => Some(Hash::Sha512_224),
                6 => Some(Hash::Sha512_256),
                _ => None,
            },
            _ => None,
        }
    }

    /// The OID content bytes (for PKCS#1 DigestInfo).
    pub fn oid(self) -> Vec<u8> {
        match self {
            Hash::Md5 => vec![0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x02, 0x05],
            Hash::Sha1 => vec![0x2B, 0x0E, 0x03, 0x02, 0x1A],
            nist => {
                let n = match nist {
                    Hash::Sha256 => 1,
                    Hash::Sha384 => 2,
                    Hash::Sha512 => 3,
                    Hash::Sha224 => 4,
                    Hash::Sha512_224 => 5,
                    _ => 6,
                };
                vec![0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, n]
            }
        }
    }

    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Hash::Md5 => md5::Md5::digest(data).to_vec(),
            Hash::Sha1 => sha1::Sha1::digest(data).to_vec(),
            Hash::Sha224 => sha2::Sha224::digest(data).to_vec(),
            Hash::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Hash::Sha384 => sha2::Sha384::digest(data).to_vec(),
            Hash::Sha512 => sha2::Sha512::digest(data).to_vec(),
            Hash::Sha512_224 => sha2::Sha512_224::digest(data).to_vec(),
            Hash::Sha512_256 => sha2::Sha512_256::digest(data).to_vec(),
        }
    }

    /// Digest of several pieces, in order.
    pub fn digest_parts(self, parts: &[&[u8]]) -> Vec<u8> {
        self.digest(&parts.concat())
    }

    pub fn len(self) -> usize {
        match self {
            Hash::Md5 => 16,
            Hash::Sha1 => 20,
            Hash::Sha224 | Hash::Sha512_224 => 28,
            Hash::Sha256 | Hash::Sha512_256 => 32,
            Hash::Sha384 => 48,
            Hash::Sha512 => 64,
        }
    }
}
