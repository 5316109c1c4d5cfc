//! X.509 Names (subject, issuer) as OpenSSL decodes and prints them.
//!
//! Zeek logs a name as `X509_NAME_print_ex(.., XN_FLAG_RFC2253)` prints
//! it: the RDNs in reverse order joined by `,`, the attributes of a
//! multi-valued RDN (also reversed) joined by `+`, each as `SN=value` with
//! OpenSSL's short name of the attribute type. Values are escaped as
//! RFC 2253 asks (`\,` `\+` `\"` `\;` `\<` `\>` `\\`, `\#` first, `\ `
//! first or last) with OpenSSL's additions: control bytes and every byte
//! above 0x7F as `\XX`, after converting the string to UTF-8 (BMP,
//! Universal, and T61/Printable/IA5 strings read as Latin-1; a UTF8String
//! is taken byte by byte). An attribute type OpenSSL does not know is
//! printed as its dotted OID, and its value (like a value of a type that
//! is not a string) as `#` and the hex of its DER encoding.

use crate::der::{self, Der, Tlv};
use crate::objects;

const BIT_STRING: u8 = 3;
const UTF8_STRING: u8 = 12;
const SEQUENCE: u8 = 16;
const NUMERIC_STRING: u8 = 18;
const PRINTABLE_STRING: u8 = 19;
const T61_STRING: u8 = 20;
const IA5_STRING: u8 = 22;
const UNIVERSAL_STRING: u8 = 28;
const BMP_STRING: u8 = 30;

/// Longest dotted attribute type OpenSSL prints (its buffer is 80 bytes).
const MAX_OID_TEXT: usize = 79;

/// One attribute of a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attribute<'a> {
    /// Index of the RDN (SET) it belongs to.
    pub rdn: usize,
    /// Attribute type: OID content bytes.
    pub oid: &'a [u8],
    /// The value's universal tag number (12 for UTF8String, ...).
    pub tag: u8,
    /// The value's content bytes.
    pub content: &'a [u8],
    /// The value's whole encoding.
    pub raw: &'a [u8],
}

/// A decoded Name: its attributes in encoding order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name<'a> {
    pub attributes: Vec<Attribute<'a>>,
}

impl<'a> Name<'a> {
    /// Decode a Name (the whole SEQUENCE encoding) as `d2i_X509_NAME`
    /// does; `None` when OpenSSL would reject it (and with it the
    /// certificate).
    pub fn parse(encoded: &'a [u8]) -> Option<Name<'a>> {
        let seq = Der::new(encoded).expect_list(der::SEQUENCE)?;
        let mut attributes = Vec::new();
        for (rdn, set) in Der::new(seq.body).enumerate() {
            if set.tag | 0x20 != der::SET {
                return None;
            }
            let mut members = Der::new(set.body);
            while !members.is_empty() {
                attributes.push(attribute(rdn, members.expect(der::SEQUENCE)?)?);
            }
        }
        // The reader stops early at a malformed element: all must be used.
        consumed(seq.body).then_some(Name { attributes })
    }

    /// The name as Zeek logs it (`X509_NAME_print_ex`, `XN_FLAG_RFC2253`).
    pub fn rfc2253(&self) -> String {
        let mut out = String::new();
        let mut prev_rdn = None;
        for a in self.attributes.iter().rev() {
            match prev_rdn {
                Some(r) if r == a.rdn => out.push('+'),
                Some(_) => out.push(','),
                None => {}
            }
            prev_rdn = Some(a.rdn);
            let known = objects::lookup(a.oid);
            match known {
                Some(o) => out.push_str(o.short),
                None => {
                    let mut dotted = objects::dotted(a.oid);
                    dotted.truncate(MAX_OID_TEXT);
                    out.push_str(&dotted);
                }
            }
            out.push('=');
            print_value(a, known.is_some(), &mut out);
        }
        out
    }

    /// The last attribute of this type (`X509_NAME_get_index_by_NID`
    /// walked to the end), e.g. the most specific common name.
    pub fn last(&self, oid: &[u8]) -> Option<&Attribute<'a>> {
        self.attributes.iter().rev().find(|a| a.oid == oid)
    }
}

impl Attribute<'_> {
    /// The value as `ASN1_STRING_print` writes it: the stored bytes with
    /// everything but printable ASCII, CR and LF shown as `.`.
    pub fn print_ascii(&self) -> String {
        self.stored_bytes()
            .iter()
            .map(|&b| match b {
                b' '..=b'~' | b'\n' | b'\r' => char::from(b),
                _ => '.',
            })
            .collect()
    }

    /// The bytes OpenSSL keeps for the value: a SEQUENCE's whole encoding,
    /// a BIT STRING's bits, any other type's content.
    fn stored_bytes(&self) -> &[u8] {
        match self.tag {
            SEQUENCE => self.raw,
            BIT_STRING => self.content.get(1..).unwrap_or_default(),
            _ => self.content,
        }
    }
}

fn consumed(body: &[u8]) -> bool {
    let mut d = Der::new(body);
    while d.next().is_some() {}
    d.is_empty()
}

