//! A reader for the subset of the Zeek language found in site configuration
//! scripts (`local.zeek`): `@load` lines and `redef` statements. Everything
//! else (event handlers, functions, `@if` blocks, ...) is skipped and listed.

use crate::net::Cidr;
use crate::ConfigError;
use std::net::IpAddr;

/// A transport protocol of a port value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Proto {
    Tcp,
    Udp,
    Icmp,
    Unknown,
}

impl Proto {
    /// IP protocol number (0 for `unknown`).
    pub fn number(self) -> u8 {
        match self {
            Proto::Tcp => 6,
            Proto::Udp => 17,
            Proto::Icmp => 1,
            Proto::Unknown => 0,
        }
    }
}

/// A Zeek constant value.
#[derive(Debug, Clone, PartialEq)]
pub enum ZValue {
    Bool(bool),
    Count(u64),
    Int(i64),
    Double(f64),
    /// Nanoseconds.
    Interval(i64),
    /// Bytes, escapes resolved.
    String(Vec<u8>),
    Port(u16, Proto),
    Addr(IpAddr),
    Subnet(Cidr),
    /// An identifier, e.g. `Analyzer::ANALYZER_HTTP`, `ALL_HOSTS`.
    Enum(String),
    /// `{ a, b, }` or `set(a, b)`.
    Set(Vec<ZValue>),
    /// `{ [k] = v, ... }`: (key, value) pairs.
    Table(Vec<(ZValue, ZValue)>),
    /// Anything not modelled (tables, records, expressions): the text.
    Raw(String),
}

/// `=`, `+=` or `-=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Assign,
    Add,
    Remove,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Redef {
    pub name: String,
    pub op: Op,
    pub value: ZValue,
    /// 1-based line of the statement's start.
    pub line: usize,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ZeekScript {
    pub loads: Vec<String>,
    pub redefs: Vec<Redef>,
    /// Skipped constructs: `"line N: <first line of it>"`.
    pub ignored: Vec<String>,
}

struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
    line: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }
    fn bump(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.pos += 1;
        if c == b'\n' {
            self.line += 1;
        }
        Some(c)
    }
    fn skip_to_eol(&mut self) {
        while let Some(c) = self.peek() {
            if c == b'\n' {
                break;
            }
            self.pos += 1;
        }
    }
    /// Skips whitespace and comments.
    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_ascii_whitespace() {
                self.bump();
            } else if c == b'#' {
                self.skip_to_eol();
            } else {
                break;
            }
        }
    }
    fn rest_of_line(&mut self) -> &'a str {
        let start = self.pos;
        self.skip_to_eol();
        std::str::from_utf8(&self.s[start..self.pos]).unwrap_or("")
    }
    fn starts_with_word(&self, w: &str) -> bool {
        let r = &self.s[self.pos..];
        r.starts_with(w.as_bytes())
            && r.get(w.len())
                .is_none_or(|c| !(c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-'))
    }
    /// Skips a string literal starting at the current `"`.
    fn skip_string(&mut self) {
        self.bump();
        while let Some(c) = self.bump() {
            match c {
                b'\\' => {
                    self.bump();
                }
                b'"' => return,
                _ => {}
            }
        }
    }
    /// The source text from `from` to the cursor.
    fn text(&self, from: usize) -> &'a str {
        std::str::from_utf8(&self.s[from..self.pos]).unwrap_or("")
    }
}

fn first_line(s: &str) -> String {
    let l = s.lines().next().unwrap_or("").trim();
    let mut out: String = l.chars().take(80).collect();
    if l.chars().count() > 80 {
        out.push('…');
    }
    out
}

/// Skips one generic statement: up to a `;` at depth 0, or the `}` that
/// closes a block opened at depth 0. Returns false at end of input with
/// unclosed brackets.
fn skip_statement(c: &mut Cursor) -> bool {
    let mut depth: i64 = 0;
    let mut saw_block = false;
    while let Some(ch) = c.peek() {
        match ch {
            b'"' => {
                c.skip_string();
                continue;
            }
            b'#' => {
                c.skip_to_eol();
                continue;
            }
            b'{' | b'(' | b'[' => depth += 1,
            b'}' | b')' | b']' => {
                depth -= 1;
                if ch == b'}' && depth <= 0 {
                    saw_block = true;
                }
            }
            b';' if depth <= 0 => {
                c.bump();
                return true;
            }
            _ => {}
        }
        c.bump();
        if saw_block && depth <= 0 {
            // `{ ... }` closed: a following `;` belongs to it.
            let save = (c.pos, c.line);
            c.skip_ws();
            if c.peek() == Some(b';') {
                c.bump();
            } else {
                c.pos = save.0;
                c.line = save.1;
            }
            return true;
        }
    }
    depth <= 0
}

