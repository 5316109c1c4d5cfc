//! Where the records detections need leave a worker's sink: into the
//! detections engine itself with one worker, or in batches over a bounded
//! channel to the one detections thread with several (a scanner's
//! connections are spread over workers by the flow hash; the detections
//! must see them all). Only the logs a detection subscribes to are sent;
//! the records are moved, never cloned.

use crate::sink::{Formats, LogId, LOGS};
use detect::{Engine, NoticeRecord, Observed};
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

    /// Hands a record on; returns the notices raised here (inline only).
    pub fn observe(&mut self, rec: Observed) -> Vec<NoticeRecord> {
        match &mut self.to {
            To::Inline(engine) => {
                engine.observe(&rec);
                engine.take_notices()
            }
            To::Thread { batch, tx } => {
                batch.push(rec);
                if batch.len() >= BATCH {
                    let full = std::mem::replace(batch, Vec::with_capacity(BATCH));
                    // The detections thread only stops early on a panic;
                    // the logs are then still written.
                    let _ = tx.send(full);
                }
                Vec::new()
            }
        }
    }

    /// The worker is done: the engine evaluates what it holds (inline), or
    /// the last batch is sent. Returns the notices raised here.
    pub fn finish(&mut self) -> Vec<NoticeRecord> {
        match &mut self.to {
            To::Inline(engine) => {
                engine.finish();
                engine.take_notices()
            }
            To::Thread { batch, tx } => {
                if !batch.is_empty() {
                    let _ = tx.send(std::mem::take(batch));
                }
                Vec::new()
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
