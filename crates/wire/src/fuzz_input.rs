//! The decoder's fuzzing harness, shared by the `decode` fuzz target and the
//! regression tests that replay what it found: the first byte picks the link
//! type and settings, the rest is packets with a 2-byte length prefix,
//! decoded through one `Decoder` so fragment state carries across them.

use crate::linktype as lt;
use crate::{DecodeConfig, Decoder, FragConfig};

const LINKTYPES: [u32; 12] = [
    lt::ETHERNET,
    lt::RAW,
    lt::NULL,
    lt::LOOP,
    lt::PPP,
    lt::PPP_HDLC,
    lt::LINUX_SLL,
    lt::LINUX_SLL2,
    lt::NFLOG,
    lt::FDDI,
    lt::IEEE802_11,
    lt::IPV4,
];

/// Decode every packet of a fuzz input; returns how many frames came out.
pub fn replay(data: &[u8]) -> usize {
    let Some((&sel, mut rest)) = data.split_first() else {
        return 0;
    };
    let cfg = DecodeConfig {
        verify_checksums: sel & 0x80 != 0,
        max_tunnel_depth: (sel as usize >> 4) & 0x7,
        frag: FragConfig {
            max_datagrams: 8,
            max_bytes: 256 << 10,
            timeout: 1_000,
        },
        ..Default::default()
    };
    let linktype = LINKTYPES[sel as usize % LINKTYPES.len()];
    let mut dec = Decoder::new(cfg);
    let (mut ts, mut frames) = (0, 0);
    while rest.len() >= 2 {
        let n = (u16::from_be_bytes([rest[0], rest[1]]) as usize).min(rest.len() - 2);
        let (pkt, tail) = rest[2..].split_at(n);
        rest = tail;
        ts += 100;
        frames += dec
            .decode_wire(ts, linktype, pkt, pkt.len() as u32 + (sel as u32 & 3))
            .frames
            .len();
        let _ = crate::dispatch_hash(linktype, pkt);
    }
    frames
}
