//! String escaping exactly as Zeek writes strings.
//!
//! **TSV** (Zeek's ASCII writer with `LogAscii::enable_utf_8 = T`, the
//! default; `ODesc::AddBytes` + `util::escape_utf8` + `get_escaped_string`):
//!
//! * the empty string is written as the empty field `(empty)`;
//! * a string that is exactly `-` (the unset field) or `(empty)` gets its first
//!   byte hex-escaped: `\x2d`, `\x28empty)`;
//! * a backslash is written `\\`; the field separator (tab) `\x09`; inside a
//!   set or vector the set separator `,` is written `\x2c`;
//! * the text between those is written as is when it is valid UTF-8 made of
//!   printable characters; control bytes (0x00-0x1f, 0x7f) become `\xNN`;
//!   if the text holds a byte sequence that is not acceptable UTF-8 (invalid
//!   or overlong, surrogates, C1 controls U+0080-U+009F, the private use area
//!   U+E000-U+F8FF, specials U+FFF0-U+FFFF), then *every* non-ASCII byte of
//!   that text is written `\xNN`, valid sequences included (Zeek's
//!   all-or-nothing fallback, visible in its own baselines).
//!
//! **JSON** (Zeek's JSON formatter: `util::escape_utf8` without control
//! escaping, then rapidjson's string writer):
//!
//! * non-ASCII text: same all-or-nothing rule, an escaped byte appears in the
//!   JSON text as `\\xNN` (the backslash itself escaped by rapidjson);
//! * `"` → `\"`, `\` → `\\`, 0x08 `\b`, 0x09 `\t`, 0x0a `\n`, 0x0c `\f`,
//!   0x0d `\r`, other bytes below 0x20 → `\u00XX` (upper-case hex); 0x7f and
//!   `/` are written as is.

const HEX: &[u8; 16] = b"0123456789abcdef";

#[inline]
fn push_hex(out: &mut Vec<u8>, b: u8) {
    out.extend_from_slice(&[b'\\', b'x', HEX[(b >> 4) as usize], HEX[(b & 0xf) as usize]]);
}

/// Length of the UTF-8 sequence a lead byte announces, as Zeek counts it
/// (continuation bytes and 0xf8.. count as invalid one-byte sequences).
#[inline]
fn utf8_len(b: u8) -> usize {
    match b {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 0,
    }
}

/// Is `seq` (one announced multi-byte sequence) an acceptable character?
fn ok_utf8(seq: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(seq) else {
        return false;
    };
    let Some(c) = s.chars().next() else {
        return false;
    };
    let c = c as u32;
    !(c <= 0x1f
        || c == 0x7f
        || (0x80..=0x9f).contains(&c)
        || (0xe000..=0xf8ff).contains(&c)
        || (0xfff0..=0xffff).contains(&c))
}

/// Does `text` hold a non-ASCII sequence Zeek rejects (scanning character by
/// character from the start, as Zeek does)?
fn has_bad_utf8(text: &[u8]) -> bool {
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        if b < 0x80 {
            i += 1;
            continue;
        }
        let n = utf8_len(b);
        if n == 0 || i + n > text.len() || !ok_utf8(&text[i..i + n]) {
            return true;
        }
        i += n;
    }
    false
}

/// Writes a run of text with no backslash/separator in it (TSV rules).
fn tsv_run(text: &[u8], out: &mut Vec<u8>) {
    if text.iter().all(|&b| (0x20..0x7f).contains(&b)) {
        out.extend_from_slice(text);
        return;
    }
    let bad = has_bad_utf8(text);
    for &b in text {
        if b < 0x20 || b == 0x7f || (bad && b >= 0x80) {
            push_hex(out, b);
        } else {
            out.push(b);
        }
    }
}

/// Writes the body of a non-empty TSV string (no reserved-word check).
pub fn tsv_body(bytes: &[u8], in_collection: bool, out: &mut Vec<u8>) {
    // Most values are plain printable ASCII: copied as they are.
    let plain = |b: u8| (0x20..0x7f).contains(&b) && b != b'\\' && !(in_collection && b == b',');
    if bytes.iter().all(|&b| plain(b)) {
        out.extend_from_slice(bytes);
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let special = b == b'\\' || b == b'\t' || (in_collection && b == b',');
        if !special {
            continue;
        }
        tsv_run(&bytes[start..i], out);
        if b == b'\\' {
            out.extend_from_slice(b"\\\\");
        } else {
            push_hex(out, b);
        }
        start = i + 1;
    }
    tsv_run(&bytes[start..], out);
}

/// Writes one string value in TSV form (empty → `(empty)`, reserved words
/// escaped, see the module documentation).
pub fn tsv_string(bytes: &[u8], in_collection: bool, out: &mut Vec<u8>) {
    match bytes {
        [] => out.extend_from_slice(b"(empty)"),
        b"-" | b"(empty)" => {
            push_hex(out, bytes[0]);
            tsv_body(&bytes[1..], in_collection, out);
        }
        _ => tsv_body(bytes, in_collection, out),
    }
}

