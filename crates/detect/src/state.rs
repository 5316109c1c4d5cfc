//! Per-key detection state with a memory cap, and time windows driven by
//! network time (the records' timestamps, never the wall clock).

use hashbrown::{Equivalent, HashMap};
use records::Time;
use std::hash::Hash;

struct Slot<V> {
    value: V,
    created: Time,
    touched: Time,
}

/// A map from key to state holding at most `cap` entries. When it is full
/// a new key evicts the least recently touched of a few entries (counted
/// in `evicted`), so an attacker who fills it costs memory of nobody but
/// himself. The hasher is randomly seeded: keys come from the network.
pub struct Table<K, V> {
    map: HashMap<K, Slot<V>, foldhash::fast::RandomState>,
    cap: usize,
    /// Entries dropped to stay under the cap.
    pub evicted: u64,
}

/// How many entries an eviction looks at to choose the stalest.
const EVICTION_SAMPLE: usize = 8;

impl<K: Hash + Eq + Clone, V> Table<K, V> {
    pub fn new(cap: usize) -> Self {
        Table {
            map: HashMap::default(),
            cap: cap.max(1),
            evicted: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn get<Q: Hash + Equivalent<K> + ?Sized>(&self, k: &Q) -> Option<&V> {
        self.map.get(k).map(|s| &s.value)
    }

    /// When the key's state was created.
    pub fn created(&self, k: &K) -> Option<Time> {
        self.map.get(k).map(|s| s.created)
    }

    /// The state of `k`, touched at `now`.
    pub fn get_mut<Q: Hash + Equivalent<K> + ?Sized>(
        &mut self,
        k: &Q,
        now: Time,
    ) -> Option<&mut V> {
        self.map.get_mut(k).map(|s| {
            s.touched = s.touched.max(now);
            &mut s.value
        })
    }

    /// The state of `k`, created with `make` if absent; touched at `now`.
    pub fn entry(&mut self, k: K, now: Time, make: impl FnOnce() -> V) -> &mut V {
        if !self.map.contains_key(&k) {
            self.make_room();
        }
        let slot = self.map.entry(k).or_insert_with(|| Slot {
            value: make(),
            created: now,
            touched: now,
        });
        slot.touched = slot.touched.max(now);
        &mut slot.value
    }

    /// Like [`Table::entry`], but state created `life` or more before
    /// `now` starts afresh (Zeek's `&create_expire`, checked on access).
    pub fn entry_within(&mut self, k: K, now: Time, life: i64, make: impl FnOnce() -> V) -> &mut V {
        if self
            .created(&k)
            .is_some_and(|c| now.0.saturating_sub(c.0) >= life)
        {
            self.map.remove(&k);
        }
        self.entry(k, now, make)
    }

    /// Sets the state of `k` (a fresh entry created at `now`).
    pub fn insert(&mut self, k: K, value: V, now: Time) {
        if !self.map.contains_key(&k) {
            self.make_room();
        }
        self.map.insert(
            k,
            Slot {
                value,
                created: now,
                touched: now,
            },
        );
    }

    pub fn remove<Q: Hash + Equivalent<K> + ?Sized>(&mut self, k: &Q) -> Option<V> {
        self.map.remove(k).map(|s| s.value)
    }

    pub fn clear(&mut self) {
        self.map.clear();
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.map.retain(|k, s| keep(k, &mut s.value));
    }

    /// Removes the entries not touched for `idle` (Zeek's `&read_expire`)
    /// and hands each to `gone`.
    pub fn expire_idle(&mut self, now: Time, idle: i64, mut gone: impl FnMut(K, V)) {
        let stale = |s: &mut Slot<V>| now.0.saturating_sub(s.touched.0) >= idle;
        for (k, s) in self.map.extract_if(|_, s| stale(s)) {
            gone(k, s.value);
        }
    }

    /// Removes the entries created `life` or more before `now` (Zeek's
    /// `&create_expire`) and hands each to `gone`.
    pub fn expire_created(&mut self, now: Time, life: i64, mut gone: impl FnMut(K, V)) {
        let old = |s: &mut Slot<V>| now.0.saturating_sub(s.created.0) >= life;
        for (k, s) in self.map.extract_if(|_, s| old(s)) {
            gone(k, s.value);
        }
    }

    /// Every entry, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.map.iter().map(|(k, s)| (k, &s.value))
    }

    /// Empties the table, handing every entry to `gone`.
    pub fn drain(&mut self, mut gone: impl FnMut(K, V)) {
        for (k, s) in self.map.drain() {
            gone(k, s.value);
        }
    }

    fn make_room(&mut self) {
        if self.map.len() < self.cap {
            return;
        }
        let victim = self
            .map
            .iter()
            .take(EVICTION_SAMPLE)
            .min_by_key(|(_, s)| s.touched)
            .map(|(k, _)| k.clone());
        if let Some(k) = victim {
            self.map.remove(&k);
            self.evicted += 1;
        }
    }
}

/// Fixed-length epochs like Zeek's SumStats: the first starts at the first
/// time seen, each next one where the previous ended.
#[derive(Debug, Clone)]
pub struct Epochs {
    len: i64,
    end: Option<Time>,
}

impl Epochs {
    pub fn new(len: i64) -> Epochs {
        Epochs {
            len: len.max(1),
            end: None,
        }
    }

