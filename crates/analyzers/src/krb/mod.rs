//! Kerberos: recognises KDC and application messages for conn.log's `krb`
//! (UDP) and `krb_tcp` services, as Zeek's analyzers do. Each UDP datagram
//! and each TCP record (a 4-byte length, then the message) holds one
//! message: an [APPLICATION n] element of a Kerberos message type whose
//! DER encoding is sound confirms; anything else is a violation.

use crate::framing::{Framing, MessageStream};
use crate::{Analyzer, Context};

/// Kerberos message types (the APPLICATION tag numbers).
const MESSAGE_TYPES: [u8; 10] = [10, 11, 12, 13, 14, 15, 20, 21, 22, 30];
/// Largest TCP record accepted (bounds memory).
const MAX_RECORD: usize = 1 << 20;
/// Deepest nesting of DER elements walked.
const MAX_DEPTH: usize = 32;

pub struct KrbAnalyzer {
    proto: u8,
    /// TCP records being collected, per direction.
    streams: [MessageStream; 2],
    failed: bool,
}

impl KrbAnalyzer {
    pub fn new(proto: u8) -> Self {
        KrbAnalyzer {
            proto,
            streams: [
                MessageStream::new(MAX_RECORD),
                MessageStream::new(MAX_RECORD),
            ],
            failed: false,
        }
    }
}

impl Analyzer for KrbAnalyzer {
    fn deliver(&mut self, cx: &mut Context<'_>, is_orig: bool, data: &[u8]) {
        if self.failed {
            return;
        }
        if self.proto == 17 {
            self.message(cx, data);
            return;
        }
        let mut verdicts = Vec::new();
        let fed = self.streams[usize::from(!is_orig)].feed(data, record_length, |record| {
            verdicts.push(is_kerberos(&record[4..]));
            true
        });
        for ok in verdicts {
            self.verdict(cx, ok, data);
        }
        if fed == crate::framing::Fed::Broken && !self.failed {
            self.verdict(cx, false, data);
        }
    }

    fn gap(&mut self, _cx: &mut Context<'_>, _is_orig: bool, _len: u64) {
        self.failed = true;
    }

    fn finish(&mut self, _cx: &mut Context<'_>) {}
}

impl KrbAnalyzer {
    fn message(&mut self, cx: &mut Context<'_>, data: &[u8]) {
        self.verdict(cx, is_kerberos(data), data);
    }

    fn verdict(&mut self, cx: &mut Context<'_>, ok: bool, data: &[u8]) {
        if self.failed {
            return;
        }
        if ok {
            cx.confirm();
        } else {
            self.failed = true;
            cx.violation("Binpac exception: malformed Kerberos message", Some(data));
        }
    }
}

/// A TCP record: a 32-bit big-endian length, then that many bytes.
fn record_length(buf: &[u8]) -> Framing {
    match buf.get(..4) {
        None => Framing::NeedMore,
        Some(len) => {
            let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
            Framing::Length(len.saturating_add(4))
        }
    }
}

/// Whether `msg` is a Kerberos message: an APPLICATION element of a
/// message type, holding well-formed DER.
fn is_kerberos(msg: &[u8]) -> bool {
    let Some((tag, body, _)) = element(msg) else {
        return false;
    };
    // [APPLICATION n], constructed.
    let app = tag.wrapping_sub(0x60);
    MESSAGE_TYPES.contains(&app) && well_formed(body, 0)
}

/// One DER element at the start of `data`: its tag, its contents and what
/// follows it.
fn element(data: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = data.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first & 0x80 == 0 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| acc << 8 | usize::from(b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// Whether `data` is a run of DER elements whose constructed ones hold
/// well-formed elements too.
fn well_formed(mut data: &[u8], depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    while !data.is_empty() {
        let Some((tag, body, rest)) = element(data) else {
            return false;
        };
        let constructed = tag & 0x20 != 0;
        if constructed && !well_formed(body, depth + 1) {
            return false;
        }
        data = rest;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{conn, drive};

    /// A minimal AS-REQ: [APPLICATION 10] SEQUENCE { [1] INTEGER 5,
    /// [2] INTEGER 10 }.
    const AS_REQ: &[u8] = b"\x6a\x0c\x30\x0a\xa1\x03\x02\x01\x05\xa2\x03\x02\x01\x0a";

    #[test]
    fn udp_messages_confirm() {
        let o = drive(&mut KrbAnalyzer::new(17), &conn(17, 88), &[(true, AS_REQ)]);
        assert!(o.confirmed && !o.violated);
        let o = drive(
            &mut KrbAnalyzer::new(17),
            &conn(17, 88),
            &[(true, b"\x30\x00")],
        );
        assert!(o.violated && !o.confirmed);
    }

    #[test]
    fn tcp_records_confirm_once_complete() {
        let mut record = (AS_REQ.len() as u32).to_be_bytes().to_vec();
        record.extend_from_slice(AS_REQ);
        let (a, b) = record.split_at(7);
        let o = drive(&mut KrbAnalyzer::new(6), &conn(6, 88), &[(true, a)]);
        assert!(!o.confirmed);
        let o = drive(
            &mut KrbAnalyzer::new(6),
            &conn(6, 88),
            &[(true, a), (true, b)],
        );
        assert!(o.confirmed);
    }

    #[test]
    fn broken_der_is_a_violation() {
        let mut bad = AS_REQ.to_vec();
        bad[5] = 0x7f; // an inner length running past the end
        assert!(!is_kerberos(&bad));
        assert!(!is_kerberos(b"\x6a\x84\xff\xff\xff\xff"));
        assert!(!is_kerberos(b""));
    }
}
