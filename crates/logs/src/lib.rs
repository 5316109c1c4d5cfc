//! Log writers: Zeek TSV (with Zeek's header and footer) and Zeek JSON lines.
//!
//! Workers format rows themselves with a [`RowFormatter`] and hand the bytes
//! to one writer thread, which appends them to a [`LogFile`] (or lets a
//! [`LogDir`] pick the file by log path).
//!
//! **Files and crash safety.** A log file is created on its first row (Zeek
//! writes no file for a log without rows), directly under its final name
//! (`conn.log`). The TSV `#close` footer is written only by a successful
//! [`LogFile::close`]: a TSV log without `#close` is incomplete (the process
//! died). JSON logs have neither header nor footer. Output goes through a
//! large buffer; nothing is fsynced.

use records::num::header_time;
use records::{Record, Schema, Time};
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Output format of a log directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Zeek's tab-separated format with `#` header lines.
    Tsv,
    /// One JSON object per line (`LogAscii::use_json = T`); `iso8601` writes
    /// times as `"2011-03-18T19:06:08.123456Z"` strings.
    Json { iso8601: bool },
}

/// Formats rows of one schema; cheap to clone, one per worker.
#[derive(Debug, Clone)]
pub struct RowFormatter {
    schema: Arc<Schema>,
    format: Format,
}

impl RowFormatter {
    pub fn new(schema: Arc<Schema>, format: Format) -> Self {
        RowFormatter { schema, format }
    }
    pub fn schema(&self) -> &Arc<Schema> {
        &self.schema
    }
    pub fn format_kind(&self) -> Format {
        self.format
    }
    /// Appends one full line (`\n` included) for `r`.
    pub fn format<R: Record>(&self, r: &R, out: &mut Vec<u8>) {
        match self.format {
            Format::Tsv => records::write_tsv_row(r, &self.schema, out),
            Format::Json { iso8601 } => records::write_json_row(r, &self.schema, iso8601, out),
        }
    }
}

/// The TSV header Zeek writes, up to and including `#types`.
pub fn tsv_header(schema: &Schema, open_time: Time) -> Vec<u8> {
    let mut h = String::new();
    h.push_str("#separator \\x09\n");
    h.push_str("#set_separator\t,\n");
    h.push_str("#empty_field\t(empty)\n");
    h.push_str("#unset_field\t-\n");
    h.push_str("#path\t");
    h.push_str(schema.path);
    h.push('\n');
    h.push_str("#open\t");
    h.push_str(&header_time(open_time.0));
    h.push('\n');
    h.push_str("#fields\t");
    h.push_str(&schema.names_joined("\t"));
    h.push('\n');
    h.push_str("#types\t");
    h.push_str(&schema.types_joined("\t"));
    h.push('\n');
    h.into_bytes()
}

/// The TSV footer line.
pub fn tsv_footer(close_time: Time) -> Vec<u8> {
    format!("#close\t{}\n", header_time(close_time.0)).into_bytes()
}

/// One open log file.
#[derive(Debug)]
pub struct LogFile {
    out: BufWriter<File>,
    format: Format,
    path: PathBuf,
    rows_bytes: u64,
}

const BUF_SIZE: usize = 1 << 20;

