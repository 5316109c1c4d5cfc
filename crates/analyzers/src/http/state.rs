//! The HTTP analyzer of one connection, following Zeek's `HTTP_Analyzer`:
//! each direction reads a first line, then a message (head and body); the
//! responder's body framing depends on the request it answers (HEAD,
//! CONNECT), so requests wait in a queue for their replies.

use super::message::{Expect, Message, Signal, Situation};
use super::parser::{
    self, LineEvent, LineReader, RequestVersion, Version, VERSION_09, VERSION_UNSET,
};
use super::transactions::Transactions;
use crate::websocket::handshake::Handshake;
use crate::Context;
use std::collections::VecDeque;

/// Requests remembered for their replies (bounded like Zeek's pending
/// table, which logs out older ones).
const MAX_UNANSWERED: usize = 1000;

/// What one direction expects next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expecting {
    FirstLine,
    Message,
    /// The server speaks HTTP/0.9: everything is body.
    Http09Body,
    /// Parsing of this direction stopped (bad line, gap, tunnel).
    Nothing,
}

struct Side {
    lines: LineReader,
    expecting: Expecting,
    message: Option<Message>,
    version: Version,
}

impl Side {
    fn new() -> Self {
        Side {
            lines: LineReader::default(),
            expecting: Expecting::FirstLine,
            message: None,
            version: VERSION_UNSET,
        }
    }
}

/// A request waiting for its reply.
struct Request {
    method: Vec<u8>,
    /// It asked for byte ranges (a "Range" header).
    range: bool,
}

/// HTTP analyzer state of one connection.
pub struct HttpAnalyzer {
    orig: Side,
    resp: Side,
    rows: Transactions,
    /// Methods of requests not answered yet, oldest first.
    unanswered: VecDeque<Request>,
    num_requests: u64,
    keep_alive: bool,
    connection_close: bool,
    /// A request (reply) message has begun and not ended.
    request_ongoing: bool,
    reply_ongoing: bool,
    reply_code: u16,
    connect_request: bool,
    upgrade_connection: bool,
    upgrade_protocol: Vec<u8>,
    /// The protocol a `101 Switching Protocols` just switched to, until
    /// the switch is carried out at the end of the reply's head.
    switched_to: Option<Vec<u8>>,
    /// The WebSocket opening handshake's headers so far.
    websocket: Handshake,
    /// Traffic after CONNECT or an upgrade is no longer HTTP.
    tunneled: bool,
    confirmed: bool,
    /// A violation seen before confirmation (Zeek keeps such analyzers).
    unconfirmed_violation: Option<&'static str>,
    /// The analyzer reported its verdict and was removed.
    gone: bool,
}

impl Default for HttpAnalyzer {
    fn default() -> Self {
        Self::new()
    }
}

impl HttpAnalyzer {
    pub fn new() -> Self {
        HttpAnalyzer {
            orig: Side::new(),
            resp: Side::new(),
            rows: Transactions::default(),
            unanswered: VecDeque::new(),
            num_requests: 0,
            keep_alive: false,
            connection_close: false,
            request_ongoing: false,
            reply_ongoing: false,
            reply_code: 0,
            connect_request: false,
            upgrade_connection: false,
            upgrade_protocol: Vec::new(),
            switched_to: None,
            websocket: Handshake::default(),
            tunneled: false,
            confirmed: false,
            unconfirmed_violation: None,
            gone: false,
        }
    }

    fn side(&mut self, is_orig: bool) -> &mut Side {
        if is_orig {
            &mut self.orig
        } else {
            &mut self.resp
        }
    }

    fn weird(cx: &mut Context<'_>, name: &'static str) {
        cx.weird("HTTP", name, None);
    }

    fn confirm(&mut self, cx: &mut Context<'_>) {
        self.confirmed = true;
        cx.confirm();
    }

    /// Zeek disables a confirmed analyzer on a violation; an unconfirmed
    /// one stays (and may still log replies), so it is only reported once
    /// both directions have stopped.
    /// Zeek's HTTP violations carry no failure data in analyzer.log.
    fn violation(&mut self, cx: &mut Context<'_>, reason: &'static str) {
        if self.confirmed {
            self.shut_down(cx);
            cx.violation(reason, None);
            return;
        }
        self.unconfirmed_violation.get_or_insert(reason);
    }

