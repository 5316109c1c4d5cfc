//! `shrike cut`: zeek-cut's flags and output, byte for byte, on Zeek TSV
//! logs; besides, Zeek JSON lines, gzip and file arguments.
//!
//! As zeek-cut:
//! * flags `-c -C -m -M -n -d -u -D FMT -U FMT -F SEP -h`, in any order
//!   among the columns (getopt's permutation), `--` ending them;
//!   `ZEEK_CUT_TIMEFMT` (or the legacy `BRO_CUT_TIMEFMT`) sets the `-d`/`-u`
//!   format, default `%Y-%m-%dT%H:%M:%S%z`;
//! * a column missing from the log prints as an empty field; `-n` prints
//!   all but the named columns; no columns means all;
//! * a header block is the run of `#` lines between data lines: `-c`/`-m`
//!   print the first, `-C`/`-M` all (the minimal view prints only the
//!   field names); with time conversion `#types` shows `time` as `string`;
//! * time values convert when they are digits then `.`; others print as
//!   they are, with zeek-cut's message on standard error;
//! * a header without `#types` after `#fields`, a bad `#separator` or
//!   `#unset_field` stops with status 1.
//!
//! Beyond zeek-cut: inputs are `-r FILE` (repeatable, `-` for standard
//! input) or column arguments that name existing `*.log`, `*.gz`, `*.json`
//! files or paths with a `/`; gzip is read by its magic; a JSON line (`{`)
//! prints its values as the TSV writer would, `-` for a field it lacks,
//! with a field-name header (`-c`/`-m`) taken from its keys. Unlike
//! zeek-cut, a last line without a newline keeps its last character.

use crate::input::{self, Lines, Source};
use crate::json;
use crate::timefmt::{TimeError, TimeFormat};
use std::io::Write;
use std::path::Path;

const DEFAULT_TIMEFMT: &str = "%Y-%m-%dT%H:%M:%S%z";
const PROG: &str = "shrike cut";

/// Header blocks to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ShowHeaders {
    None = 0,
    First = 1,
    All = 2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeConv {
    Off,
    Local,
    Utc,
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub headers: ShowHeaders,
    pub minimal: bool,
    pub negate: bool,
    pub time: TimeConv,
    pub time_format: String,
    pub ofs: Option<u8>,
    pub columns: Vec<Vec<u8>>,
    pub inputs: Vec<Source>,
}

/// The outcome of parsing arguments.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    Run(Options),
    Help,
}

pub const USAGE: &str = "\
shrike cut [options] [<columns>] [-r FILE]...

Extracts the given columns from Zeek logs (TSV or JSON, plain or gzipped) in
the files given or on standard input, and outputs them to standard output.
If no columns are given, all are selected. By default, the format header
blocks are not included in the output.

Example: shrike cut -d ts id.orig_h id.orig_p < conn.log

    -c       Include the first format header block in the output.
    -C       Include all format header blocks in the output.
    -m       Include the first format header blocks in the output in minimal view.
    -M       Include all format header blocks in the output in minimal view.
    -d       Convert time values into human-readable format.
    -D <fmt> Like -d, but specify format for time (see strftime(3) for syntax).
    -F <ofs> Sets a different output field separator character.
    -h       Show help.
    -n       Print all fields *except* those specified.
    -u       Like -d, but print timestamps in UTC instead of local time.
    -U <fmt> Like -D, but print timestamps in UTC instead of local time.
    -r FILE  Read FILE (- for standard input); also any argument naming an
             existing *.log, *.gz or *.json file or a path with a '/'.

For time conversion option -d or -u, the format string can be specified by
setting an environment variable ZEEK_CUT_TIMEFMT.
";

