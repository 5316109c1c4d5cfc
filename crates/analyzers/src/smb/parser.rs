//! Pure parsing of SMB messages: NetBIOS session framing, the SMB1 and
//! SMB2 headers, and the command bodies the analyzer acts on. Every
//! function reads within bounds and returns `None` on short or malformed
//! input; nothing here panics or allocates more than the input holds.

/// The NetBIOS session service header in front of every SMB message.
pub const NBSS_HEADER: usize = 4;
/// An SMB1 header.
pub const SMB1_HEADER: usize = 32;
/// An SMB2 header (its `StructureSize`).
pub const SMB2_HEADER: usize = 64;

/// NBSS message type of a session message (the only one carrying SMB).
pub const NBSS_SESSION_MESSAGE: u8 = 0;

/// SMB2 commands the analyzer acts on.
pub const SMB2_TREE_CONNECT: u16 = 3;
pub const SMB2_TREE_DISCONNECT: u16 = 4;
pub const SMB2_CREATE: u16 = 5;
pub const SMB2_CLOSE: u16 = 6;
pub const SMB2_READ: u16 = 8;
pub const SMB2_WRITE: u16 = 9;
pub const SMB2_IOCTL: u16 = 11;

/// NT status codes that change how a response is read.
pub const STATUS_PENDING: u32 = 0x0000_0103;
const STATUS_BUFFER_OVERFLOW: u32 = 0x8000_0005;
const STATUS_INVALID_PARAMETER: u32 = 0xc000_000d;
const STATUS_MORE_PROCESSING_REQUIRED: u32 = 0xc000_0016;
const STATUS_NOTIFY_ENUM_DIR: u32 = 0x0000_010c;
const SMB2_SESSION_SETUP: u16 = 1;
const SMB2_QUERY_INFO: u16 = 16;
const SMB2_CHANGE_NOTIFY: u16 = 15;

/// SMB1 commands the analyzer acts on.
pub const SMB1_TRANSACTION: u8 = 0x25;
/// The AndX chain terminator.
const SMB1_NO_ANDX: u8 = 0xff;

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// The NBSS header at the start of `buf`: message type and length of the
/// message after the header.
pub fn nbss(buf: &[u8]) -> Option<(u8, usize)> {
    match buf {
        [kind, a, b, c, ..] => Some((
            *kind,
            usize::from(*a) << 16 | usize::from(*b) << 8 | usize::from(*c),
        )),
        _ => None,
    }
}

/// Which SMB a message (after its NBSS header) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    Smb1,
    Smb2,
    /// Anything else (encrypted or compressed SMB3 transforms included),
    /// which Zeek passes over.
    Other,
}

pub fn version(msg: &[u8]) -> Option<Version> {
    Some(match msg.get(..4)? {
        b"\xffSMB" => Version::Smb1,
        b"\xfeSMB" => Version::Smb2,
        _ => Version::Other,
    })
}

/// Whether `chunk` starts with an NBSS header and an SMB signature: where
/// Zeek picks a stream up again after losing track of the framing.
pub fn starts_message(chunk: &[u8]) -> bool {
    matches!(chunk.get(4..8), Some(b"\xffSMB" | b"\xfeSMB"))
}

/// The fields of an SMB2 header the analyzer uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Smb2Header {
    pub head_length: u16,
    pub status: u32,
    pub command: u16,
    pub message_id: u64,
    pub tree_id: u32,
}

pub fn smb2_header(msg: &[u8]) -> Option<Smb2Header> {
    if msg.len() < SMB2_HEADER {
        return None;
    }
    Some(Smb2Header {
        head_length: u16_at(msg, 4)?,
        status: u32_at(msg, 8)?,
        command: u16_at(msg, 12)?,
        message_id: u64_at(msg, 24)?,
        tree_id: u32_at(msg, 36)?,
    })
}

impl Smb2Header {
    /// Whether a response's body is an error response rather than the
    /// command's (Zeek's `is_error_response`, [MS-SMB2] 3.3.4.4).
    pub fn is_error(&self, is_orig: bool) -> bool {
        if is_orig {
            return false;
        }
        match self.status {
            0 => false,
            STATUS_BUFFER_OVERFLOW => {
                !matches!(self.command, SMB2_IOCTL | SMB2_QUERY_INFO | SMB2_READ)
            }
            STATUS_INVALID_PARAMETER => self.command != SMB2_IOCTL,
            STATUS_MORE_PROCESSING_REQUIRED => self.command != SMB2_SESSION_SETUP,
            STATUS_NOTIFY_ENUM_DIR => self.command != SMB2_CHANGE_NOTIFY,
            _ => true,
        }
    }

    /// Where a body's variable part starts in the message, given an
    /// offset field counted from the header's start: the body starts after
    /// the header's announced length, and never before the fixed fields
    /// end (Zeek pads to `offset - head_length` and no further back).
    fn body_offset(&self, field: usize, fixed_end: usize) -> usize {
        (SMB2_HEADER + field.saturating_sub(usize::from(self.head_length))).max(fixed_end)
    }
}

