//! Hand-built packets through the decoder.
use std::net::IpAddr;
use wire::linktype as lt;
use wire::{DecodeConfig, Decoded, Decoder, FragConfig, Transport, TunnelKind};

// ---------- builders ----------

fn csum(data: &[u8], init: u32) -> u16 {
    let mut s = init;
    for c in data.chunks(2) {
        s += if c.len() == 2 {
            u16::from_be_bytes([c[0], c[1]]) as u32
        } else {
            (c[0] as u32) << 8
        };
    }
    while s >> 16 != 0 {
        s = (s & 0xffff) + (s >> 16);
    }
    !(s as u16)
}

fn pseudo(src: &[u8], dst: &[u8], proto: u8, len: usize) -> u32 {
    let mut v = Vec::new();
    v.extend_from_slice(src);
    v.extend_from_slice(dst);
    let mut s: u32 = 0;
    for c in v.chunks(2) {
        s += u16::from_be_bytes([c[0], c[1]]) as u32;
    }
    s + proto as u32 + (len as u32 >> 16) + (len as u32 & 0xffff)
}

const A: [u8; 4] = [10, 0, 0, 1];
const B: [u8; 4] = [10, 0, 0, 2];
const A6: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const B6: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

fn ipv4_full(
    src: [u8; 4],
    dst: [u8; 4],
    proto: u8,
    id: u16,
    frag: u16,
    opts: &[u8],
    payload: &[u8],
) -> Vec<u8> {
    let hl = 20 + opts.len();
    let mut p = vec![0u8; hl];
    p[0] = 0x40 | (hl / 4) as u8;
    let tl = (hl + payload.len()) as u16;
    p[2..4].copy_from_slice(&tl.to_be_bytes());
    p[4..6].copy_from_slice(&id.to_be_bytes());
    p[6..8].copy_from_slice(&frag.to_be_bytes());
    p[8] = 64;
    p[9] = proto;
    p[12..16].copy_from_slice(&src);
    p[16..20].copy_from_slice(&dst);
    p[20..].copy_from_slice(opts);
    let c = csum(&p, 0);
    p[10..12].copy_from_slice(&c.to_be_bytes());
    p.extend_from_slice(payload);
    p
}

fn ipv4(proto: u8, payload: &[u8]) -> Vec<u8> {
    ipv4_full(A, B, proto, 1, 0, &[], payload)
}

fn ipv6_ext(src: [u8; 16], dst: [u8; 16], next: u8, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0u8; 40];
    p[0] = 0x60;
    p[4..6].copy_from_slice(&(payload.len() as u16).to_be_bytes());
    p[6] = next;
    p[7] = 64;
    p[8..24].copy_from_slice(&src);
    p[24..40].copy_from_slice(&dst);
    p.extend_from_slice(payload);
    p
}

fn tcp(
    src: &[u8],
    dst: &[u8],
    sport: u16,
    dport: u16,
    flags: u8,
    opts: &[u8],
    payload: &[u8],
) -> Vec<u8> {
    let hl = 20 + opts.len();
    let mut t = vec![0u8; hl];
    t[0..2].copy_from_slice(&sport.to_be_bytes());
    t[2..4].copy_from_slice(&dport.to_be_bytes());
    t[4..8].copy_from_slice(&1000u32.to_be_bytes());
    t[12] = ((hl / 4) as u8) << 4;
    t[13] = flags;
    t[14..16].copy_from_slice(&8192u16.to_be_bytes());
    t[20..].copy_from_slice(opts);
    t.extend_from_slice(payload);
    let c = csum(&t, pseudo(src, dst, 6, t.len()));
    t[16..18].copy_from_slice(&c.to_be_bytes());
    t
}

fn udp(src: &[u8], dst: &[u8], sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut u = vec![0u8; 8];
    u[0..2].copy_from_slice(&sport.to_be_bytes());
    u[2..4].copy_from_slice(&dport.to_be_bytes());
    u[4..6].copy_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    u.extend_from_slice(payload);
    let mut c = csum(&u, pseudo(src, dst, 17, u.len()));
    if c == 0 {
        c = 0xffff;
    }
    u[6..8].copy_from_slice(&c.to_be_bytes());
    u
}

fn eth(et: u16, payload: &[u8]) -> Vec<u8> {
    let mut e = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1];
    e.extend_from_slice(&et.to_be_bytes());
    e.extend_from_slice(payload);
    e
}

