//! The filter expressions of `shrike hunt query`:
//!
//! ```text
//! expr    := or
//! or      := and (("or" | "||") and)*
//! and     := unary (("and" | "&&") unary)*
//! unary   := ("not" | "!") unary | "(" expr ")" | test
//! test    := operand (op operand | "in" set)?
//! op      := == = != < <= > >= contains startswith endswith
//! set     := "(" operand ("," operand)* ")" | operand
//! operand := word | 'quoted' | "quoted"
//! ```
//!
//! A word is a field of the log when the log has it (`id.resp_p`), else a
//! literal (`443`, `10.0.0.1`, `10.0.0.0/8`, `tcp`, `-` for unset); on the
//! left of a test a word that is no number or address must be a field.
//! Values compare as numbers when both are numbers, as addresses when both
//! are addresses, else as text; `in` a network is membership. A test
//! without an operator is true when the field is set and not `F`.

use crate::log::{Row, Value};
use std::cmp::Ordering;
use std::net::IpAddr;

/// Nesting deeper than this is refused (no stack exhaustion).
const MAX_DEPTH: usize = 64;

/// A literal with its readings as a number, an address, a network.
#[derive(Debug, Clone, PartialEq)]
pub struct Literal {
    pub text: Vec<u8>,
    num: Option<f64>,
    ip: Option<IpAddr>,
    net: Option<(IpAddr, u8)>,
}

impl Literal {
    pub fn new(text: &str) -> Literal {
        Literal {
            text: text.as_bytes().to_vec(),
            num: parse_num(text.as_bytes()),
            ip: text.parse().ok(),
            net: parse_net(text),
        }
    }

    fn looks_like_value(&self) -> bool {
        self.num.is_some() || self.ip.is_some() || self.net.is_some() || self.text == b"-"
    }
}

fn parse_num(t: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(t).ok()?;
    // Words like `inf` or `nan` are text here.
    if !s.bytes().next()?.is_ascii_digit() && !s.starts_with(['-', '+', '.']) {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

fn parse_net(s: &str) -> Option<(IpAddr, u8)> {
    let (addr, len) = s.split_once('/')?;
    let addr: IpAddr = addr.parse().ok()?;
    let len: u8 = len.parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    (len <= max).then_some((addr, len))
}

fn in_net(ip: IpAddr, (net, len): (IpAddr, u8)) -> bool {
    let bits = |ip: IpAddr| -> u128 {
        match ip {
            // The address in the top bits, so a prefix masks the same way.
            IpAddr::V4(a) => u128::from(u32::from(a)) << 96,
            IpAddr::V6(a) => u128::from(a),
        }
    };
    if ip.is_ipv4() != net.is_ipv4() {
        return false;
    }
    let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
    (bits(ip) ^ bits(net)) & mask == 0
}

/// One side of a test.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A field if the log has it (index into [`Filter::fields`]), else the literal.
    Word(usize, Literal),
    Quoted(Literal),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
    StartsWith,
    EndsWith,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp(Operand, Op, Operand),
    In(Operand, Vec<Operand>),
    Set(Operand),
}

/// A parsed filter and the words it names that may be fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub expr: Expr,
    pub fields: Vec<String>,
    /// Words that must be fields (left of a test).
    required: Vec<bool>,
}

/// Why an expression does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub at: usize,
    pub msg: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "bad expression at character {}: {}",
            self.at + 1,
            self.msg
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    Comma,
    Op(Op),
    And,
    Or,
    Not,
    In,
    Word(String),
    Quoted(String),
}

fn describe(t: Option<&(usize, Tok)>) -> String {
    match t {
        None => "the end".into(),
        Some((_, Tok::Word(w))) => format!("'{w}'"),
        Some((_, Tok::Quoted(w))) => format!("'{w}' (quoted)"),
        Some((_, t)) => format!("{t:?}").to_lowercase(),
    }
}

fn keyword(w: &str) -> Option<Tok> {
    Some(match w.to_ascii_lowercase().as_str() {
        "and" => Tok::And,
        "or" => Tok::Or,
        "not" => Tok::Not,
        "in" => Tok::In,
        "contains" => Tok::Op(Op::Contains),
        "startswith" => Tok::Op(Op::StartsWith),
        "endswith" => Tok::Op(Op::EndsWith),
        _ => return None,
    })
}

