//! Records to log files: workers format rows themselves (in parallel) into
//! per-log buffers; full buffers go to the one place that owns the files.

use crate::software::{Stamped, AT_END};
use crate::tap::Tap;
use analyzers::dns::DnsRecord;
use analyzers::files::FilesRecord;
use analyzers::ftp::FtpRecord;
use analyzers::http::HttpRecord;
use analyzers::smb::SmbMappingRecord;
use analyzers::smtp::SmtpRecord;
use analyzers::software::{SoftwareRecord, Tracker};
use analyzers::ssh::SshRecord;
use analyzers::ssl::SslRecord;
use analyzers::websocket::WebsocketRecord;
use analyzers::x509::X509Record;
use analyzers::{AnalyzerRecord, AppRecord};
use detect::{IntelRecord, Notice, NoticeRecord, Notices, Observed};
use flow::{ConnRecord, FlowSink, TunnelRecord, WeirdRecord};
use logs::{Format, LogFile, RowFormatter};
use records::{Record, Schema, Time};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The logs this stage writes, in a fixed order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogId {
    Conn = 0,
    Weird = 1,
    Tunnel = 2,
    Dns = 3,
    Http = 4,
    Files = 5,
    Analyzer = 6,
    Ssh = 7,
    Ssl = 8,
    Ftp = 9,
    Smtp = 10,
    Websocket = 11,
    X509 = 12,
    Software = 13,
    Notice = 14,
    Intel = 15,
    SmbMapping = 16,
}

pub(crate) const LOGS: usize = 17;
const ALL_LOGS: [LogId; LOGS] = [
    LogId::Conn,
    LogId::Weird,
    LogId::Tunnel,
    LogId::Dns,
    LogId::Http,
    LogId::Files,
    LogId::Analyzer,
    LogId::Ssh,
    LogId::Ssl,
    LogId::Ftp,
    LogId::Smtp,
    LogId::Websocket,
    LogId::X509,
    LogId::Software,
    LogId::Notice,
    LogId::Intel,
    LogId::SmbMapping,
];
const FLUSH_AT: usize = 256 * 1024;

/// A buffer of formatted rows for one log.
pub struct Chunk {
    pub log: LogId,
    pub bytes: Vec<u8>,
    pub rows: u64,
}

/// Formats for every log, shared by all workers.
#[derive(Clone)]
pub struct Formats {
    formats: [RowFormatter; LOGS],
    schemas: [Arc<Schema>; LOGS],
    paths: [&'static str; LOGS],
}

impl Formats {
    pub fn new(format: Format, options: &[&str]) -> Self {
        let schemas = [
            Arc::new(Schema::new::<ConnRecord>(options)),
            Arc::new(Schema::new::<WeirdRecord>(options)),
            Arc::new(Schema::new::<TunnelRecord>(options)),
            Arc::new(Schema::new::<DnsRecord>(options)),
            Arc::new(Schema::new::<HttpRecord>(options)),
            Arc::new(Schema::new::<FilesRecord>(options)),
            Arc::new(Schema::new::<AnalyzerRecord>(options)),
            Arc::new(Schema::new::<SshRecord>(options)),
            Arc::new(Schema::new::<SslRecord>(options)),
            Arc::new(Schema::new::<FtpRecord>(options)),
            Arc::new(Schema::new::<SmtpRecord>(options)),
            Arc::new(Schema::new::<WebsocketRecord>(options)),
            Arc::new(Schema::new::<X509Record>(options)),
            Arc::new(Schema::new::<SoftwareRecord>(options)),
            Arc::new(Schema::new::<NoticeRecord>(options)),
            Arc::new(Schema::new::<IntelRecord>(options)),
            Arc::new(Schema::new::<SmbMappingRecord>(options)),
        ];
        let formats = schemas
            .clone()
            .map(|schema| RowFormatter::new(schema, format));
        let paths = schemas.each_ref().map(|s| s.path);
        Formats {
            formats,
            schemas,
            paths,
        }
    }