fn vlan(id: u16, et: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = id.to_be_bytes().to_vec();
    v.extend_from_slice(&et.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

fn tcp4_packet(payload: &[u8]) -> Vec<u8> {
    eth(0x0800, &ipv4(6, &tcp(&A, &B, 1234, 80, 0x18, &[], payload)))
}

fn dec() -> Decoder {
    Decoder::new(DecodeConfig::default())
}

fn names(d: &Decoded) -> Vec<&'static str> {
    d.weirds.iter().map(|w| w.name).collect()
}

fn ip4(a: [u8; 4]) -> IpAddr {
    IpAddr::from(a)
}

// ---------- link layers ----------

#[test]
fn ethernet_ipv4_tcp() {
    let pkt = tcp4_packet(b"hello");
    let mut d = dec();
    let r = d.decode(0, lt::ETHERNET, &pkt);
    assert!(r.weirds.is_empty(), "{:?}", r.weirds);
    assert_eq!(r.frames.len(), 1);
    let f = r.frames.get(0).unwrap();
    assert_eq!(
        (f.src, f.dst, f.proto, f.ip_len),
        (ip4(A), ip4(B), 6, 20 + 20 + 5)
    );
    assert_eq!(r.link.src_mac, Some([2, 0, 0, 0, 0, 1]));
    assert_eq!(r.link.dst_mac, Some([2, 0, 0, 0, 0, 2]));
    match f.transport {
        Transport::Tcp(t) => {
            assert_eq!(
                (t.src_port, t.dst_port, t.flags, t.payload, t.payload_len),
                (1234, 80, 0x18, &b"hello"[..], 5)
            );
            assert!(t.checksum_ok);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn ethernet_padding_is_clipped() {
    let mut pkt = tcp4_packet(b"");
    pkt.extend_from_slice(&[0u8; 6]);
    let mut d = dec();
    let r = d.decode(0, lt::ETHERNET, &pkt);
    let Transport::Tcp(t) = r.frames.get(0).unwrap().transport else {
        panic!()
    };
    assert_eq!(t.payload.len(), 0);
    assert!(t.checksum_ok);
}

#[test]
fn every_link_type() {
    let ip = ipv4(17, &udp(&A, &B, 1, 2, b"x"));
    let ip6 = ipv6_ext(A6, B6, 17, &udp(&A6, &B6, 1, 2, b"x"));
    let mut cases: Vec<(u32, Vec<u8>)> = vec![
        (lt::RAW, ip.clone()),
        (lt::RAW, ip6.clone()),
        (lt::RAW_BSD, ip.clone()),
        (lt::RAW_OPENBSD, ip.clone()),
        (lt::IPV4, ip.clone()),
    ];
    let mut null = 2u32.to_le_bytes().to_vec();
    null.extend_from_slice(&ip);
    cases.push((lt::NULL, null));
    let mut null6 = 30u32.to_le_bytes().to_vec();
    null6.extend_from_slice(&ip6);
    cases.push((lt::NULL, null6));
    let mut lo = 2u32.to_be_bytes().to_vec();
    lo.extend_from_slice(&ip);
    cases.push((lt::LOOP, lo));
    let mut ppp = vec![0xff, 0x03, 0x00, 0x21];
    ppp.extend_from_slice(&ip);
    cases.push((lt::PPP, ppp.clone()));
    cases.push((lt::PPP_HDLC, ppp));
    let mut ppp2 = vec![0x00, 0x57];
    ppp2.extend_from_slice(&ip6);
    cases.push((lt::PPP, ppp2));
    let mut sll = vec![0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00];
    sll.extend_from_slice(&ip);
    cases.push((lt::LINUX_SLL, sll));
    let mut sll2 = vec![
        0x86, 0xdd, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0,
    ];
    sll2.extend_from_slice(&ip6);
    cases.push((lt::LINUX_SLL2, sll2));
    // NFLOG: header, a prefix TLV of 5 bytes (padded to 8), then payload TLV.
    let mut nf = vec![2, 0, 0, 0];
    nf.extend_from_slice(&[5, 0, 10, 0, b'x', 0, 0, 0]);
    nf.extend_from_slice(&((4 + ip.len()) as u16).to_le_bytes());
    nf.extend_from_slice(&9u16.to_le_bytes());
    nf.extend_from_slice(&ip);
    cases.push((lt::NFLOG, nf));
    let mut fddi = vec![0x50; 13];
    fddi.extend_from_slice(&[0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00]);
    fddi.extend_from_slice(&ip);
    cases.push((lt::FDDI, fddi));
    // 802.3 length frame with LLC/SNAP.
    let mut snap = vec![0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00];
    snap.extend_from_slice(&ip);
    cases.push((lt::ETHERNET, eth(snap.len() as u16, &snap)));
    for (i, (l, p)) in cases.iter().enumerate() {
        let mut d = dec();
        let r = d.decode(0, *l, p);
        assert_eq!(r.frames.len(), 1, "case {i} lt {l}: {:?}", r.weirds);
        assert!(r.weirds.is_empty(), "case {i}: {:?}", r.weirds);
        assert!(
            matches!(r.frames.get(0).unwrap().transport, Transport::Udp(u) if u.checksum_ok && u.payload == b"x")
        );
    }
}

#[test]
fn arp_and_unknown_ethertypes_are_quiet() {
    let mut d = dec();
    let pkt_ = eth(0x0806, &[0u8; 28]);
    let r = d.decode(0, lt::ETHERNET, &pkt_);
    assert!(r.frames.is_empty() && r.weirds.is_empty());
    let pkt_ = eth(0x1234, &[0u8; 28]);
    let r = d.decode(0, lt::ETHERNET, &pkt_);
    assert!(r.frames.is_empty() && r.weirds.is_empty());
    let pkt_ = eth(1501, &[0u8; 28]);
    let r = d.decode(0, lt::ETHERNET, &pkt_);
    assert_eq!(names(&r), ["undefined_ether_type"]);
}

#[test]
fn vlan_qinq_and_triple() {
    let ip = ipv4(17, &udp(&A, &B, 1, 2, b"x"));
    let mut d = dec();
    let one = eth(0x8100, &vlan(10, 0x0800, &ip));
    let r = d.decode(0, lt::ETHERNET, &one);
    assert_eq!(
        (r.link.vlan, r.link.inner_vlan, r.frames.len()),
        (Some(10), None, 1)
    );
    let two = eth(0x88a8, &vlan(20, 0x8100, &vlan(30, 0x0800, &ip)));
    let r = d.decode(0, lt::ETHERNET, &two);
    assert_eq!(
        (r.link.vlan, r.link.inner_vlan, r.frames.len()),
        (Some(20), Some(30), 1)
    );
    let three = eth(
        0x8100,
        &vlan(1, 0x8100, &vlan(2, 0x8100, &vlan(3, 0x0800, &ip))),
    );
    let r = d.decode(0, lt::ETHERNET, &three);
    assert_eq!(
        (r.link.vlan, r.link.inner_vlan, r.frames.len()),
        (Some(1), Some(3), 1)
    );
    assert_eq!(names(&r), ["triple_tagged_vlan_unsupported"]);
    assert_eq!(r.weirds[0].source, "VLAN");
    assert_eq!(
        r.weirds[0].addl.as_deref(),
        Some("inner VLAN tag overwritten")
    );
}

#[test]
fn mpls_pppoe_pbb_vntag_fabricpath() {
    let ip = ipv4(17, &udp(&A, &B, 1, 2, b"x"));
    let mut d = dec();
    let mut mpls = vec![0, 0, 0x10, 64, 0, 0, 0x21, 64];
    mpls.extend_from_slice(&ip);
    let pkt_ = eth(0x8847, &mpls);
    let r = d.decode(0, lt::ETHERNET, &pkt_);
    assert_eq!(r.frames.len(), 1);
    let pkt_ = eth(0x8100, &vlan(5, 0x8847, &mpls));
    let r = d.decode(0, lt::ETHERNET, &pkt_);
    assert_eq!((r.frames.len(), r.link.vlan), (1, Some(5)));
    let mut pppoe = vec![0x11, 0, 0, 1, 0, 0, 0x00, 0x21];
    pppoe.extend_from_slice(&ip);
    let pkt_ = eth(0x8864, &pppoe);
    let r = d.decode(0, lt::ETHERNET, &pkt_);
    assert_eq!(r.frames.len(), 1);
    let mut pbb = vec![0, 0, 0, 1];
    pbb.extend_from_slice(&eth(0x0800, &ip));
    let pkt_ = eth(0x88e7, &pbb);
    let r = d.decode(0, lt::ETHERNET, &pkt_);
    assert_eq!(r.frames.len(), 1);
    let mut vn = vec![0, 0, 0, 0, 0x08, 0x00];
    vn.extend_from_slice(&ip);
    let pkt_ = eth(0x8926, &vn);
    let r = d.decode(0, lt::ETHERNET, &pkt_);
    assert_eq!(r.frames.len(), 1);
    let mut cfp = vec![0u8; 12];
    cfp.extend_from_slice(&[0x89, 0x03, 0, 0]);
    cfp.extend_from_slice(&eth(0x0800, &ip));
    let r = d.decode(0, lt::ETHERNET, &cfp);
    assert_eq!(r.frames.len(), 1);
}

#[test]
fn pbb_recursion_hits_analyzer_depth() {
    let ip = ipv4(17, &udp(&A, &B, 1, 2, b"x"));
    let mut p = eth(0x0800, &ip);
    for _ in 0..30 {
        let mut pbb = vec![0, 0, 0, 1];
        pbb.extend_from_slice(&p);
        p = eth(0x88e7, &pbb);
    }
    let mut d = dec();
    let r = d.decode(0, lt::ETHERNET, &p);
    assert!(r.frames.is_empty());
    assert_eq!(names(&r), ["max_packet_analyzer_depth_exceeded"]);
}

#[test]
fn nflog_bad_tlv_len() {
    let mut nf = vec![2, 0, 0, 0];
    nf.extend_from_slice(&[0, 1, 10, 0, 1, 2, 3, 4]);
    let mut d = dec();
    let r = d.decode(0, lt::NFLOG, &nf);
    assert_eq!(names(&r), ["nflog_bad_tlv_len"]);
    assert_eq!(r.weirds[0].addl.as_deref(), Some("(256 > 8)"));
    assert_eq!(r.weirds[0].source, "NFLOG");
}

// ---------- IP ----------

#[test]
fn ipv4_options_and_checksum() {
    let t = tcp(&A, &B, 1, 2, 0x02, &[2, 4, 5, 0xb4, 1, 3, 3, 7], b"");
    let p = ipv4_full(A, B, 6, 7, 0, &[1, 1, 1, 0], &t);
    let mut d = dec();
    let r = d.decode(0, lt::RAW, &p);
    let Transport::Tcp(ti) = r.frames.get(0).unwrap().transport else {
        panic!()
    };
    assert_eq!(ti.window_scale, Some(7));
    assert!(ti.checksum_ok);
    let mut bad = p.clone();
    bad[10] ^= 0xff;
    let r = d.decode(0, lt::RAW, &bad);
    assert_eq!(names(&r), ["bad_IP_checksum"]);
    assert!(r.frames.is_empty());
    let mut nc = Decoder::new(DecodeConfig {
        verify_checksums: false,
        ..Default::default()
    });
    assert_eq!(nc.decode(0, lt::RAW, &bad).frames.len(), 1);
}

#[test]
fn ip_header_problems() {
    let p = ipv4(17, &udp(&A, &B, 1, 2, b"abc"));
    let mut d = Decoder::new(DecodeConfig {
        verify_checksums: false,
        ..Default::default()
    });
    let mut zero = p.clone();
    zero[2] = 0;
    zero[3] = 0;
    let r = d.decode(0, lt::RAW, &zero);
    assert_eq!(names(&r), ["ip_hdr_len_zero"]);
    assert_eq!(r.frames.len(), 1);
    let mut dc = dec();
    let r = dc.decode(0, lt::RAW, &zero);
    assert_eq!((names(&r), r.frames.len()), (vec!["ip_hdr_len_zero"], 0));
    let mut v = p.clone();
    v[0] = 0x55;
    assert_eq!(names(&d.decode(0, lt::RAW, &v)), ["unknown_ip_version"]);
    let mut hl = p.clone();
    hl[0] = 0x4f;
    assert_eq!(
        names(&d.decode(0, lt::RAW, &hl)),
        ["invalid_IP_header_size"]
    );
    let mut small = p.clone();
    small[0] = 0x44;
    assert_eq!(
        names(&d.decode(0, lt::RAW, &small)),
        ["IPv4_min_header_size"]
    );
    assert_eq!(names(&d.decode(0, lt::RAW, &p[..19])), ["truncated_IP"]);
    assert_eq!(
        names(&d.decode(0, lt::RAW, &p[..p.len() - 1])),
        ["truncated_IP_len"]
    );
    // Snap-length cut: fine when the wire length covers it.
    let r = d.decode_wire(0, lt::RAW, &p[..p.len() - 2], p.len() as u32);
    assert!(r.weirds.is_empty());
    let Transport::Udp(u) = r.frames.get(0).unwrap().transport else {
        panic!()
    };
    assert_eq!((u.payload, u.payload_len), (&b"a"[..], 3));
}

#[test]
fn ipv6_extension_headers() {
    let u = udp(&A6, &B6, 53, 5353, b"q");
    // hop-by-hop -> routing -> destination options -> UDP
    let mut ext = vec![43, 0, 0, 0, 0, 0, 0, 0];
    ext.extend_from_slice(&[60, 0, 0, 0, 0, 0, 0, 0]);
    ext.extend_from_slice(&[17, 0, 1, 4, 0, 0, 0, 0]);
    ext.extend_from_slice(&u);
    let p = ipv6_ext(A6, B6, 0, &ext);
    let mut d = dec();
    let r = d.decode(0, lt::RAW, &p);
    assert!(r.weirds.is_empty(), "{:?}", r.weirds);
    let f = r.frames.get(0).unwrap();
    assert_eq!((f.proto, f.ip_len), (17, p.len() as u32));
    assert!(matches!(f.transport, Transport::Udp(u) if u.checksum_ok && u.dst_port == 5353));
    // No next header.
    let pkt_ = ipv6_ext(A6, B6, 59, &[]);
    let r = d.decode(0, lt::RAW, &pkt_);
    assert_eq!(names(&r), ["ipv6_no_next"]);
    // Truncated chain.
    let r = d.decode(0, lt::RAW, &p[..45]);
    assert!(r.frames.is_empty());
}

#[test]
fn icmp_and_icmpv6() {
    let mut icmp = vec![8, 0, 0, 0, 0, 1, 0, 1, b'p'];
    let c = csum(&icmp, 0);
    icmp[2..4].copy_from_slice(&c.to_be_bytes());
    let mut d = dec();
    let pkt_ = ipv4(1, &icmp);
    let r = d.decode(0, lt::RAW, &pkt_);
    assert!(
        matches!(r.frames.get(0).unwrap().transport, Transport::Icmp(i) if i.checksum_ok && i.icmp_type == 8 && i.len == 9 && !i.v6)
    );
    let mut i6 = vec![128, 0, 0, 0, 0, 1, 0, 1];
    let c = csum(&i6, pseudo(&A6, &B6, 58, 8));
    i6[2..4].copy_from_slice(&c.to_be_bytes());
    let pkt_ = ipv6_ext(A6, B6, 58, &i6);
    let r = d.decode(0, lt::RAW, &pkt_);
    assert!(
        matches!(r.frames.get(0).unwrap().transport, Transport::Icmp(i) if i.checksum_ok && i.v6)
    );
    i6[7] ^= 1;
    let pkt_ = ipv6_ext(A6, B6, 58, &i6);
    let r = d.decode(0, lt::RAW, &pkt_);
    assert!(matches!(r.frames.get(0).unwrap().transport, Transport::Icmp(i) if !i.checksum_ok));
}

#[test]
fn transport_checksums() {
    let mut d = dec();
    let mut p = tcp4_packet(b"data");
    let n = p.len();
    p[n - 1] ^= 1;
    let r = d.decode(0, lt::ETHERNET, &p);
    assert!(matches!(r.frames.get(0).unwrap().transport, Transport::Tcp(t) if !t.checksum_ok));
    let mut u = udp(&A, &B, 1, 2, b"zz");
    u[6] = 0;
    u[7] = 0;
    let pkt_ = ipv4(17, &u);
    let r = d.decode(0, lt::RAW, &pkt_);
    assert!(matches!(r.frames.get(0).unwrap().transport, Transport::Udp(u) if u.checksum_ok));
    let mut u6 = udp(&A6, &B6, 1, 2, b"zz");
    u6[6] = 0;
    u6[7] = 0;
    let pkt_ = ipv6_ext(A6, B6, 17, &u6);
    let r = d.decode(0, lt::RAW, &pkt_);
    assert!(matches!(r.frames.get(0).unwrap().transport, Transport::Udp(u) if !u.checksum_ok));
    let mut nc = Decoder::new(DecodeConfig {
        verify_checksums: false,
        ..Default::default()
    });
    let r = nc.decode(0, lt::ETHERNET, &p);
    assert!(matches!(r.frames.get(0).unwrap().transport, Transport::Tcp(t) if t.checksum_ok));
}

// ---------- fragments ----------

fn frags4(id: u16, payload: &[u8], size: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut off = 0;
    while off < payload.len() {
        let end = (off + size).min(payload.len());
        let mf = if end < payload.len() { 0x2000 } else { 0 };
        out.push(ipv4_full(
            A,
            B,
            17,
            id,
            mf | (off / 8) as u16,
            &[],
            &payload[off..end],
        ));
        off = end;
    }
    out
}

#[test]
fn fragments_in_and_out_of_order() {
    let body: Vec<u8> = (0..200u8).collect();
    let u = udp(&A, &B, 1000, 2000, &body);
    for order in [[0usize, 1, 2, 3], [3, 1, 0, 2], [2, 3, 1, 0]] {
        let fr = frags4(9, &u, 64);
        assert_eq!(fr.len(), 4);
        let mut d = dec();
        for (k, &i) in order.iter().enumerate() {
            let r = d.decode(k as i64, lt::RAW, &fr[i]);
            if k < 3 {
                assert!(r.frames.is_empty());
                assert!(r.weirds.is_empty(), "{:?}", r.weirds);
            } else {
                assert_eq!(r.frames.len(), 1);
                let f = r.frames.get(0).unwrap();
                assert!(f.reassembled);
                assert_eq!(f.ip_len, 20 + u.len() as u32);
                let Transport::Udp(x) = f.transport else {
                    panic!()
                };
                assert!(x.checksum_ok);
                assert_eq!(x.payload, &body[..]);
            }
        }
        assert!(d.frag_table().is_empty());
    }
}

#[test]
fn fragment_overlaps() {
    let u = udp(&A, &B, 1, 2, &[7u8; 100]);
    let fr = frags4(3, &u, 64);
    let mut d = dec();
    d.decode(0, lt::RAW, &fr[0]);
    // Same first fragment again: overlap with equal data.
    let r = d.decode(0, lt::RAW, &fr[0]);
    assert_eq!(names(&r), ["fragment_overlap"]);
    // Different data at the same place: inconsistency.
    let mut other = u.clone();
    other[20] ^= 0xff;
    let alt = frags4(3, &other, 64);
    let r = d.decode(0, lt::RAW, &alt[0]);
    assert_eq!(names(&r), ["fragment_inconsistency"]);
    // Completion keeps the first data.
    let r = d.decode(0, lt::RAW, &fr[1]);
    assert_eq!(r.frames.len(), 1);
    assert!(matches!(r.frames.get(0).unwrap().transport, Transport::Udp(x) if x.checksum_ok));
}

#[test]
fn fragment_limits_timeout_and_eviction() {
    let cfg = DecodeConfig {
        frag: FragConfig {
            max_datagrams: 4,
            max_bytes: 1 << 20,
            timeout: 1_000,
        },
        ..Default::default()
    };
    let mut d = Decoder::new(cfg);
    for id in 0..10u16 {
        let fr = frags4(id, &udp(&A, &B, 1, 2, &[1u8; 100]), 64);
        d.decode(0, lt::RAW, &fr[0]);
    }
    assert_eq!(d.frag_table().len(), 4);
    assert_eq!(d.frag_table().evictions, 6);
    // Timeout: the old first halves are gone; a second half alone waits.
    let fr = frags4(9, &udp(&A, &B, 1, 2, &[1u8; 100]), 64);
    let r = d.decode(5_000, lt::RAW, &fr[1]);
    assert!(r.frames.is_empty());
    assert_eq!(d.frag_table().len(), 1);
    assert_eq!(d.frag_table().timeouts, 4);
    // Oversized: offset near the top and more fragments → dropped, bounded.
    let big = ipv4_full(A, B, 17, 77, 0x2000 | 0x1fff, &[], &[0u8; 1000]);
    let r = d.decode(5_000, lt::RAW, &big);
    assert!(r.frames.is_empty());
    assert!(names(&r).contains(&"excessively_large_fragment"));
    // Byte budget.
    let cfg = DecodeConfig {
        frag: FragConfig {
            max_datagrams: 100,
            max_bytes: 4096,
            timeout: 0,
        },
        ..Default::default()
    };
    let mut d = Decoder::new(cfg);
    for id in 0..50u16 {
        let fr = frags4(id, &udp(&A, &B, 1, 2, &[1u8; 1000]), 512);
        d.decode(0, lt::RAW, &fr[0]);
        assert!(d.frag_table().buffered_bytes() <= 4096 + 2048);
    }
    assert!(d.frag_table().evictions > 0);
}

#[test]
fn ipv6_fragments() {
    let body: Vec<u8> = (0..150u8).collect();
    let u = udp(&A6, &B6, 1, 2, &body);
    let mut d = dec();
    let (a, b) = u.split_at(80);
    let mut f1 = vec![17, 0, 0x00, 0x01, 0, 0, 0, 42];
    f1.extend_from_slice(a);
    let mut f2 = vec![17, 0];
    f2.extend_from_slice(&80u16.to_be_bytes());
    f2.extend_from_slice(&[0, 0, 0, 42]);
    f2.extend_from_slice(b);
    let pkt_ = ipv6_ext(A6, B6, 44, &f2);
    let r = d.decode(0, lt::RAW, &pkt_);
    assert!(r.frames.is_empty());
    let pkt_ = ipv6_ext(A6, B6, 44, &f1);
    let r = d.decode(0, lt::RAW, &pkt_);
    assert_eq!(r.frames.len(), 1);
    let f = r.frames.get(0).unwrap();
    assert!(f.reassembled);
    assert_eq!((f.proto, f.ip_len), (17, 40 + u.len() as u32));
    assert!(matches!(f.transport, Transport::Udp(x) if x.checksum_ok && x.payload == &body[..]));
}

// ---------- tunnels ----------

fn inner_tcp4() -> Vec<u8> {
    ipv4_full(
        [192, 168, 0, 1],
        [192, 168, 0, 2],
        6,
        5,
        0,
        &[],
        &tcp(
            &[192, 168, 0, 1],
            &[192, 168, 0, 2],
            5555,
            80,
            0x02,
            &[],
            b"",
        ),
    )
}

fn kinds(r: &Decoded) -> Vec<Option<TunnelKind>> {
    r.frames.iter().map(|f| f.tunnel).collect()
}

#[test]
fn ip_in_ip_and_6in4() {
    let mut d = dec();
    let pkt_ = ipv4(4, &inner_tcp4());
    let r = d.decode(0, lt::RAW, &pkt_);
    assert_eq!(kinds(&r), [None, Some(TunnelKind::IpInIp)]);
    let in6 = ipv6_ext(A6, B6, 17, &udp(&A6, &B6, 1, 2, b""));
    let pkt_ = ipv4(41, &in6);
    let r = d.decode(0, lt::RAW, &pkt_);
    assert_eq!(kinds(&r), [None, Some(TunnelKind::IpInIp)]);
    let pkt_ = ipv4(41, &inner_tcp4());
    let r = d.decode(0, lt::RAW, &pkt_);
    assert_eq!(names(&r), ["invalid_inner_IP_version"]);
    assert_eq!(r.weirds[0].source, "IPTUNNEL");
    assert_eq!(r.weirds[0].addrs, Some((ip4(A), ip4(B))));
    let mut long = inner_tcp4();
    long.push(0);
    assert_eq!(
        names(&d.decode(0, lt::RAW, &ipv4(4, &long))),
        ["inner_IP_payload_length_mismatch"]
    );
}

#[test]
fn gre_variants() {
    let inner = inner_tcp4();
    let mut d = dec();
    let mut g = vec![0, 0, 0x08, 0x00];
    g.extend_from_slice(&inner);
    let pkt_ = ipv4(47, &g);
    let r = d.decode(0, lt::RAW, &pkt_);
    assert_eq!(kinds(&r), [None, Some(TunnelKind::Gre)]);
    // Key + sequence, transparent Ethernet bridging.
    let mut g = vec![0x30, 0, 0x65, 0x58, 0, 0, 0, 1, 0, 0, 0, 2];
    g.extend_from_slice(&eth(0x0800, &inner));
    assert_eq!(
        kinds(&d.decode(0, lt::RAW, &ipv4(47, &g))),
        [None, Some(TunnelKind::Gre)]
    );
    // ERSPAN II (sequence flag) and III.
    let mut g = vec![0x10, 0, 0x88, 0xbe, 0, 0, 0, 1, 0x10, 0, 0, 1, 0, 0, 0, 0];
    g.extend_from_slice(&eth(0x0800, &inner));
    assert_eq!(
        kinds(&d.decode(0, lt::RAW, &ipv4(47, &g))),
        [None, Some(TunnelKind::Gre)]
    );
    let mut g = vec![0x10, 0, 0x22, 0xeb, 0, 0, 0, 1];
    g.extend_from_slice(&[0u8; 12]);
    g.extend_from_slice(&eth(0x0800, &inner));
    assert_eq!(
        kinds(&d.decode(0, lt::RAW, &ipv4(47, &g))),
        [None, Some(TunnelKind::Gre)]
    );
    // PPTP enhanced GRE: key present, version 1, PPP header.
    let mut g = vec![0x20, 0x01, 0x88, 0x0b, 0, 10, 0, 1, 0xff, 0x03, 0x00, 0x21];
    g.extend_from_slice(&inner);
    assert_eq!(
        kinds(&d.decode(0, lt::RAW, &ipv4(47, &g))),
        [None, Some(TunnelKind::Gre)]
    );
    // Bad version, routing, truncation.
    assert_eq!(
        names(&d.decode(0, lt::RAW, &ipv4(47, &[0, 2, 8, 0, 0]))),
        ["unknown_gre_version"]
    );
    assert_eq!(
        names(&d.decode(0, lt::RAW, &ipv4(47, &[0x40, 0, 8, 0, 0]))),
        ["gre_routing"]
    );
    assert_eq!(
        names(&d.decode(0, lt::RAW, &ipv4(47, &[0, 0]))),
        ["truncated_GRE"]
    );
    // GRE over UDP.
    let mut g = vec![0, 0, 0x08, 0x00];
    g.extend_from_slice(&inner);
    let pkt_ = ipv4(17, &udp(&A, &B, 1, 4754, &g));
    let r = d.decode(0, lt::RAW, &pkt_);
    assert_eq!(kinds(&r), [None, Some(TunnelKind::Gre)]);
}

#[test]
fn udp_tunnels() {
    let inner = inner_tcp4();
    let mut d = dec();
    let mut vx = vec![0x08, 0, 0, 0, 0, 0, 1, 0];
    vx.extend_from_slice(&eth(0x0800, &inner));
    let pkt_ = ipv4(17, &udp(&A, &B, 40000, 4789, &vx));
    let r = d.decode(0, lt::RAW, &pkt_);
    assert_eq!(kinds(&r), [None, Some(TunnelKind::Vxlan)]);
    let mut gn = vec![0x02, 0, 0x65, 0x58, 0, 0, 1, 0, 0, 1, 2, 1, 0, 0, 0, 0];
    gn.extend_from_slice(&eth(0x0800, &inner));
    let pkt_ = ipv4(17, &udp(&A, &B, 40000, 6081, &gn));
    let r = d.decode(0, lt::RAW, &pkt_);
    assert_eq!(kinds(&r), [None, Some(TunnelKind::Geneve)]);
    let mut gtp = vec![0x30, 0xff, 0, inner.len() as u8, 0, 0, 0, 1];
    gtp.extend_from_slice(&inner);
    let pkt_ = ipv4(17, &udp(&A, &B, 2152, 2152, &gtp));
    let r = d.decode(0, lt::RAW, &pkt_);
    assert_eq!(kinds(&r), [None, Some(TunnelKind::Gtpv1)]);
    let mut gtp_s = vec![0x32, 0xff, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0];
    gtp_s.extend_from_slice(&inner);
    assert_eq!(
        kinds(&d.decode(0, lt::RAW, &ipv4(17, &udp(&A, &B, 2152, 2152, &gtp_s)))).len(),
        2
    );
    let mut not_gpdu = gtp.clone();
    not_gpdu[1] = 0x10;
    assert_eq!(
        d.decode(0, lt::RAW, &ipv4(17, &udp(&A, &B, 2152, 2152, &not_gpdu)))
            .frames
            .len(),
        1
    );
    let in6 = ipv6_ext(A6, B6, 17, &udp(&A6, &B6, 1, 2, b"hi"));
    let mut ay = vec![0x11, 0x02, 0x11, 41, 0, 0, 0, 0, 0, 0];
    ay.extend_from_slice(&in6);
    let pkt_ = ipv4(17, &udp(&A, &B, 5072, 5072, &ay));
    let r = d.decode(0, lt::RAW, &pkt_);
    assert_eq!(kinds(&r), [None, Some(TunnelKind::Ayiya)]);
    let pkt_ = ipv4(17, &udp(&A, &B, 3544, 40000, &in6));
    let r = d.decode(0, lt::RAW, &pkt_);
    assert_eq!(kinds(&r), [None, Some(TunnelKind::Teredo)]);
    // Teredo with origin indication.
    let mut te = vec![0, 0, 1, 2, 3, 4, 5, 6];
    te.extend_from_slice(&in6);
    assert_eq!(
        kinds(&d.decode(0, lt::RAW, &ipv4(17, &udp(&A, &B, 40000, 3544, &te)))).len(),
        2
    );
    // Not Teredo: garbage on 3544 stays plain UDP.
    let pkt_ = ipv4(17, &udp(&A, &B, 40000, 3544, &[0x45; 60]));
    let r = d.decode(0, lt::RAW, &pkt_);
    assert_eq!(r.frames.len(), 1);
    // Bubble with payload.
    let mut bub = ipv6_ext(A6, B6, 59, &[]);
    bub.extend_from_slice(&[1, 2, 3]);
    let pkt_ = ipv4(17, &udp(&A, &B, 40000, 3544, &bub));
    let r = d.decode(0, lt::RAW, &pkt_);
    assert_eq!(names(&r), ["Teredo_bubble_with_payload"]);
    assert_eq!(r.frames.len(), 2);
    // Bad outer UDP checksum: no tunnel.
    let mut bad = udp(&A, &B, 40000, 4789, &vx);
    bad[7] ^= 1;
    assert_eq!(d.decode(0, lt::RAW, &ipv4(17, &bad)).frames.len(), 1);
}

/// Decodes a UDP packet to `dport`: the tunnel analyzer that accepted
/// its payload, its weirds and how many frames it has.
fn confirmed(
    d: &mut Decoder,
    dport: u16,
    payload: &[u8],
) -> (Option<TunnelKind>, Vec<&'static str>, usize) {
    let pkt = ipv4(17, &udp(&A, &B, 40000, dport, payload));
    let r = d.decode(0, lt::RAW, &pkt);
    let tunnel = match r.frames.get(0).map(|f| &f.transport) {
        Some(Transport::Udp(u)) => u.tunnel,
        _ => None,
    };
    (tunnel, names(&r), r.frames.len())
}

#[test]
fn udp_tunnels_confirm_on_their_header() {
    let mut d = dec();
    // VXLAN carrying ARP: nothing to follow inside, but the header is fine.
    let mut vx = vec![0x08, 0, 0, 0, 0, 0, 1, 0];
    vx.extend_from_slice(&eth(0x0806, &[0; 28]));
    assert_eq!(
        confirmed(&mut d, 4789, &vx),
        (Some(TunnelKind::Vxlan), vec![], 1)
    );
    // An empty VXLAN packet is confirmed too (and weird).
    let empty = [0x08, 0, 0, 0, 0, 0, 1, 0];
    assert_eq!(
        confirmed(&mut d, 4789, &empty),
        (Some(TunnelKind::Vxlan), vec!["vxlan_empty_packet"], 1)
    );
    // Without the I flag it is not VXLAN.
    let mut no_i = vx.clone();
    no_i[0] = 0;
    assert_eq!(confirmed(&mut d, 4789, &no_i).0, None);
    // Geneve with an unknown protocol inside.
    let gn = [0, 0, 0x12, 0x34, 0, 0, 1, 0, 1, 2, 3];
    assert_eq!(confirmed(&mut d, 6081, &gn).0, Some(TunnelKind::Geneve));
    // Teredo needs a valid inner packet.
    assert_eq!(confirmed(&mut d, 3544, &[0x45; 60]).0, None);
    let in6 = ipv6_ext(A6, B6, 17, &udp(&A6, &B6, 1, 2, b"hi"));
    assert_eq!(confirmed(&mut d, 3544, &in6).0, Some(TunnelKind::Teredo));
}

#[test]
fn tunnel_depth_limit() {
    let mut p = inner_tcp4();
    for _ in 0..3 {
        let mut vx = vec![0x08, 0, 0, 0, 0, 0, 1, 0];
        vx.extend_from_slice(&eth(0x0800, &p));
        p = ipv4(17, &udp(&A, &B, 40000, 4789, &vx));
    }
    let mut d = Decoder::new(DecodeConfig {
        max_tunnel_depth: 2,
        ..DecodeConfig::default()
    });
    let r = d.decode(0, lt::RAW, &p);
    assert_eq!(r.frames.len(), 3);
    assert_eq!(names(&r), ["exceeded_tunnel_max_depth_in_tunnel"]);
    assert_eq!(r.weirds[0].source, "VXLAN");
    let mut d = Decoder::new(DecodeConfig {
        max_tunnel_depth: 8,
        ..Default::default()
    });
    assert_eq!(d.decode(0, lt::RAW, &p).frames.len(), 4);
    let mut g = vec![0, 0, 0x08, 0x00];
    g.extend_from_slice(&inner_tcp4());
    let mut d = Decoder::new(DecodeConfig {
        max_tunnel_depth: 0,
        ..Default::default()
    });
    let pkt_ = ipv4(47, &g);
    let r = d.decode(0, lt::RAW, &pkt_);
    assert_eq!(
        (names(&r), r.weirds[0].source),
        (vec!["exceeded_tunnel_max_depth"], "IPTUNNEL")
    );
}

#[test]
fn inner_weirds_get_suffix() {
    let mut g = vec![0, 0, 0x08, 0x00];
    g.extend_from_slice(&[0x55; 30]);
    let mut d = dec();
    let pkt_ = ipv4(47, &g);
    let r = d.decode(0, lt::RAW, &pkt_);
    assert_eq!(names(&r), ["unknown_ip_version_in_tunnel"]);
}

// ---------- robustness ----------

fn samples() -> Vec<(u32, Vec<u8>)> {
    let inner = inner_tcp4();
    let mut vx = vec![0x08, 0, 0, 0, 0, 0, 1, 0];
    vx.extend_from_slice(&eth(0x8100, &vlan(3, 0x0800, &inner)));
    let mut g = vec![0x30, 0, 0x65, 0x58, 0, 0, 0, 1, 0, 0, 0, 2];
    g.extend_from_slice(&eth(0x0800, &inner));
    let mut ext = vec![44, 0, 0, 0, 0, 0, 0, 0];
    ext.extend_from_slice(&[17, 0, 0, 0, 0, 0, 0, 9]);
    ext.extend_from_slice(&udp(&A6, &B6, 1, 3544, &ipv6_ext(A6, B6, 59, &[])));
    let mut mpls = vec![0, 0, 0x11, 64];
    mpls.extend_from_slice(&ipv6_ext(A6, B6, 0, &ext));
    let mut nf = vec![2, 0, 0, 0];
    nf.extend_from_slice(&((4 + inner.len()) as u16).to_le_bytes());
    nf.extend_from_slice(&9u16.to_le_bytes());
    nf.extend_from_slice(&inner);
    vec![
        (lt::ETHERNET, tcp4_packet(b"GET / HTTP/1.1\r\n\r\n")),
        (
            lt::ETHERNET,
            eth(0x0800, &ipv4(17, &udp(&A, &B, 1, 4789, &vx))),
        ),
        (
            lt::ETHERNET,
            eth(0x88a8, &vlan(1, 0x8100, &vlan(2, 0x0800, &ipv4(47, &g)))),
        ),
        (lt::ETHERNET, eth(0x8847, &mpls)),
        (lt::NFLOG, nf),
        (lt::LINUX_SLL, {
            let mut s = vec![0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00];
            s.extend_from_slice(&ipv4_full(
                A,
                B,
                6,
                1,
                0,
                &[1, 1, 1, 0],
                &tcp(&A, &B, 1, 2, 2, &[3, 3, 2, 0], b"x"),
            ));
            s
        }),
    ]
}

#[test]
fn truncation_at_every_length_never_panics() {
    for (l, p) in samples() {
        let mut d = dec();
        let full = d.decode(0, l, &p);
        assert!(!full.frames.is_empty(), "lt {l}: {:?}", full.weirds);
        drop(full);
        for n in 0..p.len() {
            let mut d = dec();
            let r = d.decode(0, l, &p[..n]);
            // A cut packet is either quietly incomplete or flagged.
            let _ = (r.frames.len(), r.weirds.len());
            let r = d.decode_wire(0, l, &p[..n], p.len() as u32);
            let _ = r.frames.len();
        }
    }
}

#[test]
fn mutations_never_panic() {
    let mut seed = 0x1234_5678_9abc_def0u64;
    let mut rnd = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut d = dec();
    for (l, p) in samples() {
        for _ in 0..3000 {
            let mut q = p.clone();
            for _ in 0..(rnd() % 4 + 1) {
                let i = (rnd() as usize) % q.len();
                q[i] = rnd() as u8;
            }
            let r = d.decode(0, l, &q);
            let _ = r.frames.len();
        }
    }
}

#[test]
fn dispatch_hash_is_symmetric() {
    let ab = tcp4_packet(b"x");
    let ba = eth(
        0x0800,
        &ipv4_full(B, A, 6, 9, 0, &[], &tcp(&B, &A, 80, 1234, 0x10, &[], b"")),
    );
    let h = wire::dispatch_hash(lt::ETHERNET, &ab);
    assert_ne!(h, 0);
    assert_eq!(h, wire::dispatch_hash(lt::ETHERNET, &ba));
    // Fragments and tunnels of the same outer pair.
    let fr = frags4(3, &udp(&A, &B, 1, 2, &[0u8; 100]), 64);
    assert_eq!(h, wire::dispatch_hash(lt::RAW, &fr[1]));
    assert_eq!(h, wire::dispatch_hash(lt::RAW, &ipv4(4, &inner_tcp4())));
    // VLAN tags do not change it (Zeek's connection key ignores them);
    // non-IP is 0; IPv6 symmetric.
    assert_eq!(
        h,
        wire::dispatch_hash(
            lt::ETHERNET,
            &eth(0x8100, &vlan(7, 0x0800, &ipv4(6, &[0u8; 20])))
        )
    );
    assert_eq!(
        wire::dispatch_hash(lt::ETHERNET, &eth(0x0806, &[0u8; 28])),
        0
    );
    let x = wire::dispatch_hash(lt::RAW, &ipv6_ext(A6, B6, 59, &[]));
    assert_eq!(x, wire::dispatch_hash(lt::RAW, &ipv6_ext(B6, A6, 59, &[])));
    // Plain Ethernet (hashed without the link walk) agrees with raw IP.
    let framed = eth(0x86dd, &ipv6_ext(B6, A6, 59, &[]));
    assert_eq!(x, wire::dispatch_hash(lt::ETHERNET, &framed));
    assert_ne!(x, 0);
}

#[test]
#[ignore]
fn bench_decode_ethernet_ipv4_tcp() {
    let pkt = tcp4_packet(&[0x41; 1000]);
    let small = tcp4_packet(b"");
    for (name, p) in [("1054-byte", &pkt), ("54-byte", &small)] {
        let mut d = dec();
        let n = 2_000_000;
        let t = std::time::Instant::now();
        let mut acc = 0usize;
        let mut acc2 = 0usize;
        for i in 0..n {
            let r = d.decode(i, lt::ETHERNET, std::hint::black_box(p));
            acc += r.frames.len();
        }
        let el = t.elapsed();
        assert_eq!(acc, n as usize);
        println!(
            "{name} with checksums: {:.1} ns/packet",
            el.as_nanos() as f64 / n as f64
        );
        let mut d = Decoder::new(DecodeConfig {
            verify_checksums: false,
            ..Default::default()
        });
        let t = std::time::Instant::now();
        for i in 0..n {
            let r = d.decode(i, lt::ETHERNET, std::hint::black_box(p));
            acc2 += r.frames.len();
        }
        assert_eq!(acc2, n as usize);
        println!(
            "{name} without checksums: {:.1} ns/packet",
            t.elapsed().as_nanos() as f64 / n as f64
        );
    }
}

#[test]
fn sizes() {
    println!(
        "Decoded {} Frame {} Transport {}",
        std::mem::size_of::<Decoded>(),
        std::mem::size_of::<wire::Frame>(),
        std::mem::size_of::<Transport>()
    );
}
