//! Rows of Zeek logs, TSV or JSON lines, for the hunts: a header (the
//! fields, their types, the TSV markers) and each row's values by index.
//! A new `#fields` line or a JSON line with other keys starts a new
//! header; [`Columns`] resolves names again only then.

use crate::input::{self, Source};
use crate::json;

/// The fields of the rows that follow.
#[derive(Debug, Default)]
pub struct Header {
    pub fields: Vec<String>,
    pub types: Vec<String>,
    pub separator: u8,
    pub empty: Vec<u8>,
    pub unset: Vec<u8>,
    /// Changes with every new set of fields.
    pub generation: u64,
}

impl Header {
    fn reset(&mut self) {
        self.separator = b'\t';
        self.empty = b"(empty)".to_vec();
        self.unset = b"-".to_vec();
        self.fields.clear();
        self.types.clear();
        self.generation += 1;
    }

    pub fn index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f == name)
    }
}

/// One value: absent (unset, or no such field), empty, or text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    Unset,
    Empty,
    Text(&'a [u8]),
}

impl<'a> Value<'a> {
    pub fn text(self) -> Option<&'a [u8]> {
        match self {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }

    pub fn str(self) -> Option<&'a str> {
        self.text().and_then(|t| std::str::from_utf8(t).ok())
    }

    pub fn f64(self) -> Option<f64> {
        self.str().and_then(|s| s.parse().ok())
    }

    pub fn u64(self) -> Option<u64> {
        self.str().and_then(|s| s.parse().ok())
    }

    /// As the TSV writer shows it.
    pub fn shown(self) -> &'a [u8] {
        match self {
            Value::Unset => b"-",
            Value::Empty => b"(empty)",
            Value::Text(t) => t,
        }
    }
}

/// A row: values by field index of its header.
pub struct Row<'a> {
    pub header: &'a Header,
    text: &'a [u8],
    spans: &'a [(usize, usize)],
}

impl<'a> Row<'a> {
    pub fn get(&self, i: usize) -> Value<'a> {
        let Some(&(s, e)) = self.spans.get(i) else {
            return Value::Unset;
        };
        let v = &self.text[s..e];
        if v == self.header.unset {
            Value::Unset
        } else if v == self.header.empty {
            Value::Empty
        } else {
            Value::Text(v)
        }
    }

    /// By index when resolved; unset otherwise.
    pub fn at(&self, i: Option<usize>) -> Value<'a> {
        i.map_or(Value::Unset, |i| self.get(i))
    }

    /// A text value as it was before the TSV writer escaped it (`\\` and
    /// `\xNN`); JSON values come decoded already.
    pub fn readable(&self, i: Option<usize>) -> Option<String> {
        let text = self.at(i).text()?;
        // Only TSV logs carry #types.
        if self.header.types.is_empty() || !text.contains(&b'\\') {
            return Some(String::from_utf8_lossy(text).into_owned());
        }
        Some(String::from_utf8_lossy(&unescape_tsv(text)).into_owned())
    }
}

