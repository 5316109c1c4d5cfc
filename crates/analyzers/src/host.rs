//! Attaching analyzers to connections and running them: port-based
//! attachment, signature-based detection with a replay buffer, and the
//! confirmation/violation bookkeeping behind conn.log's `service` and
//! analyzer.log.

use crate::context::{AnalyzerConfig, ConnInfo, Context, Expectation, FuidGen};
use crate::dpd::Kind;
use crate::record::{AnalyzerRecord, AppRecord, AppSink};
use crate::Analyzer;
use records::{Enum, Port, Time, ZString};
use std::collections::HashMap;
use std::net::IpAddr;

/// Bytes per direction kept for signature matching (Zeek's
/// `dpd_buffer_size`).
const DPD_BUFFER: usize = 1024;

const TCP: u8 = 6;
const UDP: u8 = 17;

/// Expected connections kept at most (beyond it expired ones are dropped,
/// and if that is not enough, all of them).
const MAX_EXPECTED: usize = 10_000;

/// An expected connection waiting for its first packet.
struct Pending {
    expires: Time,
    expectation: Expectation,
}

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
    /// The enabled analyzers that have a signature, over TCP and over UDP.
    by_signature: [Vec<Kind>; 2],
    /// Expected connections by responder address and port.
    expected: HashMap<(IpAddr, u16), Vec<Pending>>,
    expected_count: usize,
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
            by_signature: [TCP, UDP].map(|proto| {
                enabled
                    .iter()
                    .copied()
                    .filter(|k| k.signature(proto, b"", b"").is_none())
                    .collect()
            }),
            expected: HashMap::new(),
            expected_count: 0,
        }
    }

    /// The analyzers tried by signature on transport `proto`.
    fn signature_kinds(&self, proto: u8) -> impl Iterator<Item = Kind> + '_ {
        let list = match proto {
            TCP => &self.by_signature[0][..],
            UDP => &self.by_signature[1][..],
            _ => &[],
        };
        list.iter().copied()
    }

    fn add_expected(&mut self, now: Time, e: Expectation) {
        if self.expected_count >= MAX_EXPECTED {
            self.drop_expired(now);
            if self.expected_count >= MAX_EXPECTED {
                self.expected.clear();
                self.expected_count = 0;
            }
        }
        let expires = Time(now.0.saturating_add(e.timeout.0));
        self.expected
            .entry((e.resp_h, e.resp_p))
            .or_default()
            .push(Pending {
                expires,
                expectation: e,
            });
        self.expected_count += 1;
    }

    /// Forget expectations that expired before `now`.
    fn drop_expired(&mut self, now: Time) {
        self.expected.retain(|_, v| {
            v.retain(|p| p.expires >= now);
            !v.is_empty()
        });
        self.expected_count = self.expected.values().map(Vec::len).sum();
    }

    /// The expectation a new TCP connection fulfils, if any (used once).
    fn take_expected(
        &mut self,
        orig_h: IpAddr,
        resp_h: IpAddr,
        resp_p: u16,
        now: Time,
    ) -> Option<Expectation> {
        let list = self.expected.get_mut(&(resp_h, resp_p))?;
        list.retain(|p| p.expires >= now);
        let i = list
            .iter()
            .position(|p| p.expectation.orig_h.is_none_or(|o| o == orig_h));
        let found = i.map(|i| list.remove(i).expectation);
        if list.is_empty() {
            self.expected.remove(&(resp_h, resp_p));
        }
        self.expected_count = self.expected.values().map(Vec::len).sum();
        found
    }

    /// The analyzers for a new connection from `orig_h` to
    /// `resp_h`:`resp_p` over `proto` at `now`; `None` when no analyzer can
    /// apply (nothing is allocated then). `partial`: a TCP connection first
    /// seen mid-stream.
    #[allow(clippy::too_many_arguments)]
    pub fn attach(
        &mut self,
        proto: u8,
        orig_h: IpAddr,
        resp_h: IpAddr,
        resp_p: u16,
        now: Time,
        partial: bool,
    ) -> Option<Box<ConnAnalyzers>> {
        let applies = |k: &Kind| !(partial && k.needs_connection_start());
        let mut slots = Vec::new();
        let mut services = Vec::new();
        if proto == 6 && !self.expected.is_empty() {
            if let Some(e) = self.take_expected(orig_h, resp_h, resp_p, now) {
                // Zeek adds the service as soon as the scheduled analyzer
                // is applied.
                services.push(e.kind.service(proto));
                let mut slot = Slot::new(e.kind, (e.make)());
                slot.confirmed = true;
                slots.push(slot);
            }
        }
        if let Some(kinds) = self.ports.get(&(resp_p, proto)) {
            for k in kinds.iter().filter(|k| applies(k)) {
                if let Some(a) = k.create(proto) {
                    slots.push(Slot::new(*k, a));
                }
            }
        }
        let pending: Vec<Kind> = self
            .signature_kinds(proto)
            .filter(|k| !slots.iter().any(|s| s.kind == *k) && applies(k))
            .collect();
        if slots.is_empty() && pending.is_empty() {
            return None;
        }
        Some(Box::new(ConnAnalyzers::new(
            proto, slots, services, pending,
        )))
    }
}