    /// Moves to the epoch holding `now`; true when an epoch ended (its
    /// state is to be reset).
    pub fn roll(&mut self, now: Time) -> bool {
        match self.end {
            None => {
                self.end = Some(Time(now.0.saturating_add(self.len)));
                false
            }
            Some(end) if now >= end => {
                let skipped = now.0.saturating_sub(end.0) / self.len + 1;
                self.end = Some(Time(end.0.saturating_add(skipped.saturating_mul(self.len))));
                true
            }
            Some(_) => false,
        }
    }
}

/// Says when a periodic chore (a sweep of expired state) is due, in
/// network time.
#[derive(Debug, Clone, Default)]
pub struct Every {
    next: Option<Time>,
}

impl Every {
    /// True at most once per `period` of network time.
    pub fn due(&mut self, now: Time, period: i64) -> bool {
        match self.next {
            Some(next) if now < next => false,
            _ => {
                self.next = Some(Time(now.0.saturating_add(period.max(1))));
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_bounds_memory_and_counts_evictions() {
        let mut t: Table<u32, u32> = Table::new(100);
        for k in 0..1000 {
            *t.entry(k, Time(k as i64), || 0) += 1;
        }
        assert_eq!(t.len(), 100);
        assert_eq!(t.evicted, 900);
        assert!(t.get(&999).is_some(), "the newest key is kept");
    }

    #[test]
    fn idle_and_created_expiry() {
        let mut t: Table<&str, u32> = Table::new(10);
        t.entry("a", Time(0), || 1);
        t.entry("b", Time(0), || 2);
        t.get_mut(&"a", Time(50));
        let mut gone = Vec::new();
        t.expire_idle(Time(100), 60, |k, v| gone.push((k, v)));
        assert_eq!(gone, [("b", 2)]);
        t.expire_created(Time(100), 100, |k, _| gone.push((k, 0)));
        assert_eq!(gone.last(), Some(&("a", 0)), "created at 0, touched later");
        assert!(t.is_empty());
    }

    #[test]
    fn epochs_start_at_first_time_and_stay_aligned() {
        let mut e = Epochs::new(10);
        assert!(!e.roll(Time(5)));
        assert!(!e.roll(Time(14)));
        assert!(e.roll(Time(15)));
        assert!(!e.roll(Time(24)));
        assert!(e.roll(Time(57)), "a quiet stretch skips whole epochs");
        assert!(!e.roll(Time(64)));
        assert!(e.roll(Time(65)));
    }

    #[test]
    fn every_is_due_once_per_period() {
        let mut every = Every::default();
        assert!(every.due(Time(0), 10));
        assert!(!every.due(Time(9), 10));
        assert!(every.due(Time(10), 10));
    }
}
