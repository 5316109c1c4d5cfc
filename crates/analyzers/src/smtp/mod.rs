//! SMTP: smtp.log (Zeek's `base/protocols/smtp`); mail bodies and
//! attachments go to the files framework.
//!
//! The protocol side follows Zeek's SMTP analyzer: commands and replies
//! are matched through a queue (pipelining), a state machine tracks where
//! the session is (data, BDAT chunks, AUTH, TLS, after a gap), and the mail
//! goes through the MIME parser. The script side lives in [`session`].

mod bdat;
mod extract;
pub(crate) mod lines;
mod record;
mod session;
mod software;

pub use record::SmtpRecord;

use crate::context::Context;
use crate::mime::MimeMessage;
use crate::Kind;
use bdat::{parse_bdat_arg, Bdat, BdatOut};
use lines::{LineBuffer, Piece};
use session::{MailEvents, Session};
use std::collections::VecDeque;

/// Commands waiting for their reply at most; more raise a weird and the
/// queue starts over.
const MAX_PENDING_CMDS: usize = 1000;

/// Where the session is (Zeek's `SMTP_State`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Initiated,
    NotAvailable,
    Ready,
    MailOk,
    RcptOk,
    InData,
    AfterData,
    InAuth,
    InTls,
    Quit,
    AfterGap,
    GapRecovery,
    InBdat,
    Connected,
}

/// SMTP commands, including the implicit ones (greeting, end of data, AUTH
/// answers), as Zeek names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmd {
    Ehlo,
    Helo,
    Mail,
    Rcpt,
    Data,
    Quit,
    Rset,
    Vrfy,
    Expn,
    Help,
    Noop,
    StartTls,
    XAnonymousTls,
    ConnEstablishment,
    EndOfData,
    Send,
    Soml,
    Saml,
    Turn,
    Bdat,
    Etrn,
    Auth,
    AuthAnswer,
}

impl Cmd {
    const ALL: [Cmd; 23] = [
        Cmd::Ehlo,
        Cmd::Helo,
        Cmd::Mail,
        Cmd::Rcpt,
        Cmd::Data,
        Cmd::Quit,
        Cmd::Rset,
        Cmd::Vrfy,
        Cmd::Expn,
        Cmd::Help,
        Cmd::Noop,
        Cmd::StartTls,
        Cmd::XAnonymousTls,
        Cmd::ConnEstablishment,
        Cmd::EndOfData,
        Cmd::Send,
        Cmd::Soml,
        Cmd::Saml,
        Cmd::Turn,
        Cmd::Bdat,
        Cmd::Etrn,
        Cmd::Auth,
        Cmd::AuthAnswer,
    ];

    fn name(self) -> &'static str {
        match self {
            Cmd::Ehlo => "EHLO",
            Cmd::Helo => "HELO",
            Cmd::Mail => "MAIL",
            Cmd::Rcpt => "RCPT",
            Cmd::Data => "DATA",
            Cmd::Quit => "QUIT",
            Cmd::Rset => "RSET",
            Cmd::Vrfy => "VRFY",
            Cmd::Expn => "EXPN",
            Cmd::Help => "HELP",
            Cmd::Noop => "NOOP",
            Cmd::StartTls => "STARTTLS",
            Cmd::XAnonymousTls => "X_ANONYMOUSTLS",
            Cmd::ConnEstablishment => "CONN_ESTABLISHMENT",
            Cmd::EndOfData => "END_OF_DATA",
            Cmd::Send => "SEND",
            Cmd::Soml => "SOML",
            Cmd::Saml => "SAML",
            Cmd::Turn => "TURN",
            Cmd::Bdat => "BDAT",
            Cmd::Etrn => "ETRN",
            Cmd::Auth => "AUTH",
            Cmd::AuthAnswer => "AUTH_ANSWER",
        }
    }

    /// The command a client word names (any case). Zeek accepts its
    /// internal names too.
    fn parse(word: &[u8]) -> Option<Cmd> {
        if word.eq_ignore_ascii_case(b"X-ANONYMOUSTLS") {
            return Some(Cmd::XAnonymousTls);
        }
        Cmd::ALL
            .into_iter()
            .find(|c| word.eq_ignore_ascii_case(c.name().as_bytes()))
    }

    /// The command as `smtp_reply` reports it.
    fn reply_name(cmd: Option<Cmd>) -> &'static str {
        match cmd {
            Some(Cmd::ConnEstablishment) => ">",
            Some(Cmd::EndOfData) => ".",
            Some(c) => c.name(),
            None => "(UNKNOWN)",
        }
    }
}

