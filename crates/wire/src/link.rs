//! Link layers: from a captured frame (or a tunnelled Ethernet/802.11 frame)
//! to the start of the IP header. No allocation: the first fatal problem and
//! the non-fatal triple-VLAN note are recorded in [`LinkState`].
use crate::linktype as lt;

/// A problem found in a link layer (the name, the analyzer, extra detail).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkWeird {
    pub name: &'static str,
    pub source: &'static str,
    pub addl: LinkAddl,
}

/// Detail for the `addl` column, rendered only when a weird is logged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkAddl {
    None,
    Text(&'static str),
    /// NFLOG: a TLV longer than what is left (`(tlv > left)`).
    TlvLen(u32, u32),
}

impl LinkAddl {
    pub fn render(self) -> Option<String> {
        match self {
            LinkAddl::None => None,
            LinkAddl::Text(t) => Some(t.to_string()),
            LinkAddl::TlvLen(a, b) => Some(format!("({a} > {b})")),
        }
    }
}

/// What the link layers of one (possibly inner) packet told us.
#[derive(Clone, Copy, Debug, Default)]
pub struct LinkState {
    pub src_mac: Option<[u8; 6]>,
    pub dst_mac: Option<[u8; 6]>,
    pub vlan: Option<u16>,
    pub inner_vlan: Option<u16>,
    /// Fatal problem: decoding stopped there.
    pub weird: Option<LinkWeird>,
    /// A third VLAN tag overwrote the inner one (Zeek goes on).
    pub triple_vlan: bool,
    /// Analyzer steps taken (Zeek's packet analyzer depth).
    pub steps: usize,
    /// Limit for `steps` (0 = none).
    pub max_steps: usize,
    /// The analyzer that took the last step (reports the depth weird).
    pub last: &'static str,
}

impl LinkState {
    pub fn new(max_steps: usize) -> Self {
        LinkState {
            max_steps,
            ..Default::default()
        }
    }

    fn fail(&mut self, name: &'static str, source: &'static str) {
        self.fail_with(name, source, LinkAddl::None);
    }

    fn fail_with(&mut self, name: &'static str, source: &'static str, addl: LinkAddl) {
        if self.weird.is_none() {
            self.weird = Some(LinkWeird { name, source, addl });
        }
    }

    /// Counts one analyzer step; false (with a weird) past the limit.
    fn step(&mut self, source: &'static str) -> bool {
        if self.max_steps != 0 && self.steps >= self.max_steps {
            let by = if self.last.is_empty() {
                source
            } else {
                self.last
            };
            self.fail("max_packet_analyzer_depth_exceeded", by);
            return false;
        }
        self.steps += 1;
        self.last = source;
        true
    }
}

#[inline]
pub(crate) fn be16(d: &[u8], off: usize) -> Option<u16> {
    d.get(off..off + 2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
}

#[inline]
fn mac(d: &[u8], off: usize) -> Option<[u8; 6]> {
    let b = d.get(off..off + 6)?;
    let mut m = [0u8; 6];
    m.copy_from_slice(b);
    Some(m)
}

/// Decodes the link layer of a captured packet; returns the IP packet bytes.
pub fn link<'a>(linktype: u32, data: &'a [u8], st: &mut LinkState) -> Option<&'a [u8]> {
    match linktype {
        lt::ETHERNET => ethernet(data, st, true),
        lt::RAW | lt::RAW_BSD | lt::RAW_OPENBSD | lt::IPV4 | lt::IPV6 => {
            if !st.step("IP") {
                return None;
            }
            Some(data)
        }
        lt::NULL | lt::LOOP => {
            if !st.step("NULL") {
                return None;
            }
            if data.len() <= 4 {
                st.fail("null_analyzer_failed", "");
                return None;
            }
            let af = if linktype == lt::NULL {
                u32::from_le_bytes([data[0], data[1], data[2], data[3]])
            } else {
                u32::from_be_bytes([data[0], data[1], data[2], data[3]])
            };
            match af {
                2 | 24 | 28 | 30 => Some(&data[4..]),
                _ => None,
            }
        }
        lt::PPP => {
            if !st.step("PPP") {
                return None;
            }
            if data.len() <= 2 {
                st.fail("truncated_ppp_header", "PPP");
                return None;
            }
            if data[0] == 0xff && data[1] == 0x03 {
                if data.len() <= 4 {
                    st.fail("truncated_ppp_hdlc_header", "PPP");
                    return None;
                }
                return ppp_proto(u16::from_be_bytes([data[2], data[3]]), &data[4..], st);
            }
            ppp_proto(u16::from_be_bytes([data[0], data[1]]), &data[2..], st)
        }
        lt::FDDI => {
            if !st.step("FDDI") {
                return None;
            }
            if data.len() <= 21 {
                st.fail("FDDI_analyzer_failed", "");
                return None;
            }
            if !st.step("IP") {
                return None;
            }
            Some(&data[21..])
        }
        lt::PPP_HDLC => {
            if !st.step("PPPSERIAL") {
                return None;
            }
            if data.len() <= 4 {
                st.fail("truncated_ppp_serial_header", "PPPSERIAL");
                return None;
            }
            let proto = u16::from_be_bytes([data[2], data[3]]);
            ppp_proto(proto, &data[4..], st)
        }
        lt::LINUX_SLL => {
            if !st.step("LINUXSLL") {
                return None;
            }
            if data.len() <= 16 {
                st.fail("truncated_Linux_SLL_header", "LINUXSLL");
                return None;
            }
            if be16(data, 4) == Some(6) {
                st.src_mac = mac(data, 6);
            }
            let et = u16::from_be_bytes([data[14], data[15]]);
            ethertype(et, &data[16..], st, true)
        }
        lt::LINUX_SLL2 => {
            if !st.step("LINUXSLL2") {
                return None;
            }
            if data.len() <= 20 {
                st.fail("truncated_Linux_SLL2_header", "LINUXSLL2");
                return None;
            }
            if data[11] == 6 {
                st.src_mac = mac(data, 12);
            }
            let et = u16::from_be_bytes([data[0], data[1]]);
            ethertype(et, &data[20..], st, true)
        }
        lt::NFLOG => nflog(data, st),
        lt::IEEE802_11 => ieee802_11(data, st),
        _ => None,
    }
}

