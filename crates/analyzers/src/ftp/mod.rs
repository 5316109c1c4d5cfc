//! FTP: ftp.log (Zeek's `base/protocols/ftp`) from the control connection,
//! and the data connections it announces (`ftp-data`), whose contents go
//! to the files framework.

mod channel;
mod data;
mod nvt;
mod paths;
mod protocol;
mod record;
mod session;

pub use data::{FtpDataAnalyzer, SharedDataFile};
pub use record::FtpRecord;

use crate::context::Context;
use crate::Analyzer;
use nvt::LineSplitter;
use protocol::{Reply, ReplyParser, Request};
use session::Session;
use std::collections::BTreeSet;

/// Zeek's FTP options.
#[derive(Debug, Clone)]
pub struct FtpConfig {
    /// `FTP::logged_commands`: commands that get an ftp.log row.
    pub logged_commands: BTreeSet<String>,
    /// `FTP::guest_ids`: users whose passwords are logged.
    pub guest_ids: BTreeSet<String>,
    /// `FTP::max_pending_commands`: commands queued without a reply.
    pub max_pending_commands: usize,
    /// `FTP::max_user_length`, `FTP::max_password_length`,
    /// `FTP::max_arg_length`, `FTP::max_reply_msg_length`: logged bytes.
    pub max_user_length: usize,
    pub max_password_length: usize,
    pub max_arg_length: usize,
    pub max_reply_msg_length: usize,
    /// `FTP::default_capture_password`: log every password.
    pub capture_password: bool,
    /// `FTP::max_command_length`: longer command words are ignored.
    pub max_command_length: usize,
}

impl Default for FtpConfig {
    fn default() -> Self {
        let set = |words: &[&str]| words.iter().map(|w| w.to_string()).collect();
        FtpConfig {
            logged_commands: set(&[
                "APPE", "DELE", "RETR", "STOR", "STOU", "ACCT", "PORT", "PASV", "EPRT", "EPSV",
            ]),
            guest_ids: set(&["anonymous", "ftp", "ftpuser", "guest"]),
            max_pending_commands: 20,
            max_user_length: 128,
            max_password_length: 128,
            max_arg_length: 4096,
            max_reply_msg_length: 4096,
            capture_password: false,
            max_command_length: 100,
        }
    }
}

/// The FTP analyzer of one control connection.
pub struct FtpAnalyzer {
    /// Lines from the client and from the server.
    lines: [LineSplitter; 2],
    control: Control,
}

/// Everything but the line splitters (borrowed apart while lines come).
struct Control {
    replies: ReplyParser,
    /// Created with the first command or reply.
    session: Option<Session>,
    /// The argument of the last AUTH command.
    auth_requested: Option<Vec<u8>>,
    confirmed: bool,
    /// The server accepted AUTH TLS: the rest is TLS, not FTP.
    tls: bool,
    /// A reply broke the protocol: the analyzer is done.
    failed: bool,
}

impl FtpAnalyzer {
    pub fn new() -> Self {
        FtpAnalyzer {
            lines: [LineSplitter::new(), LineSplitter::new()],
            control: Control {
                replies: ReplyParser::default(),
                session: None,
                auth_requested: None,
                confirmed: false,
                tls: false,
                failed: false,
            },
        }
    }
}

impl Default for FtpAnalyzer {
    fn default() -> Self {
        Self::new()
    }
}

impl Control {
    fn parsing(&self) -> bool {
        !self.tls && !self.failed
    }

    fn session(&mut self, cx: &Context<'_>) -> &mut Session {
        self.session.get_or_insert_with(|| Session::new(cx))
    }

    /// One line; returns whether to go on parsing.
    fn line(&mut self, cx: &mut Context<'_>, is_orig: bool, line: &[u8]) -> bool {
        if !line.is_empty() {
            if is_orig {
                self.request(cx, line);
            } else {
                self.reply(cx, line);
            }
        }
        self.parsing()
    }

    fn request(&mut self, cx: &mut Context<'_>, line: &[u8]) {
        match protocol::parse_request(line, cx.config.ftp.max_command_length) {
            Request::Command { cmd, arg } => {
                if protocol::is_auth(&cmd) {
                    self.auth_requested = Some(arg.to_vec());
                }
                self.session(cx).request(cx, &cmd, arg);
                self.confirmed = true;
                cx.confirm();
            }
            Request::Invalid if self.confirmed => cx.weird("FTP", "FTP_invalid_command", None),
            Request::TooLong(len) if self.confirmed => {
                let addl = format!("{len} > {}", cx.config.ftp.max_command_length);
                cx.analysis_partial();
                cx.weird("FTP", "FTP_max_command_length_exceeded", Some(addl));
            }
            Request::Invalid | Request::TooLong(_) => {}
        }
    }

