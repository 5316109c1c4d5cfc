//! Tunnels: what an IP or UDP payload carries (IP-in-IP, GRE, VXLAN, Geneve,
//! Teredo, AYIYA, GTPv1-U, GRE over UDP). Each function validates its header
//! like Zeek's analyzer does and says what comes next.
use crate::link::be16;
use crate::TunnelKind;

pub const VXLAN_PORT: u16 = 4789;
pub const GENEVE_PORT: u16 = 6081;
pub const TEREDO_PORT: u16 = 3544;
pub const AYIYA_PORT: u16 = 5072;
pub const GTPV1_U_PORT: u16 = 2152;
pub const GTPV1_C_PORT: u16 = 2123;
pub const GRE_UDP_PORT: u16 = 4754;

/// What a tunnel header leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InnerKind<'a> {
    Ip(&'a [u8]),
    Ethernet(&'a [u8]),
    Ieee80211(&'a [u8]),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inner<'a> {
    pub kind: TunnelKind,
    pub payload: InnerKind<'a>,
}

/// Result of looking at a possible tunnel header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome<'a> {
    /// Not a tunnel (or one that carries nothing we follow).
    None,
    Inner(Inner<'a>),
    /// A packet weird (gets `_in_tunnel` inside tunnels), maybe followed by
    /// an inner packet anyway.
    Weird {
        name: &'static str,
        source: &'static str,
        addl: Option<String>,
        inner: Option<Inner<'a>>,
    },
    /// A weird raised on the carrying connection.
    ConnWeird {
        name: &'static str,
        source: &'static str,
        inner: Option<Inner<'a>>,
    },
}

fn weird<'a>(name: &'static str, source: &'static str) -> Outcome<'a> {
    Outcome::Weird {
        name,
        source,
        addl: None,
        inner: None,
    }
}

fn inner(kind: TunnelKind, payload: InnerKind<'_>) -> Outcome<'_> {
    Outcome::Inner(Inner { kind, payload })
}

/// Result of Zeek's check of an inner IP packet in GTP, Teredo, GRE v1 and
/// IP-in-IP: the captured length must equal the IP total length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseResult {
    Ok,
    BadProtocol,
    CaplenTooSmall,
    CaplenTooLarge,
}

/// Zeek's `IP::ParsePacket` for an inner packet of the given IP version.
pub fn parse_inner(data: &[u8], v6: bool) -> (ParseResult, u32) {
    let total = if v6 {
        if data.len() < 40 {
            return (ParseResult::CaplenTooSmall, 0);
        }
        if data[0] & 0xf0 != 0x60 {
            return (ParseResult::BadProtocol, 0);
        }
        u16::from_be_bytes([data[4], data[5]]) as u32 + 40
    } else {
        if data.len() < 20 {
            return (ParseResult::BadProtocol, 0);
        }
        if data[0] >> 4 != 4 {
            return (ParseResult::BadProtocol, 0);
        }
        u16::from_be_bytes([data[2], data[3]]) as u32
    };
    let caplen = data.len() as u32;
    if caplen < total {
        (ParseResult::CaplenTooSmall, total)
    } else if caplen > total {
        (ParseResult::CaplenTooLarge, total)
    } else {
        (ParseResult::Ok, total)
    }
}

fn check_inner<'a>(data: &'a [u8], v6: bool, kind: TunnelKind) -> Outcome<'a> {
    match parse_inner(data, v6).0 {
        ParseResult::Ok => inner(kind, InnerKind::Ip(data)),
        ParseResult::BadProtocol => weird("invalid_inner_IP_version", "IPTUNNEL"),
        ParseResult::CaplenTooSmall => weird("truncated_inner_IP", "IPTUNNEL"),
        ParseResult::CaplenTooLarge => weird("inner_IP_payload_length_mismatch", "IPTUNNEL"),
    }
}

/// IP protocols 4 (IPv4), 41 (IPv6) and 47 (GRE).
pub fn ip_proto(proto: u8, data: &[u8], level: usize, max_depth: usize) -> Outcome<'_> {
    match proto {
        4 | 41 => {
            if level >= max_depth {
                return weird("exceeded_tunnel_max_depth", "IPTUNNEL");
            }
            check_inner(data, proto == 41, TunnelKind::IpInIp)
        }
        47 => gre(data, level, max_depth),
        _ => Outcome::None,
    }
}

fn gre_header_len(flags: u16) -> usize {
    let mut len = 4;
    if flags & 0x8000 != 0 {
        len += 4;
    }
    if flags & 0x2000 != 0 {
        len += 4;
    }
    if flags & 0x1000 != 0 {
        len += 4;
    }
    if flags & 0x0080 != 0 {
        len += 4;
    }
    len
}

