//! BDAT (RFC 3030 CHUNKING): the command's argument and the chunk data,
//! re-split into lines for the MIME parser as Zeek's `SMTP_BDAT` analyzer
//! does.

/// Longest line handed on from chunk data (Zeek's
/// `SMTP::bdat_max_line_length`); longer lines are split.
const MAX_LINE: usize = 4096;
/// Longest valid argument: `18446744073709551615 LAST`.
const MAX_ARG_LEN: usize = 25;

/// A parsed `BDAT <size> [LAST]` argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct BdatArg {
    pub size: u64,
    pub last: bool,
}

/// Parses a BDAT argument; the error is the weird's `addl`, worded as
/// Zeek's.
pub(super) fn parse_bdat_arg(arg: &[u8]) -> Result<BdatArg, &'static str> {
    if arg.is_empty() || arg.len() > MAX_ARG_LEN {
        return Err("BDAT argument bad length");
    }
    if !arg[0].is_ascii_digit() {
        return Err("BDAT not followed by a valid chunk-size");
    }
    let digits = arg.iter().take_while(|c| c.is_ascii_digit()).count();
    let rest = &arg[digits..];
    if rest.first().is_some_and(|&c| c != b' ' && c != 0) {
        return Err("BDAT chunk-size not valid");
    }
    let size = std::str::from_utf8(&arg[..digits])
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .ok_or("BDAT chunk-size too large")?;
    let last = rest.eq_ignore_ascii_case(b" LAST");
    if !rest.is_empty() && !last {
        return Err("BDAT chunk-size followed by junk");
    }
    Ok(BdatArg { size, last })
}

