//! The decode driver: link layer → IP → transport → tunnels → inner IP ...
use crate::checksum;
use crate::frag::{FragConfig, FragKey, FragTable, Fragment};
use crate::link::{self, be16, LinkState};
use crate::tunnel::{self, Inner, InnerKind};
use crate::{Decoded, Frame, IcmpInfo, Nanos, TcpInfo, Transport, TunnelKind, UdpInfo, Weird};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Settings that change what the decoder does.
#[derive(Clone, Debug)]
pub struct DecodeConfig {
    /// Verify IP/TCP/UDP/ICMP checksums (Zeek's default; off with `-C`).
    pub verify_checksums: bool,
    /// Maximum tunnel nesting (Zeek's `Tunnel::max_depth`, default 4).
    pub max_tunnel_depth: usize,
    /// Fragment reassembly limits and timeout.
    pub frag: FragConfig,
    /// Zeek's `PacketAnalyzer::max_depth` (25; 0 = no limit): analyzer
    /// steps per packet before `max_packet_analyzer_depth_exceeded`.
    pub max_analyzer_depth: usize,
    /// Zeek's `Tunnel::validate_vxlan_checksums` (default true).
    pub validate_vxlan_checksums: bool,
}

impl Default for DecodeConfig {
    fn default() -> Self {
        DecodeConfig {
            verify_checksums: true,
            max_tunnel_depth: 4,
            frag: FragConfig::default(),
            max_analyzer_depth: 25,
            validate_vxlan_checksums: true,
        }
    }
}

/// Counters a decoder keeps (for the stats log).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DecodeStats {
    pub packets: u64,
    /// Fragments seen (that went to reassembly).
    pub fragments: u64,
    /// Datagrams completed from fragments.
    pub reassembled: u64,
}

/// Number of reassembly output buffers (fragmented packets per packet, one
/// per encapsulation level).
const REASSEMBLY_BUFFERS: usize = 3;

/// Per-worker decoder; owns the fragment reassembly state.
#[derive(Debug, Default)]
pub struct Decoder {
    pub config: DecodeConfig,
    frag: FragTable,
    bufs: [Vec<u8>; REASSEMBLY_BUFFERS],
    pub stats: DecodeStats,
}

impl Decoder {
    pub fn new(config: DecodeConfig) -> Self {
        let frag = FragTable::new(config.frag.clone());
        Decoder {
            config,
            frag,
            bufs: Default::default(),
            stats: DecodeStats::default(),
        }
    }

    /// The fragment table (sizes, evictions, timeouts).
    pub fn frag_table(&self) -> &FragTable {
        &self.frag
    }

    /// Decode one captured packet of the given link type (wire length taken
    /// to be the captured length).
    pub fn decode<'a>(&'a mut self, ts: Nanos, linktype: u32, data: &'a [u8]) -> Decoded<'a> {
        let wire = data.len() as u32;
        self.decode_wire(ts, linktype, data, wire)
    }

    /// Decode one captured packet whose original length on the wire was
    /// `wire_len` (longer than `data` when the snap length cut it).
    pub fn decode_wire<'a>(
        &'a mut self,
        ts: Nanos,
        linktype: u32,
        data: &'a [u8],
        wire_len: u32,
    ) -> Decoded<'a> {
        let mut out = Decoded::default();
        self.decode_into(ts, linktype, data, wire_len, &mut out);
        out
    }

    /// Like [`Decoder::decode_wire`], into a `Decoded` the caller made
    /// fresh (`Decoded::default()`). The hot path uses this: the result is
    /// several hundred bytes, and returning it by value costs a copy per
    /// packet.
    pub fn decode_into<'a>(
        &'a mut self,
        ts: Nanos,
        linktype: u32,
        data: &'a [u8],
        wire_len: u32,
        out: &mut Decoded<'a>,
    ) {
        self.stats.packets += 1;
        let Decoder {
            config,
            frag,
            bufs,
            stats,
        } = self;
        let mut w = Walk {
            cfg: config,
            frag,
            spare: &mut bufs[..],
            stats,
            out,
            ts,
            uncaptured: wire_len.saturating_sub(data.len() as u32) as usize,
            steps: 0,
        };
        let mut st = LinkState::new(w.cfg.max_analyzer_depth);
        let ip = link::link(linktype, data, &mut st);
        w.out.link.src_mac = st.src_mac;
        w.out.link.dst_mac = st.dst_mac;
        w.out.link.vlan = st.vlan;
        w.out.link.inner_vlan = st.inner_vlan;
        w.steps = st.steps;
        w.link_weirds(&st, 0);
        if let Some(ip) = ip {
            w.run(ip);
        }
    }
}

