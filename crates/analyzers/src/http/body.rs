//! Where body bytes go: decompression (Content-Encoding gzip/deflate, which
//! Zeek undoes before counting), the decoded length http.log reports, and
//! the files framework.

use crate::files::Transfer;
use crate::Context;
use std::io::Write;

/// Content-Encoding Zeek decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    #[default]
    Identity,
    Gzip,
    Deflate,
}

impl Encoding {
    pub fn from_token(token: &[u8]) -> Option<Encoding> {
        if token.eq_ignore_ascii_case(b"gzip") || token.eq_ignore_ascii_case(b"x-gzip") {
            Some(Encoding::Gzip)
        } else if token.eq_ignore_ascii_case(b"deflate") {
            Some(Encoding::Deflate)
        } else {
            None
        }
    }
}

/// What the HTTP record learns about a file when it starts or is sniffed.
#[derive(Debug)]
pub enum FileNews {
    Begun {
        fuid: String,
        filename: Option<Vec<u8>>,
    },
    MimeType(String),
}

/// One file of a message (its body, or one multipart part).
pub struct FileSink {
    is_orig: bool,
    filename: Option<Vec<u8>>,
    total: Option<u64>,
    /// Where the next bytes go (a byte range's start), until applied.
    seek: Option<u64>,
    transfer: Option<Transfer>,
    mime_reported: bool,
}

impl FileSink {
    pub fn new(is_orig: bool, filename: Option<Vec<u8>>, total: Option<u64>) -> Self {
        FileSink {
            is_orig,
            filename,
            total,
            seek: None,
            transfer: None,
            mime_reported: false,
        }
    }

    /// File bytes; the file begins with its first byte, as in Zeek.
    pub fn data(&mut self, cx: &mut Context<'_>, bytes: &[u8], news: &mut Vec<FileNews>) {
        if bytes.is_empty() {
            return;
        }
        let transfer = match &mut self.transfer {
            Some(t) => t,
            None => {
                let mut t = Transfer::begin(cx, "HTTP", self.is_orig, self.total);
                if let Some(name) = &self.filename {
                    t.set_filename(name);
                }
                news.push(FileNews::Begun {
                    fuid: t.fuid().to_string(),
                    filename: self.filename.clone(),
                });
                self.transfer.insert(t)
            }
        };
        if let Some(at) = self.seek.take() {
            transfer.seek(at);
        }
        transfer.data(cx, bytes);
        self.report_mime(news);
    }

    pub fn gap(&mut self, len: u64) {
        if let Some(t) = &mut self.transfer {
            t.gap(len);
        }
    }

    fn report_mime(&mut self, news: &mut Vec<FileNews>) {
        if self.mime_reported {
            return;
        }
        if let Some(m) = self.transfer.as_ref().and_then(Transfer::mime_type) {
            self.mime_reported = true;
            news.push(FileNews::MimeType(m.to_string()));
        }
    }

    /// The next bytes are the byte range starting at `start` of a file of
    /// `total` bytes (a part of a reply to a range request).
    pub fn range(&mut self, start: u64, total: Option<u64>) {
        self.seek = Some(start);
        if let Some(total) = total {
            self.total = Some(total);
            if let Some(t) = &mut self.transfer {
                t.set_total_bytes(total);
            }
        }
    }

    /// A file of byte ranges Zeek names by URL, not by connection: it does
    /// not end with the reply, so when incomplete it ends by timing out.
    pub fn end_ranges(mut self, cx: &mut Context<'_>, news: &mut Vec<FileNews>) {
        if let Some(t) = &mut self.transfer {
            t.active(cx.now);
            t.sniff_now();
        }
        self.report_mime(news);
        if let Some(t) = self.transfer {
            if t.incomplete() {
                t.timed_out(cx);
            } else {
                t.end(cx);
            }
        }
    }

    pub fn end(mut self, cx: &mut Context<'_>, news: &mut Vec<FileNews>) {
        // The row needs the type: Zeek sniffs a short file when it ends.
        if let Some(t) = &mut self.transfer {
            t.sniff_now();
        }
        self.report_mime(news);
        if let Some(t) = self.transfer {
            t.end(cx);
        }
    }
}

/// A streaming decompressor; output is collected per input chunk.
enum Inflater {
    Gzip(flate2::write::MultiGzDecoder<Vec<u8>>),
    Zlib(flate2::write::ZlibDecoder<Vec<u8>>),
    Raw(flate2::write::DeflateDecoder<Vec<u8>>),
    /// The stream is corrupt: nothing more comes out (Zeek's zip analyzer
    /// gives up too).
    Broken,
}