    /// Each log's path (`"conn"`, ...), in log id order.
    pub fn paths(&self) -> &[&'static str; LOGS] {
        &self.paths
    }
}

/// What a sink does with software sightings (see [`crate::software`]).
enum SoftwareRoute {
    /// Decides on them itself: it sees every packet, in order.
    Track(Tracker),
    /// Keeps them, stamped with the capture position of their packet, for
    /// the writer's merge.
    Collect {
        position: u64,
        sightings: Vec<Stamped>,
    },
}

/// Zeek's `Notice::default_suppression_interval`, for analyzers' notices.
const NOTICE_SUPPRESSION: i64 = 3600 * 1_000_000_000;

/// Per-worker sink: formats records and hands full buffers to `ship`
/// (which may write them out in place or take them); with a [`Tap`], the
/// records detections want go on to them after they are formatted.
pub struct RowSink<F: FnMut(LogId, &mut Vec<u8>, u64)> {
    formats: Formats,
    bufs: [Vec<u8>; LOGS],
    rows: [u64; LOGS],
    ship: F,
    software: SoftwareRoute,
    tap: Option<Tap>,
    /// The notice framework for notices analyzers raise (their
    /// identifiers name connections, which stay in one worker).
    analyzer_notices: Notices,
}

impl<F: FnMut(LogId, &mut Vec<u8>, u64)> RowSink<F> {
    /// A sink that sees the whole capture.
    pub fn new(formats: Formats, ship: F) -> Self {
        RowSink {
            formats,
            bufs: Default::default(),
            rows: [0; LOGS],
            ship,
            software: SoftwareRoute::Track(Tracker::new()),
            tap: None,
            analyzer_notices: Notices::new(NOTICE_SUPPRESSION),
        }
    }

    /// Sends the records detections want through `tap`.
    pub fn with_tap(mut self, tap: Option<Tap>) -> Self {
        self.tap = tap;
        self
    }

    /// A sink for one of several workers: software sightings are kept for
    /// [`RowSink::take_sightings`].
    pub fn for_worker(formats: Formats, ship: F) -> Self {
        RowSink {
            software: SoftwareRoute::Collect {
                position: 0,
                sightings: Vec::new(),
            },
            ..RowSink::new(formats, ship)
        }
    }

    /// The capture position of the packet being processed; `None` for the
    /// final flush.
    pub fn set_position(&mut self, at: Option<u64>) {
        if let SoftwareRoute::Collect { position, .. } = &mut self.software {
            *position = at.unwrap_or(AT_END);
        }
    }

    /// The sightings kept since the last call.
    pub fn take_sightings(&mut self) -> Vec<Stamped> {
        match &mut self.software {
            SoftwareRoute::Collect { sightings, .. } => std::mem::take(sightings),
            SoftwareRoute::Track(_) => Vec::new(),
        }
    }

    fn software(&mut self, s: analyzers::software::Sighting) {
        match &mut self.software {
            SoftwareRoute::Track(tracker) => {
                if let Some(row) = tracker.found(s) {
                    self.push(LogId::Software, &row);
                }
            }
            SoftwareRoute::Collect {
                position,
                sightings,
            } => sightings.push((*position, s)),
        }
    }

    fn push<R: Record>(&mut self, log: LogId, rec: &R) -> LogId {
        let i = log as usize;
        self.formats.formats[i].format(rec, &mut self.bufs[i]);
        self.rows[i] += 1;
        if self.bufs[i].len() >= FLUSH_AT {
            self.ship_one(log);
        }
        log
    }

    /// A notice.log row.
    pub fn notice(&mut self, rec: &NoticeRecord) {
        self.push(LogId::Notice, rec);
    }

    /// What the detections raised: notice.log and intel.log rows.
    pub fn raised(&mut self, r: crate::tap::Raised) {
        r.notices.iter().for_each(|n| self.notice(n));
        r.intel.iter().for_each(|row| {
            self.push(LogId::Intel, row);
        });
    }

    #[inline]
    fn tapped(&self, log: LogId) -> bool {
        self.tap.as_ref().is_some_and(|t| t.wants(log))
    }

    fn observe(&mut self, rec: Observed) {
        if let Some(tap) = self.tap.as_mut() {
            let raised = tap.observe(rec);
            self.raised(raised);
        }
    }

    /// The worker is done: the tap finishes (inline detections evaluate
    /// what they hold), then everything buffered is shipped.
    pub fn finish(&mut self) {
        if let Some(tap) = self.tap.as_mut() {
            let raised = tap.finish();
            self.raised(raised);
        }
        self.flush();
    }

    /// The inline detections' counters, if they ran here.
    pub fn detect_stats(&self) -> Option<detect::EngineStats> {
        self.tap.as_ref().and_then(Tap::stats)
    }

    fn ship_one(&mut self, log: LogId) {
        let i = log as usize;
        if self.bufs[i].is_empty() {
            return;
        }
        let rows = std::mem::take(&mut self.rows[i]);
        (self.ship)(log, &mut self.bufs[i], rows);
        self.bufs[i].clear();
    }

