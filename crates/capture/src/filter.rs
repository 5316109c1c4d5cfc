//! Capture filters in pcap-filter syntax, evaluated in pure Rust on the
//! common subset: `host`/`net`/`port`/`portrange` with `src`/`dst`,
//! protocols (`ip`, `ip6`, `tcp`, `udp`, `icmp`, `icmp6`, `arp`, `sctp`,
//! `proto N`), `ether host`, `vlan [id]`, `mpls [label]`, `greater`/`less`,
//! byte tests such as `tcp[tcpflags] & (tcp-syn|tcp-fin) != 0`, and
//! `and`/`or`/`not` with parentheses.
//!
//! As in libpcap, `and` and `or` have equal precedence and associate to the
//! left, and a `vlan` or `mpls` test shifts the offsets of everything after
//! it by the size of that header.

use std::net::IpAddr;

/// A compiled capture filter.
#[derive(Debug)]
pub struct Filter {
    kind: Evaluator,
}

#[derive(Debug)]
enum Evaluator {
    Native(Expr),
    /// Compiled by libpcap (the `libpcap` feature): what the pure-Rust
    /// subset does not cover.
    #[cfg(feature = "libpcap")]
    Libpcap(crate::filter_libpcap::Programs),
}

/// A filter expression that does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    pub filter: String,
    pub position: usize,
    pub message: String,
}

impl std::fmt::Display for FilterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "bad filter '{}': {} at position {}",
            self.filter, self.message, self.position
        )
    }
}

impl std::error::Error for FilterError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dir {
    Src,
    Dst,
    Either,
    Both,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Proto {
    Ether,
    Ip,
    Ip6,
    Arp,
    Tcp,
    Udp,
    Icmp,
    Icmp6,
    Sctp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CmpOp {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

#[derive(Debug, Clone)]
enum Arith {
    Num(u32),
    Load {
        base: Proto,
        offset: Box<Arith>,
        size: u8,
    },
    Len,
    Bin(char, Box<Arith>, Box<Arith>),
}

#[derive(Debug, Clone)]
enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Proto(Proto),
    IpProto(Option<Proto>, u8),
    Host(Dir, IpAddr),
    Net(Dir, IpAddr, u8),
    EtherHost(Dir, [u8; 6]),
    Port(Dir, Option<Proto>, u16, u16),
    Vlan(Option<u16>),
    Mpls(Option<u32>),
    Len(CmpOp, u32),
    Cmp(Arith, CmpOp, Arith),
}

impl Filter {
    /// Parse a filter expression (with the `libpcap` feature, libpcap
    /// compiles what the pure-Rust subset does not understand).
    pub fn compile(text: &str) -> Result<Filter, FilterError> {
        match Self::compile_native(text) {
            Ok(f) => Ok(f),
            #[cfg(feature = "libpcap")]
            Err(native) => crate::filter_libpcap::Programs::compile(text)
                .map(|p| Filter {
                    kind: Evaluator::Libpcap(p),
                })
                .map_err(|message| FilterError {
                    message: format!("{} (libpcap: {message})", native.message),
                    ..native
                }),
            #[cfg(not(feature = "libpcap"))]
            Err(e) => Err(e),
        }
    }

    /// Parse a filter expression with the pure-Rust evaluator only.
    pub fn compile_native(text: &str) -> Result<Filter, FilterError> {
        let tokens = tokenize(text).map_err(|(position, message)| FilterError {
            filter: text.to_string(),
            position,
            message,
        })?;
        let mut p = Parser {
            tokens,
            pos: 0,
            last: None,
        };
        let expr = p.expr().and_then(|e| {
            if p.pos < p.tokens.len() {
                Err(p.err("unexpected token"))
            } else {
                Ok(e)
            }
        });
        expr.map(|expr| Filter {
            kind: Evaluator::Native(expr),
        })
        .map_err(|(position, message)| FilterError {
            filter: text.to_string(),
            position,
            message,
        })
    }

    /// Whether a packet of link type `linktype` passes the filter.
    pub fn matches(&self, linktype: u32, data: &[u8]) -> bool {
        match &self.kind {
            Evaluator::Native(expr) => {
                let Some(mut pkt) = Pkt::new(linktype, data) else {
                    return false;
                };
                eval(expr, &mut pkt)
            }
            #[cfg(feature = "libpcap")]
            Evaluator::Libpcap(p) => p.matches(linktype, data),
        }
    }
}

// ---------------------------------------------------------------- tokens

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Num(u32),
    Sym(&'static str),
}

fn tokenize(s: &str) -> Result<Vec<(usize, Tok)>, (usize, String)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut brackets = 0usize;
    const SYMS: &[&str] = &[
        "&&", "||", "!=", "<=", ">=", "==", "(", ")", "[", "]", ":", "!", "&", "|", "=", "<", ">",
        "+", "*", "/",
    ];
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if let Some(sym) = SYMS
            .iter()
            .find(|s| s.as_bytes() == b.get(i..i + s.len()).unwrap_or(&[]))
        {
            match *sym {
                "[" => brackets += 1,
                "]" => brackets = brackets.saturating_sub(1),
                _ => {}
            }
            out.push((i, Tok::Sym(sym)));
            i += sym.len();
            continue;
        }
        let start = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b"._-/:".contains(&b[i])) {
            // ':' only inside a word (IPv6 or MAC), never as the slice
            // separator of `proto[offset:size]`.
            if b[i] == b':'
                && (brackets > 0 || !(i + 1 < b.len() && b[i + 1].is_ascii_hexdigit() && i > start))
            {
                break;
            }
            i += 1;
        }
        if i == start {
            return Err((i, format!("unexpected character '{}'", c as char)));
        }
        let w = &s[start..i];
        let tok = if let Some(hex) = w.strip_prefix("0x") {
            u32::from_str_radix(hex, 16)
                .map(Tok::Num)
                .unwrap_or_else(|_| Tok::Word(w.into()))
        } else if w.bytes().all(|c| c.is_ascii_digit()) {
            w.parse()
                .map(Tok::Num)
                .map_err(|_| (start, "number too large".to_string()))?
        } else if w == "-" {
            Tok::Sym("-")
        } else {
            Tok::Word(w.to_string())
        };
        out.push((start, tok));
    }
    Ok(out)
}

