//! The pipeline that connects the stages: capture → decode → flows →
//! records → log writers, on one thread or spread over worker threads.
//!
//! With N workers, a reader thread hashes each packet's outermost address
//! pair symmetrically (`wire::dispatch_hash`) so both directions, every
//! fragment and everything tunnelled inside a conversation reach the same
//! worker, which owns its decoder and connection table outright. A mapped
//! capture file is read by the workers in place (batches say where their
//! packets are); a stream is copied into the batches. Workers format their
//! own rows; one writer thread owns the files. All channels are bounded.

mod progress;
pub mod run_meta;
mod sink;
mod software;
mod tap;
pub mod zeek_scripts;

pub use sink::{Chunk, Formats, LogId, LogSet, RowSink};
pub use tap::Tap;

use software::{SoftwareMerge, WorkerSightings, AT_END};

use analyzers::AnalyzerPlan;
use capture::{Filter, PacketSource, SharedCapture};
use detect::{Engine, EngineStats, Observed};
use flow::{FlowConfig, FlowSink, FlowStats, FlowTable};
use logs::Format;
use records::Time;
use std::path::PathBuf;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::{Scope, ScopedJoinHandle};
use std::time::Instant;
use wire::{DecodeConfig, Decoded, Decoder};

/// Everything one run needs.
#[derive(Clone)]
pub struct RunConfig {
    pub input: PathBuf,
    pub logdir: PathBuf,
    pub format: Format,
    /// Optional log columns switched on (e.g. "mac-logging").
    pub options: Vec<String>,
    pub workers: usize,
    pub filter: Option<String>,
    pub decode: DecodeConfig,
    pub flow: FlowConfig,
    /// The application analyzers to run (`None`: connections only).
    pub analyzers: Option<AnalyzerPlan>,
    /// Show a progress line (only honoured when stderr is a terminal).
    pub progress: bool,
    /// The detections to run over the records (`None`: none).
    pub detect: Option<Arc<detect::Plan>>,
}

/// What a run did, for the summary line.
#[derive(Debug, Default, Clone)]
pub struct RunSummary {
    pub packets: u64,
    pub bytes: u64,
    pub filtered_out: u64,
    pub flows: FlowStats,
    pub conn_rows: u64,
    pub weird_rows: u64,
    pub notice_rows: u64,
    /// The detections' counters, when detections ran.
    pub detect: Option<EngineStats>,
    pub elapsed: std::time::Duration,
    pub warnings: Vec<String>,
    /// Earliest and latest network time of the packets read (ns).
    pub first_ts: Option<i64>,
    pub last_ts: Option<i64>,
}

impl RunSummary {
    /// Count a packet read and say whether it passes the capture filter.
    fn admit(&mut self, filter: Option<&Filter>, pkt: &capture::RawPacket<'_>) -> bool {
        self.packets += 1;
        self.bytes += pkt.data.len() as u64;
        self.first_ts = min_some(self.first_ts, Some(pkt.ts));
        self.last_ts = self.last_ts.max(Some(pkt.ts));
        let pass = filter.is_none_or(|f| f.matches(pkt.linktype, pkt.data));
        if !pass {
            self.filtered_out += 1;
        }
        pass
    }

    /// The one-line summary printed at the end of a run.
    pub fn line(&self) -> String {
        let secs = self.elapsed.as_secs_f64().max(1e-9);
        format!(
            "shrike: {} packets, {:.1} MB, {} connections, {} weirds{} in {:.2}s ({:.0} MB/s, {:.2} Mpkt/s{}){}{}",
            self.packets,
            self.bytes as f64 / 1e6,
            self.conn_rows,
            self.weird_rows,
            self.detect
                .map(|_| format!(", {} notices", self.notice_rows))
                .unwrap_or_default(),
            secs,
            self.bytes as f64 / 1e6 / secs,
            self.packets as f64 / 1e6 / secs,
            peak_rss_mb().map(|mb| format!(", peak RSS {mb} MB")).unwrap_or_default(),
            if self.flows.evicted > 0 { format!(", {} connections evicted", self.flows.evicted) } else { String::new() },
            match self.detect {
                Some(d) if d.evicted > 0 => format!(", {} detection states evicted", d.evicted),
                _ => String::new(),
            }
        )
    }
}

