//! md5, sha1 and sha256 of a file's content: Zeek's MD5, SHA1 and SHA256
//! file analyzers as `frameworks/files/hash-all-files` attaches them.

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// The three digests of one file, fed in order.
pub(super) struct Hashes {
    md5: Md5,
    sha1: Sha1,
    sha256: Sha256,
    fed: bool,
}

/// Hex digests as files.log writes them.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Digests {
    pub md5: String,
    pub sha1: String,
    pub sha256: String,
}

impl Hashes {
    pub fn new() -> Self {
        Hashes {
            md5: Md5::new(),
            sha1: Sha1::new(),
            sha256: Sha256::new(),
            fed: false,
        }
    }

    pub fn update(&mut self, bytes: &[u8]) {
        self.fed |= !bytes.is_empty();
        self.md5.update(bytes);
        self.sha1.update(bytes);
        self.sha256.update(bytes);
    }

    /// The digests; none for a file without content (Zeek raises no
    /// `file_hash` for a hash that was never fed).
    pub fn finish(self) -> Option<Digests> {
        self.fed.then(|| Digests {
            md5: hex(&self.md5.finalize()),
            sha1: hex(&self.sha1.finalize()),
            sha256: hex(&self.sha256.finalize()),
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes
        .iter()
        .flat_map(|b| [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 0xf)]])
        .map(char::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digests_of(chunks: &[&[u8]]) -> Option<Digests> {
        let mut h = Hashes::new();
        chunks.iter().for_each(|c| h.update(c));
        h.finish()
    }

    #[test]
    fn abc_gives_the_standard_test_vectors() {
        let d = digests_of(&[b"abc"]).unwrap();
        assert_eq!(d.md5, "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(d.sha1, "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(
            d.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn chunking_does_not_change_the_digest() {
        assert_eq!(digests_of(&[b"a", b"", b"bc"]), digests_of(&[b"abc"]));
    }

    #[test]
    fn the_quick_brown_fox() {
        let d = digests_of(&[b"The quick brown fox jumps over the lazy dog"]).unwrap();
        assert_eq!(d.md5, "9e107d9d372bb6826bd81d3542a419d6");
        assert_eq!(d.sha1, "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12");
        assert_eq!(
            d.sha256,
            "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"
        );
    }

    #[test]
    fn an_empty_file_has_no_digests() {
        assert_eq!(digests_of(&[b""]), None);
    }
}
