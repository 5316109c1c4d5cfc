//! One direction's stream cut into lines, or passed through unsplit while
//! a BDAT chunk is being received: Zeek's ContentLine analyzer as SMTP
//! uses it (CR, LF and CRLF end a line; the first NUL is dropped).

use std::borrow::Cow;

/// Longest line kept; a longer one is handed on in pieces (bounds memory).
const MAX_LINE: usize = 64 * 1024;

/// The next piece of a direction's stream.
pub(crate) enum Piece<'d> {
    /// A line without its line break.
    Line(Cow<'d, [u8]>),
    /// Raw bytes of a BDAT chunk.
    Plain(&'d [u8]),
}

#[derive(Debug, Default)]
pub(crate) struct LineBuffer {
    partial: Vec<u8>,
    /// Bytes still to pass through unsplit.
    plain: u64,
    /// The last line ended with a CR: an LF right after it belongs to it.
    after_cr: bool,
    /// The first NUL of the direction has been seen (and dropped).
    nul_seen: bool,
    /// Weirds (source CONTENTLINE) raised while cutting.
    weirds: Vec<&'static str>,
}

impl LineBuffer {
    /// Cuts the next piece off the front of `data`; `None` when `data` is
    /// used up (an incomplete line stays buffered).
    pub fn next<'d>(&mut self, data: &mut &'d [u8]) -> Option<Piece<'d>> {
        if std::mem::take(&mut self.after_cr) {
            match data.first() {
                Some(b'\n') => *data = &data[1..],
                // Another CR ends a line of its own without complaint.
                Some(b'\r') => {}
                Some(_) => self.weirds.push("line_terminated_with_single_CR"),
                None => self.after_cr = true,
            }
        }
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
        let eol = data.iter().position(|&c| c == b'\n' || c == b'\r');
        let line_len = eol.unwrap_or(data.len());
        if line_len >= room {
            // Too long: hand on what fits as a line of its own.
            self.partial.extend_from_slice(&data[..room]);
            *data = &data[room..];
            let line = Cow::Owned(std::mem::take(&mut self.partial));
            return Some(Piece::Line(self.drop_first_nul(line)));
        }
        let Some(end) = eol else {
            self.partial.extend_from_slice(data);
            *data = &[];
            return None;
        };
        let line = &data[..end];
        let crlf = data[end] == b'\r' && data.get(end + 1) == Some(&b'\n');
        self.after_cr = data[end] == b'\r' && !crlf;
        *data = &data[end + 1 + usize::from(crlf)..];
        let line = if self.partial.is_empty() {
            Cow::Borrowed(line)
        } else {
            self.partial.extend_from_slice(line);
            Cow::Owned(std::mem::take(&mut self.partial))
        };
        Some(Piece::Line(self.drop_first_nul(line)))
    }

    /// Zeek drops the first NUL of a direction (and reports it).
    fn drop_first_nul<'d>(&mut self, line: Cow<'d, [u8]>) -> Cow<'d, [u8]> {
        if self.nul_seen {
            return line;
        }
        let Some(at) = line.iter().position(|&c| c == 0) else {
            return line;
        };
        self.nul_seen = true;
        self.weirds.push("NUL_in_line");
        let mut owned = line.into_owned();
        owned.remove(at);
        Cow::Owned(owned)
    }

    /// Weirds raised since the last call.
    pub fn take_weirds(&mut self) -> Vec<&'static str> {
        std::mem::take(&mut self.weirds)
    }

    /// For line protocols that never pass bytes through: the next line.
    pub fn next_line<'d>(&mut self, data: &mut &'d [u8]) -> Option<Cow<'d, [u8]>> {
        loop {
            match self.next(data)? {
                Piece::Line(line) => return Some(line),
                Piece::Plain(_) => {}
            }
        }
    }

    /// Reports the weirds raised since the last call (as Zeek's
    /// ContentLine analyzer does).
    pub fn report_weirds(&mut self, cx: &mut crate::Context<'_>) {
        for name in self.take_weirds() {
            cx.weird("CONTENTLINE", name, None);
        }
    }

    /// The next `n` bytes pass through unsplit.
    pub fn pass_through(&mut self, n: u64) {
        self.plain = n;
    }

    /// The stream ended: the incomplete last line, if any.
    pub fn take_partial(&mut self) -> Option<Vec<u8>> {
        if self.partial.is_empty() {
            return None;
        }
        let line = Cow::Owned(std::mem::take(&mut self.partial));
        Some(self.drop_first_nul(line).into_owned())
    }

    /// `len` bytes are missing; they count against bytes to pass through.
    pub fn gap(&mut self, len: u64) {
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
        assert_eq!(pieces(&mut b, b"HELO a\r\nMAIL"), ["L:HELO a"]);
        assert_eq!(pieces(&mut b, b" FROM:<x>\nBD"), ["L:MAIL FROM:<x>"]);
        assert_eq!(pieces(&mut b, b"AT 3\r"), ["L:BDAT 3"]);
        b.pass_through(3);
        // The LF completing the CRLF is not chunk data.
        assert_eq!(pieces(&mut b, b"\na\nbQUIT\r\n"), ["P:a\nb", "L:QUIT"]);
        assert_eq!(pieces(&mut b, b"tail"), Vec::<String>::new());
        assert_eq!(b.take_partial(), Some(b"tail".to_vec()));
        assert!(b.take_weirds().is_empty());
    }

    #[test]
    fn bare_cr_ends_a_line() {
        let mut b = LineBuffer::default();
        assert_eq!(
            pieces(&mut b, b"a\rb\r\r\nc\r"),
            ["L:a", "L:b", "L:", "L:c"]
        );
        assert_eq!(pieces(&mut b, b"\nd\n"), ["L:d"]);
        assert_eq!(b.take_weirds(), ["line_terminated_with_single_CR"]);
    }

    #[test]
    fn only_the_first_nul_is_dropped() {
        let mut b = LineBuffer::default();
        assert_eq!(pieces(&mut b, b"a\0b\0c\r\n\0\n"), ["L:ab\0c", "L:\0"]);
        assert_eq!(b.take_weirds(), ["NUL_in_line"]);
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