    fn report_if_useless(&mut self, cx: &mut Context<'_>) {
        let stopped = |s: &Side| s.expecting == Expecting::Nothing;
        if self.gone || !stopped(&self.orig) || !stopped(&self.resp) {
            return;
        }
        if let Some(reason) = self.unconfirmed_violation.take() {
            self.shut_down(cx);
            cx.violation(reason, None);
        }
    }

    /// Interrupts both messages and writes every pending row, as Zeek
    /// does when an analyzer is removed.
    fn shut_down(&mut self, cx: &mut Context<'_>) {
        self.message_made(cx, true, true);
        self.message_made(cx, false, true);
        self.rows.flush(cx);
        self.gone = true;
    }

    fn deliver_stream(&mut self, cx: &mut Context<'_>, is_orig: bool, mut data: &[u8]) {
        while !data.is_empty() && !self.gone && !self.tunneled {
            let side = self.side(is_orig);
            match side.expecting {
                Expecting::Nothing => return,
                Expecting::Http09Body => {
                    self.http09_body(cx, data);
                    return;
                }
                _ => {}
            }
            let raw = side.message.as_ref().and_then(Message::raw_wanted);
            if let Some(wanted) = raw {
                let bytes = side.lines.skip_owed_lf(data);
                let n = bytes
                    .len()
                    .min(usize::try_from(wanted).unwrap_or(usize::MAX));
                let skipped = data.len() - bytes.len();
                if n + skipped == 0 {
                    return; // a framing that wants nothing: never spin
                }
                self.raw_body(cx, is_orig, &bytes[..n]);
                data = &data[skipped + n..];
                continue;
            }
            side.lines.crlf_only = side.message.as_ref().is_some_and(Message::crlf_lines_only);
            let budget = side.message.as_ref().and_then(Message::line_budget);
            let window = budget.map_or(data, |b| {
                &data[..data.len().min(usize::try_from(b).unwrap_or(usize::MAX))]
            });
            let (consumed, ending) = match side.lines.feed(window) {
                LineEvent::Line {
                    consumed,
                    single_cr,
                    cut,
                } => (consumed, Some((single_cr, cut))),
                // The budget ends inside a line: Zeek's content-line reader
                // hands it over as it is.
                LineEvent::NeedMore
                    if budget == Some(window.len() as u64) && side.lines.pending() =>
                {
                    cx.weird("CONTENTLINE", "line_terminated_without_CRLF", None);
                    (window.len(), Some((false, false)))
                }
                LineEvent::NeedMore => (window.len(), None),
            };
            if let Some(m) = side.message.as_mut() {
                m.spend_line_budget(consumed);
            }
            data = &data[consumed..];
            let Some((single_cr, cut)) = ending else {
                return;
            };
            let line = side.lines.take();
            if single_cr {
                cx.weird("CONTENTLINE", "line_terminated_with_single_CR", None);
            }
            if cut {
                cx.weird("CONTENTLINE", "contentline_size_exceeded", None);
            }
            self.line(cx, is_orig, &line, data);
        }
    }

    /// One line of either direction; `rest` is what follows it in the
    /// current delivery.
    fn line(&mut self, cx: &mut Context<'_>, is_orig: bool, line: &[u8], rest: &[u8]) {
        match (is_orig, self.side(is_orig).expecting) {
            (true, Expecting::FirstLine) => self.request_line(cx, line),
            (false, Expecting::FirstLine) => self.status_line(cx, line),
            (_, Expecting::Message) => {
                self.message_line(cx, is_orig, line);
                if !is_orig && self.connect_request && line.is_empty() {
                    self.start_tunnel(cx, rest);
                }
                if let Some(protocol) = self.switched_to.take() {
                    self.switch_protocols(cx, &protocol, rest);
                }
            }
            _ => {}
        }
    }

    fn request_line(&mut self, cx: &mut Context<'_>, line: &[u8]) {
        let parsed = parser::request_line(line, &mut |w| Self::weird(cx, w));
        let error = match parsed {
            Ok(req) => {
                self.apply_request_version(cx, req.version);
                // An HTTP/0.9 request needs a method as long as GET and a URI.
                let http09 = self.orig.version == VERSION_09;
                if !(http09 && (req.method.len() < 3 || req.uri.is_empty())) {
                    self.begin_request(cx, req.method, req.uri);
                    return;
                }
                parser::BadRequest::Bad
            }
            Err(e) => e,
        };
        Self::weird(cx, error.weird());
        let request_expected = self.num_requests == 0 || self.keep_alive;
        if !request_expected {
            return; // crud after the last request
        }
        if line.is_empty() {
            Self::weird(cx, "empty_http_request");
        } else {
            self.orig.expecting = Expecting::Nothing;
            self.violation(cx, "not a http request line");
            self.report_if_useless(cx);
        }
    }