/// GRE (RFC 2784/2890, PPTP enhanced GRE, ERSPAN II/III, Aruba).
pub fn gre(data: &[u8], level: usize, max_depth: usize) -> Outcome<'_> {
    let len = data.len();
    if len < 4 {
        return weird("truncated_GRE", "GRE");
    }
    let flags = u16::from_be_bytes([data[0], data[1]]);
    let ptype = u16::from_be_bytes([data[2], data[3]]);
    let version = flags & 0x0007;
    let gre_len = gre_header_len(flags);
    let pptp_len = if version == 1 { 4 } else { 0 };
    let mut erspan_len = 0usize;
    let mut eth_len = 0usize;
    #[derive(PartialEq)]
    enum Link {
        Raw,
        Eth,
        Wifi,
    }
    let mut link = Link::Raw;
    let mut v6 = false;
    if version > 1 {
        return Outcome::Weird {
            name: "unknown_gre_version",
            source: "GRE",
            addl: Some(format!("version={version}")),
            inner: None,
        };
    }
    if version == 0 {
        match ptype {
            0x6558 => {
                if len > gre_len + 14 {
                    eth_len = 14;
                    link = Link::Eth;
                } else {
                    return weird("truncated_GRE", "GRE");
                }
            }
            0x88be => {
                if len > gre_len + 14 {
                    eth_len = 14;
                    link = Link::Eth;
                    if flags & 0x1000 != 0 {
                        erspan_len = 8;
                        if len < gre_len + eth_len + erspan_len {
                            return weird("truncated_GRE", "GRE");
                        }
                    }
                } else {
                    return weird("truncated_GRE", "GRE");
                }
            }
            0x22eb => {
                if len > gre_len + 14 + 12 {
                    erspan_len = 12;
                    eth_len = 14;
                    link = Link::Eth;
                    let opt = data.get(gre_len + erspan_len - 1).copied().unwrap_or(0);
                    if opt & 0x01 != 0 {
                        if len > gre_len + erspan_len + 8 + eth_len {
                            erspan_len += 8;
                        } else {
                            return weird("truncated_GRE", "GRE");
                        }
                    }
                } else {
                    return weird("truncated_GRE", "GRE");
                }
            }
            p if ((p & 0x8200) == 0x8200 && (p & 0x0f) == 0)
                || ((p & 0x8300) == 0x8300 && (p & 0x0f) == 0 && p <= 0x8370)
                || p == 0x9000 =>
            {
                if len <= gre_len {
                    return weird("truncated_GRE", "GRE");
                }
                link = Link::Wifi;
            }
            0x0800 => {}
            0x86dd => v6 = true,
            _ => return Outcome::None,
        }
    } else if ptype != 0x880b {
        return Outcome::Weird {
            name: "egre_protocol_type",
            source: "GRE",
            addl: Some(format!("proto={ptype}")),
            inner: None,
        };
    }
    if flags & 0x4000 != 0 {
        return weird("gre_routing", "GRE");
    }
    if flags & 0x0078 != 0 {
        return weird("unknown_gre_flags", "GRE");
    }
    if len < gre_len + pptp_len + eth_len + erspan_len {
        return weird("truncated_GRE", "GRE");
    }
    if version == 1 {
        match be16(data, gre_len + 2) {
            Some(0x0021) => v6 = false,
            Some(0x0057) => v6 = true,
            _ => return weird("non_ip_packet_in_encap", "GRE"),
        }
    }
    let payload = match data.get(gre_len + pptp_len + erspan_len..) {
        Some(p) => p,
        None => return weird("truncated_GRE", "GRE"),
    };
    if level >= max_depth {
        return weird("exceeded_tunnel_max_depth", "IPTUNNEL");
    }
    if version == 1 {
        return check_inner(payload, v6, TunnelKind::Gre);
    }
    let _ = v6;
    match link {
        Link::Raw => inner(TunnelKind::Gre, InnerKind::Ip(payload)),
        Link::Eth => inner(TunnelKind::Gre, InnerKind::Ethernet(payload)),
        Link::Wifi => inner(TunnelKind::Gre, InnerKind::Ieee80211(payload)),
    }
}

/// What a UDP payload is as a tunnel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UdpTunnel<'a> {
    pub outcome: Outcome<'a>,
    /// The tunnel analyzer that accepted the packet (Zeek's packet
    /// analyzer confirmation, which gives the connection its service),
    /// whether or not what it carries could be followed.
    pub confirmed: Option<TunnelKind>,
}

