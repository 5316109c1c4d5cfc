//! Initial packet protection (RFC 9001 §5, RFC 9369 §3.3): keys derived
//! from the client's first Destination Connection ID, header protection
//! with AES-128 and payload protection with AES-128-GCM. Anyone on the
//! path can remove it, which is what lets a monitor read the TLS
//! handshake in Initial packets.

use super::packet::VERSION_2;
use aes::cipher::{BlockEncrypt, KeyInit};
use aes::Aes128;
use aes_gcm::aead::AeadInPlace;
use aes_gcm::{Aes128Gcm, Nonce, Tag};
use hkdf::Hkdf;
use sha2::Sha256;

/// HKDF salts of the Initial secret (RFC 9001 §5.2, RFC 9369 §3.3.1; the
/// drafts used others).
const SALT_V1: [u8; 20] = [
    0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad,
    0xcc, 0xbb, 0x7f, 0x0a,
];
const SALT_V2: [u8; 20] = [
    0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93, 0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb,
    0xf9, 0xbd, 0x2e, 0xd9,
];
const SALT_DRAFT_22: [u8; 20] = [
    0x7f, 0xbc, 0xdb, 0x0e, 0x7c, 0x66, 0xbb, 0xe9, 0x19, 0x3a, 0x96, 0xcd, 0x21, 0x51, 0x9e, 0xbd,
    0x7a, 0x02, 0x64, 0x4a,
];
const SALT_DRAFT_23: [u8; 20] = [
    0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7, 0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65,
    0xbe, 0xf9, 0xf5, 0x02,
];
const SALT_DRAFT_29: [u8; 20] = [
    0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97, 0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0,
    0x43, 0x90, 0xa8, 0x99,
];

fn initial_salt(version: u32) -> &'static [u8; 20] {
    match version {
        VERSION_2 => &SALT_V2,
        0xff00_0016 => &SALT_DRAFT_22,
        0xff00_0017..=0xff00_001c => &SALT_DRAFT_23,
        0xff00_001d..=0xff00_0020 => &SALT_DRAFT_29,
        _ => &SALT_V1,
    }
}

/// The keys protecting one direction's Initial packets.
#[derive(Clone)]
pub struct InitialKeys {
    key: [u8; 16],
    iv: [u8; 12],
    hp: [u8; 16],
}

impl InitialKeys {
    /// RFC 9001 §5.2: the client's ("client in") or server's ("server in")
    /// Initial keys for `dcid` under `version`.
    pub fn derive(version: u32, dcid: &[u8], client: bool) -> InitialKeys {
        let (initial, _) = Hkdf::<Sha256>::extract(Some(initial_salt(version)), dcid);
        let mut secret = [0u8; 32];
        let label: &[u8] = if client { b"client in" } else { b"server in" };
        expand_label(&initial, label, &mut secret);
        let prefix: &[u8] = if version == VERSION_2 {
            b"quicv2 "
        } else {
            b"quic "
        };
        let mut keys = InitialKeys {
            key: [0; 16],
            iv: [0; 12],
            hp: [0; 16],
        };
        let label = |name: &[u8]| [prefix, name].concat();
        expand_label(&secret, &label(b"key"), &mut keys.key);
        expand_label(&secret, &label(b"iv"), &mut keys.iv);
        expand_label(&secret, &label(b"hp"), &mut keys.hp);
        keys
    }

    /// Removes header and payload protection from an Initial packet whose
    /// packet number starts at `pn_offset` and whose protected payload runs
    /// to the end of `packet`. `None` when the packet does not authenticate
    /// under these keys.
    pub fn open(&self, packet: &[u8], pn_offset: usize) -> Option<Vec<u8>> {
        let sample = packet.get(pn_offset + 4..pn_offset + 20)?;
        let mask = self.header_mask(sample);
        // Long header: the low four bits of the first byte are protected.
        let first = packet[0] ^ (mask[0] & 0x0f);
        let pn_len = usize::from(first & 3) + 1;
        let mut header = packet.get(..pn_offset + pn_len)?.to_vec();
        header[0] = first;
        let mut pn = 0u64;
        for (i, b) in header[pn_offset..].iter_mut().enumerate() {
            *b ^= mask[1 + i];
            pn = pn << 8 | u64::from(*b);
        }
        let body = &packet[header.len()..];
        let tag_at = body.len().checked_sub(16)?;
        let mut plain = body[..tag_at].to_vec();
        let cipher = Aes128Gcm::new(&self.key.into());
        cipher
            .decrypt_in_place_detached(
                &self.nonce(pn),
                &header,
                &mut plain,
                Tag::from_slice(&body[tag_at..]),
            )
            .ok()?;
        Some(plain)
    }

    /// RFC 9001 §5.4.3: AES-128 of the ciphertext sample.
    fn header_mask(&self, sample: &[u8]) -> [u8; 16] {
        let mut block = [0u8; 16];
        block.copy_from_slice(sample);
        let mut block = block.into();
        Aes128::new(&self.hp.into()).encrypt_block(&mut block);
        block.into()
    }

