//! Attaching analyzers to connections and running them: port-based
//! attachment, signature-based detection with a replay buffer, and the
//! confirmation/violation bookkeeping behind conn.log's `service` and
//! analyzer.log.

use crate::context::{AnalyzerConfig, ConnInfo, Context, FuidGen};
use crate::dpd::Kind;
use crate::record::{AnalyzerRecord, AppRecord, AppSink};
use crate::Analyzer;
use records::{Enum, Port, Time, ZString};
use std::collections::HashMap;

/// Bytes per direction kept for signature matching (Zeek's
/// `dpd_buffer_size`).
const DPD_BUFFER: usize = 1024;

/// Which analyzers a run uses, on which ports, with which options: the
/// recipe every worker builds its [`AnalyzerSet`] from.
#[derive(Debug, Clone, Default)]
pub struct AnalyzerPlan {
    pub config: AnalyzerConfig,
    /// (port, IP protocol) each analyzer registers on.
    pub ports: Vec<((u16, u8), Kind)>,
    /// The analyzers switched on.
    pub enabled: Vec<Kind>,
    /// Seed for reproducible file ids.
    pub seed: Option<u64>,
}

impl AnalyzerPlan {
    pub fn build(&self) -> AnalyzerSet {
        AnalyzerSet::new(
            self.config.clone(),
            FuidGen::new(self.seed),
            &self.ports,
            &self.enabled,
        )
    }
}

/// The analyzers of one worker: which protocol goes with which port, which
/// are tried by signature, their options and the file id generator.
pub struct AnalyzerSet {
    pub config: AnalyzerConfig,
    pub fuids: FuidGen,
    ports: HashMap<(u16, u8), Vec<Kind>>,
    by_signature: Vec<Kind>,
}

impl AnalyzerSet {
    /// `ports`: (port, IP protocol) each enabled analyzer registers on;
    /// `enabled`: the analyzers switched on (tried by signature anywhere).
    pub fn new(
        config: AnalyzerConfig,
        fuids: FuidGen,
        ports: &[((u16, u8), Kind)],
        enabled: &[Kind],
    ) -> Self {
        let mut map: HashMap<(u16, u8), Vec<Kind>> = HashMap::new();
        for (p, k) in ports {
            if enabled.contains(k) {
                let v = map.entry(*p).or_default();
                if !v.contains(k) {
                    v.push(*k);
                }
            }
        }
        AnalyzerSet {
            config,
            fuids,
            ports: map,
            by_signature: enabled.to_vec(),
        }
    }

    /// The analyzers for a new connection to `resp_p` over `proto`; `None`
    /// when no analyzer can apply (nothing is allocated then).
    pub fn attach(&self, proto: u8, resp_p: u16) -> Option<Box<ConnAnalyzers>> {
        let mut slots = Vec::new();
        if let Some(kinds) = self.ports.get(&(resp_p, proto)) {
            for k in kinds {
                if let Some(a) = k.create(proto) {
                    slots.push(Slot::new(*k, a));
                }
            }
        }
        let pending: Vec<Kind> = if proto == 6 {
            self.by_signature
                .iter()
                .copied()
                .filter(|k| !slots.iter().any(|s| s.kind == *k))
                .filter(|k| k.signature(proto, b"x", b"x").is_some())
                .collect()
        } else {
            Vec::new()
        };
        if slots.is_empty() && pending.is_empty() {
            return None;
        }
        Some(Box::new(ConnAnalyzers {
            proto,
            slots,
            services: Vec::new(),
            pending,
            first: [Vec::new(), Vec::new()],
        }))
    }
}

struct Slot {
    kind: Kind,
    analyzer: Box<dyn Analyzer>,
    confirmed: bool,
    /// Removed after a violation: gets no more data.
    failed: bool,
}

impl Slot {
    fn new(kind: Kind, analyzer: Box<dyn Analyzer>) -> Self {
        Slot {
            kind,
            analyzer,
            confirmed: false,
            failed: false,
        }
    }
}

/// The analyzers attached to one connection.
pub struct ConnAnalyzers {
    proto: u8,
    slots: Vec<Slot>,
    /// Confirmed services in confirmation order.
    services: Vec<&'static str>,
    /// Analyzers still waiting for their signature to decide.
    pending: Vec<Kind>,
    /// First bytes of each direction (orig, resp) while `pending` is not
    /// empty.
    first: [Vec<u8>; 2],
}

impl std::fmt::Debug for ConnAnalyzers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnAnalyzers")
            .field(
                "analyzers",
                &self.slots.iter().map(|s| s.kind).collect::<Vec<_>>(),
            )
            .field("services", &self.services)
            .field("pending", &self.pending)
            .finish()
    }
}

/// What one call into the analyzers does.
enum Event<'d> {
    Data(&'d [u8]),
    Gap(u64),
    EndOfStream,
    Finish,
}

impl ConnAnalyzers {
    /// conn.log's `service`: confirmed analyzers joined by commas.
    pub fn service(&self) -> Option<String> {
        (!self.services.is_empty()).then(|| self.services.join(","))
    }

    /// Whether any analyzer still wants stream data (the flows stage stops
    /// buffering out-of-order data otherwise).
    pub fn wants_data(&self) -> bool {
        !self.pending.is_empty() || self.slots.iter().any(|s| !s.failed)
    }

    /// In-order payload (a TCP stream chunk or a UDP datagram).
    pub fn deliver(
        &mut self,
        set: &mut AnalyzerSet,
        conn: &ConnInfo<'_>,
        now: Time,
        is_orig: bool,
        data: &[u8],
        sink: &mut dyn AppSink,
    ) {
        if data.is_empty() {
            return;
        }
        if !self.pending.is_empty() {
            self.match_signatures(set, conn, now, is_orig, data, sink);
        }
        self.run(set, conn, now, is_orig, Event::Data(data), sink);
    }

