//! Syslog: recognises it for conn.log's `syslog` (UDP) and `syslog_tcp`
//! services, as Zeek's Spicy analyzers do. Over UDP every datagram is a
//! message (the priority is optional), so each confirms. Over TCP the
//! stream is RFC 6587 frames: octet counting (`LEN SP MSG`) or
//! non-transparent (`<PRI>MSG` ended by NUL, CR or LF); each complete
//! frame confirms, anything else is a violation.

use crate::{Analyzer, Context};

/// Digits of a frame length or priority kept (more cannot be a 64-bit
/// number).
const MAX_DIGITS: usize = 19;

/// Where a TCP stream is inside its current frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    /// Between frames.
    Start,
    /// Octet counting: the length so far.
    Length { value: u64, digits: usize },
    /// Octet counting: message bytes still to come.
    Counted(u64),
    /// Non-transparent: priority digits so far.
    Priority { digits: usize },
    /// Non-transparent: the message (`any`: at least one byte of it).
    Message { any: bool },
    /// Non-transparent: the terminators after the message.
    Terminators,
}

pub struct SyslogAnalyzer {
    proto: u8,
    /// Per direction (originator, responder).
    frames: [Frame; 2],
    failed: bool,
}

impl SyslogAnalyzer {
    pub fn new(proto: u8) -> Self {
        SyslogAnalyzer {
            proto,
            frames: [Frame::Start; 2],
            failed: false,
        }
    }
}

impl Analyzer for SyslogAnalyzer {
    fn deliver(&mut self, cx: &mut Context<'_>, is_orig: bool, data: &[u8]) {
        if self.proto == 17 {
            cx.confirm();
            return;
        }
        if self.failed {
            return;
        }
        let frame = &mut self.frames[usize::from(!is_orig)];
        match read_frames(frame, data) {
            Ok(0) => {}
            Ok(_) => cx.confirm(),
            Err(reason) => {
                self.failed = true;
                cx.violation(reason, Some(data));
            }
        }
    }

    fn gap(&mut self, _cx: &mut Context<'_>, _is_orig: bool, _len: u64) {
        self.failed = true;
    }

    /// The end of the stream ends the last frame; a frame cut short there
    /// does not parse.
    fn end_of_stream(&mut self, cx: &mut Context<'_>, is_orig: bool) {
        if self.failed || self.proto == 17 {
            return;
        }
        let frame = std::mem::replace(&mut self.frames[usize::from(!is_orig)], Frame::Start);
        match frame {
            Frame::Start => {}
            Frame::Terminators => cx.confirm(),
            _ => {
                self.failed = true;
                cx.violation("syslog frame cut short", None);
            }
        }
    }

    fn finish(&mut self, _cx: &mut Context<'_>) {}
}

/// Reads stream bytes; the number of frames completed, or why the bytes
/// are not syslog frames.
fn read_frames(frame: &mut Frame, mut data: &[u8]) -> Result<usize, &'static str> {
    let mut complete = 0;
    while let Some((&b, rest)) = data.split_first() {
        if let Frame::Counted(n) = *frame {
            // The message itself: skipped whole.
            let take = usize::try_from(n).unwrap_or(usize::MAX).min(data.len());
            data = &data[take..];
            let left = n - take as u64;
            *frame = if left == 0 {
                complete += 1;
                Frame::Start
            } else {
                Frame::Counted(left)
            };
            continue;
        }
        data = rest;
        let (next, done) = step(*frame, b)?;
        *frame = next;
        complete += usize::from(done);
    }
    Ok(complete)
}

/// One byte outside counted message bytes: the next state, and whether a
/// frame ended just before this byte.
fn step(frame: Frame, b: u8) -> Result<(Frame, bool), &'static str> {
    let terminator = matches!(b, 0 | b'\n' | b'\r');
    Ok(match frame {
        Frame::Start => (start(b)?, false),
        Frame::Length { value, digits } => match b {
            b'0'..=b'9' if digits < MAX_DIGITS => {
                let value = value * 10 + u64::from(b - b'0');
                (
                    Frame::Length {
                        value,
                        digits: digits + 1,
                    },
                    false,
                )
            }
            b' ' => (Frame::Counted(value), false),
            _ => return Err("invalid syslog frame length"),
        },
        Frame::Priority { digits } => match b {
            b'0'..=b'9' if digits < MAX_DIGITS => (Frame::Priority { digits: digits + 1 }, false),
            b'>' if digits > 0 => (Frame::Message { any: false }, false),
            _ => return Err("invalid syslog priority"),
        },
        Frame::Message { any } if terminator => {
            if !any {
                return Err("empty syslog message");
            }
            (Frame::Terminators, false)
        }
        Frame::Message { .. } => (Frame::Message { any: true }, false),
        Frame::Terminators if terminator => (Frame::Terminators, false),
        // The frame ended with its last terminator; this byte starts the
        // next one.
        Frame::Terminators => (start(b)?, true),
        Frame::Counted(_) => (frame, false),
    })
}

/// The first byte of a frame.
fn start(b: u8) -> Result<Frame, &'static str> {
    match b {
        b'1'..=b'9' => Ok(Frame::Length {
            value: u64::from(b - b'0'),
            digits: 1,
        }),
        b'<' => Ok(Frame::Priority { digits: 0 }),
        _ => Err("not a syslog frame"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{conn, drive};

    #[test]
    fn every_udp_datagram_confirms() {
        let o = drive(
            &mut SyslogAnalyzer::new(17),
            &conn(17, 514),
            &[(true, b"hello")],
        );
        assert!(o.confirmed);
    }

    #[test]
    fn non_transparent_frames_confirm_once_the_next_begins() {
        let mut a = SyslogAnalyzer::new(6);
        let o = drive(&mut a, &conn(6, 514), &[(true, b"<13>first message\n")]);
        assert!(!o.confirmed && !o.violated);
        let o = drive(&mut a, &conn(6, 514), &[(true, b"<14>second\n")]);
        assert!(o.confirmed);
    }

    #[test]
    fn the_end_of_the_stream_ends_the_last_frame() {
        let mut a = SyslogAnalyzer::new(6);
        drive(&mut a, &conn(6, 514), &[(true, b"<13>only message\n")]);
        let config = crate::AnalyzerConfig::default();
        let mut fuids = crate::FuidGen::new(Some(1));
        let mut records = Vec::new();
        let info = conn(6, 514);
        let mut cx = Context::new(&info, records::Time(1), &config, &mut fuids, &mut records);
        a.end_of_stream(&mut cx, true);
        assert!(cx.confirmed);
    }

    #[test]
    fn octet_counted_frames_confirm_when_complete() {
        let o = drive(
            &mut SyslogAnalyzer::new(6),
            &conn(6, 514),
            &[(true, b"10 <13>hel"), (true, b"lo\n")],
        );
        assert!(o.confirmed);
    }

    #[test]
    fn other_streams_are_a_violation() {
        for bad in [&b"GET / HTTP/1.1\r\n"[..], b"<>x\n", b"<13>\n", b"0 x"] {
            let o = drive(&mut SyslogAnalyzer::new(6), &conn(6, 514), &[(true, bad)]);
            assert!(o.violated && !o.confirmed, "{bad:?}");
        }
    }
}