/// A mail being received: its MIME parse and the direction it is sent in.
struct Mail {
    mime: MimeMessage,
    is_orig: bool,
}

/// SMTP analyzer state of one connection.
pub struct SmtpAnalyzer {
    state: State,
    /// Flipped by TURN.
    orig_is_sender: bool,
    /// The oldest command without a reply, then the others in order.
    first_cmd: Option<Cmd>,
    pending_cmds: VecDeque<Cmd>,
    last_replied: Option<Cmd>,
    /// The code of a multi-line reply in progress.
    pending_reply: u16,
    /// Line splitting of the responder (0) and originator (1) streams.
    lines: [LineBuffer; 2],
    ended: [bool; 2],
    mail: Option<Mail>,
    bdat: Option<Bdat>,
    session: Session,
    /// Analysis stopped (violation, disabled, connection gone).
    stopped: bool,
}

impl Default for SmtpAnalyzer {
    fn default() -> Self {
        Self::new()
    }
}

impl SmtpAnalyzer {
    pub fn new() -> Self {
        SmtpAnalyzer {
            // The greeting is the first "command" awaiting a reply.
            state: State::Initiated,
            orig_is_sender: true,
            first_cmd: Some(Cmd::ConnEstablishment),
            pending_cmds: VecDeque::new(),
            last_replied: None,
            pending_reply: 0,
            lines: Default::default(),
            ended: [false; 2],
            mail: None,
            bdat: None,
            session: Session::default(),
            stopped: false,
        }
    }

    fn line(&mut self, cx: &mut Context<'_>, orig: bool, line: &[u8]) {
        // Chunk data read as a line may end in CRs; Zeek strips them.
        let len = line.iter().rposition(|&c| c != b'\r').map_or(0, |i| i + 1);
        let line = &line[..len];
        if orig == self.orig_is_sender {
            self.client_line(cx, orig, line);
        } else {
            self.server_line(cx, orig, line);
        }
        if self.session.disable {
            self.stop(cx);
        }
    }

    fn client_line(&mut self, cx: &mut Context<'_>, orig: bool, line: &[u8]) {
        match self.state {
            // Command or mail data? Unknown until the server replies.
            State::AfterGap => {}
            State::InData if line == b"." => self.command(cx, Cmd::EndOfData, b".", b"", orig),
            State::InData => {
                let data = line.strip_prefix(b".").unwrap_or(line);
                if self.mail.is_none() {
                    self.begin_data(cx, orig, State::InData);
                }
                self.mail_line(cx, data, true);
            }
            // Zeek reports AUTH answers as command "**" with the line.
            State::InAuth => self.command(cx, Cmd::AuthAnswer, b"**", line, orig),
            _ => {
                let word_len = line
                    .iter()
                    .take_while(|&&c| c != 0 && !c.is_ascii_whitespace())
                    .count();
                let (word, rest) = line.split_at(word_len);
                let arg = skip_blanks(rest);
                if let Some(cmd) = Cmd::parse(word) {
                    self.command(cx, cmd, word, arg, orig);
                }
            }
        }
    }

    fn command(&mut self, cx: &mut Context<'_>, cmd: Cmd, word: &[u8], arg: &[u8], orig: bool) {
        self.queue_command(cx, cmd);
        // The end of data closes the mail before the request is reported.
        if cmd == Cmd::EndOfData {
            self.update_state(cx, Some(cmd), 0, orig);
        }
        if !word.is_empty() || !arg.is_empty() {
            self.request(cx, word, arg);
        }
        let update = match cmd {
            Cmd::EndOfData => false,
            Cmd::Bdat => self.bdat_command(cx, arg, orig),
            _ => {
                if self.bdat.is_some() {
                    // Another command before the last chunk: the mail ends.
                    cx.weird("SMTP", "smtp_missing_bdat_last_chunk", None);
                    self.end_data(cx);
                }
                true
            }
        };
        if update {
            self.update_state(cx, Some(cmd), 0, orig);
        }
    }

    /// Zeek's `RequestEvent`: a command confirms the protocol.
    fn request(&mut self, cx: &mut Context<'_>, word: &[u8], arg: &[u8]) {
        cx.confirm();
        self.session.request(cx, &word.to_ascii_uppercase(), arg);
    }