// ---------------------------------------------------------------- parser

type PResult<T> = Result<T, (usize, String)>;

/// The kind of the last primitive, so `host a or b` means `host a or host b`.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Host(Dir, Option<Proto>),
    Net(Dir),
    Port(Dir, Option<Proto>),
}

struct Parser {
    tokens: Vec<(usize, Tok)>,
    pos: usize,
    last: Option<Kind>,
}

fn proto_named(w: &str) -> Option<Proto> {
    Some(match w {
        "ether" => Proto::Ether,
        "ip" => Proto::Ip,
        "ip6" => Proto::Ip6,
        "arp" => Proto::Arp,
        "tcp" => Proto::Tcp,
        "udp" => Proto::Udp,
        "icmp" => Proto::Icmp,
        "icmp6" => Proto::Icmp6,
        "sctp" => Proto::Sctp,
        _ => return None,
    })
}

fn constant(w: &str) -> Option<u32> {
    Some(match w {
        "tcpflags" => 13,
        "tcp-fin" => 0x01,
        "tcp-syn" => 0x02,
        "tcp-rst" => 0x04,
        "tcp-push" => 0x08,
        "tcp-ack" => 0x10,
        "tcp-urg" => 0x20,
        "tcp-ece" => 0x40,
        "tcp-cwr" => 0x80,
        "icmptype" => 0,
        "icmpcode" => 1,
        "icmp-echoreply" => 0,
        "icmp-unreach" => 3,
        "icmp-redirect" => 5,
        "icmp-echo" => 8,
        "icmp-timxceed" => 11,
        _ => return None,
    })
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|(_, t)| t)
    }
    fn here(&self) -> usize {
        self.tokens
            .get(self.pos)
            .map(|(p, _)| *p)
            .unwrap_or_else(|| self.tokens.last().map(|(p, _)| p + 1).unwrap_or(0))
    }
    fn err(&self, m: &str) -> (usize, String) {
        (self.here(), m.to_string())
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.tokens.get(self.pos).map(|(_, t)| t.clone());
        self.pos += 1;
        t
    }
    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(x)) if x == w)
    }
    fn is_sym(&self, s: &str) -> bool {
        matches!(self.peek(), Some(Tok::Sym(x)) if *x == s)
    }

    fn expr(&mut self) -> PResult<Expr> {
        let mut left = self.term()?;
        loop {
            if self.is_word("and") || self.is_sym("&&") {
                self.pos += 1;
                left = Expr::And(Box::new(left), Box::new(self.term()?));
            } else if self.is_word("or") || self.is_sym("||") {
                self.pos += 1;
                left = Expr::Or(Box::new(left), Box::new(self.term()?));
            } else {
                return Ok(left);
            }
        }
    }

    fn term(&mut self) -> PResult<Expr> {
        if self.is_word("not") || self.is_sym("!") {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.term()?)));
        }
        if self.is_sym("(") {
            // A parenthesis opens either a sub-expression or arithmetic.
            let save = self.pos;
            self.pos += 1;
            if let Ok(e) = self.expr() {
                if self.is_sym(")") {
                    self.pos += 1;
                    if !self.at_cmp_op() {
                        return Ok(e);
                    }
                }
            }
            self.pos = save;
            return self.relation();
        }
        if self.relation_ahead() {
            return self.relation();
        }
        self.primitive()
    }

    fn at_cmp_op(&self) -> bool {
        [
            "=", "==", "!=", "<", ">", "<=", ">=", "&", "|", "+", "-", "*", "/",
        ]
        .iter()
        .any(|s| self.is_sym(s))
    }

    /// `proto[` or `len` followed by a comparison, or a number.
    fn relation_ahead(&self) -> bool {
        match (
            self.tokens.get(self.pos).map(|t| &t.1),
            self.tokens.get(self.pos + 1).map(|t| &t.1),
        ) {
            (Some(Tok::Word(w)), Some(Tok::Sym("["))) => proto_named(w).is_some(),
            (Some(Tok::Word(w)), _) if w == "len" => true,
            (Some(Tok::Num(_)), Some(Tok::Sym(_))) => true,
            _ => false,
        }
    }

    fn relation(&mut self) -> PResult<Expr> {
        let a = self.arith(0)?;
        let op = match self.next() {
            Some(Tok::Sym("=")) | Some(Tok::Sym("==")) => CmpOp::Eq,
            Some(Tok::Sym("!=")) => CmpOp::Ne,
            Some(Tok::Sym("<")) => CmpOp::Lt,
            Some(Tok::Sym(">")) => CmpOp::Gt,
            Some(Tok::Sym("<=")) => CmpOp::Le,
            Some(Tok::Sym(">=")) => CmpOp::Ge,
            _ => {
                self.pos -= 1;
                return Err(self.err("expected a comparison operator"));
            }
        };
        let b = self.arith(0)?;
        Ok(Expr::Cmp(a, op, b))
    }

    fn arith(&mut self, min_prec: u8) -> PResult<Arith> {
        let mut left = self.operand()?;
        loop {
            let (op, prec) = match self.peek() {
                Some(Tok::Sym("|")) => ('|', 1),
                Some(Tok::Sym("&")) => ('&', 2),
                Some(Tok::Sym("+")) => ('+', 3),
                Some(Tok::Sym("-")) => ('-', 3),
                Some(Tok::Sym("*")) => ('*', 4),
                Some(Tok::Sym("/")) => ('/', 4),
                _ => return Ok(left),
            };
            if prec < min_prec {
                return Ok(left);
            }
            self.pos += 1;
            let right = self.arith(prec + 1)?;
            left = Arith::Bin(op, Box::new(left), Box::new(right));
        }
    }

    fn operand(&mut self) -> PResult<Arith> {
        match self.next() {
            Some(Tok::Num(n)) => Ok(Arith::Num(n)),
            Some(Tok::Sym("(")) => {
                let a = self.arith(0)?;
                if !matches!(self.next(), Some(Tok::Sym(")"))) {
                    self.pos -= 1;
                    return Err(self.err("expected ')'"));
                }
                Ok(a)
            }
            Some(Tok::Word(w)) if w == "len" => Ok(Arith::Len),
            Some(Tok::Word(w)) => {
                if let Some(c) = constant(&w) {
                    return Ok(Arith::Num(c));
                }
                let Some(base) = proto_named(&w) else {
                    self.pos -= 1;
                    return Err(self.err("unknown name in expression"));
                };
                if !matches!(self.next(), Some(Tok::Sym("["))) {
                    self.pos -= 1;
                    return Err(self.err("expected '['"));
                }
                let offset = self.arith(0)?;
                let mut size = 1;
                if self.is_sym(":") {
                    self.pos += 1;
                    size = match self.next() {
                        Some(Tok::Num(n @ (1 | 2 | 4))) => n as u8,
                        _ => {
                            self.pos -= 1;
                            return Err(self.err("size must be 1, 2 or 4"));
                        }
                    };
                }
                if !matches!(self.next(), Some(Tok::Sym("]"))) {
                    self.pos -= 1;
                    return Err(self.err("expected ']'"));
                }
                Ok(Arith::Load {
                    base,
                    offset: Box::new(offset),
                    size,
                })
            }
            _ => {
                self.pos = self.pos.saturating_sub(1);
                Err(self.err("expected a value"))
            }
        }
    }

    fn dir(&mut self) -> Option<Dir> {
        let d = if self.is_word("src") {
            Dir::Src
        } else if self.is_word("dst") {
            Dir::Dst
        } else {
            return None;
        };
        self.pos += 1;
        // `src or dst` / `src and dst` as one qualifier.
        let combo = |p: &Parser, w: &str| {
            matches!(p.tokens.get(p.pos).map(|t| &t.1), Some(Tok::Word(x)) if x == w)
                && matches!(p.tokens.get(p.pos + 1).map(|t| &t.1), Some(Tok::Word(x)) if x == "dst" || x == "src")
        };
        if combo(self, "or") {
            self.pos += 2;
            return Some(Dir::Either);
        }
        if combo(self, "and") {
            self.pos += 2;
            return Some(Dir::Both);
        }
        Some(d)
    }

    fn primitive(&mut self) -> PResult<Expr> {
        let start = self.pos;
        let proto = match self.peek() {
            Some(Tok::Word(w)) => proto_named(w),
            _ => None,
        };
        if proto.is_some() {
            self.pos += 1;
        }
        let dir = self.dir();
        let word = match self.peek() {
            Some(Tok::Word(w)) => Some(w.clone()),
            _ => None,
        };
        match word.as_deref() {
            Some("host") => {
                self.pos += 1;
                let kind = Kind::Host(dir.unwrap_or(Dir::Either), proto);
                return self.value_for(kind);
            }
            Some("net") => {
                self.pos += 1;
                return self.value_for(Kind::Net(dir.unwrap_or(Dir::Either)));
            }
            Some("port") | Some("portrange") => {
                self.pos += 1;
                return self.value_for(Kind::Port(dir.unwrap_or(Dir::Either), proto));
            }
            Some("proto") if proto.is_none() || matches!(proto, Some(Proto::Ip | Proto::Ip6)) => {
                self.pos += 1;
                let n = self.proto_number()?;
                return Ok(Expr::IpProto(proto, n));
            }
            _ => {}
        }
        if dir.is_none() {
            if let Some(p) = proto {
                return Ok(Expr::Proto(p));
            }
        }
        match word.as_deref() {
            Some("vlan") => {
                self.pos += 1;
                Ok(Expr::Vlan(self.optional_number().map(|n| n as u16)))
            }
            Some("mpls") => {
                self.pos += 1;
                Ok(Expr::Mpls(self.optional_number()))
            }
            Some(w @ ("greater" | "less")) => {
                let op = if w == "greater" { CmpOp::Ge } else { CmpOp::Le };
                self.pos += 1;
                match self.next() {
                    Some(Tok::Num(n)) => Ok(Expr::Len(op, n)),
                    _ => {
                        self.pos -= 1;
                        Err(self.err("expected a length"))
                    }
                }
            }
            _ => {
                // A bare value continues the previous primitive's kind.
                if let (Some(kind), None, None) = (self.last, proto, dir) {
                    if matches!(self.peek(), Some(Tok::Word(_)) | Some(Tok::Num(_))) {
                        return self.value_for(kind);
                    }
                }
                self.pos = start;
                Err(self.err("expected a filter primitive"))
            }
        }
    }

    fn optional_number(&mut self) -> Option<u32> {
        if let Some(Tok::Num(n)) = self.peek() {
            let n = *n;
            self.pos += 1;
            Some(n)
        } else {
            None
        }
    }

    fn proto_number(&mut self) -> PResult<u8> {
        match self.next() {
            Some(Tok::Num(n)) if n <= 255 => Ok(n as u8),
            Some(Tok::Word(w)) => match w.as_str() {
                "tcp" => Ok(6),
                "udp" => Ok(17),
                "icmp" => Ok(1),
                "icmp6" => Ok(58),
                "sctp" => Ok(132),
                _ => {
                    self.pos -= 1;
                    Err(self.err("unknown protocol"))
                }
            },
            _ => {
                self.pos -= 1;
                Err(self.err("expected a protocol number"))
            }
        }
    }

    fn value_for(&mut self, kind: Kind) -> PResult<Expr> {
        self.last = Some(kind);
        // libpcap accepts a negated value: `src port not 445`.
        if self.is_word("not") || self.is_sym("!") {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.value_for(kind)?)));
        }
        let at = self.pos;
        let tok = self.next();
        let bad = |m: &str| (at, m.to_string());
        match kind {
            Kind::Host(dir, proto) => {
                let Some(Tok::Word(w)) = tok else {
                    return Err(bad("expected an address"));
                };
                if proto == Some(Proto::Ether) {
                    return parse_mac(&w)
                        .map(|m| Expr::EtherHost(dir, m))
                        .ok_or_else(|| bad("bad MAC address"));
                }
                w.parse::<IpAddr>()
                    .map(|a| Expr::Host(dir, a))
                    .map_err(|_| bad("bad address (host names are not resolved)"))
            }
            Kind::Net(dir) => {
                let Some(Tok::Word(w)) = tok else {
                    return Err(bad("expected a network"));
                };
                let (addr, len) = match w.split_once('/') {
                    Some((a, l)) => (
                        a.to_string(),
                        l.parse::<u8>().map_err(|_| bad("bad prefix length"))?,
                    ),
                    None => {
                        if self.is_word("mask") {
                            self.pos += 1;
                            let Some(Tok::Word(m)) = self.next() else {
                                return Err(bad("expected a mask"));
                            };
                            let mask: IpAddr = m.parse().map_err(|_| bad("bad mask"))?;
                            let len = match mask {
                                IpAddr::V4(v) => u32::from(v).count_ones() as u8,
                                IpAddr::V6(v) => u128::from(v).count_ones() as u8,
                            };
                            (w.clone(), len)
                        } else {
                            let parts = w.split('.').count();
                            (
                                w.clone(),
                                if w.contains(':') {
                                    128
                                } else {
                                    (parts * 8) as u8
                                },
                            )
                        }
                    }
                };
                let mut a = addr.clone();
                while !a.contains(':') && a.split('.').count() < 4 {
                    a.push_str(".0");
                }
                let ip: IpAddr = a.parse().map_err(|_| bad("bad network address"))?;
                let max = if ip.is_ipv4() { 32 } else { 128 };
                if len > max {
                    return Err(bad("prefix length too long"));
                }
                Ok(Expr::Net(dir, ip, len))
            }
            Kind::Port(dir, proto) => {
                let range = |s: &str| -> Option<(u16, u16)> {
                    match s.split_once('-') {
                        Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
                        None => named_port(s).map(|p| (p, p)),
                    }
                };
                let (lo, hi) = match tok {
                    Some(Tok::Num(n)) if n <= 65535 => {
                        if self.is_sym("-") {
                            self.pos += 1;
                            match self.next() {
                                Some(Tok::Num(m)) if m <= 65535 => (n as u16, m as u16),
                                _ => return Err(bad("bad port range")),
                            }
                        } else {
                            (n as u16, n as u16)
                        }
                    }
                    Some(Tok::Word(w)) => range(&w).ok_or_else(|| bad("bad port"))?,
                    _ => return Err(bad("expected a port")),
                };
                Ok(Expr::Port(dir, proto, lo.min(hi), lo.max(hi)))
            }
        }
    }
}