struct Walk<'a, 'c> {
    cfg: &'c DecodeConfig,
    frag: &'a mut FragTable,
    spare: &'a mut [Vec<u8>],
    stats: &'c mut DecodeStats,
    out: &'c mut Decoded<'a>,
    ts: Nanos,
    uncaptured: usize,
    steps: usize,
}

type Addrs = Option<(IpAddr, IpAddr)>;

/// The result of the IP layer for one frame.
struct IpOut<'a> {
    frame: Frame<'a>,
    next: Option<Inner<'a>>,
}

impl<'a, 'c> Walk<'a, 'c> {
    fn weird(
        &mut self,
        level: usize,
        name: &'static str,
        source: &'static str,
        addrs: Addrs,
        addl: Option<String>,
    ) {
        let name = if level > 0 { in_tunnel(name) } else { name };
        self.out.weirds.push(Weird {
            name,
            addl,
            source,
            addrs,
        });
    }

    /// Record what a tunnel decoder found; returns the inner packet to
    /// follow, if any.
    fn tunnel_outcome(
        &mut self,
        outcome: tunnel::Outcome<'a>,
        level: usize,
        addrs: Addrs,
    ) -> Option<Inner<'a>> {
        match outcome {
            tunnel::Outcome::None => None,
            tunnel::Outcome::Inner(i) => Some(i),
            tunnel::Outcome::Weird {
                name,
                source,
                addl,
                inner,
            } => {
                self.weird(level, name, source, addrs, addl);
                inner
            }
            tunnel::Outcome::ConnWeird {
                name,
                source,
                inner,
            } => {
                // Raised on the carrying connection: no `_in_tunnel` suffix.
                self.out.weirds.push(Weird {
                    name,
                    addl: None,
                    source,
                    addrs,
                });
                inner
            }
        }
    }

    fn link_weirds(&mut self, st: &LinkState, level: usize) {
        if st.triple_vlan {
            self.weird(
                level,
                "triple_tagged_vlan_unsupported",
                "VLAN",
                None,
                Some("inner VLAN tag overwritten".to_string()),
            );
        }
        if let Some(lw) = st.weird {
            self.weird(level, lw.name, lw.source, None, lw.addl.render());
        }
    }

    fn run(&mut self, mut ip: &'a [u8]) {
        let mut level = 0usize;
        let mut kind: Option<TunnelKind> = None;
        loop {
            let Some(res) = self.ip(ip, level, kind) else {
                return;
            };
            if !self.out.frames.push(res.frame) {
                return;
            }
            let Some(inner) = res.next else { return };
            level += 1;
            kind = Some(inner.kind);
            let bytes = match inner.payload {
                InnerKind::Ip(b) => Some(b),
                InnerKind::Ethernet(b) => {
                    let mut st = LinkState::new(self.cfg.max_analyzer_depth);
                    st.steps = self.steps;
                    let r = link::ethernet(b, &mut st, false);
                    self.steps = st.steps;
                    self.link_weirds(&st, level);
                    r
                }
                InnerKind::Ieee80211(b) => {
                    let mut st = LinkState::new(self.cfg.max_analyzer_depth);
                    st.steps = self.steps;
                    let r = link::ieee802_11(b, &mut st);
                    self.steps = st.steps;
                    self.link_weirds(&st, level);
                    r
                }
            };
            match bytes {
                Some(b) => ip = b,
                None => return,
            }
        }
    }

    /// Decodes one IP packet (and its transport header); says what is
    /// tunnelled inside, if anything.
    fn ip(
        &mut self,
        data: &'a [u8],
        level: usize,
        tunnel: Option<TunnelKind>,
    ) -> Option<IpOut<'a>> {
        if data.len() < 20 {
            self.weird(level, "truncated_IP", "IP", None, None);
            return None;
        }
        let version = data[0] >> 4;
        let v6 = match version {
            4 => false,
            6 => {
                if data.len() < 40 {
                    self.weird(level, "truncated_IP", "IP", None, None);
                    return None;
                }
                true
            }
            _ => {
                self.weird(level, "unknown_ip_version", "IP", None, None);
                return None;
            }
        };
        let mut total = if v6 {
            be16(data, 4)? as usize + 40
        } else {
            be16(data, 2)? as usize
        };
        // What the header claims is what Zeek counts as IP bytes, even when
        // segmentation offload left it zero.
        let header_total = total;
        if total == 0 {
            self.weird(level, "ip_hdr_len_zero", "IP", None, None);
            if self.cfg.verify_checksums {
                return None;
            }
            total = data.len();
        }
        if data.len() + self.uncaptured < total {
            self.weird(level, "truncated_IP_len", "IP", None, None);
            return None;
        }
        let (src, dst) = if v6 {
            let s: [u8; 16] = data[8..24].try_into().ok()?;
            let d: [u8; 16] = data[24..40].try_into().ok()?;
            (IpAddr::V6(Ipv6Addr::from(s)), IpAddr::V6(Ipv6Addr::from(d)))
        } else {
            let s: [u8; 4] = data[12..16].try_into().ok()?;
            let d: [u8; 4] = data[16..20].try_into().ok()?;
            (IpAddr::V4(Ipv4Addr::from(s)), IpAddr::V4(Ipv4Addr::from(d)))
        };
        let addrs = Some((src, dst));

        // Header length (IPv6: the extension header chain).
        let chain = if v6 {
            let c = v6_chain(data, 40, data[6], total.min(data.len()));
            if c.truncated {
                // The chain runs past what was captured (or claimed).
                if c.hdr_len > total {
                    self.weird(level, "invalid_IP_header_size", "IP", None, None);
                } else {
                    self.weird(level, "internally_truncated_header", "IP", None, None);
                }
                return None;
            }
            Some(c)
        } else {
            None
        };
        let hl = match &chain {
            Some(c) => c.hdr_len,
            None => (data[0] & 0x0f) as usize * 4,
        };
        if hl > total {
            self.weird(level, "invalid_IP_header_size", "IP", None, None);
            return None;
        }
        if hl > data.len() {
            self.weird(level, "internally_truncated_header", "IP", None, None);
            return None;
        }
        if !v6 && hl < 20 {
            self.weird(level, "IPv4_min_header_size", "IP", None, None);
            return None;
        }
        if !v6 && self.cfg.verify_checksums && checksum::sum(&data[..hl]) != 0xffff {
            self.weird(level, "bad_IP_checksum", "IP", addrs, None);
            return None;
        }
        let ttl = if v6 { data[7] } else { data[8] };

        // Fragments.
        let (is_frag, frag_off, more, df, id) = match &chain {
            Some(c) => match c.frag {
                Some(f) => (true, f.offset, f.more, false, f.id),
                None => (false, 0, false, false, 0),
            },
            None => {
                let ff = be16(data, 6)?;
                let off = (ff & 0x1fff) as u32 * 8;
                let mf = ff & 0x2000 != 0;
                (
                    off != 0 || mf,
                    off,
                    mf,
                    ff & 0x4000 != 0,
                    be16(data, 4)? as u32,
                )
            }
        };
        let mut data = data;
        let mut hl = hl;
        let mut proto = match &chain {
            Some(c) => c.last,
            None => data[9],
        };
        let mut reassembled = false;
        if is_frag {
            if data.len() < total {
                self.weird(level, "incompletely_captured_fragment", "IP", addrs, None);
                if frag_off != 0 {
                    return None;
                }
            } else {
                self.stats.fragments += 1;
                let (unfrag_len, fproto, payload_start) = match &chain {
                    Some(c) => {
                        let f = c.frag?;
                        (f.unfrag_len, f.next, f.unfrag_len + 8)
                    }
                    None => (hl, data[9], hl),
                };
                let fragment = Fragment {
                    header: data.get(..unfrag_len)?,
                    proto: fproto,
                    offset: frag_off,
                    more,
                    dont_fragment: df,
                    payload: data.get(payload_start..total)?,
                };
                let key = FragKey { src, dst, id };
                let spare = std::mem::take(&mut self.spare);
                let (buf, rest) = spare.split_first_mut()?;
                let mut names: [&'static str; 8] = [""; 8];
                let mut n = 0usize;
                let mut sink = |name: &'static str| {
                    if n < names.len() {
                        names[n] = name;
                        n += 1;
                    }
                };
                let done = self.frag.add(self.ts, key, fragment, buf, &mut sink);
                for name in names.iter().take(n) {
                    // Zeek reports fragment weirds against the IP header,
                    // not the packet: no `_in_tunnel` suffix, no source.
                    self.out.weirds.push(Weird {
                        name,
                        addl: None,
                        source: "",
                        addrs,
                    });
                }
                // Decoding stops here when incomplete, so the buffer is
                // spent either way.
                self.spare = rest;
                let r = done?;
                self.stats.reassembled += 1;
                // Patch the length fields of the rebuilt header.
                let len = buf.len();
                if v6 {
                    let plen = (len.saturating_sub(40)).min(0xffff) as u16;
                    if let Some(b) = buf.get_mut(4..6) {
                        b.copy_from_slice(&plen.to_be_bytes());
                    }
                    if let Some(b) = buf.get_mut(6) {
                        // The unfragmentable chain now leads to the payload.
                        *b = if r.header_len == 40 { r.proto } else { *b };
                    }
                } else {
                    let tl = len.min(0xffff) as u16;
                    if let Some(b) = buf.get_mut(2..4) {
                        b.copy_from_slice(&tl.to_be_bytes());
                    }
                    if let Some(b) = buf.get_mut(6..8) {
                        b.copy_from_slice(&[0, 0]);
                    }
                }
                let buf: &'a [u8] = &buf[..];
                data = buf;
                total = buf.len();
                if v6 {
                    let c = v6_chain(buf, r.header_len, r.proto, total);
                    if c.truncated || c.hdr_len > total {
                        self.weird(level, "invalid_IP_header_size", "IP", None, None);
                        return None;
                    }
                    hl = c.hdr_len;
                    proto = c.last;
                } else {
                    hl = r.header_len;
                    proto = r.proto;
                }
                reassembled = true;
            }
        }

        // Payload views: `body` clipped to the IP length, `rest` everything
        // captured after the header (what Zeek hands to tunnels).
        let end = total.min(data.len());
        let body = data.get(hl..end).unwrap_or(&[]);
        let rest = data.get(hl..).unwrap_or(&[]);
        let claimed = (total - hl) as u32;

        let mut frame = Frame {
            src,
            dst,
            proto,
            ip_len: if reassembled { total } else { header_total } as u32,
            ttl,
            ip_checksum_ok: true,
            reassembled,
            tunnel,
            transport: Transport::Other { payload: body },
        };

        if let Some(c) = &chain {
            if c.stopped_at_mobility || proto == 50 {
                return Some(IpOut { frame, next: None });
            }
        }

        let full = body.len() as u32 >= claimed && self.uncaptured == 0;
        let verify = self.cfg.verify_checksums;
        let mut next = None;
        match proto {
            6 => {
                if claimed < 20 || body.len() < 20 {
                    let name = if claimed < 20 {
                        "truncated_header"
                    } else {
                        "internally_truncated_header"
                    };
                    self.weird(level, name, "TCP", addrs, None);
                    return None;
                }
                let off = (body[12] >> 4) as usize * 4;
                if off < 20 {
                    self.weird(level, "bad_TCP_header_len", "TCP", addrs, None);
                    return None;
                }
                if off > claimed as usize {
                    self.weird(level, "truncated_header", "TCP", addrs, None);
                    return None;
                }
                let flags = body[13];
                let mut window_scale = None;
                if flags & 0x02 != 0 {
                    // Options cut by the snap length are read as far as captured.
                    window_scale = tcp_wscale(body.get(20..off.min(body.len())).unwrap_or(&[]));
                }
                let checksum_ok = if verify && full {
                    let acc = checksum::pseudo(src, dst, 6, claimed);
                    checksum::fold(checksum::add(acc, body)) == 0xffff
                } else {
                    true
                };
                frame.transport = Transport::Tcp(TcpInfo {
                    src_port: u16::from_be_bytes([body[0], body[1]]),
                    dst_port: u16::from_be_bytes([body[2], body[3]]),
                    seq: u32::from_be_bytes([body[4], body[5], body[6], body[7]]),
                    ack: u32::from_be_bytes([body[8], body[9], body[10], body[11]]),
                    flags,
                    window: u16::from_be_bytes([body[14], body[15]]),
                    window_scale,
                    payload: body.get(off..).unwrap_or(&[]),
                    payload_len: claimed - off as u32,
                    checksum_ok,
                    hdr_len: off as u8,
                    truncated_header: off > body.len(),
                });
            }
            17 => {
                if claimed < 8 || body.len() < 8 {
                    let name = if claimed < 8 {
                        "truncated_header"
                    } else {
                        "internally_truncated_header"
                    };
                    self.weird(level, name, "UDP", addrs, None);
                    return None;
                }
                let sport = u16::from_be_bytes([body[0], body[1]]);
                let dport = u16::from_be_bytes([body[2], body[3]]);
                let ulen = u16::from_be_bytes([body[4], body[5]]);
                let csum = u16::from_be_bytes([body[6], body[7]]);
                let payload = &body[8..];
                let mut validate = verify && full;
                if validate
                    && payload.len() > 8 + 14
                    && payload[0] & 0x08 != 0
                    && dport == tunnel::VXLAN_PORT
                {
                    validate = csum != 0 && self.cfg.validate_vxlan_checksums;
                }
                let checksum_ok = if validate && (v6 || csum != 0) {
                    let acc = checksum::pseudo(src, dst, 17, claimed);
                    checksum::fold(checksum::add(acc, body)) == 0xffff
                } else {
                    true
                };
                let mut confirmed = None;
                if checksum_ok {
                    let max = self.cfg.max_tunnel_depth;
                    let found = tunnel::udp(sport, dport, payload, level, max);
                    confirmed = found.confirmed;
                    next = self.tunnel_outcome(found.outcome, level, addrs);
                }
                frame.transport = Transport::Udp(UdpInfo {
                    src_port: sport,
                    dst_port: dport,
                    payload,
                    payload_len: claimed - 8,
                    checksum_ok,
                    ulen,
                    tunnel: confirmed,
                });
            }
            1 | 58 => {
                let is6 = proto == 58;
                if claimed < 8 || body.len() < 8 {
                    let name = if claimed < 8 {
                        "truncated_header"
                    } else {
                        "internally_truncated_header"
                    };
                    self.weird(level, name, "ICMP", addrs, None);
                    return None;
                }
                let checksum_ok = if verify && full {
                    let acc = if is6 {
                        checksum::pseudo(src, dst, 58, claimed)
                    } else {
                        0
                    };
                    checksum::fold(checksum::add(acc, body)) == 0xffff
                } else {
                    true
                };
                frame.transport = Transport::Icmp(IcmpInfo {
                    v6: is6,
                    icmp_type: body[0],
                    code: body[1],
                    body: &body[4..],
                    len: claimed,
                    checksum_ok,
                });
            }
            59 if tunnel != Some(TunnelKind::Teredo) => {
                self.weird(level, "ipv6_no_next", "IP", addrs, None);
            }
            4 | 41 | 47 => {
                let max = self.cfg.max_tunnel_depth;
                let outcome = tunnel::ip_proto(proto, rest, level, max);
                next = self.tunnel_outcome(outcome, level, addrs);
            }
            _ => {}
        }
        Some(IpOut { frame, next })
    }
}