/// Skips an `@if`/`@ifdef`/`@ifndef` block up to its matching `@endif`.
fn skip_conditional(c: &mut Cursor) {
    let mut depth = 0usize;
    loop {
        c.skip_ws();
        if c.peek().is_none() {
            return;
        }
        if c.peek() == Some(b'@') {
            if c.starts_with_word("@if")
                || c.starts_with_word("@ifdef")
                || c.starts_with_word("@ifndef")
            {
                depth += 1;
            } else if c.starts_with_word("@endif") {
                depth = depth.saturating_sub(1);
                c.skip_to_eol();
                if depth == 0 {
                    return;
                }
                continue;
            }
            c.skip_to_eol();
            continue;
        }
        if c.peek() == Some(b'"') {
            c.skip_string();
        } else {
            c.bump();
        }
    }
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Parses a Zeek script. Errors only on a malformed `redef` statement.
pub fn parse_zeek_script(text: &str) -> Result<ZeekScript, ConfigError> {
    let mut c = Cursor {
        s: text.as_bytes(),
        pos: 0,
        line: 1,
    };
    let mut out = ZeekScript::default();
    loop {
        c.skip_ws();
        let Some(ch) = c.peek() else { break };
        let line = c.line;
        let start = c.pos;
        if ch == b';' {
            c.bump();
            continue;
        }
        if ch == b'@' {
            if c.starts_with_word("@load") {
                c.pos += 5;
                let rest = c.rest_of_line();
                let rest = rest.split('#').next().unwrap_or("").trim();
                if rest.is_empty() {
                    out.ignored
                        .push(format!("line {line}: @load without a script"));
                } else {
                    out.loads.push(rest.to_string());
                }
            } else if c.starts_with_word("@if")
                || c.starts_with_word("@ifdef")
                || c.starts_with_word("@ifndef")
            {
                let head = first_line(c.rest_of_line());
                c.pos = start;
                c.line = line;
                skip_conditional(&mut c);
                out.ignored
                    .push(format!("line {line}: {head} (conditional block)"));
            } else {
                let l = c.rest_of_line();
                out.ignored.push(format!("line {line}: {}", first_line(l)));
            }
            continue;
        }
        if c.starts_with_word("redef") {
            c.pos += 5;
            c.skip_ws();
            if c.starts_with_word("record") || c.starts_with_word("enum") {
                c.pos = start;
                c.line = line;
                skip_statement(&mut c);
                out.ignored
                    .push(format!("line {line}: {}", first_line(c.text(start))));
                continue;
            }
            let redef = parse_redef(&mut c, line)?;
            out.redefs.push(redef);
            continue;
        }
        // Anything else: skip one statement.
        if !skip_statement(&mut c) {
            out.ignored.push(format!(
                "line {line}: {} (unterminated)",
                first_line(c.text(start))
            ));
            break;
        }
        let t = c.text(start);
        if t.trim().is_empty() {
            // Stray closing bracket etc.: make progress.
            c.bump();
            continue;
        }
        out.ignored.push(format!("line {line}: {}", first_line(t)));
        if c.pos == start {
            c.bump();
        }
    }
    Ok(out)
}

fn parse_redef(c: &mut Cursor, line: usize) -> Result<Redef, ConfigError> {
    let name_start = c.pos;
    while let Some(b) = c.peek() {
        if is_ident_byte(b) || b == b':' {
            c.pos += 1;
        } else {
            break;
        }
    }
    let name = c.text(name_start).to_string();
    if name.is_empty() || name.starts_with(':') || name.ends_with(':') || name.contains(":::") {
        return Err(ConfigError::new(line, "redef: expected a name".to_string()));
    }
    c.skip_ws();
    let op = match (c.peek(), c.s.get(c.pos + 1).copied()) {
        (Some(b'+'), Some(b'=')) => {
            c.pos += 2;
            Op::Add
        }
        (Some(b'-'), Some(b'=')) => {
            c.pos += 2;
            Op::Remove
        }
        (Some(b'='), _) => {
            c.pos += 1;
            Op::Assign
        }
        _ => {
            return Err(ConfigError::new(
                line,
                format!("redef {name}: expected '=', '+=' or '-='"),
            ))
        }
    };
    // The value runs to the `;` at depth 0.
    let mut stack: Vec<u8> = Vec::new();
    let mut vtext: Vec<u8> = Vec::new();
    loop {
        let Some(ch) = c.peek() else {
            return Err(ConfigError::new(
                line,
                format!("redef {name}: missing ';' at the end of the statement"),
            ));
        };
        match ch {
            b'"' => {
                let s = c.pos;
                c.skip_string();
                vtext.extend_from_slice(&c.s[s..c.pos]);
                continue;
            }
            b'#' => {
                c.skip_to_eol();
                continue;
            }
            b'{' => stack.push(b'}'),
            b'(' => stack.push(b')'),
            b'[' => stack.push(b']'),
            b'}' | b')' | b']' if stack.pop() != Some(ch) => {
                return Err(ConfigError::new(
                    line,
                    format!("redef {name}: unbalanced '{}'", ch as char),
                ));
            }
            b';' if stack.is_empty() => {
                c.bump();
                break;
            }
            _ => {}
        }
        c.bump();
        vtext.push(ch);
    }
    let vtext = String::from_utf8_lossy(&vtext);
    // Attributes (`&redef`, `&log`) after the value are not part of it.
    let v = strip_attrs(vtext.trim());
    if v.is_empty() {
        return Err(ConfigError::new(
            line,
            format!("redef {name}: missing value"),
        ));
    }
    Ok(Redef {
        name,
        op,
        value: parse_value(v),
        line,
    })
}

/// Drops trailing `&attr` / `&attr=x` items outside strings and brackets.
fn strip_attrs(v: &str) -> &str {
    let b = v.as_bytes();
    let mut depth = 0i64;
    let mut in_str = false;
    let mut i = 0;
    while i < b.len() {
        let ch = b[i];
        if in_str {
            if ch == b'\\' {
                i += 1;
            } else if ch == b'"' {
                in_str = false;
            }
        } else {
            match ch {
                b'"' => in_str = true,
                b'{' | b'(' | b'[' => depth += 1,
                b'}' | b')' | b']' => depth -= 1,
                b'&' if depth == 0 && b.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic()) => {
                    return v[..i].trim_end();
                }
                _ => {}
            }
        }
        i += 1;
    }
    v
}

