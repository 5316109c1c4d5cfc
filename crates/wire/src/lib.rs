//! Decode stage: zero-copy views of every header Shrike decodes, turned into a
//! [`Decoded`] packet (link layer facts plus one IP [`Frame`] per encapsulation
//! level) that the flows stage consumes.
//!
//! The decoder never panics and never allocates per packet on the common path;
//! malformed input becomes a [`Weird`] and decoding stops at the layer that
//! could not be understood.

pub mod checksum;
pub mod decode;
pub mod frag;
#[doc(hidden)]
pub mod fuzz_input;
pub mod link;
pub mod linktype;
pub mod tunnel;

pub use decode::{DecodeConfig, DecodeStats, Decoder};
pub use frag::FragConfig;

use std::net::IpAddr;

/// Packet time in nanoseconds since the Unix epoch (network time).
pub type Nanos = i64;

/// Maximum number of encapsulation levels a [`Decoded`] holds. Deeper nesting
/// is a weird (`exceeded_tunnel_max_depth`) and the packet is cut there.
pub const MAX_FRAMES: usize = 8;

/// What the link layer told us about a packet (outermost frame only).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkInfo {
    pub src_mac: Option<[u8; 6]>,
    pub dst_mac: Option<[u8; 6]>,
    /// Outer 802.1Q tag, as Zeek's `vlan`.
    pub vlan: Option<u16>,
    /// Inner 802.1Q tag (Q-in-Q), as Zeek's `inner_vlan`.
    pub inner_vlan: Option<u16>,
}

/// The kind of tunnel that carries a frame, with Zeek's `Tunnel::Type` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TunnelKind {
    IpInIp,
    Teredo,
    Ayiya,
    Gre,
    Vxlan,
    Geneve,
    Gtpv1,
}

impl TunnelKind {
    /// Zeek's enum name as logged in tunnel.log (`Tunnel::VXLAN`).
    pub fn zeek_name(self) -> &'static str {
        match self {
            TunnelKind::IpInIp => "Tunnel::IP",
            TunnelKind::Teredo => "Tunnel::TEREDO",
            TunnelKind::Ayiya => "Tunnel::AYIYA",
            TunnelKind::Gre => "Tunnel::GRE",
            TunnelKind::Vxlan => "Tunnel::VXLAN",
            TunnelKind::Geneve => "Tunnel::GENEVE",
            TunnelKind::Gtpv1 => "Tunnel::GTPv1",
        }
    }
}

/// Transport-layer view of a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport<'a> {
    Tcp(TcpInfo<'a>),
    Udp(UdpInfo<'a>),
    Icmp(IcmpInfo<'a>),
    /// Any other IP protocol, including ESP (50), IPv6 mobility (135) and
    /// no-next-header (59), which Zeek does not turn into connections.
    /// Fragments not yet reassembled produce no frame at all.
    Other {
        payload: &'a [u8],
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpInfo<'a> {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    /// Raw flag byte (FIN=0x01 SYN=0x02 RST=0x04 PSH=0x08 ACK=0x10 URG=0x20 ...).
    pub flags: u8,
    pub window: u16,
    /// Window scale option of a SYN, if present.
    pub window_scale: Option<u8>,
    /// Payload bytes as captured (may be shorter than `payload_len` when the
    /// capture was truncated by the snap length).
    pub payload: &'a [u8],
    /// Payload length according to the IP header.
    pub payload_len: u32,
    /// `false` when the checksum was verified and wrong.
    pub checksum_ok: bool,
    /// TCP header length in bytes (data offset × 4).
    pub hdr_len: u8,
    /// The header (with its options) was cut by the snap length: Zeek
    /// keeps the connection but cannot analyse the segment.
    pub truncated_header: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UdpInfo<'a> {
    pub src_port: u16,
    pub dst_port: u16,
    /// Payload as captured, clipped to the IP length.
    pub payload: &'a [u8],
    /// IP payload length minus the 8-byte UDP header.
    pub payload_len: u32,
    pub checksum_ok: bool,
    /// The UDP header's own length field (Zeek counts conn bytes from it,
    /// and weirds `UDP_datagram_length_mismatch` when it differs from the
    /// IP payload length).
    pub ulen: u16,
    /// The tunnel analyzer that accepted this payload (conn.log's service
    /// for the carrying connection), whether or not its inner packet
    /// could be followed.
    pub tunnel: Option<TunnelKind>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IcmpInfo<'a> {
    /// ICMPv6 when true (types differ).
    pub v6: bool,
    pub icmp_type: u8,
    pub code: u8,
    /// Bytes after the 4-byte type/code/checksum header.
    pub body: &'a [u8],
    /// Length of the ICMP message according to the IP header.
    pub len: u32,
    pub checksum_ok: bool,
}

/// One IP packet at one encapsulation level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// The transport protocol number (after IPv6 extension headers).
    pub proto: u8,
    /// Total IP length from the header (Zeek's `ip_bytes` contribution).
    pub ip_len: u32,
    pub ttl: u8,
    /// `false` when the IPv4 header checksum was verified and wrong.
    pub ip_checksum_ok: bool,
    /// Whether this frame was rebuilt from fragments.
    pub reassembled: bool,
    /// How this frame is carried inside the previous frame; `None` for the
    /// outermost frame.
    pub tunnel: Option<TunnelKind>,
    pub transport: Transport<'a>,
}

/// A protocol anomaly found while decoding, logged to weird.log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Weird {
    /// Zeek's weird name (`truncated_IP`, `invalid_inner_IP_version`, ...).
    pub name: &'static str,
    /// Extra detail for the `addl` column.
    pub addl: Option<String>,
    /// The analyzer that raised it, for the `source` column (`IP`, `VXLAN`, ...).
    pub source: &'static str,
    /// Addresses of the frame it concerns, when known (Zeek's flow weirds).
    pub addrs: Option<(IpAddr, IpAddr)>,
}

/// A decoded packet: link facts, the frames from outermost to innermost, and
/// the weirds seen on the way.
#[derive(Debug, Default)]
pub struct Decoded<'a> {
    pub link: LinkInfo,
    pub frames: FrameStack<'a>,
    pub weirds: Vec<Weird>,
}