/// Window scale option of a SYN.
fn tcp_wscale(mut opts: &[u8]) -> Option<u8> {
    while let Some(&kind) = opts.first() {
        match kind {
            0 => return None,
            1 => opts = &opts[1..],
            _ => {
                let len = *opts.get(1)? as usize;
                if len < 2 || len > opts.len() {
                    return None;
                }
                if kind == 3 && len == 3 {
                    return Some(opts[2]);
                }
                opts = &opts[len..];
            }
        }
    }
    None
}

#[derive(Clone, Copy, Debug)]
struct V6Frag {
    offset: u32,
    more: bool,
    id: u32,
    /// Length of the unfragmentable part (base header + preceding ext hdrs).
    unfrag_len: usize,
    /// Next header field of the fragment header.
    next: u8,
}

#[derive(Clone, Copy, Debug)]
struct V6Chain {
    hdr_len: usize,
    last: u8,
    frag: Option<V6Frag>,
    truncated: bool,
    stopped_at_mobility: bool,
}

/// Walks an IPv6 extension header chain starting at `off` with next header
/// `next`, within `limit` bytes.
fn v6_chain(data: &[u8], mut off: usize, mut next: u8, limit: usize) -> V6Chain {
    let mut c = V6Chain {
        hdr_len: off,
        last: next,
        frag: None,
        truncated: false,
        stopped_at_mobility: false,
    };
    // Bounded: each header is at least 8 bytes.
    for _ in 0..64 {
        let len = match next {
            0 | 43 | 60 | 135 => match data.get(off + 1) {
                Some(&l) if off + 2 <= limit => (l as usize + 1) * 8,
                _ => {
                    c.truncated = true;
                    return c;
                }
            },
            44 => 8,
            51 => match data.get(off + 1) {
                Some(&l) if off + 2 <= limit => (l as usize + 2) * 4,
                _ => {
                    c.truncated = true;
                    return c;
                }
            },
            _ => break,
        };
        if off + len > limit {
            c.hdr_len = off + len;
            c.truncated = true;
            return c;
        }
        let this = next;
        let nh = data[off];
        if this == 44 && c.frag.is_none() {
            let fo = u16::from_be_bytes([data[off + 2], data[off + 3]]);
            let id =
                u32::from_be_bytes([data[off + 4], data[off + 5], data[off + 6], data[off + 7]]);
            let offset = (fo & 0xfff8) as u32;
            let more = fo & 1 != 0;
            if offset != 0 || more {
                c.frag = Some(V6Frag {
                    offset,
                    more,
                    id,
                    unfrag_len: off,
                    next: nh,
                });
            }
        }
        off += len;
        next = nh;
        if this == 135 {
            c.stopped_at_mobility = true;
            c.hdr_len = off;
            c.last = 135;
            return c;
        }
        if c.frag.is_some() && this == 44 {
            // Headers after a fragment header belong to the fragmentable
            // part: parse them only once reassembled.
            if c.frag.map(|f| f.offset != 0).unwrap_or(false) {
                break;
            }
        }
    }
    c.hdr_len = off;
    c.last = next;
    c
}