/// Undoes the Zeek TSV writer's escapes: `\\` and `\xNN`.
fn unescape_tsv(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let hex = text
            .get(i + 2..i + 4)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (text[i], text.get(i + 1), hex) {
            (b'\\', Some(b'\\'), _) => {
                out.push(b'\\');
                i += 2;
            }
            (b'\\', Some(b'x'), Some(byte)) => {
                out.push(byte);
                i += 4;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// Names resolved to indices of the current header.
pub struct Columns {
    names: Vec<String>,
    idx: Vec<Option<usize>>,
    generation: u64,
}

impl Columns {
    pub fn new<S: AsRef<str>>(names: &[S]) -> Columns {
        Columns {
            names: names.iter().map(|n| n.as_ref().to_string()).collect(),
            idx: Vec::new(),
            generation: u64::MAX,
        }
    }

    /// Indices of the names in the row's header (None: absent).
    pub fn resolve(&mut self, header: &Header) -> &[Option<usize>] {
        if self.generation != header.generation {
            self.generation = header.generation;
            self.idx = self.names.iter().map(|n| header.index(n)).collect();
        }
        &self.idx
    }
}

/// What reading skipped.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReadStats {
    pub rows: u64,
    /// Data lines before any header, or bad JSON.
    pub bad_lines: u64,
    pub truncated_lines: u64,
}

/// Reads rows from sources in turn and hands each to a visitor.
pub struct LogReader {
    header: Header,
    spans: Vec<(usize, usize)>,
    json: json::Object,
    pub stats: ReadStats,
}

impl Default for LogReader {
    fn default() -> Self {
        Self::new()
    }
}

impl LogReader {
    pub fn new() -> LogReader {
        LogReader {
            header: Header::default(),
            spans: Vec::new(),
            json: json::Object::default(),
            stats: ReadStats::default(),
        }
    }

    /// Every row of `src`; the visitor's error stops reading.
    pub fn read(
        &mut self,
        src: &Source,
        visit: &mut dyn FnMut(&Row) -> Result<(), String>,
    ) -> Result<(), String> {
        let mut lines = input::open(src).map_err(|e| format!("{}: {e}", src.name()))?;
        self.header.reset();
        while let Some(line) = lines
            .next_line()
            .map_err(|e| format!("{}: {e}", src.name()))?
        {
            self.line(line, visit)?;
        }
        self.stats.truncated_lines += lines.truncated;
        Ok(())
    }

    /// Rows of one in-memory log (tests, fuzzing).
    pub fn read_bytes(
        &mut self,
        data: &[u8],
        visit: &mut dyn FnMut(&Row) -> Result<(), String>,
    ) -> Result<(), String> {
        self.header.reset();
        for line in data.split(|&b| b == b'\n') {
            self.line(&line[..line.len().min(input::MAX_LINE)], visit)?;
        }
        Ok(())
    }

    fn line(
        &mut self,
        line: &[u8],
        visit: &mut dyn FnMut(&Row) -> Result<(), String>,
    ) -> Result<(), String> {
        match line.first() {
            None => Ok(()),
            Some(b'#') => {
                self.header_line(line);
                Ok(())
            }
            Some(b'{') => self.json_line(line, visit),
            Some(_) => self.tsv_line(line, visit),
        }
    }

    fn header_line(&mut self, line: &[u8]) {
        let h = &mut self.header;
        let (key, value) = match line.iter().position(|&b| b == b' ' || b == h.separator) {
            Some(i) => (&line[..i], &line[i + 1..]),
            None => (line, &b""[..]),
        };
        let split = |v: &[u8]| -> Vec<String> {
            v.split(|&b| b == h.separator)
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect()
        };
        match key {
            b"#separator" => {
                h.separator = match value.strip_prefix(b"\\x") {
                    Some(hex) => std::str::from_utf8(hex)
                        .ok()
                        .and_then(|x| u8::from_str_radix(x, 16).ok())
                        .unwrap_or(b'\t'),
                    None => value.first().copied().unwrap_or(b'\t'),
                }
            }
            b"#empty_field" => h.empty = value.to_vec(),
            b"#unset_field" => h.unset = value.to_vec(),
            b"#fields" => {
                h.fields = split(value);
                h.types.clear();
                h.generation += 1;
            }
            b"#types" => h.types = split(value),
            _ => {}
        }
    }

    fn tsv_line(
        &mut self,
        line: &[u8],
        visit: &mut dyn FnMut(&Row) -> Result<(), String>,
    ) -> Result<(), String> {
        if self.header.fields.is_empty() {
            self.stats.bad_lines += 1;
            return Ok(());
        }
        self.spans.clear();
        let mut start = 0;
        for end in memchr::memchr_iter(self.header.separator, line) {
            self.spans.push((start, end));
            start = end + 1;
        }
        self.spans.push((start, line.len()));
        self.stats.rows += 1;
        visit(&Row {
            header: &self.header,
            text: line,
            spans: &self.spans,
        })
    }

    fn json_line(
        &mut self,
        line: &[u8],
        visit: &mut dyn FnMut(&Row) -> Result<(), String>,
    ) -> Result<(), String> {
        if json::parse_object(line, &mut self.json).is_err() {
            self.stats.bad_lines += 1;
            return Ok(());
        }
        let o = &self.json;
        let same = o.len() == self.header.fields.len()
            && (0..o.len()).all(|i| o.key(i) == self.header.fields[i].as_bytes());
        if !same {
            let h = &mut self.header;
            h.fields = (0..o.len())
                .map(|i| String::from_utf8_lossy(o.key(i)).into_owned())
                .collect();
            h.types.clear();
            h.generation += 1;
            h.unset = b"-".to_vec();
            h.empty = b"(empty)".to_vec();
        }
        self.spans.clear();
        self.spans
            .extend(o.values.iter().map(|(r, _)| (r.start, r.end)));
        self.stats.rows += 1;
        visit(&Row {
            header: &self.header,
            text: &o.buf,
            spans: &self.spans,
        })
    }
}

#[cfg(test)]
mod unescape_tests {
    #[test]
    fn tsv_escapes_are_undone() {
        assert_eq!(
            super::unescape_tsv(b"O=A Co.\\\\,Ltd. \\x09x \\xZZ"),
            b"O=A Co.\\,Ltd. \tx \\xZZ"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(data: &str, names: &[&str]) -> Vec<Vec<String>> {
        let mut r = LogReader::new();
        let mut cols = Columns::new(names);
        let mut out = Vec::new();
        r.read_bytes(data.as_bytes(), &mut |row| {
            let idx = cols.resolve(row.header).to_vec();
            out.push(
                idx.iter()
                    .map(|&i| String::from_utf8_lossy(row.at(i).shown()).into_owned())
                    .collect(),
            );
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn tsv_and_json_rows_alike() {
        let tsv = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#fields\tts\tuid\ts\n#types\ttime\tstring\tset[string]\n1.0\tC1\t(empty)\n2.0\t-\ta,b\n#close\tx\n";
        let json = "{\"ts\":1.0,\"uid\":\"C1\",\"s\":[]}\n{\"ts\":2.0,\"s\":[\"a\",\"b\"]}\n";
        let want = [["1.0", "C1", "(empty)"], ["2.0", "-", "a,b"]];
        assert_eq!(rows(tsv, &["ts", "uid", "s"]), want);
        assert_eq!(rows(json, &["ts", "uid", "s"]), want);
    }

    #[test]
    fn new_fields_resolve_again() {
        let data = "#fields\ta\tb\n1\t2\n#fields\tb\ta\n3\t4\n";
        assert_eq!(rows(data, &["a", "nope"]), [["1", "-"], ["4", "-"]]);
    }
}
