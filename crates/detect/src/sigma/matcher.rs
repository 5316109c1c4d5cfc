//! One detection item, `field|modifier|...: value(s)`, compiled to a test
//! of a record's values that allocates nothing: Sigma's wildcards (`*`,
//! `?`, case-insensitive unless `|cased`), `contains`, `startswith`,
//! `endswith`, `all`, `re` (with `i`, `m`, `s`), `cidr`, `base64`,
//! `base64offset`, `gt`/`gte`/`lt`/`lte`, `exists` and null.

use super::fields::{LogFields, Values};
use super::yaml::{Error, Node, Value};
use config::{Cidr, NetSet};
use std::net::IpAddr;

/// A comparison of numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cmp {
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Cmp {
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Cmp::Gt => a > b,
            Cmp::Gte => a >= b,
            Cmp::Lt => a < b,
            Cmp::Lte => a <= b,
        }
    }
}

/// A piece of a wildcard pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Lit(u8),
    /// `*`: any run of bytes.
    Star,
    /// `?`: one byte.
    One,
}

/// A text pattern, in the cheapest form that matches what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Text {
    Exact(Vec<u8>),
    Prefix(Vec<u8>),
    Suffix(Vec<u8>),
    Contains(Vec<u8>),
    Glob(Vec<Tok>),
}

/// What one value of an item accepts in one element of a field.
#[derive(Debug, Clone)]
enum Pattern {
    Text {
        text: Text,
        fold: bool,
    },
    Regex(regex_lite::Regex),
    /// `|cidr` values, one lookup for all (the address is parsed once).
    Nets(NetSet),
    Num(Cmp, f64),
    /// `true`/`false`: Zeek's `T`/`F`.
    Bool(bool),
}

#[derive(Debug, Clone)]
enum Test {
    /// `field: null`: unset or empty.
    Null,
    Exists(bool),
    /// Some element matches one of the patterns.
    Any(Vec<Pattern>),
    /// `|all`: every pattern matches some element.
    All(Vec<Pattern>),
}

/// A compiled item: the slots it reads (one field, or every text field
/// for keywords) and its test.
#[derive(Debug, Clone)]
pub struct Item {
    pub slots: Vec<usize>,
    test: Test,
}

/// Longest regex program accepted (bytes of compiled program).
const REGEX_SIZE_LIMIT: usize = 1 << 20;

impl Item {
    /// `key: value` of a selection mapping.
    pub fn field(key: &Node, value: &Node, fields: &mut LogFields) -> Result<Item, Error> {
        let spec = key.expect_text("a field name")?;
        let mut parts = spec.split('|');
        let name = parts.next().unwrap_or_default();
        let slot = fields.slot(name).map_err(|e| Error::new(key.line, e))?;
        let mods: Vec<&str> = parts.collect();
        let is_bool = fields.zeek_type(slot) == "bool";
        let test = test(&mods, value, is_bool).map_err(|e| Error::new(value.line, e))?;
        Ok(Item {
            slots: vec![slot],
            test,
        })
    }

    /// A list of keywords: any text field containing any of them (a
    /// full-text search, as SIEM backends run keywords).
    pub fn keywords(values: &Node, fields: &mut LogFields) -> Result<Item, Error> {
        let test = test(&["contains"], values, false).map_err(|e| Error::new(values.line, e))?;
        Ok(Item {
            slots: fields.text_slots(),
            test,
        })
    }

    pub fn matches(&self, v: &Values) -> bool {
        let mut elems = self.slots.iter().flat_map(|&s| v.elems(s));
        match &self.test {
            Test::Null => self.slots.iter().all(|&s| v.elems(s).next().is_none()),
            Test::Exists(want) => self.slots.iter().any(|&s| v.is_set(s)) == *want,
            Test::Any(pats) => elems.any(|e| pats.iter().any(|p| p.matches(e))),
            Test::All(pats) => pats
                .iter()
                .all(|p| self.slots.iter().any(|&s| v.elems(s).any(|e| p.matches(e)))),
        }
    }
}