    fn apply_request_version(&mut self, cx: &mut Context<'_>, version: RequestVersion) {
        match version {
            RequestVersion::Missing => self.set_version(cx, true, VERSION_09),
            RequestVersion::Given(v) => self.set_version(cx, true, v),
            RequestVersion::Unreadable => {}
        }
    }

    /// Zeek's `SetVersion`: a side changing its version is weird; 1.1 and
    /// later keep connections alive.
    fn set_version(&mut self, cx: &mut Context<'_>, is_orig: bool, v: Version) {
        let side = self.side(is_orig);
        let mismatch = side.version != VERSION_UNSET && side.version != v;
        side.version = v;
        if mismatch {
            Self::weird(cx, "HTTP_version_mismatch");
        }
        if v.0 > 1 || (v.0 == 1 && v.1 > 0) {
            self.keep_alive = true;
        }
    }

    fn begin_request(&mut self, cx: &mut Context<'_>, method: &[u8], uri: &[u8]) {
        self.num_requests += 1;
        if !self.keep_alive && self.num_requests > 1 {
            Self::weird(cx, "unexpected_multiple_HTTP_requests");
        }
        if self.unanswered.len() >= MAX_UNANSWERED {
            self.unanswered.pop_front();
        }
        self.unanswered.push_back(Request {
            method: method.to_vec(),
            range: false,
        });
        self.confirm(cx);
        if parser::method_is(method, b"CONNECT") {
            self.connect_request = true;
        }
        let unescaped = parser::unescape_uri(uri, &mut |w| Self::weird(cx, w));
        self.rows.request(cx, method, unescaped);
        self.new_message(cx, true, Expect::Maybe);
        if self.orig.version == VERSION_09 {
            self.expect_http09_reply(cx, method);
        }
    }

    fn expect_http09_reply(&mut self, cx: &mut Context<'_>, method: &[u8]) {
        if method != b"GET" {
            let m = String::from_utf8_lossy(method).into_owned();
            cx.weird("HTTP", "invalid_http_09_request_method", Some(m));
        }
        if self.resp.message.is_some() {
            Self::weird(cx, "http_09_reply_before_request");
            self.message_made(cx, false, false);
        }
        self.resp.expecting = Expecting::Http09Body;
    }

    fn status_line(&mut self, cx: &mut Context<'_>, line: &[u8]) {
        let Some(status) = parser::status_line(line) else {
            if !line.is_empty() {
                self.resp.expecting = Expecting::Nothing;
                self.violation(cx, "not a http reply line");
                self.report_if_useless(cx);
            }
            return;
        };
        self.set_version(cx, false, status.version);
        let Some(code) = status.code else { return };
        if !self.unanswered.is_empty() {
            self.confirm(cx);
        }
        self.reply_code = code;
        if self.connect_request && code != 200 {
            self.connect_request = false;
        }
        let reason = status
            .reason
            .map_or_else(|| b"<empty>".to_vec(), <[u8]>::to_vec);
        self.rows
            .reply(cx, version_string(self.resp.version), code, reason);
        let expect = self.reply_body_expected();
        self.new_message(cx, false, expect);
    }

    /// RFC 2616: no body after HEAD, and none in 1xx, 204 and 304.
    fn reply_body_expected(&self) -> Expect {
        let head = self
            .unanswered
            .front()
            .is_some_and(|r| parser::method_is(&r.method, b"HEAD"));
        let code = self.reply_code;
        if head || (100..200).contains(&code) || code == 204 || code == 304 {
            Expect::No
        } else {
            Expect::Yes
        }
    }

