//! One direction's stream cut into lines (LF or CRLF ends a line), or
//! passed through unsplit while a BDAT chunk is being received (Zeek's
//! ContentLine analyzer with plain delivery).

use std::borrow::Cow;

/// Longest line kept; a longer one is handed on in pieces (bounds memory).
const MAX_LINE: usize = 64 * 1024;

/// The next piece of a direction's stream.
pub(super) enum Piece<'d> {
    /// A line without its LF (a CR before it is left to the caller).
    Line(Cow<'d, [u8]>),
    /// Raw bytes of a BDAT chunk.
    Plain(&'d [u8]),
}

#[derive(Debug, Default)]
pub(super) struct LineBuffer {
    partial: Vec<u8>,
    /// Bytes still to pass through unsplit.
    plain: u64,
}

impl LineBuffer {
    /// Cuts the next piece off the front of `data`; `None` when `data` is
    /// used up (an incomplete line stays buffered).
    pub fn next<'d>(&mut self, data: &mut &'d [u8]) -> Option<Piece<'d>> {
        if data.is_empty() {
            return None;
        }
        if self.plain > 0 {
            let n = data
                .len()
                .min(usize::try_from(self.plain).unwrap_or(usize::MAX));
            let (chunk, rest) = data.split_at(n);
            *data = rest;
            self.plain -= n as u64;
            return Some(Piece::Plain(chunk));
        }
        let room = MAX_LINE - self.partial.len();
        let newline = data.iter().position(|&c| c == b'\n');
        let line_len = newline.unwrap_or(data.len());
        if line_len >= room {
            // Too long: hand on what fits as a line of its own.
            self.partial.extend_from_slice(&data[..room]);
            *data = &data[room..];
            return Some(Piece::Line(Cow::Owned(std::mem::take(&mut self.partial))));
        }
        let Some(end) = newline else {
            self.partial.extend_from_slice(data);
            *data = &[];
            return None;
        };
        let line = &data[..end];
        *data = &data[end + 1..];
        if self.partial.is_empty() {
            return Some(Piece::Line(Cow::Borrowed(line)));
        }
        self.partial.extend_from_slice(line);
        Some(Piece::Line(Cow::Owned(std::mem::take(&mut self.partial))))
    }

    /// The next `n` bytes pass through unsplit.
    pub fn pass_through(&mut self, n: u64) {
        self.plain = n;
    }

    /// The stream ended: the incomplete last line, if any.
    pub fn take_partial(&mut self) -> Option<Vec<u8>> {
        (!self.partial.is_empty()).then(|| std::mem::take(&mut self.partial))
    }

    /// `len` bytes are missing: the incomplete line is dropped and the gap
    /// counts against bytes to pass through.
    pub fn gap(&mut self, len: u64) {
        self.partial.clear();
        self.plain -= self.plain.min(len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(buf: &mut LineBuffer, mut data: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(p) = buf.next(&mut data) {
            out.push(match p {
                Piece::Line(l) => format!("L:{}", String::from_utf8_lossy(&l)),
                Piece::Plain(p) => format!("P:{}", String::from_utf8_lossy(p)),
            });
        }
        out
    }

    #[test]
    fn lines_across_chunks_and_plain_bytes() {
        let mut b = LineBuffer::default();
        assert_eq!(pieces(&mut b, b"HELO a\r\nMAIL"), ["L:HELO a\r"]);
        assert_eq!(pieces(&mut b, b" FROM:<x>\nBD"), ["L:MAIL FROM:<x>"]);
        b.pass_through(0);
        assert_eq!(pieces(&mut b, b"AT 3\r\n"), ["L:BDAT 3\r"]);
        b.pass_through(3);
        assert_eq!(pieces(&mut b, b"a\nbQUIT\r\n"), ["P:a\nb", "L:QUIT\r"]);
        assert_eq!(pieces(&mut b, b"tail"), Vec::<String>::new());
        assert_eq!(b.take_partial(), Some(b"tail".to_vec()));
    }

    #[test]
    fn gaps_shorten_plain_bytes() {
        let mut b = LineBuffer::default();
        b.pass_through(10);
        b.gap(4);
        assert_eq!(pieces(&mut b, b"123456789"), ["P:123456"]);
        assert_eq!(b.take_partial(), Some(b"789".to_vec()));
    }

    #[test]
    fn long_lines_are_cut() {
        let mut b = LineBuffer::default();
        let data = vec![b'x'; MAX_LINE + 5];
        let got = pieces(&mut b, &data);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].len(), MAX_LINE + 2);
        assert_eq!(b.take_partial(), Some(vec![b'x'; 5]));
    }
}
