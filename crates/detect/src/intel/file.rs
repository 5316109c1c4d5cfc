//! Zeek's intel file format, as its ASCII input reader reads it: a
//! `#fields` line naming tab-separated columns (`indicator`,
//! `indicator_type`, `meta.source` required; `meta.desc`, `meta.url`,
//! `meta.do_notice`, `meta.if_in`, `meta.whitelist` and others optional),
//! `#` lines otherwise comments, `-` an unset field. A line that does not
//! fit is skipped with a warning naming its line; it never stops the load.

use super::{Kind, Where};
use config::Cidr;
use std::net::IpAddr;

/// What an indicator is: an address, a network or a (lowercased) string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Indicator {
    Addr(IpAddr),
    Subnet(Cidr),
    /// ASCII-lowercased: Zeek's intel matching is case-insensitive.
    Text(Kind, Vec<u8>),
}

/// Zeek's `Intel::MetaData`, with the fields of `do_notice` and
/// `whitelist`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Meta {
    pub source: String,
    pub desc: Option<String>,
    pub url: Option<String>,
    pub do_notice: bool,
    /// `meta.if_in`: notices only when seen there (`None`: anywhere).
    pub if_in: Option<Where>,
    pub whitelist: bool,
}

/// One line of an intel file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub indicator: Indicator,
    pub meta: Meta,
}

/// A line skipped, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    /// 1-based.
    pub line: usize,
    pub reason: String,
}

/// The columns a `#fields` line declares, by position.
#[derive(Debug, Default, Clone)]
struct Columns {
    indicator: Option<usize>,
    kind: Option<usize>,
    source: Option<usize>,
    desc: Option<usize>,
    url: Option<usize>,
    do_notice: Option<usize>,
    if_in: Option<usize>,
    whitelist: Option<usize>,
    count: usize,
}

impl Columns {
    fn parse(names: &[u8]) -> Result<Columns, String> {
        let mut c = Columns::default();
        for (i, name) in names.split(|&b| b == b'\t').enumerate() {
            let slot = match name {
                b"indicator" => &mut c.indicator,
                b"indicator_type" => &mut c.kind,
                b"meta.source" => &mut c.source,
                b"meta.desc" => &mut c.desc,
                b"meta.url" => &mut c.url,
                b"meta.do_notice" => &mut c.do_notice,
                b"meta.if_in" => &mut c.if_in,
                b"meta.whitelist" => &mut c.whitelist,
                // Columns of other scripts (meta.cif_*, ...) are ignored.
                _ => {
                    c.count = i + 1;
                    continue;
                }
            };
            *slot = Some(i);
            c.count = i + 1;
        }
        for (col, name) in [
            (c.indicator, "indicator"),
            (c.kind, "indicator_type"),
            (c.source, "meta.source"),
        ] {
            if col.is_none() {
                return Err(format!("#fields lacks the {name} column"));
            }
        }
        Ok(c)
    }
}

/// Reads an intel file: its items and the lines it skipped.
pub fn parse(text: &[u8]) -> (Vec<Item>, Vec<BadLine>) {
    let mut items = Vec::new();
    let mut bad = Vec::new();
    let mut columns: Option<Columns> = None;
    for (i, raw) in text.split(|&b| b == b'\n').enumerate() {
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        let at = i + 1;
        if let Some(names) = line.strip_prefix(b"#fields\t") {
            match Columns::parse(names) {
                Ok(c) => columns = Some(c),
                Err(reason) => {
                    columns = None;
                    bad.push(BadLine { line: at, reason });
                }
            }
            continue;
        }
        if line.is_empty() || line.starts_with(b"#") {
            continue;
        }
        let Some(cols) = &columns else {
            bad.push(BadLine {
                line: at,
                reason: "a line before a valid #fields line".into(),
            });
            continue;
        };
        match parse_line(line, cols) {
            Ok(item) => items.push(item),
            Err(reason) => bad.push(BadLine { line: at, reason }),
        }
    }
    (items, bad)
}