fn tokens(s: &str) -> Result<Vec<(usize, Tok)>, ParseError> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let symbols: &[(&str, Tok)] = &[
        ("==", Tok::Op(Op::Eq)),
        ("!=", Tok::Op(Op::Ne)),
        ("<=", Tok::Op(Op::Le)),
        (">=", Tok::Op(Op::Ge)),
        ("&&", Tok::And),
        ("||", Tok::Or),
        ("=", Tok::Op(Op::Eq)),
        ("<", Tok::Op(Op::Lt)),
        (">", Tok::Op(Op::Gt)),
        ("!", Tok::Not),
        ("(", Tok::LParen),
        (")", Tok::RParen),
        (",", Tok::Comma),
    ];
    'next: while i < b.len() {
        if b[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        for (sym, tok) in symbols {
            if s[i..].starts_with(sym) {
                out.push((i, tok.clone()));
                i += sym.len();
                continue 'next;
            }
        }
        if b[i] == b'\'' || b[i] == b'"' {
            let (text, end) = quoted(s, i)?;
            out.push((i, Tok::Quoted(text)));
            i = end;
            continue;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !b"()=!<>,'\"&|".contains(&b[i]) {
            i += 1;
        }
        if i == start {
            return Err(ParseError {
                at: i,
                msg: format!("unexpected '{}'", &s[i..].chars().next().unwrap_or(' ')),
            });
        }
        let w = &s[start..i];
        out.push((start, keyword(w).unwrap_or_else(|| Tok::Word(w.into()))));
    }
    Ok(out)
}

/// A quoted string from `start` (its quote); backslash escapes the next
/// character. Returns the text and the index after the closing quote.
fn quoted(s: &str, start: usize) -> Result<(String, usize), ParseError> {
    let quote = s.as_bytes()[start] as char;
    let mut text = String::new();
    let mut chars = s[start + 1..].char_indices();
    while let Some((j, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, e)) => text.push(e),
                None => break,
            },
            c if c == quote => return Ok((text, start + 1 + j + 1)),
            c => text.push(c),
        }
    }
    Err(ParseError {
        at: start,
        msg: "unterminated string".into(),
    })
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    end: usize,
    fields: Vec<String>,
    required: Vec<bool>,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(_, t)| t)
    }

    fn fail<T>(&self, expected: &str) -> Result<T, ParseError> {
        let at = self.toks.get(self.pos).map_or(self.end, |(a, _)| *a);
        Err(ParseError {
            at,
            msg: format!(
                "expected {expected}, found {}",
                describe(self.toks.get(self.pos))
            ),
        })
    }

    fn eat(&mut self, t: &Tok) -> bool {
        let hit = self.peek() == Some(t);
        self.pos += usize::from(hit);
        hit
    }

    fn or(&mut self) -> Result<Expr, ParseError> {
        let mut e = self.and()?;
        while self.eat(&Tok::Or) {
            e = Expr::Or(Box::new(e), Box::new(self.and()?));
        }
        Ok(e)
    }

    fn and(&mut self) -> Result<Expr, ParseError> {
        let mut e = self.unary()?;
        while self.eat(&Tok::And) {
            e = Expr::And(Box::new(e), Box::new(self.unary()?));
        }
        Ok(e)
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.fail("less nesting");
        }
        let e = if self.eat(&Tok::Not) {
            Expr::Not(Box::new(self.unary()?))
        } else if self.eat(&Tok::LParen) {
            let e = self.or()?;
            if !self.eat(&Tok::RParen) {
                return self.fail("')'");
            }
            e
        } else {
            self.test()?
        };
        self.depth -= 1;
        Ok(e)
    }

    fn operand(&mut self, required: bool) -> Result<Operand, ParseError> {
        let op = match self.peek() {
            Some(Tok::Word(w)) if Literal::new(w).looks_like_value() => {
                Operand::Quoted(Literal::new(w))
            }
            Some(Tok::Word(w)) => {
                let lit = Literal::new(w);
                let i = match self.fields.iter().position(|f| f == w) {
                    Some(i) => i,
                    None => {
                        self.fields.push(w.clone());
                        self.required.push(false);
                        self.fields.len() - 1
                    }
                };
                self.required[i] |= required;
                Operand::Word(i, lit)
            }
            Some(Tok::Quoted(q)) => Operand::Quoted(Literal::new(q)),
            _ => return self.fail("a field or a value"),
        };
        self.pos += 1;
        Ok(op)
    }

    fn test(&mut self) -> Result<Expr, ParseError> {
        let left = self.operand(true)?;
        match self.peek() {
            Some(Tok::Op(op)) => {
                let op = *op;
                self.pos += 1;
                Ok(Expr::Cmp(left, op, self.operand(false)?))
            }
            Some(Tok::In) => {
                self.pos += 1;
                Ok(Expr::In(left, self.set()?))
            }
            _ => Ok(Expr::Set(left)),
        }
    }

    fn set(&mut self) -> Result<Vec<Operand>, ParseError> {
        if !self.eat(&Tok::LParen) {
            return Ok(vec![self.operand(false)?]);
        }
        let mut items = vec![self.operand(false)?];
        while self.eat(&Tok::Comma) {
            items.push(self.operand(false)?);
        }
        if !self.eat(&Tok::RParen) {
            return self.fail("',' or ')'");
        }
        Ok(items)
    }
}