/// The smaller of two optional values, either one when the other is absent.
fn min_some(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        _ => a.or(b),
    }
}

/// Peak resident memory of this process (Linux), in MB.
fn peak_rss_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

/// Why a run failed (one line each).
#[derive(Debug)]
pub enum RunError {
    Capture(capture::CaptureError),
    Filter(String),
    Io(String, std::io::Error),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Capture(e) => write!(f, "{e}"),
            RunError::Filter(e) => write!(f, "{e}"),
            RunError::Io(what, e) => write!(f, "{what}: {e}"),
        }
    }
}

impl std::error::Error for RunError {}

fn wall_clock() -> Time {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Time(d.as_nanos() as i64)
}

/// Run the pipeline over one capture.
pub fn run(cfg: &RunConfig) -> Result<RunSummary, RunError> {
    let started = Instant::now();
    let mut source = PacketSource::open(&cfg.input).map_err(RunError::Capture)?;
    let filter = match &cfg.filter {
        Some(f) => Some(Filter::compile(f).map_err(|e| RunError::Filter(e.to_string()))?),
        None => None,
    };
    std::fs::create_dir_all(&cfg.logdir).map_err(|e| {
        RunError::Io(
            format!("cannot create log directory {}", cfg.logdir.display()),
            e,
        )
    })?;
    let options: Vec<&str> = cfg.options.iter().map(String::as_str).collect();
    let formats = Formats::new(cfg.format, &options);
    let mut logs = LogSet::new(&cfg.logdir, cfg.format, formats.clone(), wall_clock());
    let result = if cfg.workers <= 1 {
        run_inline(cfg, &mut source, filter.as_ref(), formats, &mut logs)
    } else {
        run_parallel(cfg, &mut source, filter.as_ref(), formats, &mut logs)
    };
    let mut summary = match result {
        Ok(s) => s,
        Err(e) => {
            logs.abandon();
            return Err(e);
        }
    };
    summary.conn_rows = logs.rows[LogId::Conn as usize];
    summary.weird_rows = logs.rows[LogId::Weird as usize];
    summary.notice_rows = logs.rows[LogId::Notice as usize];
    summary.warnings = source.take_warnings();
    let now = wall_clock();
    logs.close(now)
        .map_err(|e| RunError::Io("cannot finish logs".into(), e))?;
    run_meta::write(cfg, &run_meta::record(&cfg.input, &summary, now), now)
        .map_err(|e| RunError::Io("cannot write shrike_run.log".into(), e))?;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

fn io_err(e: std::io::Error) -> RunError {
    RunError::Io("cannot write logs".into(), e)
}

/// One thread does everything: no copies, no channels.
fn run_inline(
    cfg: &RunConfig,
    source: &mut PacketSource,
    filter: Option<&Filter>,
    formats: Formats,
    logs: &mut LogSet,
) -> Result<RunSummary, RunError> {
    let mut write_err = None;
    let mut progress = progress::Progress::new(cfg.progress, source.file_size());
    let tap = engine(cfg).map(|e| Tap::inline(e, &formats));
    let mut sink = RowSink::new(formats, |log, bytes: &mut Vec<u8>, rows| {
        if write_err.is_none() {
            if let Err(e) = logs.write_rows(log, bytes, rows) {
                write_err = Some(e);
            }
        }
    })
    .with_tap(tap);
    let summary = read_all(cfg, source, filter, &mut sink, &mut progress);
    let detect = sink.detect_stats();
    drop(sink);
    progress.finish();
    if let Some(e) = write_err {
        return Err(io_err(e));
    }
    summary.map(|s| RunSummary { detect, ..s })
}

/// The run's detections, if any run.
fn engine(cfg: &RunConfig) -> Option<Engine> {
    let local = cfg.flow.local_nets.clone().unwrap_or_default();
    cfg.detect.as_ref()?.engine(&local)
}

/// The detections thread of a run with several workers: it owns the
/// engine, receives the wanted records of every worker in batches, and
/// sends its notice.log rows to the log writer.
struct Detections<'scope> {
    wants: [bool; sink::LOGS],
    tx: SyncSender<Vec<Observed>>,
    thread: ScopedJoinHandle<'scope, EngineStats>,
}