    fn new_message(&mut self, cx: &mut Context<'_>, is_orig: bool, expect: Expect) {
        let overlapping = self
            .side(is_orig)
            .message
            .as_ref()
            .is_some_and(|m| !m.is_done());
        let range_reply = !is_orig && self.unanswered.front().is_some_and(|r| r.range);
        let side = self.side(is_orig);
        side.message = Some(Message::new(is_orig, expect, range_reply));
        side.expecting = Expecting::Message;
        if overlapping {
            Self::weird(cx, "HTTP_overlapping_messages");
        }
        if is_orig {
            self.request_ongoing = true;
        } else {
            self.reply_ongoing = true;
        }
    }

    /// The server's HTTP/0.9 answer: no status line, all body until close.
    fn http09_body(&mut self, cx: &mut Context<'_>, data: &[u8]) {
        if self.resp.message.is_none() {
            self.set_version(cx, false, VERSION_09);
            if self.unanswered.pop_front().is_some() {
                self.confirm(cx);
            }
            self.connection_close = true;
            self.reply_code = 0;
            self.rows
                .reply(cx, version_string(VERSION_09), 0, b"<empty>".to_vec());
            let mut m = Message::new(false, Expect::Yes, false);
            m.line(cx, b"", self.situation(false));
            self.resp.message = Some(m);
            self.reply_ongoing = true;
            self.drain(cx, false);
        }
        self.raw_body(cx, false, data);
    }

    fn situation(&self, is_orig: bool) -> Situation {
        let side = if is_orig { &self.orig } else { &self.resp };
        Situation {
            version: side.version,
            reply_code: self.reply_code,
            connection_close: self.connection_close,
        }
    }

    fn message_line(&mut self, cx: &mut Context<'_>, is_orig: bool, line: &[u8]) {
        let situation = self.situation(is_orig);
        if let Some(m) = self.side(is_orig).message.as_mut() {
            m.line(cx, line, situation);
        }
        self.drain(cx, is_orig);
    }

    fn raw_body(&mut self, cx: &mut Context<'_>, is_orig: bool, bytes: &[u8]) {
        if let Some(m) = self.side(is_orig).message.as_mut() {
            m.raw(cx, bytes);
        }
        self.drain(cx, is_orig);
    }

    /// Acts on what the message produced: weirds, header fields, files,
    /// and its end.
    fn drain(&mut self, cx: &mut Context<'_>, is_orig: bool) {
        let Some(m) = self.side(is_orig).message.as_mut() else {
            return;
        };
        let weirds = std::mem::take(&mut m.weirds);
        let signals = std::mem::take(&mut m.signals);
        let body_len = m.body_len();
        for (name, addl) in weirds {
            cx.weird("HTTP", name, addl);
        }
        for signal in signals {
            match signal {
                Signal::Header { name, value } => self.header(cx, is_orig, &name, &value),
                Signal::File(news) => self.rows.file(cx, is_orig, news),
                Signal::Done => self.message_done(cx, is_orig, body_len),
            }
        }
    }

    /// Header fields the analyzer itself reacts to, then the row's.
    fn header(&mut self, cx: &mut Context<'_>, is_orig: bool, name: &[u8], value: &[u8]) {
        let (token, _) = parser::value_token(value);
        if cx.config.http.websocket {
            self.websocket.header(cx, is_orig, name, value);
        }
        match (is_orig, name) {
            (true, b"CONNECTION") if token.eq_ignore_ascii_case(b"keep-alive") => {
                self.keep_alive = true
            }
            (false, b"CONNECTION") if token.eq_ignore_ascii_case(b"close") => {
                self.connection_close = true
            }
            (false, b"CONNECTION") if token.eq_ignore_ascii_case(b"upgrade") => {
                self.upgrade_connection = true
            }
            (false, b"UPGRADE") => self.upgrade_protocol = token.to_vec(),
            (true, b"RANGE") => {
                if let Some(r) = self.unanswered.back_mut() {
                    r.range = true;
                }
            }
            _ => {}
        }
        self.rows.header(cx, is_orig, name, value);
    }

    /// A message ended normally (Zeek's `RequestMade`/`ReplyMade`).
    fn message_done(&mut self, cx: &mut Context<'_>, is_orig: bool, body_len: u64) {
        self.rows.message_done(cx, is_orig, body_len);
        if is_orig {
            self.request_ongoing = false;
            if self.orig.expecting == Expecting::Message {
                self.orig.expecting = Expecting::FirstLine;
            }
            return;
        }
        self.reply_ongoing = false;
        self.reply_made();
    }

