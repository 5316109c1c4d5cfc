//! SMB (CIFS) over TCP, ports 445 and 139: Zeek's `base/protocols/smb`
//! as far as its logs go. Files read and written over SMB2 go to the
//! files framework (files.log, source `SMB`), DCE/RPC carried over named
//! pipes is analysed as on its own port, and the bounds Zeek puts on its
//! state raise its weirds.
//!
//! Messages are framed by NetBIOS session headers and handled whole, as
//! Zeek does (file data reaches the files framework when its message
//! ends), up to [`MAX_MESSAGE`]. A longer READ response's or WRITE
//! request's data is passed on as it arrives rather than buffered; other
//! longer messages are passed over.

mod files;
mod parser;
mod pipes;
mod record;
mod smb1;
mod smb2;
#[cfg(test)]
mod tests;

use crate::{Analyzer, Context};
use files::Files;
use parser::{Version, NBSS_HEADER, NBSS_SESSION_MESSAGE};
use pipes::Pipes;
pub use record::SmbMappingRecord;
use smb2::{Sink, Smb2};

/// Messages are buffered up to this size; larger ones are passed over, but
/// for their file data.
const MAX_MESSAGE: usize = 1 << 20;

/// Zeek counts SMB as confirmed once this many chunks of the stream parsed.
const CONFIRM_AFTER_CHUNKS: u32 = 3;

/// Zeek's SMB options.
#[derive(Debug, Clone)]
pub struct SmbConfig {
    /// `SMB::max_pending_messages`: requests awaiting a response (and
    /// reads, IOCTLs) tracked at once; 0 = no limit.
    pub max_pending_messages: usize,
    /// `SMB::enable_clear_script_state`: the session state starts over
    /// when the limit above is hit.
    pub enable_clear_script_state: bool,
    /// `SMB::max_dce_rpc_analyzers`: named pipes analysed at once.
    pub max_dce_rpc_analyzers: usize,
    /// `SMB::max_andx_depth`: SMB1 AndX chain links followed.
    pub max_andx_depth: usize,
    /// `SMB::pipe_filenames`: names that make a tree a named pipe when
    /// opened on it.
    pub pipe_filenames: Vec<String>,
}

impl Default for SmbConfig {
    fn default() -> Self {
        SmbConfig {
            max_pending_messages: 1000,
            enable_clear_script_state: true,
            max_dce_rpc_analyzers: 1000,
            max_andx_depth: 10,
            pipe_filenames: [
                "spoolss", "winreg", "samr", "srvsvc", "netdfs", "lsarpc", "wkssvc", "MsFteWds",
            ]
            .map(String::from)
            .to_vec(),
        }
    }
}

/// Where one direction of the stream is.
#[derive(Default)]
enum Reading {
    /// At an NBSS header (buffered until whole).
    #[default]
    Header,
    /// In a message of this length, buffered.
    Message(usize),
    /// In a message's data, passed on as it comes: `left` bytes of data
    /// to `sink`, then `trailer` bytes passed over.
    Data {
        sink: Sink,
        left: usize,
        trailer: usize,
    },
    /// Passing over this many bytes.
    Skip(usize),
}

#[derive(Default)]
struct Direction {
    buf: Vec<u8>,
    reading: Reading,
}

/// What the SMB1 and SMB2 halves share: the connection's files and pipes.
#[derive(Default)]
pub struct Session {
    files: Files,
    pipes: Pipes,
}

pub struct SmbAnalyzer {
    dirs: [Direction; 2],
    /// Zeek waits for a chunk that starts with a message, at the start and
    /// after content gaps.
    need_sync: bool,
    chunks: u32,
    session: Session,
    smb2: Smb2,
}

impl Default for SmbAnalyzer {
    fn default() -> Self {
        SmbAnalyzer {
            dirs: Default::default(),
            need_sync: true,
            chunks: 0,
            session: Session::default(),
            smb2: Smb2::default(),
        }
    }
}

impl Analyzer for SmbAnalyzer {
    fn deliver(&mut self, cx: &mut Context<'_>, is_orig: bool, data: &[u8]) {
        if self.need_sync {
            if !parser::starts_message(data) {
                return;
            }
            self.need_sync = false;
        }
        let dir = &mut self.dirs[usize::from(!is_orig)];
        read(cx, &mut self.session, &mut self.smb2, dir, is_orig, data);
        self.chunks += 1;
        if self.chunks == CONFIRM_AFTER_CHUNKS {
            cx.confirm();
        }
    }

    fn gap(&mut self, _cx: &mut Context<'_>, _is_orig: bool, _len: u64) {
        // Both directions start over at the next message.
        self.dirs = Default::default();
        self.need_sync = true;
    }

    fn finish(&mut self, cx: &mut Context<'_>) {
        self.session.files.finish(cx);
    }
}