/// Parses arguments (after `cut`) as getopt does with zeek-cut's option
/// string: options may follow columns; `--` ends them. `env_format` is
/// `ZEEK_CUT_TIMEFMT`'s value.
pub fn parse_args(args: &[String], env_format: Option<String>) -> Result<Parsed, String> {
    let mut o = Options {
        headers: ShowHeaders::None,
        minimal: false,
        negate: false,
        time: TimeConv::Off,
        time_format: env_format.unwrap_or_else(|| DEFAULT_TIMEFMT.into()),
        ofs: None,
        columns: Vec::new(),
        inputs: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == "--" {
            it.by_ref().for_each(|a| positional(&mut o, a));
            break;
        }
        if let Some(long) = arg.strip_prefix("--") {
            let name = long.split('=').next().unwrap_or("");
            if !name.is_empty() && "help".starts_with(name) {
                return Ok(Parsed::Help);
            }
            return Err(format!("unrecognized option '{arg}'"));
        }
        match arg.strip_prefix('-') {
            Some(flags) if !flags.is_empty() => {
                if short_flags(&mut o, flags, &mut it)? {
                    return Ok(Parsed::Help);
                }
            }
            _ => positional(&mut o, arg),
        }
    }
    if o.time != TimeConv::Off && o.time_format.is_empty() {
        return Err("time format string cannot be empty".into());
    }
    Ok(Parsed::Run(o))
}

/// A cluster of short flags (`-cd`, `-F,`, `-D %s`). True for help.
fn short_flags<'a>(
    o: &mut Options,
    flags: &str,
    rest: &mut impl Iterator<Item = &'a String>,
) -> Result<bool, String> {
    for (i, c) in flags.char_indices() {
        let value = |rest: &mut dyn Iterator<Item = &'a String>| {
            let attached = &flags[i + c.len_utf8()..];
            match attached.is_empty() {
                false => Ok(attached.to_string()),
                true => rest
                    .next()
                    .cloned()
                    .ok_or_else(|| format!("option requires an argument -- '{c}'")),
            }
        };
        match c {
            'c' | 'C' | 'm' | 'M' => {
                o.minimal = matches!(c, 'm' | 'M');
                o.headers = match c {
                    'c' | 'm' => ShowHeaders::First,
                    _ => ShowHeaders::All,
                };
            }
            'n' => o.negate = true,
            'd' => o.time = TimeConv::Local,
            'u' => o.time = TimeConv::Utc,
            'h' => return Ok(true),
            'F' | 'D' | 'U' | 'r' => {
                let v = value(rest)?;
                match c {
                    'F' => o.ofs = Some(single_byte(&v)?),
                    'r' => o.inputs.push(Source::from_arg(&v)),
                    _ => {
                        o.time = if c == 'D' {
                            TimeConv::Local
                        } else {
                            TimeConv::Utc
                        };
                        o.time_format = v;
                    }
                }
                return Ok(false);
            }
            _ => return Err(format!("invalid option -- '{c}'")),
        }
    }
    Ok(false)
}

fn single_byte(v: &str) -> Result<u8, String> {
    match v.as_bytes() {
        [b] => Ok(*b),
        _ => Err("field separator must be a single character".into()),
    }
}

/// A column, or a log file to read.
fn positional(o: &mut Options, arg: &str) {
    let named_like_a_log = arg.contains('/')
        || [".log", ".gz", ".json"]
            .iter()
            .any(|ext| arg.ends_with(ext));
    if named_like_a_log && Path::new(arg).is_file() {
        o.inputs.push(Source::from_arg(arg));
    } else {
        o.columns.push(arg.as_bytes().to_vec());
    }
}

/// The `cut` command: parses `args` and runs; returns the exit status.
pub fn main(args: &[String]) -> i32 {
    let env = std::env::var("ZEEK_CUT_TIMEFMT").ok().or_else(|| {
        let legacy = std::env::var("BRO_CUT_TIMEFMT").ok();
        if legacy.is_some() {
            eprintln!("{PROG}: warning: using legacy environment variable BRO_CUT_TIMEFMT, set ZEEK_CUT_TIMEFMT instead");
        }
        legacy
    });
    match parse_args(args, env) {
        Ok(Parsed::Help) => {
            print!("{USAGE}");
            // zeek-cut exits 1 after its usage text, help or not.
            1
        }
        Ok(Parsed::Run(o)) => {
            let stdout = std::io::stdout();
            run(&o, &mut stdout.lock(), &mut std::io::stderr())
        }
        Err(e) => {
            eprintln!("{PROG}: {e} (see shrike cut -h)");
            1
        }
    }
}