#[inline]
fn json_byte(b: u8, out: &mut Vec<u8>) {
    match b {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        0x08 => out.extend_from_slice(b"\\b"),
        0x09 => out.extend_from_slice(b"\\t"),
        0x0a => out.extend_from_slice(b"\\n"),
        0x0c => out.extend_from_slice(b"\\f"),
        0x0d => out.extend_from_slice(b"\\r"),
        0x00..=0x1f => {
            const UP: &[u8; 16] = b"0123456789ABCDEF";
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                UP[(b >> 4) as usize],
                UP[(b & 0xf) as usize],
            ]);
        }
        _ => out.push(b),
    }
}

/// Writes a JSON string literal (quotes included) for Zeek string bytes.
pub fn json_string(bytes: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    let bad = bytes.iter().any(|&b| b >= 0x80) && has_bad_utf8(bytes);
    for &b in bytes {
        if bad && b >= 0x80 {
            // Zeek's "\xNN" text, whose backslash the JSON writer escapes.
            out.extend_from_slice(&[
                b'\\',
                b'\\',
                b'x',
                HEX[(b >> 4) as usize],
                HEX[(b & 0xf) as usize],
            ]);
        } else {
            json_byte(b, out);
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tsv(b: &[u8], set: bool) -> String {
        let mut o = Vec::new();
        tsv_string(b, set, &mut o);
        String::from_utf8_lossy(&o).into_owned()
    }
    fn json(b: &[u8]) -> String {
        let mut o = Vec::new();
        json_string(b, &mut o);
        String::from_utf8(o).unwrap()
    }

    #[test]
    fn tsv_reserved_and_empty() {
        assert_eq!(tsv(b"", false), "(empty)");
        assert_eq!(tsv(b"-", false), "\\x2d");
        assert_eq!(tsv(b"(empty)", false), "\\x28empty)");
        assert_eq!(tsv(b"--", false), "--");
        assert_eq!(tsv(b"(empty)x", false), "(empty)x");
    }

    #[test]
    fn tsv_specials() {
        assert_eq!(tsv(b"a\tb", false), "a\\x09b");
        assert_eq!(tsv(b"a,b", false), "a,b");
        assert_eq!(tsv(b"a,b", true), "a\\x2cb");
        // Zeek baseline: a literal backslash followed by "x07".
        assert_eq!(
            tsv(b"/non_printable_literal_\\x07", false),
            "/non_printable_literal_\\\\x07"
        );
        assert_eq!(tsv(b"/non_printable_\x07", false), "/non_printable_\\x07");
        assert_eq!(tsv(b"Co.\\,Ltd.", false), "Co.\\\\,Ltd.");
        assert_eq!(tsv(b"a\nb\rc\x7f", false), "a\\x0ab\\x0dc\\x7f");
    }

    #[test]
    fn tsv_utf8() {
        assert_eq!(tsv("/printable_😄".as_bytes(), false), "/printable_😄");
        assert_eq!(tsv(b"\xc3\xb1", false), "ñ");
        // Invalid byte: every non-ASCII byte of the run is escaped.
        assert_eq!(tsv(b"\xd4\x9a \xfdk\x00", false), "\\xd4\\x9a \\xfdk\\x00");
        assert_eq!(tsv(b"\xc3\x28", false), "\\xc3(");
        assert_eq!(tsv(b"\xe2\x82\xa1", false), "\u{20a1}");
        assert_eq!(tsv(b"\xed\xa0\xa1", false), "\\xed\\xa0\\xa1");
        assert_eq!(tsv(b"\xee\x8b\xa0", false), "\\xee\\x8b\\xa0");
        assert_eq!(tsv(b"\xf0", false), "\\xf0");
        // A backslash splits runs: each run is judged on its own.
        assert_eq!(tsv(b"\xc3\xb1\\\xff", false), "ñ\\\\\\xff");
    }

    #[test]
    fn json_strings() {
        assert_eq!(json(b"abc"), "\"abc\"");
        assert_eq!(json(b"a\"b\\c/d"), "\"a\\\"b\\\\c/d\"");
        assert_eq!(json(b"\x08\x09\x0a\x0c\x0d"), "\"\\b\\t\\n\\f\\r\"");
        assert_eq!(
            json(b"/non_printable_\x07\x1b\x7f"),
            "\"/non_printable_\\u0007\\u001B\x7f\""
        );
        assert_eq!(json("ñ😄".as_bytes()), "\"ñ😄\"");
        assert_eq!(json(b"string\x82"), "\"string\\\\x82\"");
        assert_eq!(
            json(b"\xc3\xb1\xc0\x81"),
            "\"\\\\xc3\\\\xb1\\\\xc0\\\\x81\""
        );
        assert_eq!(json(b""), "\"\"");
    }
}