/// Zeek appends `_in_tunnel` to packet weirds inside a tunnel.
fn in_tunnel(name: &'static str) -> &'static str {
    macro_rules! table {
        ($($n:literal),* $(,)?) => {
            match name {
                $($n => concat!($n, "_in_tunnel"),)*
                _ => name,
            }
        };
    }
    table!(
        "truncated_IP",
        "unknown_ip_version",
        "ip_hdr_len_zero",
        "truncated_IP_len",
        "invalid_IP_header_size",
        "internally_truncated_header",
        "IPv4_min_header_size",
        "bad_IP_checksum",
        "incompletely_captured_fragment",
        "ipv6_no_next",
        "truncated_header",
        "bad_TCP_header_len",
        "exceeded_tunnel_max_depth",
        "invalid_inner_IP_version",
        "truncated_inner_IP",
        "inner_IP_payload_length_mismatch",
        "truncated_GRE",
        "unknown_gre_version",
        "egre_protocol_type",
        "gre_routing",
        "unknown_gre_flags",
        "non_ip_packet_in_encap",
        "vxlan_empty_packet",
        "geneve_empty_packet",
        "geneve_invalid_version",
        "ayiya_empty_packet",
        "truncated_ethernet_frame",
        "truncated_link_header_cfp",
        "undefined_ether_type",
        "truncated_VLAN_header",
        "undefined_vlan_protocol",
        "triple_tagged_vlan_unsupported",
        "truncated_link_header",
        "truncated_pppoe_header",
        "truncated_PBB_header",
        "truncated_vntag_header",
        "truncated_snap_llc_header",
        "truncated_snap_header",
        "truncated_802_11_header",
        "max_packet_analyzer_depth_exceeded",
    )
}
