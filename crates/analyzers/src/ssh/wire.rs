//! Reading SSH wire types (RFC 4251 §5) out of one binary packet, with
//! Zeek's length caps.

/// Why a packet could not be read: Zeek's binpac parser throws here, which
/// the analyzer reports as a protocol violation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub &'static str);

/// A string longer than `SSH::max_string_length` (the weird's `addl`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringCapped {
    pub len: u32,
    pub max: u32,
}

/// Cursor over one message's bytes.
pub struct Reader<'a> {
    data: &'a [u8],
    /// `SSH::max_string_length` (0: no limit).
    max_string: u32,
    /// Strings that went over the limit, in order.
    pub capped: Vec<StringCapped>,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8], max_string: u32) -> Self {
        Reader {
            data,
            max_string,
            capped: Vec::new(),
        }
    }

    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], ParseError> {
        if n > self.data.len() {
            return Err(ParseError("out of bound"));
        }
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        Ok(head)
    }

    pub fn u8(&mut self) -> Result<u8, ParseError> {
        Ok(self.bytes(1)?[0])
    }

    pub fn u32(&mut self) -> Result<u32, ParseError> {
        let b = self.bytes(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// An SSH `string`: a length and that many bytes. Zeek caps the length
    /// at `SSH::max_string_length` and reads on from there, so a capped
    /// string desynchronises what follows, as in Zeek.
    pub fn string(&mut self) -> Result<&'a [u8], ParseError> {
        let mut len = self.u32()?;
        if self.max_string > 0 && len > self.max_string {
            self.capped.push(StringCapped {
                len,
                max: self.max_string,
            });
            len = self.max_string;
        }
        self.bytes(len as usize)
    }

    /// `n` strings in a row.
    pub fn strings<const N: usize>(&mut self) -> Result<[&'a [u8]; N], ParseError> {
        let mut out = [&[][..]; N];
        for s in &mut out {
            *s = self.string()?;
        }
        Ok(out)
    }
}

/// Splits one line off the front of `buf` the way binpac's `&oneline`
/// does: a line ends at CR, LF or CRLF. Returns the line and the bytes
/// consumed, or `None` while no line end has arrived. `pending_lf` is set
/// when the line ended in a CR that was the last byte so far (an LF
/// right after it still belongs to this line end).
pub fn split_line(buf: &[u8]) -> Option<(&[u8], usize, bool)> {
    let end = buf.iter().position(|&b| b == b'\r' || b == b'\n')?;
    let line = &buf[..end];
    if buf[end] == b'\n' {
        return Some((line, end + 1, false));
    }
    match buf.get(end + 1) {
        Some(b'\n') => Some((line, end + 2, false)),
        Some(_) => Some((line, end + 1, false)),
        None => Some((line, end + 1, true)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_length_prefixed_and_capped() {
        let data = [0, 0, 0, 3, b'a', b'b', b'c', 0, 0, 0, 1, b'z'];
        let mut r = Reader::new(&data, 0);
        assert_eq!(r.strings::<2>().unwrap(), [&b"abc"[..], &b"z"[..]]);
        assert_eq!(r.u8(), Err(ParseError("out of bound")));

        let mut r = Reader::new(&data, 2);
        assert_eq!(r.string().unwrap(), b"ab");
        assert_eq!(r.capped, vec![StringCapped { len: 3, max: 2 }]);
        // The cap desynchronises the rest: "c\0\0\0" is read as a length.
        assert_eq!(r.string().unwrap(), [1, b'z']);
        assert_eq!(
            r.capped[1],
            StringCapped {
                len: 0x6300_0000,
                max: 2
            }
        );
        assert!(r.string().is_err());
    }

    #[test]
    fn lines_end_at_cr_lf_or_crlf() {
        assert_eq!(
            split_line(b"SSH-2.0-x\r\nrest"),
            Some((&b"SSH-2.0-x"[..], 11, false))
        );
        assert_eq!(
            split_line(b"SSH-2.0-x\nrest"),
            Some((&b"SSH-2.0-x"[..], 10, false))
        );
        assert_eq!(split_line(b"a\rb"), Some((&b"a"[..], 2, false)));
        assert_eq!(split_line(b"a\r"), Some((&b"a"[..], 2, true)));
        assert_eq!(split_line(b"SSH-2.0"), None);
    }
}