/// The scalars of a value (one, or a list).
fn scalars(value: &Node) -> Result<Vec<&Node>, String> {
    match &value.value {
        Value::Scalar { .. } => Ok(vec![value]),
        Value::Seq(items) => items
            .iter()
            .map(|n| match n.value {
                Value::Scalar { .. } => Ok(n),
                _ => Err("a list of values may hold only single values".to_string()),
            })
            .collect(),
        Value::Map(_) => Err("a field's value cannot be a mapping".into()),
    }
}

/// Modifiers understood, and how they change the value.
#[derive(Default)]
struct Mods {
    all: bool,
    cased: bool,
    wrap: (bool, bool),
    base64: bool,
    base64offset: bool,
    re: Option<String>,
    cidr: bool,
    cmp: Option<Cmp>,
    exists: bool,
}

fn mods(list: &[&str]) -> Result<Mods, String> {
    let mut m = Mods::default();
    for &name in list {
        match name {
            "contains" => m.wrap = (true, true),
            "startswith" => m.wrap.1 = true,
            "endswith" => m.wrap.0 = true,
            "all" => m.all = true,
            "cased" => m.cased = true,
            "base64" => m.base64 = true,
            "base64offset" => m.base64offset = true,
            "re" => m.re = Some(String::new()),
            "i" | "m" | "s" if m.re.is_some() => m.re.get_or_insert_default().push_str(name),
            "cidr" => m.cidr = true,
            "gt" => m.cmp = Some(Cmp::Gt),
            "gte" => m.cmp = Some(Cmp::Gte),
            "lt" => m.cmp = Some(Cmp::Lt),
            "lte" => m.cmp = Some(Cmp::Lte),
            "exists" => m.exists = true,
            other => return Err(format!("modifier `{other}` is not supported")),
        }
    }
    Ok(m)
}

/// `is_bool`: the field is a Zeek bool, so `true`/`false` (quoted or not,
/// as SigmaHQ's Zeek rules write them) mean `T`/`F`.
fn test(list: &[&str], value: &Node, is_bool: bool) -> Result<Test, String> {
    let m = mods(list)?;
    if m.exists {
        return match value.text().map(str::to_ascii_lowercase).as_deref() {
            Some("true") => Ok(Test::Exists(true)),
            Some("false") => Ok(Test::Exists(false)),
            _ => Err("`exists` takes true or false".into()),
        };
    }
    if value.is_null() {
        return Ok(Test::Null);
    }
    let mut pats = Vec::new();
    for v in scalars(value)? {
        let quoted = matches!(v.value, Value::Scalar { quoted: true, .. });
        pattern(
            &m,
            v.text().unwrap_or_default(),
            quoted && !is_bool,
            &mut pats,
        )?;
    }
    if pats.is_empty() {
        return Err("no value to match".into());
    }
    Ok(if m.all {
        Test::All(pats)
    } else {
        Test::Any(pats)
    })
}

/// The patterns one value stands for (several for `base64offset`).
fn pattern(m: &Mods, raw: &str, quoted: bool, out: &mut Vec<Pattern>) -> Result<(), String> {
    if let Some(flags) = &m.re {
        let flags = if flags.is_empty() {
            String::new()
        } else {
            format!("(?{flags})")
        };
        let re = regex_lite::RegexBuilder::new(&format!("{flags}{raw}"))
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|e| format!("bad regular expression: {e}"))?;
        out.push(Pattern::Regex(re));
        return Ok(());
    }
    if m.cidr {
        let c = Cidr::parse(raw).ok_or_else(|| format!("`{raw}` is not a CIDR"))?;
        match out.last_mut() {
            Some(Pattern::Nets(set)) if !m.all => set.insert(c),
            _ => out.push(Pattern::Nets(NetSet::from_cidrs([c]))),
        }
        return Ok(());
    }
    if let Some(cmp) = m.cmp {
        let n: f64 = raw
            .trim()
            .parse()
            .map_err(|_| format!("`{raw}` is not a number"))?;
        out.push(Pattern::Num(cmp, n));
        return Ok(());
    }
    let plain_string = !(m.base64 || m.base64offset || m.wrap.0 || m.wrap.1);
    if plain_string && !quoted {
        let b = match raw.to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        };
        if let Some(b) = b {
            out.push(Pattern::Bool(b));
            return Ok(());
        }
    }
    let fold = !m.cased;
    let encoded: Vec<Vec<Tok>> = if m.base64offset {
        base64_offsets(raw.as_bytes())
            .into_iter()
            .map(|s| s.bytes().map(Tok::Lit).collect())
            .collect()
    } else if m.base64 {
        vec![records::base64(raw.as_bytes())
            .bytes()
            .map(Tok::Lit)
            .collect()]
    } else {
        vec![wildcards(raw)]
    };
    for mut toks in encoded {
        if m.wrap.0 {
            toks.insert(0, Tok::Star);
        }
        if m.wrap.1 {
            toks.push(Tok::Star);
        }
        out.push(Pattern::Text {
            text: simplest(toks, fold),
            fold,
        });
    }
    Ok(())
}