impl Filter {
    pub fn parse(s: &str) -> Result<Filter, ParseError> {
        let mut p = Parser {
            toks: tokens(s)?,
            pos: 0,
            end: s.len(),
            fields: Vec::new(),
            required: Vec::new(),
            depth: 0,
        };
        let expr = p.or()?;
        if p.pos < p.toks.len() {
            return p.fail("'and', 'or' or the end");
        }
        Ok(Filter {
            expr,
            fields: p.fields,
            required: p.required,
        })
    }

    /// The first word that must be a field but is not among `resolved`.
    pub fn unknown_field(&self, resolved: &[Option<usize>]) -> Option<&str> {
        (0..self.fields.len())
            .find(|&i| self.required[i] && resolved.get(i).copied().flatten().is_none())
            .map(|i| self.fields[i].as_str())
    }

    /// Whether the row passes; `idx` resolves [`Filter::fields`].
    pub fn matches(&self, row: &Row, idx: &[Option<usize>]) -> bool {
        eval(&self.expr, row, idx)
    }
}

/// A value to compare: text and whether it is unset.
struct Val<'a> {
    text: &'a [u8],
    set: bool,
    lit: Option<&'a Literal>,
}

impl Val<'_> {
    fn num(&self) -> Option<f64> {
        match self.lit {
            Some(l) => l.num,
            None => parse_num(self.text),
        }
    }

    fn ip(&self) -> Option<IpAddr> {
        match self.lit {
            Some(l) => l.ip,
            None => std::str::from_utf8(self.text).ok()?.parse().ok(),
        }
    }
}

fn value<'a>(o: &'a Operand, row: &Row<'a>, idx: &[Option<usize>]) -> Val<'a> {
    match o {
        Operand::Word(i, lit) => match idx.get(*i).copied().flatten() {
            Some(col) => {
                let v = row.get(col);
                Val {
                    text: v.shown(),
                    set: !matches!(v, Value::Unset),
                    lit: None,
                }
            }
            None => Val {
                text: &lit.text,
                set: true,
                lit: Some(lit),
            },
        },
        Operand::Quoted(lit) => Val {
            text: &lit.text,
            set: true,
            lit: Some(lit),
        },
    }
}

fn order(a: &Val, b: &Val) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (a.num(), b.num()) {
        return x.partial_cmp(&y);
    }
    if let (Some(x), Some(y)) = (a.ip(), b.ip()) {
        return Some(x.cmp(&y));
    }
    (a.set && b.set).then(|| a.text.cmp(b.text))
}

fn equal(a: &Val, b: &Val) -> bool {
    if let (Some(x), Some(y)) = (a.num(), b.num()) {
        return x == y;
    }
    if let (Some(x), Some(y)) = (a.ip(), b.ip()) {
        return x == y;
    }
    a.text == b.text
}

fn compare(a: &Val, op: Op, b: &Val) -> bool {
    match op {
        Op::Eq => equal(a, b),
        Op::Ne => !equal(a, b),
        Op::Lt => order(a, b) == Some(Ordering::Less),
        Op::Le => matches!(order(a, b), Some(Ordering::Less | Ordering::Equal)),
        Op::Gt => order(a, b) == Some(Ordering::Greater),
        Op::Ge => matches!(order(a, b), Some(Ordering::Greater | Ordering::Equal)),
        Op::Contains => a.set && memchr::memmem::find(a.text, b.text).is_some(),
        Op::StartsWith => a.set && a.text.starts_with(b.text),
        Op::EndsWith => a.set && a.text.ends_with(b.text),
    }
}

fn member(a: &Val, item: &Val) -> bool {
    match (item.lit.and_then(|l| l.net), a.ip()) {
        (Some(net), Some(ip)) => in_net(ip, net),
        _ => equal(a, item),
    }
}