impl<'scope> Detections<'scope> {
    fn spawn<'env>(
        scope: &'scope Scope<'scope, 'env>,
        mut engine: Engine,
        formats: Formats,
        out: SyncSender<Output>,
    ) -> Self {
        let wants = tap::wanted(&engine, &formats);
        let (tx, rx) = sync_channel::<Vec<Observed>>(tap::QUEUE);
        let thread = scope.spawn(move || {
            let mut sink = RowSink::new(formats, to_writer(&out));
            for batch in rx {
                for rec in &batch {
                    engine.observe(rec);
                    sink.raised(tap::Raised::take(&mut engine));
                }
            }
            engine.finish();
            sink.raised(tap::Raised::take(&mut engine));
            sink.flush();
            engine.stats()
        });
        Detections { wants, tx, thread }
    }

    /// A worker's tap.
    fn tap(&self) -> Tap {
        Tap::thread(self.wants, self.tx.clone())
    }

    /// Waits for the thread once every worker's tap is gone.
    fn join(self) -> EngineStats {
        drop(self.tx);
        self.thread.join().unwrap_or_default()
    }
}

/// Reads the capture and runs every packet through decoding and the
/// connection table into `sink`.
fn read_all<F: FnMut(LogId, &mut Vec<u8>, u64)>(
    cfg: &RunConfig,
    source: &mut PacketSource,
    filter: Option<&Filter>,
    sink: &mut RowSink<F>,
    progress: &mut progress::Progress,
) -> Result<RunSummary, RunError> {
    let mut stages = Stages::new(cfg);
    let mut summary = RunSummary::default();
    let mut seen: u64 = 0;
    let mut seen_bytes: u64 = 0;
    while let Some(pkt) = source.next_packet().map_err(RunError::Capture)? {
        seen += 1;
        seen_bytes += pkt.data.len() as u64;
        if summary.admit(filter, &pkt) {
            sink.set_position(Some(seen));
            stages.packet(pkt.ts, pkt.linktype, pkt.data, pkt.wire_len, sink);
        }
        if seen.is_multiple_of(65536) {
            progress.update(seen, seen_bytes, source.bytes_consumed());
        }
    }
    summary.flows = stages.finish(sink);
    Ok(summary)
}

/// One worker's own stages: its decoder and its connection table.
struct Stages {
    decoder: Decoder,
    table: FlowTable,
}

impl Stages {
    fn new(cfg: &RunConfig) -> Self {
        Stages {
            decoder: Decoder::new(cfg.decode.clone()),
            table: FlowTable::with_analyzers(
                cfg.flow.clone(),
                cfg.analyzers.as_ref().map(AnalyzerPlan::build),
            ),
        }
    }

    /// One packet through decoding and the connection table.
    fn packet<F: FnMut(LogId, &mut Vec<u8>, u64)>(
        &mut self,
        ts: i64,
        linktype: u32,
        data: &[u8],
        wire_len: u32,
        sink: &mut RowSink<F>,
    ) {
        let mut decoded = Decoded::default();
        self.decoder
            .decode_into(ts, linktype, data, wire_len, &mut decoded);
        self.table.process(ts, &decoded, sink as &mut dyn FlowSink);
    }

    /// The input ended: every connection is flushed and the sink finished.
    fn finish<F: FnMut(LogId, &mut Vec<u8>, u64)>(mut self, sink: &mut RowSink<F>) -> FlowStats {
        sink.set_position(None);
        self.table.flush(sink);
        sink.finish();
        self.table.stats
    }
}

/// One packet of a batch: where its bytes are (in the batch's buffer, or
/// in the shared capture file) and its capture facts.
#[derive(Clone, Copy)]
struct PacketRef {
    ts: i64,
    linktype: u32,
    wire_len: u32,
    start: usize,
    end: usize,
    /// The packet's position in the capture (software.log's merge).
    position: u64,
}