fn named_port(s: &str) -> Option<u16> {
    Some(match s {
        "http" | "www" => 80,
        "https" => 443,
        "domain" => 53,
        "ssh" => 22,
        "smtp" => 25,
        "ftp" => 21,
        "ftp-data" => 20,
        "telnet" => 23,
        "ntp" => 123,
        _ => return None,
    })
}

fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let parts: Vec<&str> = s.split([':', '-', '.']).collect();
    if parts.len() != 6 {
        return None;
    }
    let mut m = [0u8; 6];
    for (i, p) in parts.iter().enumerate() {
        m[i] = u8::from_str_radix(p, 16).ok()?;
    }
    Some(m)
}

// ---------------------------------------------------------------- evaluation

/// A packet as libpcap's generated code sees it: fixed offsets from the
/// link header, shifted by `vlan` / `mpls` tests.
struct Pkt<'a> {
    data: &'a [u8],
    /// Offset of the Ethernet type field (`None` for links without one).
    ethertype_at: Option<usize>,
    /// Offset of the network header.
    net: usize,
    /// Network protocol when the link says it without an ethertype.
    implied: Option<u16>,
    /// The link layer is Ethernet (MAC addresses at the start).
    ethernet: bool,
}

impl<'a> Pkt<'a> {
    fn new(linktype: u32, data: &'a [u8]) -> Option<Self> {
        let (ethertype_at, net, implied) = match linktype {
            1 => (Some(12), 14, None),
            101 | 12 | 14 => {
                let v = data.first()? >> 4;
                (None, 0, Some(if v == 6 { 0x86dd } else { 0x0800 }))
            }
            113 => (Some(14), 16, None),
            276 => (Some(0), 20, None),
            0 | 108 => {
                let fam = if linktype == 0 {
                    u32::from_ne_bytes(data.get(0..4)?.try_into().ok()?)
                } else {
                    u32::from_be_bytes(data.get(0..4)?.try_into().ok()?)
                };
                let t = match fam {
                    2 => 0x0800,
                    24 | 28 | 30 => 0x86dd,
                    _ => 0,
                };
                (None, 4, Some(t))
            }
            _ => return None,
        };
        Some(Pkt {
            data,
            ethertype_at,
            net,
            implied,
            ethernet: linktype == 1,
        })
    }