/// Cuts every input in turn; returns the exit status.
pub fn run(o: &Options, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let stdin = [Source::Stdin];
    let inputs = if o.inputs.is_empty() {
        &stdin[..]
    } else {
        &o.inputs[..]
    };
    let Some(mut cut) = Cutter::new(o, out, err) else {
        let _ = writeln!(err, "{PROG}: time format has a NUL byte");
        return 1;
    };
    let mut status = 0;
    for src in inputs {
        match cut.source(src) {
            Ok(()) => {}
            Err(Stop::Input(e)) => {
                let _ = writeln!(cut.err, "{PROG}: {}: {e}", src.name());
                status = 1;
            }
            Err(Stop::Header) => {
                status = 1;
                break;
            }
            Err(Stop::Output) => return 1,
        }
    }
    if cut.flush().is_err() {
        return 1;
    }
    status
}

/// Cuts one input already open (plain or gzip); returns the exit status.
pub fn run_reader(
    o: &Options,
    input: Box<dyn std::io::BufRead>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let Some(mut cut) = Cutter::new(o, out, err) else {
        return 1;
    };
    let r = input::decompressed(input).map(Lines::new);
    let status = match r.map_err(Stop::Input).and_then(|mut l| cut.lines(&mut l)) {
        Ok(()) => 0,
        Err(_) => 1,
    };
    match cut.flush() {
        Ok(()) => status,
        Err(_) => 1,
    }
}

/// Why cutting stopped.
enum Stop {
    /// An input could not be read (others still are).
    Input(std::io::Error),
    /// A bad header (zeek-cut stops there).
    Header,
    /// Standard output is gone.
    Output,
}

/// zeek-cut's state across lines and files.
struct Cutter<'a> {
    o: &'a Options,
    out: &'a mut dyn Write,
    err: &'a mut dyn Write,
    buf: Vec<u8>,
    fmt: Option<TimeFormat>,
    ifs: u8,
    ofs: u8,
    unset: Vec<u8>,
    /// The log field shown in each output column (None: missing).
    out_idx: Vec<Option<usize>>,
    /// Fields a line needs: the highest shown index plus one.
    idx_range: usize,
    time_cols: Vec<bool>,
    headers_seen: ShowHeaders,
    prev_hdr: bool,
    prev_fields: bool,
    fields: Vec<(usize, usize)>,
    /// The last converted time and its text.
    last_time: Option<(i64, Vec<u8>)>,
    json: json::Object,
    /// A JSON line was seen in the current input.
    json_in_input: bool,
}

const FLUSH_AT: usize = 64 << 10;

impl<'a> Cutter<'a> {
    fn new(o: &'a Options, out: &'a mut dyn Write, err: &'a mut dyn Write) -> Option<Self> {
        let fmt = match o.time {
            TimeConv::Off => None,
            t => Some(TimeFormat::new(&o.time_format, t == TimeConv::Utc)?),
        };
        Some(Cutter {
            o,
            out,
            err,
            buf: Vec::with_capacity(FLUSH_AT * 2),
            fmt,
            ifs: b'\t',
            ofs: b'\t',
            unset: b"-".to_vec(),
            out_idx: Vec::new(),
            idx_range: 0,
            time_cols: Vec::new(),
            headers_seen: ShowHeaders::None,
            prev_hdr: false,
            prev_fields: false,
            fields: Vec::new(),
            last_time: None,
            json: json::Object::default(),
            json_in_input: false,
        })
    }

