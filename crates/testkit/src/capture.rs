//! Capture files: classic pcap (µs or ns, either byte order) and pcapng
//! (several interfaces, enhanced and simple packet blocks), optionally
//! gzip-compressed.

use std::io::Write;

pub const LINKTYPE_ETHERNET: u32 = 1;
pub const LINKTYPE_RAW: u32 = 101;

/// File formats the writer produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PcapFormat {
    Pcap {
        nanos: bool,
        big_endian: bool,
    },
    /// pcapng; interface 0 is Ethernet (µs), interface 1 raw IP (ns).
    Pcapng,
}

/// Packets with their capture time (ns) and link type.
#[derive(Debug, Clone, Default)]
pub struct Capture {
    pub packets: Vec<(i64, u32, Vec<u8>)>,
}

impl Capture {
    pub fn new() -> Self {
        Self::default()
    }
    /// Add an Ethernet frame.
    pub fn push(&mut self, ts: i64, frame: Vec<u8>) -> &mut Self {
        self.packets.push((ts, LINKTYPE_ETHERNET, frame));
        self
    }
    pub fn push_link(&mut self, ts: i64, linktype: u32, data: Vec<u8>) -> &mut Self {
        self.packets.push((ts, linktype, data));
        self
    }
    pub fn extend(&mut self, frames: impl IntoIterator<Item = (i64, Vec<u8>)>) -> &mut Self {
        for (t, f) in frames {
            self.push(t, f);
        }
        self
    }
    /// Order packets by time (stable), as a capture would be.
    pub fn sorted(mut self) -> Self {
        self.packets.sort_by_key(|p| p.0);
        self
    }

    pub fn to_bytes(&self, format: PcapFormat) -> Vec<u8> {
        match format {
            PcapFormat::Pcap { nanos, big_endian } => self.pcap(nanos, big_endian),
            PcapFormat::Pcapng => self.pcapng(),
        }
    }

    /// Classic pcap; the link type is the first packet's (Ethernet if empty).
    fn pcap(&self, nanos: bool, be: bool) -> Vec<u8> {
        let w = |v: u32| if be { v.to_be_bytes() } else { v.to_le_bytes() };
        let linktype = self
            .packets
            .first()
            .map(|p| p.1)
            .unwrap_or(LINKTYPE_ETHERNET);
        let mut out = Vec::new();
        out.extend_from_slice(&w(if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 }));
        let ver: [u8; 4] = if be { [0, 2, 0, 4] } else { [2, 0, 4, 0] };
        out.extend_from_slice(&ver);
        out.extend_from_slice(&[0; 8]);
        out.extend_from_slice(&w(262_144));
        out.extend_from_slice(&w(linktype));
        for (ts, _, data) in &self.packets {
            let secs = (ts / 1_000_000_000) as u32;
            let frac = (ts % 1_000_000_000) as u32;
            out.extend_from_slice(&w(secs));
            out.extend_from_slice(&w(if nanos { frac } else { frac / 1000 }));
            out.extend_from_slice(&w(data.len() as u32));
            out.extend_from_slice(&w(data.len() as u32));
            out.extend_from_slice(data);
        }
        out
    }

    fn pcapng(&self) -> Vec<u8> {
        let mut out = block(
            0x0A0D_0D0A,
            &[
                0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            ],
        );
        // Interface 0: Ethernet, default microseconds. Interface 1: raw IP,
        // nanoseconds (if_tsresol = 9).
        out.extend(block(1, &[1, 0, 0, 0, 0, 0, 4, 0]));
        out.extend(block(
            1,
            &[101, 0, 0, 0, 0, 0, 4, 0, 9, 0, 1, 0, 9, 0, 0, 0, 0, 0, 0, 0],
        ));
        for (ts, linktype, data) in &self.packets {
            let (iface, ticks) = if *linktype == LINKTYPE_RAW {
                (1u32, *ts as u64)
            } else {
                (0u32, (*ts / 1000) as u64)
            };
            let mut b = iface.to_le_bytes().to_vec();
            b.extend_from_slice(&((ticks >> 32) as u32).to_le_bytes());
            b.extend_from_slice(&(ticks as u32).to_le_bytes());
            b.extend_from_slice(&(data.len() as u32).to_le_bytes());
            b.extend_from_slice(&(data.len() as u32).to_le_bytes());
            b.extend_from_slice(data);
            out.extend(block(6, &b));
        }
        out
    }

    pub fn write(&self, path: &std::path::Path, format: PcapFormat) -> std::io::Result<()> {
        std::fs::write(path, self.to_bytes(format))
    }
}

fn block(t: u32, body: &[u8]) -> Vec<u8> {
    let mut b = body.to_vec();
    while !b.len().is_multiple_of(4) {
        b.push(0);
    }
    let len = (b.len() + 12) as u32;
    let mut out = t.to_le_bytes().to_vec();
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&b);
    out.extend_from_slice(&len.to_le_bytes());
    out
}

/// Gzip-compress bytes (captures Shrike must read transparently).
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(data);
    enc.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcap_header_bytes() {
        let mut c = Capture::new();
        c.push(1_500_000_123, vec![1, 2, 3]);
        let le = c.to_bytes(PcapFormat::Pcap {
            nanos: false,
            big_endian: false,
        });
        assert_eq!(&le[..4], &[0xd4, 0xc3, 0xb2, 0xa1]);
        assert_eq!(&le[24..28], &1u32.to_le_bytes());
        assert_eq!(&le[28..32], &500_000u32.to_le_bytes());
        let be = c.to_bytes(PcapFormat::Pcap {
            nanos: true,
            big_endian: true,
        });
        assert_eq!(&be[..4], &[0xa1, 0xb2, 0x3c, 0x4d]);
        assert_eq!(&be[28..32], &500_000_123u32.to_be_bytes());
    }

    #[test]
    fn pcapng_blocks_are_well_formed() {
        let mut c = Capture::new();
        c.push(5, vec![9; 5])
            .push_link(6, LINKTYPE_RAW, vec![0x45; 3]);
        let b = c.to_bytes(PcapFormat::Pcapng);
        let mut off = 0;
        let mut types = Vec::new();
        while off < b.len() {
            let t = u32::from_le_bytes(b[off..off + 4].try_into().unwrap());
            let len = u32::from_le_bytes(b[off + 4..off + 8].try_into().unwrap()) as usize;
            assert_eq!(len % 4, 0);
            assert_eq!(&b[off + len - 4..off + len], &(len as u32).to_le_bytes());
            types.push(t);
            off += len;
        }
        assert_eq!(types, vec![0x0A0D_0D0A, 1, 1, 6, 6]);
    }
}
