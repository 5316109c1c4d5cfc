//! QUIC packet headers (RFC 9000 §17, RFC 9369 §3.2): the long header of
//! Initial, 0-RTT, Handshake and Retry packets, and where each packet of a
//! datagram ends. Only the versions Zeek's analyzer knows are parsed.

/// A parse failure; the text becomes the protocol violation's reason.
pub type Malformed = &'static str;

/// Reads big-endian fields and QUIC variable-length integers off a slice.
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    /// Bytes consumed so far.
    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    pub fn u8(&mut self) -> Result<u8, Malformed> {
        Ok(self.bytes(1)?[0])
    }

    pub fn u32(&mut self) -> Result<u32, Malformed> {
        let b = self.bytes(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], Malformed> {
        let end = self.pos.checked_add(n).ok_or("length overflow")?;
        let b = self.data.get(self.pos..end).ok_or("packet truncated")?;
        self.pos = end;
        Ok(b)
    }

    /// A length-prefixed byte string whose length is a varint.
    pub fn varint_bytes(&mut self) -> Result<&'a [u8], Malformed> {
        let n = self.varint()?;
        self.bytes(usize::try_from(n).map_err(|_| "length overflow")?)
    }

    /// A variable-length integer (RFC 9000 §16): the two top bits of the
    /// first byte give its size (1, 2, 4 or 8 bytes).
    pub fn varint(&mut self) -> Result<u64, Malformed> {
        let first = self.u8()?;
        let rest = self.bytes((1usize << (first >> 6)) - 1)?;
        Ok(rest
            .iter()
            .fold(u64::from(first & 0x3f), |v, &b| v << 8 | u64::from(b)))
    }

    /// Skips bytes while `pred` holds.
    pub fn skip_while(&mut self, pred: impl Fn(u8) -> bool) {
        let n = self.data[self.pos.min(self.data.len())..]
            .iter()
            .take_while(|&&b| pred(b))
            .count();
        self.pos += n;
    }
}

pub const VERSION_1: u32 = 0x0000_0001;
pub const VERSION_2: u32 = 0x6b33_43cf;

/// Whether Zeek's analyzer parses `version`: QUIC v1 and v2, IETF drafts
/// 22 to 34 and Facebook's mvfst versions (all but v2 with v1's packet
/// types).
pub fn is_known_version(version: u32) -> bool {
    matches!(
        version,
        VERSION_1
            | VERSION_2
            | 0xff00_0016..=0xff00_0022
            | 0xface_b001
            | 0xface_b002
            | 0xface_b00e
            | 0xface_b011..=0xface_b013
    )
}

/// The long header packet types (their wire codes differ in v2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LongType {
    Initial,
    ZeroRtt,
    Handshake,
    Retry,
}

impl LongType {
    fn from_bits(version: u32, bits: u8) -> LongType {
        let v1_code = if version == VERSION_2 {
            // RFC 9369 §3.2: Retry 0, Initial 1, 0-RTT 2, Handshake 3.
            (bits + 3) & 3
        } else {
            bits
        };
        match v1_code {
            0 => LongType::Initial,
            1 => LongType::ZeroRtt,
            2 => LongType::Handshake,
            _ => LongType::Retry,
        }
    }
}

/// A parsed long header packet, borrowed from its datagram.
#[derive(Debug, Clone, Copy)]
pub struct LongPacket<'a> {
    pub version: u32,
    pub kind: LongType,
    pub dcid: &'a [u8],
    pub scid: &'a [u8],
    /// The whole packet, header included (for an Initial, up to the end of
    /// its protected payload).
    pub bytes: &'a [u8],
    /// Where the (protected) packet number starts, for Initial packets.
    pub pn_offset: usize,
}

/// Why a long header packet was not parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LongError {
    /// A version Zeek's analyzer does not handle (its header is still
    /// reported, as Zeek's `unhandled_version` event does).
    UnhandledVersion {
        version: u32,
    },
    Malformed(Malformed),
}