/// What chunk data turns into.
pub(super) enum BdatOut<'a> {
    /// A line for the mail; `crlf`: it ended with CRLF.
    Line(&'a [u8], bool),
    /// A weird of the BDAT analyzer (source `SMTP_BDAT`).
    Weird(&'static str, Option<String>),
}

/// The chunks of one BDAT mail transaction.
#[derive(Debug, Default)]
pub(super) struct Bdat {
    remaining: u64,
    last: bool,
    /// The start of a line not complete yet.
    buf: Vec<u8>,
}

impl Bdat {
    /// A new chunk of `arg.size` bytes follows.
    pub fn next_chunk(&mut self, arg: BdatArg) {
        self.remaining = arg.size;
        self.last = arg.last;
    }

    /// Bytes of the current chunk still expected.
    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    /// The last chunk has been received completely.
    pub fn complete(&self) -> bool {
        self.last && self.remaining == 0
    }

    /// Chunk data, in order: complete lines go to `out`.
    pub fn feed(&mut self, data: &[u8], out: &mut impl FnMut(BdatOut<'_>)) {
        let mut data = data;
        if data.len() as u64 > self.remaining {
            out(BdatOut::Weird("smtp_bdat_chunk_overflow", None));
            data = &data[..self.remaining as usize];
        }
        if self.buf.last() == Some(&b'\r') && data.first() != Some(&b'\n') {
            out(BdatOut::Weird("smtp_bdat_line_cr_only", None));
            out(BdatOut::Line(&self.buf, false));
            self.buf.clear();
        }
        // A CR ending the previous data may pair with an LF starting this.
        let mut i = self.buf.len().saturating_sub(1);
        self.buf.extend_from_slice(data);
        let mut start = 0;
        while i < self.buf.len() {
            if self.buf[i] == b'\r' && self.buf.get(i + 1) == Some(&b'\n') {
                out(BdatOut::Line(&self.buf[start..i], true));
                start = i + 2;
                i += 2;
                continue;
            }
            if self.buf[i] == b'\n' {
                out(BdatOut::Weird("smtp_bdat_line_lf_only", None));
                out(BdatOut::Line(&self.buf[start..=i], false));
                start = i + 1;
            } else if i - start >= MAX_LINE {
                let size = self.buf.len().to_string();
                out(BdatOut::Weird("smtp_bdat_line_too_long", Some(size)));
                out(BdatOut::Line(&self.buf[start..i], false));
                start = i;
            }
            i += 1;
        }
        self.buf.drain(..start);
        self.remaining -= data.len() as u64;
        if self.complete() && !self.buf.is_empty() {
            out(BdatOut::Line(&self.buf, false));
            self.buf.clear();
        }
    }

    /// The transaction ends: a partial line still buffered is handed on.
    pub fn done(&mut self, out: &mut impl FnMut(BdatOut<'_>)) {
        if !self.buf.is_empty() {
            out(BdatOut::Weird("smtp_bdat_undelivered_at_done", None));
            out(BdatOut::Line(&self.buf, false));
            self.buf.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments() {
        assert_eq!(
            parse_bdat_arg(b"86 LAST"),
            Ok(BdatArg {
                size: 86,
                last: true
            })
        );
        assert_eq!(
            parse_bdat_arg(b"86 last"),
            Ok(BdatArg {
                size: 86,
                last: true
            })
        );
        assert_eq!(
            parse_bdat_arg(b"86"),
            Ok(BdatArg {
                size: 86,
                last: false
            })
        );
        assert_eq!(
            parse_bdat_arg(b"18446744073709551615 LAST"),
            Ok(BdatArg {
                size: u64::MAX,
                last: true
            })
        );
        let err = |a: &[u8]| parse_bdat_arg(a).unwrap_err();
        assert_eq!(err(b" 86 LAST"), "BDAT not followed by a valid chunk-size");
        assert_eq!(err(b"-42 LAST"), "BDAT not followed by a valid chunk-size");
        assert_eq!(err(b"86LAST"), "BDAT chunk-size not valid");
        assert_eq!(err(b"86 SCRAMBLE"), "BDAT chunk-size followed by junk");
        assert_eq!(err(b"86 LASTX"), "BDAT chunk-size followed by junk");
        assert_eq!(err(b"184467440737095516150"), "BDAT chunk-size too large");
        assert_eq!(
            err(b"184467440737095516150 LAST"),
            "BDAT argument bad length"
        );
        assert_eq!(err(b""), "BDAT argument bad length");
    }

    fn run(pieces: &[&str]) -> (Vec<(String, bool)>, Vec<&'static str>) {
        let mut b = Bdat::default();
        let size = pieces.iter().map(|p| p.len() as u64).sum();
        b.next_chunk(BdatArg { size, last: true });
        let (mut lines, mut weirds) = (Vec::new(), Vec::new());
        for p in pieces {
            b.feed(p.as_bytes(), &mut |o| match o {
                BdatOut::Line(l, crlf) => lines.push((String::from_utf8_lossy(l).into(), crlf)),
                BdatOut::Weird(w, _) => weirds.push(w),
            });
        }
        assert!(b.complete());
        (lines, weirds)
    }

    #[test]
    fn lines_across_pieces() {
        let (lines, weirds) = run(&["MIME-", "Version: 1.0\r", "\nSubject: Zeek", " Logo\r\n"]);
        assert_eq!(
            lines,
            [
                ("MIME-Version: 1.0".into(), true),
                ("Subject: Zeek Logo".into(), true)
            ]
        );
        assert!(weirds.is_empty());
    }

    #[test]
    fn bare_cr_and_lf_and_trailing_data() {
        let (lines, weirds) = run(&["A: 1\r", "B: 2\n", "tail"]);
        assert_eq!(
            lines,
            [
                ("A: 1\r".into(), false),
                ("B: 2\n".into(), false),
                ("tail".into(), false)
            ]
        );
        assert_eq!(weirds, ["smtp_bdat_line_cr_only", "smtp_bdat_line_lf_only"]);
    }

    #[test]
    fn long_lines_are_split() {
        let long = "x".repeat(MAX_LINE + 10);
        let (lines, weirds) = run(&[&long, "\r\n"]);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].0.len(), MAX_LINE);
        assert_eq!(lines[1], ("x".repeat(10), true));
        assert_eq!(weirds, ["smtp_bdat_line_too_long"]);
    }

    #[test]
    fn overflow_is_truncated() {
        let mut b = Bdat::default();
        b.next_chunk(BdatArg {
            size: 4,
            last: false,
        });
        let mut seen = Vec::new();
        b.feed(b"ab\r\ncd", &mut |o| {
            if let BdatOut::Weird(w, _) = o {
                seen.push(w)
            }
        });
        assert_eq!(seen, ["smtp_bdat_chunk_overflow"]);
        assert_eq!(b.remaining(), 0);
        assert!(!b.complete());
    }
}