impl Inflater {
    /// "deflate" is meant to be zlib, but many servers send raw deflate;
    /// like Zeek, pick by the first bytes.
    fn new(encoding: Encoding, first: &[u8]) -> Option<Inflater> {
        match encoding {
            Encoding::Identity => None,
            Encoding::Gzip => Some(Inflater::Gzip(flate2::write::MultiGzDecoder::new(
                Vec::new(),
            ))),
            Encoding::Deflate if looks_like_zlib(first) => {
                Some(Inflater::Zlib(flate2::write::ZlibDecoder::new(Vec::new())))
            }
            Encoding::Deflate => Some(Inflater::Raw(
                flate2::write::DeflateDecoder::new(Vec::new()),
            )),
        }
    }

    /// Decompresses `input`; the output comes out now (flushed), not with
    /// the next input.
    fn push(&mut self, input: &[u8]) -> Vec<u8> {
        let result = match self {
            Inflater::Gzip(d) => inflate(d, input),
            Inflater::Zlib(d) => inflate(d, input),
            Inflater::Raw(d) => inflate(d, input),
            Inflater::Broken => return Vec::new(),
        };
        result.unwrap_or_else(|_| {
            *self = Inflater::Broken;
            Vec::new()
        })
    }
}

/// The decoders share no trait giving access to their output buffer.
trait Decoder: Write {
    fn output(&mut self) -> &mut Vec<u8>;
}

macro_rules! decoder_output {
    ($($t:ty),*) => {$(
        impl Decoder for $t {
            fn output(&mut self) -> &mut Vec<u8> {
                self.get_mut()
            }
        }
    )*};
}

decoder_output!(
    flate2::write::MultiGzDecoder<Vec<u8>>,
    flate2::write::ZlibDecoder<Vec<u8>>,
    flate2::write::DeflateDecoder<Vec<u8>>
);

fn inflate(d: &mut impl Decoder, input: &[u8]) -> std::io::Result<Vec<u8>> {
    d.write_all(input)?;
    d.flush()?;
    Ok(std::mem::take(d.output()))
}

fn looks_like_zlib(b: &[u8]) -> bool {
    b.len() >= 2 && b[0] & 0x0f == 8 && (u16::from(b[0]) << 8 | u16::from(b[1])) % 31 == 0
}

/// The body of one message: decoded length and the file it feeds.
pub struct Body {
    encoding: Encoding,
    inflater: Option<Inflater>,
    /// Decoded body bytes (Zeek's `body_length`), plus 2 per line when the
    /// body arrives as lines.
    pub len: u64,
    /// Taken when the body ends.
    file: Option<FileSink>,
}

impl Body {
    pub fn new(encoding: Encoding, file: Option<FileSink>) -> Self {
        Body {
            encoding,
            inflater: None,
            len: 0,
            file,
        }
    }

    /// Raw body bytes as sent.
    pub fn data(&mut self, cx: &mut Context<'_>, bytes: &[u8], news: &mut Vec<FileNews>) {
        if self.encoding == Encoding::Identity {
            self.clear_data(cx, bytes, news);
            return;
        }
        let encoding = self.encoding;
        let inflater = self
            .inflater
            .get_or_insert_with(|| Inflater::new(encoding, bytes).unwrap_or(Inflater::Broken));
        let out = inflater.push(bytes);
        self.clear_data(cx, &out, news);
    }

    /// A body line delivered in line mode: counted with its CRLF.
    pub fn line(&mut self, cx: &mut Context<'_>, line: &[u8], news: &mut Vec<FileNews>) {
        self.data(cx, line, news);
        self.len += 2;
        self.file_data(cx, b"\r\n", news);
    }

    fn file_data(&mut self, cx: &mut Context<'_>, bytes: &[u8], news: &mut Vec<FileNews>) {
        if let Some(f) = &mut self.file {
            f.data(cx, bytes, news);
        }
    }

    fn clear_data(&mut self, cx: &mut Context<'_>, bytes: &[u8], news: &mut Vec<FileNews>) {
        self.len += bytes.len() as u64;
        self.file_data(cx, bytes, news);
    }

    /// `len` body bytes are missing.
    pub fn gap(&mut self, len: u64) {
        self.len += len;
        if let Some(f) = &mut self.file {
            f.gap(len);
        }
    }

    /// The body is over: its file ends.
    pub fn end(&mut self, cx: &mut Context<'_>, news: &mut Vec<FileNews>) {
        if let Some(f) = self.file.take() {
            f.end(cx, news);
        }
    }
}
