//! Header fields: splitting `name: value` and reading the structured
//! Content-Type and Content-Transfer-Encoding values (RFC 2045 tokens,
//! quoted strings, comments), with Zeek's leniency.

use super::{is_lws, Encoding, MediaType};

/// The name and value of a header line (continuations included); `None`
/// when it has no `name:` (Zeek drops such lines).
pub(super) fn split_header(text: &[u8]) -> Option<(&[u8], &[u8])> {
    let start = skip_lws_comments(text);
    let rest = &text[start..];
    let name_len = rest.iter().take_while(|&&c| is_field_name_char(c)).count();
    if name_len == 0 {
        return None;
    }
    let name = &rest[..name_len];
    let after = &rest[name_len..];
    let colon = skip_lws_comments(after);
    if after.get(colon) != Some(&b':') {
        return None;
    }
    let value = &after[colon + 1..];
    let ws = value.iter().take_while(|c| c.is_ascii_whitespace()).count();
    Some((name, &value[ws..]))
}

/// The media type and multipart boundary of a Content-Type value; `None`
/// when there is no `type/subtype`.
pub(super) fn parse_content_type(value: &[u8]) -> Option<(MediaType, Option<Vec<u8>>)> {
    let (ty, rest) = token(value, false)?;
    let slash = skip_lws_comments(rest);
    if rest.get(slash) != Some(&b'/') {
        return None;
    }
    let (_subtype, params) = token(&rest[slash + 1..], false)?;
    let media = match ty.to_ascii_uppercase().as_slice() {
        b"MULTIPART" => MediaType::Multipart,
        b"MESSAGE" => MediaType::Message,
        b"TEXT" => MediaType::Text,
        _ => MediaType::Other,
    };
    let boundary = match media {
        MediaType::Multipart => boundary_param(params),
        _ => None,
    };
    Some((media, boundary))
}

/// The encoding named by a Content-Transfer-Encoding value.
pub(super) fn parse_transfer_encoding(value: &[u8]) -> Option<Encoding> {
    let (name, _) = token(value, false)?;
    Some(match name.to_ascii_uppercase().as_slice() {
        b"7BIT" => Encoding::SevenBit,
        b"8BIT" => Encoding::EightBit,
        b"BINARY" => Encoding::Binary,
        b"QUOTED-PRINTABLE" => Encoding::QuotedPrintable,
        b"BASE64" => Encoding::Base64,
        _ => Encoding::Other,
    })
}

/// The `boundary` among `; attr=value` parameters (the last one wins).
fn boundary_param(mut params: &[u8]) -> Option<Vec<u8>> {
    let mut boundary = None;
    loop {
        let semi = skip_lws_comments(params);
        if params.get(semi) != Some(&b';') {
            return boundary;
        }
        let Some((attr, rest)) = token(&params[semi + 1..], false) else {
            return boundary;
        };
        params = rest;
        let eq = skip_lws_comments(params);
        if params.get(eq) != Some(&b'=') {
            continue;
        }
        params = &params[eq + 1..];
        let is_boundary = attr.eq_ignore_ascii_case(b"boundary");
        if let Some((v, rest)) = param_value(params, is_boundary) {
            if is_boundary {
                boundary = Some(v);
            }
            params = rest;
        }
    }
}

/// A parameter value: a quoted string (quoted pairs decoded) or a token.
/// Boundaries accept any visible character but `"`, as Zeek does.
fn param_value(data: &[u8], is_boundary: bool) -> Option<(Vec<u8>, &[u8])> {
    let start = if is_boundary {
        0
    } else {
        skip_lws_comments(data)
    };
    let data = &data[start..];
    if data.first() == Some(&b'"') {
        let (s, rest) = quoted_string(data)?;
        return Some((unquote_pairs(s), rest));
    }
    let (t, rest) = token(data, is_boundary)?;
    Some((t.to_vec(), rest))
}

/// The content of the quoted string at the start of `data` and what
/// follows it.
fn quoted_string(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut i = 1;
    while i < data.len() {
        match data[i] {
            b'"' => return Some((&data[1..i], &data[i + 1..])),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    None
}

fn unquote_pairs(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'\\' {
            i += 1;
        }
        if let Some(&c) = s.get(i) {
            out.push(c);
        }
        i += 1;
    }
    out
}

/// The first token in `data` (junk before it is skipped, as Zeek does) and
/// what follows it.
fn token(data: &[u8], is_boundary: bool) -> Option<(&[u8], &[u8])> {
    let mut i = if is_boundary {
        0
    } else {
        skip_lws_comments(data)
    };
    while i < data.len() {
        if is_token_char(data[i], is_boundary) {
            let len = data[i..]
                .iter()
                .take_while(|&&c| is_token_char(c, is_boundary))
                .count();
            return Some((&data[i..i + len], &data[i + len..]));
        }
        i += skip_lws_comments(&data[i..]).max(1);
    }
    None
}

/// Length of the whitespace and (nested) comments at the start of `data`.
fn skip_lws_comments(data: &[u8]) -> usize {
    let mut i = 0;
    while i < data.len() {
        if is_lws(data[i]) {
            i += 1;
        } else if data[i] == b'(' {
            i += comment_len(&data[i..]);
        } else {
            return i;
        }
    }
    data.len()
}

/// Length of the comment at the start of `data` (all of it if unclosed).
fn comment_len(data: &[u8]) -> usize {
    let mut depth = 0usize;
    let mut i = 0;
    while i < data.len() {
        match data[i] {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            b'\\' => i += 1,
            _ => {}
        }
        i += 1;
    }
    data.len()
}

fn is_field_name_char(c: u8) -> bool {
    (33..=126).contains(&c) && c != b':'
}

fn is_token_char(c: u8, is_boundary: bool) -> bool {
    const TSPECIALS: &[u8] = b"()<>@,;:\\\"/[]?=";
    (33..=126).contains(&c)
        && if is_boundary {
            c != b'"'
        } else {
            !TSPECIALS.contains(&c)
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_name_and_value() {
        assert_eq!(
            split_header(b"Subject:   Hi there "),
            Some((&b"Subject"[..], &b"Hi there "[..]))
        );
        assert_eq!(split_header(b"no colon here"), None);
        assert_eq!(split_header(b": empty name"), None);
    }

    #[test]
    fn content_types() {
        assert_eq!(
            parse_content_type(b"multipart/mixed; boundary=\"b1 \\\"x\\\"\""),
            Some((MediaType::Multipart, Some(b"b1 \"x\"".to_vec())))
        );
        assert_eq!(
            parse_content_type(b"Multipart/Alternative;\tcharset=x; BOUNDARY=Apple-Mail=_9A"),
            Some((MediaType::Multipart, Some(b"Apple-Mail=_9A".to_vec())))
        );
        assert_eq!(
            parse_content_type(b"text/plain; name=\"a.txt\""),
            Some((MediaType::Text, None))
        );
        assert_eq!(
            parse_content_type(b"message/rfc822"),
            Some((MediaType::Message, None))
        );
        assert_eq!(parse_content_type(b"garbage"), None);
    }

    #[test]
    fn transfer_encodings() {
        assert_eq!(parse_transfer_encoding(b" Base64"), Some(Encoding::Base64));
        assert_eq!(
            parse_transfer_encoding(b"quoted-printable (c)"),
            Some(Encoding::QuotedPrintable)
        );
        assert_eq!(parse_transfer_encoding(b"x-uue"), Some(Encoding::Other));
        assert_eq!(parse_transfer_encoding(b""), None);
    }
}
