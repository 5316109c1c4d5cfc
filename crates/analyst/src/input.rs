//! Log inputs: files or standard input, gzip recognised by its magic
//! bytes, read a line at a time. A line longer than [`MAX_LINE`] is cut
//! there and its rest skipped, so hostile input cannot grow memory.

use flate2::bufread::MultiGzDecoder;
use memchr::memchr;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::PathBuf;

/// Longest line kept (Zeek's own lines are far shorter).
pub const MAX_LINE: usize = 16 << 20;

const BUF_SIZE: usize = 256 << 10;

/// Where a log comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Stdin,
    Path(PathBuf),
}

impl Source {
    /// `-` is standard input.
    pub fn from_arg(arg: &str) -> Source {
        if arg == "-" {
            Source::Stdin
        } else {
            Source::Path(arg.into())
        }
    }

    pub fn name(&self) -> String {
        match self {
            Source::Stdin => "standard input".into(),
            Source::Path(p) => p.display().to_string(),
        }
    }
}

/// Opens a source, decompressing it when it starts with gzip's magic.
pub fn open(src: &Source) -> io::Result<Lines> {
    let raw: Box<dyn Read> = match src {
        Source::Stdin => Box::new(io::stdin()),
        Source::Path(p) => Box::new(File::open(p)?),
    };
    Ok(Lines::new(decompressed(BufReader::with_capacity(
        BUF_SIZE, raw,
    ))?))
}

/// The reader itself, or its gzip-decoded content.
pub fn decompressed<R: BufRead + 'static>(mut r: R) -> io::Result<Box<dyn BufRead>> {
    let head = r.fill_buf()?;
    if head.starts_with(&[0x1f, 0x8b]) {
        let gz = MultiGzDecoder::new(r);
        Ok(Box::new(BufReader::with_capacity(BUF_SIZE, gz)))
    } else {
        Ok(Box::new(r))
    }
}

/// Lines of a reader without their `\n`. A line that lies whole in the
/// reader's buffer is lent from it; others are gathered in `long`.
pub struct Lines {
    inner: Box<dyn BufRead>,
    /// Bytes of the last lent line still to consume.
    pending: usize,
    long: Vec<u8>,
    /// Lines cut at [`MAX_LINE`].
    pub truncated: u64,
}

impl Lines {
    pub fn new(inner: Box<dyn BufRead>) -> Lines {
        Lines {
            inner,
            pending: 0,
            long: Vec::new(),
            truncated: 0,
        }
    }

    /// The next line, `None` at the end.
    pub fn next_line(&mut self) -> io::Result<Option<&[u8]>> {
        self.inner.consume(std::mem::take(&mut self.pending));
        let found = memchr(b'\n', fill(&mut self.inner)?);
        if let Some(i) = found {
            self.pending = i + 1;
            return Ok(Some(&fill(&mut self.inner)?[..i]));
        }
        self.long.clear();
        let mut cut = false;
        loop {
            let avail = fill(&mut self.inner)?;
            if avail.is_empty() {
                if self.long.is_empty() && !cut {
                    return Ok(None);
                }
                break;
            }
            let (take, used, end) = match memchr(b'\n', avail) {
                Some(i) => (i, i + 1, true),
                None => (avail.len(), avail.len(), false),
            };
            let room = MAX_LINE - self.long.len();
            cut |= take > room;
            self.long.extend_from_slice(&avail[..take.min(room)]);
            self.inner.consume(used);
            if end {
                break;
            }
        }
        self.truncated += u64::from(cut);
        Ok(Some(&self.long))
    }
}

/// The reader's buffered bytes, retrying interrupted reads.
fn fill(r: &mut Box<dyn BufRead>) -> io::Result<&[u8]> {
    while let Err(e) = r.fill_buf() {
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
    r.fill_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(data: &'static [u8]) -> Vec<Vec<u8>> {
        let mut l = Lines::new(decompressed(BufReader::with_capacity(4, data)).unwrap());
        let mut out = Vec::new();
        while let Some(line) = l.next_line().unwrap() {
            out.push(line.to_vec());
        }
        out
    }

    #[test]
    fn splits_lines_across_small_buffers() {
        let got = lines_of(b"abcdefgh\n\nxy\nlast");
        assert_eq!(got, [&b"abcdefgh"[..], b"", b"xy", b"last"]);
    }

    #[test]
    fn reads_gzip_by_magic() {
        use flate2::write::GzEncoder;
        use std::io::Write;
        let mut e = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(b"one\ntwo\n").unwrap();
        let gz: &'static [u8] = Box::leak(e.finish().unwrap().into_boxed_slice());
        assert_eq!(lines_of(gz), [&b"one"[..], b"two"]);
    }
}
