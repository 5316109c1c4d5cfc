//! Single packets: Ethernet (optionally VLAN-tagged) or raw IP, IPv4 or
//! IPv6, carrying TCP, UDP or ICMP with correct checksums.

use std::net::IpAddr;

pub const FIN: u8 = 0x01;
pub const SYN: u8 = 0x02;
pub const RST: u8 = 0x04;
pub const PSH: u8 = 0x08;
pub const ACK: u8 = 0x10;

#[derive(Debug, Clone)]
enum L4 {
    Tcp {
        sport: u16,
        dport: u16,
        seq: u32,
        ack: u32,
        flags: u8,
        window: u16,
    },
    Udp {
        sport: u16,
        dport: u16,
    },
    Icmp {
        icmp_type: u8,
        code: u8,
        rest: [u8; 4],
    },
}

/// A packet under construction.
#[derive(Debug, Clone)]
pub struct Packet {
    src: IpAddr,
    dst: IpAddr,
    l4: L4,
    payload: Vec<u8>,
    ttl: u8,
    vlans: Vec<u16>,
    bad_checksum: bool,
    macs: ([u8; 6], [u8; 6]),
}

/// RFC 1071 ones' complement sum.
pub fn checksum(chunks: &[&[u8]]) -> u16 {
    let mut sum: u32 = 0;
    let mut odd: Option<u8> = None;
    for chunk in chunks {
        for &b in chunk.iter() {
            match odd.take() {
                Some(hi) => sum += u32::from(u16::from_be_bytes([hi, b])),
                None => odd = Some(b),
            }
        }
    }
    if let Some(hi) = odd {
        sum += u32::from(u16::from_be_bytes([hi, 0]));
    }
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

fn addr_bytes(ip: IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

impl Packet {
    fn new(src: IpAddr, dst: IpAddr, l4: L4) -> Self {
        Packet {
            src,
            dst,
            l4,
            payload: Vec::new(),
            ttl: 64,
            vlans: Vec::new(),
            bad_checksum: false,
            macs: ([0x02, 0, 0, 0, 0, 1], [0x02, 0, 0, 0, 0, 2]),
        }
    }

    pub fn tcp(src: IpAddr, sport: u16, dst: IpAddr, dport: u16) -> Self {
        Self::new(
            src,
            dst,
            L4::Tcp {
                sport,
                dport,
                seq: 0,
                ack: 0,
                flags: 0,
                window: 65535,
            },
        )
    }
    pub fn udp(src: IpAddr, sport: u16, dst: IpAddr, dport: u16) -> Self {
        Self::new(src, dst, L4::Udp { sport, dport })
    }
    /// ICMP (or ICMPv6 for IPv6 addresses) with the 4 bytes after the
    /// checksum (identifier and sequence for echo messages).
    pub fn icmp(src: IpAddr, dst: IpAddr, icmp_type: u8, code: u8, rest: [u8; 4]) -> Self {
        Self::new(
            src,
            dst,
            L4::Icmp {
                icmp_type,
                code,
                rest,
            },
        )
    }
    /// An echo request (or reply) with identifier and sequence number.
    pub fn icmp_echo(src: IpAddr, dst: IpAddr, id: u16, seq: u16, reply: bool) -> Self {
        let v6 = src.is_ipv6();
        let t = match (v6, reply) {
            (false, false) => 8,
            (false, true) => 0,
            (true, false) => 128,
            (true, true) => 129,
        };
        let mut rest = [0u8; 4];
        rest[..2].copy_from_slice(&id.to_be_bytes());
        rest[2..].copy_from_slice(&seq.to_be_bytes());
        Self::icmp(src, dst, t, 0, rest)
    }

    pub fn flags(mut self, f: u8) -> Self {
        if let L4::Tcp { flags, .. } = &mut self.l4 {
            *flags = f;
        }
        self
    }
    pub fn seq(mut self, s: u32) -> Self {
        if let L4::Tcp { seq, .. } = &mut self.l4 {
            *seq = s;
        }
        self
    }
    pub fn ack(mut self, a: u32) -> Self {
        if let L4::Tcp { ack, .. } = &mut self.l4 {
            *ack = a;
        }
        self
    }
    pub fn window(mut self, w: u16) -> Self {
        if let L4::Tcp { window, .. } = &mut self.l4 {
            *window = w;
        }
        self
    }
    pub fn payload(mut self, p: &[u8]) -> Self {
        self.payload = p.to_vec();
        self
    }
    pub fn ttl(mut self, t: u8) -> Self {
        self.ttl = t;
        self
    }
    /// Add an 802.1Q tag (call twice for Q-in-Q, outer first).
    pub fn vlan(mut self, id: u16) -> Self {
        self.vlans.push(id);
        self
    }
    pub fn macs(mut self, src: [u8; 6], dst: [u8; 6]) -> Self {
        self.macs = (src, dst);
        self
    }
    /// Corrupt the transport checksum.
    pub fn bad_checksum(mut self) -> Self {
        self.bad_checksum = true;
        self
    }

    fn proto(&self) -> u8 {
        match (&self.l4, self.src.is_ipv6()) {
            (L4::Tcp { .. }, _) => 6,
            (L4::Udp { .. }, _) => 17,
            (L4::Icmp { .. }, false) => 1,
            (L4::Icmp { .. }, true) => 58,
        }
    }

    fn transport(&self) -> Vec<u8> {
        let mut t = match &self.l4 {
            L4::Tcp {
                sport,
                dport,
                seq,
                ack,
                flags,
                window,
            } => {
                let mut t = Vec::with_capacity(20 + self.payload.len());
                t.extend_from_slice(&sport.to_be_bytes());
                t.extend_from_slice(&dport.to_be_bytes());
                t.extend_from_slice(&seq.to_be_bytes());
                t.extend_from_slice(&ack.to_be_bytes());
                t.extend_from_slice(&[0x50, *flags]);
                t.extend_from_slice(&window.to_be_bytes());
                t.extend_from_slice(&[0, 0, 0, 0]);
                t
            }
            L4::Udp { sport, dport } => {
                let mut t = Vec::with_capacity(8 + self.payload.len());
                t.extend_from_slice(&sport.to_be_bytes());
                t.extend_from_slice(&dport.to_be_bytes());
                t.extend_from_slice(&((8 + self.payload.len()) as u16).to_be_bytes());
                t.extend_from_slice(&[0, 0]);
                t
            }
            L4::Icmp {
                icmp_type,
                code,
                rest,
            } => {
                let mut t = vec![*icmp_type, *code, 0, 0];
                t.extend_from_slice(rest);
                t
            }
        };
        t.extend_from_slice(&self.payload);
        let proto = self.proto();
        let len = (t.len() as u32).to_be_bytes();
        let (src, dst) = (addr_bytes(self.src), addr_bytes(self.dst));
        let sum = if proto == 1 {
            checksum(&[&t])
        } else {
            checksum(&[&src, &dst, &[0, proto], &len, &t])
        };
        let sum = if self.bad_checksum {
            sum.wrapping_add(1)
        } else {
            sum
        };
        let at = match proto {
            6 => 16,
            17 => 6,
            _ => 2,
        };
        t[at..at + 2].copy_from_slice(&sum.to_be_bytes());
        t
    }

    /// The IP packet (no link layer).
    pub fn build_ip(&self) -> Vec<u8> {
        ip_packet(
            self.src,
            self.dst,
            self.proto(),
            self.ttl,
            &self.transport(),
        )
    }

    /// The Ethernet frame.
    pub fn build(&self) -> Vec<u8> {
        ethernet(self.macs, &self.vlans, &self.build_ip())
    }
}

/// An IP header (v4 or v6 by address family) in front of `payload`.
pub fn ip_packet(src: IpAddr, dst: IpAddr, proto: u8, ttl: u8, payload: &[u8]) -> Vec<u8> {
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let mut h = vec![0x45, 0];
            h.extend_from_slice(&((20 + payload.len()) as u16).to_be_bytes());
            h.extend_from_slice(&[0x12, 0x34, 0x40, 0x00, ttl, proto, 0, 0]);
            h.extend_from_slice(&s.octets());
            h.extend_from_slice(&d.octets());
            let sum = checksum(&[&h]);
            h[10..12].copy_from_slice(&sum.to_be_bytes());
            h.extend_from_slice(payload);
            h
        }
        (s, d) => {
            let mut h = vec![0x60, 0, 0, 0];
            h.extend_from_slice(&(payload.len() as u16).to_be_bytes());
            h.extend_from_slice(&[proto, ttl]);
            h.extend_from_slice(&addr_bytes(s));
            h.extend_from_slice(&addr_bytes(d));
            h.extend_from_slice(payload);
            h
        }
    }
}

