//! ZIP archives as Zeek's ZIP file analyzer (`base/files/zip`, attached to
//! `application/zip` files by `policy/files/zip/register`) sees them: each
//! member becomes a file of its own (source `ZIP`, the archive as
//! `parent_fuid`, its name, its size), fed the member's content — inflated
//! when deflated — as the archive streams by. Members with a trailing data
//! descriptor end where a descriptor whose CRC matches the content follows,
//! as Zeek's heuristic decides. The central directory ends the analysis;
//! ZIP64, a gap, or anything unexpected stops it quietly.

use super::transfer::Transfer;
use crate::Context;
use flate2::{Crc, Decompress, FlushDecompress, Status};

const LOCAL_HEADER: &[u8; 4] = b"PK\x03\x04";
const DESCRIPTOR: &[u8; 4] = b"PK\x07\x08";
/// Signature, CRC-32, compressed and uncompressed size.
const DESCRIPTOR_LEN: usize = 16;
const LOCAL_HEADER_LEN: usize = 30;
const STORED: u16 = 0;
const DEFLATE: u16 = 8;
const FLAG_ENCRYPTED: u16 = 0x0001;
const FLAG_DESCRIPTOR: u16 = 0x0008;
/// Archives inside archives are followed this deep.
pub const MAX_DEPTH: u64 = 8;
/// Inflated bytes produced per call.
const INFLATE_CHUNK: usize = 32 * 1024;
/// Content passed on for a member whose size the header does not give.
const UNSIZED_BUDGET: u64 = 64 << 20;

/// What the archive's file is for its members.
pub struct Parent<'a> {
    pub fuid: &'a str,
    pub depth: u64,
    pub is_orig: bool,
}

/// How a member's content becomes its file's bytes.
enum Codec {
    Stored,
    Deflate(Box<Decompress>),
    /// The deflate stream ended, broke, or used up the budget: the rest is
    /// dropped.
    Stopped,
}

enum State {
    /// Collecting a record's header.
    Header,
    /// Inside a member's content.
    Member(Box<Member>),
    /// Nothing more to extract.
    Done,
}

struct Member {
    file: Transfer,
    /// Content bytes still to come (`None`: up to a data descriptor).
    remaining: Option<u64>,
    codec: Codec,
    /// Content bytes the member's file may still get (a bound on what
    /// inflating can produce).
    budget: u64,
    /// CRC-32 of the member's (inflated) content so far.
    crc: Crc,
    /// Bytes that may start a data descriptor, held back until decided.
    held: Vec<u8>,
}

pub struct ZipArchive {
    state: State,
    buf: Vec<u8>,
    /// A gap in the archive: nothing more can be parsed.
    stopped: bool,
}

impl Default for ZipArchive {
    fn default() -> Self {
        ZipArchive {
            state: State::Header,
            buf: Vec::new(),
            stopped: false,
        }
    }
}