    fn reply(&mut self, cx: &mut Context<'_>, line: &[u8]) {
        match self.replies.parse(line) {
            Reply::Line { code, msg, cont } => {
                self.session(cx).reply(cx, code, msg, cont);
                if code == 234 && self.auth_requested.as_deref() == Some(b"TLS") {
                    self.tls = true;
                    cx.hand_over(crate::Kind::Ssl);
                }
            }
            Reply::Violation(reason) => {
                cx.violation(reason, Some(line));
                self.failed = true;
                // The host stops calling us; Zeek still writes what is
                // pending when the connection goes.
                self.finish(cx);
            }
        }
    }

    fn finish(&mut self, cx: &mut Context<'_>) {
        if let Some(s) = self.session.as_mut() {
            s.finish(cx);
        }
    }
}

impl Analyzer for FtpAnalyzer {
    fn deliver(&mut self, cx: &mut Context<'_>, is_orig: bool, data: &[u8]) {
        if !self.control.parsing() {
            return;
        }
        let control = &mut self.control;
        self.lines[usize::from(!is_orig)].feed(data, |line| control.line(cx, is_orig, line));
    }

    fn end_of_stream(&mut self, cx: &mut Context<'_>, is_orig: bool) {
        // Zeek ends a partial last line as if a LF had come.
        if self.lines[usize::from(!is_orig)].has_partial() {
            self.deliver(cx, is_orig, b"\n");
        }
    }

    fn finish(&mut self, cx: &mut Context<'_>) {
        self.control.finish(cx);
    }
}

#[cfg(test)]
mod tests;

/// Zeek's `dpd_ftp_client` + `dpd_ftp_server`: a USER command at the start
/// of a client line; a 120/220 greeting opening the server's side, then a
/// 230/331 reply at the start of a later line.
pub(crate) fn signature(orig: &[u8], resp: &[u8]) -> Option<bool> {
    let blanks = resp
        .iter()
        .take_while(|b| matches!(b, b'\n' | b'\r' | b' '))
        .count();
    let greeting = &resp[blanks..];
    if greeting.len() < 4 {
        // Undecided while what came can still become a greeting.
        let possible = [b"120", b"220"]
            .iter()
            .any(|c| c.starts_with(&greeting[..greeting.len().min(3)]));
        return if possible { None } else { Some(false) };
    }
    if !code_then_non_digit(greeting, &[b"120", b"220"]) {
        return Some(false);
    }
    let login_reply = (4..greeting.len()).any(|i| {
        matches!(greeting[i], b'\n' | b'\r')
            && code_then_non_digit(trim_spaces(&greeting[i + 1..]), &[b"230", b"331"])
    });
    let user_command = line_starts(orig).any(|line| {
        let l = trim_spaces(line);
        l.len() >= 5 && l[..4].eq_ignore_ascii_case(b"user") && l[4] == b' '
    });
    (login_reply && user_command).then_some(true)
}

/// Whether `s` starts with one of `codes` and a non-digit.
fn code_then_non_digit(s: &[u8], codes: &[&[u8]]) -> bool {
    s.len() >= 4 && codes.iter().any(|c| s.starts_with(c)) && !s[3].is_ascii_digit()
}

/// `s` from the start and from after every CR or LF.
fn line_starts(s: &[u8]) -> impl Iterator<Item = &[u8]> {
    std::iter::once(s).chain(
        s.iter()
            .enumerate()
            .filter(|(_, b)| matches!(b, b'\n' | b'\r'))
            .map(move |(i, _)| &s[i + 1..]),
    )
}

fn trim_spaces(b: &[u8]) -> &[u8] {
    &b[b.iter().take_while(|&&c| c == b' ').count()..]
}

#[cfg(test)]
mod signature_tests {
    use super::signature;
    use crate::Kind;

    #[test]
    fn ftp_signature_needs_login_from_both_sides() {
        let greeting = b"220 ftp.example.org ready\r\n";
        assert_eq!(signature(b"", greeting), None);
        assert_eq!(signature(b"USER anonymous\r\n", greeting), None);
        assert_eq!(
            signature(
                b"USER anonymous\r\n",
                b"220 ftp.example.org ready\r\n331 Guest login ok\r\n"
            ),
            Some(true)
        );
        assert_eq!(
            signature(b"SYST\r\n  user x\r\n", b"\r\n120-wait\r\n 230 ok\r\n"),
            Some(true)
        );
        assert_eq!(
            signature(b"USER x\r\n", b"HTTP/1.1 200 OK\r\n"),
            Some(false)
        );
        assert_eq!(signature(b"USER x\r\n", b"2201 no\r\n"), Some(false));
        assert_eq!(signature(b"USER x\r\n", b"22"), None);
        // The host probes with one byte per side: FTP is decidable.
        assert_eq!(Kind::Ftp.signature(6, b"x", b"x"), Some(false));
    }
}