/// Wrap an IP packet in Ethernet, with optional 802.1Q tags.
pub fn ethernet(macs: ([u8; 6], [u8; 6]), vlans: &[u16], ip: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(14 + 4 * vlans.len() + ip.len());
    f.extend_from_slice(&macs.1);
    f.extend_from_slice(&macs.0);
    for v in vlans {
        f.extend_from_slice(&[0x81, 0x00]);
        f.extend_from_slice(&v.to_be_bytes());
    }
    let ethertype: u16 = if ip.first().map(|b| b >> 4) == Some(6) {
        0x86dd
    } else {
        0x0800
    };
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(ip);
    f
}

/// Split an IPv4 packet into fragments carrying at most `mtu` bytes of IP
/// payload each (rounded down to a multiple of 8).
pub fn fragment_ipv4(ip: &[u8], mtu: usize) -> Vec<Vec<u8>> {
    let ihl = ((ip[0] & 0x0f) as usize) * 4;
    let (header, payload) = ip.split_at(ihl);
    let step = (mtu.max(8) / 8) * 8;
    let mut out = Vec::new();
    let mut off = 0;
    while off < payload.len() {
        let end = (off + step).min(payload.len());
        let more = end < payload.len();
        let mut h = header.to_vec();
        h[2..4].copy_from_slice(&((ihl + end - off) as u16).to_be_bytes());
        let frag = ((off / 8) as u16) | if more { 0x2000 } else { 0 };
        h[6..8].copy_from_slice(&frag.to_be_bytes());
        h[10..12].copy_from_slice(&[0, 0]);
        let sum = checksum(&[&h]);
        h[10..12].copy_from_slice(&sum.to_be_bytes());
        h.extend_from_slice(&payload[off..end]);
        out.push(h);
        off = end;
    }
    out
}

