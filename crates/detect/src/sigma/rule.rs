//! Sigma documents to compiled rules: detection rules (`logsource`,
//! `detection`, `condition`) and correlation rules (`correlation:` with
//! `type`, `rules`, `group-by`, `timespan`, `condition`).

use super::condition::{self, Expr};
use super::fields::{log_of, LogFields, Values};
use super::matcher::Item;
use super::yaml::{Error, Node, Value};

/// What describes a rule in notices.
#[derive(Debug, Clone)]
pub struct About {
    pub title: String,
    pub id: Option<String>,
    pub name: Option<String>,
    pub level: Option<String>,
    /// `file:line` of the rule.
    pub origin: String,
}

impl About {
    fn of(doc: &Node, origin: String) -> Result<About, Error> {
        let text = |k: &str| -> Result<Option<String>, Error> {
            doc.get(k)
                .map(|n| n.expect_text(k).map(str::to_string))
                .transpose()
        };
        Ok(About {
            title: text("title")?.ok_or_else(|| Error::new(doc.line, "a rule needs a title"))?,
            id: text("id")?,
            name: text("name")?,
            level: text("level")?,
            origin,
        })
    }

    /// The rule's `sub` in notices and its suppression key: its id, else its
    /// name, else its title.
    pub fn key(&self) -> &str {
        self.id
            .as_deref()
            .or(self.name.as_deref())
            .unwrap_or(&self.title)
    }

    /// Whether a correlation's reference names this rule.
    pub fn is(&self, reference: &str) -> bool {
        self.id.as_deref() == Some(reference) || self.name.as_deref() == Some(reference)
    }

    pub fn level(&self) -> &str {
        self.level.as_deref().unwrap_or("no level")
    }
}

/// One selection: any of its branches, each all of its items.
#[derive(Debug, Clone)]
struct Selection(Vec<Vec<Item>>);

impl Selection {
    fn matches(&self, v: &Values) -> bool {
        self.0.iter().any(|b| b.iter().all(|i| i.matches(v)))
    }
}

/// A compiled detection rule over one log.
#[derive(Debug, Clone)]
pub struct Rule {
    pub about: About,
    pub log: &'static str,
    selections: Vec<Selection>,
    condition: Expr,
    /// Its matches are notices of their own (`generate`, or no correlation
    /// uses it).
    pub generate: Option<bool>,
    /// The slots its items read, for messages (first few, in order).
    pub shown: Vec<usize>,
}

/// Fields named in a rule match's message.
const SHOWN: usize = 4;

impl Rule {
    pub fn matches(&self, v: &Values) -> bool {
        self.condition.eval(&mut |i| self.selections[i].matches(v))
    }
}

/// The log a detection rule reads (checked first, to pick its fields).
pub fn log_of_rule(doc: &Node) -> Result<&'static str, Error> {
    let src = doc
        .get("logsource")
        .ok_or_else(|| Error::new(doc.line, "a rule needs a logsource"))?;
    let text = |k: &str| src.get(k).and_then(Node::text);
    log_of(text("product"), text("service"), text("category")).map_err(|e| Error::new(src.line, e))
}

/// A detection rule whose fields get slots in `fields` (its log's).
pub fn rule(doc: &Node, origin: String, fields: &mut LogFields) -> Result<Rule, Error> {
    let about = About::of(doc, origin)?;
    let det = doc
        .get("detection")
        .ok_or_else(|| Error::new(doc.line, "a rule needs a detection"))?;
    let Value::Map(pairs) = &det.value else {
        return Err(Error::new(det.line, "detection must be a mapping"));
    };
    let mut names = Vec::new();
    let mut selections = Vec::new();
    let mut cond = None;
    for (k, v) in pairs {
        match k.expect_text("a selection name")? {
            "condition" => cond = Some(v),
            "timeframe" => {
                return Err(Error::new(
                    k.line,
                    "timeframe is not supported: write a correlation rule",
                ))
            }
            name => {
                names.push(name);
                selections.push(selection(v, fields)?);
            }
        }
    }
    let cond = cond.ok_or_else(|| Error::new(det.line, "detection needs a condition"))?;
    let condition = condition_of(cond, &names)?;
    let shown = selections
        .iter()
        .flat_map(|s| s.0.iter().flatten())
        .filter(|i| i.slots.len() == 1)
        .map(|i| i.slots[0])
        .fold(Vec::new(), |mut acc, s| {
            if !acc.contains(&s) && acc.len() < SHOWN {
                acc.push(s);
            }
            acc
        });
    Ok(Rule {
        about,
        log: fields.log,
        selections,
        condition,
        generate: flag(doc, "generate")?,
        shown,
    })
}

fn flag(doc: &Node, key: &str) -> Result<Option<bool>, Error> {
    let Some(n) = doc.get(key) else {
        return Ok(None);
    };
    match n.text().map(str::to_ascii_lowercase).as_deref() {
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        _ => Err(Error::new(n.line, format!("{key} must be true or false"))),
    }
}