fn ppp_proto<'a>(proto: u16, data: &'a [u8], st: &mut LinkState) -> Option<&'a [u8]> {
    match proto {
        0x0021 | 0x0057 => {
            if !st.step("IP") {
                return None;
            }
            Some(data)
        }
        0x0281 => mpls(data, st),
        _ => None,
    }
}

fn nflog<'a>(data: &'a [u8], st: &mut LinkState) -> Option<&'a [u8]> {
    if !st.step("NFLOG") {
        return None;
    }
    if data.len() <= 4 {
        st.fail("truncated_nflog_header", "NFLOG");
        return None;
    }
    let family = data[0];
    if data[1] != 0 {
        st.fail("unknown_nflog_version", "NFLOG");
        return None;
    }
    let mut d = &data[4..];
    loop {
        if d.len() <= 4 {
            st.fail("nflog_no_pcap_payload", "NFLOG");
            return None;
        }
        let tlv_len = u16::from_le_bytes([d[0], d[1]]) as usize;
        let tlv_type = u16::from_le_bytes([d[2], d[3]]);
        if tlv_type == 9 {
            d = &d[4..];
            break;
        }
        if tlv_len < 4 {
            st.fail("nflog_bad_tlv_len", "NFLOG");
            return None;
        }
        let padded = (tlv_len + 3) & !3;
        if padded > d.len() {
            st.fail_with(
                "nflog_bad_tlv_len",
                "NFLOG",
                LinkAddl::TlvLen(padded as u32, d.len() as u32),
            );
            return None;
        }
        d = &d[padded..];
    }
    match family {
        2 | 10 => {
            if !st.step("IP") {
                return None;
            }
            Some(d)
        }
        _ => None,
    }
}

/// Ethernet II / 802.3 (with LLC/SNAP), Cisco FabricPath skipped.
pub fn ethernet<'a>(data: &'a [u8], st: &mut LinkState, record_macs: bool) -> Option<&'a [u8]> {
    if !st.step("ETHERNET") {
        return None;
    }
    if data.len() <= 16 {
        st.fail("truncated_ethernet_frame", "ETHERNET");
        return None;
    }
    let mut d = data;
    if d[12] == 0x89 && d[13] == 0x03 {
        if d.len() <= 30 {
            st.fail("truncated_link_header_cfp", "ETHERNET");
            return None;
        }
        d = &d[16..];
    }
    if record_macs && st.dst_mac.is_none() {
        st.dst_mac = mac(d, 0);
        st.src_mac = mac(d, 6);
    }
    let et = be16(d, 12)?;
    let rest = d.get(14..)?;
    if et >= 1536 {
        return ethertype(et, rest, st, record_macs);
    }
    if et <= 1500 {
        if rest.len() < et as usize {
            st.fail("truncated_ethernet_frame", "ETHERNET");
            return None;
        }
        return llc(rest, st, record_macs);
    }
    st.fail("undefined_ether_type", "ETHERNET");
    None
}