/// A VXLAN packet (UDP to port 4789) from `outer_src` to `outer_dst`
/// carrying `inner_frame` (an Ethernet frame).
pub fn vxlan(
    outer_src: IpAddr,
    sport: u16,
    outer_dst: IpAddr,
    vni: u32,
    inner_frame: &[u8],
) -> Packet {
    let mut body = vec![0x08, 0, 0, 0];
    body.extend_from_slice(&(vni << 8).to_be_bytes());
    body.extend_from_slice(inner_frame);
    Packet::udp(outer_src, sport, outer_dst, 4789).payload(&body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn checksums_verify_to_zero() {
        let p = Packet::tcp(ip("10.0.0.1"), 1234, ip("10.0.0.2"), 80)
            .flags(SYN)
            .payload(b"abc")
            .build_ip();
        assert_eq!(checksum(&[&p[..20]]), 0, "IPv4 header");
        let t = &p[20..];
        let len = (t.len() as u32).to_be_bytes();
        assert_eq!(
            checksum(&[&p[12..20], &[0, 6], &len, t]),
            0,
            "TCP with pseudo header"
        );
        let bad = Packet::udp(ip("10.0.0.1"), 1, ip("10.0.0.2"), 2)
            .bad_checksum()
            .build_ip();
        let u = &bad[20..];
        let len = (u.len() as u32).to_be_bytes();
        assert_ne!(checksum(&[&bad[12..20], &[0, 17], &len, u]), 0);
    }

    #[test]
    fn ipv6_and_vlan_framing() {
        let f = Packet::icmp_echo(ip("2001:db8::1"), ip("2001:db8::2"), 7, 1, false)
            .vlan(10)
            .vlan(20)
            .build();
        assert_eq!(&f[12..14], &[0x81, 0x00]);
        assert_eq!(&f[14..16], &10u16.to_be_bytes());
        assert_eq!(&f[20..22], &[0x86, 0xdd]);
        assert_eq!(f[22] >> 4, 6);
        assert_eq!(f[22 + 6], 58);
    }

    #[test]
    fn fragments_reassemble_to_the_original() {
        let p = Packet::udp(ip("10.0.0.1"), 5, ip("10.0.0.2"), 6)
            .payload(&[7u8; 3000])
            .build_ip();
        let frags = fragment_ipv4(&p, 1000);
        assert_eq!(frags.len(), 4);
        let mut payload = Vec::new();
        for f in &frags {
            assert_eq!(checksum(&[&f[..20]]), 0);
            payload.extend_from_slice(&f[20..]);
        }
        assert_eq!(payload, p[20..]);
    }
}