/// Packets for one worker: copied into one contiguous buffer, or (for a
/// mapped capture file) only located in it.
struct Batch {
    data: Vec<u8>,
    packets: Vec<PacketRef>,
    /// Every packet of this worker before this position is in this batch
    /// or an earlier one.
    upto: u64,
}

const BATCH_PACKETS: usize = 512;
const BATCH_BYTES: usize = 512 * 1024;

impl Batch {
    fn new() -> Self {
        Batch {
            data: Vec::new(),
            packets: Vec::with_capacity(BATCH_PACKETS),
            upto: 0,
        }
    }
    fn full(&self) -> bool {
        self.packets.len() >= BATCH_PACKETS || self.data.len() >= BATCH_BYTES
    }
}

/// What workers send the writer thread.
enum Output {
    Rows(Chunk),
    Software(WorkerSightings),
}

/// With software tracking, how often (in packets) every worker gets its
/// batch even if not full, so the writer's merge of software sightings
/// never waits long for a quiet worker.
const SOFTWARE_SYNC_PACKETS: u64 = 65536;

/// Whether the run reports software (software.log needs the merge).
fn tracks_software(cfg: &RunConfig) -> bool {
    cfg.analyzers
        .as_ref()
        .is_some_and(|p| p.config.software.any())
}

fn run_parallel(
    cfg: &RunConfig,
    source: &mut PacketSource,
    filter: Option<&Filter>,
    formats: Formats,
    logs: &mut LogSet,
) -> Result<RunSummary, RunError> {
    let n = cfg.workers;
    let (out_tx, out_rx) = sync_channel::<Output>(64);
    // Workers hand emptied batches back so their buffers are reused.
    let (recycle_tx, recycle_rx) = sync_channel::<Batch>(8 * n + n);
    let software = tracks_software(cfg);
    let mut summary = RunSummary::default();
    let mut progress = progress::Progress::new(cfg.progress, source.file_size());
    let result = std::thread::scope(|scope| -> Result<_, RunError> {
        let detections =
            engine(cfg).map(|e| Detections::spawn(scope, e, formats.clone(), out_tx.clone()));
        let mut batch_txs: Vec<SyncSender<Batch>> = Vec::with_capacity(n);
        let mut workers = Vec::with_capacity(n);
        // A mapped file is read by the workers in place: batches only say
        // where their packets are.
        let shared = source.share();
        for w in 0..n {
            let (tx, rx) = sync_channel::<Batch>(8);
            batch_txs.push(tx);
            let out_tx = out_tx.clone();
            let recycle = recycle_tx.clone();
            let formats = formats.clone();
            let tap = detections.as_ref().map(Detections::tap);
            let shared = shared.clone();
            workers.push(scope.spawn(move || {
                let input = WorkerInput {
                    batches: rx,
                    shared,
                    recycle,
                };
                worker(cfg, w, input, out_tx, formats, tap)
            }));
        }
        drop(out_tx);
        drop(recycle_tx);
        let writer = scope.spawn(move || write_outputs(out_rx, logs, n));
        let mut batches: Vec<Batch> = (0..n).map(|_| Batch::new()).collect();
        // Hands worker `w` its batch, a fresh one taking its place.
        let send = |batches: &mut Vec<Batch>, w: usize, upto: u64| -> bool {
            let fresh = recycle_rx.try_recv().unwrap_or_else(|_| Batch::new());
            let mut full = std::mem::replace(&mut batches[w], fresh);
            full.upto = upto;
            batch_txs[w].send(full).is_ok()
        };
        let read = (|| -> Result<(), RunError> {
            while let Some(pkt) = source.next_packet().map_err(RunError::Capture)? {
                if !summary.admit(filter, &pkt) {
                    continue;
                }
                let position = summary.packets;
                let w = (wire::dispatch_hash(pkt.linktype, pkt.data) % n as u64) as usize;
                let b = &mut batches[w];
                let at = match shared.as_ref().and_then(|m| m.range_of(pkt.data)) {
                    Some(range) => range,
                    None => {
                        let start = b.data.len();
                        b.data.extend_from_slice(pkt.data);
                        start..b.data.len()
                    }
                };
                b.packets.push(PacketRef {
                    ts: pkt.ts,
                    linktype: pkt.linktype,
                    wire_len: pkt.wire_len,
                    start: at.start,
                    end: at.end,
                    position,
                });
                if b.full() && !send(&mut batches, w, position + 1) {
                    break;
                }
                if software
                    && position % SOFTWARE_SYNC_PACKETS == 0
                    && !(0..n).all(|w| send(&mut batches, w, position + 1))
                {
                    break;
                }
                if summary.packets % 65536 == 0 {
                    progress.update(summary.packets, summary.bytes, source.bytes_consumed());
                }
            }
            Ok(())
        })();
        let end = summary.packets + 1;
        for (w, mut b) in batches.into_iter().enumerate() {
            if !b.packets.is_empty() {
                b.upto = end;
                let _ = batch_txs[w].send(b);
            }
        }
        drop(batch_txs);
        let stats: Vec<FlowStats> = workers
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect();
        let detect = detections.map(Detections::join);
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("log writer panicked")));
        read?;
        written.map_err(io_err)?;
        Ok((stats, detect))
    });
    progress.finish();
    let (stats, detect) = result?;
    for s in stats {
        summary.flows.add(&s);
    }
    summary.detect = detect;
    Ok(summary)
}