/// Splits at commas at depth 0 outside strings.
fn split_top(s: &str) -> Vec<&str> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0i64;
    let mut in_str = false;
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        let ch = b[i];
        if in_str {
            if ch == b'\\' {
                i += 1;
            } else if ch == b'"' {
                in_str = false;
            }
        } else {
            match ch {
                b'"' => in_str = true,
                b'{' | b'(' | b'[' => depth += 1,
                b'}' | b')' | b']' => depth -= 1,
                b',' if depth == 0 => {
                    out.push(&s[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        i += 1;
    }
    out.push(&s[start.min(s.len())..]);
    out
}

fn parse_collection(inner: &str, raw: &str) -> ZValue {
    let parts: Vec<&str> = split_top(inner)
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if !parts.is_empty() && parts.iter().all(|p| p.starts_with('[')) {
        return parse_table(&parts).unwrap_or_else(|| ZValue::Raw(raw.to_string()));
    }
    let mut items = Vec::new();
    for part in parts {
        let p = part.trim();
        if p.is_empty() {
            continue;
        }
        match parse_value(p) {
            ZValue::Raw(_) => return ZValue::Raw(raw.to_string()),
            v => items.push(v),
        }
    }
    ZValue::Set(items)
}

/// Table entries `[key] = value` (one-element keys).
fn parse_table(parts: &[&str]) -> Option<ZValue> {
    let mut entries = Vec::new();
    for part in parts {
        let close = index_end(part)?;
        let key = parse_value(&part[1..close]);
        let value = part[close + 1..].trim_start().strip_prefix('=')?;
        match (key, parse_value(value)) {
            (ZValue::Raw(_), _) | (_, ZValue::Raw(_)) => return None,
            (k, v) => entries.push((k, v)),
        }
    }
    Some(ZValue::Table(entries))
}

/// The position of the `]` closing the `[` at the start of `s`, outside
/// strings.
fn index_end(s: &str) -> Option<usize> {
    let mut in_str = false;
    let mut escaped = false;
    for (i, ch) in s.bytes().enumerate() {
        match (in_str, ch) {
            (true, _) if escaped => escaped = false,
            (true, b'\\') => escaped = true,
            (_, b'"') => in_str = !in_str,
            (false, b']') => return Some(i),
            _ => {}
        }
    }
    None
}

/// Parses a string literal's body with Zeek's escapes.
fn parse_string(body: &str) -> Option<Vec<u8>> {
    let b = body.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let ch = b[i];
        if ch == b'"' {
            return None;
        }
        if ch != b'\\' {
            out.push(ch);
            i += 1;
            continue;
        }
        i += 1;
        let e = *b.get(i)?;
        i += 1;
        match e {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'a' => out.push(7),
            b'v' => out.push(11),
            b'x' => {
                let mut v: u32 = 0;
                let mut n = 0;
                while n < 2 && i < b.len() && b[i].is_ascii_hexdigit() {
                    v = v * 16 + (b[i] as char).to_digit(16).unwrap_or(0);
                    i += 1;
                    n += 1;
                }
                if n == 0 {
                    return None;
                }
                out.push(v as u8);
            }
            b'0'..=b'7' => {
                let mut v: u32 = (e - b'0') as u32;
                let mut n = 1;
                while n < 3 && i < b.len() && (b'0'..=b'7').contains(&b[i]) {
                    v = v * 8 + (b[i] - b'0') as u32;
                    i += 1;
                    n += 1;
                }
                out.push(v as u8);
            }
            other => out.push(other),
        }
    }
    Some(out)
}

fn parse_interval(s: &str) -> Option<i64> {
    let split = s
        .find(|c: char| c.is_ascii_alphabetic())
        .filter(|&p| p > 0)?;
    let (num, unit) = s.split_at(split);
    let num = num.trim();
    if num.is_empty()
        || !num
            .bytes()
            .all(|c| c.is_ascii_digit() || c == b'.' || c == b'-' || c == b'+')
    {
        return None;
    }
    let n: f64 = num.parse().ok()?;
    let mult: f64 = match unit.trim() {
        "usec" | "usecs" => 1e3,
        "msec" | "msecs" => 1e6,
        "sec" | "secs" => 1e9,
        "min" | "mins" => 60e9,
        "hr" | "hrs" => 3600e9,
        "day" | "days" => 86400e9,
        _ => return None,
    };
    let v = n * mult;
    if !v.is_finite() || v.abs() > 9.2e18 {
        return None;
    }
    Some(v.round() as i64)
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.split("::").all(|p| {
            let b = p.as_bytes();
            !b.is_empty()
                && (b[0].is_ascii_alphabetic() || b[0] == b'_')
                && b.iter().all(|c| is_ident_byte(*c))
        })
}

/// Parses one value's text (see [`ZValue`]); never fails: what it cannot
/// model is kept as `Raw`.
pub fn parse_value(text: &str) -> ZValue {
    let s = text.trim();
    let raw = || ZValue::Raw(s.to_string());
    if s.is_empty() {
        return raw();
    }
    if let Some(inner) = s.strip_prefix('{').and_then(|x| x.strip_suffix('}')) {
        return parse_collection(inner, s);
    }
    if let Some(inner) = s.strip_prefix("set(").and_then(|x| x.strip_suffix(')')) {
        return parse_collection(inner, s);
    }
    if let Some(body) = s.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
        if s.len() >= 2 {
            return parse_string(body).map(ZValue::String).unwrap_or_else(raw);
        }
    }
    match s {
        "T" => return ZValue::Bool(true),
        "F" => return ZValue::Bool(false),
        _ => {}
    }
    if let Some((num, proto)) = s.split_once('/') {
        let proto = match proto.trim() {
            "tcp" => Some(Proto::Tcp),
            "udp" => Some(Proto::Udp),
            "icmp" => Some(Proto::Icmp),
            "unknown" => Some(Proto::Unknown),
            _ => None,
        };
        if let Some(p) = proto {
            return match num.trim().parse::<u16>() {
                Ok(n) => ZValue::Port(n, p),
                Err(_) => raw(),
            };
        }
        if let Some(c) = Cidr::parse(s) {
            return ZValue::Subnet(c);
        }
        return raw();
    }
    let bare = s
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .unwrap_or(s);
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return ZValue::Addr(ip);
    }
    if let Some(ns) = parse_interval(s) {
        return ZValue::Interval(ns);
    }
    if let Some(h) = s.strip_prefix("0x") {
        if let Ok(n) = u64::from_str_radix(h, 16) {
            return ZValue::Count(n);
        }
    }
    if s.bytes().all(|c| c.is_ascii_digit()) {
        if let Ok(n) = s.parse::<u64>() {
            return ZValue::Count(n);
        }
    }
    if (s.starts_with('-') || s.starts_with('+')) && s[1..].bytes().all(|c| c.is_ascii_digit()) {
        if let Ok(n) = s.parse::<i64>() {
            return ZValue::Int(n);
        }
    }
    if s.bytes().any(|c| c.is_ascii_digit())
        && s.bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'-' | b'+'))
    {
        if let Ok(d) = s.parse::<f64>() {
            return ZValue::Double(d);
        }
    }
    if is_ident(s) {
        return ZValue::Enum(s.to_string());
    }
    raw()
}
