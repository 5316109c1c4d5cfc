//! DCE/RPC over TCP: recognises connection-oriented PDUs for conn.log's
//! `dce_rpc` service, as Zeek's analyzer does: each complete PDU whose
//! header and (for bind, bind-ack, request and response) body parse
//! confirms; a PDU that does not is a violation. After a content gap Zeek
//! stops looking. The same PDU streams run over SMB named pipes
//! ([`PduStreams`]).

mod fragments;

pub use fragments::DceRpcConfig;

use crate::framing::{Fed, Framing, MessageStream};
use crate::{Analyzer, Context};
use fragments::Fragments;

const HEADER: usize = 16;
/// PDU types whose bodies Zeek parses.
const REQUEST: u8 = 0;
const RESPONSE: u8 = 2;
const BIND: u8 = 11;
const BIND_ACK: u8 = 12;

/// Connection-oriented PDUs in both directions of one transport (a TCP
/// connection, an SMB named pipe): framing, and the reassembly of
/// fragmented calls whose limits stop the analysis, as Zeek's `SetSkip`.
pub(crate) struct PduStreams {
    streams: [MessageStream; 2],
    fragments: [Fragments; 2],
    stopped: bool,
}

/// What one delivery showed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Delivered {
    /// A PDU parsed: the protocol is confirmed.
    pub confirmed: bool,
    /// The bytes are not DCE/RPC: the streams stop.
    pub broken: bool,
}

impl Default for PduStreams {
    fn default() -> Self {
        PduStreams {
            // A PDU's length is a 16-bit field.
            streams: [MessageStream::new(0xffff), MessageStream::new(0xffff)],
            fragments: Default::default(),
            stopped: false,
        }
    }
}

impl PduStreams {
    pub fn deliver(&mut self, cx: &mut Context<'_>, is_orig: bool, data: &[u8]) -> Delivered {
        let mut out = Delivered::default();
        if self.stopped {
            return out;
        }
        let config = &cx.config.dce_rpc;
        let dir = usize::from(!is_orig);
        let fragments = &mut self.fragments[dir];
        let mut weirds = Vec::new();
        let mut stop = false;
        let fed = self.streams[dir].feed(data, pdu_length, |pdu| {
            if stop {
                return true;
            }
            let ok = pdu_parses(pdu);
            out.confirmed |= ok;
            if ok {
                stop = fragments.add(config, pdu, &mut weirds);
            }
            ok
        });
        for name in weirds {
            cx.weird("DCE_RPC", name, None);
        }
        if fed == Fed::Broken {
            out.broken = true;
        }
        self.stopped = stop || out.broken;
        out
    }

    /// Bytes went missing: Zeek stops looking.
    pub fn stop(&mut self) {
        self.stopped = true;
    }
}

#[derive(Default)]
pub struct DceRpcAnalyzer {
    pdus: PduStreams,
}

impl Analyzer for DceRpcAnalyzer {
    fn deliver(&mut self, cx: &mut Context<'_>, is_orig: bool, data: &[u8]) {
        let d = self.pdus.deliver(cx, is_orig, data);
        if d.confirmed {
            cx.confirm();
        }
        if d.broken {
            cx.violation("Binpac exception: malformed DCE/RPC PDU", Some(data));
        }
    }

    fn gap(&mut self, _cx: &mut Context<'_>, _is_orig: bool, _len: u64) {
        self.pdus.stop();
    }

