//! MIME bodies (multipart, message/rfc822) as Zeek's MIME reader splits
//! them: a tree of entities, each with header fields and, for a leaf, its
//! own file; nesting stops at Zeek's MIME depth limit.

use super::body::{FileNews, FileSink};
use super::parser;
use crate::Context;

/// Zeek's `MIME::max_depth`.
pub const MAX_DEPTH: usize = 100;

/// What an entity's body holds, from its Content-Type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Container {
    /// Parts separated by "--boundary" lines.
    Multipart(Vec<u8>),
    /// One entity (message/rfc822): header fields, then its body.
    Message,
}

impl Container {
    /// The container a Content-Type value announces, if any.
    pub fn from_content_type(value: &[u8]) -> Option<Container> {
        let (kind, rest) = parser::value_token(value);
        if kind.eq_ignore_ascii_case(b"multipart") {
            parser::param(rest, b"boundary").map(Container::Multipart)
        } else if kind.eq_ignore_ascii_case(b"message") {
            Some(Container::Message)
        } else {
            None
        }
    }
}

struct Entity {
    in_headers: bool,
    container: Option<Container>,
    filename: Option<Vec<u8>>,
    /// A part's Content-Range: its first byte and the file's size.
    range: Option<(u64, Option<u64>)>,
    /// Bytes of a byte-range part's body still to come as they are (Zeek
    /// reads a part of known length without splitting lines); once they
    /// are in, the entity takes no more data.
    plain: Option<u64>,
    file: Option<FileSink>,
    /// The CRLF ending the previous line belongs to the data unless a
    /// boundary follows.
    crlf_owed: bool,
}

impl Entity {
    fn new() -> Self {
        Entity {
            in_headers: true,
            container: None,
            filename: None,
            range: None,
            plain: None,
            file: None,
            crlf_owed: false,
        }
    }

    fn header(&mut self, line: &[u8]) {
        let Some(h) = parser::header(line) else {
            return;
        };
        if h.name.eq_ignore_ascii_case(b"content-disposition") {
            if parser::find(&h.value.to_ascii_lowercase(), b"filename").is_some() {
                self.filename = Some(parser::disposition_filename(h.value));
            }
        } else if h.name.eq_ignore_ascii_case(b"content-range") {
            if let Some(r) = content_range(h.value) {
                self.range = Some((r.start, r.total));
                self.plain = Some(r.len);
            }
        } else if h.name.eq_ignore_ascii_case(b"content-type") {
            self.container = Container::from_content_type(h.value);
            if parser::has_name_param(h.value) {
                self.filename = Some(parser::disposition_filename(h.value));
            }
        }
    }

    /// A body line; it goes to `shared` when all entities make one file.
    fn data(
        &mut self,
        cx: &mut Context<'_>,
        is_orig: bool,
        shared: Option<&mut FileSink>,
        line: &[u8],
        news: &mut Vec<FileNews>,
    ) {
        let filename = self.filename.clone();
        let file = match shared {
            Some(f) => {
                if let Some((start, total)) = self.range.take() {
                    f.range(start, total);
                }
                f
            }
            None => self
                .file
                .get_or_insert_with(|| FileSink::new(is_orig, filename, None)),
        };
        if std::mem::replace(&mut self.crlf_owed, true) {
            file.data(cx, b"\r\n", news);
        }
        file.data(cx, line, news);
    }

    fn end(self, cx: &mut Context<'_>, news: &mut Vec<FileNews>) {
        if let Some(f) = self.file {
            f.end(cx, news);
        }
    }
}

/// The entities of one body, outermost first; each is the open child of
/// the one before it.
pub struct MimeBody {
    is_orig: bool,
    stack: Vec<Entity>,
    /// The one file of every entity: the parts of a reply to a range
    /// request are pieces of the same file (Zeek names the file by URL).
    shared: Option<FileSink>,
    /// The depth limit is reported once.
    too_deep: bool,
}

/// A Content-Range value.
#[derive(Debug, PartialEq, Eq)]
struct ContentRange {
    start: u64,
    /// Bytes in the range (positive).
    len: u64,
    /// The file's size (`*`: unknown).
    total: Option<u64>,
}

/// `bytes START-END/TOTAL`; an empty or inverted range is none.
fn content_range(value: &[u8]) -> Option<ContentRange> {
    let spec = value.trim_ascii().strip_prefix(b"bytes")?.trim_ascii();
    let (range, total) = match spec.iter().position(|&c| c == b'/') {
        Some(i) => (&spec[..i], &spec[i + 1..]),
        None => (spec, &b"*"[..]),
    };
    let dash = range.iter().position(|&c| c == b'-')?;
    let number = |b: &[u8]| std::str::from_utf8(b).ok()?.trim().parse::<u64>().ok();
    let start = number(&range[..dash])?;
    let end = number(&range[dash + 1..])?;
    let len = end.checked_sub(start)?.checked_add(1)?;
    Some(ContentRange {
        start,
        len,
        total: number(total),
    })
}

