//! One HTTP message after its first line: header fields (with obsolete line
//! folding), then the body framed by Content-Length, chunked coding, the
//! end of the connection or lines, as Zeek's `HTTP_Entity` frames it.

use super::body::{Body, Encoding, FileNews, FileSink};
use super::mime::{Container, MimeBody};
use super::parser::{self, Version};
use crate::Context;

/// Whether a message may carry a body (Zeek's `HTTP_BODY_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// HEAD replies, 1xx, 204, 304.
    No,
    /// Requests: only with Content-Length or chunked coding.
    Maybe,
    /// Other replies: up to the end of the connection if not framed.
    Yes,
}

/// How the next bytes of the message are framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Headers,
    /// Raw body bytes, `remaining` of them (Content-Length).
    Length {
        remaining: i64,
    },
    ChunkSize,
    ChunkData {
        remaining: i64,
    },
    /// The CRLF after a chunk's data.
    ChunkEnd,
    /// Header lines after the last chunk.
    Trailer,
    /// Raw body up to the end of the connection.
    UntilClose,
    /// Body as lines up to the end of the connection (or `remaining`
    /// bytes counted with their CRLFs, for a multipart body).
    Lines {
        remaining: Option<i64>,
    },
    Done,
}

/// Facts about the connection the message needs while reading its headers.
#[derive(Debug, Clone, Copy)]
pub struct Situation {
    /// The version of this message's side (chunked coding needs 1.1).
    pub version: Version,
    /// The status code when this is a reply.
    pub reply_code: u16,
    /// The server announced "Connection: close".
    pub connection_close: bool,
}

/// Header fields of one message that reach http.log (the proxied set and
/// header name lists stay bounded).
const MAX_HEADERS: usize = 1000;

/// What the analyzer must act on after feeding the message.
#[derive(Debug)]
pub enum Signal {
    /// A header field of the message head: name uppercased, value.
    Header {
        name: Vec<u8>,
        value: Vec<u8>,
    },
    File(FileNews),
    /// The message is complete.
    Done,
}

