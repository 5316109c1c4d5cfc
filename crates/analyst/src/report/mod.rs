//! `shrike report`: the playbook's "Network Anomaly Detection Report"
//! over a log directory (Shrike's or Zeek's, TSV or JSON, gzipped or not),
//! in Markdown or as one self-contained HTML file with charts.

mod advice;
mod gather;
mod html;
mod markdown;
mod svg;

pub use advice::{recommendations, Action, Advice};
pub use gather::{gather, Incident, Report, RunMeta};

use crate::hunt::Ctx;
use crate::timefmt::TimeFormat;
use clap::Parser;
use std::path::{Path, PathBuf};

/// The report's heading.
pub const TITLE: &str = "Network Anomaly Detection Report";

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Md,
    Html,
}

impl ReportFormat {
    /// The file name `shrike -r ... --report` writes.
    pub fn file_name(self) -> &'static str {
        match self {
            ReportFormat::Md => "report.md",
            ReportFormat::Html => "report.html",
        }
    }
}

#[derive(Parser, Debug)]
#[command(
    name = "shrike report",
    about = "The anomaly report over Zeek/Shrike logs (Markdown or self-contained HTML)",
    disable_version_flag = true
)]
pub struct ReportArgs {
    /// Directory holding the logs (and dated subdirectories of rotated logs).
    #[arg(long, default_value = ".")]
    pub logdir: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Md)]
    pub format: ReportFormat,
    /// Write the report here instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// The `report` command; returns the exit status.
pub fn main(args: &[String]) -> i32 {
    let cli = match crate::parse_args::<ReportArgs>("shrike report", args) {
        Ok(cli) => cli,
        Err(status) => return status,
    };
    let written = render(&cli.logdir, cli.format).and_then(|text| match &cli.out {
        Some(path) => write_file(path, &text),
        None => {
            use std::io::Write;
            std::io::stdout()
                .lock()
                .write_all(text.as_bytes())
                .map_err(|e| e.to_string())
        }
    });
    match written {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("shrike report: {e}");
            1
        }
    }
}

/// The report of the logs in `logdir`.
pub fn render(logdir: &Path, format: ReportFormat) -> Result<String, String> {
    if !logdir.is_dir() {
        return Err(format!("{}: not a directory", logdir.display()));
    }
    let cx = Ctx {
        logdir: logdir.to_path_buf(),
        top: None,
    };
    let report = gather(&cx)?;
    let advice = recommendations(&report.incidents);
    let facts = Facts::of(&report);
    Ok(match format {
        ReportFormat::Md => markdown::render(&report, &facts, &advice),
        ReportFormat::Html => html::render(&report, &facts, &advice),
    })
}

/// Writes the report of `logdir` into it (`shrike -r ... --report`); returns the path.
pub fn write_into(logdir: &Path, format: ReportFormat) -> Result<PathBuf, String> {
    let path = logdir.join(format.file_name());
    write_file(&path, &render(logdir, format)?)?;
    Ok(path)
}

fn write_file(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The report's header lines, worded once for both formats.
pub struct Facts {
    pub sensor: String,
    pub interface: String,
    pub period: String,
    pub connections: String,
    no_anomalies: &'static str,
}

impl Facts {
    fn of(r: &Report) -> Facts {
        const NO_META: &str = "not recorded (these logs have no shrike_run log, e.g. Zeek's)";
        let (sensor, interface) = match &r.meta {
            Some(m) => (sensor(m), interface(m)),
            None => (NO_META.to_string(), NO_META.to_string()),
        };
        let period = match r.period {
            Some((a, b)) => format!("{} to {} UTC", utc(a), utc(b)),
            None => "unknown (no timestamps in the logs)".into(),
        };
        let connections = if r.has_conn {
            thousands(r.connections)
        } else {
            "0 (no conn log found)".into()
        };
        let no_anomalies = if r.has_notices {
            "None: the notice log has no notices."
        } else {
            "None found: there is no notice log (no detections ran, or none fired)."
        };
        Facts {
            sensor,
            interface,
            period,
            connections,
            no_anomalies,
        }
    }

    /// (label, value) in the playbook's order.
    pub fn lines(&self) -> [(&'static str, String); 4] {
        [
            ("Sensor", self.sensor.clone()),
            ("Monitoring Interface", self.interface.clone()),
            ("Analysis Period", self.period.clone()),
            ("Total Connections Logged", self.connections.clone()),
        ]
    }

    pub fn no_anomalies(&self) -> &'static str {
        self.no_anomalies
    }
}

fn sensor(m: &RunMeta) -> String {
    let host = if m.hostnames.is_empty() {
        "hostname not recorded".to_string()
    } else {
        m.hostnames.join(", ")
    };
    let version = m.versions.join(", ");
    let runs = if m.runs > 1 {
        format!(", {} runs", m.runs)
    } else {
        String::new()
    };
    format!("{host} (Shrike {version}{runs})")
}

fn interface(m: &RunMeta) -> String {
    let sources: Vec<String> = m
        .sources
        .iter()
        .map(|(src, kind)| match kind.as_str() {
            "file" => format!("capture file {src} (read offline)"),
            "stdin" => "a capture read from standard input".to_string(),
            _ => format!("{kind} {src}"),
        })
        .collect();
    let span = match (m.start, m.end) {
        (Some(a), Some(b)) => format!(", network time {} to {} UTC", utc(a), utc(b)),
        _ => String::new(),
    };
    format!(
        "{}; {} packets{span}",
        sources.join(", "),
        thousands(m.packets)
    )
}

/// `2009-11-18 08:00:21` (UTC).
pub fn utc(secs: f64) -> String {
    let mut out = Vec::new();
    let fmt = TimeFormat::new("%Y-%m-%d %H:%M:%S", true);
    match fmt.map(|f| f.write(secs.floor() as i64, &mut out)) {
        Some(Ok(())) => String::from_utf8_lossy(&out).into_owned(),
        _ => format!("{secs:.6}"),
    }
}

/// A time that may be unknown (`-`).
pub fn when(secs: Option<f64>) -> String {
    secs.map_or_else(|| "-".into(), utc)
}

/// 1234567 as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_times_read_well() {
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
        assert_eq!(utc(1_258_531_221.9), "2009-11-18 08:00:21");
    }
}
