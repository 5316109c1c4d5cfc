//! Name comparison as OpenSSL's `X509_NAME_cmp` does it: on a canonical
//! encoding where text attributes are UTF-8, lower-cased (ASCII) and have
//! their whitespace trimmed and collapsed, so `CN=Foo  Bar` issued as a
//! PrintableString matches `cn=foo bar` as a UTF8String.

use x509::der::{self, write as encode, Der};

const UTF8_STRING: u8 = 0x0C;
const PRINTABLE_STRING: u8 = 0x13;
const T61_STRING: u8 = 0x14;
const IA5_STRING: u8 = 0x16;
const UNIVERSAL_STRING: u8 = 0x1C;
const VISIBLE_STRING: u8 = 0x1A;
const BMP_STRING: u8 = 0x1E;
/// Leads the key of a Name that is not well-formed, so that it equals only
/// a byte-identical Name.
const MALFORMED: u8 = 0xFF;

/// The canonical key of a DER Name (equal keys = `X509_NAME_cmp` 0).
pub fn canonical(name: &[u8]) -> Vec<u8> {
    canonical_rdns(name).unwrap_or_else(|| [&[MALFORMED][..], name].concat())
}

fn canonical_rdns(name: &[u8]) -> Option<Vec<u8>> {
    let seq = Der::new(name).expect(der::SEQUENCE)?;
    let mut out = Vec::new();
    for rdn in Der::new(seq.body) {
        if rdn.tag != der::SET {
            return None;
        }
        // DER sorts the members of a SET OF by their encoding.
        let mut entries = Der::new(rdn.body)
            .map(canonical_entry)
            .collect::<Option<Vec<_>>>()?;
        entries.sort();
        encode(der::SET, &entries.concat(), &mut out);
    }
    Some(out)
}

fn canonical_entry(entry: der::Tlv<'_>) -> Option<Vec<u8>> {
    if entry.tag != der::SEQUENCE {
        return None;
    }
    let mut parts = Der::new(entry.body);
    let oid = parts.expect(der::OID)?;
    let value = parts.next()?;
    let mut body = oid.raw.to_vec();
    match to_utf8(value.tag, value.body) {
        Some(text) => encode(UTF8_STRING, &collapse(&text), &mut body),
        None => body.extend_from_slice(value.raw),
    }
    let mut out = Vec::new();
    encode(der::SEQUENCE, &body, &mut out);
    Some(out)
}

/// The text of a string type OpenSSL canonicalises, as UTF-8.
fn to_utf8(tag: u8, body: &[u8]) -> Option<Vec<u8>> {
    let chars: Vec<char> = match tag {
        UTF8_STRING => {
            return std::str::from_utf8(body)
                .ok()
                .map(|s| s.as_bytes().to_vec())
        }
        PRINTABLE_STRING | T61_STRING | IA5_STRING | VISIBLE_STRING => {
            body.iter().map(|b| char::from(*b)).collect()
        }
        BMP_STRING => body
            .chunks(2)
            .map(|c| match c {
                [a, b] => char::from_u32(u32::from(u16::from_be_bytes([*a, *b]))),
                _ => None,
            })
            .collect::<Option<_>>()?,
        UNIVERSAL_STRING => body
            .chunks(4)
            .map(|c| {
                <[u8; 4]>::try_from(c)
                    .ok()
                    .and_then(|b| char::from_u32(u32::from_be_bytes(b)))
            })
            .collect::<Option<_>>()?,
        _ => return None,
    };
    Some(chars.into_iter().collect::<String>().into_bytes())
}

/// Trim, collapse whitespace runs to one space, lower-case ASCII.
fn collapse(text: &[u8]) -> Vec<u8> {
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r');
    let start = text.iter().position(|b| !is_space(b)).unwrap_or(text.len());
    let end = text
        .iter()
        .rposition(|b| !is_space(b))
        .map_or(start, |e| e + 1);
    let mut out = Vec::with_capacity(end - start);
    let mut in_space = false;
    for b in &text[start..end] {
        if is_space(b) {
            if !in_space {
                out.push(b' ');
            }
            in_space = true;
        } else {
            out.push(b.to_ascii_lowercase());
            in_space = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(attrs: &[(u8, &[u8])]) -> Vec<u8> {
        let mut rdns = Vec::new();
        for (tag, value) in attrs {
            let mut atv = Vec::new();
            encode(der::OID, &[0x55, 0x04, 0x03], &mut atv);
            encode(*tag, value, &mut atv);
            let mut seq = Vec::new();
            encode(der::SEQUENCE, &atv, &mut seq);
            encode(der::SET, &seq, &mut rdns);
        }
        let mut out = Vec::new();
        encode(der::SEQUENCE, &rdns, &mut out);
        out
    }

    #[test]
    fn case_whitespace_and_string_type_do_not_matter() {
        let a = name(&[(PRINTABLE_STRING, b"  Example   CA ")]);
        let b = name(&[(UTF8_STRING, b"example ca")]);
        let c = name(&[(
            BMP_STRING,
            &[
                0, b'E', 0, b'x', 0, b'a', 0, b'm', 0, b'p', 0, b'l', 0, b'e', 0, b' ', 0, b'c', 0,
                b'A',
            ],
        )]);
        assert_eq!(canonical(&a), canonical(&b));
        assert_eq!(canonical(&a), canonical(&c));
        assert_ne!(
            canonical(&a),
            canonical(&name(&[(UTF8_STRING, b"example-ca")]))
        );
    }

    #[test]
    fn other_types_compare_by_bytes_and_junk_only_equals_itself() {
        let numeric = name(&[(0x12, b"123")]);
        assert_ne!(
            canonical(&numeric),
            canonical(&name(&[(UTF8_STRING, b"123")]))
        );
        assert_eq!(canonical(b"\x04\x01x"), canonical(b"\x04\x01x"));
        assert_ne!(canonical(b"\x04\x01x"), canonical(&numeric));
    }
}