fn eval(e: &Expr, row: &Row, idx: &[Option<usize>]) -> bool {
    match e {
        Expr::Or(a, b) => eval(a, row, idx) || eval(b, row, idx),
        Expr::And(a, b) => eval(a, row, idx) && eval(b, row, idx),
        Expr::Not(a) => !eval(a, row, idx),
        Expr::Cmp(a, op, b) => compare(&value(a, row, idx), *op, &value(b, row, idx)),
        Expr::In(a, set) => {
            let a = value(a, row, idx);
            set.iter().any(|s| member(&a, &value(s, row, idx)))
        }
        Expr::Set(a) => {
            let v = value(a, row, idx);
            v.set && v.text != b"F"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::{Columns, LogReader};

    const LOG: &str = "#fields\tts\tduration\tid.resp_h\tid.resp_p\tproto\tservice\tlocal_orig\torig_bytes\tresp_bytes\n\
        1.0\t4000.5\t10.1.2.3\t443\ttcp\tssl\tT\t100\t50\n\
        2.0\t12.0\t8.8.8.8\t53\tudp\tdns\tF\t40\t80\n\
        3.0\t-\t2001:db8::1\t80\ttcp\t-\tF\t-\t-\n";

    fn hits(expr: &str) -> Vec<String> {
        let f = Filter::parse(expr).unwrap();
        let mut cols = Columns::new(&f.fields);
        let mut out = Vec::new();
        LogReader::new()
            .read_bytes(LOG.as_bytes(), &mut |row| {
                let idx = cols.resolve(row.header).to_vec();
                assert_eq!(f.unknown_field(&idx), None);
                if f.matches(row, &idx) {
                    out.push(String::from_utf8_lossy(row.get(0).shown()).into_owned());
                }
                Ok(())
            })
            .unwrap();
        out
    }

    #[test]
    fn comparisons_and_logic() {
        assert_eq!(hits("duration > 3600 and id.resp_p == 443"), ["1.0"]);
        assert_eq!(hits("duration > 3600 or proto = udp"), ["1.0", "2.0"]);
        assert_eq!(hits("not (proto == tcp)"), ["2.0"]);
        assert_eq!(hits("!local_orig"), ["2.0", "3.0"]);
        assert_eq!(hits("local_orig"), ["1.0"]);
        assert_eq!(hits("duration <= 12"), ["2.0"]);
        assert_eq!(hits("service == -"), ["3.0"]);
        assert_eq!(hits("orig_bytes < resp_bytes"), ["2.0"]);
    }

    #[test]
    fn sets_networks_and_text() {
        assert_eq!(hits("id.resp_p in (53, 80)"), ["2.0", "3.0"]);
        assert_eq!(hits("id.resp_h in 10.0.0.0/8"), ["1.0"]);
        assert_eq!(
            hits("id.resp_h in (2001:db8::/32, 8.8.8.0/24)"),
            ["2.0", "3.0"]
        );
        assert_eq!(hits("id.resp_h > 9.0.0.0 && id.resp_h < 11.0.0.0"), ["1.0"]);
        assert_eq!(hits("service contains 's'"), ["1.0", "2.0"]);
        assert_eq!(
            hits("service STARTSWITH \"d\" || service endswith l"),
            ["1.0", "2.0"]
        );
    }

    #[test]
    fn unknown_fields_are_named() {
        let f = Filter::parse("durations > 3 and proto == tcp").unwrap();
        let idx = [None, Some(4), None];
        assert_eq!(f.unknown_field(&idx), Some("durations"));
        // Literals on the right are not fields.
        assert_eq!(f.fields, ["durations", "proto", "tcp"]);
    }

    #[test]
    fn errors_point_at_the_problem() {
        let err = |s: &str| Filter::parse(s).unwrap_err().to_string();
        assert_eq!(
            err("duration >"),
            "bad expression at character 11: expected a field or a value, found the end"
        );
        assert_eq!(
            err("(a == 1"),
            "bad expression at character 8: expected ')', found the end"
        );
        assert_eq!(
            err("a == 1 b"),
            "bad expression at character 8: expected 'and', 'or' or the end, found 'b'"
        );
        assert_eq!(
            err("a == 'x"),
            "bad expression at character 6: unterminated string"
        );
        assert_eq!(
            err("a in (1,"),
            "bad expression at character 9: expected a field or a value, found the end"
        );
        assert_eq!(
            err("a & b"),
            "bad expression at character 3: unexpected '&'"
        );
        assert!(err(&"(".repeat(100)).contains("less nesting"));
    }
}
