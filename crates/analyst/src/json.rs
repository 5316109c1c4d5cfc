//! Zeek's JSON log lines: one flat object a line (`"id.orig_h": ...`).
//! Each value is rendered as Zeek's TSV writer shows it, so the tools
//! treat both formats alike: strings unescaped, `true`/`false` as `T`/`F`,
//! `null` as `-`, arrays joined by `,` (`(empty)` when empty), numbers
//! and nested objects as written.

use std::ops::Range;

/// How a value was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    String,
    Number,
    Bool,
    Null,
    Array,
    EmptyArray,
    Object,
}

/// One parsed line: keys and rendered values, as ranges of `buf`.
#[derive(Debug, Default)]
pub struct Object {
    pub buf: Vec<u8>,
    pub keys: Vec<Range<usize>>,
    pub values: Vec<(Range<usize>, Kind)>,
}

impl Object {
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn key(&self, i: usize) -> &[u8] {
        &self.buf[self.keys[i].clone()]
    }

    pub fn value(&self, i: usize) -> (&[u8], Kind) {
        let (r, k) = &self.values[i];
        (&self.buf[r.clone()], *k)
    }

    /// The index of `key`.
    pub fn find(&self, key: &[u8]) -> Option<usize> {
        (0..self.len()).find(|&i| self.key(i) == key)
    }
}

/// Why a line is not a JSON object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub at: usize,
    pub what: &'static str,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "bad JSON at byte {}: {}", self.at, self.what)
    }
}