/// Zeek's weird for an HTTP message, with its addl.
pub type Weird = (&'static str, Option<String>);

pub struct Message {
    is_orig: bool,
    expect: Expect,
    /// A reply to a range request: its MIME parts are one file.
    one_file: bool,
    phase: Phase,
    /// The header line being assembled (continuation lines join it).
    header: Vec<u8>,
    fold_lines: u32,
    headers_seen: usize,
    content_length: Option<i64>,
    chunked: bool,
    encoding: Encoding,
    /// The body is a MIME container (multipart, message) per Content-Type.
    container: Option<Container>,
    expect_100: bool,
    /// This reply says "Connection: close" (the analyzer learns it only
    /// after the head, but the body framing needs it now).
    closes_connection: bool,
    /// Length announced by Content-Range (206 replies).
    range_length: Option<i64>,
    filename: Option<Vec<u8>>,
    body: Body,
    mime: Option<MimeBody>,
    /// Raw bytes the line reader may still hand over (Content-Length of a
    /// MIME body, which is read as lines).
    line_budget: Option<u64>,
    /// Zeek's weirds raised, for the analyzer to report.
    pub weirds: Vec<Weird>,
    pub signals: Vec<Signal>,
}

impl Message {
    pub fn new(is_orig: bool, expect: Expect, one_file: bool) -> Self {
        Message {
            is_orig,
            expect,
            one_file,
            phase: Phase::Headers,
            header: Vec::new(),
            fold_lines: 0,
            headers_seen: 0,
            content_length: None,
            chunked: false,
            encoding: Encoding::Identity,
            container: None,
            expect_100: false,
            closes_connection: false,
            range_length: None,
            filename: None,
            body: Body::new(Encoding::Identity, None),
            mime: None,
            line_budget: None,
            weirds: Vec::new(),
            signals: Vec::new(),
        }
    }

    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

    /// Raw bytes the message wants next (`None`: it reads lines).
    pub fn raw_wanted(&self) -> Option<u64> {
        match self.phase {
            Phase::Length { remaining } | Phase::ChunkData { remaining } => {
                Some(remaining.max(0) as u64)
            }
            Phase::UntilClose => Some(u64::MAX),
            Phase::Lines { .. } => {
                let wanted = self.mime.as_ref().and_then(MimeBody::raw_wanted)?;
                Some(self.line_budget.map_or(wanted, |b| wanted.min(b)))
            }
            _ => None,
        }
    }

    /// Lines of a MIME body end only at CRLF.
    pub fn crlf_lines_only(&self) -> bool {
        self.mime.is_some() && matches!(self.phase, Phase::Lines { .. })
    }

    /// How many more raw bytes may be read as lines (`None`: no limit).
    pub fn line_budget(&self) -> Option<u64> {
        self.line_budget
    }

    /// `n` raw bytes were read as lines.
    pub fn spend_line_budget(&mut self, n: usize) {
        if let Some(b) = &mut self.line_budget {
            *b = b.saturating_sub(n as u64);
        }
    }

    pub fn body_len(&self) -> u64 {
        self.body.len
    }

    /// One line (without terminator).
    pub fn line(&mut self, cx: &mut Context<'_>, line: &[u8], situation: Situation) {
        match self.phase {
            Phase::Headers | Phase::Trailer => self.head_line(cx, line, situation),
            Phase::ChunkSize => self.chunk_size(line),
            Phase::ChunkEnd => self.phase = Phase::ChunkSize,
            Phase::Lines { remaining } => self.body_line(cx, line, remaining),
            // Raw phases never get lines; a finished message ignores them.
            Phase::Length { .. } | Phase::ChunkData { .. } | Phase::UntilClose | Phase::Done => {}
        }
    }

    /// Raw body bytes, at most [`Message::raw_wanted`] of them.
    pub fn raw(&mut self, cx: &mut Context<'_>, bytes: &[u8]) {
        let mut news = Vec::new();
        // A MIME body has no file of its own: this only counts the bytes.
        self.body.data(cx, bytes, &mut news);
        if let (Phase::Lines { .. }, Some(m)) = (self.phase, &mut self.mime) {
            m.raw(cx, bytes, &mut news);
            self.spend_line_budget(bytes.len());
        }
        self.push_news(news);
        self.consume(cx, bytes.len() as i64);
    }

    /// `n` framed bytes were read (or lost in a gap).
    fn consume(&mut self, cx: &mut Context<'_>, n: i64) {
        match &mut self.phase {
            Phase::Length { remaining } => {
                *remaining -= n;
                if *remaining <= 0 {
                    self.finish(cx);
                }
            }
            Phase::ChunkData { remaining } => {
                *remaining -= n;
                if *remaining <= 0 {
                    self.phase = Phase::ChunkEnd;
                }
            }
            Phase::Lines {
                remaining: Some(remaining),
            } => {
                *remaining -= n;
                if *remaining <= 0 {
                    self.finish(cx);
                }
            }
            _ => {}
        }
    }

    /// `len` bytes of this message's stream are missing; false if they
    /// are not wholly inside a body of known length (then parsing stops).
    pub fn gap(&mut self, cx: &mut Context<'_>, len: u64) -> bool {
        if self.body.len == 0 {
            return false;
        }
        let len = len.min(i64::MAX as u64) as i64;
        match self.phase {
            Phase::Length { remaining } | Phase::ChunkData { remaining } if remaining >= len => {
                self.body.gap(len as u64);
                self.consume(cx, len);
                true
            }
            _ => false,
        }
    }

    /// The message ends here (complete, end of stream or interrupted): its
    /// files end too.
    pub fn finish(&mut self, cx: &mut Context<'_>) {
        if self.phase == Phase::Done {
            return;
        }
        self.phase = Phase::Done;
        self.line_budget = None;
        let mut news = Vec::new();
        if let Some(m) = self.mime.take() {
            m.end(cx, &mut news);
        }
        self.body.end(cx, &mut news);
        self.push_news(news);
        self.signals.push(Signal::Done);
    }

    fn push_news(&mut self, news: Vec<FileNews>) {
        self.signals.extend(news.into_iter().map(Signal::File));
    }

    fn weird(&mut self, name: &'static str, addl: Option<&[u8]>) {
        self.weirds
            .push((name, addl.map(|a| String::from_utf8_lossy(a).into_owned())));
    }

    fn head_line(&mut self, cx: &mut Context<'_>, line: &[u8], situation: Situation) {
        let continuation = line.first().is_some_and(|&c| c == b' ' || c == b'\t');
        if continuation && !self.header.is_empty() {
            if self.header.len() + line.len() <= parser::MAX_LINE {
                self.header.extend_from_slice(line);
            }
            self.fold_lines += 1;
            return;
        }
        self.submit_header(situation);
        if line.is_empty() {
            if self.phase == Phase::Trailer {
                self.finish(cx);
            } else {
                self.end_of_headers(cx, situation);
            }
            return;
        }
        self.header = line.to_vec();
        self.fold_lines = 1;
    }

    /// The assembled header line is complete.
    fn submit_header(&mut self, situation: Situation) {
        let line = std::mem::take(&mut self.header);
        let Some(h) = parser::header(&line) else {
            return;
        };
        if self.phase == Phase::Trailer {
            return;
        }
        if self.fold_lines > 1 {
            self.weird("HTTP_obsolete_line_folding", Some(h.name));
        }
        let name = h.name.to_ascii_uppercase();
        self.framing_header(&name, h.value, situation);
        // Framing follows every field, the row only the first ones.
        self.headers_seen += 1;
        if self.headers_seen <= MAX_HEADERS {
            self.signals.push(Signal::Header {
                name,
                value: h.value.to_vec(),
            });
        }
    }

    /// Header fields that decide how the body is framed and decoded.
    fn framing_header(&mut self, name: &[u8], value: &[u8], situation: Situation) {
        let (token, after) = parser::value_token(value);
        match name {
            b"CONTENT-LENGTH" => self.content_length_header(token),
            b"CONTENT-RANGE" if situation.reply_code == 206 => self.content_range_header(value),
            b"TRANSFER-ENCODING"
                if token.eq_ignore_ascii_case(b"chunked") && situation.version == (1, 1) =>
            {
                self.chunked = true;
                if !after.is_empty() {
                    self.weird("HTTP_chunked_multi", Some(after));
                }
                if self.content_length.is_some() {
                    self.weird("HTTP_content_length_and_chunked", None);
                }
            }
            b"CONTENT-ENCODING" => {
                if let Some(e) = Encoding::from_token(token) {
                    self.encoding = e;
                }
            }
            b"EXPECT" => {
                if !token.eq_ignore_ascii_case(b"100-continue") {
                    self.weird("HTTP_expect_not_100_continue", Some(token));
                }
                self.expect_100 = true;
                if self.content_length == Some(0) {
                    self.weird("HTTP_content_length_0_and_expect_100_cont", None);
                }
            }
            b"CONNECTION" if !self.is_orig && token.eq_ignore_ascii_case(b"close") => {
                self.closes_connection = true;
            }
            b"CONTENT-TYPE" => self.container = Container::from_content_type(value),
            b"CONTENT-DISPOSITION"
                if parser::find(&value.to_ascii_lowercase(), b"filename").is_some() =>
            {
                self.filename = Some(parser::disposition_filename(value));
            }
            _ => {}
        }
    }

    fn content_length_header(&mut self, token: &[u8]) {
        if self.chunked {
            self.weird("HTTP_content_length_and_chunked", None);
        }
        if token.is_empty() {
            return;
        }
        let n = match parser::atoi(token, 10) {
            Some(n) if n >= 0 => n,
            _ => {
                self.weird("HTTP_bad_content_length", Some(token));
                self.content_length = Some(0);
                return;
            }
        };
        if n > 0 && token[0] == b'0' {
            self.weird("HTTP_content_length_leading_zeros", Some(token));
        }
        self.content_length = Some(self.reconcile_with_range(n));
        if n == 0 && self.expect_100 {
            self.weird("HTTP_content_length_0_and_expect_100_cont", None);
        }
    }

    /// Content-Length and Content-Range disagreeing may be an evasion:
    /// take the larger.
    fn reconcile_with_range(&mut self, content_length: i64) -> i64 {
        match self.range_length {
            Some(r) if r != content_length => {
                self.weird("HTTP_range_not_matching_len", None);
                r.max(content_length)
            }
            _ => content_length,
        }
    }

    /// "bytes first-last/total" of a 206 reply.
    fn content_range_header(&mut self, value: &[u8]) {
        let (unit, spec) = parser::value_token(value);
        if unit != b"bytes" {
            self.weird("HTTP_content_range_unknown_byte_unit", None);
            return;
        }
        let spec: Vec<u8> = spec.iter().copied().filter(|&c| c != b' ').collect();
        let range = spec.split(|&c| c == b'/').next().unwrap_or_default();
        let bounds: Vec<&[u8]> = range.splitn(2, |&c| c == b'-').collect();
        let (Some(first), Some(last)) = (bounds.first(), bounds.get(1)) else {
            self.weird("HTTP_content_range_cannot_parse", None);
            return;
        };
        let (Some(f), Some(l)) = (parser::atoi(first, 10), parser::atoi(last, 10)) else {
            self.weird("HTTP_content_range_cannot_parse", Some(&spec));
            return;
        };
        if f < 0 || l < 0 {
            self.weird("HTTP_content_range_invalid", Some(&spec));
        } else if l < f {
            self.weird("HTTP_non_positive_content_range", Some(&spec));
        } else {
            let len = l - f + 1;
            self.range_length = Some(len);
            self.content_length = Some(match self.content_length {
                Some(cl) if cl > 0 => {
                    self.range_length = Some(len);
                    self.reconcile_with_range(cl)
                }
                _ => len,
            });
        }
    }

    /// The empty line after the header fields: how is the body framed?
    fn end_of_headers(&mut self, cx: &mut Context<'_>, situation: Situation) {
        let total = self.content_length.filter(|&n| n > 0).map(|n| n as u64);
        let total = total.filter(|_| self.encoding == Encoding::Identity);
        let file = FileSink::new(self.is_orig, self.filename.clone(), total);
        self.body = Body::new(self.encoding, Some(file));
        if self.expect == Expect::No {
            self.finish(cx);
            return;
        }
        if let Some(container) = self.container.take() {
            self.begin_mime_body(cx, container);
            return;
        }
        let next = if self.chunked {
            Some(Phase::ChunkSize)
        } else if let Some(n) = self.content_length {
            (n > 0).then_some(Phase::Length { remaining: n })
        } else if situation.connection_close
            || self.closes_connection
            || self.encoding != Encoding::Identity
        {
            Some(Phase::UntilClose)
        } else if self.expect == Expect::Yes {
            Some(Phase::Lines { remaining: None })
        } else {
            None
        };
        match next {
            Some(phase) => self.phase = phase,
            None => self.finish(cx),
        }
    }

    /// A MIME body is read as lines, never dechunked; Content-Length
    /// still bounds it.
    fn begin_mime_body(&mut self, cx: &mut Context<'_>, container: Container) {
        if self.chunked {
            self.weird("HTTP_chunked_transfer_for_multipart_message", None);
        }
        // Entities carry their own files; the body as a whole has none.
        self.body = Body::new(self.encoding, None);
        self.mime = Some(MimeBody::new(self.is_orig, container, self.one_file));
        match self.content_length {
            Some(0) => self.finish(cx),
            remaining => {
                self.line_budget = remaining.map(|n| n as u64);
                self.phase = Phase::Lines { remaining };
            }
        }
    }

    fn chunk_size(&mut self, line: &[u8]) {
        let size = parser::atoi(line, 16).unwrap_or_else(|| {
            self.weird("HTTP_bad_chunk_size", Some(line));
            0
        });
        self.phase = if size > 0 {
            Phase::ChunkData { remaining: size }
        } else {
            Phase::Trailer
        };
    }

    fn body_line(&mut self, cx: &mut Context<'_>, line: &[u8], remaining: Option<i64>) {
        let mut news = Vec::new();
        self.body.line(cx, line, &mut news);
        if let Some(m) = &mut self.mime {
            if let Some(w) = m.line(cx, line, &mut news) {
                // Entities below the limit go unanalysed (history X).
                cx.analysis_partial();
                self.weirds
                    .push((w, Some(super::mime::MAX_DEPTH.to_string())));
            }
        }
        self.push_news(news);
        if let Some(r) = remaining {
            let left = r - line.len() as i64 - 2;
            self.phase = Phase::Lines {
                remaining: Some(left),
            };
            if left <= 0 {
                self.finish(cx);
            }
        }
    }
}
