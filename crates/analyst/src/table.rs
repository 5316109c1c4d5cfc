//! A hunt's answer: named columns of text rows, sorted, cut to the top N
//! while it is collected (memory bounded by the answer), and written as an
//! aligned table for people or TSV, CSV or JSON lines for pipes.

use std::cmp::Ordering;
use std::io::{self, Write};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Tsv,
    Json,
    Csv,
}

/// A column to sort on, descending or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    pub column: usize,
    pub descending: bool,
}

impl SortKey {
    pub fn desc(column: usize) -> SortKey {
        SortKey {
            column,
            descending: true,
        }
    }

    pub fn asc(column: usize) -> SortKey {
        SortKey {
            column,
            descending: false,
        }
    }
}

/// Numbers compare as numbers, anything else as text; numbers first.
pub fn compare_values(a: &str, b: &str) -> Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.total_cmp(&y),
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        _ => a.cmp(b),
    }
}

fn compare_rows(keys: &[SortKey], a: &[String], b: &[String]) -> Ordering {
    // Unset and empty values go last either way.
    let missing = |s: &str| s == "-" || s == "(empty)";
    for k in keys {
        let (x, y) = (&a[k.column], &b[k.column]);
        let o = match (missing(x), missing(y)) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            _ if k.descending => compare_values(x, y).reverse(),
            _ => compare_values(x, y),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// Rows with their order and limit.
#[derive(Debug, Clone)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    sort: Vec<SortKey>,
    /// Rows kept (0: all).
    top: usize,
}

impl Table {
    pub fn new<S: AsRef<str>>(columns: &[S], sort: Vec<SortKey>, top: usize) -> Table {
        Table {
            columns: columns.iter().map(|c| c.as_ref().to_string()).collect(),
            rows: Vec::new(),
            sort,
            top,
        }
    }

    /// Whether more rows can change the answer (false once an unsorted
    /// table has its top N).
    pub fn wants_more(&self) -> bool {
        self.top == 0 || !self.sort.is_empty() || self.rows.len() < self.top
    }

    pub fn push(&mut self, row: Vec<String>) {
        if !self.wants_more() {
            return;
        }
        self.rows.push(row);
        // Keep at most twice the top: sort and cut now and then.
        if self.top > 0 && self.rows.len() >= self.top.saturating_mul(2).max(64) {
            self.finish();
        }
    }

    /// Sorts and cuts to the top N.
    pub fn finish(&mut self) {
        if !self.sort.is_empty() {
            let keys = &self.sort;
            self.rows.sort_by(|a, b| compare_rows(keys, a, b));
        }
        if self.top > 0 {
            self.rows.truncate(self.top);
        }
    }

    pub fn write(&self, format: Format, out: &mut dyn Write) -> io::Result<()> {
        match format {
            Format::Table => self.write_aligned(out),
            Format::Tsv => self.write_separated(out, "\t", |s| s.replace(['\t', '\n'], " ")),
            Format::Csv => self.write_separated(out, ",", csv_field),
            Format::Json => self.write_json(out),
        }
    }

    fn write_aligned(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut width: Vec<usize> = self.columns.iter().map(|c| c.chars().count()).collect();
        for r in &self.rows {
            for (w, v) in width.iter_mut().zip(r) {
                *w = (*w).max(v.chars().count());
            }
        }
        let line = |out: &mut dyn Write, cells: &[String]| -> io::Result<()> {
            let mut s = String::new();
            for (i, (c, w)) in cells.iter().zip(&width).enumerate() {
                if i + 1 == cells.len() {
                    s.push_str(c);
                } else {
                    s.push_str(&format!("{c:<w$}  "));
                }
            }
            writeln!(out, "{}", s.trim_end())
        };
        line(out, &self.columns)?;
        let rule: Vec<String> = width.iter().map(|w| "-".repeat(*w)).collect();
        line(out, &rule)?;
        for r in &self.rows {
            line(out, r)?;
        }
        Ok(())
    }

    fn write_separated(
        &self,
        out: &mut dyn Write,
        sep: &str,
        field: fn(&str) -> String,
    ) -> io::Result<()> {
        let join = |cells: &[String]| cells.iter().map(|c| field(c)).collect::<Vec<_>>().join(sep);
        writeln!(out, "{}", join(&self.columns))?;
        for r in &self.rows {
            writeln!(out, "{}", join(r))?;
        }
        Ok(())
    }

    /// One object a row; numbers as numbers, `-` (unset) as null.
    fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        for r in &self.rows {
            let mut s = String::from("{");
            for (i, (c, v)) in self.columns.iter().zip(r).enumerate() {
                if i > 0 {
                    s.push(',');
                }
                json_string(&mut s, c);
                s.push(':');
                if v == "-" {
                    s.push_str("null");
                } else if is_json_number(v) {
                    s.push_str(v);
                } else {
                    json_string(&mut s, v);
                }
            }
            s.push('}');
            writeln!(out, "{s}")?;
        }
        Ok(())
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn is_json_number(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let int = digits.split(['.', 'e', 'E']).next().unwrap_or("");
    !int.is_empty()
        && !s.starts_with('+')
        && (int == "0" || !int.starts_with('0'))
        && s.parse::<f64>().is_ok_and(f64::is_finite)
        && digits
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
        && !s.ends_with('.')
}

fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        let mut t = Table::new(&["host", "n"], vec![SortKey::desc(1)], 2);
        for (h, n) in [("a", "2"), ("b", "10"), ("c", "-"), ("d,\"x\"", "3")] {
            t.push(vec![h.into(), n.into()]);
        }
        t.finish();
        t
    }

    fn written(t: &Table, f: Format) -> String {
        let mut out = Vec::new();
        t.write(f, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn sorted_numerically_and_cut() {
        let t = table();
        assert_eq!(t.rows, [["b", "10"], ["d,\"x\"", "3"]]);
        assert_eq!(
            written(&t, Format::Table),
            "host   n\n-----  --\nb      10\nd,\"x\"  3\n"
        );
        assert_eq!(
            written(&t, Format::Csv),
            "host,n\nb,10\n\"d,\"\"x\"\"\",3\n"
        );
        assert_eq!(written(&t, Format::Tsv), "host\tn\nb\t10\nd,\"x\"\t3\n");
        assert_eq!(
            written(&t, Format::Json),
            "{\"host\":\"b\",\"n\":10}\n{\"host\":\"d,\\\"x\\\"\",\"n\":3}\n"
        );
    }

    #[test]
    fn json_numbers() {
        for n in ["0", "10", "-1.5", "1e3", "0.25"] {
            assert!(is_json_number(n), "{n}");
        }
        for s in ["01", "1.", "inf", "NaN", "", "-", "1.2.3", "0x10", "+1"] {
            assert!(!is_json_number(s), "{s}");
        }
    }
}