/// Parses one line into `out` (cleared first).
pub fn parse_object(line: &[u8], out: &mut Object) -> Result<(), Error> {
    out.buf.clear();
    out.keys.clear();
    out.values.clear();
    let mut p = Parser { s: line, i: 0 };
    p.expect(b'{')?;
    if p.eat(b'}') {
        return p.end();
    }
    loop {
        let key = p.string(&mut out.buf)?;
        p.expect(b':')?;
        let value = p.value(&mut out.buf)?;
        out.keys.push(key);
        out.values.push(value);
        if p.eat(b'}') {
            return p.end();
        }
        p.expect(b',')?;
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn err<T>(&self, what: &'static str) -> Result<T, Error> {
        Err(Error { at: self.i, what })
    }

    fn skip_ws(&mut self) {
        while self.s.get(self.i).is_some_and(u8::is_ascii_whitespace) {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        self.i += usize::from(hit);
        hit
    }

    fn expect(&mut self, b: u8) -> Result<(), Error> {
        match self.eat(b) {
            true => Ok(()),
            false => self.err("unexpected character"),
        }
    }

    fn end(&mut self) -> Result<(), Error> {
        match self.peek() {
            None => Ok(()),
            Some(_) => self.err("text after the object"),
        }
    }

    fn value(&mut self, buf: &mut Vec<u8>) -> Result<(Range<usize>, Kind), Error> {
        match self.peek() {
            Some(b'"') => Ok((self.string(buf)?, Kind::String)),
            Some(b'[') => self.array(buf),
            Some(b'{') => {
                let start = self.i;
                self.skip_nested()?;
                Ok((copy(buf, &self.s[start..self.i]), Kind::Object))
            }
            Some(b't') => self.word(b"true", b"T", Kind::Bool, buf),
            Some(b'f') => self.word(b"false", b"F", Kind::Bool, buf),
            Some(b'n') => self.word(b"null", b"-", Kind::Null, buf),
            Some(b'-' | b'0'..=b'9') => {
                let start = self.i;
                while self
                    .s
                    .get(self.i)
                    .is_some_and(|b| matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                {
                    self.i += 1;
                }
                Ok((copy(buf, &self.s[start..self.i]), Kind::Number))
            }
            _ => self.err("expected a value"),
        }
    }

    fn word(
        &mut self,
        word: &[u8],
        shown: &[u8],
        kind: Kind,
        buf: &mut Vec<u8>,
    ) -> Result<(Range<usize>, Kind), Error> {
        if !self.s[self.i..].starts_with(word) {
            return self.err("bad literal");
        }
        self.i += word.len();
        Ok((copy(buf, shown), kind))
    }

    /// An array of scalars joined by `,`; nested containers as written.
    fn array(&mut self, buf: &mut Vec<u8>) -> Result<(Range<usize>, Kind), Error> {
        self.i += 1;
        let start = buf.len();
        if self.eat(b']') {
            return Ok((copy(buf, b"(empty)"), Kind::EmptyArray));
        }
        loop {
            if buf.len() > start {
                buf.push(b',');
            }
            match self.peek() {
                Some(b'[' | b'{') => {
                    let from = self.i;
                    self.skip_nested()?;
                    buf.extend_from_slice(&self.s[from..self.i]);
                }
                _ => {
                    self.value(buf)?;
                }
            }
            if self.eat(b']') {
                return Ok((start..buf.len(), Kind::Array));
            }
            self.expect(b',')?;
        }
    }

    /// Skips a nested object or array (strings respected), without
    /// recursion so depth cannot exhaust the stack.
    fn skip_nested(&mut self) -> Result<(), Error> {
        let mut depth = 0usize;
        while let Some(&b) = self.s.get(self.i) {
            self.i += 1;
            match b {
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                b'"' => {
                    self.i -= 1;
                    self.string(&mut Vec::new())?;
                }
                _ => {}
            }
        }
        self.err("unterminated container")
    }

    /// A string, unescaped into `buf`.
    fn string(&mut self, buf: &mut Vec<u8>) -> Result<Range<usize>, Error> {
        if self.peek() != Some(b'"') {
            return self.err("expected a string");
        }
        self.i += 1;
        let start = buf.len();
        loop {
            let rest = &self.s[self.i..];
            let Some(n) = memchr::memchr2(b'"', b'\\', rest) else {
                return self.err("unterminated string");
            };
            buf.extend_from_slice(&rest[..n]);
            self.i += n + 1;
            if rest[n] == b'"' {
                return Ok(start..buf.len());
            }
            self.escape(buf)?;
        }
    }

    fn escape(&mut self, buf: &mut Vec<u8>) -> Result<(), Error> {
        let Some(&e) = self.s.get(self.i) else {
            return self.err("unterminated escape");
        };
        self.i += 1;
        let plain = match e {
            b'"' | b'\\' | b'/' => e,
            b'b' => 8,
            b'f' => 12,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => return self.unicode(buf),
            _ => return self.err("bad escape"),
        };
        buf.push(plain);
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let digits = self.s.get(self.i..self.i + 4);
        let v = digits
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(|d| u32::from_str_radix(d, 16).ok());
        match v {
            Some(v) => {
                self.i += 4;
                Ok(v)
            }
            None => self.err("bad \\u escape"),
        }
    }

    /// `\uXXXX`, joining surrogate pairs; a lone surrogate becomes U+FFFD.
    fn unicode(&mut self, buf: &mut Vec<u8>) -> Result<(), Error> {
        let hi = self.hex4()?;
        let mut cp = hi;
        if (0xD800..0xDC00).contains(&hi) && self.s[self.i..].starts_with(b"\\u") {
            self.i += 2;
            let lo = self.hex4()?;
            cp = if (0xDC00..0xE000).contains(&lo) {
                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
            } else {
                0xFFFD
            };
        }
        let c = char::from_u32(cp).unwrap_or('\u{FFFD}');
        buf.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        Ok(())
    }
}

fn copy(buf: &mut Vec<u8>, bytes: &[u8]) -> Range<usize> {
    let start = buf.len();
    buf.extend_from_slice(bytes);
    start..buf.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(line: &str) -> Vec<(String, String, Kind)> {
        let mut o = Object::default();
        parse_object(line.as_bytes(), &mut o).unwrap();
        (0..o.len())
            .map(|i| {
                let (v, k) = o.value(i);
                (
                    String::from_utf8_lossy(o.key(i)).into(),
                    String::from_utf8_lossy(v).into(),
                    k,
                )
            })
            .collect()
    }

    #[test]
    fn renders_values_as_tsv_shows_them() {
        let got = rendered(
            r#"{"ts":1.5,"id.orig_h":"10.0.0.1","ok":true,"n":null,"s":["a","b\u00e9"],"e":[],"q":"x\"\\\ty","o":{"a":[1]}}"#,
        );
        let want = [
            ("ts", "1.5", Kind::Number),
            ("id.orig_h", "10.0.0.1", Kind::String),
            ("ok", "T", Kind::Bool),
            ("n", "-", Kind::Null),
            ("s", "a,bé", Kind::Array),
            ("e", "(empty)", Kind::EmptyArray),
            ("q", "x\"\\\ty", Kind::String),
            ("o", "{\"a\":[1]}", Kind::Object),
        ];
        let want: Vec<_> = want
            .iter()
            .map(|(k, v, t)| (k.to_string(), v.to_string(), *t))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn surrogate_pairs_join() {
        assert_eq!(rendered(r#"{"a":"\ud83d\ude00"}"#)[0].1, "😀");
    }

    #[test]
    fn rejects_broken_lines() {
        let mut o = Object::default();
        for bad in [
            "",
            "{",
            "{\"a\"}",
            "{\"a\":}",
            "{\"a\":1,}",
            "{\"a\":\"x}",
            "[1]",
            "{\"a\":1} x",
            "{\"a\":[[[}",
        ] {
            assert!(parse_object(bad.as_bytes(), &mut o).is_err(), "{bad}");
        }
    }
}
