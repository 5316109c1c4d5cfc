//! Which sightings become software.log rows: Zeek's `Software::found`
//! suppression cache, `Software::new` (parsing) and `Software::register`
//! (per host and software name, the set of versions already logged).

use super::{parse, Description, Sighting, SoftwareRecord, SoftwareType};
use records::Time;
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::net::IpAddr;

const SECOND: i64 = 1_000_000_000;
/// `Software::found_cache_interval`: the same report within this time of
/// the first is dropped.
const FOUND_CACHE_INTERVAL: i64 = 600 * SECOND;
/// `Software::tracked_software`'s `&create_expire`: a host's software is
/// forgotten (and logged again) a day after it was first tracked.
const HOST_EXPIRE: i64 = 86_400 * SECOND;
/// `Software::max_software_cache_size`: more versions of one software on
/// one host than this start the set over.
const MAX_VERSIONS: usize = 20;
/// Parse results kept (Zeek's `parse_cache`; it only saves work).
const PARSE_CACHE_ENTRIES: usize = 4096;
/// How often expired entries are swept out.
const SWEEP_EVERY: i64 = 60 * SECOND;

/// A `Software::found` report as the suppression cache compares it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Report {
    host: IpAddr,
    host_p: Option<u16>,
    kind: SoftwareType,
    unparsed: Vec<u8>,
}

/// `Software::tracked_software[host]`.
#[derive(Debug)]
struct HostSoftware {
    created: Time,
    /// Software name → versions (unparsed strings) logged.
    versions: HashMap<Vec<u8>, Vec<Vec<u8>>>,
}

impl HostSoftware {
    fn new(created: Time) -> Self {
        HostSoftware {
            created,
            versions: HashMap::new(),
        }
    }

    fn expired(&self, now: Time) -> bool {
        now.0 - self.created.0 >= HOST_EXPIRE
    }
}

/// The software framework's state for a whole run; sightings must come in
/// capture order.
#[derive(Debug, Default)]
pub struct Tracker {
    /// Report → when it was first seen.
    found_cache: HashMap<Report, Time>,
    parse_cache: HashMap<Vec<u8>, Description>,
    hosts: HashMap<IpAddr, HostSoftware>,
    last_sweep: Option<Time>,
}

impl Tracker {
    pub fn new() -> Self {
        Tracker::default()
    }

    /// One sighting: the software.log row it makes, if any.
    pub fn found(&mut self, s: Sighting) -> Option<SoftwareRecord> {
        self.sweep(s.ts);
        if self.reported_recently(&s) {
            return None;
        }
        let d = self.parse(&s.unparsed);
        self.register(&s, &d.name)
            .then(|| SoftwareRecord::new(s, d))
    }

    /// The suppression cache: true if the same report was first made less
    /// than `found_cache_interval` ago (and remembers it otherwise).
    fn reported_recently(&mut self, s: &Sighting) -> bool {
        let report = Report {
            host: s.host,
            host_p: s.host_p,
            kind: s.kind,
            unparsed: s.unparsed.clone(),
        };
        match self.found_cache.entry(report) {
            Entry::Vacant(e) => {
                e.insert(s.ts);
                false
            }
            Entry::Occupied(mut e) => {
                if s.ts.0 - e.get().0 < FOUND_CACHE_INTERVAL {
                    return true;
                }
                // Expired: this report starts a new interval.
                e.insert(s.ts);
                false
            }
        }
    }

    fn parse(&mut self, unparsed: &[u8]) -> Description {
        if let Some(d) = self.parse_cache.get(unparsed) {
            return d.clone();
        }
        if self.parse_cache.len() >= PARSE_CACHE_ENTRIES {
            self.parse_cache.clear();
        }
        let d = parse(unparsed);
        self.parse_cache.insert(unparsed.to_vec(), d.clone());
        d
    }

    /// `Software::register`: true if this version of `name` is new for the
    /// host (and so logged).
    fn register(&mut self, s: &Sighting, name: &[u8]) -> bool {
        let host = self
            .hosts
            .entry(s.host)
            .or_insert_with(|| HostSoftware::new(s.ts));
        if host.expired(s.ts) {
            *host = HostSoftware::new(s.ts);
        }
        let versions = host.versions.entry(name.to_vec()).or_default();
        if versions.contains(&s.unparsed) {
            return false;
        }
        if versions.len() >= MAX_VERSIONS {
            versions.clear();
        }
        versions.push(s.unparsed.clone());
        true
    }

    /// Drops expired cache entries and hosts now and then, so memory
    /// follows the traffic of the last day, not of the whole run.
    fn sweep(&mut self, now: Time) {
        let due = self.last_sweep.is_none_or(|t| now.0 - t.0 >= SWEEP_EVERY);
        if !due {
            return;
        }
        self.last_sweep = Some(now);
        self.found_cache
            .retain(|_, first| now.0 - first.0 < FOUND_CACHE_INTERVAL);
        self.hosts.retain(|_, h| !h.expired(now));
    }
}
