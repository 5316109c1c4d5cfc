//! The connection table: finds or creates the connection of each decoded
//! frame, applies the transport semantics, runs Zeek's timers on network
//! time, and turns removed connections into conn.log rows.

use crate::conn::{Conn, Transport, TunnelRef};
use crate::history::History;
use crate::key::{icmp_counterpart, ConnKey};
use crate::reassembly::StreamOut;
use crate::record::{ConnRecord, FlowSink, TunnelRecord, WeirdRecord};
use crate::tcp::{self, PartialClose, State, TcpEvents, TcpSession};
use crate::uid::UidGen;
use crate::weird_policy::{self, Repeat};
use crate::FlowConfig;
use analyzers::{AnalyzerSet, AppRecord, AppSink, AppWeird, ConnAnalyzers, ConnInfo, Kind};
use hashbrown::HashMap;
use records::{Enum, Interval, Port, Set, Time};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::net::IpAddr;
use wire::{Decoded, Frame, LinkInfo, Nanos, TunnelKind, Weird};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum TimerKind {
    Inactivity,
    TcpExpire,
    TcpAttempt,
    TcpPartialClose,
    TcpReset,
    Delete,
    /// Zeek's DNS analyzer's expire timer on a UDP connection.
    DnsExpire,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Timer {
    at: Nanos,
    seq: u64,
    slot: u32,
    gen: u32,
    epoch: u32,
    kind: TimerKind,
}

/// Counters the run summary and the stats report use.
#[derive(Debug, Default, Clone, Copy)]
pub struct FlowStats {
    pub packets: u64,
    pub connections: u64,
    pub evicted: u64,
    pub weirds: u64,
}

impl FlowStats {
    /// Adds another table's counts (one per worker).
    pub fn add(&mut self, other: &FlowStats) {
        self.packets += other.packets;
        self.connections += other.connections;
        self.evicted += other.evicted;
        self.weirds += other.weirds;
    }
}

/// A packet-level weird is logged once per name and address pair.
type NetWeirdKey = (&'static str, Option<(IpAddr, IpAddr)>);

/// Zeek's `Tunnel::max_changes_per_connection`.
const MAX_TUNNEL_CHANGES: u32 = 5;

/// One IP-in-IP or GRE tunnel, identified by its outer addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct IpTunnelKey {
    lo: IpAddr,
    hi: IpAddr,
    kind: TunnelKind,
}

pub struct FlowTable {
    cfg: FlowConfig,
    index: HashMap<ConnKey, u32, foldhash::fast::RandomState>,
    slots: Vec<Option<Conn>>,
    gens: Vec<u32>,
    free: Vec<u32>,
    /// Insertion order, for evicting the oldest connection when full.
    order: VecDeque<(u32, u32)>,
    timers: BinaryHeap<Reverse<Timer>>,
    timer_seq: u64,
    now: Nanos,
    uids: UidGen,
    ip_tunnels: HashMap<IpTunnelKey, TunnelRef, foldhash::fast::RandomState>,
    /// Tunnels announced in tunnel.log and not yet closed, by outer conn id.
    active_tunnels: HashMap<(IpAddr, u16, IpAddr, u16), TunnelRef, foldhash::fast::RandomState>,
    /// Packet-level weirds already logged (name, addresses).
    net_weirds_logged: hashbrown::HashSet<NetWeirdKey, foldhash::fast::RandomState>,
    /// Analyzer weirds logged once per originator (name, originator).
    orig_weirds_logged: hashbrown::HashSet<(&'static str, IpAddr), foldhash::fast::RandomState>,
    encap_buf: Vec<TunnelRef>,
    /// The application analyzers hosted on connections.
    analyzers: Option<AnalyzerSet>,
    /// Stream data one packet released, for the analyzers.
    stream: StreamOut,
    pub stats: FlowStats,
}

impl FlowTable {
    pub fn new(cfg: FlowConfig) -> Self {
        Self::with_analyzers(cfg, None)
    }

    /// A table whose connections get application analyzers from `analyzers`.
    pub fn with_analyzers(cfg: FlowConfig, analyzers: Option<AnalyzerSet>) -> Self {
        let uids = UidGen::new(cfg.uid_seed);
        FlowTable {
            cfg,
            index: HashMap::default(),
            slots: Vec::new(),
            gens: Vec::new(),
            free: Vec::new(),
            order: VecDeque::new(),
            timers: BinaryHeap::new(),
            timer_seq: 0,
            now: 0,
            uids,
            ip_tunnels: HashMap::default(),
            active_tunnels: HashMap::default(),
            net_weirds_logged: Default::default(),
            orig_weirds_logged: Default::default(),
            encap_buf: Vec::new(),
            analyzers,
            stream: StreamOut::default(),
            stats: FlowStats::default(),
        }
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Process one decoded packet captured at `ts`.
    pub fn process(&mut self, ts: Nanos, pkt: &Decoded<'_>, sink: &mut dyn FlowSink) {
        self.advance(ts, sink);
        self.stats.packets += 1;
        for w in pkt.weirds.iter().filter(|w| !is_tunnel_conn_weird(w)) {
            self.net_weird(w, sink);
        }
        let mut carrier = None;
        let mut encap = std::mem::take(&mut self.encap_buf);
        encap.clear();
        let n = pkt.frames.len();
        for i in 0..n {
            let Some(frame) = pkt.frames.get(i) else {
                break;
            };
            let next_tunnel = pkt.frames.get(i + 1).and_then(|f| f.tunnel);
            // IP-in-IP and GRE directly over IP are tunnels, not connections;
            // GRE over UDP rides on a UDP connection like the other UDP tunnels.
            if let (Some(kind), 4 | 41 | 47) = (next_tunnel, frame.proto) {
                let t = self.ip_tunnel(frame, kind);
                encap.push(t);
                continue;
            }
            if let (wire::Transport::Other { .. }, 50 | 59 | 135) = (&frame.transport, frame.proto)
            {
                // ESP, "no next header" and mobility: no connection in Zeek.
                continue;
            }
            let link = if i == 0 {
                pkt.link
            } else {
                LinkInfo::default()
            };
            let slot = self.process_frame(frame, &link, &encap, sink);
            if let wire::Transport::Udp(u) = &frame.transport {
                carrier = slot.map(|s| (s, frame.src, u.src_port));
                if let (Some(kind), Some(slot)) = (u.tunnel, slot) {
                    self.tunnel_confirmed(slot, kind, frame.src, u.src_port);
                }
            }
            if let (Some(TunnelKind::Gre), Some(_)) = (next_tunnel, slot) {
                // GRE over UDP is still a GRE tunnel between the two hosts.
                let t = self.ip_tunnel(frame, TunnelKind::Gre);
                encap.push(t);
            } else if let (Some(kind), Some(slot)) = (next_tunnel, slot) {
                if let Some(c) = self.slots[slot as usize].as_mut() {
                    encap.push(TunnelRef {
                        uid: c.uid.clone(),
                        orig_h: c.orig_h(),
                        orig_p: c.orig_p(),
                        resp_h: c.resp_h(),
                        resp_p: c.resp_p(),
                        proto: c.proto,
                        kind,
                    });
                }
            }
        }
        self.encap_buf = encap;
        // Weirds a UDP tunnel analyzer raises about its own connection.
        for w in pkt.weirds.iter().filter(|w| is_tunnel_conn_weird(w)) {
            match carrier {
                Some((slot, ..)) => {
                    self.conn_weird(slot, w.name, w.addl.clone(), Some(w.source), sink)
                }
                None => self.net_weird(w, sink),
            }
        }
        // A tunnel nested too deep leaves its carrier only partly analysed.
        if pkt
            .weirds
            .iter()
            .any(|w| w.name.starts_with("exceeded_tunnel_max_depth"))
        {
            if let Some(c) = carrier.and_then(|(slot, ..)| self.slots[slot as usize].as_mut()) {
                let is_orig =
                    carrier.is_some_and(|(_, src, port)| src == c.orig_h() && port == c.orig_p());
                c.hist.partial(is_orig);
            }
        }
    }

    /// Move network time forward to `ts`, firing due timers.
    pub fn advance(&mut self, ts: Nanos, sink: &mut dyn FlowSink) {
        if ts > self.now {
            self.now = ts;
        }
        while let Some(Reverse(t)) = self.timers.peek().copied() {
            if t.at > self.now {
                break;
            }
            self.timers.pop();
            self.fire(t, sink);
        }
    }

    /// End of input: every remaining connection is logged.
    pub fn flush(&mut self, sink: &mut dyn FlowSink) {
        let mut live: Vec<u32> = self.index.values().copied().collect();
        live.sort_unstable();
        for slot in live {
            self.remove(slot, sink);
        }
        self.timers.clear();
    }

    fn ip_tunnel(&mut self, outer: &Frame<'_>, kind: TunnelKind) -> TunnelRef {
        let (lo, hi) = if outer.src <= outer.dst {
            (outer.src, outer.dst)
        } else {
            (outer.dst, outer.src)
        };
        let key = IpTunnelKey { lo, hi, kind };
        if let Some(t) = self.ip_tunnels.get(&key) {
            return t.clone();
        }
        let t = TunnelRef {
            uid: self
                .uids
                .next(outer.src, outer.dst, 0, 0, outer.proto, self.now),
            orig_h: outer.src,
            orig_p: 0,
            resp_h: outer.dst,
            resp_p: 0,
            proto: outer.proto,
            kind,
        };
        // Bounded like the connection table.
        if self.ip_tunnels.len() >= self.cfg.max_connections {
            self.ip_tunnels.clear();
        }
        self.ip_tunnels.insert(key, t.clone());
        t
    }

    fn process_frame(
        &mut self,
        f: &Frame<'_>,
        link: &LinkInfo,
        encap: &[TunnelRef],
        sink: &mut dyn FlowSink,
    ) -> Option<u32> {
        let (sport, dport, one_way, proto) = match &f.transport {
            wire::Transport::Tcp(t) => (t.src_port, t.dst_port, false, 6),
            wire::Transport::Udp(u) => (u.src_port, u.dst_port, false, 17),
            wire::Transport::Icmp(i) => match icmp_counterpart(i.v6, i.icmp_type) {
                Some(c) => (
                    i.icmp_type as u16,
                    c as u16,
                    false,
                    if i.v6 { 58 } else { 1 },
                ),
                None => (
                    i.icmp_type as u16,
                    i.code as u16,
                    true,
                    if i.v6 { 58 } else { 1 },
                ),
            },
            wire::Transport::Other { .. } => (0, 0, false, f.proto),
        };
        let vlans = if self.cfg.vlan_in_key {
            (link.vlan.unwrap_or(0), link.inner_vlan.unwrap_or(0))
        } else {
            (0, 0)
        };
        let key = ConnKey::new(f.src, sport, f.dst, dport, proto, one_way, vlans);
        let mut slot = self.index.get(&key).copied();
        if let (Some(s), wire::Transport::Tcp(t)) = (slot, &f.transport) {
            if let Some(c) = self.slots[s as usize].as_ref() {
                if let Transport::Tcp(sess) = &c.transport {
                    let since_last = self.now - c.last;
                    if let Some(weird) = sess.is_reuse(
                        t.flags,
                        t.seq,
                        since_last,
                        self.cfg.timeouts.tcp_connection_linger,
                    ) {
                        if let Some(w) = weird {
                            self.conn_weird(s, w, None, None, sink);
                        }
                        self.remove(s, sink);
                        slot = None;
                    }
                }
            }
        }
        let s = match slot {
            Some(s) => s,
            None => self.create(key, f, link, sport, dport, proto, sink),
        };
        let e = {
            let c = self.slots[s as usize].as_ref()?;
            if c.addrs[0] == f.src && c.ports[0] == sport {
                0
            } else {
                1
            }
        };
        self.check_encap(s, e, encap, sink);
        let checksums_apply = self.checksums_apply(f);
        self.second_packet_flip(s, f, checksums_apply);
        if let Some(c) = self.slots[s as usize].as_mut() {
            if c.macs[e].is_none() {
                c.macs[e] = link.src_mac.filter(|m| *m != [0; 6]);
            }
        }
        self.deliver(s, e, f, checksums_apply, sink);
        self.arm_expire_if_idle(s);
        Some(s)
    }

    /// A connection first seen as a SYN-ACK is turned around when its
    /// second packet is a valid one (the SYN was missed): Zeek's
    /// second-packet flip.
    fn second_packet_flip(&mut self, slot: u32, f: &Frame<'_>, checksums_apply: bool) {
        let Some(c) = self.slots[slot as usize].as_mut() else {
            return;
        };
        c.packets_seen += 1;
        if c.packets_seen != 2 || !c.flip_on_second_packet {
            return;
        }
        c.flip_on_second_packet = false;
        let valid = match &f.transport {
            wire::Transport::Tcp(t) => t.checksum_ok || !checksums_apply,
            _ => false,
        };
        if valid {
            c.flip();
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn create(
        &mut self,
        key: ConnKey,
        f: &Frame<'_>,
        link: &LinkInfo,
        sport: u16,
        dport: u16,
        proto: u8,
        sink: &mut dyn FlowSink,
    ) -> u32 {
        if self.index.len() >= self.cfg.max_connections {
            self.evict_oldest(sink);
        }
        let t = &self.cfg.timeouts;
        let (transport, inactivity) = match &f.transport {
            wire::Transport::Tcp(_) => (
                Transport::Tcp(Box::new(TcpSession::new())),
                t.udp_inactivity,
            ),
            wire::Transport::Udp(_) => (Transport::Udp([None, None]), t.udp_inactivity),
            wire::Transport::Icmp(_) => (Transport::Icmp([None, None]), t.icmp_inactivity),
            wire::Transport::Other { .. } => (Transport::Other, t.unknown_inactivity),
        };
        let flip = self.want_flip(&f.transport, sport, dport) && !is_broadcast(f.dst);
        let uid = self.uids.next(f.src, f.dst, sport, dport, proto, self.now);
        let mut conn = Conn {
            key,
            uid,
            addrs: [f.src, f.dst],
            ports: [sport, dport],
            macs: [None, link.dst_mac.filter(|m| *m != [0; 6])],
            orig: 0,
            proto,
            ip_proto: f.proto,
            start: self.now,
            last: self.now,
            hist: History::default(),
            pkts: [0; 2],
            ip_bytes: [0; 2],
            missed_bytes: 0,
            transport,
            vlan: link.vlan,
            inner_vlan: link.inner_vlan,
            tunnel_parents: Vec::new(),
            encap: Vec::new(),
            inactivity_timeout: inactivity,
            inactivity_epoch: 0,
            tcp_timer_epoch: 0,
            weirds_logged: Vec::new(),
            app_weird_counts: Vec::new(),
            checksum_errors: Default::default(),
            app: self.analyzers.as_mut().and_then(|a| {
                let (o, r, rp) = if flip {
                    (f.dst, f.src, sport)
                } else {
                    (f.src, f.dst, dport)
                };
                let partial =
                    matches!(&f.transport, wire::Transport::Tcp(t) if t.flags & tcp::SYN == 0);
                a.attach(proto, o, r, rp, Time(self.now), partial)
            }),
            packet_services: Vec::new(),
            tunnel_valid: [false; 2],
            stream_end_told: [false; 2],
            local: [f.src, f.dst].map(|ip| self.cfg.local_nets.as_ref().map(|n| n.contains(ip))),
            tunnel_changes: 0,
            flip_on_second_packet: false,
            expire_chain: false,
            packets_seen: 0,
        };
        let dns = proto == 17 && conn.app.as_ref().is_some_and(|a| a.runs(Kind::Dns));
        if flip {
            conn.flip();
        } else if let wire::Transport::Tcp(t) = &f.transport {
            conn.flip_on_second_packet = t.flags & (tcp::SYN | tcp::ACK) == tcp::SYN | tcp::ACK;
        }
        let slot = match self.free.pop() {
            Some(s) => {
                self.slots[s as usize] = Some(conn);
                s
            }
            None => {
                self.slots.push(Some(conn));
                self.gens.push(0);
                (self.slots.len() - 1) as u32
            }
        };
        self.index.insert(key, slot);
        self.order.push_back((slot, self.gens[slot as usize]));
        self.stats.connections += 1;
        self.schedule(slot, TimerKind::Inactivity, self.now + inactivity);
        if dns {
            let at = self.now + self.cfg.timeouts.dns_session;
            self.schedule(slot, TimerKind::DnsExpire, at);
        }
        slot
    }

    /// A tunnel analyzer accepted a packet of this UDP connection from
    /// `src`:`sport`: the connection gets the tunnel's service. Teredo
    /// waits for valid packets from both sides (Zeek's
    /// `Tunnel::delay_teredo_confirmation`, on by default).
    fn tunnel_confirmed(&mut self, slot: u32, kind: TunnelKind, src: IpAddr, sport: u16) {
        let Some(c) = self.slots[slot as usize].as_mut() else {
            return;
        };
        let Some(service) = tunnel_service(kind) else {
            return;
        };
        if kind == TunnelKind::Teredo {
            let e = usize::from(!(c.addrs[0] == src && c.ports[0] == sport));
            c.tunnel_valid[e] = true;
            if c.tunnel_valid != [true, true] {
                return;
            }
        }
        if !c.packet_services.contains(&service) {
            c.packet_services.push(service);
        }
    }

    /// Zeek's responder guess for a connection that starts mid-stream (or
    /// UDP from a well-known port): flip when the source looks like a server.
    fn want_flip(&self, t: &wire::Transport<'_>, sport: u16, dport: u16) -> bool {
        match t {
            wire::Transport::Tcp(tcp) => {
                let flags = tcp.flags;
                if flags & tcp::SYN != 0 && flags & tcp::ACK == 0 {
                    return false;
                }
                if !self.cfg.is_server_port(sport, 6) {
                    return false;
                }
                if self.cfg.is_server_port(dport, 6) {
                    flags & tcp::SYN == 0 && sport < dport
                } else {
                    true
                }
            }
            wire::Transport::Udp(_) => {
                self.cfg.is_server_port(sport, 17) && !self.cfg.is_server_port(dport, 17)
            }
            _ => false,
        }
    }

    /// Whether this frame's checksums are verified (not `-C`, and its
    /// source not in `ignore_checksums_nets`).
    fn checksums_apply(&self, f: &Frame<'_>) -> bool {
        !self.cfg.ignore_checksums
            && (self.cfg.ignore_checksums_nets.is_empty()
                || !self.cfg.ignore_checksums_nets.contains(f.src))
    }

    fn evict_oldest(&mut self, sink: &mut dyn FlowSink) {
        while let Some((slot, gen)) = self.order.pop_front() {
            if self.gens[slot as usize] == gen && self.slots[slot as usize].is_some() {
                if self.stats.evicted == 0 {
                    sink.weird(self.weird_row("conn_table_full_evicting", None, None));
                    self.stats.weirds += 1;
                }
                self.stats.evicted += 1;
                self.remove(slot, sink);
                return;
            }
        }
    }

    /// Record a change of encapsulation (tunnel_parents, tunnel.log). Like
    /// Zeek, only the first few changes are reported; beyond that the
    /// history gets an `X` (analysis partial) instead.
    fn check_encap(&mut self, slot: u32, e: usize, encap: &[TunnelRef], sink: &mut dyn FlowSink) {
        let Some(c) = self.slots[slot as usize].as_mut() else {
            return;
        };
        if c.encap.as_slice() == encap {
            return;
        }
        let is_new = c.pkts == [0, 0]
            && c.hist.as_str().is_empty()
            && c.encap.is_empty()
            && c.tunnel_changes == 0;
        if !is_new {
            if c.tunnel_changes >= MAX_TUNNEL_CHANGES {
                let is_orig = c.is_orig(e);
                c.hist.partial(is_orig);
                c.encap = encap.to_vec();
                return;
            }
            c.tunnel_changes += 1;
        }
        c.encap = encap.to_vec();
        if let Some(last) = encap.last() {
            if !c.tunnel_parents.contains(&last.uid) {
                c.tunnel_parents.push(last.uid.clone());
            }
        }
        for t in encap {
            let id = (t.orig_h, t.orig_p, t.resp_h, t.resp_p);
            if !self.active_tunnels.contains_key(&id) {
                self.active_tunnels.insert(id, t.clone());
                sink.tunnel(tunnel_row(self.now, t, "Tunnel::DISCOVER"));
            }
        }
    }

    fn deliver(
        &mut self,
        slot: u32,
        e: usize,
        f: &Frame<'_>,
        checksums_apply: bool,
        sink: &mut dyn FlowSink,
    ) {
        let now = self.now;
        let Some(c) = self.slots[slot as usize].as_mut() else {
            return;
        };
        let is_orig = c.is_orig(e);
        match &f.transport {
            wire::Transport::Tcp(t) => {
                if t.truncated_header {
                    self.conn_weird(slot, "truncated_header", None, Some("TCP"), sink);
                    return;
                }
                if checksums_apply && !t.checksum_ok {
                    if let Transport::Tcp(s) = &mut c.transport {
                        s.checksum_error(e, &mut c.hist);
                    }
                    self.conn_weird(slot, "bad_TCP_checksum", None, Some("TCP"), sink);
                    return;
                }
                let mut ev = TcpEvents::default();
                let Transport::Tcp(s) = &mut c.transport else {
                    return;
                };
                let was_orig = s.orig;
                self.stream.clear();
                let wants = c.app.as_ref().is_some_and(|a| a.wants_data());
                let stream = wants.then_some(&mut self.stream);
                if s.process(e, t, &mut c.hist, &mut ev, stream) {
                    c.last = now;
                }
                if s.orig != was_orig {
                    // The session swapped roles itself (SYN/SYN-ACK reversal).
                    c.orig = s.orig;
                    c.hist.flip();
                }
                c.missed_bytes += ev.missed_bytes;
                c.pkts[e] += 1;
                c.ip_bytes[e] += f.ip_len as u64;
                self.tcp_events(slot, ev, sink);
                if !self.stream.pieces.is_empty() {
                    self.deliver_stream(slot, sink);
                }
                self.tell_stream_ends(slot, sink);
            }
            wire::Transport::Udp(u) => {
                if checksums_apply && !u.checksum_ok {
                    c.checksum_errors[e].hit(&mut c.hist, is_orig, 'C');
                    self.conn_weird(slot, "bad_UDP_checksum", None, Some("UDP"), sink);
                    return;
                }
                c.pkts[e] += 1;
                c.ip_bytes[e] += f.ip_len as u64;
                let datagram_len = u.payload_len as u64 + 8;
                c.last = now;
                c.hist.once(is_orig, 'D');
                if let Transport::Udp(b) = &mut c.transport {
                    *b[e].get_or_insert(0) += (u.ulen as u64).saturating_sub(8);
                }
                if c.app.is_some() {
                    self.run_app(slot, sink, |app, set, info, now, out| {
                        app.deliver(set, info, now, is_orig, u.payload, out)
                    });
                }
                if u.ulen as u64 != datagram_len {
                    let addl = format!("{} != {}", u.ulen, datagram_len);
                    self.conn_weird(
                        slot,
                        "UDP_datagram_length_mismatch",
                        Some(addl),
                        Some("UDP"),
                        sink,
                    );
                }
            }
            wire::Transport::Icmp(i) => {
                if checksums_apply && !i.checksum_ok {
                    self.conn_weird(slot, "bad_ICMP_checksum", None, Some("ICMP"), sink);
                    return;
                }
                c.last = now;
                let len = i.len.saturating_sub(8) as u64;
                if let Transport::Icmp(b) = &mut c.transport {
                    *b[e].get_or_insert(0) += len;
                }
                if i.body.len() as u64 + 4 >= i.len as u64 {
                    c.pkts[e] += 1;
                    c.ip_bytes[e] += f.ip_len as u64;
                }
            }
            wire::Transport::Other { .. } => {
                c.last = now;
                c.pkts[e] += 1;
                c.ip_bytes[e] += f.ip_len as u64;
            }
        }
        let _ = is_orig;
    }

    fn tcp_events(&mut self, slot: u32, ev: TcpEvents, sink: &mut dyn FlowSink) {
        for w in ev.weirds {
            self.conn_weird(slot, w.name, w.addl, w.analyzer.then_some("TCP"), sink);
        }
        let t = self.cfg.timeouts;
        let Some(c) = self.slots[slot as usize].as_mut() else {
            return;
        };
        let last = c.last;
        if ev.handshake_done && c.inactivity_timeout != t.tcp_inactivity {
            let longer = t.tcp_inactivity > c.inactivity_timeout;
            c.inactivity_timeout = t.tcp_inactivity;
            // A longer timeout needs no new timer: the pending one fires
            // earlier and re-arms itself from the last activity.
            if !longer {
                c.inactivity_epoch += 1;
                self.schedule(slot, TimerKind::Inactivity, last + t.tcp_inactivity);
            }
        }
        if ev.attempt_timer {
            self.schedule(slot, TimerKind::TcpAttempt, self.now + t.tcp_attempt_delay);
        }
        if ev.partial_close.is_some() {
            self.resume_expire_chain(slot);
        }
        if ev.close_complete {
            if let Some(c) = self.slots[slot as usize].as_mut() {
                c.tcp_timer_epoch += 1;
            }
            self.schedule(slot, TimerKind::Delete, last + t.tcp_close_delay);
        }
        match ev.partial_close {
            Some(PartialClose::FirstSeen) => self.schedule(
                slot,
                TimerKind::TcpPartialClose,
                last + t.tcp_partial_close_delay,
            ),
            Some(PartialClose::AwaitPeer) => {
                self.schedule(slot, TimerKind::TcpExpire, last + t.tcp_session_timer)
            }
            None => {}
        }
        if ev.reset_timer {
            self.schedule(slot, TimerKind::TcpReset, self.now + t.tcp_reset_delay);
        }
    }

    /// Zeek's TCP expire timer can only act on a connection whose sides
    /// are both still inactive (every packet so far was invalid) or that
    /// is closing; arm it only then instead of for every connection.
    fn arm_expire_if_idle(&mut self, slot: u32) {
        let idle = self.slots[slot as usize]
            .as_ref()
            .is_some_and(|c| match &c.transport {
                Transport::Tcp(t) => {
                    t.orig_ep().state == State::Inactive && t.resp_ep().state == State::Inactive
                }
                _ => false,
            });
        if idle {
            self.resume_expire_chain(slot);
        }
    }

    /// Zeek re-arms the TCP expire timer every `tcp_session_timer` from
    /// `tcp_SYN_timeout` after the start; we let the chain sleep while it
    /// cannot act and re-arm it on the same grid once a side closes.
    fn resume_expire_chain(&mut self, slot: u32) {
        let t = self.cfg.timeouts;
        let Some(c) = self.slots[slot as usize].as_mut() else {
            return;
        };
        if c.expire_chain {
            return;
        }
        c.expire_chain = true;
        let base = c.start + t.tcp_syn_timeout;
        let step = t.tcp_session_timer.max(1);
        let at = if self.now < base {
            base
        } else {
            base + ((self.now - base) / step + 1) * step
        };
        self.schedule(slot, TimerKind::TcpExpire, at);
    }

    fn schedule(&mut self, slot: u32, kind: TimerKind, at: Nanos) {
        let Some(c) = self.slots[slot as usize].as_ref() else {
            return;
        };
        let epoch = if kind == TimerKind::Inactivity {
            c.inactivity_epoch
        } else {
            c.tcp_timer_epoch
        };
        self.timer_seq += 1;
        self.timers.push(Reverse(Timer {
            at,
            seq: self.timer_seq,
            slot,
            gen: self.gens[slot as usize],
            epoch,
            kind,
        }));
    }

    fn fire(&mut self, t: Timer, sink: &mut dyn FlowSink) {
        if self.gens[t.slot as usize] != t.gen {
            return;
        }
        let tm = self.cfg.timeouts;
        let Some(c) = self.slots[t.slot as usize].as_ref() else {
            return;
        };
        let epoch = if t.kind == TimerKind::Inactivity {
            c.inactivity_epoch
        } else {
            c.tcp_timer_epoch
        };
        if epoch != t.epoch && !matches!(t.kind, TimerKind::Delete | TimerKind::DnsExpire) {
            return;
        }
        match t.kind {
            TimerKind::Inactivity => {
                if c.last + c.inactivity_timeout <= t.at {
                    self.remove(t.slot, sink);
                } else {
                    let at = c.last + c.inactivity_timeout;
                    self.schedule(t.slot, TimerKind::Inactivity, at);
                }
            }
            TimerKind::Delete => self.remove(t.slot, sink),
            TimerKind::DnsExpire => {
                // The timer goes with the analyzer. It allows a second for
                // the usual request and reply before it waits another round.
                if !c.app.as_ref().is_some_and(|a| a.runs(Kind::Dns)) {
                    return;
                }
                if t.at - c.last >= tm.dns_session - crate::SEC {
                    self.remove(t.slot, sink);
                } else {
                    self.schedule(t.slot, TimerKind::DnsExpire, t.at + tm.dns_session);
                }
            }
            _ => {
                let Transport::Tcp(s) = &c.transport else {
                    return;
                };
                match tcp_timer(t.kind, s, c.last, t.at, &tm) {
                    Some(true) => self.remove(t.slot, sink),
                    Some(false) => {
                        self.schedule(t.slot, TimerKind::TcpExpire, t.at + tm.tcp_session_timer)
                    }
                    None if t.kind == TimerKind::TcpExpire => {
                        if let Some(c) = self.slots[t.slot as usize].as_mut() {
                            c.expire_chain = false;
                        }
                    }
                    None => {}
                }
            }
        }
    }

    fn remove(&mut self, slot: u32, sink: &mut dyn FlowSink) {
        if self.slots[slot as usize]
            .as_ref()
            .is_some_and(|c| c.app.is_some())
        {
            self.run_app(slot, sink, |app, set, info, now, out| {
                app.finish(set, info, now, out)
            });
        }
        let Some(c) = self.slots[slot as usize].take() else {
            return;
        };
        self.index.remove(&c.key);
        self.gens[slot as usize] = self.gens[slot as usize].wrapping_add(1);
        self.free.push(slot);
        let id = (c.orig_h(), c.orig_p(), c.resp_h(), c.resp_p());
        // Only tunnels that are connections themselves (UDP) close with them;
        // IP and GRE tunnels just expire.
        let closes = c.proto == 17 && self.active_tunnels.get(&id).is_some_and(|t| t.proto == 17);
        if let Some(t) = closes.then(|| self.active_tunnels.remove(&id)).flatten() {
            sink.tunnel(tunnel_row(self.now, &t, "Tunnel::CLOSE"));
        }
        sink.conn(self.conn_row(&c));
        if self.order.len() > 2 * self.index.len() + 1024 {
            let gens = &self.gens;
            self.order.retain(|&(s, g)| gens[s as usize] == g);
        }
    }

    fn conn_row(&self, c: &Conn) -> ConnRecord {
        let duration = c.last - c.start;
        let (ob, rb) = c.sizes();
        let has_duration = duration > 0;
        let (o, r) = (c.orig, c.orig ^ 1);
        let sizes = self.cfg.count_sizes;
        let vlan_key = self.cfg.vlan_in_key;
        ConnRecord {
            ts: Time(c.start),
            uid: c.uid.clone(),
            orig_h: c.orig_h(),
            orig_p: Port(c.orig_p()),
            resp_h: c.resp_h(),
            resp_p: Port(c.resp_p()),
            ctx_vlan: c.vlan.filter(|_| vlan_key).map(i64::from),
            ctx_inner_vlan: c.inner_vlan.filter(|_| vlan_key).map(i64::from),
            proto: Enum(proto_name(c.proto)),
            service: c.service(),
            duration: has_duration.then_some(Interval(duration)),
            orig_bytes: has_duration.then_some(ob),
            resp_bytes: has_duration.then_some(rb),
            conn_state: Some(c.conn_state()),
            local_orig: c.local_orig(),
            local_resp: c.local_resp(),
            missed_bytes: c.missed_bytes,
            history: (!c.hist.as_str().is_empty()).then(|| c.hist.as_str().to_string()),
            orig_pkts: sizes.then_some(c.pkts[o]),
            orig_ip_bytes: sizes.then_some(c.ip_bytes[o]),
            resp_pkts: sizes.then_some(c.pkts[r]),
            resp_ip_bytes: sizes.then_some(c.ip_bytes[r]),
            tunnel_parents: (!c.tunnel_parents.is_empty()).then(|| Set(c.tunnel_parents.clone())),
            ip_proto: Some(c.ip_proto as u64),
            orig_l2_addr: c.macs[o].filter(|_| self.cfg.mac_logging).map(fmt_mac),
            resp_l2_addr: c.macs[r].filter(|_| self.cfg.mac_logging).map(fmt_mac),
            vlan: c.vlan.map(|v| v as i64),
            inner_vlan: c.inner_vlan.map(|v| v as i64),
            community_id: self.cfg.community_id_seed.map(|seed| {
                crate::community_id_v1(
                    seed,
                    c.orig_h(),
                    c.orig_p(),
                    c.resp_h(),
                    c.resp_p(),
                    c.ip_proto,
                )
            }),
            speculative_service: None,
        }
    }

    /// Hand the stream data the last TCP segment released to the
    /// connection's analyzers, in order.
    fn deliver_stream(&mut self, slot: u32, sink: &mut dyn FlowSink) {
        let mut stream = std::mem::take(&mut self.stream);
        for p in &stream.pieces {
            let Some(c) = self.slots[slot as usize].as_ref() else {
                break;
            };
            let is_orig = c.is_orig(p.ep);
            self.run_app(slot, sink, |app, set, info, now, out| {
                if p.gap {
                    app.gap(set, info, now, is_orig, p.len, out)
                } else {
                    let data = &stream.data[p.start..p.start + p.len as usize];
                    app.deliver(set, info, now, is_orig, data, out)
                }
            });
        }
        stream.clear();
        self.stream = stream;
    }

    /// Tell the analyzers when a direction's stream is complete up to its
    /// FIN (once per direction).
    fn tell_stream_ends(&mut self, slot: u32, sink: &mut dyn FlowSink) {
        for e in 0..2 {
            let Some(c) = self.slots[slot as usize].as_mut() else {
                return;
            };
            let ended = match &c.transport {
                Transport::Tcp(s) => s.stream_ended(e),
                _ => false,
            };
            if !ended || c.stream_end_told[e] || c.app.is_none() {
                continue;
            }
            c.stream_end_told[e] = true;
            let is_orig = c.is_orig(e);
            self.run_app(slot, sink, |app, set, info, now, out| {
                app.end_of_stream(set, info, now, is_orig, out)
            });
        }
    }

    /// Run `f` on the connection's analyzers; their weirds become the
    /// connection's weirds, their other records go to `sink`.
    fn run_app(
        &mut self,
        slot: u32,
        sink: &mut dyn FlowSink,
        f: impl FnOnce(&mut ConnAnalyzers, &mut AnalyzerSet, &ConnInfo<'_>, Time, &mut dyn AppSink),
    ) {
        let FlowTable {
            slots,
            analyzers,
            now,
            ..
        } = self;
        let (Some(c), Some(set)) = (slots[slot as usize].as_mut(), analyzers.as_mut()) else {
            return;
        };
        let Some(mut app) = c.app.take() else {
            return;
        };
        let info = ConnInfo {
            uid: &c.uid,
            orig_h: c.orig_h(),
            orig_p: c.orig_p(),
            resp_h: c.resp_h(),
            resp_p: c.resp_p(),
            proto: c.proto,
            local_orig: c.local_orig(),
            local_resp: c.local_resp(),
            start: Time(c.start),
        };
        let mut out = AppForward {
            sink: &mut *sink,
            weirds: Vec::new(),
        };
        f(&mut app, set, &info, Time(*now), &mut out);
        let weirds = out.weirds;
        if app.take_flip() {
            c.analyzer_flip();
        }
        if app.take_partial() {
            // Zeek records this letter in upper case whichever side caused it.
            c.hist.partial(true);
        }
        c.app = Some(app);
        for w in weirds {
            self.app_weird(slot, w, sink);
        }
    }

    /// An analyzer's weird, logged as often as Zeek's weird framework
    /// would (its `Weird::actions` defaults; repeats of the same name on one
    /// connection are capped like Zeek's weird sampling threshold).
    fn app_weird(&mut self, slot: u32, w: AppWeird, sink: &mut dyn FlowSink) {
        const SAMPLING_THRESHOLD: u32 = 1000;
        if let Some(fuid) = w.file {
            return self.file_weird(w.name, fuid, w.addl, sink);
        }
        let Some(c) = self.slots[slot as usize].as_mut() else {
            return;
        };
        match weird_policy::repeat(w.name) {
            Repeat::Ignore => return,
            Repeat::PerConn => {
                return self.conn_weird(slot, w.name, w.addl, script_source(w.source), sink)
            }
            Repeat::PerOrig => {
                if !self.orig_weirds_logged.insert((w.name, c.orig_h())) {
                    return;
                }
                if self.orig_weirds_logged.len() > 100_000 {
                    self.orig_weirds_logged.clear();
                }
            }
            Repeat::Always => {
                let n = match c.app_weird_counts.iter_mut().find(|(n, _)| *n == w.name) {
                    Some((_, n)) => n,
                    None => {
                        c.app_weird_counts.push((w.name, 0));
                        &mut c.app_weird_counts.last_mut().expect("just pushed").1
                    }
                };
                *n += 1;
                if *n > SAMPLING_THRESHOLD {
                    return;
                }
            }
        }
        self.emit_conn_weird(slot, w.name, w.addl, script_source(w.source), sink);
    }

    /// Log a weird on a connection, once per name (Zeek's default).
    /// `source` is the analyzer that raised it, when it was one.
    fn conn_weird(
        &mut self,
        slot: u32,
        name: &'static str,
        addl: Option<String>,
        source: Option<&'static str>,
        sink: &mut dyn FlowSink,
    ) {
        let Some(c) = self.slots[slot as usize].as_mut() else {
            return;
        };
        if c.weirds_logged.contains(&name) {
            return;
        }
        c.weirds_logged.push(name);
        self.emit_conn_weird(slot, name, addl, source, sink);
    }

    /// A weird.log row about a connection, sent without further ado.
    fn emit_conn_weird(
        &mut self,
        slot: u32,
        name: &'static str,
        addl: Option<String>,
        source: Option<&'static str>,
        sink: &mut dyn FlowSink,
    ) {
        let Some(c) = self.slots[slot as usize].as_ref() else {
            return;
        };
        let row = WeirdRecord {
            uid: Some(c.uid.clone()),
            orig_h: Some(c.orig_h()),
            orig_p: Some(Port(c.orig_p())),
            resp_h: Some(c.resp_h()),
            resp_p: Some(Port(c.resp_p())),
            ..self.weird_row(name, addl, source)
        };
        self.stats.weirds += 1;
        sink.weird(row);
    }

    /// A weird about a file (Zeek's `file_weird`): logged every time,
    /// without the connection, `addl` naming the file.
    fn file_weird(
        &mut self,
        name: &'static str,
        fuid: String,
        addl: Option<String>,
        sink: &mut dyn FlowSink,
    ) {
        let addl = match addl {
            Some(a) => format!("{fuid}: {a}"),
            None => fuid,
        };
        let row = self.weird_row(name, Some(addl), None);
        self.stats.weirds += 1;
        sink.weird(row);
    }

    fn net_weird(&mut self, w: &Weird, sink: &mut dyn FlowSink) {
        if !self.net_weirds_logged.insert((w.name, w.addrs)) {
            return;
        }
        if self.net_weirds_logged.len() > 100_000 {
            self.net_weirds_logged.clear();
        }
        let mut row = self.weird_row(w.name, w.addl.clone(), Some(w.source));
        if let Some((src, dst)) = w.addrs {
            row.orig_h = Some(src);
            row.orig_p = Some(Port(0));
            row.resp_h = Some(dst);
            row.resp_p = Some(Port(0));
        }
        self.stats.weirds += 1;
        sink.weird(row);
    }

    fn weird_row(
        &self,
        name: &str,
        addl: Option<String>,
        source: Option<&'static str>,
    ) -> WeirdRecord {
        WeirdRecord {
            ts: Time(self.now),
            uid: None,
            orig_h: None,
            orig_p: None,
            resp_h: None,
            resp_p: None,
            name: name.to_string(),
            addl,
            notice: false,
            peer: Some("zeek"),
            source,
        }
    }
}

/// Decide a TCP timer: `Some(true)` remove, `Some(false)` reschedule the
/// expire timer, `None` nothing.
fn tcp_timer(
    kind: TimerKind,
    s: &TcpSession,
    last: Nanos,
    at: Nanos,
    tm: &crate::Timeouts,
) -> Option<bool> {
    let o = s.orig_ep();
    let r = s.resp_ep();
    match kind {
        TimerKind::TcpAttempt => {
            let attempt = s.is_active
                && matches!(o.state, State::SynSent | State::SynAckSent)
                && r.state == State::Inactive;
            attempt.then_some(true)
        }
        TimerKind::TcpPartialClose => {
            let half = s.is_active
                && o.state != State::Inactive
                && r.state != State::Inactive
                && (!o.did_close || !r.did_close)
                && o.state != State::Reset
                && r.state != State::Reset;
            half.then_some(true)
        }
        TimerKind::TcpReset => s.is_active.then_some(true),
        TimerKind::TcpExpire => {
            if !s.is_active {
                return None;
            }
            let both_inactive = o.state == State::Inactive && r.state == State::Inactive;
            let quiet = !(o.did_close || r.did_close || both_inactive);
            if quiet {
                // Nothing this timer could act on until one side closes; the
                // chain resumes then (see `resume_expire_chain`).
                return None;
            }
            if last + tm.tcp_connection_linger < at {
                if (o.did_close || r.did_close)
                    && ((o.did_close && r.did_close)
                        || o.state == State::Reset
                        || r.state == State::Reset
                        || o.state == State::Inactive
                        || r.state == State::Inactive)
                {
                    return Some(true);
                }
                if r.state == State::Inactive && o.state == State::Inactive {
                    return Some(true);
                }
            }
            Some(false)
        }
        _ => None,
    }
}

/// weird.log's `source` of an analyzer weird: none for weirds Zeek raises
/// from its scripts (the analyzer passes "" or "-").
fn script_source(source: &'static str) -> Option<&'static str> {
    (!source.is_empty() && source != "-").then_some(source)
}

/// Forwards analyzer records to the flow sink, keeping weirds back so the
/// table can attach them to their connection.
struct AppForward<'a> {
    sink: &'a mut dyn FlowSink,
    weirds: Vec<AppWeird>,
}

impl AppSink for AppForward<'_> {
    fn app(&mut self, rec: AppRecord) {
        match rec {
            AppRecord::Weird(w) => self.weirds.push(w),
            AppRecord::Tunnel(t) => self.sink.tunnel(TunnelRecord {
                ts: t.ts,
                uid: None,
                orig_h: t.orig_h,
                orig_p: Port(0),
                resp_h: t.resp_h,
                resp_p: Port(t.resp_p),
                tunnel_type: Enum(t.tunnel_type),
                action: Enum("Tunnel::DISCOVER"),
            }),
            r => self.sink.app(r),
        }
    }
}

/// conn.log's service for a UDP connection carrying a tunnel (the packet
/// analyzers that confirm their protocol).
fn tunnel_service(kind: TunnelKind) -> Option<&'static str> {
    match kind {
        TunnelKind::Teredo => Some("teredo"),
        TunnelKind::Ayiya => Some("ayiya"),
        TunnelKind::Vxlan => Some("vxlan"),
        TunnelKind::Geneve => Some("geneve"),
        TunnelKind::Gtpv1 => Some("gtpv1"),
        TunnelKind::Gre | TunnelKind::IpInIp => None,
    }
}

fn tunnel_row(now: Nanos, t: &TunnelRef, action: &'static str) -> TunnelRecord {
    TunnelRecord {
        ts: Time(now),
        uid: Some(t.uid.clone()),
        orig_h: t.orig_h,
        orig_p: Port(t.orig_p),
        resp_h: t.resp_h,
        resp_p: Port(t.resp_p),
        tunnel_type: Enum(t.kind.zeek_name()),
        action: Enum(action),
    }
}

/// Weirds that tunnel analyzers raise on the connection carrying the
/// tunnel rather than on the packet.
fn is_tunnel_conn_weird(w: &Weird) -> bool {
    w.name == "Teredo_bubble_with_payload"
}

fn proto_name(p: u8) -> &'static str {
    match p {
        6 => "tcp",
        17 => "udp",
        1 | 58 => "icmp",
        _ => "unknown_transport",
    }
}

fn is_broadcast(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_broadcast(),
        IpAddr::V6(_) => false,
    }
}

fn fmt_mac(m: [u8; 6]) -> String {
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    )
}
