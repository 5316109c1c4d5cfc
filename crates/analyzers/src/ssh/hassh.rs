//! HASSH fingerprints of the client's and the server's KEXINIT (the
//! community `hassh` package): MD5 of "kex;encryption;mac;compression"
//! for the sender's own direction.

use super::kex::{Capabilities, Prefs};
use crate::digest::md5_hex;

/// The `hasshVersion` column.
pub const VERSION: &str = "1.1";

/// One side's fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hassh {
    /// `hassh` / `hasshServer`: MD5 hex of `algorithms`.
    pub hash: String,
    /// `hasshAlgorithms` / `hasshServerAlgorithms`.
    pub algorithms: Vec<u8>,
    /// `cshka` / `sshka`: the host key algorithms offered.
    pub host_key_algorithms: Vec<u8>,
}

/// The fingerprint of a KEXINIT sent by the server (`is_server`) or the
/// client: each side is described by what it sends in its own direction.
pub fn of(caps: &Capabilities, is_server: bool) -> Hassh {
    let own = |p: &Prefs| -> Vec<u8> {
        join(if is_server {
            &p.server_to_client
        } else {
            &p.client_to_server
        })
    };
    let algorithms = [
        join(&caps.kex),
        own(&caps.encryption),
        own(&caps.mac),
        own(&caps.compression),
    ]
    .join(&b';');
    Hassh {
        hash: md5_hex(&algorithms),
        algorithms,
        host_key_algorithms: join(&caps.host_key),
    }
}

fn join(names: &[Vec<u8>]) -> Vec<u8> {
    names.join(&b',')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_and_server_use_their_own_direction() {
        let names = |s: &str| s.split(',').map(|n| n.as_bytes().to_vec()).collect();
        let prefs = |cs: &str, sc: &str| Prefs {
            client_to_server: names(cs),
            server_to_client: names(sc),
        };
        let caps = Capabilities {
            kex: names("curve25519-sha256,ext-info-c"),
            host_key: names("ssh-ed25519,rsa-sha2-512"),
            encryption: prefs("aes128-ctr", "aes256-ctr"),
            mac: prefs("hmac-sha1", "hmac-md5"),
            compression: prefs("none", "zlib"),
        };
        let c = of(&caps, false);
        assert_eq!(
            c.algorithms,
            b"curve25519-sha256,ext-info-c;aes128-ctr;hmac-sha1;none"
        );
        assert_eq!(c.host_key_algorithms, b"ssh-ed25519,rsa-sha2-512");
        assert_eq!(c.hash.len(), 32);
        assert_eq!(md5_hex(b"abc"), "900150983cd24fb0d6963f7d28e17f72");
        let s = of(&caps, true);
        assert_eq!(
            s.algorithms,
            b"curve25519-sha256,ext-info-c;aes256-ctr;hmac-md5;zlib"
        );
    }
}
