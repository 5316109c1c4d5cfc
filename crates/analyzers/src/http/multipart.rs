//! Multipart bodies (RFC 2046) as Zeek's MIME reader splits them: each part
//! is an entity with its own header fields and its own file; parts may nest
//! up to Zeek's MIME depth limit.

use super::body::{FileNews, FileSink};
use super::parser;
use crate::Context;

/// Zeek's `MIME::max_depth`.
pub const MAX_DEPTH: usize = 100;

/// One part being read.
struct Part {
    in_headers: bool,
    filename: Option<Vec<u8>>,
    /// A nested multipart's boundary, from this part's Content-Type.
    boundary: Option<Vec<u8>>,
    file: Option<FileSink>,
    /// The CRLF ending the previous line belongs to the data unless a
    /// boundary follows.
    crlf_owed: bool,
}

/// One multipart level: its boundary and the part being read (none in the
/// preamble and after the closing boundary).
struct Level {
    boundary: Vec<u8>,
    part: Option<Part>,
}

pub struct Multipart {
    is_orig: bool,
    levels: Vec<Level>,
    /// Depth limit reported once.
    too_deep: bool,
}

/// A boundary line for `boundary`: "--boundary" opens a part,
/// "--boundary--" closes the multipart.
fn boundary_kind(line: &[u8], boundary: &[u8]) -> Option<bool> {
    let rest = line.strip_prefix(b"--")?.strip_prefix(boundary)?;
    Some(rest.starts_with(b"--"))
}

impl Multipart {
    pub fn new(is_orig: bool, boundary: Vec<u8>) -> Self {
        Multipart {
            is_orig,
            levels: vec![Level {
                boundary,
                part: None,
            }],
            too_deep: false,
        }
    }

    /// One body line (without its CRLF); returns a weird to raise, if any.
    pub fn line(
        &mut self,
        cx: &mut Context<'_>,
        line: &[u8],
        news: &mut Vec<FileNews>,
    ) -> Option<&'static str> {
        // An enclosing boundary ends every part inside it.
        let hit = self
            .levels
            .iter()
            .enumerate()
            .find_map(|(i, l)| boundary_kind(line, &l.boundary).map(|closing| (i, closing)));
        if let Some((i, closing)) = hit {
            self.close_from(cx, i + 1, news);
            self.end_part(cx, i, news);
            if !closing {
                self.levels[i].part = Some(Part::new());
            }
            return None;
        }
        let depth = self.levels.len();
        let Some(part) = self.levels.last_mut().and_then(|l| l.part.as_mut()) else {
            return None; // preamble or epilogue
        };
        if !part.in_headers {
            part.data(cx, self.is_orig, line, news);
            return None;
        }
        if !line.is_empty() {
            part.header(line);
            return None;
        }
        part.in_headers = false;
        let nested = part.boundary.take()?;
        if depth >= MAX_DEPTH {
            let first = !self.too_deep;
            self.too_deep = true;
            return first.then_some("exceeded_mime_max_depth");
        }
        self.levels.push(Level {
            boundary: nested,
            part: None,
        });
        None
    }

    /// Levels from `from` on are gone.
    fn close_from(&mut self, cx: &mut Context<'_>, from: usize, news: &mut Vec<FileNews>) {
        while self.levels.len() > from {
            let i = self.levels.len() - 1;
            self.end_part(cx, i, news);
            self.levels.pop();
        }
    }

    fn end_part(&mut self, cx: &mut Context<'_>, level: usize, news: &mut Vec<FileNews>) {
        if let Some(file) = self.levels[level].part.take().and_then(|p| p.file) {
            file.end(cx, news);
        }
    }

    /// The body ended: open parts end with it.
    pub fn end(mut self, cx: &mut Context<'_>, news: &mut Vec<FileNews>) {
        self.close_from(cx, 0, news);
    }
}

impl Part {
    fn new() -> Self {
        Part {
            in_headers: true,
            filename: None,
            boundary: None,
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
        } else if h.name.eq_ignore_ascii_case(b"content-type") {
            self.boundary = parser::multipart_boundary(h.value);
            if self.filename.is_none() && has_name_param(h.value) {
                self.filename = Some(parser::disposition_filename(h.value));
            }
        }
    }

    fn data(&mut self, cx: &mut Context<'_>, is_orig: bool, line: &[u8], news: &mut Vec<FileNews>) {
        let filename = self.filename.clone();
        let file = self
            .file
            .get_or_insert_with(|| FileSink::new(is_orig, filename, None));
        if std::mem::replace(&mut self.crlf_owed, true) {
            file.data(cx, b"\r\n", news);
        }
        file.data(cx, line, news);
    }
}

/// Zeek looks for `name[blanks]=` in Content-Type.
fn has_name_param(value: &[u8]) -> bool {
    let lower = value.to_ascii_lowercase();
    (0..lower.len()).any(|i| {
        lower[i..].starts_with(b"name") && {
            let j = parser::skip_ws(&lower, i + 4);
            lower.get(j) == Some(&b'=')
        }
    })
}