    fn finish(&mut self, _cx: &mut Context<'_>) {}
}

/// Whether the header's data representation says little-endian.
fn little_endian(header: &[u8]) -> bool {
    header[4] >> 4 != 0
}

fn u16_at(pdu: &[u8], at: usize, le: bool) -> Option<u16> {
    let b: [u8; 2] = pdu.get(at..at + 2)?.try_into().ok()?;
    Some(if le {
        u16::from_le_bytes(b)
    } else {
        u16::from_be_bytes(b)
    })
}

/// A PDU's length from its header (version 5 only).
fn pdu_length(buf: &[u8]) -> Framing {
    if buf.len() < HEADER {
        return match buf.first() {
            Some(5) | None => Framing::NeedMore,
            Some(_) => Framing::Invalid,
        };
    }
    if buf[0] != 5 {
        return Framing::Invalid;
    }
    match u16_at(buf, 8, little_endian(buf)) {
        Some(len) if usize::from(len) >= HEADER => Framing::Length(usize::from(len)),
        _ => Framing::Invalid,
    }
}

/// Whether a whole PDU parses as Zeek reads it.
fn pdu_parses(pdu: &[u8]) -> bool {
    let le = little_endian(pdu);
    let Some(auth_len) = u16_at(pdu, 10, le) else {
        return false;
    };
    let auth_len = usize::from(auth_len);
    let auth_header = if auth_len > 0 { 8 } else { 0 };
    let Some(body_len) = pdu.len().checked_sub(HEADER + auth_len + auth_header) else {
        return false;
    };
    let body = &pdu[HEADER..HEADER + body_len];
    let flags = pdu[3];
    let last_fragment = flags & 0x02 != 0;
    // Only a whole (unfragmented) body is parsed right away.
    if !(last_fragment && flags & 0x01 != 0) {
        return true;
    }
    body_parses(pdu[2], flags & 0x80 != 0, body, le)
}

/// The body of a PDU of type `ptype`.
fn body_parses(ptype: u8, has_object: bool, body: &[u8], le: bool) -> bool {
    match ptype {
        BIND => context_list(body.get(8..), true),
        BIND_ACK => {
            let Some(sec_len) = u16_at(body, 8, le) else {
                return false;
            };
            // Then padding to a multiple of 4 from the body's start.
            let end = 10 + usize::from(sec_len);
            context_list(body.get(end.next_multiple_of(4)..), false)
        }
        REQUEST => body.len() >= 8 + if has_object { 16 } else { 0 },
        RESPONSE => body.len() >= 8,
        _ => true,
    }
}

/// A context list: a count, three reserved bytes, then the requests (each
/// an id, a syntax count, one reserved byte, the abstract syntax and the
/// transfer syntaxes) or replies (result, reason and a syntax).
fn context_list(data: Option<&[u8]>, requests: bool) -> bool {
    const SYNTAX: usize = 20;
    let Some(data) = data else {
        return false;
    };
    let Some(&count) = data.first() else {
        return false;
    };
    let mut at = 4;
    for _ in 0..count {
        let size = if requests {
            let Some(&syntaxes) = data.get(at + 2) else {
                return false;
            };
            4 + SYNTAX * (1 + usize::from(syntaxes))
        } else {
            4 + SYNTAX
        };
        at += size;
        if at > data.len() {
            return false;
        }
    }
    at <= data.len()
}

/// Zeek's `dpd_dce_rpc` signature: a version 5.0/5.1 header of a known
/// type with little-endian integers, from either side.
pub fn signature(orig: &[u8], resp: &[u8]) -> Option<bool> {
    let starts = |s: &[u8]| match s {
        [5, 0 | 1, 0..=0x13, 3, ..] => Some(true),
        [_, _, _, _, ..] => Some(false),
        _ => None,
    };
    match (starts(orig), starts(resp)) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{conn, drive};

    /// A little-endian bind with one context and one transfer syntax.
    fn bind() -> Vec<u8> {
        let mut body = vec![0xb8, 0x10, 0xb8, 0x10, 0, 0, 0, 0];
        body.extend_from_slice(&[1, 0, 0, 0]);
        body.extend_from_slice(&[0, 0, 1, 0]);
        body.extend_from_slice(&[0x11; 40]);
        let len = (HEADER + body.len()) as u16;
        let mut pdu = vec![5, 0, BIND, 3, 0x10, 0, 0, 0];
        pdu.extend_from_slice(&len.to_le_bytes());
        pdu.extend_from_slice(&[0, 0, 1, 0, 0, 0]);
        pdu.extend_from_slice(&body);
        pdu
    }

    #[test]
    fn a_whole_bind_confirms() {
        let pdu = bind();
        let (a, b) = pdu.split_at(20);
        let o = drive(&mut DceRpcAnalyzer::default(), &conn(6, 135), &[(true, a)]);
        assert!(!o.confirmed);
        let o = drive(
            &mut DceRpcAnalyzer::default(),
            &conn(6, 135),
            &[(true, a), (true, b)],
        );
        assert!(o.confirmed && !o.violated);
    }

    #[test]
    fn other_streams_are_violations() {
        let o = drive(
            &mut DceRpcAnalyzer::default(),
            &conn(6, 135),
            &[(true, b"\x00\x01\x00\x00\x00\x06\x01\x03\x00\x00\x00\x01")],
        );
        assert!(o.violated);
        let mut short_bind = bind();
        short_bind.truncate(HEADER + 12);
        let len = short_bind.len() as u16;
        short_bind[8..10].copy_from_slice(&len.to_le_bytes());
        let o = drive(
            &mut DceRpcAnalyzer::default(),
            &conn(6, 135),
            &[(true, &short_bind)],
        );
        assert!(o.violated && !o.confirmed);
    }

    #[test]
    fn signature_matches_either_side() {
        assert_eq!(signature(b"\x05\x00\x0b\x03", b""), Some(true));
        assert_eq!(signature(b"\x00\x01", b""), None);
        assert_eq!(
            signature(b"\x00\x01\x00\x00", b"\x05\x00\x0c\x03\x10"),
            Some(true)
        );
        assert_eq!(
            signature(b"\x00\x01\x00\x00", b"\x00\x01\x00\x00"),
            Some(false)
        );
    }
}