/// A tunnel whose analyzer accepts a packet once it carries an inner
/// packet (Teredo, GTPv1, GRE).
fn confirmed_by_inner(outcome: Outcome<'_>) -> UdpTunnel<'_> {
    let confirmed = match &outcome {
        Outcome::Inner(i) => Some(i.kind),
        Outcome::Weird { inner, .. } | Outcome::ConnWeird { inner, .. } => {
            inner.as_ref().map(|i| i.kind)
        }
        Outcome::None => None,
    };
    UdpTunnel { outcome, confirmed }
}

/// A tunnel whose analyzer accepts a packet once its header is valid
/// (VXLAN, Geneve, AYIYA): `header_ok`.
fn confirmed_by_header(
    kind: TunnelKind,
    (outcome, header_ok): (Outcome<'_>, bool),
) -> UdpTunnel<'_> {
    UdpTunnel {
        outcome,
        confirmed: header_ok.then_some(kind),
    }
}

/// A UDP payload: tunnels chosen by port (destination first), Teredo also
/// by content like Zeek's protocol detection.
pub fn udp(sport: u16, dport: u16, data: &[u8], level: usize, max_depth: usize) -> UdpTunnel<'_> {
    for port in [dport, sport] {
        let found = match port {
            VXLAN_PORT if port == dport => {
                confirmed_by_header(TunnelKind::Vxlan, vxlan(data, level, max_depth))
            }
            GENEVE_PORT => confirmed_by_header(TunnelKind::Geneve, geneve(data, level, max_depth)),
            TEREDO_PORT => confirmed_by_inner(teredo(data, level, max_depth)),
            AYIYA_PORT => confirmed_by_header(TunnelKind::Ayiya, ayiya(data, level, max_depth)),
            GTPV1_U_PORT | GTPV1_C_PORT => confirmed_by_inner(gtpv1(data)),
            GRE_UDP_PORT => confirmed_by_inner(gre(data, level, max_depth)),
            _ => continue,
        };
        return found;
    }
    if teredo_detect(data) {
        return confirmed_by_inner(teredo(data, level, max_depth));
    }
    confirmed_by_inner(Outcome::None)
}

/// VXLAN; also whether the header was accepted.
fn vxlan(data: &[u8], level: usize, max_depth: usize) -> (Outcome<'_>, bool) {
    if level >= max_depth {
        return (weird("exceeded_tunnel_max_depth", "VXLAN"), false);
    }
    if data.len() < 8 || data[0] & 0x08 == 0 {
        return (Outcome::None, false);
    }
    let rest = &data[8..];
    if rest.is_empty() {
        return (weird("vxlan_empty_packet", "VXLAN"), true);
    }
    (inner(TunnelKind::Vxlan, InnerKind::Ethernet(rest)), true)
}

/// Geneve; also whether the header was accepted.
fn geneve(data: &[u8], level: usize, max_depth: usize) -> (Outcome<'_>, bool) {
    if level >= max_depth {
        return (weird("exceeded_tunnel_max_depth", "GENEVE"), false);
    }
    if data.len() < 8 {
        return (Outcome::None, false);
    }
    let version = data[0] >> 6;
    if version != 0 {
        let invalid = Outcome::Weird {
            name: "geneve_invalid_version",
            source: "GENEVE",
            addl: Some(version.to_string()),
            inner: None,
        };
        return (invalid, false);
    }
    let hdr = 8 + (data[0] & 0x3f) as usize * 4;
    let Some(rest) = data.get(hdr..) else {
        return (Outcome::None, false);
    };
    let next = u16::from_be_bytes([data[2], data[3]]);
    if rest.is_empty() {
        return (weird("geneve_empty_packet", "GENEVE"), true);
    }
    let outcome = match next {
        0x6558 => inner(TunnelKind::Geneve, InnerKind::Ethernet(rest)),
        0x0800 | 0x86dd => inner(TunnelKind::Geneve, InnerKind::Ip(rest)),
        _ => Outcome::None,
    };
    (outcome, true)
}

/// AYIYA; also whether the header was accepted (only "forward" packets
/// are).
fn ayiya(data: &[u8], level: usize, max_depth: usize) -> (Outcome<'_>, bool) {
    if level >= max_depth {
        return (weird("exceeded_tunnel_max_depth", "AYIYA"), false);
    }
    if data.len() < 8 {
        return (Outcome::None, false);
    }
    let id_len = 1usize << (data[0] >> 4);
    let sig_len = (data[1] >> 4) as usize * 4;
    let hdr = 8 + id_len + sig_len;
    if hdr > data.len() || data[2] & 0x0f != 1 {
        return (Outcome::None, false);
    }
    let next = data[3];
    let rest = &data[hdr..];
    if rest.is_empty() {
        return (weird("ayiya_empty_packet", "AYIYA"), true);
    }
    let outcome = match next {
        4 | 41 => inner(TunnelKind::Ayiya, InnerKind::Ip(rest)),
        _ => Outcome::None,
    };
    (outcome, true)
}