/// A file id: Zeek keys files by the sum of its persistent and volatile
/// halves.
fn file_id(msg: &[u8], at: usize) -> Option<u64> {
    Some(u64_at(msg, at)?.wrapping_add(u64_at(msg, at + 8)?))
}

/// UTF-16LE to UTF-8, as Zeek converts SMB strings.
pub fn utf16(bytes: &[u8]) -> String {
    let units = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]));
    char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// CREATE request: the file name.
pub fn create_request(h: &Smb2Header, msg: &[u8]) -> Option<String> {
    let b = SMB2_HEADER;
    let name_offset = usize::from(u16_at(msg, b + 44)?);
    let name_len = usize::from(u16_at(msg, b + 46)?);
    let at = h.body_offset(name_offset, b + 56);
    Some(utf16(msg.get(at..at + name_len)?))
}

/// What a CREATE response tells of the opened file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreateResponse {
    pub file_id: u64,
    /// End of file: the file's size.
    pub eof: u64,
    /// Last write time as sent (a Windows FILETIME).
    pub last_write: u64,
}

pub fn create_response(msg: &[u8]) -> Option<CreateResponse> {
    let b = SMB2_HEADER;
    Some(CreateResponse {
        last_write: u64_at(msg, b + 24)?,
        eof: u64_at(msg, b + 48)?,
        file_id: file_id(msg, b + 64)?,
    })
}

/// READ request: the file and the offset read from.
pub fn read_request(msg: &[u8]) -> Option<(u64, u64)> {
    let b = SMB2_HEADER;
    Some((file_id(msg, b + 16)?, u64_at(msg, b + 8)?))
}

/// Where a READ response's data is: (start in the message, length).
/// Needs only the fixed part of the body.
pub fn read_response_data(h: &Smb2Header, msg: &[u8]) -> Option<(usize, usize)> {
    let b = SMB2_HEADER;
    let offset = usize::from(*msg.get(b + 2)?);
    let len = u32_at(msg, b + 4)? as usize;
    Some((h.body_offset(offset, b + 16), len))
}

/// What a WRITE request announces before its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteRequest {
    pub file_id: u64,
    pub offset: u64,
    /// Where the data starts in the message, and its length.
    pub data_start: usize,
    pub data_len: usize,
}

pub fn write_request(h: &Smb2Header, msg: &[u8]) -> Option<WriteRequest> {
    let b = SMB2_HEADER;
    let data_offset = usize::from(u16_at(msg, b + 2)?);
    Some(WriteRequest {
        data_len: u32_at(msg, b + 4)? as usize,
        offset: u64_at(msg, b + 8)?,
        file_id: file_id(msg, b + 16)?,
        data_start: h.body_offset(data_offset, b + 48),
    })
}

/// Where the file data of a message that carries some (a WRITE request, a
/// READ response) is: (start in the message, announced length). Known once
/// the fixed fields are in `prefix`, before the data arrives.
pub fn data_region(h: &Smb2Header, prefix: &[u8], is_orig: bool) -> Option<(usize, usize)> {
    match (h.command, is_orig) {
        (SMB2_WRITE, true) => write_request(h, prefix).map(|w| (w.data_start, w.data_len)),
        (SMB2_READ, false) if !h.is_error(false) => read_response_data(h, prefix),
        _ => None,
    }
}

/// CLOSE request: the file closed.
pub fn close_request(msg: &[u8]) -> Option<u64> {
    file_id(msg, SMB2_HEADER + 8)
}

/// TREE_CONNECT request: the share's path.
pub fn tree_connect_request(h: &Smb2Header, msg: &[u8]) -> Option<String> {
    let b = SMB2_HEADER;
    let offset = usize::from(u16_at(msg, b + 4)?);
    let len = usize::from(u16_at(msg, b + 6)?);
    let at = h.body_offset(offset, b + 8);
    Some(utf16(msg.get(at..at + len)?))
}

/// A share's type, from a TREE_CONNECT response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ShareType {
    #[default]
    Disk,
    Pipe,
    Print,
    Unknown(u8),
}

impl ShareType {
    /// As smb_mapping.log writes it (Zeek's `SMB2::share_types`).
    pub fn name(self) -> String {
        match self {
            ShareType::Disk => "DISK".into(),
            ShareType::Pipe => "PIPE".into(),
            ShareType::Print => "PRINT".into(),
            ShareType::Unknown(n) => format!("unknown-{n}"),
        }
    }
}

pub fn tree_connect_response(msg: &[u8]) -> Option<ShareType> {
    Some(match msg.get(SMB2_HEADER + 2)? {
        1 => ShareType::Disk,
        2 => ShareType::Pipe,
        3 => ShareType::Print,
        &n => ShareType::Unknown(n),
    })
}