    /// A content gap of `len` bytes in one direction.
    pub fn gap(
        &mut self,
        set: &mut AnalyzerSet,
        conn: &ConnInfo<'_>,
        now: Time,
        is_orig: bool,
        len: u64,
        sink: &mut dyn AppSink,
    ) {
        // Signatures match on the start of a stream only.
        self.pending.clear();
        self.first = [Vec::new(), Vec::new()];
        self.run(set, conn, now, is_orig, Event::Gap(len), sink);
    }

    /// One direction ended.
    pub fn end_of_stream(
        &mut self,
        set: &mut AnalyzerSet,
        conn: &ConnInfo<'_>,
        now: Time,
        is_orig: bool,
        sink: &mut dyn AppSink,
    ) {
        self.run(set, conn, now, is_orig, Event::EndOfStream, sink);
    }

    /// The connection is being removed.
    pub fn finish(
        &mut self,
        set: &mut AnalyzerSet,
        conn: &ConnInfo<'_>,
        now: Time,
        sink: &mut dyn AppSink,
    ) {
        self.run(set, conn, now, true, Event::Finish, sink);
    }

    fn match_signatures(
        &mut self,
        set: &mut AnalyzerSet,
        conn: &ConnInfo<'_>,
        now: Time,
        is_orig: bool,
        data: &[u8],
        sink: &mut dyn AppSink,
    ) {
        let dir = usize::from(!is_orig);
        let room = DPD_BUFFER.saturating_sub(self.first[dir].len());
        self.first[dir].extend_from_slice(&data[..data.len().min(room)]);
        let mut matched = Vec::new();
        let proto = self.proto;
        let first = &self.first;
        self.pending
            .retain(|k| match k.signature(proto, &first[0], &first[1]) {
                Some(true) => {
                    matched.push(*k);
                    false
                }
                Some(false) => false,
                None => true,
            });
        let full = self.first.iter().all(|b| b.len() >= DPD_BUFFER);
        if full {
            self.pending.clear();
        }
        for k in matched {
            let Some(a) = k.create(proto) else { continue };
            self.slots.push(Slot::new(k, a));
            let i = self.slots.len() - 1;
            // Replay what came before this chunk: the buffered starts of both
            // directions minus the chunk being delivered right now.
            let mut before = std::mem::take(&mut self.first);
            let cur = &mut before[dir];
            cur.truncate(cur.len().saturating_sub(data.len().min(room)));
            for (d, bytes) in before.iter().enumerate() {
                if !bytes.is_empty() {
                    self.run_one(i, set, conn, now, d == 0, Event::Data(bytes), sink);
                }
            }
            self.first = before;
        }
        if self.pending.is_empty() {
            self.first = [Vec::new(), Vec::new()];
        }
    }

    fn run(
        &mut self,
        set: &mut AnalyzerSet,
        conn: &ConnInfo<'_>,
        now: Time,
        is_orig: bool,
        ev: Event<'_>,
        sink: &mut dyn AppSink,
    ) {
        for i in 0..self.slots.len() {
            let ev = match &ev {
                Event::Data(d) => Event::Data(d),
                Event::Gap(n) => Event::Gap(*n),
                Event::EndOfStream => Event::EndOfStream,
                Event::Finish => Event::Finish,
            };
            self.run_one(i, set, conn, now, is_orig, ev, sink);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn run_one(
        &mut self,
        i: usize,
        set: &mut AnalyzerSet,
        conn: &ConnInfo<'_>,
        now: Time,
        is_orig: bool,
        ev: Event<'_>,
        sink: &mut dyn AppSink,
    ) {
        let slot = &mut self.slots[i];
        if slot.failed {
            return;
        }
        let mut cx = Context::new(conn, now, &set.config, &mut set.fuids, sink);
        match ev {
            Event::Data(d) => slot.analyzer.deliver(&mut cx, is_orig, d),
            Event::Gap(n) => slot.analyzer.gap(&mut cx, is_orig, n),
            Event::EndOfStream => slot.analyzer.end_of_stream(&mut cx, is_orig),
            Event::Finish => slot.analyzer.finish(&mut cx),
        }
        let (confirmed, violation) = (cx.confirmed, cx.violation.take());
        if confirmed && !slot.confirmed {
            slot.confirmed = true;
            let service = slot.kind.service(self.proto);
            if !self.services.contains(&service) {
                self.services.push(service);
            }
        }
        if let Some((reason, data)) = violation {
            slot.failed = true;
            if slot.confirmed {
                sink.app(AppRecord::Analyzer(Box::new(analyzer_row(
                    conn, now, slot.kind, reason, data,
                ))));
            }
        }
    }
}

fn analyzer_row(
    conn: &ConnInfo<'_>,
    now: Time,
    kind: Kind,
    reason: String,
    data: Option<Vec<u8>>,
) -> AnalyzerRecord {
    AnalyzerRecord {
        ts: now,
        analyzer_kind: "protocol".into(),
        analyzer_name: kind.name().into(),
        uid: Some(conn.uid.to_string()),
        fuid: None,
        orig_h: Some(conn.orig_h),
        orig_p: Some(Port(conn.orig_p)),
        resp_h: Some(conn.resp_h),
        resp_p: Some(Port(conn.resp_p)),
        proto: Some(Enum(conn.proto_name())),
        failure_reason: reason,
        failure_data: data.map(ZString),
    }
}
