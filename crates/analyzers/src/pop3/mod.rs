//! POP3: recognises the protocol for conn.log's `pop3` service, as Zeek's
//! `base/protocols/pop3` does (Zeek writes no POP3 log). Zeek attaches it
//! by signature only: a client command and a `+OK` from the server.

use crate::{Analyzer, Context};

/// The analyzer is only attached once the signature matched, which is
/// Zeek's condition too; it confirms on the first server status line.
#[derive(Default)]
pub struct Pop3Analyzer {
    confirmed: bool,
    /// The client asked for STLS and awaits the answer.
    stls_asked: bool,
    /// TLS took over the stream.
    done: bool,
}

impl Analyzer for Pop3Analyzer {
    fn deliver(&mut self, cx: &mut Context<'_>, is_orig: bool, data: &[u8]) {
        if self.done {
            return;
        }
        if is_orig {
            let command = data.trim_ascii();
            self.stls_asked = command.eq_ignore_ascii_case(b"STLS");
            return;
        }
        let ok = data.starts_with(b"+OK");
        if !self.confirmed && (ok || data.starts_with(b"-ERR")) {
            self.confirmed = true;
            cx.confirm();
        }
        if self.stls_asked && ok {
            // STLS accepted: the rest is TLS.
            self.done = true;
            cx.hand_over(crate::Kind::Ssl);
        }
        self.stls_asked = false;
    }

    fn finish(&mut self, _cx: &mut Context<'_>) {}
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
        let traffic: [(bool, &[u8]); 5] = [
            (
                false,
                b"+OK ready
",
            ),
            (
                true, b"CAPA
",
            ),
            (
                false, b"+OK
",
            ),
            (
                true, b"STLS
",
            ),
            (
                false,
                b"+OK begin TLS
",
            ),
        ];
        let o = drive(&mut Pop3Analyzer::default(), &conn(6, 110), &traffic);
        assert!(o.confirmed);
        assert_eq!(o.handed_over, vec![crate::Kind::Ssl]);
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
