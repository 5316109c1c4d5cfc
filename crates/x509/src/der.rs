//! A strict, allocation-free DER reader: every certificate field is a
//! slice of the input, and a malformed header ends the walk instead of
//! reading past its parent.

/// One DER element: identifier byte, content and the whole encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub tag: u8,
    pub body: &'a [u8],
    /// Header and content, as signatures and hashes cover them.
    pub raw: &'a [u8],
}

/// Reader over a sequence of elements.
#[derive(Debug, Clone, Copy)]
pub struct Der<'a> {
    data: &'a [u8],
}

pub const BOOLEAN: u8 = 0x01;
pub const INTEGER: u8 = 0x02;
pub const BIT_STRING: u8 = 0x03;
pub const OCTET_STRING: u8 = 0x04;
pub const NULL: u8 = 0x05;
pub const OID: u8 = 0x06;
pub const UTC_TIME: u8 = 0x17;
pub const GENERALIZED_TIME: u8 = 0x18;
pub const SEQUENCE: u8 = 0x30;
pub const SET: u8 = 0x31;

/// Appends a DER header: `tag` and the minimal encoding of `len`.
pub fn write_header(tag: u8, len: usize, out: &mut Vec<u8>) {
    out.push(tag);
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// Appends a whole DER element: header and `body`.
pub fn write(tag: u8, body: &[u8], out: &mut Vec<u8>) {
    write_header(tag, body.len(), out);
    out.extend_from_slice(body);
}

impl<'a> Der<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Der { data }
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The next element if it has tag `tag`.
    pub fn expect(&mut self, tag: u8) -> Option<Tlv<'a>> {
        self.next().filter(|t| t.tag == tag)
    }

    /// The next element if it is a SEQUENCE OF or SET OF with this
    /// (constructed) tag: OpenSSL also takes one whose tag lacks the
    /// constructed bit.
    pub fn expect_list(&mut self, tag: u8) -> Option<Tlv<'a>> {
        self.next().filter(|t| t.tag | 0x20 == tag)
    }

    /// The next element if it has tag `tag`; otherwise nothing is consumed.
    pub fn optional(&mut self, tag: u8) -> Option<Tlv<'a>> {
        let mut ahead = *self;
        let t = ahead.next().filter(|t| t.tag == tag)?;
        *self = ahead;
        Some(t)
    }
}

impl<'a> Iterator for Der<'a> {
    type Item = Tlv<'a>;

    /// The next element; `None` at the end or on a malformed header
    /// (multi-byte tags, indefinite lengths, lengths past the input, an
    /// end-of-contents marker, which only indefinite lengths may use).
    fn next(&mut self) -> Option<Tlv<'a>> {
        let all = self.data;
        let (&tag, rest) = all.split_first()?;
        if tag & 0x1F == 0x1F || all.starts_with(&[0, 0]) {
            return None;
        }
        let (&first, mut rest) = rest.split_first()?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7F);
            if n == 0 || n > 4 || rest.len() < n {
                return None;
            }
            let len = rest[..n]
                .iter()
                .fold(0usize, |a, b| (a << 8) | usize::from(*b));
            rest = &rest[n..];
            len
        };
        if rest.len() < len {
            return None;
        }
        let header = all.len() - rest.len();
        let (body, tail) = rest.split_at(len);
        self.data = tail;
        Some(Tlv {
            tag,
            body,
            raw: &all[..header + len],
        })
    }
}