fn parse_line(line: &[u8], cols: &Columns) -> Result<Item, String> {
    let fields: Vec<&[u8]> = line.split(|&b| b == b'\t').collect();
    if fields.len() != cols.count {
        return Err(format!(
            "{} fields where #fields declares {}",
            fields.len(),
            cols.count
        ));
    }
    let get = |col: Option<usize>| col.and_then(|i| fields.get(i).copied()).and_then(value);
    let kind_name = text(get(cols.kind).ok_or("no indicator_type")?);
    let kind = Kind::from_name(&kind_name)
        .ok_or_else(|| format!("unknown indicator_type {kind_name:?}"))?;
    let raw = get(cols.indicator).ok_or("no indicator")?;
    let source = text(get(cols.source).ok_or("no meta.source")?);
    Ok(Item {
        indicator: indicator(kind, raw)?,
        meta: Meta {
            source,
            desc: get(cols.desc).map(text),
            url: get(cols.url).map(text),
            do_notice: flag(get(cols.do_notice), "meta.do_notice")?,
            if_in: match get(cols.if_in) {
                None => None,
                Some(w) => where_of(&text(w))?,
            },
            whitelist: flag(get(cols.whitelist), "meta.whitelist")?,
        },
    })
}

/// A field's value: `None` when unset (`-`).
fn value(field: &[u8]) -> Option<&[u8]> {
    match field {
        b"-" => None,
        b"(empty)" => Some(b""),
        v => Some(v),
    }
}

fn text(v: &[u8]) -> String {
    String::from_utf8_lossy(v).into_owned()
}

fn indicator(kind: Kind, raw: &[u8]) -> Result<Indicator, String> {
    let s = std::str::from_utf8(raw).map_err(|_| "an address that is not text")?;
    match kind {
        Kind::Addr => s
            .parse::<IpAddr>()
            .map(|a| Indicator::Addr(Cidr::host(a).addr))
            .map_err(|_| format!("{s:?} is not an address")),
        Kind::Subnet => s
            .contains('/')
            .then(|| Cidr::parse(s))
            .flatten()
            .map(Indicator::Subnet)
            .ok_or_else(|| format!("{s:?} is not a subnet")),
        _ => Ok(Indicator::Text(kind, raw.to_ascii_lowercase())),
    }
}

fn flag(v: Option<&[u8]>, name: &str) -> Result<bool, String> {
    match v {
        None | Some(b"F") => Ok(false),
        Some(b"T") => Ok(true),
        Some(other) => Err(format!("{name} {:?} is neither T nor F", text(other))),
    }
}