struct Slot {
    kind: Kind,
    analyzer: Box<dyn Analyzer>,
    confirmed: bool,
    /// Removed after a violation: gets no more data.
    failed: bool,
    /// Detection and analyzers for the payload this analyzer carries
    /// (see [`Context::forward`]), once it forwarded some.
    inner: Option<Box<ConnAnalyzers>>,
}

impl Slot {
    fn new(kind: Kind, analyzer: Box<dyn Analyzer>) -> Self {
        Slot {
            kind,
            analyzer,
            confirmed: false,
            failed: false,
            inner: None,
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
    /// UDP datagrams (from the originator?, payload) seen while `pending`
    /// is not empty, replayed to an analyzer found later.
    datagrams: Vec<(bool, Vec<u8>)>,
    /// An analyzer reported partial analysis since the last look.
    partial: bool,
    /// An analyzer asked for the roles to be swapped.
    flip: bool,
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
#[derive(Clone, Copy)]
enum Event<'d> {
    Data(&'d [u8]),
    Gap(u64),
    EndOfStream,
    Finish,
}

impl ConnAnalyzers {
    fn new(proto: u8, slots: Vec<Slot>, services: Vec<&'static str>, pending: Vec<Kind>) -> Self {
        ConnAnalyzers {
            proto,
            slots,
            services,
            pending,
            first: [Vec::new(), Vec::new()],
            datagrams: Vec::new(),
            partial: false,
            flip: false,
        }
    }

    /// conn.log's `service`: confirmed analyzers joined by commas.
    pub fn service(&self) -> Option<String> {
        (!self.services.is_empty()).then(|| self.services.join(","))
    }

    /// Whether an analyzer reported partial analysis since the last call
    /// (conn.log history `X`).
    pub fn take_partial(&mut self) -> bool {
        std::mem::take(&mut self.partial)
    }

    /// Whether an analyzer asked for the roles to be swapped since the last
    /// call.
    pub fn take_flip(&mut self) -> bool {
        std::mem::take(&mut self.flip)
    }

    /// Whether analyzer `kind` is attached and has not failed.
    pub fn runs(&self, kind: Kind) -> bool {
        self.slots.iter().any(|s| s.kind == kind && !s.failed)
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
        if self.proto == UDP {
            self.match_datagram(set, conn, now, is_orig, data, sink);
        } else {
            self.match_stream_start(set, conn, now, is_orig, data, sink);
        }
        if self.pending.is_empty() {
            self.first = [Vec::new(), Vec::new()];
            self.datagrams = Vec::new();
        }
    }

    /// TCP: signatures match the start of each direction, accumulated up
    /// to Zeek's `dpd_buffer_size`.
    fn match_stream_start(
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
        let taken = data.len().min(room);
        self.first[dir].extend_from_slice(&data[..taken]);
        let matched = self.take_signature_matches();
        if self.first.iter().all(|b| b.len() >= DPD_BUFFER) {
            self.pending.clear();
        }
        // Replay what came before this chunk to each analyzer found: the
        // buffered starts of both directions minus the chunk being
        // delivered right now (it follows through the normal path).
        let first = std::mem::take(&mut self.first);
        let before = |d: usize| {
            let b = &first[d][..];
            if d == dir {
                &b[..b.len() - taken]
            } else {
                b
            }
        };
        let replay = [(true, before(0)), (false, before(1))];
        for k in matched {
            self.attach_replaying(k, &replay, set, conn, now, sink);
        }
        self.first = first;
    }

    /// UDP: as Zeek's PIA, every datagram is matched on its own (with the
    /// other direction's latest), and those seen so far are replayed to
    /// an analyzer found, until `dpd_buffer_size` bytes went by.
    fn match_datagram(
        &mut self,
        set: &mut AnalyzerSet,
        conn: &ConnInfo<'_>,
        now: Time,
        is_orig: bool,
        data: &[u8],
        sink: &mut dyn AppSink,
    ) {
        let dir = usize::from(!is_orig);
        self.first[dir].clear();
        self.first[dir].extend_from_slice(&data[..data.len().min(DPD_BUFFER)]);
        let matched = self.take_signature_matches();
        let datagrams = std::mem::take(&mut self.datagrams);
        let replay: Vec<(bool, &[u8])> = datagrams.iter().map(|(o, d)| (*o, &d[..])).collect();
        for k in matched {
            self.attach_replaying(k, &replay, set, conn, now, sink);
        }
        self.datagrams = datagrams;
        let seen: usize = self.datagrams.iter().map(|(_, d)| d.len()).sum::<usize>() + data.len();
        if seen > DPD_BUFFER {
            self.pending.clear();
        } else {
            self.datagrams.push((is_orig, data.to_vec()));
        }
    }

    /// The pending analyzers whose signature matched `first`; they leave
    /// `pending`, and so do those that cannot match a stream's start. A
    /// datagram that does not match leaves the next one to try.
    fn take_signature_matches(&mut self) -> Vec<Kind> {
        let mut matched = Vec::new();
        let proto = self.proto;
        let mismatch_is_final = proto != UDP;
        let first = &self.first;
        self.pending
            .retain(|k| match k.signature(proto, &first[0], &first[1]) {
                Some(true) => {
                    matched.push(*k);
                    false
                }
                Some(false) => !mismatch_is_final,
                None => true,
            });
        matched
    }

    /// Attaches analyzer `k`, unless it is there already, and feeds it the
    /// traffic it missed.
    fn attach_replaying(
        &mut self,
        k: Kind,
        replay: &[(bool, &[u8])],
        set: &mut AnalyzerSet,
        conn: &ConnInfo<'_>,
        now: Time,
        sink: &mut dyn AppSink,
    ) {
        if self.slots.iter().any(|s| s.kind == k) {
            return;
        }
        let Some(a) = k.create(self.proto) else {
            return;
        };
        self.slots.push(Slot::new(k, a));
        let i = self.slots.len() - 1;
        for (is_orig, bytes) in replay.iter().filter(|(_, b)| !b.is_empty()) {
            self.run_one(i, set, conn, now, *is_orig, Event::Data(bytes), sink);
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
        let failed_confirmed = slot.confirmed || cx.violation_after_confirm;
        let mut also_confirmed = std::mem::take(&mut cx.also_confirmed);
        let after = also_confirmed.len().min(cx.confirmed_after);
        let also_later = also_confirmed.split_off(after);
        let expected = std::mem::take(&mut cx.expected);
        self.partial |= cx.partial;
        self.flip |= cx.flip;
        let attach = std::mem::take(&mut cx.attach);
        let attach_data = std::mem::take(&mut cx.attach_data);
        let redetect = cx.redetect;
        let mut forwarded = std::mem::take(&mut cx.forwarded);
        let forwarded_later =
            forwarded.split_off(cx.confirmed_after_forwarded.min(forwarded.len()));
        drop(cx);
        for e in expected {
            set.add_expected(now, e);
        }
        self.run_inner(i, set, conn, now, forwarded, sink);
        let slot = &mut self.slots[i];
        for service in also_confirmed {
            add_service(&mut self.services, service);
        }
        if confirmed && !slot.confirmed {
            slot.confirmed = true;
            let service = slot.kind.service(self.proto);
            add_service(&mut self.services, service);
        }
        for service in also_later {
            add_service(&mut self.services, service);
        }
        self.run_inner(i, set, conn, now, forwarded_later, sink);
        if matches!(ev, Event::EndOfStream | Event::Finish) {
            self.end_inner(i, set, conn, now, is_orig, ev, sink);
        }
        let slot = &mut self.slots[i];
        if let Some((reason, data)) = violation {
            slot.failed = true;
            if failed_confirmed {
                // Zeek moves a failed analyzer's service out of `service`.
                let service = slot.kind.service(self.proto);
                self.services.retain(|s| *s != service);
                sink.app(AppRecord::Analyzer(Box::new(analyzer_row(
                    conn, now, slot.kind, reason, data,
                ))));
            }
        }
        let replay: Vec<(bool, &[u8])> = attach_data.iter().map(|(o, d)| (*o, &d[..])).collect();
        for kind in attach {
            self.attach_replaying(kind, &replay, set, conn, now, sink);
        }
        if redetect {
            self.redetect(set);
        }
    }

    /// Runs detection and analyzers on the payload slot `i` carries; the
    /// services found there join the connection's.
    fn run_inner(
        &mut self,
        i: usize,
        set: &mut AnalyzerSet,
        conn: &ConnInfo<'_>,
        now: Time,
        forwarded: Vec<(bool, Vec<u8>)>,
        sink: &mut dyn AppSink,
    ) {
        if forwarded.is_empty() {
            return;
        }
        let proto = self.proto;
        let inner = self.slots[i].inner.get_or_insert_with(|| {
            let pending = set.signature_kinds(proto).collect();
            Box::new(ConnAnalyzers::new(proto, Vec::new(), Vec::new(), pending))
        });
        for (is_orig, data) in forwarded {
            inner.deliver(set, conn, now, is_orig, &data, sink);
        }
        self.partial |= inner.partial;
        for service in &inner.services {
            add_service(&mut self.services, service);
        }
    }

    /// Passes the end of a direction or of the connection on to the
    /// analyzers of slot `i`'s payload.
    #[allow(clippy::too_many_arguments)]
    fn end_inner(
        &mut self,
        i: usize,
        set: &mut AnalyzerSet,
        conn: &ConnInfo<'_>,
        now: Time,
        is_orig: bool,
        ev: Event<'_>,
        sink: &mut dyn AppSink,
    ) {
        if let Some(inner) = self.slots[i].inner.as_mut() {
            inner.run(set, conn, now, is_orig, ev, sink);
        }
    }

    /// Protocol detection starts over on the bytes to come: every
    /// signature not attached yet is tried again.
    fn redetect(&mut self, set: &AnalyzerSet) {
        let slots = &self.slots;
        self.pending = set
            .signature_kinds(self.proto)
            .filter(|k| !slots.iter().any(|s| s.kind == *k))
            .collect();
        self.first = [Vec::new(), Vec::new()];
    }
}

/// conn.log lists each service once, in confirmation order.
fn add_service(services: &mut Vec<&'static str>, service: &'static str) {
    if !services.contains(&service) {
        services.push(service);
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

#[cfg(test)]
mod tests {
    use super::*;
    use records::Interval;

    struct Recorder;

    impl Analyzer for Recorder {
        fn deliver(&mut self, cx: &mut Context<'_>, _is_orig: bool, data: &[u8]) {
            if data.starts_with(b"expect") {
                cx.expect(Expectation {
                    orig_h: Some(cx.conn.orig_h),
                    resp_h: cx.conn.resp_h,
                    resp_p: 2000,
                    kind: Kind::Http,
                    timeout: Interval(10),
                    make: Box::new(|| Box::new(Recorder)),
                });
            }
        }
        fn finish(&mut self, _cx: &mut Context<'_>) {}
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn conn<'a>(uid: &'a str, o: &str, r: &str, rp: u16) -> ConnInfo<'a> {
        ConnInfo {
            uid,
            orig_h: ip(o),
            orig_p: 40000,
            resp_h: ip(r),
            resp_p: rp,
            proto: 6,
            local_orig: None,
            local_resp: None,
            start: records::Time(0),
        }
    }

    /// A set in which a control connection 10.0.0.1 → 10.0.0.2:21 announced
    /// a connection to 10.0.0.2:2000 at time 100 (valid for 10 ns).
    fn set_announcing_port_2000() -> AnalyzerSet {
        let mut set = AnalyzerSet::new(AnalyzerConfig::default(), FuidGen::new(Some(1)), &[], &[]);
        let control = conn("C1", "10.0.0.1", "10.0.0.2", 21);
        let mut sink: Vec<AppRecord> = Vec::new();
        let slots = vec![Slot::new(Kind::Dns, Box::new(Recorder))];
        let mut app = ConnAnalyzers::new(6, slots, Vec::new(), Vec::new());
        app.deliver(&mut set, &control, Time(100), true, b"expect", &mut sink);
        set
    }

    #[test]
    fn announced_connection_gets_the_analyzer_and_its_service() {
        let mut set = set_announcing_port_2000();
        // Another client or port does not match.
        assert!(set
            .attach(6, ip("10.0.0.9"), ip("10.0.0.2"), 2000, Time(101), false)
            .is_none());
        assert!(set
            .attach(6, ip("10.0.0.1"), ip("10.0.0.2"), 2001, Time(101), false)
            .is_none());
        let data = set
            .attach(6, ip("10.0.0.1"), ip("10.0.0.2"), 2000, Time(105), false)
            .expect("expected connection gets its analyzer");
        assert_eq!(data.service().as_deref(), Some("http"));
        // Used once.
        assert!(set
            .attach(6, ip("10.0.0.1"), ip("10.0.0.2"), 2000, Time(106), false)
            .is_none());
    }

    #[test]
    fn expectations_expire() {
        let mut set = set_announcing_port_2000();
        assert!(set
            .attach(6, ip("10.0.0.1"), ip("10.0.0.2"), 2000, Time(111), false)
            .is_none());
        assert_eq!(set.expected_count, 0);
    }

    #[test]
    fn http_found_by_signature_on_any_port_gets_the_start_replayed() {
        let mut set = AnalyzerSet::new(
            AnalyzerConfig::default(),
            FuidGen::new(Some(1)),
            &[((80, 6), Kind::Http)],
            &[Kind::Http],
        );
        let c = conn("C2", "10.0.0.1", "10.0.0.2", 8081);
        let mut app = set
            .attach(6, c.orig_h, c.resp_h, 8081, Time(1), false)
            .expect("signature matching is pending");
        assert_eq!(app.pending, vec![Kind::Http]);
        let mut sink: Vec<AppRecord> = Vec::new();
        app.deliver(
            &mut set,
            &c,
            Time(1),
            true,
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
            &mut sink,
        );
        assert!(app.slots.is_empty(), "one side is not enough");
        app.deliver(
            &mut set,
            &c,
            Time(2),
            false,
            b"HTTP/1.1 200 OK\r\n",
            &mut sink,
        );
        assert_eq!(app.slots.len(), 1);
        assert!(app.pending.is_empty());
        assert!(app.first.iter().all(Vec::is_empty), "buffers freed");
    }

    /// A datagram that starts like a DTLS 1.2 ClientHello record.
    fn dtls_client_hello_start() -> Vec<u8> {
        let mut d = vec![0x16, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 40, 1];
        d.extend([0; 11]);
        d.extend([0xFE, 0xFD]);
        d.extend([0; 20]);
        d
    }

    /// A UDP connection to port 5000 waiting for the DTLS signature.
    fn dtls_pending() -> (AnalyzerSet, ConnInfo<'static>, Box<ConnAnalyzers>) {
        let mut set = AnalyzerSet::new(
            AnalyzerConfig::default(),
            FuidGen::new(Some(1)),
            &[],
            &[Kind::Dtls],
        );
        let c = ConnInfo {
            proto: UDP,
            ..conn("C3", "10.0.0.1", "10.0.0.2", 5000)
        };
        let app = set
            .attach(UDP, c.orig_h, c.resp_h, 5000, Time(1), false)
            .expect("signature matching is pending");
        (set, c, app)
    }

    #[test]
    fn udp_signatures_match_any_early_datagram() {
        let (mut set, c, mut app) = dtls_pending();
        let mut sink: Vec<AppRecord> = Vec::new();
        app.deliver(
            &mut set,
            &c,
            Time(1),
            true,
            &[0x00, 0x01, 0x00, 0x08],
            &mut sink,
        );
        assert!(app.slots.is_empty());
        assert_eq!(app.pending, vec![Kind::Dtls], "a later datagram may match");
        app.deliver(
            &mut set,
            &c,
            Time(2),
            false,
            &dtls_client_hello_start(),
            &mut sink,
        );
        assert_eq!(app.slots.len(), 1);
        assert!(app.datagrams.is_empty(), "replay buffer freed");
    }

    #[test]
    fn udp_signature_matching_stops_after_the_dpd_buffer() {
        let (mut set, c, mut app) = dtls_pending();
        let mut sink: Vec<AppRecord> = Vec::new();
        for t in 0..3 {
            app.deliver(&mut set, &c, Time(t), true, &[0; 400], &mut sink);
        }
        assert!(app.pending.is_empty());
        app.deliver(
            &mut set,
            &c,
            Time(4),
            true,
            &dtls_client_hello_start(),
            &mut sink,
        );
        assert!(app.slots.is_empty());
    }

    #[test]
    fn payload_carried_by_websocket_gets_detection_of_its_own() {
        let mut set = AnalyzerSet::new(
            AnalyzerConfig::default(),
            FuidGen::new(Some(1)),
            &[],
            &[Kind::Http],
        );
        let c = conn("C5", "10.0.0.1", "10.0.0.2", 8080);
        let ws = Kind::WebSocket.create(TCP).expect("websocket analyzer");
        let mut app = ConnAnalyzers::new(
            TCP,
            vec![Slot::new(Kind::WebSocket, ws)],
            Vec::new(),
            Vec::new(),
        );
        let mut sink: Vec<AppRecord> = Vec::new();
        let text_frame = |payload: &[u8]| [&[0x81, payload.len() as u8][..], payload].concat();
        let request = text_frame(b"GET / HTTP/1.1\r\nHost: inner\r\n\r\n");
        app.deliver(&mut set, &c, Time(1), true, &request, &mut sink);
        assert_eq!(app.services, vec!["websocket"]);
        let reply = text_frame(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        app.deliver(&mut set, &c, Time(2), false, &reply, &mut sink);
        assert_eq!(app.services, vec!["websocket", "http"]);
        app.finish(&mut set, &c, Time(3), &mut sink);
        let http_rows = sink
            .iter()
            .filter(|r| matches!(r, AppRecord::Http(_)))
            .count();
        assert_eq!(http_rows, 1, "the inner HTTP analyzer wrote its row");
    }

    /// Confirms its own protocol and a carried one ("ssl") on "both",
    /// only the carried one on "inner".
    struct Carrier;

    impl Analyzer for Carrier {
        fn deliver(&mut self, cx: &mut Context<'_>, _is_orig: bool, data: &[u8]) {
            if data == b"both" {
                cx.confirm();
            }
            cx.confirm_also("ssl");
        }
        fn finish(&mut self, _cx: &mut Context<'_>) {}
    }

    struct InnerFirst;

    impl Analyzer for InnerFirst {
        fn deliver(&mut self, cx: &mut Context<'_>, _is_orig: bool, _data: &[u8]) {
            cx.confirm_also("krb");
            cx.confirm();
            cx.confirm_also("gssapi");
        }
        fn finish(&mut self, _cx: &mut Context<'_>) {}
    }

    /// Confirms on "ok", then fails on anything else.
    struct ConfirmsThenFails;

    impl Analyzer for ConfirmsThenFails {
        fn deliver(&mut self, cx: &mut Context<'_>, _is_orig: bool, data: &[u8]) {
            if data == b"ok" {
                cx.confirm();
            } else {
                cx.violation("bad", None);
            }
        }
        fn finish(&mut self, _cx: &mut Context<'_>) {}
    }

    /// Fails and confirms in one delivery, in the order its data says.
    struct FailsAndConfirms;

    impl Analyzer for FailsAndConfirms {
        fn deliver(&mut self, cx: &mut Context<'_>, _is_orig: bool, data: &[u8]) {
            if data == b"fail first" {
                cx.violation("bad", None);
                cx.confirm();
            } else {
                cx.confirm();
                cx.violation("bad", None);
            }
        }
        fn finish(&mut self, _cx: &mut Context<'_>) {}
    }

    /// One scripted analyzer on a fresh connection to `resp_p`.
    struct OneAnalyzer {
        set: AnalyzerSet,
        conn: ConnInfo<'static>,
        sink: Vec<AppRecord>,
        app: ConnAnalyzers,
    }

    impl OneAnalyzer {
        fn new(proto: u8, resp_p: u16, kind: Kind, analyzer: Box<dyn Analyzer>) -> Self {
            let set = AnalyzerSet::new(AnalyzerConfig::default(), FuidGen::new(Some(1)), &[], &[]);
            let slots = vec![Slot::new(kind, analyzer)];
            OneAnalyzer {
                set,
                conn: conn("CTest", "10.0.0.1", "10.0.0.2", resp_p),
                sink: Vec::new(),
                app: ConnAnalyzers::new(proto, slots, Vec::new(), Vec::new()),
            }
        }

        fn feed(&mut self, t: i64, is_orig: bool, data: &[u8]) -> Option<String> {
            let (set, conn, sink) = (&mut self.set, &self.conn, &mut self.sink);
            self.app.deliver(set, conn, Time(t), is_orig, data, sink);
            self.app.service()
        }
    }

    #[test]
    fn a_confirmed_analyzer_that_fails_leaves_service_and_writes_analyzer_log() {
        let mut one = OneAnalyzer::new(6, 21, Kind::Ftp, Box::new(ConfirmsThenFails));
        assert_eq!(one.feed(1, true, b"ok").as_deref(), Some("ftp"));
        assert_eq!(one.feed(2, false, b"junk"), None);
        assert!(
            matches!(one.sink.as_slice(), [AppRecord::Analyzer(a)] if a.failure_reason == "bad")
        );
        assert!(!one.app.wants_data());
    }

    #[test]
    fn a_violation_before_the_confirmation_leaves_the_service() {
        let mut one = OneAnalyzer::new(17, 53, Kind::Dns, Box::new(FailsAndConfirms));
        assert_eq!(one.feed(1, true, b"fail first").as_deref(), Some("dns"));
        assert!(one.sink.is_empty(), "no analyzer.log row");
        assert!(
            !one.app.wants_data(),
            "the analyzer is removed all the same"
        );
        let mut other = OneAnalyzer::new(17, 53, Kind::Dns, Box::new(FailsAndConfirms));
        assert_eq!(other.feed(1, true, b"confirm first"), None);
        assert_eq!(other.sink.len(), 1);
    }

    #[test]
    fn services_follow_the_order_of_confirmation() {
        let mut one = OneAnalyzer::new(6, 389, Kind::Ldap, Box::new(InnerFirst));
        assert_eq!(
            one.feed(1, true, b"bind").as_deref(),
            Some("krb,ldap_tcp,gssapi")
        );
    }

    #[test]
    fn extra_service_follows_the_analyzers_own() {
        let mut one = OneAnalyzer::new(17, 443, Kind::Quic, Box::new(Carrier));
        assert_eq!(one.feed(1, true, b"both").as_deref(), Some("quic,ssl"));
        assert_eq!(
            one.feed(2, true, b"both").as_deref(),
            Some("quic,ssl"),
            "listed once"
        );
        let mut inner_first = OneAnalyzer::new(17, 443, Kind::Quic, Box::new(Carrier));
        inner_first.feed(3, true, b"inner");
        assert_eq!(
            inner_first.feed(4, true, b"both").as_deref(),
            Some("ssl,quic")
        );
    }

    #[test]
    fn non_matching_start_stops_signature_matching() {
        let mut set = AnalyzerSet::new(
            AnalyzerConfig::default(),
            FuidGen::new(Some(1)),
            &[],
            &[Kind::Http],
        );
        let c = conn("C3", "10.0.0.1", "10.0.0.2", 8081);
        let mut app = set
            .attach(6, c.orig_h, c.resp_h, 8081, Time(1), false)
            .unwrap();
        let mut sink: Vec<AppRecord> = Vec::new();
        app.deliver(&mut set, &c, Time(1), true, b"SSH-2.0-x\r\n", &mut sink);
        app.deliver(&mut set, &c, Time(1), false, b"SSH-2.0-y\r\n", &mut sink);
        assert!(app.pending.is_empty());
        assert!(!app.wants_data());
        assert_eq!(app.service(), None);
    }
}