impl From<Malformed> for LongError {
    fn from(m: Malformed) -> Self {
        LongError::Malformed(m)
    }
}

/// Zeek requires this much protected payload in an Initial packet: a
/// 4-byte packet number plus the 16-byte header protection sample.
const MIN_INITIAL_PAYLOAD: u64 = 20;

/// The long header packet at the start of `data` (a retry packet takes the
/// rest of the datagram).
pub fn parse_long(data: &[u8]) -> Result<LongPacket<'_>, LongError> {
    let mut r = Reader::new(data);
    let first = r.u8()?;
    let version = r.u32()?;
    let dcid_len = r.u8()?;
    let dcid = r.bytes(usize::from(dcid_len))?;
    let scid_len = r.u8()?;
    let scid = r.bytes(usize::from(scid_len))?;
    if !is_known_version(version) {
        return Err(LongError::UnhandledVersion { version });
    }
    let kind = LongType::from_bits(version, (first >> 4) & 3);
    let end = match kind {
        LongType::Initial => {
            r.varint_bytes()?; // token
            let len = r.varint()?;
            if len < MIN_INITIAL_PAYLOAD {
                return Err("Initial packet payload too short".into());
            }
            let pn_offset = r.pos();
            r.bytes(usize::try_from(len).map_err(|_| "length overflow")?)?;
            return Ok(LongPacket {
                version,
                kind,
                dcid,
                scid,
                bytes: &data[..r.pos()],
                pn_offset,
            });
        }
        LongType::ZeroRtt | LongType::Handshake => {
            r.varint_bytes()?;
            r.pos()
        }
        LongType::Retry => data.len(),
    };
    Ok(LongPacket {
        version,
        kind,
        dcid,
        scid,
        bytes: &data[..end],
        pn_offset: end,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_of_every_size() {
        // RFC 9000 §A.1's examples.
        let mut r = Reader::new(&[
            0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c, // 151288809941952652
            0x9d, 0x7f, 0x3e, 0x7d, // 494878333
            0x7b, 0xbd, // 15293
            0x25, // 37
        ]);
        assert_eq!(r.varint(), Ok(151_288_809_941_952_652));
        assert_eq!(r.varint(), Ok(494_878_333));
        assert_eq!(r.varint(), Ok(15_293));
        assert_eq!(r.varint(), Ok(37));
        assert!(r.is_empty());
        assert_eq!(Reader::new(&[0x40]).varint(), Err("packet truncated"));
    }

    #[test]
    fn v2_packet_types_are_rotated() {
        assert_eq!(LongType::from_bits(VERSION_2, 1), LongType::Initial);
        assert_eq!(LongType::from_bits(VERSION_2, 0), LongType::Retry);
        assert_eq!(LongType::from_bits(VERSION_2, 3), LongType::Handshake);
        assert_eq!(LongType::from_bits(VERSION_1, 0), LongType::Initial);
        assert_eq!(LongType::from_bits(VERSION_1, 1), LongType::ZeroRtt);
    }

    #[test]
    fn handshake_packet_ends_after_its_length() {
        let mut p = vec![0xe0, 0, 0, 0, 1, 1, 0xaa, 0, 3, 1, 2, 3];
        p.extend_from_slice(&[0x40, 0, 0, 0, 0]); // a coalesced packet
        let h = parse_long(&p).unwrap();
        assert_eq!(h.kind, LongType::Handshake);
        assert_eq!(h.dcid, &[0xaa]);
        assert_eq!(h.scid, &[] as &[u8]);
        assert_eq!(h.bytes.len(), 12);
    }

    #[test]
    fn unknown_version_and_short_initial_are_errors() {
        let vn = [0xc0, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            parse_long(&vn).unwrap_err(),
            LongError::UnhandledVersion { version: 0 }
        );
        let short = [0xc0, 0, 0, 0, 1, 0, 0, 0, 19];
        assert!(matches!(parse_long(&short), Err(LongError::Malformed(_))));
    }
}