    fn flush(&mut self) -> Result<(), Stop> {
        self.out.write_all(&self.buf).map_err(|_| Stop::Output)?;
        self.buf.clear();
        self.out.flush().map_err(|_| Stop::Output)
    }

    fn warn(&mut self, msg: std::fmt::Arguments) {
        let _ = writeln!(self.err, "{PROG}: {msg}");
    }

    fn source(&mut self, src: &Source) -> Result<(), Stop> {
        let mut lines = input::open(src).map_err(Stop::Input)?;
        self.json_in_input = false;
        let r = self.lines(&mut lines);
        if lines.truncated > 0 {
            let n = lines.truncated;
            self.warn(format_args!(
                "{}: {n} lines cut at {} bytes",
                src.name(),
                input::MAX_LINE
            ));
        }
        r
    }

    fn lines(&mut self, lines: &mut Lines) -> Result<(), Stop> {
        while let Some(line) = lines.next_line().map_err(Stop::Input)? {
            self.line(line)?;
            if self.buf.len() >= FLUSH_AT {
                self.out.write_all(&self.buf).map_err(|_| Stop::Output)?;
                self.buf.clear();
            }
        }
        Ok(())
    }

    fn header_error(&mut self, what: &str) -> Stop {
        self.warn(format_args!("bad log header ({what})"));
        Stop::Header
    }

    fn line(&mut self, line: &[u8]) -> Result<(), Stop> {
        if self.prev_fields && !line.starts_with(b"#types") {
            return Err(self.header_error("missing #types line"));
        }
        match line.first() {
            Some(b'#') => self.header_line(line),
            Some(b'{') => {
                self.prev_hdr = false;
                self.json_line(line);
                Ok(())
            }
            _ => {
                self.prev_hdr = false;
                self.output(false, line);
                Ok(())
            }
        }
    }

    /// A header line starts a block after data; the block count stops at 2.
    fn enter_header_block(&mut self) {
        if !self.prev_hdr {
            self.prev_hdr = true;
            self.headers_seen = match self.headers_seen {
                ShowHeaders::None => ShowHeaders::First,
                _ => ShowHeaders::All,
            };
        }
    }

    fn header_line(&mut self, line: &[u8]) -> Result<(), Stop> {
        self.enter_header_block();
        if let Some(sep) = line.strip_prefix(b"#separator ") {
            self.ifs =
                parse_separator(sep).ok_or_else(|| self.header_error("invalid #separator line"))?;
            self.ofs = self.o.ofs.unwrap_or(self.ifs);
        } else if line.starts_with(b"#unset_field") {
            // zeek-cut: the value starts after one separator byte.
            match line.get(13..) {
                Some(v) if !v.is_empty() => self.unset = v.to_vec(),
                _ => return Err(self.header_error("invalid #unset_field line")),
            }
        } else if line.starts_with(b"#fields") {
            self.prev_fields = true;
            self.find_output_indexes(line.get(8..).unwrap_or_default());
        } else if line.starts_with(b"#types") {
            if !self.prev_fields {
                return Err(self.header_error("missing #fields line"));
            }
            self.prev_fields = false;
            if self.o.time != TimeConv::Off {
                self.find_time_cols(line.get(7..).unwrap_or_default())?;
            }
        }
        if self.o.headers >= self.headers_seen {
            let fields = line.starts_with(b"#fields");
            let types = line.starts_with(b"#types");
            if fields || (types && !self.o.minimal) {
                self.output(true, line);
            } else if !self.o.minimal {
                self.buf.extend_from_slice(line);
                self.buf.push(b'\n');
            }
        }
        Ok(())
    }

