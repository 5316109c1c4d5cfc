//! Correlation rules at run time: per group (the values of the `group-by`
//! fields) a window of network time that opens with the group's first
//! matching event and lasts `timespan` (as the playbook's scripts count:
//! Zeek's `&create_expire`). Lower bounds (`gte`, `gt`) fire as soon as
//! they hold; upper bounds (`lte`, `lt`, `eq`, `range`) are judged when
//! the window closes. Groups are capped per correlation (the stalest is
//! evicted and counted).

use super::fields::{zeek_name, Values};
use super::rule::{Correlation, Kind};
use crate::detections::human_duration;
use crate::notice::{Notice, Notices};
use crate::state::Table;
use hashbrown::HashSet;
use records::Time;
use std::hash::BuildHasher;
use std::net::IpAddr;

/// One rule a correlation counts, with the slots (in the rule's log) of
/// the group-by fields and of value_count's field.
#[derive(Debug, Clone)]
pub struct Member {
    pub group: Vec<usize>,
    pub value: Option<usize>,
}

/// One group's window.
struct Group {
    /// When the window opened (its first event as seen).
    start: Time,
    /// The earliest and latest event times (records from several workers
    /// arrive a little out of order).
    first: Time,
    last: Time,
    events: u64,
    /// Hashes of value_count's distinct values.
    values: HashSet<u64, foldhash::fast::FixedState>,
    /// Temporal: which member rules matched (a bit each).
    seen: u64,
    fired: bool,
    /// The group-by values (see [`Running::update`]), turned into text only
    /// for a notice.
    key: Box<[u8]>,
}

/// A correlation and its groups.
pub struct Running {
    pub def: Correlation,
    pub members: Vec<Member>,
    groups: Table<u64, Group>,
    hasher: foldhash::fast::RandomState,
    key: Vec<u8>,
    /// Distinct values remembered per group (enough for any bound).
    max_values: usize,
    report: Report,
}

/// What a correlation's notices need besides its definition.
struct Report {
    /// Which group-by fields are the source and the destination address.
    src_at: Option<usize>,
    dst_at: Option<usize>,
    suppress_for: i64,
}

/// Ceiling of value_count's distinct values kept per group.
const MAX_VALUES: usize = 1 << 16;

impl Running {
    pub fn new(
        def: Correlation,
        members: Vec<Member>,
        max_keys: usize,
        suppress_for: i64,
    ) -> Running {
        let bound = def.bounds.max.or(def.bounds.min).unwrap_or(1);
        let max_values = usize::try_from(bound.saturating_add(1))
            .unwrap_or(MAX_VALUES)
            .min(MAX_VALUES);
        let at = |name: &str| def.group_by.iter().position(|g| zeek_name(g) == name);
        let report = Report {
            src_at: at("id.orig_h"),
            dst_at: at("id.resp_h"),
            suppress_for,
        };
        Running {
            report,
            def,
            members,
            groups: Table::new(max_keys),
            hasher: foldhash::fast::RandomState::default(),
            key: Vec::new(),
            max_values,
        }
    }

    pub fn evicted(&self) -> u64 {
        self.groups.evicted
    }

    /// Member `m` matched a record whose values are `v` at `ts`. Its group
    /// is the group-by values, each element followed by 0x1e and each field
    /// by 0x1f.
    pub fn update(&mut self, m: usize, v: &Values, ts: Time, out: &mut Notices) {
        self.key.clear();
        for &slot in &self.members[m].group {
            for e in v.elems(slot) {
                self.key.extend_from_slice(e);
                self.key.push(0x1e);
            }
            self.key.push(0x1f);
        }
        let k = self.hasher.hash_one(&self.key[..]);
        let span = self.def.timespan;
        if self
            .groups
            .get(&k)
            .is_some_and(|g| ts.0.saturating_sub(g.start.0) >= span)
        {
            let g = self.groups.remove(&k).expect("the group just seen");
            judge(&self.def, &self.report, &g, out);
        }
        let value_hash = self.members[m].value.map(|s| {
            let mut h = foldhash::fast::FixedState::default().build_hasher();
            for e in v.elems(s) {
                std::hash::Hasher::write(&mut h, e);
                std::hash::Hasher::write_u8(&mut h, 0x1e);
            }
            std::hash::Hasher::finish(&h)
        });
        let key = &self.key;
        let g = self.groups.entry(k, ts, || new_group(key, ts));
        g.first = g.first.min(ts);
        g.last = g.last.max(ts);
        g.events += 1;
        if let Some(h) = value_hash {
            if g.values.len() < self.max_values {
                g.values.insert(h);
            }
        }
        g.seen |= 1u64 << m.min(63);
        if !self.def.bounds.judged_at_close() && !g.fired {
            let n = measure(&self.def, g);
            if self.def.bounds.holds(n) {
                g.fired = true;
                out.raise(notice(&self.def, &self.report, g, n, ts));
            }
        }
    }

