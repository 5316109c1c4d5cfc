//! software.log across workers.
//!
//! Whether a software sighting is logged depends on every earlier sighting
//! of the same host (Zeek's `Software::register`), and one host's
//! connections may be spread over several workers. So workers do not
//! decide: they stamp each sighting with the position (in the capture) of
//! the packet that produced it and hand them to the writer thread, which
//! merges the workers' streams back into capture order and runs the one
//! [`Tracker`].
//!
//! A worker also reports how far it has got (`upto`: it has processed all
//! of its packets before that position), so a sighting is released as soon
//! as no worker can still produce an earlier one; sightings made while
//! flushing at the end of the capture come last, in time order.

use analyzers::software::{Sighting, SoftwareRecord, Tracker};
use std::collections::VecDeque;

/// Position of sightings made after the last packet (the final flush).
pub const AT_END: u64 = u64::MAX;

/// A sighting and the capture position of the packet that produced it.
pub type Stamped = (u64, Sighting);

/// One worker's sightings since its last report.
pub struct WorkerSightings {
    pub worker: usize,
    pub sightings: Vec<Stamped>,
    /// The worker has processed all its packets before this position
    /// ([`AT_END`]: it has finished).
    pub upto: u64,
}

/// The writer thread's merge of the workers' sightings.
pub struct SoftwareMerge {
    tracker: Tracker,
    queues: Vec<VecDeque<Stamped>>,
    upto: Vec<u64>,
}

impl SoftwareMerge {
    pub fn new(workers: usize) -> Self {
        SoftwareMerge {
            tracker: Tracker::new(),
            queues: (0..workers).map(|_| VecDeque::new()).collect(),
            upto: vec![0; workers],
        }
    }

    /// Takes a worker's report; `log` gets the rows now decided, in order.
    pub fn push(&mut self, report: WorkerSightings, log: &mut dyn FnMut(SoftwareRecord)) {
        let Some(queue) = self.queues.get_mut(report.worker) else {
            return;
        };
        queue.extend(report.sightings);
        self.upto[report.worker] = self.upto[report.worker].max(report.upto);
        self.release(log);
    }

    /// Registers, in capture order, every sighting no worker can precede.
    fn release(&mut self, log: &mut dyn FnMut(SoftwareRecord)) {
        let safe_before = self.upto.iter().copied().min().unwrap_or(AT_END);
        let all_done = safe_before == AT_END;
        while let Some(w) = self.earliest() {
            let Some(&(position, _)) = self.queues[w].front() else {
                break;
            };
            if position >= safe_before && !all_done {
                break;
            }
            if let Some((_, s)) = self.queues[w].pop_front() {
                if let Some(row) = self.tracker.found(s) {
                    log(row);
                }
            }
        }
    }

    /// The worker whose next sighting comes first (by position, then time
    /// for those made at the end, then worker).
    fn earliest(&self) -> Option<usize> {
        self.queues
            .iter()
            .enumerate()
            .filter_map(|(w, q)| q.front().map(|(pos, s)| ((*pos, s.ts, w), w)))
            .min_by_key(|(key, _)| *key)
            .map(|(_, w)| w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use analyzers::software::SoftwareType;
    use records::Time;

    fn sighting(ts: i64, ua: &str) -> Sighting {
        Sighting {
            ts: Time(ts),
            host: "10.0.0.1".parse().expect("address"),
            host_p: None,
            kind: SoftwareType::HttpBrowser,
            unparsed: ua.as_bytes().to_vec(),
        }
    }

    fn report(worker: usize, sightings: Vec<Stamped>, upto: u64) -> WorkerSightings {
        WorkerSightings {
            worker,
            sightings,
            upto,
        }
    }

    #[test]
    fn rows_follow_capture_order_whatever_the_arrival_order() {
        let mut merge = SoftwareMerge::new(2);
        let mut rows = Vec::new();
        let mut log = |r: SoftwareRecord| rows.push(r.ts.0);
        // Worker 1 reports its later sighting first: it waits for worker 0.
        merge.push(report(1, vec![(7, sighting(7, "curl/8.0"))], 10), &mut log);
        merge.push(report(0, vec![(3, sighting(3, "curl/8.0"))], 5), &mut log);
        // Worker 0 has reached 5; position 7 may still be preceded.
        merge.push(report(0, vec![], 12), &mut log);
        merge.push(report(0, vec![], AT_END), &mut log);
        merge.push(
            report(1, vec![(AT_END, sighting(20, "wget/1.0"))], AT_END),
            &mut log,
        );
        // The first sighting of curl is worker 0's (earlier in the capture),
        // the second is a repeat; wget comes at the end.
        assert_eq!(rows, [3, 20]);
    }

    #[test]
    fn nothing_is_released_before_every_worker_reported() {
        let mut merge = SoftwareMerge::new(2);
        let mut rows = Vec::new();
        let mut log = |r: SoftwareRecord| rows.push(r.ts.0);
        merge.push(report(0, vec![(1, sighting(1, "a/1"))], 100), &mut log);
        merge.push(report(1, vec![], 2), &mut log);
        assert_eq!(rows, [1]);
    }
}