    fn u8_at(&self, at: usize) -> Option<u8> {
        self.data.get(at).copied()
    }
    fn u16_at(&self, at: usize) -> Option<u16> {
        Some(u16::from_be_bytes(
            self.data.get(at..at + 2)?.try_into().ok()?,
        ))
    }
    fn u32_at(&self, at: usize) -> Option<u32> {
        Some(u32::from_be_bytes(
            self.data.get(at..at + 4)?.try_into().ok()?,
        ))
    }

    fn ethertype(&self) -> Option<u16> {
        match self.ethertype_at {
            Some(at) => self.u16_at(at),
            None => self.implied,
        }
    }
    fn is_ip4(&self) -> bool {
        self.ethertype() == Some(0x0800)
    }
    fn is_ip6(&self) -> bool {
        self.ethertype() == Some(0x86dd)
    }
    /// Transport protocol and header offset (IPv4: first fragments only).
    fn transport(&self) -> Option<(u8, usize, bool)> {
        if self.is_ip4() {
            let ihl = (self.u8_at(self.net)? & 0x0f) as usize * 4;
            let first = self.u16_at(self.net + 6)? & 0x1fff == 0;
            Some((self.u8_at(self.net + 9)?, self.net + ihl, first))
        } else if self.is_ip6() {
            Some((self.u8_at(self.net + 6)?, self.net + 40, true))
        } else {
            None
        }
    }
    fn addrs(&self) -> Option<(IpAddr, IpAddr)> {
        if self.is_ip4() {
            let s: [u8; 4] = self
                .data
                .get(self.net + 12..self.net + 16)?
                .try_into()
                .ok()?;
            let d: [u8; 4] = self
                .data
                .get(self.net + 16..self.net + 20)?
                .try_into()
                .ok()?;
            Some((IpAddr::from(s), IpAddr::from(d)))
        } else if self.is_ip6() {
            let s: [u8; 16] = self
                .data
                .get(self.net + 8..self.net + 24)?
                .try_into()
                .ok()?;
            let d: [u8; 16] = self
                .data
                .get(self.net + 24..self.net + 40)?
                .try_into()
                .ok()?;
            Some((IpAddr::from(s), IpAddr::from(d)))
        } else {
            None
        }
    }
}