    fn queue_command(&mut self, cx: &mut Context<'_>, cmd: Cmd) {
        if self.first_cmd.is_none() {
            self.first_cmd = Some(cmd);
            return;
        }
        if self.pending_cmds.len() == MAX_PENDING_CMDS {
            cx.weird("SMTP", "smtp_excessive_pending_cmds", None);
            self.pending_cmds.clear();
        }
        self.pending_cmds.push_back(cmd);
    }

    fn server_line(&mut self, cx: &mut Context<'_>, orig: bool, line: &[u8]) {
        let Some(code) = reply_code(line) else {
            cx.violation("reply code -1 out of range", Some(line));
            self.stop(cx);
            return;
        };
        if self.pending_reply != 0 && code != self.pending_reply {
            self.pending_reply = 0;
        }
        if self.pending_reply == 0 {
            self.new_reply(cx, code, orig);
        }
        let cont = line.get(3) == Some(&b'-');
        self.pending_reply = if cont { code } else { 0 };
        let msg = skip_blanks(&line[line.len().min(if cont { 4 } else { 3 })..]);
        let cmd = Cmd::reply_name(self.last_replied);
        self.session.reply(cx, code, cmd, msg, cont);
    }

    fn new_reply(&mut self, cx: &mut Context<'_>, code: u16, orig: bool) {
        if self.state == State::AfterGap {
            self.state = State::GapRecovery;
            self.request(cx, b"(UNKNOWN)", b"");
        }
        let cmd = self.first_cmd.take();
        self.last_replied = cmd;
        self.first_cmd = self.pending_cmds.pop_front();
        self.update_state(cx, cmd, code, orig);
    }

    /// Zeek's state machine: `reply` 0 means the command was just sent
    /// (clients pipeline aggressively, so success is assumed until a reply
    /// says otherwise).
    fn update_state(&mut self, cx: &mut Context<'_>, cmd: Option<Cmd>, reply: u16, orig: bool) {
        use State as S;
        match (cmd, reply) {
            (Some(Cmd::ConnEstablishment), 0) => self.state = S::Initiated,
            (Some(Cmd::ConnEstablishment), 421 | 554) => self.state = S::NotAvailable,
            (Some(Cmd::Ehlo | Cmd::Helo), 0) => self.state = S::Ready,
            (Some(Cmd::Ehlo | Cmd::Helo), 421 | 500 | 501 | 504 | 550) => self.state = S::Initiated,
            (Some(Cmd::Mail | Cmd::Send | Cmd::Soml | Cmd::Saml), 0) => self.state = S::MailOk,
            (
                Some(Cmd::Mail | Cmd::Send | Cmd::Soml | Cmd::Saml),
                421 | 451 | 452 | 500 | 501 | 503 | 550 | 552 | 553,
            ) if self.state != S::InData => self.state = S::Ready,
            (Some(Cmd::Rcpt), 0) => self.state = S::RcptOk,
            (Some(Cmd::Data), 0) => self.begin_data(cx, orig, S::InData),
            (Some(Cmd::Data), 354) => {}
            (Some(Cmd::Data), _) => {
                if self.state == S::InData {
                    self.end_data(cx);
                }
                self.state = if reply == 421 { S::Quit } else { S::Ready };
            }
            (Some(Cmd::Bdat), 0) => self.state = S::InBdat,
            (Some(Cmd::EndOfData), 0) => {
                self.end_data(cx);
                self.state = S::AfterData;
            }
            (Some(Cmd::EndOfData), _) => self.state = S::Ready,
            (Some(Cmd::Rset), 0) => self.state = S::Ready,
            (Some(Cmd::Quit), 0) => self.state = S::Quit,
            (Some(Cmd::Auth | Cmd::AuthAnswer), 0) => {}
            (Some(Cmd::Auth | Cmd::AuthAnswer), 334) => self.state = S::InAuth,
            (Some(Cmd::Auth | Cmd::AuthAnswer), _) => self.state = S::Initiated,
            (Some(Cmd::Turn), 250) => {
                self.orig_is_sender = !self.orig_is_sender;
                self.state = S::Connected;
            }
            (Some(Cmd::StartTls | Cmd::XAnonymousTls), 220) => self.start_tls(cx),
            // After a gap, a 354 to a command that doesn't change the
            // state means mail data follows.
            (None | Some(Cmd::Vrfy | Cmd::Expn | Cmd::Help | Cmd::Noop | Cmd::Etrn), 354)
                if self.state == S::GapRecovery =>
            {
                self.begin_data(cx, orig, S::InData)
            }
            _ => {}
        }
    }

