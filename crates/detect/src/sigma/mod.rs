//! Custom detections as Sigma rules (`--rules FILE|DIR`): SigmaHQ's YAML
//! format over Zeek's logs (`logsource: product: zeek, service: dns`),
//! with field modifiers, conditions and the correlation rules
//! `event_count`, `value_count` and `temporal`.
//!
//! * [`yaml`]: YAML to line-numbered trees; [`rule`]: documents to
//!   compiled rules; [`condition`]: the condition language;
//!   [`matcher`]: one `field|modifiers: values` item; [`fields`]: logs,
//!   field names and the values of a record; [`correlate`]: windows.
//! * A rule match is a `Sigma::Rule_Match` notice, a correlation a
//!   `Sigma::Correlation` (rules a correlation uses raise none of their
//!   own unless they say `generate: true`).
//! * A bad rule is an error naming its file and line; the others load.
//!
//! Rules are compiled once; per record only the logs some rule reads are
//! routed here, only the columns rules read are taken from the record
//! (into reused buffers), and matching allocates nothing.

pub mod condition;
pub mod correlate;
pub mod fields;
pub mod matcher;
pub mod rule;
pub mod yaml;

use crate::engine::{Ctx, Detection, Observed};
use crate::notice::{ConnRef, Notice, Notices, Proto};
use correlate::{Member, Running};
use fields::{LogFields, Values};
use rule::{Correlation, Rule};
use std::path::{Path, PathBuf};
use yaml::Node;

/// Largest rule file read.
const MAX_FILE: u64 = 4 << 20;
/// Deepest directory walked under a `--rules` directory.
const MAX_DIR_DEPTH: usize = 8;

/// The rules of one log.
#[derive(Debug, Clone)]
struct LogRules {
    fields: LogFields,
    rules: Vec<Rule>,
}

/// A correlation with its member rules resolved: (log, rule) each.
#[derive(Debug, Clone)]
struct Resolved {
    def: Correlation,
    members: Vec<((usize, usize), Member)>,
}

/// Compiled rules, ready to run.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    logs: Vec<LogRules>,
    correlations: Vec<Resolved>,
}

/// What loading found: the rules that compiled, and one error per rule
/// (or file) that did not, as `file:line: what`.
#[derive(Debug, Default)]
pub struct Loaded {
    pub rules: RuleSet,
    pub errors: Vec<String>,
}

impl RuleSet {
    pub fn is_empty(&self) -> bool {
        self.logs.iter().all(|l| l.rules.is_empty())
    }

    /// Detection rules and correlation rules loaded.
    pub fn counts(&self) -> (usize, usize) {
        let rules = self.logs.iter().map(|l| l.rules.len()).sum();
        (rules, self.correlations.len())
    }

    fn log_mut(&mut self, log: &'static str) -> usize {
        if let Some(i) = self.logs.iter().position(|l| l.fields.log == log) {
            return i;
        }
        self.logs.push(LogRules {
            fields: LogFields::new(log),
            rules: Vec::new(),
        });
        self.logs.len() - 1
    }
}

/// Loads rule files and directories (`.yml`/`.yaml`, walked in name
/// order).
pub fn load(paths: &[PathBuf]) -> Loaded {
    let mut files = Vec::new();
    let mut out = Loaded::default();
    for p in paths {
        collect(p, 0, &mut files, &mut out.errors);
    }
    let texts: Vec<(String, String)> = files
        .into_iter()
        .filter_map(|f| match read(&f) {
            Ok(t) => Some((f.display().to_string(), t)),
            Err(e) => {
                out.errors.push(format!("{}: {e}", f.display()));
                None
            }
        })
        .collect();
    let refs: Vec<(&str, &str)> = texts
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let parsed = load_texts(&refs);
    out.rules = parsed.rules;
    out.errors.extend(parsed.errors);
    out
}

fn read(f: &Path) -> Result<String, String> {
    let len = std::fs::metadata(f).map_err(|e| e.to_string())?.len();
    if len > MAX_FILE {
        return Err(format!("larger than {MAX_FILE} bytes"));
    }
    std::fs::read_to_string(f).map_err(|e| e.to_string())
}

fn collect(p: &Path, depth: usize, files: &mut Vec<PathBuf>, errors: &mut Vec<String>) {
    if !p.is_dir() {
        files.push(p.to_path_buf());
        return;
    }
    if depth > MAX_DIR_DEPTH {
        return;
    }
    let entries = match std::fs::read_dir(p) {
        Ok(rd) => rd,
        Err(e) => return errors.push(format!("{}: {e}", p.display())),
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let yaml = path.extension().is_some_and(|e| e == "yml" || e == "yaml");
        if path.is_dir() {
            collect(&path, depth + 1, files, errors);
        } else if yaml {
            files.push(path);
        }
    }
}