/// Length of the local file header starting `buf` (as far as known).
fn header_len(buf: &[u8]) -> usize {
    if buf.len() < LOCAL_HEADER_LEN {
        LOCAL_HEADER_LEN
    } else {
        LOCAL_HEADER_LEN + usize::from(u16_at(buf, 26)) + usize::from(u16_at(buf, 28))
    }
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

impl ZipArchive {
    /// The archive's next bytes, in order.
    pub fn feed(&mut self, cx: &mut Context<'_>, parent: &Parent<'_>, mut data: &[u8]) {
        while !data.is_empty() && !self.stopped {
            data = match &mut self.state {
                State::Done => return,
                State::Header => {
                    let (used, member) = self.header(cx, parent, data);
                    if let Some(m) = member {
                        self.state = State::Member(m);
                    }
                    &data[used..]
                }
                State::Member(m) => {
                    let (used, finished) = m.content(cx, data);
                    if finished {
                        self.finish_member(cx);
                    }
                    &data[used..]
                }
            };
        }
    }

    /// Adds header bytes; once a local file header is whole, opens its
    /// member. Returns the bytes used.
    fn header(
        &mut self,
        cx: &mut Context<'_>,
        parent: &Parent<'_>,
        data: &[u8],
    ) -> (usize, Option<Box<Member>>) {
        let mut used = 0;
        loop {
            let want = header_len(&self.buf);
            if self.buf.len() >= want {
                break;
            }
            if used == data.len() {
                return (used, None);
            }
            let take = (want - self.buf.len()).min(data.len() - used);
            self.buf.extend_from_slice(&data[used..used + take]);
            used += take;
            if self.buf.len() >= 4 && self.buf[..4] != LOCAL_HEADER[..] {
                // The central directory, or not a member: the members are over.
                self.state = State::Done;
                return (used, None);
            }
        }
        let member = self.open_member(cx, parent);
        self.buf.clear();
        (used, member)
    }

    /// A complete local file header is in `buf`.
    fn open_member(&mut self, cx: &mut Context<'_>, parent: &Parent<'_>) -> Option<Box<Member>> {
        let h = &self.buf;
        let flags = u16_at(h, 6);
        let method = u16_at(h, 8);
        let compressed = u32_at(h, 18);
        let uncompressed = u32_at(h, 22);
        let name_len = usize::from(u16_at(h, 26));
        if compressed == u32::MAX || uncompressed == u32::MAX {
            // ZIP64, which Zeek's analyzer does not handle.
            self.state = State::Done;
            return None;
        }
        let plain = flags & FLAG_ENCRYPTED == 0 && matches!(method, STORED | DEFLATE);
        let descriptor = flags & FLAG_DESCRIPTOR != 0;
        // With a data descriptor the header's sizes are zero: unknown.
        let size = (!descriptor).then_some(u64::from(uncompressed));
        let mut file = Transfer::begin(cx, "ZIP", parent.is_orig, size);
        file.set_parent_fuid(parent.fuid);
        file.set_depth(parent.depth + 1);
        file.set_filename(&h[LOCAL_HEADER_LEN..LOCAL_HEADER_LEN + name_len]);
        let codec = if plain && method == DEFLATE {
            Codec::Deflate(Box::new(Decompress::new(false)))
        } else {
            Codec::Stored
        };
        Some(Box::new(Member {
            file,
            remaining: (!descriptor).then_some(u64::from(compressed)),
            codec,
            budget: if descriptor {
                UNSIZED_BUDGET
            } else {
                u64::from(uncompressed)
            },
            crc: Crc::new(),
            held: Vec::new(),
        }))
    }

    fn finish_member(&mut self, cx: &mut Context<'_>) {
        if let State::Member(m) = std::mem::replace(&mut self.state, State::Header) {
            m.file.end(cx);
        }
    }

    /// Bytes of the archive went missing: parsing cannot go on; an open
    /// member ends with what it got when the archive ends.
    pub fn gap(&mut self) {
        self.stopped = true;
    }

    /// The archive ended: an open member ends with what it got.
    pub fn finish(mut self, cx: &mut Context<'_>) {
        self.finish_member(cx);
    }
}

impl Member {
    /// Consumes member content; returns the bytes used and whether the
    /// member is complete.
    fn content(&mut self, cx: &mut Context<'_>, data: &[u8]) -> (usize, bool) {
        match self.remaining {
            Some(left) => {
                let take = usize::try_from(left).unwrap_or(usize::MAX).min(data.len());
                self.deliver(cx, &data[..take]);
                self.remaining = Some(left - take as u64);
                (take, left == take as u64)
            }
            None => self.until_descriptor(cx, data),
        }
    }

    /// Content of a member whose size follows it: everything up to a data
    /// descriptor whose CRC matches the content before it (a descriptor
    /// that does not match was content after all).
    fn until_descriptor(&mut self, cx: &mut Context<'_>, data: &[u8]) -> (usize, bool) {
        self.held.extend_from_slice(data);
        loop {
            let Some(at) = find(&self.held, DESCRIPTOR) else {
                // Keep what may begin a descriptor's signature.
                let keep = self.held.len().min(DESCRIPTOR.len() - 1);
                let content: Vec<u8> = self.held.drain(..self.held.len() - keep).collect();
                self.deliver(cx, &content);
                return (data.len(), false);
            };
            let content: Vec<u8> = self.held.drain(..at).collect();
            self.deliver(cx, &content);
            if self.held.len() < DESCRIPTOR_LEN {
                return (data.len(), false);
            }
            if self.crc.sum() == u32_at(&self.held, 4) {
                let after = self.held.len() - DESCRIPTOR_LEN;
                self.held.clear();
                return (data.len() - after, true);
            }
            self.held.drain(..DESCRIPTOR.len());
            self.deliver(cx, DESCRIPTOR);
        }
    }

    /// Member content: inflated if need be, into the member's file.
    fn deliver(&mut self, cx: &mut Context<'_>, mut bytes: &[u8]) {
        let mut inflate = match &mut self.codec {
            Codec::Stopped => return,
            Codec::Stored => return self.output(cx, bytes),
            Codec::Deflate(d) => d,
        };
        let mut out = Vec::with_capacity(INFLATE_CHUNK);
        loop {
            out.clear();
            let before = inflate.total_in();
            let status = inflate.decompress_vec(bytes, &mut out, FlushDecompress::None);
            let consumed = usize::try_from(inflate.total_in() - before).unwrap_or(usize::MAX);
            bytes = &bytes[consumed.min(bytes.len())..];
            let progress = consumed > 0 || !out.is_empty();
            let more = matches!(status, Ok(Status::Ok)) && progress;
            let output_full = out.len() == out.capacity();
            if !more {
                // The stream ended, is corrupt, or is stuck.
                self.codec = Codec::Stopped;
            }
            self.output(cx, &out);
            if !more || (bytes.is_empty() && !output_full) || matches!(self.codec, Codec::Stopped) {
                return;
            }
            let Codec::Deflate(d) = &mut self.codec else {
                return;
            };
            inflate = d;
        }
    }

    /// Content for the member's file, within its budget.
    fn output(&mut self, cx: &mut Context<'_>, bytes: &[u8]) {
        let n = bytes
            .len()
            .min(usize::try_from(self.budget).unwrap_or(usize::MAX));
        if n < bytes.len() {
            self.codec = Codec::Stopped;
        }
        self.budget -= n as u64;
        self.crc.update(&bytes[..n]);
        if n > 0 {
            self.file.data(cx, &bytes[..n]);
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests;