    fn find_output_indexes(&mut self, names: &[u8]) {
        let names: Vec<&[u8]> = names.split(|&b| b == self.ifs).collect();
        self.out_idx.clear();
        let o = self.o;
        if o.columns.is_empty() {
            self.out_idx.extend((0..names.len()).map(Some));
            self.idx_range = names.len();
            return;
        }
        if o.negate {
            let kept = (0..names.len()).filter(|&i| !o.columns.iter().any(|c| c == names[i]));
            self.out_idx.extend(kept.map(Some));
        } else {
            let found = o.columns.iter().map(|c| names.iter().position(|n| n == c));
            self.out_idx.extend(found);
        }
        self.idx_range = self.out_idx.iter().flatten().max().map_or(1, |m| m + 1);
    }

    fn find_time_cols(&mut self, types: &[u8]) -> Result<(), Stop> {
        let types: Vec<&[u8]> = types
            .split(|&b| b == self.ifs)
            .take(self.idx_range)
            .collect();
        if types.len() < self.idx_range {
            self.warn(format_args!("log header does not have enough fields"));
            return Err(Stop::Header);
        }
        self.time_cols = types.iter().map(|t| *t == b"time").collect();
        Ok(())
    }

    /// Splits the first `n` fields of `line` into `self.fields`; false when
    /// it has fewer.
    fn split(&mut self, line: &[u8], n: usize) -> bool {
        self.fields.clear();
        if n == 0 {
            return true;
        }
        // A plain loop: fields are short, a search call per field costs more.
        let mut start = 0;
        for (i, &b) in line.iter().enumerate() {
            if b == self.ifs {
                self.fields.push((start, i));
                if self.fields.len() == n {
                    return true;
                }
                start = i + 1;
            }
        }
        self.fields.push((start, line.len()));
        self.fields.len() == n
    }

    /// Every column in the log's order, unchanged: a data line with just
    /// those fields prints as it is.
    fn prints_lines_unchanged(&self, line: &[u8]) -> bool {
        self.o.columns.is_empty()
            && self.o.time == TimeConv::Off
            && self.ofs == self.ifs
            && memchr::memchr_iter(self.ifs, line).count() + 1 == self.idx_range
    }

    /// zeek-cut's output of one line: data, or a `#fields`/`#types` header.
    fn output(&mut self, hdr: bool, line: &[u8]) {
        if !hdr && self.prints_lines_unchanged(line) {
            self.buf.extend_from_slice(line);
            self.buf.push(b'\n');
            return;
        }
        let h = usize::from(hdr);
        if !self.split(line, self.idx_range + h) {
            self.warn(format_args!("skipping log line (not enough fields)"));
            return;
        }
        let convert_times = self.o.time != TimeConv::Off && !hdr;
        let rename_time_type =
            self.o.time != TimeConv::Off && hdr && span(&self.fields, line, 0) == b"#types";
        let mut first_done = false;
        if hdr && !self.o.minimal {
            let (s, e) = self.fields[0];
            self.buf.extend_from_slice(&line[s..e]);
            first_done = true;
        }
        // Neighbouring fields shown in order are one copy when nothing
        // in them changes.
        let copy_runs = !hdr && !convert_times && self.ofs == self.ifs;
        let mut k = 0;
        while k < self.out_idx.len() {
            if first_done {
                self.buf.push(self.ofs);
            }
            first_done = true;
            let Some(idx) = self.out_idx[k] else {
                k += 1;
                continue;
            };
            k += 1;
            if copy_runs {
                let mut last = idx;
                while k < self.out_idx.len() && self.out_idx[k] == Some(last + 1) {
                    last += 1;
                    k += 1;
                }
                let (start, end) = (self.fields[idx].0, self.fields[last].1);
                self.buf.extend_from_slice(&line[start..end]);
                continue;
            }
            let value = span(&self.fields, line, idx + h);
            if convert_times && self.time_cols.get(idx).copied().unwrap_or(false) {
                self.time_value(value);
            } else if rename_time_type && value == b"time" {
                self.buf.extend_from_slice(b"string");
            } else {
                self.buf.extend_from_slice(value);
            }
        }
        self.buf.push(b'\n');
    }