fn dir_match<T>(dir: Dir, src: T, dst: T, f: impl Fn(T) -> bool) -> bool {
    match dir {
        Dir::Src => f(src),
        Dir::Dst => f(dst),
        Dir::Either => f(src) || f(dst),
        Dir::Both => f(src) && f(dst),
    }
}

fn in_net(ip: IpAddr, net: IpAddr, len: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if len == 0 {
                0
            } else {
                u32::MAX << (32 - len as u32)
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - len as u32)
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

fn proto_matches(p: &Pkt, proto: Proto) -> bool {
    let l4 = |n: u8| p.transport().map(|(t, _, _)| t == n).unwrap_or(false);
    match proto {
        Proto::Ether => p.ethernet,
        Proto::Ip => p.is_ip4(),
        Proto::Ip6 => p.is_ip6(),
        Proto::Arp => p.ethertype() == Some(0x0806),
        Proto::Tcp => l4(6),
        Proto::Udp => l4(17),
        Proto::Icmp => p.is_ip4() && l4(1),
        Proto::Icmp6 => p.is_ip6() && l4(58),
        Proto::Sctp => l4(132),
    }
}

fn eval(e: &Expr, p: &mut Pkt) -> bool {
    match e {
        Expr::And(a, b) => eval(a, p) && eval(b, p),
        Expr::Or(a, b) => eval(a, p) || eval(b, p),
        Expr::Not(a) => !eval(a, p),
        Expr::Proto(proto) => proto_matches(p, *proto),
        Expr::IpProto(base, n) => {
            let fam_ok = match base {
                Some(Proto::Ip) => p.is_ip4(),
                Some(Proto::Ip6) => p.is_ip6(),
                _ => true,
            };
            fam_ok && p.transport().map(|(t, _, _)| t == *n).unwrap_or(false)
        }
        Expr::Host(dir, ip) => p
            .addrs()
            .map(|(s, d)| dir_match(*dir, s, d, |a| a == *ip))
            .unwrap_or(false),
        Expr::Net(dir, net, len) => p
            .addrs()
            .map(|(s, d)| dir_match(*dir, s, d, |a| in_net(a, *net, *len)))
            .unwrap_or(false),
        Expr::EtherHost(dir, mac) => {
            if !p.ethernet {
                return false;
            }
            let dst = p.data.get(0..6);
            let src = p.data.get(6..12);
            match (src, dst) {
                (Some(s), Some(d)) => dir_match(*dir, s, d, |m| m == mac),
                _ => false,
            }
        }
        Expr::Port(dir, proto, lo, hi) => {
            let Some((t, at, first)) = p.transport() else {
                return false;
            };
            let proto_ok = match proto {
                Some(Proto::Tcp) => t == 6,
                Some(Proto::Udp) => t == 17,
                Some(Proto::Sctp) => t == 132,
                Some(Proto::Ip) => p.is_ip4() && matches!(t, 6 | 17 | 132),
                Some(Proto::Ip6) => p.is_ip6() && matches!(t, 6 | 17 | 132),
                _ => matches!(t, 6 | 17 | 132),
            };
            if !proto_ok || !first {
                return false;
            }
            match (p.u16_at(at), p.u16_at(at + 2)) {
                (Some(s), Some(d)) => dir_match(*dir, s, d, |x| (*lo..=*hi).contains(&x)),
                _ => false,
            }
        }
        Expr::Vlan(id) => {
            let Some(at) = p.ethertype_at else {
                return false;
            };
            let ok = matches!(p.u16_at(at), Some(0x8100 | 0x88a8 | 0x9100))
                && id.is_none_or(|want| p.u16_at(at + 2).map(|tci| tci & 0x0fff) == Some(want));
            p.ethertype_at = Some(at + 4);
            p.net += 4;
            ok
        }
        Expr::Mpls(label) => {
            let Some(at) = p.ethertype_at else {
                return false;
            };
            let ok = matches!(p.u16_at(at), Some(0x8847 | 0x8848))
                && label.is_none_or(|want| p.u32_at(p.net).map(|l| l >> 12) == Some(want));
            p.net += 4;
            // After an MPLS label the network layer is guessed from its version.
            p.ethertype_at = None;
            p.implied = p
                .u8_at(p.net)
                .map(|v| if v >> 4 == 6 { 0x86dd } else { 0x0800 });
            ok
        }
        Expr::Len(op, n) => cmp(p.data.len() as u32, *op, *n),
        Expr::Cmp(a, op, b) => match (arith(a, p), arith(b, p)) {
            (Some(x), Some(y)) => cmp(x, *op, y),
            _ => false,
        },
    }
}

fn cmp(a: u32, op: CmpOp, b: u32) -> bool {
    match op {
        CmpOp::Eq => a == b,
        CmpOp::Ne => a != b,
        CmpOp::Lt => a < b,
        CmpOp::Gt => a > b,
        CmpOp::Le => a <= b,
        CmpOp::Ge => a >= b,
    }
}

fn arith(a: &Arith, p: &Pkt) -> Option<u32> {
    match a {
        Arith::Num(n) => Some(*n),
        Arith::Len => Some(p.data.len() as u32),
        Arith::Bin(op, x, y) => {
            let (x, y) = (arith(x, p)?, arith(y, p)?);
            Some(match op {
                '|' => x | y,
                '&' => x & y,
                '+' => x.wrapping_add(y),
                '-' => x.wrapping_sub(y),
                '*' => x.wrapping_mul(y),
                '/' => x.checked_div(y)?,
                _ => return None,
            })
        }
        Arith::Load { base, offset, size } => {
            let off = arith(offset, p)? as usize;
            let start = match base {
                Proto::Ether => p.ethernet.then_some(0)?,
                Proto::Ip | Proto::Ip6 | Proto::Arp => {
                    if (*base == Proto::Ip && !p.is_ip4()) || (*base == Proto::Ip6 && !p.is_ip6()) {
                        return None;
                    }
                    p.net
                }
                Proto::Tcp | Proto::Udp | Proto::Icmp | Proto::Icmp6 | Proto::Sctp => {
                    if !proto_matches(p, *base) {
                        return None;
                    }
                    p.transport()?.1
                }
            };
            let at = start.checked_add(off)?;
            match size {
                1 => p.u8_at(at).map(u32::from),
                2 => p.u16_at(at).map(u32::from),
                _ => p.u32_at(at),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ethernet + IPv4 + TCP/UDP header, optionally VLAN-tagged.
    fn pkt(
        vlan: Option<u16>,
        proto: u8,
        src: [u8; 4],
        dst: [u8; 4],
        sport: u16,
        dport: u16,
        flags: u8,
    ) -> Vec<u8> {
        let mut p = vec![0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 1, 2, 3, 4, 5, 6];
        if let Some(v) = vlan {
            p.extend_from_slice(&[0x81, 0x00]);
            p.extend_from_slice(&v.to_be_bytes());
        }
        p.extend_from_slice(&[0x08, 0x00]);
        p.extend_from_slice(&[0x45, 0, 0, 40, 0, 0, 0, 0, 64, proto, 0, 0]);
        p.extend_from_slice(&src);
        p.extend_from_slice(&dst);
        p.extend_from_slice(&sport.to_be_bytes());
        p.extend_from_slice(&dport.to_be_bytes());
        p.extend_from_slice(&[0; 9]);
        p.push(flags);
        p.extend_from_slice(&[0; 6]);
        p
    }

    fn m(f: &str, p: &[u8]) -> bool {
        Filter::compile(f)
            .unwrap_or_else(|e| panic!("{e}"))
            .matches(1, p)
    }

    const A: [u8; 4] = [10, 0, 0, 1];
    const B: [u8; 4] = [192, 168, 1, 2];

    #[test]
    fn primitives() {
        let tcp = pkt(None, 6, A, B, 40000, 80, 0x02);
        let udp = pkt(None, 17, B, A, 53, 5353, 0);
        assert!(m("tcp", &tcp) && !m("udp", &tcp) && m("ip", &tcp) && !m("ip6", &tcp));
        assert!(m("port 80", &tcp) && m("dst port 80", &tcp) && !m("src port 80", &tcp));
        assert!(m("tcp port 80", &tcp) && !m("udp port 80", &tcp));
        assert!(m("port 53", &udp) && m("udp src port 53", &udp));
        assert!(m("portrange 70-90", &tcp) && !m("portrange 81-90", &tcp));
        assert!(
            m("host 10.0.0.1", &tcp)
                && m("src host 10.0.0.1", &tcp)
                && !m("dst host 10.0.0.1", &tcp)
        );
        assert!(
            m("net 192.168.0.0/16", &tcp)
                && m("dst net 192.168", &tcp)
                && !m("src net 192.168.0.0/16", &tcp)
        );
        assert!(m("net 10.0.0.0 mask 255.0.0.0", &tcp));
        assert!(m("proto 6", &tcp) && m("ip proto tcp", &tcp) && !m("ip proto 17", &tcp));
        assert!(
            m("ether host aa:bb:cc:dd:ee:ff", &tcp) && m("ether src host 01:02:03:04:05:06", &tcp)
        );
        assert!(m("greater 50", &tcp) && !m("less 50", &tcp));
    }

    #[test]
    fn byte_tests() {
        let syn = pkt(None, 6, A, B, 1, 2, 0x02);
        let ack = pkt(None, 6, A, B, 1, 2, 0x10);
        assert!(m("tcp[13] & 2 != 0", &syn) && !m("tcp[13] & 2 != 0", &ack));
        assert!(m("tcp[tcpflags] & (tcp-syn|tcp-fin) != 0", &syn));
        assert!(m("tcp[tcpflags] == tcp-syn", &syn) && !m("tcp[tcpflags] == tcp-syn", &ack));
        assert!(m("ip[8] = 64", &syn) && m("ip[9] < 17", &syn));
        assert!(m("tcp[0:2] = 1", &syn) && m("tcp[2:2] == 2", &syn));
    }

    #[test]
    fn boolean_logic_and_precedence() {
        let tcp = pkt(None, 6, A, B, 40000, 80, 0);
        assert!(m("port 53 or port 80", &tcp));
        assert!(m("not port 53", &tcp) && m("! udp", &tcp));
        assert!(m("tcp and (port 22 or port 80)", &tcp));
        // Equal precedence, left to right: (udp and port 1) or tcp.
        assert!(m("udp and port 1 or tcp", &tcp));
        assert!(m("host 10.0.0.1 or 10.9.9.9", &tcp));
        assert!(m("port 22 or 80", &tcp));
        assert!(m("src port not 443", &tcp) && !m("dst port not 80", &tcp));
        assert!(m(
            "src port not 445 or tcp[tcpflags] & (tcp-syn|tcp-fin|tcp-rst) != 0",
            &tcp
        ));
    }

    #[test]
    fn vlan_shifts_later_offsets() {
        let tagged = pkt(Some(100), 6, A, B, 1, 80, 0);
        let plain = pkt(None, 6, A, B, 1, 80, 0);
        assert!(!m("port 80", &tagged));
        assert!(m("vlan and port 80", &tagged) && m("vlan 100 and tcp", &tagged));
        assert!(!m("vlan 200", &tagged) && !m("vlan", &plain));
    }

    #[test]
    fn errors_name_the_position() {
        for bad in [
            "port",
            "host",
            "tcp[13 & 2",
            "foo bar",
            "port 80 and",
            "net 1.2.3.4/40",
            "(tcp",
        ] {
            let e = Filter::compile(bad).expect_err(bad);
            assert!(e.to_string().contains("bad filter"), "{e}");
        }
        let e = Filter::compile("tcp and bogus").unwrap_err();
        assert_eq!(e.position, 8);
    }

    #[test]
    fn ether_tests_on_links_without_ethernet_do_not_match() {
        // Found by fuzzing: `ether[...]` on Linux SLL2 underflowed.
        let f = Filter::compile("ether[12:2] = 0x8100 or ether host 01:02:03:04:05:06").unwrap();
        for lt in [276, 113, 101, 0] {
            assert!(!f.matches(lt, &[0x45; 40]));
        }
    }

    #[test]
    fn other_link_types() {
        let eth = pkt(None, 17, A, B, 5, 53, 0);
        let raw = &eth[14..];
        let f = Filter::compile("udp port 53").unwrap();
        assert!(f.matches(101, raw));
        let mut null = 2u32.to_ne_bytes().to_vec();
        null.extend_from_slice(raw);
        assert!(f.matches(0, &null));
        assert!(!f.matches(147, raw));
    }
}