/// 802.2 LLC payload of an 802.3 frame: only SNAP with a zero OUI carries
/// an ethertype we follow; Novell raw and plain LLC end quietly.
fn llc<'a>(d: &'a [u8], st: &mut LinkState, record_macs: bool) -> Option<&'a [u8]> {
    if d.len() < 2 {
        return None;
    }
    if d[0] == 0xAA && d[1] == 0xAA {
        if !st.step("SNAP") {
            return None;
        }
        if d.len() < 3 {
            st.fail("truncated_snap_llc_header", "SNAP");
            return None;
        }
        let llc_len = if d[2] & 0x03 != 0x03 { 4 } else { 3 };
        if d.len() < llc_len + 5 {
            st.fail("truncated_snap_header", "SNAP");
            return None;
        }
        let h = &d[llc_len..];
        let oui = ((h[0] as u32) << 16) | ((h[1] as u32) << 8) | h[2] as u32;
        let et = u16::from_be_bytes([h[3], h[4]]);
        if oui == 0 {
            return ethertype(et, &h[5..], st, record_macs);
        }
        return None;
    }
    None
}

/// Dispatch on an ethertype.
pub fn ethertype<'a>(
    mut et: u16,
    mut d: &'a [u8],
    st: &mut LinkState,
    record_macs: bool,
) -> Option<&'a [u8]> {
    loop {
        match et {
            0x0800 | 0x86dd => {
                if !st.step("IP") {
                    return None;
                }
                return Some(d);
            }
            0x8100 | 0x88a8 | 0x9100 => {
                if !st.step("VLAN") {
                    return None;
                }
                if d.len() <= 4 {
                    st.fail("truncated_VLAN_header", "VLAN");
                    return None;
                }
                let id = u16::from_be_bytes([d[0], d[1]]) & 0x0fff;
                if st.vlan.is_none() {
                    st.vlan = Some(id);
                } else {
                    if st.inner_vlan.is_some() {
                        st.triple_vlan = true;
                    }
                    st.inner_vlan = Some(id);
                }
                let proto = u16::from_be_bytes([d[2], d[3]]);
                if proto >= 1536 {
                    et = proto;
                    d = &d[4..];
                    continue;
                }
                if proto <= 1500 {
                    let mut rest = &d[4..];
                    if rest.len() < 2 {
                        st.fail("truncated_VLAN_header", "VLAN");
                        return None;
                    }
                    if rest.len() > proto as usize {
                        rest = &rest[..proto as usize];
                    }
                    return llc(rest, st, record_macs);
                }
                st.fail("undefined_vlan_protocol", "VLAN");
                return None;
            }
            0x8847 => return mpls(d, st),
            0x8864 => {
                if !st.step("PPPOE") {
                    return None;
                }
                if d.len() <= 8 {
                    st.fail("truncated_pppoe_header", "PPPOE");
                    return None;
                }
                let proto = u16::from_be_bytes([d[6], d[7]]);
                return ppp_proto(proto, &d[8..], st);
            }
            0x88e7 => {
                if !st.step("PBB") {
                    return None;
                }
                if d.len() <= 18 {
                    st.fail("truncated_PBB_header", "PBB");
                    return None;
                }
                return ethernet(&d[4..], st, false);
            }
            0x8926 => {
                if !st.step("VNTAG") {
                    return None;
                }
                if d.len() <= 6 {
                    st.fail("truncated_vntag_header", "VNTAG");
                    return None;
                }
                et = u16::from_be_bytes([d[4], d[5]]);
                d = &d[6..];
            }
            _ => return None,
        }
    }
}

fn mpls<'a>(mut d: &'a [u8], st: &mut LinkState) -> Option<&'a [u8]> {
    if !st.step("MPLS") {
        return None;
    }
    loop {
        if d.len() <= 4 {
            st.fail("truncated_link_header", "MPLS");
            return None;
        }
        let bottom = d[2] & 0x01 != 0;
        d = &d[4..];
        if bottom {
            break;
        }
    }
    if !st.step("IP") {
        return None;
    }
    Some(d)
}

/// IEEE 802.11 data frames carrying LLC/SNAP (used for Aruba GRE too).
pub fn ieee802_11<'a>(d: &'a [u8], st: &mut LinkState) -> Option<&'a [u8]> {
    if !st.step("IEEE802_11") {
        return None;
    }
    let fc0 = *d.first()?;
    let fc1 = *d.get(1)?;
    // Only data frames.
    if (fc0 >> 2) & 0x03 != 2 {
        return None;
    }
    // Protected frames cannot be read.
    if fc1 & 0x40 != 0 {
        return None;
    }
    let subtype = fc0 >> 4;
    // Null-data subtypes carry nothing.
    if subtype & 0x04 != 0 {
        return None;
    }
    let mut hl = 24usize;
    if fc1 & 0x03 == 0x03 {
        hl += 6;
    }
    if subtype & 0x08 != 0 {
        hl += 2;
        if fc1 & 0x80 != 0 {
            hl += 4;
        }
    }
    if d.len() < hl + 8 {
        st.fail("truncated_802_11_header", "IEEE802_11");
        return None;
    }
    let l = &d[hl..];
    if l[0] == 0xAA && l[1] == 0xAA && l[2] == 0x03 {
        let et = u16::from_be_bytes([l[6], l[7]]);
        return ethertype(et, &l[8..], st, false);
    }
    None
}