    /// A time value converted as zeek-cut does, or as it is.
    fn time_value(&mut self, field: &[u8]) {
        let (secs, end) = c_strtol(field);
        if secs < 0 || secs == i64::MAX {
            self.warn(format_args!(
                "time value out-of-range: {}",
                String::from_utf8_lossy(field)
            ));
        } else if field.get(end) != Some(&b'.') {
            if field != self.unset {
                self.warn(format_args!(
                    "time field is not valid: {}",
                    String::from_utf8_lossy(field)
                ));
            }
        } else if let Some((_, text)) = self.last_time.as_ref().filter(|(t, _)| *t == secs) {
            self.buf.extend_from_slice(text);
            return;
        } else if let Some(fmt) = &self.fmt {
            let mut text = Vec::new();
            match fmt.write(secs, &mut text) {
                Ok(()) => {
                    self.buf.extend_from_slice(&text);
                    self.last_time = Some((secs, text));
                    return;
                }
                Err(TimeError::TooLong) => self.warn(format_args!(
                    "failed to convert timestamp (try a shorter format string)"
                )),
                Err(TimeError::OutOfRange) => self.warn(format_args!(
                    "time value out-of-range: {}",
                    String::from_utf8_lossy(field)
                )),
            }
        }
        self.buf.extend_from_slice(field);
    }

    /// A JSON log line, shown as its TSV line would be.
    fn json_line(&mut self, line: &[u8]) {
        let mut obj = std::mem::take(&mut self.json);
        match json::parse_object(line, &mut obj) {
            Ok(()) => self.json_values(&obj),
            Err(e) => self.warn(format_args!("skipping log line ({e})")),
        }
        self.json = obj;
    }

    /// The object's shown fields: (name, value index or None for absent).
    fn json_columns<'o>(&'o self, obj: &'o json::Object) -> Vec<(&'o [u8], Option<usize>)> {
        let cols = &self.o.columns;
        if cols.is_empty() || self.o.negate {
            (0..obj.len())
                .filter(|&i| !cols.iter().any(|c| c == obj.key(i)))
                .map(|i| (obj.key(i), Some(i)))
                .collect()
        } else {
            cols.iter().map(|c| (&c[..], obj.find(c))).collect()
        }
    }

    fn json_values(&mut self, obj: &json::Object) {
        let ofs = self.o.ofs.unwrap_or(b'\t');
        let cols = self.json_columns(obj);
        let cols: Vec<(Vec<u8>, Option<usize>)> =
            cols.into_iter().map(|(n, i)| (n.to_vec(), i)).collect();
        if !self.json_in_input {
            self.json_in_input = true;
            self.prev_hdr = false;
            self.enter_header_block();
            self.prev_hdr = false;
            if self.o.headers >= self.headers_seen {
                if !self.o.minimal {
                    self.buf.extend_from_slice(b"#fields");
                    self.buf.push(ofs);
                }
                let names: Vec<&[u8]> = cols.iter().map(|(n, _)| &n[..]).collect();
                self.buf.extend_from_slice(&names.join(&ofs));
                self.buf.push(b'\n');
            }
        }
        for (k, (name, idx)) in cols.iter().enumerate() {
            if k > 0 {
                self.buf.push(ofs);
            }
            let Some(i) = *idx else {
                self.buf.push(b'-');
                continue;
            };
            let (value, kind) = obj.value(i);
            if self.fmt.is_some() && kind == json::Kind::Number && is_time_name(name) {
                self.time_value(value);
            } else {
                self.buf.extend_from_slice(value);
            }
        }
        self.buf.push(b'\n');
    }
}

fn span<'l>(fields: &[(usize, usize)], line: &'l [u8], i: usize) -> &'l [u8] {
    let (s, e) = fields[i];
    &line[s..e]
}

/// Zeek's time-typed fields by name, for JSON logs that carry no types.
fn is_time_name(name: &[u8]) -> bool {
    name == b"ts"
        || [&b"_ts"[..], b".ts", b"not_valid_before", b"not_valid_after"]
            .iter()
            .any(|s| name.ends_with(s))
}