/// Fixed-capacity stack of frames (no allocation per packet).
#[derive(Debug, Default)]
pub struct FrameStack<'a> {
    len: usize,
    items: [Option<Frame<'a>>; MAX_FRAMES],
}

impl<'a> FrameStack<'a> {
    pub fn push(&mut self, frame: Frame<'a>) -> bool {
        if self.len == MAX_FRAMES {
            return false;
        }
        self.items[self.len] = Some(frame);
        self.len += 1;
        true
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn iter(&self) -> impl Iterator<Item = &Frame<'a>> {
        self.items[..self.len].iter().flatten()
    }
    pub fn get(&self, i: usize) -> Option<&Frame<'a>> {
        self.items.get(i).and_then(|f| f.as_ref())
    }
    pub fn clear(&mut self) {
        self.len = 0;
        self.items = Default::default();
    }
}

/// Cheap symmetric hash of a packet's outermost IP address pair, used to
/// pick a worker: both directions of a conversation, all
/// its fragments and everything tunnelled inside it hash alike. Packets
/// without IP hash to 0.
pub fn dispatch_hash(linktype: u32, data: &[u8]) -> u64 {
    // Untagged Ethernet carrying IP, most of any capture, skips the walk.
    let plain_ethernet = linktype == linktype::ETHERNET
        && data.len() > 16
        && matches!(data[12..14], [0x08, 0x00] | [0x86, 0xdd]);
    let ip = if plain_ethernet {
        &data[14..]
    } else {
        let mut st = link::LinkState::new(25);
        match link::link(linktype, data, &mut st) {
            Some(ip) => ip,
            None => return 0,
        }
    };
    let (a, b) = match ip.first().map(|v| v >> 4) {
        Some(4) => match (ip.get(12..16), ip.get(16..20)) {
            (Some(s), Some(d)) => (
                u32::from_be_bytes([s[0], s[1], s[2], s[3]]) as u64,
                u32::from_be_bytes([d[0], d[1], d[2], d[3]]) as u64,
            ),
            _ => return 0,
        },
        Some(6) => match (ip.get(8..24), ip.get(24..40)) {
            (Some(s), Some(d)) => (fold128(s), fold128(d)),
            _ => return 0,
        },
        _ => return 0,
    };
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    // VLAN tags are left out: Zeek's default connection key ignores them,
    // so one connection may show up on several VLANs.
    let h = mix(lo ^ mix(hi));
    // Never 0 for IP packets, so 0 keeps meaning "not IP".
    if h == 0 {
        1
    } else {
        h
    }
}

fn fold128(b: &[u8]) -> u64 {
    let mut x = [0u8; 8];
    let mut y = [0u8; 8];
    x.copy_from_slice(b.get(0..8).unwrap_or(&[0; 8]));
    y.copy_from_slice(b.get(8..16).unwrap_or(&[0; 8]));
    u64::from_be_bytes(x) ^ u64::from_be_bytes(y).rotate_left(29)
}

/// splitmix64 finalizer.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