    /// STARTTLS accepted: the rest is TLS, for the SSL analyzer.
    fn start_tls(&mut self, cx: &mut Context<'_>) {
        self.state = State::InTls;
        self.session.starttls();
        cx.hand_over(Kind::Ssl);
    }

    fn begin_data(&mut self, cx: &mut Context<'_>, orig: bool, state: State) {
        self.state = state;
        if let Some(mut old) = self.mail.take() {
            cx.weird("SMTP", "smtp_nested_mail_transaction", None);
            self.finish_mail(cx, &mut old);
        }
        let mut ev = MailEvents {
            cx,
            session: &mut self.session,
            is_orig: orig,
        };
        let mime = MimeMessage::new(&mut ev);
        self.mail = Some(Mail {
            mime,
            is_orig: orig,
        });
    }

    fn end_data(&mut self, cx: &mut Context<'_>) {
        let Some(mut mail) = self.mail.take() else {
            cx.weird("SMTP", "smtp_unmatched_end_of_data", None);
            return;
        };
        if let Some(mut bdat) = self.bdat.take() {
            if bdat.remaining() > 0 {
                cx.weird("SMTP", "smtp_bdat_remaining_at_end_data", None);
            }
            bdat.done(&mut |out| feed_mail(cx, &mut self.session, &mut mail, out));
        }
        self.finish_mail(cx, &mut mail);
    }

    fn finish_mail(&mut self, cx: &mut Context<'_>, mail: &mut Mail) {
        let mut ev = MailEvents {
            cx,
            session: &mut self.session,
            is_orig: mail.is_orig,
        };
        mail.mime.finish(&mut ev);
    }

    fn mail_line(&mut self, cx: &mut Context<'_>, line: &[u8], crlf: bool) {
        if let Some(mail) = &mut self.mail {
            feed_mail(cx, &mut self.session, mail, BdatOut::Line(line, crlf));
        }
    }

    /// A BDAT command: its chunk follows unsplit. Returns whether the
    /// command was valid (and so moves the state machine).
    fn bdat_command(&mut self, cx: &mut Context<'_>, arg: &[u8], orig: bool) -> bool {
        let chunk = match parse_bdat_arg(arg) {
            Ok(chunk) => chunk,
            Err(why) => {
                cx.weird("SMTP", "smtp_invalid_bdat_command", Some(why.into()));
                return false;
            }
        };
        if i64::try_from(chunk.size).is_err() {
            cx.weird("SMTP", "smtp_huge_bdat_chunk", Some(chunk.size.to_string()));
            return false;
        }
        self.lines[usize::from(orig)].pass_through(chunk.size);
        if self.bdat.is_none() {
            self.begin_data(cx, orig, State::InBdat);
            self.bdat = Some(Bdat::default());
        }
        if let Some(bdat) = &mut self.bdat {
            bdat.next_chunk(chunk);
            // "BDAT 0 LAST" ends the mail without data to wait for.
            if bdat.complete() {
                self.end_data(cx);
            }
        }
        true
    }

    /// Bytes of a BDAT chunk.
    fn chunk_data(&mut self, cx: &mut Context<'_>, orig: bool, data: &[u8]) {
        let (Some(bdat), Some(mail)) = (&mut self.bdat, &mut self.mail) else {
            // The chunk lost its transaction (a gap): read it as a line,
            // which the state after a gap ignores.
            self.line(cx, orig, data);
            return;
        };
        bdat.feed(data, &mut |out| feed_mail(cx, &mut self.session, mail, out));
        if bdat.complete() {
            self.end_data(cx);
        }
    }

    /// Weirds of the line splitting (Zeek's ContentLine analyzer).
    fn line_weirds(&mut self, cx: &mut Context<'_>, orig: bool) {
        for weird in self.lines[usize::from(orig)].take_weirds() {
            cx.weird("CONTENTLINE", weird, None);
        }
    }

    /// No more input is analyzed: the mail in progress and the pending
    /// transaction are written.
    fn stop(&mut self, cx: &mut Context<'_>) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        if self.mail.is_some() {
            self.end_data(cx);
        }
        self.session.finalize(cx);
    }
}

