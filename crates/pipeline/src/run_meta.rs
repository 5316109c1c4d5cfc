//! The run's own record, `shrike_run.log`: which sensor read what, over
//! which stretch of network time, and how much. A Zeek-format log like the
//! others (TSV or JSON), so zeek-cut, SIEMs and `shrike report` read it
//! with no special case.

use crate::{RunConfig, RunSummary};
use records::Time;
use std::path::Path;

records::record! {
    /// One run of the sensor.
    #[derive(Debug, Clone)]
    pub struct RunMetaRecord : "shrike_run" {
        /// Network time of the first packet (the wall clock when there was none).
        pub ts: Time = "ts",
        /// Network time of the last packet.
        pub end_ts: Option<Time> = "end_ts",
        pub hostname: Option<String> = "hostname",
        /// The capture file, or `-` for standard input.
        pub source: String = "source",
        /// `file`, `stdin` (and `interface` once live capture exists).
        pub source_kind: String = "source_kind",
        pub packets: u64 = "packets",
        pub bytes: u64 = "bytes",
        pub connections: u64 = "connections",
        pub notices: u64 = "notices",
        pub version: String = "version",
    }
}

/// The record of a finished run; `now` stands in for an empty capture's times.
pub fn record(input: &Path, summary: &RunSummary, now: Time) -> RunMetaRecord {
    let source = input.display().to_string();
    let source_kind = if source == "-" { "stdin" } else { "file" };
    RunMetaRecord {
        ts: summary.first_ts.map_or(now, Time),
        end_ts: summary.last_ts.map(Time),
        hostname: hostname(),
        source,
        source_kind: source_kind.into(),
        packets: summary.packets,
        bytes: summary.bytes,
        connections: summary.conn_rows,
        notices: summary.notice_rows,
        version: env!("CARGO_PKG_VERSION").into(),
    }
}

/// Writes `shrike_run.log` into the run's log directory; its `#open` and
/// `#close` are the wall clock, as every other log's.
pub fn write(cfg: &RunConfig, rec: &RunMetaRecord, now: Time) -> std::io::Result<()> {
    let mut dir = logs::LogDir::new(&cfg.logdir, cfg.format, cfg.options.clone())?;
    let fmt = dir.formatter::<RunMetaRecord>();
    let mut row = Vec::new();
    fmt.format(rec, &mut row);
    dir.write_formatted(fmt.schema(), now, &row)?;
    dir.close(now)
}

/// This machine's name (Linux), unset when it cannot be read.
fn hostname() -> Option<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").ok()?;
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_capture_has_no_end_and_the_wall_clock_start() {
        let rec = record(Path::new("x.pcap"), &RunSummary::default(), Time(5));
        assert_eq!(rec.ts, Time(5));
        assert_eq!(rec.end_ts, None);
        assert_eq!(rec.source_kind, "file");
    }

    #[test]
    fn network_times_come_from_the_packets() {
        let summary = RunSummary {
            first_ts: Some(10),
            last_ts: Some(20),
            packets: 3,
            ..RunSummary::default()
        };
        let rec = record(Path::new("-"), &summary, Time(5));
        assert_eq!((rec.ts, rec.end_ts), (Time(10), Some(Time(20))));
        assert_eq!((rec.packets, rec.source_kind.as_str()), (3, "stdin"));
    }
}