/// Compiles rule texts, each `(file name, text)`.
pub fn load_texts(texts: &[(&str, &str)]) -> Loaded {
    let mut out = Loaded::default();
    let mut pending = Vec::new();
    for (file, text) in texts {
        let docs = match yaml::documents(text) {
            Ok(d) => d,
            Err(e) => {
                out.errors.push(format!("{file}:{}: {}", e.line, e.msg));
                continue;
            }
        };
        for doc in docs.iter().filter(|d| !d.is_null()) {
            let res = if doc.get("correlation").is_some() {
                rule::correlation(doc, format!("{file}:{}", doc.line))
                    .map(|c| pending.push((file.to_string(), c)))
            } else {
                add_rule(&mut out.rules, doc, file)
            };
            if let Err(e) = res {
                out.errors.push(format!("{file}:{}: {}", e.line, e.msg));
            }
        }
    }
    for (file, c) in pending {
        if let Err(e) = resolve(&mut out.rules, c) {
            out.errors.push(format!("{file}:{}: {}", e.line, e.msg));
        }
    }
    for log in &mut out.rules.logs {
        for r in &mut log.rules {
            r.generate.get_or_insert(true);
        }
    }
    out
}

fn add_rule(set: &mut RuleSet, doc: &Node, file: &str) -> Result<(), yaml::Error> {
    if doc.get("detection").is_none() {
        return Err(yaml::Error::new(
            doc.line,
            "neither a detection rule (no `detection`) nor a correlation rule",
        ));
    }
    let log = rule::log_of_rule(doc)?;
    let li = set.log_mut(log);
    let fields = &mut set.logs[li].fields;
    let mark = fields.mark();
    match rule::rule(doc, format!("{file}:{}", doc.line), fields) {
        Ok(r) => {
            set.logs[li].rules.push(r);
            Ok(())
        }
        Err(e) => {
            fields.undo_to(mark);
            Err(e)
        }
    }
}

/// Finds a correlation's rules and the slots of its fields in their logs.
fn resolve(set: &mut RuleSet, def: Correlation) -> Result<(), yaml::Error> {
    let mut members = Vec::new();
    for (reference, line) in &def.rules {
        let found = set.logs.iter().enumerate().find_map(|(li, l)| {
            l.rules
                .iter()
                .position(|r| r.about.is(reference))
                .map(|ri| (li, ri))
        });
        let (li, ri) = found.ok_or_else(|| {
            yaml::Error::new(
                *line,
                format!("no loaded rule has the id or name `{reference}`"),
            )
        })?;
        let fields = &mut set.logs[li].fields;
        let slot =
            |f: &mut LogFields, name: &str| f.slot(name).map_err(|e| yaml::Error::new(def.line, e));
        let group = def
            .group_by
            .iter()
            .map(|g| slot(fields, g))
            .collect::<Result<_, _>>()?;
        let value = def.field.as_deref().map(|f| slot(fields, f)).transpose()?;
        members.push(((li, ri), Member { group, value }));
    }
    // Rules a correlation uses are quiet unless it or they say `generate`.
    for ((li, ri), _) in &members {
        let r = &mut set.logs[*li].rules[*ri];
        match def.generate {
            Some(true) => r.generate = Some(true),
            _ => {
                r.generate.get_or_insert(false);
            }
        }
    }
    set.correlations.push(Resolved { def, members });
    Ok(())
}

/// The id columns of a record, read only when a rule matches.
const ID_COLUMNS: [&str; 6] = [
    "uid",
    "id.orig_h",
    "id.orig_p",
    "id.resp_h",
    "id.resp_p",
    "proto",
];

/// Logs of protocols over TCP only (they have no proto column).
const TCP_LOGS: [&str; 6] = ["http", "ssl", "ssh", "smtp", "ftp", "websocket"];

/// One log's rules at run time.
struct LogState {
    fields: LogFields,
    values: Values,
    rules: Vec<Rule>,
    /// Per rule: the correlations (and their member index) it feeds.
    feeds: Vec<Vec<(usize, usize)>>,
    /// The id columns present in the log, and their values.
    ids: LogFields,
    id_slots: [Option<usize>; 6],
    id_values: Values,
}

/// The Sigma rules as one detection.
pub struct SigmaDetection {
    logs: Vec<LogState>,
    topics: Vec<&'static str>,
    correlations: Vec<Running>,
    suppress_for: i64,
}