/// Hands one piece of BDAT output (or a DATA line) to the mail.
fn feed_mail(cx: &mut Context<'_>, session: &mut Session, mail: &mut Mail, out: BdatOut<'_>) {
    match out {
        BdatOut::Line(line, crlf) => {
            let mut ev = MailEvents {
                cx,
                session,
                is_orig: mail.is_orig,
            };
            mail.mime.deliver(line, crlf, &mut ev);
        }
        BdatOut::Weird(name, addl) => cx.weird("SMTP_BDAT", name, addl),
    }
}

/// The 3-digit code of a reply line, if it is one Zeek accepts (100-599).
fn reply_code(line: &[u8]) -> Option<u16> {
    let digits = line.get(..3)?;
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let code = digits
        .iter()
        .fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
    (100..=599).contains(&code).then_some(code)
}

fn skip_blanks(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&c| c == b' ' || c == b'\t').count();
    &s[n..]
}

impl crate::Analyzer for SmtpAnalyzer {
    fn deliver(&mut self, cx: &mut Context<'_>, is_orig: bool, data: &[u8]) {
        let mut data = data;
        while !self.stopped && self.state != State::InTls {
            let piece = self.lines[usize::from(is_orig)].next(&mut data);
            self.line_weirds(cx, is_orig);
            let Some(piece) = piece else {
                break;
            };
            match piece {
                Piece::Line(line) => self.line(cx, is_orig, &line),
                Piece::Plain(chunk) => self.chunk_data(cx, is_orig, chunk),
            }
        }
    }

    fn gap(&mut self, cx: &mut Context<'_>, is_orig: bool, len: u64) {
        self.lines[usize::from(is_orig)].gap(len);
        if self.stopped || self.state == State::InTls || len == 0 {
            return;
        }
        if matches!(self.state, State::InData | State::InBdat) {
            if let Some(mail) = &self.mail {
                self.session.gap(cx, mail.is_orig, len);
            }
            self.end_data(cx);
        }
        self.pending_cmds.clear();
        self.first_cmd = None;
        self.last_replied = None;
        // A lost command or reply (e.g. 354) leaves the state unknown.
        self.state = State::AfterGap;
    }

    fn end_of_stream(&mut self, cx: &mut Context<'_>, is_orig: bool) {
        let dir = usize::from(is_orig);
        let partial = self.lines[dir].take_partial();
        self.line_weirds(cx, is_orig);
        if let Some(rest) = partial {
            if !self.stopped && self.state != State::InTls {
                self.line(cx, is_orig, &rest);
            }
        }
        self.ended[dir] = true;
        if self.ended == [true, true] && self.mail.is_some() && !self.stopped {
            self.end_data(cx);
        }
    }

    fn finish(&mut self, cx: &mut Context<'_>) {
        self.stop(cx);
    }
}

#[cfg(test)]
mod tests;

/// Client bytes searched for HELO/EHLO before giving up.
const SMTP_CLIENT_SCAN: usize = 512;

/// Zeek's `dpd_smtp_client` + `dpd_smtp_server`: a 220 greeting from the
/// responder and HELO or EHLO starting a line of the originator.
pub(crate) fn signature(orig: &[u8], resp: &[u8]) -> Option<bool> {
    let r = crate::http::trim_leading_space(resp);
    if r.len() < 4 {
        // Undecided while the greeting may still become "220 ".
        return if b"220".starts_with(r) {
            None
        } else {
            Some(false)
        };
    }
    if !(r.starts_with(b"220") && (r[3] == b'-' || r[3].is_ascii_whitespace())) {
        return Some(false);
    }
    let hello = orig.split(|&c| c == b'\n' || c == b'\r').any(|line| {
        let l = crate::http::trim_leading_space(line);
        l.len() >= 4
            && (l[..4].eq_ignore_ascii_case(b"HELO") || l[..4].eq_ignore_ascii_case(b"EHLO"))
    });
    if hello {
        Some(true)
    } else if orig.len() >= SMTP_CLIENT_SCAN {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod signature_tests {
    use super::signature;

    #[test]
    fn smtp_signature_needs_greeting_and_hello() {
        assert_eq!(signature(b"", b"22"), None);
        assert_eq!(signature(b"EHLO x\r\n", b"220 mx ESMTP\r\n"), Some(true));
        assert_eq!(signature(b"x\r\n helo y\r\n", b"220-mx\r\n"), Some(true));
        assert_eq!(signature(b"", b"220 mx\r\n"), None);
        assert_eq!(signature(b"EHLO x\r\n", b"SSH-2.0-x\r\n"), Some(false));
        assert_eq!(signature(&[b'a'; 600], b"220 mx\r\n"), Some(false));
    }
}
