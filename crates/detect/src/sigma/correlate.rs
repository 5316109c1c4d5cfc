//! Correlation rules at run time: per group (the values of the `group-by`
//! fields) a window of network time that opens with the group's first
//! matching event and lasts `timespan` (as the playbook's scripts count:
//! Zeek's `&create_expire`). Lower bounds (`gte`, `gt`) fire as soon as
//! they hold; upper bounds (`lte`, `lt`, `eq`, `range`) are judged when
//! the window closes. Groups are capped per correlation (the stalest is
//! evicted and counted).

use super::fields::{LogFields, Values};
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
    /// `field=value ...` of the group, for messages.
    desc: String,
    src: Option<IpAddr>,
    dst: Option<IpAddr>,
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
        Running {
            def,
            members,
            groups: Table::new(max_keys),
            hasher: foldhash::fast::RandomState::default(),
            key: Vec::new(),
            max_values,
            suppress_for,
        }
    }

    pub fn evicted(&self) -> u64 {
        self.groups.evicted
    }

    /// Member `m` matched a record whose values are `v` at `ts`.
    pub fn update(
        &mut self,
        m: usize,
        v: &Values,
        fields: &LogFields,
        ts: Time,
        out: &mut Notices,
    ) {
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
            self.close(g, out);
        }
        let value_hash = self.members[m].value.map(|s| {
            let mut h = foldhash::fast::FixedState::default().build_hasher();
            for e in v.elems(s) {
                std::hash::Hasher::write(&mut h, e);
                std::hash::Hasher::write_u8(&mut h, 0x1e);
            }
            std::hash::Hasher::finish(&h)
        });
        let (def, members) = (&self.def, &self.members);
        let g = self
            .groups
            .entry(k, ts, || new_group(def, &members[m], v, fields, ts));
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
                out.raise(notice(&self.def, g, n, ts, self.suppress_for));
            }
        }
    }

    /// Closes the windows that ended by `now`.
    pub fn tick(&mut self, now: Time, out: &mut Notices) {
        let (def, sup) = (&self.def, self.suppress_for);
        self.groups
            .expire_created(now, def.timespan, |_, g| judge(def, &g, sup, out));
    }

    /// The run ended: every open window closes.
    pub fn finish(&mut self, out: &mut Notices) {
        let (def, sup) = (&self.def, self.suppress_for);
        self.groups.drain(|_, g| judge(def, &g, sup, out));
    }

    fn close(&self, g: Group, out: &mut Notices) {
        judge(&self.def, &g, self.suppress_for, out);
    }
}

/// An upper-bound condition is judged on a closed window.
fn judge(def: &Correlation, g: &Group, suppress_for: i64, out: &mut Notices) {
    if !def.bounds.judged_at_close() || g.fired {
        return;
    }
    let n = measure(def, g);
    if def.bounds.holds(n) {
        out.raise(notice(def, g, n, g.last, suppress_for));
    }
}

fn measure(def: &Correlation, g: &Group) -> u64 {
    match def.kind {
        Kind::EventCount => g.events,
        Kind::ValueCount => g.values.len() as u64,
        Kind::Temporal => u64::from(g.seen.count_ones()),
    }
}

fn new_group(def: &Correlation, m: &Member, v: &Values, fields: &LogFields, ts: Time) -> Group {
    let mut desc = Vec::new();
    let (mut src, mut dst) = (None, None);
    for (name, &slot) in def.group_by.iter().zip(&m.group) {
        let text = v.text(slot);
        match fields.name(slot) {
            "id.orig_h" => src = text.parse().ok(),
            "id.resp_h" => dst = text.parse().ok(),
            _ => {}
        }
        desc.push(format!("{name}={text}"));
    }
    Group {
        start: ts,
        first: ts,
        last: ts,
        events: 0,
        values: HashSet::default(),
        seen: 0,
        fired: false,
        desc: if desc.is_empty() {
            "all events".into()
        } else {
            desc.join(" ")
        },
        src,
        dst,
    }
}

fn notice(def: &Correlation, g: &Group, n: u64, ts: Time, suppress_for: i64) -> Notice {
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
        "{} ({}): {} in {within} from {}",
        about.title,
        about.level(),
        what,
        g.desc
    );
    let mut out = Notice::new(ts, "Sigma::Correlation", msg);
    out.sub = Some(about.key().to_string());
    out.src = g.src;
    out.dst = g.dst;
    out.n = Some(n);
    out.identifier = Some(format!("{}|{}", about.key(), g.desc));
    out.suppress_for = Some(suppress_for);
    out
}