impl SigmaDetection {
    pub fn new(set: &RuleSet, max_keys: usize, suppress_for: i64) -> SigmaDetection {
        let mut logs: Vec<LogState> = set
            .logs
            .iter()
            .filter(|l| !l.rules.is_empty())
            .map(|l| {
                let mut ids = LogFields::new(l.fields.log);
                let id_slots = ID_COLUMNS.map(|c| ids.slot(c).ok());
                LogState {
                    values: Values::new(&l.fields),
                    fields: l.fields.clone(),
                    rules: l.rules.clone(),
                    feeds: vec![Vec::new(); l.rules.len()],
                    id_values: Values::new(&ids),
                    ids,
                    id_slots,
                }
            })
            .collect();
        let mut correlations = Vec::new();
        for c in &set.correlations {
            let ci = correlations.len();
            for (mi, ((li, ri), _)) in c.members.iter().enumerate() {
                let log = set.logs[*li].fields.log;
                if let Some(state) = logs.iter_mut().find(|s| s.fields.log == log) {
                    state.feeds[*ri].push((ci, mi));
                }
            }
            let members = c.members.iter().map(|(_, m)| m.clone()).collect();
            correlations.push(Running::new(c.def.clone(), members, max_keys, suppress_for));
        }
        SigmaDetection {
            topics: logs.iter().map(|l| l.fields.log).collect(),
            logs,
            correlations,
            suppress_for,
        }
    }
}

impl Detection for SigmaDetection {
    fn topics(&self) -> &[&'static str] {
        &self.topics
    }

    fn observe(&mut self, rec: &Observed, cx: &Ctx, out: &mut Notices) {
        let path = rec.path();
        let Some(state) = self.logs.iter_mut().find(|l| l.fields.log == path) else {
            return;
        };
        let ts = rec.time().unwrap_or(cx.now);
        state.values.load(&state.fields, rec);
        for (i, r) in state.rules.iter().enumerate() {
            if !r.matches(&state.values) {
                continue;
            }
            if r.generate == Some(true) {
                state.id_values.load(&state.ids, rec);
                out.raise(match_notice(r, state, ts, self.suppress_for));
            }
            for &(c, m) in &state.feeds[i] {
                self.correlations[c].update(m, &state.values, ts, out);
            }
        }
    }

    fn tick(&mut self, cx: &Ctx, out: &mut Notices) {
        for c in &mut self.correlations {
            c.tick(cx.now, out);
        }
    }

    fn finish(&mut self, _cx: &Ctx, out: &mut Notices) {
        for c in &mut self.correlations {
            c.finish(out);
        }
    }

    fn evicted(&self) -> u64 {
        self.correlations.iter().map(Running::evicted).sum()
    }
}

/// Longest field value quoted in a message.
const SHOWN_VALUE: usize = 120;

/// A `Sigma::Rule_Match` notice: the rule's title and level and the
/// values of the fields it tests; one per rule, source and values within
/// the suppression interval.
fn match_notice(r: &Rule, s: &LogState, ts: records::Time, suppress_for: i64) -> Notice {
    let id = |k: usize| s.id_slots[k].map(|slot| s.id_values.text(slot));
    let shown: Vec<String> = r
        .shown
        .iter()
        .map(|&slot| {
            let mut v = s.values.text(slot);
            if v.len() > SHOWN_VALUE {
                let cut = (0..=SHOWN_VALUE)
                    .rev()
                    .find(|&i| v.is_char_boundary(i))
                    .unwrap_or(0);
                v.truncate(cut);
                v.push_str("...");
            }
            format!("{}={v}", s.fields.name(slot))
        })
        .collect();
    let about = &r.about;
    let msg = format!("{} ({}): {}", about.title, about.level(), shown.join(" "));
    let mut n = Notice::new(ts, "Sigma::Rule_Match", msg);
    n.sub = Some(about.key().to_string());
    let ip = |k: usize| id(k).and_then(|t| t.parse().ok());
    let port = |k: usize| id(k).and_then(|t| t.parse::<u16>().ok());
    n.src = ip(1);
    n.dst = ip(3);
    // Logs of TCP protocols have no proto column.
    let proto = match s.id_slots[5] {
        Some(_) => id(5).and_then(|p| Proto::from_name(&p)),
        None => TCP_LOGS.contains(&s.fields.log).then_some(Proto::Tcp),
    };
    if let (Some(uid), Some(orig_h), Some(orig_p), Some(resp_h), Some(resp_p), Some(proto)) = (
        id(0).filter(|u| u != "-"),
        n.src,
        port(2),
        n.dst,
        port(4),
        proto,
    ) {
        n.conn = Some(ConnRef {
            uid,
            orig_h,
            orig_p,
            resp_h,
            resp_p,
            proto,
        });
    }
    let who = n.src.map(|a| a.to_string()).unwrap_or_default();
    n.identifier = Some(format!("{}|{who}|{}", about.key(), shown.join(" ")));
    n.suppress_for = Some(suppress_for);
    n
}

#[cfg(test)]
mod tests;
