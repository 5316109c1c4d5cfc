//! MIME entities (RFC 2045/2046) parsed line by line as Zeek's MIME
//! analyzer does: headers (folded lines joined as they are), multipart
//! bodies split at their boundaries, `message/*` bodies parsed as one
//! nested entity, leaf bodies decoded (base64, quoted-printable) and handed
//! on. Used for SMTP mail; HTTP multipart bodies can reuse it.

mod decode;
mod header;

pub use decode::{decode_quoted_printable_line, Base64Decoder};

use header::{parse_content_type, parse_transfer_encoding, split_header};

/// What a parsed message reports, in order.
pub trait MimeHandler {
    /// A new entity starts (the message itself, a part, a nested message).
    fn begin_entity(&mut self);
    /// One header of the current entity: its name as sent and its value
    /// (leading whitespace removed, folded lines joined).
    fn header(&mut self, name: &[u8], value: &[u8]);
    /// Decoded body bytes of the current leaf entity.
    fn data(&mut self, bytes: &[u8]);
    /// The current entity is complete.
    fn end_entity(&mut self);
    /// A limit was hit (`name` is Zeek's weird, `limit` its value): the
    /// oversized header or the too deeply nested entity is skipped, the
    /// rest of the message is parsed on.
    fn limit_exceeded(&mut self, name: &'static str, limit: usize);
}

/// Entities nested at most (Zeek's `MIME::max_depth`).
const MAX_DEPTH: usize = 100;
/// Bytes of one header with its continuation lines at most (Zeek's
/// `MIME::max_header_bytes`).
const MAX_HEADER_LEN: usize = 65536;

/// The top-level media types Zeek tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MediaType {
    Multipart,
    Message,
    Text,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    SevenBit,
    EightBit,
    Binary,
    QuotedPrintable,
    Base64,
    Other,
}

/// What a multipart body line is.
enum Delimiter {
    None,
    Boundary,
    Closing,
}

struct Entity {
    in_header: bool,
    ended: bool,
    /// The header being collected (a header line plus its continuations).
    header: Option<Vec<u8>>,
    /// The header being received grew too large: its further continuation
    /// lines are dropped.
    header_oversized: bool,
    media: MediaType,
    encoding: Encoding,
    boundary: Option<Vec<u8>>,
    /// The next entity on the stack is this one's current child.
    has_child: bool,
    base64: Option<Base64Decoder>,
    /// A line break held back: in a multipart part, the last one belongs to
    /// the boundary delimiter, not to the content.
    delayed_crlf: bool,
    parent_is_multipart: bool,
}

impl Entity {
    fn new(parent: Option<&Entity>) -> Self {
        Entity {
            in_header: true,
            ended: false,
            header: None,
            header_oversized: false,
            media: MediaType::Text,
            // A part inherits its parent's encoding until it declares one.
            encoding: parent.map_or(Encoding::Other, |p| p.encoding),
            boundary: None,
            has_child: false,
            base64: None,
            delayed_crlf: false,
            parent_is_multipart: parent.is_some_and(|p| p.media == MediaType::Multipart),
        }
    }

    fn delimiter(&self, line: &[u8]) -> Delimiter {
        let Some(boundary) = &self.boundary else {
            return Delimiter::None;
        };
        match line
            .strip_prefix(b"--")
            .and_then(|l| l.strip_prefix(&boundary[..]))
        {
            Some(rest) if rest.starts_with(b"--") => Delimiter::Closing,
            Some(_) => Delimiter::Boundary,
            None => Delimiter::None,
        }
    }
}

/// One MIME message being parsed: a stack of open entities, the message
/// itself at the bottom.
pub struct MimeMessage {
    stack: Vec<Entity>,
    finished: bool,
    scratch: Vec<u8>,
}

impl MimeMessage {
    /// Starts a message (reports its top-level entity).
    pub fn new(h: &mut impl MimeHandler) -> Self {
        h.begin_entity();
        MimeMessage {
            stack: vec![Entity::new(None)],
            finished: false,
            scratch: Vec::new(),
        }
    }

    /// One line of the message without its line break; `crlf`: a line break
    /// followed it.
    pub fn deliver(&mut self, line: &[u8], crlf: bool, h: &mut impl MimeHandler) {
        if self.finished {
            return;
        }
        let mut i = 0;
        loop {
            let e = &mut self.stack[i];
            if e.in_header {
                self.header_line(i, line, h);
                return;
            }
            if e.media == MediaType::Multipart {
                match e.delimiter(line) {
                    Delimiter::Boundary => {
                        self.end_children(i, h);
                        if !self.stack[i].ended {
                            self.begin_child(i, h);
                        }
                        return;
                    }
                    Delimiter::Closing => {
                        self.end_children(i, h);
                        self.end_entity(i, h);
                        return;
                    }
                    Delimiter::None => {}
                }
            }
            let e = &self.stack[i];
            if matches!(e.media, MediaType::Multipart | MediaType::Message) {
                // Preamble and epilogue lines have no child and are dropped.
                if !e.has_child {
                    return;
                }
                i += 1;
                continue;
            }
            self.body_line(i, line, crlf, h);
            return;
        }
    }