/// Sigma's string syntax: `*` and `?` are wildcards, `\*`, `\?` and `\\`
/// escape them; any other backslash is itself.
fn wildcards(raw: &str) -> Vec<Tok> {
    let b = raw.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match (b[i], b.get(i + 1)) {
            (b'\\', Some(&c @ (b'*' | b'?' | b'\\'))) => {
                out.push(Tok::Lit(c));
                i += 2;
                continue;
            }
            (b'*', _) => out.push(Tok::Star),
            (b'?', _) => out.push(Tok::One),
            (c, _) => out.push(Tok::Lit(c)),
        }
        i += 1;
    }
    out
}

/// The cheapest form of a token list; literals lower-cased when folding.
fn simplest(mut toks: Vec<Tok>, fold: bool) -> Text {
    if fold {
        for t in &mut toks {
            if let Tok::Lit(c) = t {
                *c = c.to_ascii_lowercase();
            }
        }
    }
    toks.dedup_by(|a, b| *a == Tok::Star && *b == Tok::Star);
    let lead = toks.first() == Some(&Tok::Star);
    let trail = toks.len() > usize::from(lead) && toks.last() == Some(&Tok::Star);
    let inner = &toks[usize::from(lead)..toks.len() - usize::from(trail)];
    let lits: Option<Vec<u8>> = inner
        .iter()
        .map(|t| match t {
            Tok::Lit(c) => Some(*c),
            _ => None,
        })
        .collect();
    match (lits, lead, trail) {
        (Some(l), false, false) => Text::Exact(l),
        (Some(l), false, true) => Text::Prefix(l),
        (Some(l), true, false) => Text::Suffix(l),
        (Some(l), true, true) => Text::Contains(l),
        (None, ..) => Text::Glob(toks),
    }
}

/// The three encodings of a value at byte offsets 0, 1 and 2 of base64
/// text, trimmed to the characters that depend on the value alone.
fn base64_offsets(v: &[u8]) -> Vec<String> {
    (0..3)
        .filter_map(|i| {
            let mut padded = vec![b' '; i];
            padded.extend_from_slice(v);
            let enc = records::base64(&padded);
            let start = [0, 2, 3][i];
            let end = enc.len().checked_sub([0, 3, 2][(v.len() + i) % 3])?;
            enc.get(start..end).map(str::to_string)
        })
        .filter(|s| !s.is_empty())
        .collect()
}

fn eq(a: u8, b: u8, fold: bool) -> bool {
    if fold {
        a.to_ascii_lowercase() == b
    } else {
        a == b
    }
}

fn eq_slice(text: &[u8], lit: &[u8], fold: bool) -> bool {
    text.len() == lit.len() && text.iter().zip(lit).all(|(&a, &b)| eq(a, b, fold))
}

fn contains(text: &[u8], lit: &[u8], fold: bool) -> bool {
    lit.is_empty() || text.windows(lit.len()).any(|w| eq_slice(w, lit, fold))
}