/// GTPv1: only G-PDUs (type 0xff) carry user packets.
fn gtpv1(data: &[u8]) -> Outcome<'_> {
    if data.len() < 8 {
        return Outcome::None;
    }
    let flags = data[0];
    if flags >> 5 != 1 || flags & 0x10 == 0 {
        return Outcome::None;
    }
    let msg_type = data[1];
    let mut hdr = 8usize;
    if flags & 0x07 != 0 {
        if data.len() < 12 {
            return Outcome::None;
        }
        let mut next_ext = data[11];
        hdr = 12;
        // Extension headers (bounded by the packet length).
        while flags & 0x04 != 0 && next_ext != 0 {
            let Some(&l) = data.get(hdr) else {
                return Outcome::None;
            };
            let l = l as usize * 4;
            if l == 0 || hdr + l > data.len() {
                return Outcome::None;
            }
            next_ext = data[hdr + l - 1];
            hdr += l;
        }
    }
    if msg_type != 0xff {
        return Outcome::None;
    }
    let rest = &data[hdr..];
    let Some(&first) = rest.first() else {
        return Outcome::None;
    };
    let v6 = match first >> 4 {
        4 => false,
        6 => true,
        _ => return Outcome::None,
    };
    match parse_inner(rest, v6).0 {
        ParseResult::Ok => inner(TunnelKind::Gtpv1, InnerKind::Ip(rest)),
        _ => Outcome::None,
    }
}

/// Zeek's content check for Teredo on ports other than 3544.
fn teredo_detect(data: &[u8]) -> bool {
    let len = data.len();
    if len < 40 || ((data[0] >> 4) != 6 && (data[0] != 0 || (data[1] != 0 && data[1] != 1))) {
        return false;
    }
    // An IPv6 header with a Teredo (2001:0::/32) address (Zeek's pattern;
    // its `.` does not match a newline).
    let no_nl = |s: &[u8]| !s.contains(&b'\n');
    if (0x60..=0x6f).contains(&data[0]) {
        if data[8..12] == [0x20, 0x01, 0x00, 0x00] && no_nl(&data[1..8]) && no_nl(&data[12..40]) {
            return true;
        }
        if data[24..28] == [0x20, 0x01, 0x00, 0x00] && no_nl(&data[1..24]) && no_nl(&data[28..40]) {
            return true;
        }
    }
    let mut d = data;
    let mut val = d[1] as u16;
    if val == 1 {
        let need = 13 + d[2] as usize + d[3] as usize;
        if d.len() < need {
            return false;
        }
        d = &d[need..];
        if d.len() < 40 {
            return false;
        }
        val = u16::from_be_bytes([d[0], d[1]]);
    }
    if val == 0 {
        if d.len() < 8 {
            return false;
        }
        d = &d[8..];
        if d.len() < 40 {
            return false;
        }
        return d[0] >> 4 == 6;
    }
    false
}

fn teredo(data: &[u8], level: usize, max_depth: usize) -> Outcome<'_> {
    if level >= max_depth {
        return weird("exceeded_tunnel_max_depth", "TEREDO");
    }
    let mut d = data;
    let mut found_origin = false;
    let mut found_auth = false;
    let conn_weird = |name| Outcome::ConnWeird {
        name,
        source: "TEREDO",
        inner: None,
    };
    loop {
        if d.len() < 2 {
            return conn_weird("truncated_Teredo");
        }
        let tag = u16::from_be_bytes([d[0], d[1]]);
        if tag == 0 {
            if found_origin {
                return Outcome::None;
            }
            if d.len() < 8 {
                return conn_weird("truncated_Teredo_origin_indication");
            }
            d = &d[8..];
            found_origin = true;
        } else if tag == 1 {
            if found_origin || found_auth {
                return Outcome::None;
            }
            if d.len() < 4 {
                return conn_weird("truncated_Teredo_authentication");
            }
            let tot = 4 + d[2] as usize + d[3] as usize + 8 + 1;
            if d.len() < tot {
                return conn_weird("truncated_Teredo_authentication");
            }
            d = &d[tot..];
            found_auth = true;
        } else if tag >> 12 == 6 {
            if d.len() < 40 {
                return conn_weird("truncated_IPv6_in_Teredo");
            }
            break;
        } else {
            return Outcome::None;
        }
    }
    let i = Inner {
        kind: TunnelKind::Teredo,
        payload: InnerKind::Ip(d),
    };
    match parse_inner(d, true).0 {
        ParseResult::Ok => Outcome::Inner(i),
        ParseResult::CaplenTooLarge => {
            // A bubble (no next header, no payload) followed by junk.
            if d[6] == 59 && d[4] == 0 && d[5] == 0 {
                Outcome::ConnWeird {
                    name: "Teredo_bubble_with_payload",
                    source: "TEREDO",
                    inner: Some(i),
                }
            } else {
                Outcome::None
            }
        }
        _ => Outcome::None,
    }
}