/// `meta.if_in`: a where-location, `Intel::IN_ANYWHERE` meaning none.
fn where_of(name: &str) -> Result<Option<Where>, String> {
    if name == "Intel::IN_ANYWHERE" {
        return Ok(None);
    }
    Where::from_name(name)
        .map(Some)
        .ok_or_else(|| format!("unknown meta.if_in {name:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url\n";

    fn one(line: &str) -> Result<Item, String> {
        let (items, bad) = parse(format!("{HEADER}{line}\n").as_bytes());
        match (items.first(), bad.first()) {
            (Some(i), None) => Ok(i.clone()),
            (_, Some(b)) => Err(b.reason.clone()),
            _ => Err("nothing".into()),
        }
    }

    #[test]
    fn every_type_parses() {
        let cases = [
            ("10.0.0.1", "Intel::ADDR"),
            ("10.0.0.0/8", "Intel::SUBNET"),
            ("Evil.Example.com", "Intel::DOMAIN"),
            ("evil.example.com/x.php", "Intel::URL"),
            ("Mozilla/4.0 (bad)", "Intel::USER_AGENT"),
            ("a@b.example", "Intel::EMAIL"),
            ("d41d8cd98f00b204e9800998ecf8427e", "Intel::FILE_HASH"),
            ("putty.exe", "Intel::FILE_NAME"),
            (
                "da39a3ee5e6b4b0d3255bfef95601890afd80709",
                "Intel::CERT_HASH",
            ),
            ("Evil/1.0", "Intel::SOFTWARE"),
            ("aa:bb", "Intel::PUBKEY_HASH"),
            ("root", "Intel::USER_NAME"),
        ];
        for (ind, kind) in cases {
            let item = one(&format!("{ind}\t{kind}\tsrc\tdesc\t-")).unwrap();
            assert_eq!(item.meta.source, "src");
            assert_eq!(item.meta.desc.as_deref(), Some("desc"));
            assert_eq!(item.meta.url, None, "- is unset");
            match item.indicator {
                Indicator::Addr(a) => assert_eq!(a.to_string(), ind),
                Indicator::Subnet(c) => assert_eq!(format!("{}/{}", c.addr, c.len), ind),
                Indicator::Text(k, v) => {
                    assert_eq!(k.name(), kind);
                    assert_eq!(v, ind.to_ascii_lowercase().as_bytes(), "lowercased");
                }
            }
        }
    }

    #[test]
    fn bad_lines_are_skipped_with_their_line_number() {
        let text = format!(
            "{HEADER}# a comment\n\
             1.2.3.4\tIntel::ADDR\ts\td\tu\n\
             nope\tIntel::ADDR\ts\td\tu\n\
             x\tIntel::NOPE\ts\td\tu\n\
             too\tfew\n\
             10.0.0.1\tIntel::SUBNET\ts\td\tu\n\
             \n\
             ok.example\tIntel::DOMAIN\ts\td\tu\n"
        );
        let (items, bad) = parse(text.as_bytes());
        assert_eq!(items.len(), 2);
        let lines: Vec<usize> = bad.iter().map(|b| b.line).collect();
        assert_eq!(lines, [4, 5, 6, 7]);
        assert!(bad[0].reason.contains("not an address"), "{:?}", bad[0]);
        assert!(bad[1].reason.contains("unknown indicator_type"));
        assert!(bad[2].reason.contains("2 fields"));
        assert!(bad[3].reason.contains("not a subnet"));
    }

    #[test]
    fn fields_lines_may_change_and_carry_notice_and_whitelist_columns() {
        let text = "#fields\tindicator\tindicator_type\tmeta.source\tmeta.do_notice\tmeta.if_in\n\
                    a.example\tIntel::DOMAIN\ts1\tT\tDNS::IN_REQUEST\n\
                    #fields\tmeta.whitelist\tindicator\tindicator_type\tmeta.source\n\
                    T\tb.example\tIntel::DOMAIN\ts2\n";
        let (items, bad) = parse(text.as_bytes());
        assert!(bad.is_empty(), "{bad:?}");
        assert!(items[0].meta.do_notice);
        assert_eq!(items[0].meta.if_in, Where::from_name("DNS::IN_REQUEST"));
        assert!(items[1].meta.whitelist && !items[1].meta.do_notice);
    }

    #[test]
    fn a_fields_line_without_required_columns_skips_until_the_next() {
        let text = "#fields\tindicator\tmeta.source\nx\ts\n";
        let (items, bad) = parse(text.as_bytes());
        assert!(items.is_empty());
        assert_eq!(bad.len(), 2);
        assert!(bad[0].reason.contains("indicator_type"));
    }

    #[test]
    fn lines_before_fields_and_bad_flags_are_reported() {
        let (_, bad) = parse(b"x\tIntel::ADDR\ts\n");
        assert_eq!(bad[0].line, 1);
        let text = "#fields\tindicator\tindicator_type\tmeta.source\tmeta.do_notice\n\
                    a\tIntel::DOMAIN\ts\tyes\n";
        let (items, bad) = parse(text.as_bytes());
        assert!(items.is_empty());
        assert!(bad[0].reason.contains("neither T nor F"));
    }
}