/// One AttributeTypeAndValue: an OID and a value of a type OpenSSL's
/// `ASN1_PRINTABLE` accepts, well-formed for that type.
fn attribute(rdn: usize, seq: Tlv<'_>) -> Option<Attribute<'_>> {
    let mut parts = Der::new(seq.body);
    let oid = parts.expect(der::OID)?.body;
    let value = parts.next()?;
    if !parts.is_empty() || !objects::is_valid_oid(oid) {
        return None;
    }
    let tag = value.tag & 0x1F;
    let constructed = value.tag & 0x20 != 0;
    // Universal class only; SEQUENCE constructed, everything else primitive.
    if value.tag & 0xC0 != 0 || constructed != (tag == SEQUENCE) {
        return None;
    }
    let ok = match tag {
        BIT_STRING => value.body.first().is_some_and(|unused| *unused <= 7),
        UTF8_STRING => std::str::from_utf8(value.body).is_ok(),
        BMP_STRING => units(value.body, 2).is_some_and(|mut u| u.all(is_scalar)),
        UNIVERSAL_STRING => units(value.body, 4).is_some_and(|mut u| u.all(is_scalar)),
        // Strings OpenSSL reads byte by byte, and types it keeps unparsed.
        NUMERIC_STRING | PRINTABLE_STRING | T61_STRING | IA5_STRING | SEQUENCE => true,
        7 | 8 | 9 | 11 | 13 | 14 | 15 | 29 => true,
        _ => false,
    };
    ok.then_some(Attribute {
        rdn,
        oid,
        tag,
        content: value.body,
        raw: value.raw,
    })
}

/// Big-endian code units of `width` bytes; `None` if the length is not a
/// multiple of it.
fn units(bytes: &[u8], width: usize) -> Option<impl Iterator<Item = u32> + '_> {
    bytes.len().is_multiple_of(width).then(|| {
        bytes
            .chunks_exact(width)
            .map(|c| c.iter().fold(0u32, |a, b| (a << 8) | u32::from(*b)))
    })
}

/// A Unicode scalar value (what OpenSSL can convert to UTF-8).
fn is_scalar(c: u32) -> bool {
    char::from_u32(c).is_some()
}

/// The value part of one attribute (`do_print_ex`).
fn print_value(a: &Attribute<'_>, known_type: bool, out: &mut String) {
    let width = match a.tag {
        _ if !known_type => return dump(a, out),
        UTF8_STRING => Width::Bytes,
        NUMERIC_STRING | PRINTABLE_STRING | T61_STRING | IA5_STRING => Width::Latin1,
        BMP_STRING => Width::Units(2),
        UNIVERSAL_STRING => Width::Units(4),
        _ => return dump(a, out),
    };
    let chars: Vec<u32> = match width {
        Width::Bytes | Width::Latin1 => a.content.iter().map(|b| u32::from(*b)).collect(),
        Width::Units(w) => units(a.content, w).map(|u| u.collect()).unwrap_or_default(),
    };
    let last = chars.len().saturating_sub(1);
    for (i, &c) in chars.iter().enumerate() {
        // A one-character value counts as the last one, not the first.
        let position = match i {
            _ if i == last => Position::Last,
            0 => Position::First,
            _ => Position::Middle,
        };
        match (width, char::from_u32(c)) {
            (Width::Bytes, _) => escape(c as u8, position, out),
            (_, Some(ch)) => {
                let mut buf = [0u8; 4];
                for b in ch.encode_utf8(&mut buf).bytes() {
                    escape(b, position, out);
                }
            }
            // Not a character: OpenSSL writes nothing for it.
            (_, None) => {}
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Width {
    /// UTF8String: each byte printed as it is (escaped), no conversion.
    Bytes,
    /// One byte per character, converted to UTF-8.
    Latin1,
    /// Big-endian code units of 2 (BMP) or 4 (Universal) bytes.
    Units(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    First,
    Middle,
    Last,
}

/// One output byte, escaped as `do_esc_char` does with RFC 2253 flags.
fn escape(b: u8, position: Position, out: &mut String) {
    let always = matches!(b, b'"' | b'+' | b',' | b';' | b'<' | b'>' | b'\\');
    let edge =
        (b == b' ' && position != Position::Middle) || (b == b'#' && position == Position::First);
    if always || edge {
        out.push('\\');
        out.push(char::from(b));
    } else if !(0x20..0x7F).contains(&b) {
        out.push_str(&format!("\\{b:02X}"));
    } else {
        out.push(char::from(b));
    }
}

/// `#` and the hex of the value's DER encoding, as OpenSSL re-encodes it.
fn dump(a: &Attribute<'_>, out: &mut String) {
    out.push('#');
    let mut encoding = Vec::new();
    match a.tag {
        SEQUENCE => encoding.extend_from_slice(a.raw),
        BIT_STRING => {
            // The unused-bit count survives only with data; unused bits are cleared.
            let (unused, bits) = a.content.split_first().unwrap_or((&0, &[]));
            let unused = if bits.is_empty() { 0 } else { *unused };
            der::write_header(BIT_STRING, bits.len() + 1, &mut encoding);
            encoding.push(unused);
            encoding.extend_from_slice(bits);
            if let Some(last) = encoding.last_mut().filter(|_| !bits.is_empty()) {
                *last &= 0xFF << unused;
            }
        }
        tag => {
            der::write_header(tag, a.content.len(), &mut encoding);
            encoding.extend_from_slice(a.content);
        }
    }
    for b in encoding {
        out.push_str(&format!("{b:02X}"));
    }
}

#[cfg(test)]
mod tests;
