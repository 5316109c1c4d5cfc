//! Inputs the fuzzers found crashing, replayed the way the `decode` fuzz
//! target feeds them (first byte: link type and settings; then packets with
//! a 2-byte length prefix), so they stay fixed.

use wire::linktype as lt;
use wire::{DecodeConfig, Decoder, FragConfig};

fn replay(data: &[u8]) {
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
    let Some((&sel, mut rest)) = data.split_first() else {
        return;
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
    let mut ts = 0;
    while rest.len() >= 2 {
        let n = (u16::from_be_bytes([rest[0], rest[1]]) as usize).min(rest.len() - 2);
        let (pkt, tail) = rest[2..].split_at(n);
        rest = tail;
        ts += 100;
        let _ = dec.decode_wire(ts, linktype, pkt, pkt.len() as u32 + (sel as u32 & 3));
    }
}

#[test]
fn fragment_eviction_does_not_use_a_stale_index() {
    replay(include_bytes!("regressions/frag-evict-stale-index.bin"));
}