    fn reply_made(&mut self) {
        let code = self.reply_code;
        if !(100..200).contains(&code) {
            self.unanswered.pop_front();
        }
        let upgrade = code == 101
            && self.unanswered.len() == 1
            && self.upgrade_connection
            && !self.upgrade_protocol.is_empty();
        self.reply_code = 0;
        self.upgrade_connection = false;
        if !upgrade {
            self.upgrade_protocol.clear();
        }
        if upgrade {
            self.tunneled = true;
            self.switched_to = Some(std::mem::take(&mut self.upgrade_protocol));
        }
        if self.resp.expecting == Expecting::Message {
            self.resp.expecting = Expecting::FirstLine;
        }
    }

    /// Ends the direction's message if one is ongoing; an interrupted
    /// direction stops parsing.
    fn message_made(&mut self, cx: &mut Context<'_>, is_orig: bool, interrupted: bool) {
        let ongoing = if is_orig {
            self.request_ongoing
        } else {
            self.reply_ongoing
        };
        if ongoing {
            if let Some(m) = self.side(is_orig).message.as_mut() {
                m.finish(cx);
            }
            self.drain(cx, is_orig);
        }
        if interrupted {
            self.side(is_orig).expecting = Expecting::Nothing;
        }
    }

    /// After a `101 Switching Protocols`: WebSocket gets its analyzer
    /// (Zeek's `HTTP::upgrade_analyzers`), any other protocol is detected
    /// afresh. `rest` is what followed the reply's head in this delivery.
    fn switch_protocols(&mut self, cx: &mut Context<'_>, protocol: &[u8], rest: &[u8]) {
        if !rest.is_empty() {
            cx.weird(
                "HTTP",
                "protocol_data_with_HTTP_upgrade_reply",
                Some(rest.len().to_string()),
            );
        }
        if cx.config.http.websocket && protocol.eq_ignore_ascii_case(b"websocket") {
            let request = self.rows.upgraded_request();
            std::mem::take(&mut self.websocket).established(cx, request);
            cx.hand_over_with(crate::Kind::WebSocket, false, rest);
        } else {
            cx.redetect();
        }
    }

    /// A 200 answer to CONNECT: what follows is another protocol.
    fn start_tunnel(&mut self, cx: &mut Context<'_>, rest: &[u8]) {
        if !rest.is_empty() {
            cx.weird(
                "HTTP",
                "protocol_data_with_HTTP_CONNECT_reply",
                Some(rest.len().to_string()),
            );
        }
        self.tunneled = true;
        // The tunnel's payload is some other protocol: detect it afresh.
        cx.tunnel("Tunnel::HTTP");
        cx.redetect();
    }
}

/// The version as http.log shows it ("1.1", "0.9"; "0.0" if unreadable).
fn version_string(v: Version) -> String {
    format!("{}.{}", v.0, v.1)
}

impl crate::Analyzer for HttpAnalyzer {
    fn deliver(&mut self, cx: &mut Context<'_>, is_orig: bool, data: &[u8]) {
        self.deliver_stream(cx, is_orig, data);
    }

    /// Missing bytes inside a body of known length become a file gap;
    /// anywhere else the direction's message is lost and parsing of that
    /// direction stops (both, for the originator: replies depend on it).
    fn gap(&mut self, cx: &mut Context<'_>, is_orig: bool, len: u64) {
        if self.gone || self.tunneled {
            return;
        }
        let within_body = self
            .side(is_orig)
            .message
            .as_mut()
            .is_some_and(|m| m.gap(cx, len));
        self.drain(cx, is_orig);
        if within_body {
            return;
        }
        if is_orig {
            self.message_made(cx, true, true);
        }
        self.message_made(cx, false, true);
        if !is_orig {
            self.resp.expecting = Expecting::Nothing;
        }
    }

    fn end_of_stream(&mut self, cx: &mut Context<'_>, is_orig: bool) {
        if self.gone {
            return;
        }
        let tunneled = self.tunneled;
        let side = self.side(is_orig);
        if side.lines.pending() && side.expecting == Expecting::Message && !tunneled {
            // The content-line reader hands over an unfinished last line.
            let line = side.lines.take();
            self.line(cx, is_orig, &line, &[]);
        }
        self.message_made(cx, is_orig, false);
    }

    fn finish(&mut self, cx: &mut Context<'_>) {
        if !self.gone {
            self.shut_down(cx);
        }
    }
}