/// A condition, or a list of them (any).
fn condition_of(cond: &Node, names: &[&str]) -> Result<Expr, Error> {
    let one = |n: &Node| -> Result<Expr, Error> {
        let text = n.expect_text("a condition")?;
        condition::parse(text, names).map_err(|e| Error::new(n.line, e))
    };
    match &cond.value {
        Value::Seq(items) if !items.is_empty() => {
            Ok(Expr::Or(items.iter().map(one).collect::<Result<_, _>>()?))
        }
        _ => one(cond),
    }
}

/// A selection: a mapping (all items), a list of mappings (any), or a
/// list of keywords.
fn selection(v: &Node, fields: &mut LogFields) -> Result<Selection, Error> {
    let branch = |n: &Node, fields: &mut LogFields| -> Result<Vec<Item>, Error> {
        let Value::Map(pairs) = &n.value else {
            return Err(Error::new(n.line, "expected field: value pairs"));
        };
        pairs
            .iter()
            .map(|(k, v)| Item::field(k, v, fields))
            .collect()
    };
    match &v.value {
        Value::Map(_) => Ok(Selection(vec![branch(v, fields)?])),
        Value::Seq(items) if items.iter().all(|i| matches!(i.value, Value::Map(_))) => {
            let branches = items
                .iter()
                .map(|i| branch(i, fields))
                .collect::<Result<_, _>>()?;
            Ok(Selection(branches))
        }
        _ => Ok(Selection(vec![vec![Item::keywords(v, fields)?]])),
    }
}

/// The kinds of correlation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Matching events per group in the window.
    EventCount,
    /// Distinct values of a field per group in the window.
    ValueCount,
    /// Distinct rules matched per group in the window.
    Temporal,
}

/// A count condition: every bound must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bounds {
    pub min: Option<u64>,
    pub max: Option<u64>,
}

impl Bounds {
    pub fn holds(&self, n: u64) -> bool {
        self.min.is_none_or(|m| n >= m) && self.max.is_none_or(|m| n <= m)
    }

    /// An upper bound can only be judged when the window closes.
    pub fn judged_at_close(&self) -> bool {
        self.max.is_some()
    }

    fn of(cond: &Node, kind: Kind, rules: usize) -> Result<(Bounds, Option<String>), Error> {
        let mut b = Bounds::default();
        let mut field = None;
        let Value::Map(pairs) = &cond.value else {
            return Err(Error::new(
                cond.line,
                "condition must be a mapping like `gte: 10`",
            ));
        };
        for (k, v) in pairs {
            let key = k.expect_text("a condition operator")?;
            if key == "field" {
                field = Some(v.expect_text("field")?.to_string());
                continue;
            }
            let text = v.expect_text(key)?;
            let num = |s: &str| {
                s.trim()
                    .parse::<u64>()
                    .map_err(|_| Error::new(v.line, format!("`{s}` is not a count")))
            };
            match key {
                "gte" => b.min = Some(num(text)?),
                "gt" => b.min = Some(num(text)?.saturating_add(1)),
                "lte" => b.max = Some(num(text)?),
                "lt" => {
                    b.max = Some(
                        num(text)?
                            .checked_sub(1)
                            .ok_or_else(|| Error::new(v.line, "`lt: 0` never holds"))?,
                    )
                }
                "eq" => {
                    let n = num(text)?;
                    (b.min, b.max) = (Some(n), Some(n));
                }
                "range" => {
                    let (lo, hi) = text
                        .split_once("..")
                        .ok_or_else(|| Error::new(v.line, "range is written `LOW..HIGH`"))?;
                    (b.min, b.max) = (Some(num(lo)?), Some(num(hi)?));
                }
                other => {
                    return Err(Error::new(
                        k.line,
                        format!("unknown condition operator `{other}`"),
                    ))
                }
            }
        }
        if kind == Kind::ValueCount && field.is_none() {
            return Err(Error::new(
                cond.line,
                "value_count needs `field` in its condition",
            ));
        }
        if b == Bounds::default() {
            if kind != Kind::Temporal {
                return Err(Error::new(
                    cond.line,
                    "the condition has no bound (gte, lt, ...)",
                ));
            }
            b.min = Some(rules as u64);
        }
        Ok((b, field))
    }
}

/// A correlation rule as written; its rule references are resolved when
/// every file is loaded.
#[derive(Debug, Clone)]
pub struct Correlation {
    pub about: About,
    pub line: usize,
    pub kind: Kind,
    pub rules: Vec<(String, usize)>,
    pub group_by: Vec<String>,
    /// Nanoseconds.
    pub timespan: i64,
    pub bounds: Bounds,
    /// value_count's field.
    pub field: Option<String>,
    /// `generate: true`: the rules it uses raise their own notices too.
    pub generate: Option<bool>,
}

