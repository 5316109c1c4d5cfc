//! DTLS over UDP (Zeek's DTLS analyzer): each datagram holds whole
//! records with a 13-byte header (type, version, epoch, sequence number,
//! length), and handshake messages come as fragments (message sequence,
//! offset, length) that are put back together before the common TLS
//! handshake processing sees them.

use super::reader::Reader;
use super::{Header, SslAnalyzer, HANDSHAKE, MAX_HANDSHAKE_MESSAGE};
use crate::Context;

const DTLS_V10: u16 = 0xFEFF;
const DTLS_V12: u16 = 0xFEFD;
const RECORD_HEADER: usize = 13;
/// `SSL::dtls_max_version_errors`: records with another version before
/// analysis gives up.
const MAX_VERSION_ERRORS: u32 = 10;
/// `SSL::dtls_max_reported_version_errors`.
const MAX_REPORTED_VERSION_ERRORS: u32 = 1;
/// Fragments of one message accepted before reassembly gives up.
const MAX_FRAGMENTS: usize = 40;

/// DTLS state of the connection.
#[derive(Debug, Default)]
pub(super) struct Dtls {
    invalid_versions: u32,
    reported_versions: u32,
    /// The handshake message being reassembled, per direction (resp, orig).
    pending: [Option<Fragments>; 2],
}

/// One handshake message arriving in pieces.
#[derive(Debug)]
struct Fragments {
    message_seq: u16,
    msg_type: u8,
    body: Vec<u8>,
    /// Byte ranges received, merged and sorted.
    have: Vec<(usize, usize)>,
    count: usize,
}

impl Fragments {
    fn new(message_seq: u16, msg_type: u8, len: usize) -> Self {
        Fragments {
            message_seq,
            msg_type,
            body: vec![0; len],
            have: Vec::new(),
            count: 0,
        }
    }

    /// Adds `data` at `offset`; false when it does not fit the message.
    fn add(&mut self, offset: usize, data: &[u8]) -> bool {
        let Some(end) = offset
            .checked_add(data.len())
            .filter(|e| *e <= self.body.len())
        else {
            return false;
        };
        self.body[offset..end].copy_from_slice(data);
        self.have.push((offset, end));
        self.have.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(self.have.len());
        for &(s, e) in &self.have {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        self.have = merged;
        self.count += 1;
        true
    }

    fn complete(&self) -> bool {
        self.have == [(0, self.body.len())]
    }
}

/// A STUN message (RFC 5389 magic cookie): WebRTC multiplexes STUN with
/// DTLS on one flow, and Zeek skips those datagrams silently.
fn is_stun(data: &[u8]) -> bool {
    data.len() > 20 && data[4..8] == [0x21, 0x12, 0xA4, 0x42]
}

impl SslAnalyzer {
    /// One UDP datagram of a DTLS connection.
    pub(super) fn datagram(&mut self, cx: &mut Context<'_>, is_orig: bool, data: &[u8]) {
        if is_stun(data) {
            return;
        }
        let mut r = Reader::new(data);
        while !self.stopped && !r.is_empty() {
            let Some(head) = r.bytes(RECORD_HEADER) else {
                return self.fail(cx, super::out_of_bound("SSLRecord"));
            };
            let version = u16::from_be_bytes([head[1], head[2]]);
            let len = usize::from(u16::from_be_bytes([head[11], head[12]]));
            if !self.dtls_version_ok(cx, version) {
                // Zeek swallows the rest of the datagram.
                return;
            }
            let Some(body) = r.bytes(len) else {
                return self.fail(cx, super::out_of_bound("SSLRecord"));
            };
            let header = Header {
                content: head[0].into(),
                len,
                head3: head[3],
                head4: head[4],
            };
            self.record(cx, is_orig, header, body);
        }
    }

    /// Zeek's `dtls_version_ok`: other versions are counted, reported once
    /// the protocol is confirmed, and end the analysis when too many.
    fn dtls_version_ok(&mut self, cx: &mut Context<'_>, version: u16) -> bool {
        let confirmed = self.confirmed;
        let d = &mut self.dtls;
        if matches!(version, DTLS_V10 | DTLS_V12) {
            if confirmed {
                d.invalid_versions = 0;
            }
            return true;
        }
        d.invalid_versions += 1;
        if confirmed {
            d.reported_versions += 1;
            if d.reported_versions <= MAX_REPORTED_VERSION_ERRORS {
                cx.violation(
                    format!(
                        "Invalid version in DTLS connection. Packet reported version: {version}"
                    ),
                    None,
                );
            }
        }
        if d.invalid_versions > MAX_VERSION_ERRORS {
            self.stopped = true;
        }
        false
    }

    /// A handshake record's fragments.
    pub(super) fn dtls_handshake(&mut self, cx: &mut Context<'_>, is_orig: bool, body: &[u8]) {
        let mut r = Reader::new(body);
        while !self.stopped && !r.is_empty() {
            let fields = (r.u8(), r.u24(), r.u16(), r.u24(), r.u24());
            let (Some(msg_type), Some(len), Some(message_seq), Some(offset), Some(frag_len)) =
                fields
            else {
                return self.fail(cx, super::out_of_bound("Handshake"));
            };
            let Some(data) = r.bytes(frag_len as usize) else {
                return self.fail(cx, super::out_of_bound("Handshake"));
            };
            let (len, offset) = (len as usize, offset as usize);
            if offset == 0 && data.len() == len {
                self.handshake_message(cx, is_orig, msg_type, data);
            } else {
                self.fragment(cx, is_orig, (msg_type, len, message_seq, offset), data);
            }
        }
    }

    /// A piece of a longer handshake message: kept until the message is
    /// whole. A piece of another message starts over.
    fn fragment(
        &mut self,
        cx: &mut Context<'_>,
        is_orig: bool,
        (msg_type, len, message_seq, offset): (u8, usize, u16, usize),
        data: &[u8],
    ) {
        if len > MAX_HANDSHAKE_MESSAGE {
            return self.fail(cx, format!("handshake message of {len} bytes is too large"));
        }
        let slot = &mut self.dtls.pending[usize::from(is_orig)];
        let same = slot.as_ref().is_some_and(|f| {
            f.message_seq == message_seq && f.msg_type == msg_type && f.body.len() == len
        });
        if !same {
            *slot = Some(Fragments::new(message_seq, msg_type, len));
        }
        let Some(f) = slot.as_mut() else { return };
        if f.count >= MAX_FRAGMENTS || !f.add(offset, data) {
            *slot = None;
            return cx.weird("SSL", "DTLS_invalid_fragment", None);
        }
        if f.complete() {
            let f = slot.take().expect("checked above");
            self.handshake_message(cx, is_orig, f.msg_type, &f.body);
        }
    }
}

/// The DTLS client hello signature (Zeek's `dpd_dtls_client`): a
/// handshake record of DTLS 1.0 or 1.2 in epoch 0 carrying a ClientHello
/// whose own version is DTLS too.
pub fn client_hello_signature(orig: &[u8], resp: &[u8]) -> Option<bool> {
    let looks = |d: &[u8]| {
        d.len() >= 27
            && d[0] == HANDSHAKE as u8
            && d[1] == 0xFE
            && matches!(d[2], 0xFF | 0xFD)
            && d[3..10].iter().all(|b| *b == 0)
            && d[13] == 1
            && d[25] == 0xFE
            && matches!(d[26], 0xFF | 0xFD)
    };
    if orig.is_empty() && resp.is_empty() {
        return None;
    }
    Some(looks(orig) || looks(resp))
}
