//! IMAP up to STARTTLS, as Zeek's IMAP analyzer: it recognises the
//! protocol for conn.log's `imap` service and hands an accepted STARTTLS
//! over to TLS, so the certificates reach ssl.log and x509.log. Zeek writes
//! no IMAP log, and stops looking once the session is past the point where
//! STARTTLS could come.

use crate::framing::{up_to, Fed, MessageStream};
use crate::{Analyzer, Context, Kind};

/// Longest line buffered; IMAP lines before login are short.
const MAX_LINE: usize = 64 * 1024;

/// Commands after which STARTTLS can no longer come (Zeek's list).
const PAST_STARTTLS: &[&[u8]] = &[
    b"authenticate",
    b"login",
    b"examine",
    b"create",
    b"list",
    b"fetch",
];

pub struct ImapAnalyzer {
    lines: [MessageStream; 2],
    session: Session,
}

/// What the analyzer knows of the session so far.
#[derive(Default)]
struct Session {
    /// Tag of the client's STARTTLS, awaiting the server's answer.
    starttls_tag: Option<Vec<u8>>,
    /// Nothing more to look at: TLS took over, the session went past
    /// STARTTLS, or the stream is not IMAP.
    done: bool,
}

impl Default for ImapAnalyzer {
    fn default() -> Self {
        ImapAnalyzer {
            lines: [MessageStream::new(MAX_LINE), MessageStream::new(MAX_LINE)],
            session: Session::default(),
        }
    }
}

/// One line: `tag SP command [...]`.
struct Line<'a> {
    tag: &'a [u8],
    command: &'a [u8],
}

/// Zeek's IMAP token: a tag and a command of printable non-space
/// characters, separated by spaces. `None`: not IMAP.
fn parse_line(line: &[u8]) -> Option<Line<'_>> {
    let is_token = |c: &u8| c.is_ascii_graphic();
    let tag_len = line.iter().take_while(|c| is_token(c)).count();
    let rest = &line[tag_len..];
    let spaces = rest.iter().take_while(|c| **c == b' ').count();
    let rest = &rest[spaces..];
    let command_len = rest.iter().take_while(|c| is_token(c)).count();
    (tag_len > 0 && spaces > 0 && command_len > 0).then(|| Line {
        tag: &line[..tag_len],
        command: &rest[..command_len],
    })
}

impl Session {
    /// Handles one line; false when it is not IMAP.
    fn line(&mut self, cx: &mut Context<'_>, is_orig: bool, raw: &[u8]) -> bool {
        let text = raw.trim_ascii_end();
        if self.done || text.is_empty() {
            return true;
        }
        let Some(line) = parse_line(text) else {
            return false;
        };
        let command = line.command.to_ascii_lowercase();
        let server_greeting = !is_orig && line.tag == b"*" && command == b"ok";
        let client_probe = is_orig && (command == b"capability" || command == b"starttls");
        if server_greeting || client_probe {
            cx.confirm();
        }
        if PAST_STARTTLS.contains(&line.command) {
            cx.confirm();
            self.done = true;
            return true;
        }
        if is_orig && command == b"starttls" {
            if self.starttls_tag.is_some() {
                cx.weird("", "IMAP: client sent duplicate StartTLS", None);
            }
            self.starttls_tag = Some(line.tag.to_vec());
        } else if !is_orig && self.starttls_tag.as_deref() == Some(line.tag) {
            if command == b"ok" {
                self.done = true;
                cx.hand_over(Kind::Ssl);
            } else {
                cx.weird("", "IMAP: server refused StartTLS", None);
            }
        }
        true
    }
}

impl Analyzer for ImapAnalyzer {
    fn deliver(&mut self, cx: &mut Context<'_>, is_orig: bool, data: &[u8]) {
        let session = &mut self.session;
        if session.done {
            return;
        }
        let lines = &mut self.lines[usize::from(is_orig)];
        let fed = lines.feed(data, up_to(b'\n'), |l| session.line(cx, is_orig, l));
        if fed == Fed::Broken && !session.done {
            session.done = true;
            cx.violation("not an IMAP line", Some(data));
        }
    }

    fn gap(&mut self, _cx: &mut Context<'_>, _is_orig: bool, _len: u64) {
        // Zeek's analyzer gives up on a connection with missing content.
        self.session.done = true;
    }

    fn finish(&mut self, _cx: &mut Context<'_>) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::AppRecord;
    use crate::test_support::{conn, drive};

    fn weirds(records: &[AppRecord]) -> Vec<&'static str> {
        records
            .iter()
            .filter_map(|r| match r {
                AppRecord::Weird(w) => Some(w.name),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn accepted_starttls_hands_the_stream_to_tls() {
        let traffic: [(bool, &[u8]); 5] = [
            (false, b"* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n"),
            (true, b"a1 CAPABILITY\r\n"),
            (false, b"* CAPABILITY IMAP4rev1 STARTTLS\r\na1 OK done\r\n"),
            (true, b"a2 STARTTLS\r\n"),
            (false, b"a2 OK Begin TLS negotiation now\r\n"),
        ];
        let o = drive(&mut ImapAnalyzer::default(), &conn(6, 143), &traffic);
        assert!(o.confirmed);
        assert!(!o.violated);
        assert_eq!(o.handed_over, vec![Kind::Ssl]);
    }

    #[test]
    fn lines_split_across_segments_are_joined() {
        let traffic: [(bool, &[u8]); 3] = [
            (true, b"x STA"),
            (true, b"RTTLS\r\n"),
            (false, b"x OK go\r\n"),
        ];
        let o = drive(&mut ImapAnalyzer::default(), &conn(6, 143), &traffic);
        assert_eq!(o.handed_over, vec![Kind::Ssl]);
    }

    #[test]
    fn refused_or_repeated_starttls_is_weird() {
        let traffic: [(bool, &[u8]); 3] = [
            (true, b"a STARTTLS\r\n"),
            (true, b"b STARTTLS\r\n"),
            (false, b"b NO not now\r\n"),
        ];
        let o = drive(&mut ImapAnalyzer::default(), &conn(6, 143), &traffic);
        assert!(o.handed_over.is_empty());
        assert_eq!(
            weirds(&o.records),
            vec![
                "IMAP: client sent duplicate StartTLS",
                "IMAP: server refused StartTLS"
            ]
        );
    }

    #[test]
    fn login_ends_the_analysis_and_garbage_is_a_violation() {
        let traffic: [(bool, &[u8]); 2] =
            [(true, b"a login bob secret\r\n"), (true, b"b STARTTLS\r\n")];
        let o = drive(&mut ImapAnalyzer::default(), &conn(6, 143), &traffic);
        assert!(o.confirmed);
        assert!(o.handed_over.is_empty());

        let o = drive(
            &mut ImapAnalyzer::default(),
            &conn(6, 143),
            &[(false, b"\x16\x03\x01\x00\x05hello\n")],
        );
        assert!(o.violated);
        assert!(!o.confirmed);
    }
}