/// `*`/`?` matching in O(text × pattern): on a mismatch, retry from the
/// last star with one more byte swallowed.
fn glob(toks: &[Tok], text: &[u8], fold: bool) -> bool {
    let (mut t, mut p) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match toks.get(p) {
            Some(Tok::Star) => {
                star = Some((p, t));
                p += 1;
                continue;
            }
            Some(Tok::One) => {
                p += 1;
                t += 1;
                continue;
            }
            Some(Tok::Lit(c)) if eq(text[t], *c, fold) => {
                p += 1;
                t += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((sp, st)) => {
                p = sp + 1;
                t = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    toks[p..].iter().all(|t| *t == Tok::Star)
}

/// Whether a selection name matches a `*` pattern (`1 of selection_*`).
pub fn name_matches(pattern: &str, name: &str) -> bool {
    let toks: Vec<Tok> = pattern
        .bytes()
        .map(|b| if b == b'*' { Tok::Star } else { Tok::Lit(b) })
        .collect();
    glob(&toks, name.as_bytes(), false)
}

impl Pattern {
    fn matches(&self, e: &[u8]) -> bool {
        match self {
            Pattern::Text { text, fold } => {
                let f = *fold;
                match text {
                    Text::Exact(l) => eq_slice(e, l, f),
                    Text::Prefix(l) => e.len() >= l.len() && eq_slice(&e[..l.len()], l, f),
                    Text::Suffix(l) => {
                        e.len() >= l.len() && eq_slice(&e[e.len() - l.len()..], l, f)
                    }
                    Text::Contains(l) => contains(e, l, f),
                    Text::Glob(toks) => glob(toks, e, f),
                }
            }
            Pattern::Regex(re) => match std::str::from_utf8(e) {
                Ok(s) => re.is_match(s),
                Err(_) => re.is_match(&String::from_utf8_lossy(e)),
            },
            Pattern::Nets(set) => std::str::from_utf8(e)
                .ok()
                .and_then(|s| s.parse::<IpAddr>().ok())
                .is_some_and(|ip| set.contains(ip)),
            Pattern::Num(cmp, n) => std::str::from_utf8(e)
                .ok()
                .and_then(|s| s.parse::<f64>().ok())
                .is_some_and(|x| cmp.holds(x, *n)),
            Pattern::Bool(b) => {
                let want: &[&[u8]] = if *b {
                    &[b"T", b"true"]
                } else {
                    &[b"F", b"false"]
                };
                want.iter()
                    .any(|w| eq_slice(e, &w.to_ascii_lowercase(), true))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Observed;
    use crate::sigma::yaml::documents;
    use crate::testing::{dns, T0};

    /// Compiles `item` (one `key: value` line of YAML) for dns.log and
    /// matches it against a dns row with `query` and `answer`.
    fn hit(item: &str, query: &str, answer: Option<&str>) -> bool {
        let doc = &documents(item).unwrap()[0];
        let Value::Map(pairs) = &doc.value else {
            panic!("a mapping")
        };
        let mut f = LogFields::new("dns");
        let it = Item::field(&pairs[0].0, &pairs[0].1, &mut f).unwrap();
        let mut v = Values::new(&f);
        let rec: Observed = dns(T0, "10.0.0.1", "10.0.0.53", query, answer);
        v.load(&f, &rec);
        it.matches(&v)
    }

    fn err(item: &str) -> String {
        let doc = &documents(item).unwrap()[0];
        let Value::Map(pairs) = &doc.value else {
            panic!("a mapping")
        };
        let mut f = LogFields::new("dns");
        Item::field(&pairs[0].0, &pairs[0].1, &mut f)
            .unwrap_err()
            .msg
    }

    #[test]
    fn plain_values_are_case_insensitive_wildcards() {
        assert!(hit("query: Evil.Example", "evil.example", None));
        assert!(!hit("query: evil.example", "xevil.example", None));
        assert!(hit("query: '*.example'", "a.evil.example", None));
        assert!(hit("query: 'ev?l.*'", "evIl.example", None));
        assert!(hit("query: 'a*b*c'", "axxbyyc", None));
        assert!(!hit("query: 'a*b*c'", "axxbyy", None));
        assert!(hit("query: 'a\\*b'", "a*b", None), "escaped star");
        assert!(!hit("query: 'a\\*b'", "axxb", None));
        assert!(hit("query: [x, y, evil.example]", "evil.example", None));
    }

    #[test]
    fn string_modifiers() {
        assert!(hit("query|contains: VIL", "evil.example", None));
        assert!(hit("query|startswith: evil", "evil.example", None));
        assert!(!hit("query|startswith: example", "evil.example", None));
        assert!(hit("query|endswith: .example", "evil.example", None));
        assert!(hit(
            "query|contains|all: [evil, exam]",
            "evil.example",
            None
        ));
        assert!(!hit(
            "query|contains|all: [evil, nope]",
            "evil.example",
            None
        ));
        assert!(!hit("query|cased: EVIL.example", "evil.example", None));
        assert!(hit("query|cased: evil.example", "evil.example", None));
    }

    #[test]
    fn regex_cidr_numbers_exists_null_bool() {
        assert!(hit("query|re: '^[a-z]{4}\\.'", "evil.example", None));
        assert!(!hit("query|re: '^EVIL'", "evil.example", None));
        assert!(hit("query|re|i: '^EVIL'", "evil.example", None));
        assert!(hit("answers|cidr: 192.0.2.0/24", "a", Some("192.0.2.7")));
        assert!(!hit("answers|cidr: 10.0.0.0/8", "a", Some("192.0.2.7")));
        let nets = "answers|cidr: [10.0.0.0/8, '2001:db8::/32', 192.0.2.0/28]";
        assert!(hit(nets, "a", Some("192.0.2.7")));
        assert!(hit(nets, "a", Some("2001:db8::1")));
        assert!(!hit(nets, "a", Some("192.0.2.17")));
        assert!(!hit(
            "answers|cidr|all: [10.0.0.0/8, 192.0.2.0/24]",
            "a",
            Some("192.0.2.7")
        ));
        assert!(hit("id.resp_p|gte: 53", "a", None));
        assert!(!hit("id.resp_p|gt: 53", "a", None));
        assert!(hit("id.resp_p|lt: 54", "a", None));
        assert!(hit("id.resp_p|lte: 53", "a", None));
        assert!(hit("id.resp_p: 53", "a", None));
        assert!(hit("answers|exists: true", "a", Some("1.2.3.4")));
        assert!(hit("answers|exists: false", "a", None));
        assert!(hit("answers: null", "a", None));
        assert!(!hit("answers: null", "a", Some("1.2.3.4")));
        // A Zeek bool: true/false, quoted or not, are T/F.
        assert!(hit("rejected: false", "a", None));
        assert!(hit("rejected: 'false'", "a", None));
        assert!(!hit("rejected: 'true'", "a", None));
        assert!(!hit("query: 'true'", "true.example", None));
    }

    #[test]
    fn base64_and_offsets() {
        // "attack" in base64 at the three offsets, inside other text.
        let plain = records::base64(b"xx attack yy");
        assert!(hit("query|base64offset|contains: attack", &plain, None));
        assert!(hit("query|base64: hi", "aGk=", None));
        for pre in ["", "a", "ab"] {
            let q = records::base64(format!("{pre}attack").as_bytes());
            assert!(
                hit("query|base64offset|contains: attack", &q, None),
                "{pre}"
            );
        }
        assert!(!hit("query|base64offset|contains: attack", "YXR0", None));
    }

    #[test]
    fn bad_items_are_errors() {
        assert!(err("query|windash: x").contains("windash"));
        assert!(err("query|re: '('").contains("regular expression"));
        assert!(err("answers|cidr: nope").contains("CIDR"));
        assert!(err("id.resp_p|gt: many").contains("number"));
        assert!(err("nope: x").contains("no field"));
        assert!(err("query: {a: b}").contains("mapping"));
        assert!(err("query|exists: maybe").contains("exists"));
    }

    #[test]
    fn glob_is_linear_on_hostile_patterns() {
        let toks = wildcards(&"*a".repeat(50));
        let text = vec![b'a'; 4000];
        assert!(!glob(
            &[toks.as_slice(), &[Tok::Lit(b'b')]].concat(),
            &text,
            false
        ));
        assert!(name_matches("sel*", "selection"));
        assert!(!name_matches("sel*", "filter"));
    }
}