    /// Closes the windows that ended by `now`.
    pub fn tick(&mut self, now: Time, out: &mut Notices) {
        let (def, report) = (&self.def, &self.report);
        self.groups
            .expire_created(now, def.timespan, |_, g| judge(def, report, &g, out));
    }

    /// The run ended: every open window closes.
    pub fn finish(&mut self, out: &mut Notices) {
        let (def, report) = (&self.def, &self.report);
        self.groups.drain(|_, g| judge(def, report, &g, out));
    }
}

/// An upper-bound condition is judged on a closed window.
fn judge(def: &Correlation, report: &Report, g: &Group, out: &mut Notices) {
    if !def.bounds.judged_at_close() || g.fired {
        return;
    }
    let n = measure(def, g);
    if def.bounds.holds(n) {
        out.raise(notice(def, report, g, n, g.last));
    }
}

fn measure(def: &Correlation, g: &Group) -> u64 {
    match def.kind {
        Kind::EventCount => g.events,
        Kind::ValueCount => g.values.len() as u64,
        Kind::Temporal => u64::from(g.seen.count_ones()),
    }
}

fn new_group(key: &[u8], ts: Time) -> Group {
    Group {
        start: ts,
        first: ts,
        last: ts,
        events: 0,
        values: HashSet::default(),
        seen: 0,
        fired: false,
        key: key.into(),
    }
}

/// A group's key back to one text per group-by field (elements
/// `,`-joined).
fn key_values(key: &[u8]) -> Vec<String> {
    let mut fields: Vec<String> = key
        .split(|&b| b == 0x1f)
        .map(|f| {
            let elems: Vec<String> = f
                .split(|&b| b == 0x1e)
                .map(|e| String::from_utf8_lossy(e).into_owned())
                .collect();
            // Every element ends with 0x1e: the last piece is empty.
            elems[..elems.len().saturating_sub(1)].join(",")
        })
        .collect();
    fields.pop();
    fields
}

fn notice(def: &Correlation, report: &Report, g: &Group, n: u64, ts: Time) -> Notice {
    let values = key_values(&g.key);
    let desc: Vec<String> = def
        .group_by
        .iter()
        .zip(&values)
        .map(|(name, v)| format!("{name}={v}"))
        .collect();
    let desc = if desc.is_empty() {
        "all events".to_string()
    } else {
        desc.join(" ")
    };
    let addr = |at: Option<usize>| at.and_then(|i| values.get(i)?.parse::<IpAddr>().ok());
    let within = human_duration(g.last.0.saturating_sub(g.first.0));
    let what = match def.kind {
        Kind::EventCount => format!("{n} matching events"),
        Kind::ValueCount => format!(
            "{n} distinct {} values",
            def.field.as_deref().unwrap_or("field")
        ),
        Kind::Temporal => {
            let names: Vec<&str> = def.rules.iter().map(|(r, _)| r.as_str()).collect();
            format!("{n} of {} rules ({})", names.len(), names.join(", "))
        }
    };
    let about = &def.about;
    let msg = format!(
        "{} ({}): {what} in {within} from {desc}",
        about.title,
        about.level()
    );
    let mut out = Notice::new(ts, "Sigma::Correlation", msg);
    out.sub = Some(about.key().to_string());
    out.src = addr(report.src_at);
    out.dst = addr(report.dst_at);
    out.n = Some(n);
    out.identifier = Some(format!("{}|{desc}", about.key()));
    out.suppress_for = Some(report.suppress_for);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_keys_back_to_text() {
        assert_eq!(
            key_values(b"10.0.0.1\x1e\x1fa\x1eb\x1e\x1f\x1f"),
            ["10.0.0.1", "a,b", ""]
        );
        assert!(key_values(b"").is_empty());
    }
}
