//! The progress line on stderr: only on a terminal, only for runs that take
//! more than a moment, at most a few updates a second.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

pub struct Progress {
    enabled: bool,
    started: Instant,
    last: Instant,
    total: Option<u64>,
    shown: bool,
}

const QUIET_START: Duration = Duration::from_secs(2);
const EVERY: Duration = Duration::from_millis(500);

impl Progress {
    pub fn new(wanted: bool, total: Option<u64>) -> Self {
        let now = Instant::now();
        Progress {
            enabled: wanted && std::io::stderr().is_terminal(),
            started: now,
            last: now,
            total,
            shown: false,
        }
    }

    pub fn update(&mut self, packets: u64, bytes: u64, consumed: u64) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        if now.duration_since(self.started) < QUIET_START || now.duration_since(self.last) < EVERY {
            return;
        }
        self.last = now;
        let secs = now.duration_since(self.started).as_secs_f64();
        let pct = match self.total {
            Some(t) if t > 0 => format!(" {:5.1}%", 100.0 * consumed as f64 / t as f64),
            _ => String::new(),
        };
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r{:>12} packets {:>10.1} MB {:>8.0} MB/s{}",
            packets,
            bytes as f64 / 1e6,
            bytes as f64 / 1e6 / secs,
            pct
        );
        let _ = err.flush();
        self.shown = true;
    }

    pub fn finish(&mut self) {
        if self.shown {
            let _ = writeln!(std::io::stderr());
            self.shown = false;
        }
    }
}