/// Most rules a temporal correlation can join (a bit each).
pub const MAX_TEMPORAL_RULES: usize = 64;

pub fn correlation(doc: &Node, origin: String) -> Result<Correlation, Error> {
    let about = About::of(doc, origin)?;
    let c = doc.get("correlation").expect("a correlation document");
    let need = |k: &str| {
        c.get(k)
            .ok_or_else(|| Error::new(c.line, format!("a correlation needs `{k}`")))
    };
    let kind_node = need("type")?;
    let kind = match kind_node.expect_text("type")? {
        "event_count" => Kind::EventCount,
        "value_count" => Kind::ValueCount,
        "temporal" => Kind::Temporal,
        other => {
            return Err(Error::new(
                kind_node.line,
                format!(
                "correlation type `{other}` is not supported (event_count, value_count, temporal)"
            ),
            ))
        }
    };
    if let Some(a) = c.get("aliases") {
        return Err(Error::new(a.line, "correlation aliases are not supported"));
    }
    let rules = texts(need("rules")?)?;
    if rules.is_empty() || (kind == Kind::Temporal && rules.len() > MAX_TEMPORAL_RULES) {
        return Err(Error::new(c.line, "a correlation needs 1 to 64 rules"));
    }
    let group_by = match c.get("group-by") {
        Some(g) => texts(g)?.into_iter().map(|(t, _)| t).collect(),
        None => Vec::new(),
    };
    let span_node = need("timespan")?;
    let timespan = timespan(span_node.expect_text("timespan")?).ok_or_else(|| {
        Error::new(
            span_node.line,
            "timespan is a number with s, m, h or d (`5m`)",
        )
    })?;
    let (bounds, field) = match c.get("condition") {
        Some(cond) => Bounds::of(cond, kind, rules.len())?,
        None if kind == Kind::Temporal => Bounds::of(
            &Node {
                line: c.line,
                value: Value::Map(Vec::new()),
            },
            kind,
            rules.len(),
        )?,
        None => return Err(Error::new(c.line, "a correlation needs `condition`")),
    };
    Ok(Correlation {
        about,
        line: c.line,
        kind,
        rules,
        group_by,
        timespan,
        bounds,
        field,
        generate: flag(c, "generate")?.or(flag(doc, "generate")?),
    })
}

/// A scalar or a list of scalars, each with its line.
fn texts(n: &Node) -> Result<Vec<(String, usize)>, Error> {
    match &n.value {
        Value::Scalar { text, .. } => Ok(vec![(text.clone(), n.line)]),
        Value::Seq(items) => items
            .iter()
            .map(|i| Ok((i.expect_text("a list item")?.to_string(), i.line)))
            .collect(),
        Value::Map(_) => Err(Error::new(n.line, "expected a name or a list of names")),
    }
}

/// `30s`, `5m`, `1h`, `7d` in nanoseconds.
pub fn timespan(s: &str) -> Option<i64> {
    let s = s.trim();
    let unit = match s.chars().last()? {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        _ => return None,
    };
    let n: i64 = s[..s.len() - 1].parse().ok().filter(|n| *n > 0)?;
    n.checked_mul(unit)?.checked_mul(1_000_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sigma::yaml::documents;

    fn bounds(cond: &str) -> Result<Bounds, Error> {
        let doc = &documents(cond).unwrap()[0];
        Bounds::of(doc, Kind::EventCount, 1).map(|(b, _)| b)
    }

    #[test]
    fn count_conditions() {
        assert_eq!(
            bounds("gte: 5").unwrap(),
            Bounds {
                min: Some(5),
                max: None
            }
        );
        assert_eq!(bounds("gt: 5").unwrap().min, Some(6));
        assert_eq!(bounds("lt: 5").unwrap().max, Some(4));
        assert_eq!(bounds("lte: 5").unwrap().max, Some(5));
        assert_eq!(
            bounds("eq: 3").unwrap(),
            Bounds {
                min: Some(3),
                max: Some(3)
            }
        );
        let r = bounds("range: 2..4").unwrap();
        assert!(!r.holds(1) && r.holds(2) && r.holds(4) && !r.holds(5));
        assert!(r.judged_at_close());
        assert!(bounds("gte: many").is_err());
        assert!(bounds("lt: 0").is_err());
        assert!(bounds("between: 1").unwrap_err().msg.contains("between"));
        assert!(bounds("range: 5").is_err());
    }

    #[test]
    fn timespans() {
        assert_eq!(timespan("5m"), Some(300_000_000_000));
        assert_eq!(timespan("1h"), Some(3_600_000_000_000));
        assert_eq!(timespan("2d"), Some(172_800_000_000_000));
        assert_eq!(timespan("10"), None);
        assert_eq!(timespan("0s"), None);
        assert_eq!(timespan("m"), None);
        assert_eq!(timespan("99999999999999999d"), None);
    }
}
