//! Content-transfer decodings as Zeek's MIME analyzer applies them: base64
//! (streaming, tolerant of junk) and quoted-printable (line by line).

/// Streaming base64 decoder (Zeek's `Base64Converter`): characters outside
/// the alphabet are skipped, `=` pads a group, groups after a padded one
/// are dropped.
#[derive(Debug, Default, Clone)]
pub struct Base64Decoder {
    group: [u8; 4],
    len: usize,
    padding: usize,
    after_padding: bool,
}

impl Base64Decoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes `input`, appending the bytes of every completed group.
    pub fn decode(&mut self, input: &[u8], out: &mut Vec<u8>) {
        for &c in input {
            self.push(c, out);
        }
    }

    /// The input ended: an incomplete group is padded with zero bits, as
    /// Zeek does, and its whole bytes are appended.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        while self.len != 0 {
            self.push(b'=', out);
        }
    }

    fn push(&mut self, c: u8, out: &mut Vec<u8>) {
        let Some(v) = sextet(c) else { return };
        if c == b'=' {
            self.padding += 1;
        }
        self.group[self.len] = v;
        self.len += 1;
        if self.len < 4 {
            return;
        }
        self.len = 0;
        if !self.after_padding {
            let [a, b, c, d] = self.group;
            let bytes = [(a << 2) | (b >> 4), (b << 4) | (c >> 2), (c << 6) | d];
            let n = 3usize.saturating_sub(self.padding);
            out.extend_from_slice(&bytes[..n]);
        }
        if self.padding > 0 {
            self.after_padding = true;
        }
        self.padding = 0;
    }
}

/// A base64 character's value; `=` counts as a zero-valued member of its
/// group.
fn sextet(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        b'=' => Some(0),
        _ => None,
    }
}

/// Decodes one quoted-printable line (without its line break) and appends
/// it; a hard line break becomes CRLF, a soft one (`=` at the end)
/// nothing. Malformed escapes are kept literally, as RFC 2045 suggests.
pub fn decode_quoted_printable_line(line: &[u8], out: &mut Vec<u8>) {
    let end = line
        .iter()
        .rposition(|&c| c != b' ' && c != b'\t')
        .map_or(0, |i| i + 1);
    let mut soft_break = false;
    let mut i = 0;
    while i < end {
        let c = line[i];
        if c == b'=' {
            if i + 1 == end {
                soft_break = true;
            } else if let Some(byte) = hex_pair(line, i + 1) {
                out.push(byte);
                i += 2;
            } else {
                out.push(c);
            }
        } else {
            out.push(c);
        }
        i += 1;
    }
    if !soft_break {
        out.extend_from_slice(b"\r\n");
    }
}

/// The byte spelled by the two hex digits at `line[i..i + 2]`.
fn hex_pair(line: &[u8], i: usize) -> Option<u8> {
    let hi = (*line.get(i)? as char).to_digit(16)?;
    let lo = (*line.get(i + 1)? as char).to_digit(16)?;
    Some((hi * 16 + lo) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> Vec<u8> {
        let mut d = Base64Decoder::new();
        let mut out = Vec::new();
        d.decode(s.as_bytes(), &mut out);
        d.finish(&mut out);
        out
    }

    #[test]
    fn base64_groups_padding_and_junk() {
        assert_eq!(b64("SGVsbG8sIHdvcmxkIQ=="), b"Hello, world!");
        assert_eq!(b64("SGVs\r\nbG8="), b"Hello");
        assert_eq!(b64("SG*Vs!bG8"), b"Hello");
        // Groups after a padded one are ignored.
        assert_eq!(b64("SGk=SGVsbG8="), b"Hi");
        // An incomplete final group is padded with zero bits.
        assert_eq!(b64("SGVsbG"), b"Hell");
    }

    #[test]
    fn quoted_printable_lines() {
        let mut out = Vec::new();
        decode_quoted_printable_line(b"caf=C3=A9 =", &mut out);
        decode_quoted_printable_line(b"au lait  ", &mut out);
        decode_quoted_printable_line(b"bad =ZZ and =4", &mut out);
        assert_eq!(out, "café au lait\r\nbad =ZZ and =4\r\n".as_bytes());
    }
}