impl LogFile {
    /// Creates `dir/<path_name>.log` (truncating an old one) and writes the
    /// TSV header.
    pub fn create(
        dir: &Path,
        path_name: &str,
        schema: &Schema,
        format: Format,
        open_time: Time,
    ) -> io::Result<LogFile> {
        let path = dir.join(format!("{path_name}.log"));
        let file = File::create(&path)?;
        let mut out = BufWriter::with_capacity(BUF_SIZE, file);
        if format == Format::Tsv {
            out.write_all(&tsv_header(schema, open_time))?;
        }
        Ok(LogFile {
            out,
            format,
            path,
            rows_bytes: 0,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends already formatted rows (whole lines).
    pub fn write_rows(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.rows_bytes += bytes.len() as u64;
        self.out.write_all(bytes)
    }

    /// Bytes of rows written so far.
    pub fn rows_bytes(&self) -> u64 {
        self.rows_bytes
    }

    /// Writes the `#close` footer (TSV) and flushes: marks the log complete.
    pub fn close(mut self, close_time: Time) -> io::Result<()> {
        if self.format == Format::Tsv {
            self.out.write_all(&tsv_footer(close_time))?;
        }
        self.out.flush()
    }
}

/// All logs of one run: a directory, a format and the enabled optional
/// columns. Files are created on their first row.
#[derive(Debug)]
pub struct LogDir {
    dir: PathBuf,
    format: Format,
    options: Vec<String>,
    files: HashMap<&'static str, LogFile>,
    schemas: HashMap<&'static str, Arc<Schema>>,
    scratch: Vec<u8>,
}

impl LogDir {
    /// Creates the directory if needed.
    pub fn new(dir: &Path, format: Format, options: Vec<String>) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(LogDir {
            dir: dir.to_path_buf(),
            format,
            options,
            files: HashMap::new(),
            schemas: HashMap::new(),
            scratch: Vec::new(),
        })
    }

    pub fn format(&self) -> Format {
        self.format
    }

    pub fn options(&self) -> &[String] {
        &self.options
    }

    /// The schema of `R` with this directory's options (shared).
    pub fn schema<R: Record>(&mut self) -> Arc<Schema> {
        let options = &self.options;
        self.schemas
            .entry(R::PATH)
            .or_insert_with(|| Arc::new(Schema::with_options::<R>(options)))
            .clone()
    }

    /// A formatter for `R` rows matching this directory (give it to workers).
    pub fn formatter<R: Record>(&mut self) -> RowFormatter {
        RowFormatter::new(self.schema::<R>(), self.format)
    }

    /// A writer for `R` rows.
    pub fn writer<R: Record>(&mut self) -> RecordWriter<'_, R> {
        let fmt = self.formatter::<R>();
        RecordWriter {
            dir: self,
            fmt,
            _r: std::marker::PhantomData,
        }
    }

    /// Appends formatted rows to the log `schema.path`, creating the file
    /// (with `open_time` in its header) if this is its first row.
    pub fn write_formatted(
        &mut self,
        schema: &Schema,
        open_time: Time,
        bytes: &[u8],
    ) -> io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        let file = match self.files.entry(schema.path) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => v.insert(LogFile::create(
                &self.dir,
                schema.path,
                schema,
                self.format,
                open_time,
            )?),
        };
        file.write_rows(bytes)
    }

    /// Formats and writes one record (file opened at the record's time).
    pub fn write<R: Record>(&mut self, r: &R) -> io::Result<()> {
        let fmt = self.formatter::<R>();
        let mut buf = std::mem::take(&mut self.scratch);
        buf.clear();
        fmt.format(r, &mut buf);
        let res = self.write_formatted(fmt.schema(), r.ts(), &buf);
        self.scratch = buf;
        res
    }

    /// Paths of the logs written so far.
    pub fn written(&self) -> Vec<&'static str> {
        let mut v: Vec<_> = self.files.keys().copied().collect();
        v.sort_unstable();
        v
    }

    /// Closes every file (footers written); the first error is returned
    /// after all files were tried.
    pub fn close(self, close_time: Time) -> io::Result<()> {
        let mut first = Ok(());
        for (_, f) in self.files {
            let r = f.close(close_time);
            if first.is_ok() {
                first = r;
            }
        }
        first
    }
}

/// Writes rows of one record type into a [`LogDir`].
pub struct RecordWriter<'a, R: Record> {
    dir: &'a mut LogDir,
    fmt: RowFormatter,
    _r: std::marker::PhantomData<fn(&R)>,
}

impl<R: Record> RecordWriter<'_, R> {
    pub fn write(&mut self, r: &R) -> io::Result<()> {
        let mut buf = Vec::with_capacity(256);
        self.fmt.format(r, &mut buf);
        self.dir.write_formatted(self.fmt.schema(), r.ts(), &buf)
    }
}