    /// RFC 9001 §5.3: the IV with the packet number XORed into its end.
    fn nonce(&self, pn: u64) -> Nonce<aes_gcm::aes::cipher::consts::U12> {
        let mut nonce = self.iv;
        for (n, p) in nonce[4..].iter_mut().zip(pn.to_be_bytes()) {
            *n ^= p;
        }
        nonce.into()
    }
}

/// Protection, the reverse of [`InitialKeys::open`], builds valid packets
/// for tests and fuzzing.
#[cfg(any(test, feature = "fuzzing"))]
impl InitialKeys {
    /// Protects `payload` behind `header`, whose packet number starts at
    /// `pn_offset`.
    pub fn seal(&self, header: &[u8], pn_offset: usize, payload: &[u8]) -> Vec<u8> {
        let pn = header[pn_offset..]
            .iter()
            .fold(0u64, |n, &b| n << 8 | u64::from(b));
        let mut body = payload.to_vec();
        let tag = Aes128Gcm::new(&self.key.into())
            .encrypt_in_place_detached(&self.nonce(pn), header, &mut body)
            .expect("payloads below 64 GiB encrypt");
        let mut packet = [header, &body, &tag].concat();
        let mask = self.header_mask(&packet[pn_offset + 4..pn_offset + 20]);
        packet[0] ^= mask[0] & 0x0f;
        for i in 0..header.len() - pn_offset {
            packet[pn_offset + i] ^= mask[1 + i];
        }
        packet
    }
}