/// Moves up to `want` bytes of `input` to `buf`.
fn take(buf: &mut Vec<u8>, input: &mut &[u8], want: usize) {
    let n = want.saturating_sub(buf.len()).min(input.len());
    buf.extend_from_slice(&input[..n]);
    *input = &input[n..];
}

/// One direction's bytes, message by message.
fn read(
    cx: &mut Context<'_>,
    session: &mut Session,
    smb2: &mut Smb2,
    dir: &mut Direction,
    is_orig: bool,
    mut input: &[u8],
) {
    while !input.is_empty() {
        dir.reading = match std::mem::take(&mut dir.reading) {
            Reading::Header => {
                take(&mut dir.buf, &mut input, NBSS_HEADER);
                match parser::nbss(&dir.buf) {
                    None => Reading::Header,
                    Some((kind, len)) => {
                        dir.buf.clear();
                        if kind != NBSS_SESSION_MESSAGE {
                            Reading::Skip(len)
                        } else {
                            Reading::Message(len)
                        }
                    }
                }
            }
            // A message wholly in this delivery is handled in place.
            Reading::Message(len) if dir.buf.is_empty() && len <= input.len().min(MAX_MESSAGE) => {
                let (msg, rest) = input.split_at(len);
                message(cx, session, smb2, is_orig, msg);
                input = rest;
                Reading::Header
            }
            Reading::Message(len) => {
                take(&mut dir.buf, &mut input, len.min(MAX_MESSAGE));
                let msg = std::mem::take(&mut dir.buf);
                if msg.len() == len {
                    message(cx, session, smb2, is_orig, &msg);
                    Reading::Header
                } else if let Some(r) = (len > MAX_MESSAGE)
                    .then(|| start_data(cx, session, smb2, is_orig, &msg, len))
                    .flatten()
                {
                    r
                } else if msg.len() >= MAX_MESSAGE {
                    Reading::Skip(len - msg.len())
                } else {
                    dir.buf = msg;
                    Reading::Message(len)
                }
            }
            Reading::Data {
                mut sink,
                left,
                trailer,
            } => {
                let n = left.min(input.len());
                sink.feed(cx, session, &input[..n]);
                input = &input[n..];
                if n < left {
                    Reading::Data {
                        sink,
                        left: left - n,
                        trailer,
                    }
                } else {
                    Reading::Skip(trailer)
                }
            }
            Reading::Skip(left) => {
                let n = left.min(input.len());
                input = &input[n..];
                if n < left {
                    Reading::Skip(left - n)
                } else {
                    Reading::Header
                }
            }
        };
    }
    // A message that ends exactly with the input (or an empty one).
    if let Reading::Skip(0) = dir.reading {
        dir.reading = Reading::Header;
    }
    if let Reading::Message(0) = dir.reading {
        dir.reading = Reading::Header;
    }
}

/// A whole message.
fn message(
    cx: &mut Context<'_>,
    session: &mut Session,
    smb2: &mut Smb2,
    is_orig: bool,
    msg: &[u8],
) {
    match parser::version(msg) {
        Some(Version::Smb2) => {
            let Some(h) = parser::smb2_header(msg) else {
                return;
            };
            let mut sink = smb2.message(cx, session, is_orig, &h, msg);
            if let Some((start, len)) = parser::data_region(&h, msg, is_orig) {
                let end = start.saturating_add(len).min(msg.len());
                if let Some(data) = msg.get(start..end).filter(|d| !d.is_empty()) {
                    sink.feed(cx, session, data);
                }
            }
        }
        Some(Version::Smb1) => smb1::message(cx, session, is_orig, msg),
        _ => {}
    }
}

/// The start of a message still arriving: if it is file data whose fixed
/// fields are in, the message is handled now and its data passed on as
/// it comes.
fn start_data(
    cx: &mut Context<'_>,
    session: &mut Session,
    smb2: &mut Smb2,
    is_orig: bool,
    prefix: &[u8],
    len: usize,
) -> Option<Reading> {
    if parser::version(prefix) != Some(Version::Smb2) {
        return None;
    }
    let h = parser::smb2_header(prefix)?;
    let (start, data_len) = parser::data_region(&h, prefix, is_orig)?;
    if prefix.len() < start {
        return None;
    }
    let mut sink = smb2.message(cx, session, is_orig, &h, prefix);
    let data_len = data_len.min(len.saturating_sub(start));
    let have = &prefix[start..prefix.len().min(start + data_len)];
    if !have.is_empty() {
        sink.feed(cx, session, have);
    }
    let left = data_len - have.len();
    let consumed = start + have.len();
    Some(Reading::Data {
        sink,
        left,
        trailer: len - consumed - left,
    })
}

/// Zeek's `dpd_smb` signature: an NBSS header then an SMB1 or SMB2
/// signature, from either side.
pub fn signature(orig: &[u8], resp: &[u8]) -> Option<bool> {
    let starts = |s: &[u8]| (s.len() >= 8).then(|| parser::starts_message(s));
    match (starts(orig), starts(resp)) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}
