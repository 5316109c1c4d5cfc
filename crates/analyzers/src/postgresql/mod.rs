//! PostgreSQL frontend/backend protocol v3: recognises the protocol for
//! conn.log's `postgresql` service, as Zeek's `base/protocols/postgresql`
//! does. (postgresql.log is not written yet.)

use crate::framing::{Fed, Framing, MessageStream};
use crate::{Analyzer, Context};

const MAX_MESSAGE: usize = 1 << 20;
const SSL_REQUEST: u32 = 80_877_103;
const GSSENC_REQUEST: u32 = 80_877_104;
const CANCEL_REQUEST: u32 = 80_877_102;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The client's first (untyped) message is due.
    Startup,
    /// The client asked for TLS: the server answers with one byte.
    SslAnswer,
    /// Typed messages both ways.
    Messages,
    /// Not PostgreSQL, or encrypted from here on.
    Done,
}

pub struct PostgresqlAnalyzer {
    phase: Phase,
    streams: [MessageStream; 2],
    confirmed: bool,
}

impl Default for PostgresqlAnalyzer {
    fn default() -> Self {
        PostgresqlAnalyzer {
            phase: Phase::Startup,
            streams: [
                MessageStream::new(MAX_MESSAGE),
                MessageStream::new(MAX_MESSAGE),
            ],
            confirmed: false,
        }
    }
}

impl PostgresqlAnalyzer {
    fn confirm(&mut self, cx: &mut Context<'_>) {
        if !self.confirmed {
            self.confirmed = true;
            cx.confirm();
        }
    }

    fn reject(&mut self, cx: &mut Context<'_>, reason: &str) {
        if !self.confirmed {
            cx.violation(reason, None);
        }
        self.phase = Phase::Done;
    }

    fn client(&mut self, cx: &mut Context<'_>, data: &[u8]) {
        let mut next = self.phase;
        let fed = match self.phase {
            Phase::Startup => self.streams[0].feed(data, untyped_frame, |m| {
                let code = be32(&m[4..8]);
                next = match code {
                    SSL_REQUEST | GSSENC_REQUEST => Phase::SslAnswer,
                    CANCEL_REQUEST => Phase::Done,
                    c if c >> 16 == 3 => Phase::Messages,
                    _ => return false,
                };
                true
            }),
            Phase::Messages => self.streams[0].feed(data, typed_frame, |_| true),
            Phase::SslAnswer | Phase::Done => Fed::Ok,
        };
        if fed == Fed::Broken {
            return self.reject(cx, "not a PostgreSQL frontend message");
        }
        self.phase = next;
    }

    fn server(&mut self, cx: &mut Context<'_>, data: &[u8]) {
        match self.phase {
            Phase::Startup => self.reject(cx, "backend data before a startup message"),
            Phase::SslAnswer => match data.first() {
                Some(b'S') => {
                    self.confirm(cx);
                    self.phase = Phase::Done;
                    cx.hand_over(crate::Kind::Ssl);
                }
                Some(b'N') => {
                    self.confirm(cx);
                    self.phase = Phase::Startup;
                }
                _ => self.reject(cx, "invalid answer to SSLRequest"),
            },
            Phase::Messages => {
                let mut any = false;
                let fed = self.streams[1].feed(data, typed_frame, |m| {
                    any = true;
                    m[0].is_ascii_alphanumeric()
                });
                if fed == Fed::Broken {
                    return self.reject(cx, "not a PostgreSQL backend message");
                }
                if any {
                    self.confirm(cx);
                }
            }
            Phase::Done => {}
        }
    }
}

impl Analyzer for PostgresqlAnalyzer {
    fn deliver(&mut self, cx: &mut Context<'_>, is_orig: bool, data: &[u8]) {
        if is_orig {
            self.client(cx, data)
        } else {
            self.server(cx, data)
        }
    }

    fn gap(&mut self, _cx: &mut Context<'_>, _is_orig: bool, _len: u64) {
        self.phase = Phase::Done;
    }

    fn finish(&mut self, _cx: &mut Context<'_>) {}
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// Startup-phase messages: a 4-byte length (itself included), then a code.
fn untyped_frame(b: &[u8]) -> Framing {
    if b.len() < 8 {
        return Framing::NeedMore;
    }
    match be32(b) as usize {
        n if n < 8 => Framing::Invalid,
        n => Framing::Length(n),
    }
}

/// Regular messages: a type byte, then a 4-byte length (itself included).
fn typed_frame(b: &[u8]) -> Framing {
    if b.len() < 5 {
        return Framing::NeedMore;
    }
    match be32(&b[1..5]) as usize {
        n if n < 4 => Framing::Invalid,
        n => Framing::Length(n + 1),
    }
}

/// Zeek's PostgreSQL DPD signatures: an SSLRequest answered with `S` or
/// `N`, or a v3 startup message naming a user answered with a typed
/// message.
pub fn signature(orig: &[u8], resp: &[u8]) -> Option<bool> {
    if orig.is_empty() || resp.is_empty() {
        return None;
    }
    if orig.starts_with(b"\x00\x00\x00\x08\x04\xd2\x16\x2f") {
        return Some(matches!(resp[0], b'S' | b'N'));
    }
    let startup = orig.len() > 8
        && orig[4..7] == [0, 3, 0]
        && orig[8..orig.len().min(8 + 256 + 5)]
            .windows(5)
            .any(|w| w == b"user\0");
    let reply = resp.len() >= 5 && resp[0].is_ascii_alphanumeric() && resp[1..3] == [0, 0];
    Some(startup && reply)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{conn, drive};

    fn startup() -> Vec<u8> {
        let body = b"\x00\x03\x00\x00user\x00alice\x00database\x00db\x00\x00";
        let mut m = ((body.len() + 4) as u32).to_be_bytes().to_vec();
        m.extend_from_slice(body);
        m
    }
    const AUTH_OK: &[u8] = b"R\x00\x00\x00\x08\x00\x00\x00\x00";
    const SSL_REQ: &[u8] = b"\x00\x00\x00\x08\x04\xd2\x16\x2f";

    fn run(msgs: &[(bool, &[u8])]) -> (bool, bool) {
        let o = drive(&mut PostgresqlAnalyzer::default(), &conn(6, 5432), msgs);
        (o.confirmed, o.violated)
    }

    #[test]
    fn login_confirms() {
        let s = startup();
        assert_eq!(run(&[(true, &s), (false, AUTH_OK)]), (true, false));
        assert_eq!(
            run(&[(true, SSL_REQ), (false, b"N"), (true, &s), (false, AUTH_OK)]),
            (true, false)
        );
        assert_eq!(run(&[(true, SSL_REQ), (false, b"S")]), (true, false));
    }

    #[test]
    fn other_protocols_are_rejected() {
        assert_eq!(
            run(&[(true, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")]),
            (false, true)
        );
        // MySQL: the server speaks first.
        assert_eq!(
            run(&[(false, b"J\x00\x00\x00\x0a8.0.1\x00")]),
            (false, true)
        );
    }

    #[test]
    fn signatures_follow_zeek() {
        let s = startup();
        assert_eq!(signature(SSL_REQ, b"N"), Some(true));
        assert_eq!(signature(&s, AUTH_OK), Some(true));
        assert_eq!(
            signature(b"GET / HTTP/1.1\r\n", b"HTTP/1.1 200 OK\r\n"),
            Some(false)
        );
        assert_eq!(signature(&s, b""), None);
    }
}