    /// The message ended: closes every open entity, innermost first.
    pub fn finish(&mut self, h: &mut impl MimeHandler) {
        if self.finished {
            return;
        }
        self.end_children(0, h);
        self.end_entity(0, h);
        self.finished = true;
    }

    fn header_line(&mut self, i: usize, line: &[u8], h: &mut impl MimeHandler) {
        if line.first().is_none_or(|&c| c == 0) {
            self.end_headers(i, h);
        } else if is_lws(line[0]) {
            let e = &mut self.stack[i];
            match &mut e.header {
                Some(cur) if cur.len() + line.len() > MAX_HEADER_LEN => {
                    e.header = None;
                    e.header_oversized = true;
                    h.limit_exceeded("exceeded_mime_max_header_bytes", MAX_HEADER_LEN);
                }
                Some(cur) => cur.extend_from_slice(line),
                None if e.header_oversized => {}
                None => {
                    // A continuation without a header: taken as a header.
                    let ws = line.iter().take_while(|&&c| is_lws(c)).count();
                    self.start_header(i, &line[ws..], h);
                }
            }
        } else {
            self.start_header(i, line, h);
        }
    }

    fn start_header(&mut self, i: usize, line: &[u8], h: &mut impl MimeHandler) {
        self.finish_header(i, h);
        let e = &mut self.stack[i];
        e.header_oversized = line.len() > MAX_HEADER_LEN;
        if e.header_oversized {
            h.limit_exceeded("exceeded_mime_max_header_bytes", MAX_HEADER_LEN);
        } else if !line.is_empty() {
            e.header = Some(line.to_vec());
        }
    }

    fn finish_header(&mut self, i: usize, h: &mut impl MimeHandler) {
        let e = &mut self.stack[i];
        let Some(text) = e.header.take() else { return };
        let Some((name, value)) = split_header(&text) else {
            return;
        };
        if name.eq_ignore_ascii_case(b"content-type") {
            if let Some((media, boundary)) = parse_content_type(value) {
                e.media = media;
                if boundary.is_some() {
                    e.boundary = boundary;
                }
                if e.media == MediaType::Multipart && e.boundary.is_none() {
                    // Treated as opaque content, as Zeek does.
                    e.media = MediaType::Other;
                }
            }
        } else if name.eq_ignore_ascii_case(b"content-transfer-encoding") {
            if let Some(enc) = parse_transfer_encoding(value) {
                e.encoding = enc;
            }
        }
        h.header(name, value);
    }

    fn end_headers(&mut self, i: usize, h: &mut impl MimeHandler) {
        self.finish_header(i, h);
        let e = &mut self.stack[i];
        e.in_header = false;
        if e.encoding == Encoding::Base64 {
            e.base64 = Some(Base64Decoder::new());
        }
        if e.media == MediaType::Message {
            self.begin_child(i, h);
        }
    }

    fn begin_child(&mut self, i: usize, h: &mut impl MimeHandler) {
        if self.stack.len() >= MAX_DEPTH {
            h.limit_exceeded("exceeded_mime_max_depth", MAX_DEPTH);
            return;
        }
        let child = Entity::new(Some(&self.stack[i]));
        self.stack[i].has_child = true;
        self.stack.push(child);
        h.begin_entity();
    }

    /// Ends every entity nested below level `i`, innermost first.
    fn end_children(&mut self, i: usize, h: &mut impl MimeHandler) {
        while self.stack.len() > i + 1 {
            let last = self.stack.len() - 1;
            self.end_entity(last, h);
            self.stack.pop();
        }
        self.stack[i].has_child = false;
    }

    /// Level `i` has no open child any more: flush it and report its end.
    fn end_entity(&mut self, i: usize, h: &mut impl MimeHandler) {
        let e = &mut self.stack[i];
        if e.ended {
            return;
        }
        e.ended = true;
        if e.in_header {
            e.in_header = false;
            self.finish_header(i, h);
        } else if let Some(mut dec) = self.stack[i].base64.take() {
            self.scratch.clear();
            dec.finish(&mut self.scratch);
            if !self.scratch.is_empty() {
                h.data(&self.scratch);
            }
        }
        h.end_entity();
    }

    fn body_line(&mut self, i: usize, line: &[u8], crlf: bool, h: &mut impl MimeHandler) {
        let out = &mut self.scratch;
        out.clear();
        let e = &mut self.stack[i];
        match e.encoding {
            Encoding::QuotedPrintable => decode_quoted_printable_line(line, out),
            Encoding::Base64 => {
                if let Some(dec) = &mut e.base64 {
                    dec.decode(line, out);
                }
            }
            Encoding::SevenBit | Encoding::EightBit | Encoding::Binary | Encoding::Other => {
                if std::mem::take(&mut e.delayed_crlf) {
                    out.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(line);
                if crlf {
                    if e.parent_is_multipart {
                        e.delayed_crlf = true;
                    } else {
                        out.extend_from_slice(b"\r\n");
                    }
                }
            }
        }
        if !out.is_empty() {
            h.data(out);
        }
    }
}

/// Linear whitespace (space, tab).
fn is_lws(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

#[cfg(test)]
mod tests;