/// TLS 1.3's HKDF-Expand-Label (RFC 8446 §7.1) with an empty context.
fn expand_label(secret: &[u8], label: &[u8], out: &mut [u8]) {
    const PREFIX: &[u8] = b"tls13 ";
    // Output lengths here are 12 to 32 bytes and labels short: both fit
    // their one-byte/two-byte fields.
    let mut info = Vec::with_capacity(4 + PREFIX.len() + label.len());
    info.extend_from_slice(&(out.len() as u16).to_be_bytes());
    info.push((PREFIX.len() + label.len()) as u8);
    info.extend_from_slice(PREFIX);
    info.extend_from_slice(label);
    info.push(0);
    // A 32-byte PRK and outputs far below 255 * 32 bytes cannot fail.
    if let Ok(hk) = Hkdf::<Sha256>::from_prk(secret) {
        let _ = hk.expand(&info, out);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn unhex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 9001 Appendix A's connection ID.
    pub const DCID: &str = "8394c8f03e515708";

    /// RFC 9001 §A.2: the protected client Initial (1200 bytes).
    pub const CLIENT_INITIAL: &str = "
        c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11
        d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f399
        1c260ec4c60d17b31f8429157bb35a1282a643a8d2262cad67500cadb8e7378c
        8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6005f80fcb7df6212
        30c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e2347b63d58c5
        457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c208
        4dce25ff9b06cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec
        4e15daf8500a6ef69ec4e3feb6b1d98e610ac8b7ec3faf6ad760b7bad1db4ba3
        485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e53805db
        059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c
        7b4378e846d29f37ed7b4ea9ec5d82e7961b7f25a9323851f681d582363aa5f8
        9937f5a67258bf63ad6f1a0b1d96dbd4faddfcefc5266ba6611722395c906556
        be52afe3f565636ad1b17d508b73d8743eeb524be22b3dcbc2c7468d54119c74
        68449a13d8e3b95811a198f3491de3e7fe942b330407abf82a4ed7c1b311663a
        c69890f4157015853d91e923037c227a33cdd5ec281ca3f79c44546b9d90ca00
        f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b9c5927726632
        291d6a418211cc2962e20fe47feb3edf330f2c603a9d48c0fcb5699dbfe58964
        25c5bac4aee82e57a85aaf4e2513e4f05796b07ba2ee47d80506f8d2c25e50fd
        14de71e6c418559302f939b0e1abd576f279c4b2e0feb85c1f28ff18f58891ff
        ef132eef2fa09346aee33c28eb130ff28f5b766953334113211996d20011a198
        e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009dd
        c324044e847a4f4a0ab34f719595de37252d6235365e9b84392b061085349d73
        203a4a13e96f5432ec0fd4a1ee65accdd5e3904df54c1da510b0ff20dcc0c77f
        cb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de354270123cb11450e
        fc60ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03ade
        a2e1fbc5aa463d08ca19896d2bf59a071b851e6c239052172f296bfb5e724047
        90a2181014f3b94a4e97d117b438130368cc39dbb2d198065ae3986547926cd2
        162f40a29f0c3c8745c0f50fba3852e566d44575c29d39a03f0cda721984b6f4
        40591f355e12d439ff150aab7613499dbd49adabc8676eef023b15b65bfc5ca0
        6948109f23f350db82123535eb8a7433bdabcb909271a6ecbcb58b936a88cd4e
        8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f76f0
        be79e2fb8f5d5fbbe2e30ecadd220723c8c0aea8078cdfcb3868263ff8f09400
        54da48781893a7e49ad5aff4af300cd804a6b6279ab3ff3afb64491c85194aab
        760d58a606654f9f4400e8b38591356fbf6425aca26dc85244259ff2b19c41b9
        f96f3ca9ec1dde434da7d2d392b905ddf3d1f9af93d1af5950bd493f5aa731b4
        056df31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd4684064
        7e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241
        e221af44860018ab0856972e194cd934";

    /// RFC 9001 §A.3: the protected server Initial.
    pub const SERVER_INITIAL: &str = "
        cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a
        5816b6394100f37a1c69797554780bb38cc5a99f5ede4cf73c3ec2493a1839b3
        dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f3bded74b562bfb19fb84
        022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c276456cbc4
        2158407dd074ee";

    /// RFC 9001 §A.3's unprotected server Initial: header (packet number
    /// 1) and payload (an ACK, a CRYPTO frame with the ServerHello).
    pub const SERVER_HEADER: &str = "c1000000010008f067a5502a4262b50040750001";
    pub const SERVER_PAYLOAD: &str = "
        02000000000600405a020000560303eefce7f7b37ba1d1632e96677825ddf739
        88cfc79825df566dc5430b9a045a1200130100002e00330024001d00209d3c94
        0d89690b84d08a60993c144eca684d1081287c834d5311bcf32bb9da1a002b00
        020304";

    #[test]
    fn sealing_reproduces_the_rfc_server_initial() {
        let server = InitialKeys::derive(1, &unhex(DCID), false);
        let packet = server.seal(&unhex(SERVER_HEADER), 18, &unhex(SERVER_PAYLOAD));
        assert_eq!(packet, unhex(SERVER_INITIAL));
    }

    #[test]
    fn rfc9001_initial_keys() {
        let dcid = unhex(DCID);
        let client = InitialKeys::derive(1, &dcid, true);
        assert_eq!(
            client.key.to_vec(),
            unhex("1f369613dd76d5467730efcbe3b1a22d")
        );
        assert_eq!(client.iv.to_vec(), unhex("fa044b2f42a3fd3b46fb255c"));
        assert_eq!(
            client.hp.to_vec(),
            unhex("9f50449e04a0e810283a1e9933adedd2")
        );
        let server = InitialKeys::derive(1, &dcid, false);
        assert_eq!(
            server.key.to_vec(),
            unhex("cf3a5331653c364c88f0f379b6067e37")
        );
        assert_eq!(server.iv.to_vec(), unhex("0ac1493ca1905853b0bba03e"));
        assert_eq!(
            server.hp.to_vec(),
            unhex("c206b8d9b9f0f37644430b490eeaa314")
        );
    }

    #[test]
    fn rfc9369_v2_initial_keys() {
        // RFC 9369 Appendix A.1.
        let client = InitialKeys::derive(VERSION_2, &unhex(DCID), true);
        assert_eq!(
            client.key.to_vec(),
            unhex("8b1a0bc121284290a29e0971b5cd045d")
        );
        assert_eq!(client.iv.to_vec(), unhex("91f73e2351d8fa91660e909f"));
        assert_eq!(
            client.hp.to_vec(),
            unhex("45b95e15235d6f45a6b19cbcb0294ba9")
        );
    }

    #[test]
    fn header_protection_mask_of_the_client_sample() {
        let client = InitialKeys::derive(1, &unhex(DCID), true);
        let sample = unhex("d1b1c98dd7689fb8ec11d242b123dc9b");
        assert_eq!(
            client.header_mask(&sample)[..5].to_vec(),
            unhex("437b9aec36")
        );
    }

    #[test]
    fn rfc9001_client_initial_decrypts() {
        let packet = unhex(CLIENT_INITIAL);
        assert_eq!(packet.len(), 1200);
        let client = InitialKeys::derive(1, &unhex(DCID), true);
        // Header of 18 bytes, then the 4-byte packet number 2.
        let plain = client.open(&packet, 18).expect("authenticates");
        assert_eq!(plain.len(), 1200 - 18 - 4 - 16);
        assert_eq!(plain[..10].to_vec(), unhex("060040f1010000ed0303"));
        assert!(plain[245..].iter().all(|&b| b == 0), "PADDING");
        // The server's keys do not open it.
        let server = InitialKeys::derive(1, &unhex(DCID), false);
        assert_eq!(server.open(&packet, 18), None);
    }

    #[test]
    fn rfc9001_server_initial_decrypts() {
        let packet = unhex(SERVER_INITIAL);
        let server = InitialKeys::derive(1, &unhex(DCID), false);
        let plain = server.open(&packet, 18).expect("authenticates");
        assert_eq!(plain, unhex(SERVER_PAYLOAD));
    }

    #[test]
    fn tampered_packet_does_not_open() {
        let mut packet = unhex(SERVER_INITIAL);
        let last = packet.len() - 1;
        packet[last] ^= 1;
        let server = InitialKeys::derive(1, &unhex(DCID), false);
        assert_eq!(server.open(&packet, 18), None);
        assert_eq!(server.open(&packet[..30], 18), None, "too short to sample");
    }
}
