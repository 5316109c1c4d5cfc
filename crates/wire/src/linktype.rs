//! Link-layer type numbers (LINKTYPE_* of pcap/pcapng) the decoder understands.

/// BSD loopback: 4-byte address family in the capturing host's byte order.
pub const NULL: u32 = 0;
/// Ethernet II / IEEE 802.3.
pub const ETHERNET: u32 = 1;
/// FDDI (13-byte header, then an 8-byte LLC/SNAP header).
pub const FDDI: u32 = 10;
/// PPP (RFC 1661 framing with address/control bytes).
pub const PPP: u32 = 9;
/// Raw IP on some BSDs (DLT_RAW = 12).
pub const RAW_BSD: u32 = 12;
/// Raw IP on OpenBSD (DLT_RAW = 14).
pub const RAW_OPENBSD: u32 = 14;
/// PPP in HDLC-like framing.
pub const PPP_HDLC: u32 = 50;
/// Raw IPv4 / IPv6, version taken from the first nibble.
pub const RAW: u32 = 101;
/// IEEE 802.11 without radio header.
pub const IEEE802_11: u32 = 105;
/// OpenBSD loopback: 4-byte address family in network byte order.
pub const LOOP: u32 = 108;
/// Linux "cooked" capture v1.
pub const LINUX_SLL: u32 = 113;
/// Linux netfilter NFLOG.
pub const NFLOG: u32 = 239;
/// Linux "cooked" capture v2.
pub const LINUX_SLL2: u32 = 276;
/// Raw IPv4 only.
pub const IPV4: u32 = 228;
/// Raw IPv6 only.
pub const IPV6: u32 = 229;

/// Whether the decoder handles this link type.
pub fn is_supported(linktype: u32) -> bool {
    matches!(
        linktype,
        NULL | ETHERNET
            | PPP
            | FDDI
            | RAW_BSD
            | RAW_OPENBSD
            | PPP_HDLC
            | RAW
            | IEEE802_11
            | LOOP
            | LINUX_SLL
            | NFLOG
            | LINUX_SLL2
            | IPV4
            | IPV6
    )
}