/// An IOCTL request's or response's named-pipe payload, if the control
/// code is a pipe operation (FSCTL_PIPE_*): (file id, input or output
/// buffer).
pub fn ioctl_pipe_data<'a>(
    h: &Smb2Header,
    msg: &'a [u8],
    is_orig: bool,
) -> Option<(u64, &'a [u8])> {
    let b = SMB2_HEADER;
    let ctl_code = u32_at(msg, b + 4)?;
    if ctl_code >> 16 != 0x11 {
        return None;
    }
    let fid = file_id(msg, b + 8)?;
    let (offset_at, count_at) = if is_orig {
        (b + 24, b + 28)
    } else {
        (b + 32, b + 36)
    };
    let offset = u32_at(msg, offset_at)? as usize;
    let count = u32_at(msg, count_at)? as usize;
    let fixed_end = if is_orig { b + 56 } else { b + 48 };
    let at = h.body_offset(offset, fixed_end);
    Some((fid, msg.get(at..at.checked_add(count)?)?))
}

/// The fields of an SMB1 header the analyzer uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Smb1Header {
    pub command: u8,
    pub status: u32,
    /// Strings are UTF-16 (FLAGS2_UNICODE).
    pub unicode: bool,
}

pub fn smb1_header(msg: &[u8]) -> Option<Smb1Header> {
    if msg.len() < SMB1_HEADER {
        return None;
    }
    Some(Smb1Header {
        command: *msg.get(4)?,
        status: u32_at(msg, 5)?,
        unicode: u16_at(msg, 10)? & 0x8000 != 0,
    })
}

/// SMB1 commands whose parameters start with an AndX block, as Zeek
/// follows them along a chain.
fn is_andx(command: u8) -> bool {
    matches!(
        command,
        0x24 | 0x2d | 0x2e | 0x2f | 0x73 | 0x74 | 0x75 | 0xa2
    )
}

/// Whether following the AndX chain of an SMB1 message goes deeper than
/// `max_depth` links (Zeek stops there with `smb_andx_depth_exceeded`;
/// 0 = no limit). The chain also ends at a command that is not AndX and at
/// a link that does not move forward.
pub fn andx_depth_exceeded(h: &Smb1Header, msg: &[u8], max_depth: usize) -> bool {
    if !is_andx(h.command) || max_depth == 0 {
        return false;
    }
    let mut at = SMB1_HEADER;
    let mut depth = 0;
    loop {
        let (Some(&next), Some(next_at)) = (msg.get(at + 1), u16_at(msg, at + 3)) else {
            return false;
        };
        let next_at = usize::from(next_at);
        if next == SMB1_NO_ANDX {
            return false;
        }
        if depth >= max_depth {
            return true;
        }
        if next_at <= at || !is_andx(next) {
            return false;
        }
        at = next_at;
        depth += 1;
    }
}

/// The pipe payload of an SMB1 TRANSACTION request addressed to a named
/// pipe (`\PIPE\...`, but not the `\PIPE\LANMAN` remote API): the bytes
/// from its data offset to the end of the message.
pub fn transaction_pipe_data<'a>(h: &Smb1Header, msg: &'a [u8]) -> Option<&'a [u8]> {
    let b = SMB1_HEADER;
    let word_count = usize::from(*msg.get(b)?);
    let data_offset = usize::from(u16_at(msg, b + 1 + 24)?);
    let name_at = b + 1 + 2 * word_count + 2;
    let name: Vec<u8> = if h.unicode {
        let at = name_at + name_at % 2;
        let raw = msg.get(at..)?;
        let end = raw
            .chunks_exact(2)
            .position(|c| c == [0, 0])
            .map_or(raw.len() & !1, |i| i * 2);
        utf16(&raw[..end]).into_bytes()
    } else {
        let raw = msg.get(name_at..)?;
        raw[..raw.iter().position(|&c| c == 0).unwrap_or(raw.len())].to_vec()
    };
    let pipe = name.starts_with(b"\\PIPE\\") && !name.starts_with(b"\\PIPE\\LANMAN");
    if !pipe {
        return None;
    }
    msg.get(data_offset.max(name_at)..)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nbss_length_is_24_bits_big_endian() {
        assert_eq!(nbss(&[0, 1, 2, 3]), Some((0, 0x010203)));
        assert_eq!(nbss(&[0, 1]), None);
    }

    #[test]
    fn utf16_names_become_utf8() {
        assert_eq!(utf16(b"a\0b\0\xe9\0"), "ab\u{e9}");
        // A lone surrogate is replaced, not an error.
        assert_eq!(utf16(b"\x00\xd8x\0"), "\u{fffd}x");
    }

    #[test]
    fn short_bodies_do_not_parse() {
        let msg = [0u8; SMB2_HEADER + 10];
        let h = smb2_header(&msg).unwrap();
        assert_eq!(create_response(&msg), None);
        assert_eq!(write_request(&h, &msg), None);
        assert_eq!(create_request(&h, &msg), None);
    }

    #[test]
    fn error_responses_follow_the_status() {
        let mut h = smb2_header(&[0u8; SMB2_HEADER]).unwrap();
        h.command = SMB2_READ;
        h.status = STATUS_BUFFER_OVERFLOW;
        assert!(!h.is_error(false));
        h.command = SMB2_CREATE;
        assert!(h.is_error(false));
        assert!(!h.is_error(true));
    }
}