    /// Ship whatever is buffered.
    pub fn flush(&mut self) {
        for log in ALL_LOGS {
            self.ship_one(log);
        }
    }
}

impl<F: FnMut(LogId, &mut Vec<u8>, u64)> FlowSink for RowSink<F> {
    fn conn(&mut self, rec: ConnRecord) {
        self.push(LogId::Conn, &rec);
        if self.tapped(LogId::Conn) {
            self.observe(Observed::Conn(rec));
        }
    }
    fn weird(&mut self, rec: WeirdRecord) {
        self.push(LogId::Weird, &rec);
        if self.tapped(LogId::Weird) {
            self.observe(Observed::Weird(rec));
        }
    }
    fn tunnel(&mut self, rec: TunnelRecord) {
        self.push(LogId::Tunnel, &rec);
    }
    fn app(&mut self, rec: AppRecord) {
        if let AppRecord::Software(s) = rec {
            return self.software(*s);
        }
        if let AppRecord::Notice(n) = &rec {
            self.analyzer_notices.raise(Notice::from(&**n));
            for row in self.analyzer_notices.take() {
                self.notice(&row);
            }
            return;
        }
        let log = match &rec {
            AppRecord::Dns(r) => self.push(LogId::Dns, &**r),
            AppRecord::Http(r) => self.push(LogId::Http, &**r),
            AppRecord::Smtp(r) => self.push(LogId::Smtp, &**r),
            AppRecord::Files(r) => self.push(LogId::Files, &**r),
            AppRecord::Analyzer(r) => self.push(LogId::Analyzer, &**r),
            AppRecord::Ssh(r) => self.push(LogId::Ssh, &**r),
            AppRecord::Ssl(r) => self.push(LogId::Ssl, &**r),
            AppRecord::Ftp(r) => self.push(LogId::Ftp, &**r),
            AppRecord::Websocket(r) => self.push(LogId::Websocket, &**r),
            AppRecord::X509(r) => self.push(LogId::X509, &**r),
            AppRecord::SmbMapping(r) => self.push(LogId::SmbMapping, &**r),
            // The flows stage turns analyzer weirds and tunnels into
            // weird.log and tunnel.log rows.
            AppRecord::Weird(_)
            | AppRecord::Tunnel(_)
            | AppRecord::Software(_)
            | AppRecord::Notice(_) => return,
        };
        if self.tapped(log) {
            self.observe(Observed::App(rec));
        }
    }
}

/// The log files of a run, created on their first row.
pub struct LogSet {
    dir: PathBuf,
    format: Format,
    formats: Formats,
    open_time: Time,
    files: [Option<LogFile>; LOGS],
    pub rows: [u64; LOGS],
}

impl LogSet {
    pub fn new(dir: &Path, format: Format, formats: Formats, open_time: Time) -> Self {
        LogSet {
            dir: dir.to_path_buf(),
            format,
            formats,
            open_time,
            files: Default::default(),
            rows: [0; LOGS],
        }
    }

    pub fn write(&mut self, chunk: Chunk) -> io::Result<()> {
        self.write_rows(chunk.log, &chunk.bytes, chunk.rows)
    }

    /// Formats and appends one row.
    pub fn write_record<R: Record>(&mut self, log: LogId, rec: &R) -> io::Result<()> {
        let mut row = Vec::new();
        self.formats.formats[log as usize].format(rec, &mut row);
        self.write_rows(log, &row, 1)
    }

    /// Append formatted rows to a log, creating its file on first use.
    pub fn write_rows(&mut self, log: LogId, bytes: &[u8], rows: u64) -> io::Result<()> {
        let i = log as usize;
        if self.files[i].is_none() {
            let f = LogFile::create(
                &self.dir,
                self.formats.paths[i],
                &self.formats.schemas[i],
                self.format,
                self.open_time,
            )?;
            self.files[i] = Some(f);
        }
        self.rows[i] += rows;
        if let Some(f) = self.files[i].as_mut() {
            f.write_rows(bytes)?;
        }
        Ok(())
    }

    /// The run failed: leave no log that looks complete. TSV logs already
    /// lack their `#close` footer; JSON logs have no footer, so they are
    /// renamed to `<name>.log.partial`.
    pub fn abandon(self) {
        for f in self.files.into_iter().flatten() {
            let path = f.path().to_path_buf();
            drop(f);
            if matches!(self.format, Format::Json { .. }) {
                let _ = std::fs::rename(&path, path.with_extension("log.partial"));
            }
        }
    }

    /// Finish every file (footer) at `close_time`.
    pub fn close(self, close_time: Time) -> io::Result<()> {
        for f in self.files.into_iter().flatten() {
            f.close(close_time)?;
        }
        Ok(())
    }
}