/// A sink's shipping to the writer thread.
fn to_writer(out: &SyncSender<Output>) -> impl FnMut(LogId, &mut Vec<u8>, u64) + '_ {
    move |log, bytes, rows| {
        let _ = out.send(Output::Rows(Chunk {
            log,
            bytes: std::mem::take(bytes),
            rows,
        }));
    }
}

/// Sends what a worker's sink saw of software, and how far the worker got
/// (every packet before `upto` is done), to the writer's merge.
fn report_software<F: FnMut(LogId, &mut Vec<u8>, u64)>(
    out: &SyncSender<Output>,
    worker: usize,
    sink: &mut RowSink<F>,
    upto: u64,
) {
    let sightings = sink.take_sightings();
    let report = WorkerSightings {
        worker,
        sightings,
        upto,
    };
    let _ = out.send(Output::Software(report));
}

/// The writer thread: rows go to their logs; software sightings through
/// the merge to software.log.
fn write_outputs(
    outputs: Receiver<Output>,
    logs: &mut LogSet,
    workers: usize,
) -> std::io::Result<()> {
    let mut merge = SoftwareMerge::new(workers);
    let mut rows = Vec::new();
    for out in outputs {
        match out {
            Output::Rows(chunk) => logs.write(chunk)?,
            Output::Software(report) => merge.push(report, &mut |row| rows.push(row)),
        }
        for row in rows.drain(..) {
            logs.write_record(LogId::Software, &row)?;
        }
    }
    Ok(())
}

/// Where a worker's packets come from.
struct WorkerInput {
    batches: Receiver<Batch>,
    /// The capture file the batches point into, if they do not carry
    /// copies.
    shared: Option<SharedCapture>,
    /// Emptied batches go back to the reader.
    recycle: SyncSender<Batch>,
}

fn worker(
    cfg: &RunConfig,
    id: usize,
    input: WorkerInput,
    out: SyncSender<Output>,
    formats: Formats,
    tap: Option<Tap>,
) -> FlowStats {
    let mut stages = Stages::new(cfg);
    let software = tracks_software(cfg);
    let mut sink = RowSink::for_worker(formats, to_writer(&out)).with_tap(tap);
    let report = |sink: &mut RowSink<_>, upto: u64| {
        if software {
            report_software(&out, id, sink, upto);
        }
    };
    for mut batch in input.batches {
        let bytes = input.shared.as_deref().unwrap_or(&batch.data);
        for p in &batch.packets {
            sink.set_position(Some(p.position));
            let data = bytes.get(p.start..p.end).unwrap_or_default();
            stages.packet(p.ts, p.linktype, data, p.wire_len, &mut sink);
        }
        report(&mut sink, batch.upto);
        batch.data.clear();
        batch.packets.clear();
        // The reader may have enough spare batches already.
        let _ = input.recycle.try_send(batch);
    }
    let stats = stages.finish(&mut sink);
    report(&mut sink, AT_END);
    stats
}
