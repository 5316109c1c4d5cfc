//! POP3: recognises the protocol for conn.log's `pop3` service, as Zeek's
//! `base/protocols/pop3` does (Zeek writes no POP3 log). Zeek attaches it
//! by signature only: a client command and a `+OK` from the server.
//!
//! Zeek confirms POP3 only when the server accepts a USER, CAPA or STLS
//! command, so the analyzer follows Zeek's session state machine: client
//! commands wait in a queue until the server answers the one in front,
//! and a multi-line answer runs until its lone `.`.

mod session;

use crate::smtp::lines::LineBuffer;
use crate::{Analyzer, Context};
use session::{Session, Verdict};

const SOURCE: &str = "POP3";

#[derive(Default)]
pub struct Pop3Analyzer {
    session: Session,
    lines: [LineBuffer; 2],
    /// TLS took over the stream, or the analyzer gave up.
    done: bool,
}

impl Analyzer for Pop3Analyzer {
    fn deliver(&mut self, cx: &mut Context<'_>, is_orig: bool, mut data: &[u8]) {
        let dir = usize::from(!is_orig);
        while !self.done {
            let Some(line) = self.lines[dir].next_line(&mut data) else {
                break;
            };
            let verdict = if is_orig {
                self.session.client_line(&line)
            } else {
                self.session.server_line(&line)
            };
            self.apply(cx, verdict, data);
        }
        self.lines[dir].report_weirds(cx);
    }

    fn finish(&mut self, _cx: &mut Context<'_>) {}
}

impl Pop3Analyzer {
    /// Reports what one line led to; `rest` is the stream after it.
    fn apply(&mut self, cx: &mut Context<'_>, verdict: Verdict, rest: &[u8]) {
        for (name, addl) in self.session.take_weirds() {
            cx.weird(SOURCE, name, addl);
        }
        match verdict {
            Verdict::None => {}
            Verdict::Confirm => cx.confirm(),
            Verdict::StartTls => {
                // STLS accepted: the rest of the stream is TLS.
                cx.confirm();
                self.done = true;
                cx.hand_over_with(crate::Kind::Ssl, false, rest);
            }
            Verdict::Violation(reason) => {
                self.done = true;
                cx.violation(reason, None);
            }
        }
    }
}

/// Zeek's `dpd_pop3_client` / `dpd_pop3_server`: the client sends USER,
/// APOP, CAPA, AUTH or STLS at the start of a line; the server's stream
/// starts with `+OK`.
pub fn signature(orig: &[u8], resp: &[u8]) -> Option<bool> {
    if orig.is_empty() || resp.is_empty() {
        return None;
    }
    const COMMANDS: &[&[u8]] = &[b"user ", b"apop ", b"capa", b"auth", b"stls"];
    let line_starts = std::iter::once(0).chain(
        orig.iter()
            .enumerate()
            .filter(|(_, c)| matches!(c, b'\r' | b'\n'))
            .map(|(i, _)| i + 1),
    );
    let client = line_starts.into_iter().any(|at| {
        let line = &orig[at..];
        let line = &line[line.iter().take_while(|c| c.is_ascii_whitespace()).count()..];
        COMMANDS.iter().any(|cmd| {
            line.len() >= cmd.len()
                && line[..cmd.len()].iter().zip(cmd.iter()).all(|(a, b)| {
                    a.to_ascii_lowercase() == *b || (*b == b' ' && a.is_ascii_whitespace())
                })
        })
    });
    Some(client && resp.starts_with(b"+OK"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{conn, drive};

    #[test]
    fn accepted_stls_hands_the_stream_to_tls() {
        let traffic: [(bool, &[u8]); 6] = [
            (false, b"+OK ready\r\n"),
            (true, b"CAPA\r\n"),
            (false, b"+OK\r\nSTLS\r\n.\r\n"),
            (true, b"STLS\r\n"),
            (false, b"+OK begin TLS\r\n\x16\x03\x01"),
            (false, b"\x00\x05"),
        ];
        let o = drive(&mut Pop3Analyzer::default(), &conn(6, 110), &traffic);
        assert!(o.confirmed);
        assert_eq!(o.handed_over, vec![crate::Kind::Ssl]);
    }

    #[test]
    fn a_greeting_alone_does_not_confirm() {
        let traffic: [(bool, &[u8]); 3] = [
            (false, b"+OK ready\r\n"),
            (true, b"NOOP\r\n"),
            (false, b"+OK\r\n"),
        ];
        let o = drive(&mut Pop3Analyzer::default(), &conn(6, 110), &traffic);
        assert!(!o.confirmed && !o.violated);
    }

    #[test]
    fn an_accepted_user_confirms() {
        let traffic: [(bool, &[u8]); 3] = [
            (false, b"+OK ready\r\n"),
            (true, b"USER bob\r\n"),
            (false, b"+OK\r\n"),
        ];
        let o = drive(&mut Pop3Analyzer::default(), &conn(6, 110), &traffic);
        assert!(o.confirmed);
    }

    #[test]
    fn redis_commands_on_the_pop3_signature_do_not_confirm() {
        let ping: &[u8] = b"*1\r\n$4\r\nPING\r\n";
        let mut traffic: Vec<(bool, &[u8])> = vec![
            (true, b"*2\r\n$4\r\nAUTH\r\n$4\r\nzeek\r\n"),
            (false, b"+OK\r\n"),
        ];
        for _ in 0..50 {
            traffic.push((true, ping));
            traffic.push((false, b"+PONG\r\n"));
        }
        let o = drive(&mut Pop3Analyzer::default(), &conn(6, 6379), &traffic);
        assert!(!o.confirmed);
    }

    #[test]
    fn signature_needs_a_command_and_ok() {
        assert_eq!(signature(b"USER bob\r\n", b""), None);
        assert_eq!(signature(b"USER bob\r\n", b"+OK ready\r\n"), Some(true));
        assert_eq!(
            signature(b"NOOP\r\n capa\r\n", b"+OK ready\r\n"),
            Some(true)
        );
        assert_eq!(
            signature(b"GET / HTTP/1.1\r\n", b"+OK ready\r\n"),
            Some(false)
        );
        assert_eq!(signature(b"USER bob\r\n", b"220 smtp\r\n"), Some(false));
    }
}
