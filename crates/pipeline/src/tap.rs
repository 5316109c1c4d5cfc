//! Where the records detections need leave a worker's sink: into the
//! detections engine itself with one worker, or in batches over a bounded
//! channel to the one detections thread with several (a scanner's
//! connections are spread over workers by the flow hash; the detections
//! must see them all). Only the logs a detection subscribes to are sent;
//! the records are moved, never cloned.

use crate::sink::{Formats, LogId, LOGS};
use detect::{Engine, IntelRecord, NoticeRecord, Observed};
use std::sync::mpsc::SyncSender;

/// Records sent to the detections thread at a time.
pub const BATCH: usize = 512;
/// Batches in flight to the detections thread (back-pressure beyond).
pub const QUEUE: usize = 16;

enum To {
    Inline(Box<Engine>),
    Thread {
        batch: Vec<Observed>,
        tx: SyncSender<Vec<Observed>>,
    },
}

/// What the detections raised: notice.log and intel.log rows.
#[derive(Default)]
pub struct Raised {
    pub notices: Vec<NoticeRecord>,
    pub intel: Vec<IntelRecord>,
}

impl Raised {
    /// Everything `engine` raised since the last call.
    pub fn take(engine: &mut Engine) -> Raised {
        Raised {
            notices: engine.take_notices(),
            intel: engine.take_intel(),
        }
    }
}

/// A worker's tap on its records for the detections.
pub struct Tap {
    wants: [bool; LOGS],
    to: To,
}

/// Which logs an engine subscribes to, by log id.
pub fn wanted(engine: &Engine, formats: &Formats) -> [bool; LOGS] {
    let topics = engine.topics();
    let mut wants = [false; LOGS];
    for (w, path) in wants.iter_mut().zip(formats.paths()) {
        *w = topics.contains(path);
    }
    wants
}

impl Tap {
    /// Runs `engine` in the worker itself.
    pub fn inline(engine: Engine, formats: &Formats) -> Tap {
        Tap {
            wants: wanted(&engine, formats),
            to: To::Inline(Box::new(engine)),
        }
    }

    /// Sends the wanted records to the detections thread.
    pub fn thread(wants: [bool; LOGS], tx: SyncSender<Vec<Observed>>) -> Tap {
        Tap {
            wants,
            to: To::Thread {
                batch: Vec::with_capacity(BATCH),
                tx,
            },
        }
    }

    #[inline]
    pub fn wants(&self, log: LogId) -> bool {
        self.wants[log as usize]
    }

    /// Hands a record on; returns what was raised here (inline only).
    pub fn observe(&mut self, rec: Observed) -> Raised {
        match &mut self.to {
            To::Inline(engine) => {
                engine.observe(&rec);
                Raised::take(engine)
            }
            To::Thread { batch, tx } => {
                batch.push(rec);
                if batch.len() >= BATCH {
                    let full = std::mem::replace(batch, Vec::with_capacity(BATCH));
                    // The detections thread only stops early on a panic;
                    // the logs are then still written.
                    let _ = tx.send(full);
                }
                Raised::default()
            }
        }
    }

    /// The worker is done: the engine evaluates what it holds (inline), or
    /// the last batch is sent. Returns what was raised here.
    pub fn finish(&mut self) -> Raised {
        match &mut self.to {
            To::Inline(engine) => {
                engine.finish();
                Raised::take(engine)
            }
            To::Thread { batch, tx } => {
                if !batch.is_empty() {
                    let _ = tx.send(std::mem::take(batch));
                }
                Raised::default()
            }
        }
    }

    /// The engine's counters (inline only).
    pub fn stats(&self) -> Option<detect::EngineStats> {
        match &self.to {
            To::Inline(engine) => Some(engine.stats()),
            To::Thread { .. } => None,
        }
    }
}