/// `#separator`'s value: `\xHH` or one character; None for NUL.
fn parse_separator(v: &[u8]) -> Option<u8> {
    let b = match v.strip_prefix(b"\\x") {
        Some(hex) => {
            let digits: Vec<u8> = hex
                .iter()
                .copied()
                .take_while(u8::is_ascii_hexdigit)
                .collect();
            // strtol into a char: the low byte of the value.
            digits.iter().fold(0u8, |acc, d| {
                let v = (*d as char).to_digit(16).unwrap_or(0) as u8;
                acc.wrapping_mul(16).wrapping_add(v)
            })
        }
        None => v.first().copied().unwrap_or(0),
    };
    (b != 0).then_some(b)
}

/// C's `strtol(s, &end, 10)`: leading space, a sign, digits; saturating.
/// Returns the value and the index where parsing stopped (0 without digits).
fn c_strtol(s: &[u8]) -> (i64, usize) {
    let mut i = s
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
        .count();
    let negative = s.get(i) == Some(&b'-');
    if matches!(s.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    let digits = s[i.min(s.len())..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 {
        return (0, 0);
    }
    let mut v: i64 = 0;
    for &d in &s[i..i + digits] {
        let d = i64::from(d - b'0');
        v = match v.checked_mul(10).and_then(|v| {
            if negative {
                v.checked_sub(d)
            } else {
                v.checked_add(d)
            }
        }) {
            Some(v) => v,
            None if negative => i64::MIN,
            None => i64::MAX,
        };
        if v == i64::MIN || v == i64::MAX {
            break;
        }
    }
    (v, i + digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    fn opts(s: &str) -> Options {
        match parse_args(&args(s), None).unwrap() {
            Parsed::Run(o) => o,
            Parsed::Help => panic!("help"),
        }
    }

    #[test]
    fn getopt_permutes_and_clusters() {
        let o = opts("ts -cu uid -F, -- -n");
        assert_eq!(o.headers, ShowHeaders::First);
        assert_eq!(o.time, TimeConv::Utc);
        assert_eq!(o.ofs, Some(b','));
        assert!(!o.negate);
        assert_eq!(o.columns, [&b"ts"[..], b"uid", b"-n"]);
        let o = opts("-D %s -m -Ux");
        assert_eq!(
            (o.time, o.time_format.as_str(), o.minimal),
            (TimeConv::Utc, "x", true)
        );
    }

    #[test]
    fn argument_errors() {
        let err = |s: &str| parse_args(&args(s), None).unwrap_err();
        assert_eq!(err("-x"), "invalid option -- 'x'");
        assert_eq!(err("-F"), "option requires an argument -- 'F'");
        assert_eq!(err("-F ab"), "field separator must be a single character");
        assert_eq!(err("--nope"), "unrecognized option '--nope'");
        assert_eq!(
            parse_args(&args("-d"), Some(String::new())).unwrap_err(),
            "time format string cannot be empty"
        );
        assert_eq!(parse_args(&args("--he"), None), Ok(Parsed::Help));
    }

    #[test]
    fn strtol_like_c() {
        assert_eq!(c_strtol(b"123.5"), (123, 3));
        assert_eq!(c_strtol(b" -4.0"), (-4, 3));
        assert_eq!(c_strtol(b"-"), (0, 0));
        assert_eq!(c_strtol(b".5"), (0, 0));
        assert_eq!(c_strtol(b"99999999999999999999.1").0, i64::MAX);
    }

    #[test]
    fn separators() {
        assert_eq!(parse_separator(b"\\x09"), Some(b'\t'));
        assert_eq!(parse_separator(b"|"), Some(b'|'));
        assert_eq!(parse_separator(b"\\x00"), None);
        assert_eq!(parse_separator(b""), None);
    }
}
