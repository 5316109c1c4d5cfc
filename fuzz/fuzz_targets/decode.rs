//! Decoder fuzz target: the first byte picks a link type, the rest is a run
//! of packets (2-byte big-endian length prefix each) decoded through one
//! Decoder, so fragment reassembly state carries across packets.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wire::linktype as lt;
use wire::{DecodeConfig, Decoder, FragConfig};

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

fuzz_target!(|data: &[u8]| {
    let Some((&sel, mut rest)) = data.split_first() else {
        return;
    };
    let linktype = LINKTYPES[(sel as usize) % LINKTYPES.len()];
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
    let mut dec = Decoder::new(cfg);
    let mut ts = 0i64;
    while rest.len() >= 2 {
        let n = u16::from_be_bytes([rest[0], rest[1]]) as usize;
        rest = &rest[2..];
        let n = n.min(rest.len());
        let (pkt, tail) = rest.split_at(n);
        rest = tail;
        ts += 100;
        let wire_len = pkt.len() as u32 + (sel as u32 & 0x3);
        let d = dec.decode_wire(ts, linktype, pkt, wire_len);
        for f in d.frames.iter() {
            let _ = (f.ip_len, f.proto);
        }
        let _ = wire::dispatch_hash(linktype, pkt);
    }
    if !rest.is_empty() {
        let _ = dec.decode(ts, linktype, rest);
    }
});
