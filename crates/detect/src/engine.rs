//! The detections stage: routes each record to the detections that
//! subscribe to its log, keeps network time, and collects their notices.

use crate::names::NameCache;
use crate::notice::{NoticeRecord, Notices};
use crate::state::Every;
use analyzers::AppRecord;
use config::NetSet;
use flow::ConnRecord;
use records::Time;

/// A record the detections stage receives: a conn.log row or an analyzer's
/// row, exactly as the log writers see it.
// Conn rows travel unboxed: batches move them, and a box would cost an
// allocation per connection.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Observed {
    Conn(ConnRecord),
    App(AppRecord),
}

impl Observed {
    /// The log the record belongs to (`"conn"`, `"dns"`, ...).
    pub fn path(&self) -> &'static str {
        match self {
            Observed::Conn(_) => "conn",
            Observed::App(a) => a.path(),
        }
    }

    /// The network time the record stands for: a connection's last packet
    /// (when it is logged), an analyzer row's timestamp.
    pub fn time(&self) -> Option<Time> {
        match self {
            Observed::Conn(c) => Some(conn_end(c)),
            Observed::App(a) => a.ts(),
        }
    }
}

/// A connection's start plus its duration.
pub fn conn_end(c: &ConnRecord) -> Time {
    Time(c.ts.0.saturating_add(c.duration.map_or(0, |d| d.0)))
}

/// What every detection may consult.
pub struct Ctx<'a> {
    /// Network time: the latest record time seen.
    pub now: Time,
    /// `Site::local_nets`.
    pub local: &'a NetSet,
    /// Server names of addresses, learned from DNS answers, HTTP Host
    /// headers and TLS SNI (empty unless a detection asked for them).
    pub names: &'a NameCache,
}

impl Ctx<'_> {
    pub fn is_local(&self, ip: std::net::IpAddr) -> bool {
        self.local.contains(ip)
    }
}

/// One detection: a module consuming typed records and raising notices.
pub trait Detection: Send {
    /// The logs it consumes (record paths, e.g. `["conn"]`).
    fn topics(&self) -> &'static [&'static str];
    /// Whether it consults [`Ctx::names`].
    fn wants_names(&self) -> bool {
        false
    }
    fn observe(&mut self, rec: &Observed, cx: &Ctx, out: &mut Notices);
    /// Called as network time advances (every few seconds of it): expire
    /// state, close windows.
    fn tick(&mut self, cx: &Ctx, out: &mut Notices) {
        let _ = (cx, out);
    }
    /// The run ended: evaluate what is still open.
    fn finish(&mut self, cx: &Ctx, out: &mut Notices) {
        self.tick(cx, out);
    }
    /// State entries dropped to stay within its memory cap.
    fn evicted(&self) -> u64;
}

/// How often detections get a [`Detection::tick`], in network time.
const TICK: i64 = 10_000_000_000;

/// Counters for the run summary.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct EngineStats {
    pub evicted: u64,
    pub suppressed: u64,
}

/// The detections of a run.
pub struct Engine {
    detections: Vec<Box<dyn Detection>>,
    /// Per subscribed log path, the detections that consume it.
    routes: Vec<(&'static str, Vec<usize>)>,
    notices: Notices,
    names: NameCache,
    learn_names: bool,
    local: NetSet,
    now: Time,
    tick: Every,
}

impl Engine {
    /// `suppress_for`: the default suppression interval (nanoseconds).
    pub fn new(detections: Vec<Box<dyn Detection>>, local: NetSet, suppress_for: i64) -> Engine {
        let mut routes: Vec<(&'static str, Vec<usize>)> = Vec::new();
        for (i, d) in detections.iter().enumerate() {
            for topic in d.topics() {
                match routes.iter_mut().find(|(t, _)| t == topic) {
                    Some((_, ds)) => ds.push(i),
                    None => routes.push((topic, vec![i])),
                }
            }
        }
        let learn_names = detections.iter().any(|d| d.wants_names());
        if learn_names {
            for topic in NameCache::TOPICS {
                if !routes.iter().any(|(t, _)| *t == topic) {
                    routes.push((topic, Vec::new()));
                }
            }
        }
        Engine {
            detections,
            routes,
            notices: Notices::new(suppress_for),
            names: NameCache::default(),
            learn_names,
            local,
            now: Time(0),
            tick: Every::default(),
        }
    }

    /// The logs the engine wants to see; records of other logs need not be
    /// sent.
    pub fn topics(&self) -> Vec<&'static str> {
        self.routes.iter().map(|(t, _)| *t).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.detections.is_empty()
    }

    /// Hands one record to the detections that consume it.
    pub fn observe(&mut self, rec: &Observed) {
        let path = rec.path();
        let Some(route) = self.routes.iter().position(|(t, _)| *t == path) else {
            return;
        };
        if let Some(t) = rec.time() {
            self.now = self.now.max(t);
        }
        if self.learn_names {
            self.names.learn(rec, self.now);
        }
        let cx = Ctx {
            now: self.now,
            local: &self.local,
            names: &self.names,
        };
        // Expire state before the record can touch it.
        if self.tick.due(self.now, TICK) {
            for d in &mut self.detections {
                d.tick(&cx, &mut self.notices);
            }
            self.notices.expire(self.now);
        }
        for &i in &self.routes[route].1 {
            self.detections[i].observe(rec, &cx, &mut self.notices);
        }
    }

    /// The run ended: every detection evaluates what it still holds.
    pub fn finish(&mut self) {
        let cx = Ctx {
            now: self.now,
            local: &self.local,
            names: &self.names,
        };
        for d in &mut self.detections {
            d.finish(&cx, &mut self.notices);
        }
    }

    /// The notices raised since the last call (usually none).
    pub fn take_notices(&mut self) -> Vec<NoticeRecord> {
        if self.notices.is_empty() {
            return Vec::new();
        }
        self.notices.take()
    }

    /// The intel.log rows written since the last call (usually none).
    pub fn take_intel(&mut self) -> Vec<crate::IntelRecord> {
        self.notices.take_intel()
    }

    pub fn stats(&self) -> EngineStats {
        EngineStats {
            evicted: self.detections.iter().map(|d| d.evicted()).sum::<u64>()
                + self.notices.evicted()
                + self.names.evicted(),
            suppressed: self.notices.suppressed,
        }
    }
}