/// A boundary line for `boundary`: "--boundary" opens a part,
/// "--boundary--" closes the multipart.
fn boundary_kind(line: &[u8], boundary: &[u8]) -> Option<bool> {
    let rest = line.strip_prefix(b"--")?.strip_prefix(boundary)?;
    Some(rest.starts_with(b"--"))
}

impl MimeBody {
    /// The body of a message whose head announced `container`;
    /// `one_file` makes all entities one file.
    pub fn new(is_orig: bool, container: Container, one_file: bool) -> Self {
        let root = Entity {
            in_headers: false,
            ..Entity::new()
        };
        let shared = one_file.then(|| FileSink::new(is_orig, None, None));
        let mut body = MimeBody {
            is_orig,
            stack: vec![root],
            shared,
            too_deep: false,
        };
        body.open_container(container);
        body
    }

    /// One body line (without its CRLF); returns a weird to raise, if any.
    pub fn line(
        &mut self,
        cx: &mut Context<'_>,
        line: &[u8],
        news: &mut Vec<FileNews>,
    ) -> Option<&'static str> {
        // An enclosing boundary ends every entity inside it.
        let hit = self
            .stack
            .iter()
            .enumerate()
            .find_map(|(i, e)| match &e.container {
                Some(Container::Multipart(b)) => boundary_kind(line, b).map(|closing| (i, closing)),
                _ => None,
            });
        if let Some((i, closing)) = hit {
            self.close_from(cx, i + 1, news);
            if !closing {
                self.stack.push(Entity::new());
            }
            return None;
        }
        let is_orig = self.is_orig;
        let inner = self.stack.last_mut()?;
        if !inner.in_headers {
            if inner.container.is_none() && inner.plain.is_none() {
                inner.data(cx, is_orig, self.shared.as_mut(), line, news);
            }
            return None; // preamble, epilogue
        }
        if !line.is_empty() {
            inner.header(line);
            return None;
        }
        inner.in_headers = false;
        if self.shared.is_none() {
            inner.plain = None;
        }
        let container = inner.container.take()?;
        if self.stack.len() >= MAX_DEPTH {
            let first = !self.too_deep;
            self.too_deep = true;
            return first.then_some("exceeded_mime_max_depth");
        }
        self.open_container(container);
        None
    }

    /// Bytes the innermost entity takes as they are, before lines resume.
    pub fn raw_wanted(&self) -> Option<u64> {
        let inner = self.stack.last()?;
        let left = inner.plain.filter(|_| !inner.in_headers)?;
        (left > 0).then_some(left)
    }

    /// Body bytes of a byte-range part, at most [`MimeBody::raw_wanted`].
    pub fn raw(&mut self, cx: &mut Context<'_>, bytes: &[u8], news: &mut Vec<FileNews>) {
        let is_orig = self.is_orig;
        let Some(inner) = self.stack.last_mut() else {
            return;
        };
        if let Some(left) = &mut inner.plain {
            *left = left.saturating_sub(bytes.len() as u64);
            inner.data(cx, is_orig, self.shared.as_mut(), bytes, news);
            // Plain bytes end with no line end owed to the data.
            inner.crlf_owed = false;
        }
    }

    /// The innermost entity holds `container`: a message opens its single
    /// child right away, a multipart waits for its first boundary.
    fn open_container(&mut self, container: Container) {
        let opens_child = container == Container::Message;
        if let Some(e) = self.stack.last_mut() {
            e.container = Some(container);
        }
        if opens_child {
            self.stack.push(Entity::new());
        }
    }

    /// Entities from `from` on are complete.
    fn close_from(&mut self, cx: &mut Context<'_>, from: usize, news: &mut Vec<FileNews>) {
        while self.stack.len() > from {
            if let Some(e) = self.stack.pop() {
                e.end(cx, news);
            }
        }
    }

    /// The body ended: open entities end with it.
    pub fn end(mut self, cx: &mut Context<'_>, news: &mut Vec<FileNews>) {
        self.close_from(cx, 0, news);
        if let Some(f) = self.shared.take() {
            f.end_ranges(cx, news);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range_gives_start_and_size() {
        assert_eq!(
            content_range(b"bytes 32955-33141/649077"),
            Some(ContentRange {
                start: 32955,
                len: 187,
                total: Some(649077)
            })
        );
        assert_eq!(
            content_range(b"bytes 0-9/*"),
            Some(ContentRange {
                start: 0,
                len: 10,
                total: None
            })
        );
        assert_eq!(content_range(b"bytes 9-0/10"), None);
        assert_eq!(content_range(b"items 0-9/10"), None);
        assert_eq!(content_range(b"bytes x-9/10"), None);
    }
}
