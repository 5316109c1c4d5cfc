//! TCP connection semantics as Zeek's conn.log reports them: endpoint state
//! machines, relative sequence numbers (with wrap-around), the history
//! letters, payload sizes from sequence numbers, and the content gaps that
//! become `missed_bytes`.
//!
//! The flow table owns the timers; this module only says, per packet, what
//! happened (`TcpEvents`) so the table can schedule them.

use crate::history::{History, Scaled};
use crate::reassembly::{self, Reassembly, StreamOut};
use wire::TcpInfo;

pub const FIN: u8 = 0x01;
pub const SYN: u8 = 0x02;
pub const RST: u8 = 0x04;
pub const ACK: u8 = 0x10;
pub const URG: u8 = 0x20;

/// Largest sequence jump on a SYN/RST that we still believe.
const TOO_LARGE_SEQ_DELTA: i32 = 1_048_576;

/// Zeek's TCP endpoint states (the conn_state function reads them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum State {
    #[default]
    Inactive,
    SynSent,
    SynAckSent,
    Partial,
    Established,
    Closed,
    Reset,
}

fn is_handshake(s: State) -> bool {
    matches!(s, State::Inactive | State::SynSent | State::SynAckSent)
}

/// Signed distance between two sequence numbers.
pub fn seq_delta(a: u32, b: u32) -> i32 {
    a.wrapping_sub(b) as i32
}

fn full_seq(seq: u32, wraps: u32) -> u64 {
    ((wraps as u64) << 32) | seq as u64
}

/// One direction of a TCP connection.
#[derive(Debug, Default)]
pub struct Endpoint {
    pub state: State,
    pub prev_state: State,
    start_seq: u32,
    last_seq: u32,
    ack_seq: u32,
    seq_wraps: u32,
    ack_wraps: u32,
    window: u32,
    window_scale: u8,
    window_seq: u32,
    window_ack_seq: u32,
    pub fin_cnt: u32,
    rst_cnt: u32,
    fin_seq: u64,
    pub did_close: bool,
    hist_last_syn: u64,
    hist_last_fin: u64,
    hist_last_rst: u64,
    checksum_errors: Scaled,
    retransmits: Scaled,
    zero_windows: Scaled,
    gaps: Scaled,
    pub reasm: Reassembly,
}

impl Endpoint {
    fn set_state(&mut self, s: State) {
        if s != self.state {
            self.prev_state = self.state;
            self.state = s;
        }
    }
    fn init_seqs(&mut self, start: u32, last: u32) {
        self.start_seq = start;
        self.ack_seq = start;
        self.last_seq = last;
    }
    fn update_last_seq(&mut self, seq: u32) {
        if seq < self.last_seq {
            self.seq_wraps += 1;
        }
        self.last_seq = seq;
    }
    fn update_ack_seq(&mut self, seq: u32) {
        if seq < self.ack_seq {
            self.ack_wraps += 1;
        }
        self.ack_seq = seq;
    }
    fn start64(&self) -> u64 {
        self.start_seq as u64
    }
    fn relative(&self, seq: u32, wraps: u32) -> u64 {
        full_seq(seq, wraps).wrapping_sub(self.start64())
    }
    pub fn no_data_acked(&self) -> bool {
        let ack = full_seq(self.ack_seq, self.ack_wraps);
        ack == self.start64() || ack == self.start64() + 1
    }
    /// Relative sequence number of `cur` given the last one seen, tracking
    /// wrap-around; `underflow` is set when it lies before the start.
    fn relative_seq(&self, cur: u32, last: u32, mut wraps: u32, underflow: &mut bool) -> u64 {
        let delta = seq_delta(cur, last);
        if delta < 0 {
            if wraps > 0 && cur > last {
                wraps -= 1;
            }
        } else if delta > 0 && cur < last {
            wraps += 1;
        }
        if wraps == 0 {
            let d = seq_delta(cur, self.start_seq);
            if d < 0 {
                *underflow = true;
            }
            return d as i64 as u64;
        }
        self.relative(cur, wraps)
    }
    /// Payload bytes this endpoint sent, from sequence numbers.
    pub fn size(&self, peer_state: State) -> u64 {
        if self.prev_state == State::SynSent
            && self.state == State::Reset
            && peer_state == State::Inactive
            && !self.no_data_acked()
        {
            return 0;
        }
        let last = full_seq(self.last_seq, self.seq_wraps);
        let ack = full_seq(self.ack_seq, self.ack_wraps);
        let top = last.max(ack);
        let mut size = top.wrapping_sub(self.start64());
        if size != 0 {
            size = size.wrapping_sub(1);
        }
        if self.fin_cnt > 0 && size != 0 {
            size -= 1;
        }
        // A bogus RST sequence can put `top` below the start: report nothing
        // rather than an absurd number.
        if size > (1 << 62) {
            0
        } else {
            size
        }
    }
    fn is_clean(&self) -> bool {
        self.state == State::Established
            || (self.state == State::Closed && self.prev_state == State::Established)
    }
}

/// A weird raised by the TCP analysis of one packet.
#[derive(Debug)]
pub struct TcpWeird {
    pub name: &'static str,
    pub addl: Option<String>,
    /// Raised by the TCP analyzer itself (weird.log `source` = TCP) rather
    /// than on the connection.
    pub analyzer: bool,
}

/// Per-packet outcome the flow table acts on.
#[derive(Debug, Default)]
pub struct TcpEvents {
    /// Weirds raised by this packet (Zeek names).
    pub weirds: Vec<TcpWeird>,
    /// The connection changed direction (SYN/SYN-ACK reversal).
    pub flipped: bool,
    /// Schedule the attempt timer (first SYN from the originator).
    pub attempt_timer: bool,
    /// Handshake finished: switch to the TCP inactivity timeout.
    pub handshake_done: bool,
    /// One side closed and the close is complete: delete after close delay.
    pub close_complete: bool,
    /// One side closed first: look for the other side (session timer).
    pub partial_close: Option<PartialClose>,
    /// A RST after FIN: reset timer.
    pub reset_timer: bool,
    /// Payload bytes newly declared missing (content gaps).
    pub missed_bytes: u64,
}

impl TcpEvents {
    fn weird(&mut self, name: &'static str) {
        self.weirds.push(TcpWeird {
            name,
            addl: None,
            analyzer: true,
        });
    }
    fn conn_weird(&mut self, name: &'static str) {
        self.weirds.push(TcpWeird {
            name,
            addl: None,
            analyzer: false,
        });
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartialClose {
    /// First thing seen from that side was its close.
    FirstSeen,
    /// Normal half close: wait for the other side.
    AwaitPeer,
}

/// The TCP half of a connection: two endpoints indexed by which side of the
/// *original* key they are, plus the connection-wide flags.
#[derive(Debug, Default)]
pub struct TcpSession {
    pub ep: [Endpoint; 2],
    /// Index of the current originator in `ep`.
    pub orig: usize,
    pub is_partial: bool,
    first_packet_seen: [bool; 2],
    pub is_active: bool,
    did_weird: bool,
}

impl TcpSession {
    pub fn new() -> Self {
        TcpSession {
            is_active: true,
            ..Default::default()
        }
    }

    /// Endpoint `e` sent its FIN and everything before it was delivered
    /// (or reported missing): its stream is over.
    pub fn stream_ended(&self, e: usize) -> bool {
        let ep = &self.ep[e];
        ep.fin_cnt > 0 && ep.reasm.delivered() + 1 >= ep.fin_seq
    }

    pub fn orig_ep(&self) -> &Endpoint {
        &self.ep[self.orig]
    }
    pub fn resp_ep(&self) -> &Endpoint {
        &self.ep[self.orig ^ 1]
    }

    /// Swap roles (the connection swaps addresses and marks its history).
    pub fn flip(&mut self) {
        self.orig ^= 1;
        self.is_partial = false;
    }

    fn set_partial_status(&mut self, e: usize, flags: u8) {
        let is_orig = e == self.orig;
        if is_orig {
            if !self.first_packet_seen[e] {
                self.is_partial = flags & SYN == 0 || flags & ACK != 0;
            }
        } else if !self.first_packet_seen[e] && !self.is_partial {
            self.is_partial = flags & SYN == 0;
        }
    }

    /// Whether a SYN on an existing connection starts a new one (Zeek's
    /// connection reuse rule). Returns the weird to report, if any.
    pub fn is_reuse(
        &self,
        flags: u8,
        seq: u32,
        since_last: i64,
        linger: i64,
    ) -> Option<Option<&'static str>> {
        if flags & SYN == 0 {
            return None;
        }
        let orig = &self.ep[self.orig];
        let resp = &self.ep[self.orig ^ 1];
        let mut conn_orig = orig;
        if flags & ACK != 0 {
            if orig.state != State::Inactive {
                return None;
            }
            conn_orig = resp;
        }
        let closed = !self.is_active;
        if !closed {
            if seq == conn_orig.start_seq {
                return None;
            }
            if flags & ACK == 0
                && conn_orig.state == State::SynAckSent
                && resp.state == State::Inactive
                && seq == resp.start_seq
            {
                return None;
            }
            return Some(Some(if conn_orig.state == State::SynSent {
                "SYN_seq_jump"
            } else {
                "active_connection_reuse"
            }));
        }
        let no_reset = orig.state != State::Reset && resp.state != State::Reset;
        let active = |e: &Endpoint| e.state != State::Inactive && !e.did_close;
        if (active(orig) || active(resp)) && no_reset {
            return Some(Some("active_connection_reuse"));
        }
        if since_last < linger && no_reset {
            return Some(Some("premature_connection_reuse"));
        }
        Some(None)
    }

    /// Process one TCP segment from endpoint index `e` (index into `ep` by
    /// the original key orientation). `hist` is the connection history;
    /// returns what the flow table must do, and whether the connection's
    /// last-activity time should move.
    pub fn process(
        &mut self,
        e: usize,
        tcp: &TcpInfo<'_>,
        hist: &mut History,
        ev: &mut TcpEvents,
        mut stream: Option<&mut StreamOut>,
    ) -> bool {
        let p = e ^ 1;
        let flags = tcp.flags;
        let syn = flags & SYN != 0;
        let fin = flags & FIN != 0;
        let rst = flags & RST != 0;
        let ackf = flags & ACK != 0;
        let len = tcp.payload_len as i64;
        let base_seq = tcp.seq;
        let ack_seq = tcp.ack;

        self.set_partial_status(e, flags);

        let mut seg_len = len + syn as i64 + fin as i64;
        if rst {
            seg_len -= len;
        }
        let one_past = base_seq.wrapping_add(seg_len as u32);
        self.init_endpoint(e, flags, base_seq, one_past, ev);

        let mut seq_underflow = false;
        let rel_seq = {
            let ep = &self.ep[e];
            ep.relative_seq(base_seq, ep.last_seq, ep.seq_wraps, &mut seq_underflow)
        };
        if seq_underflow && !rst {
            ev.weird("TCP_seq_underflow_or_misorder");
        }

        self.update_history(e, flags, rel_seq, len as u64, hist);
        self.update_window(e, tcp.window as u32, base_seq, ack_seq, flags, hist);

        let touch_time = !self.ep[0].did_close || !self.ep[1].did_close;

        if syn {
            if rst {
                ev.weird("TCP_christmas");
            }
            if flags & URG != 0 {
                ev.weird("baroque_SYN");
            }
            if len > 0 {
                ev.weird("SYN_with_data");
            }
            self.init_window(e, flags, tcp.window_scale, base_seq, ack_seq, ev);
        }
        if fin {
            let ep = &mut self.ep[e];
            ep.fin_cnt += 1;
            ep.fin_seq = rel_seq.wrapping_add(seg_len as u64);
        }
        if rst {
            self.ep[e].rst_cnt += 1;
        }

        let mut rel_ack = 0u64;
        if ackf {
            if self.ep[p].state == State::Inactive {
                rel_ack = 1;
                self.init_peer(e, flags, ack_seq, ev);
            } else {
                let mut under = false;
                let peer = &self.ep[p];
                rel_ack = peer.relative_seq(ack_seq, peer.ack_seq, peer.ack_wraps, &mut under);
                if under {
                    rel_ack = 0;
                    ev.weird("TCP_ack_underflow_or_misorder");
                } else if !rst {
                    let d = seq_delta(ack_seq, self.ep[p].ack_seq);
                    if !(ack_seq == 0 && d > TOO_LARGE_SEQ_DELTA) && d > 0 {
                        self.ep[p].update_ack_seq(ack_seq);
                    }
                }
            }
        }

        let delta_last = self.update_last_seq(e, one_past, flags, len, hist);

        let do_close = self.update_state_machine(e, base_seq, ack_seq, len, delta_last, flags, ev);

        if ackf {
            let (is_partial, peer_is_orig) = (self.is_partial, p == self.orig);
            let (ep_e, ep_p) = self.pair_mut(p);
            let out = stream.as_deref_mut().map(|o| (o, p));
            ev.missed_bytes +=
                ack_received(ep_e, ep_p, rel_ack, is_partial, peer_is_orig, hist, out);
        }

        let rel_data_seq = if syn {
            rel_seq.wrapping_add(1)
        } else {
            rel_seq
        };
        if len > 0 && tcp.payload.len() as i64 >= len && !rst && !seq_underflow {
            let ack = {
                let ep = &self.ep[e];
                ep.relative(ep.ack_seq, ep.ack_wraps)
            };
            let payload = stream.is_some().then_some(&tcp.payload[..len as usize]);
            let out = stream.map(|o| (o, e));
            self.ep[e]
                .reasm
                .data_sent(rel_data_seq, len as u64, ack, payload, out);
        }

        if do_close {
            self.connection_closed(e, ev);
        }
        touch_time
    }

    fn pair_mut(&mut self, first: usize) -> (&mut Endpoint, &mut Endpoint) {
        let (a, b) = self.ep.split_at_mut(1);
        if first == 0 {
            (&mut a[0], &mut b[0])
        } else {
            (&mut b[0], &mut a[0])
        }
    }

    fn init_endpoint(
        &mut self,
        e: usize,
        flags: u8,
        first_seq: u32,
        last_seq: u32,
        ev: &mut TcpEvents,
    ) {
        let syn = flags & SYN != 0;
        let peer_state = self.ep[e ^ 1].state;
        let ep = &mut self.ep[e];
        match ep.state {
            State::Inactive => {
                if syn {
                    ep.init_seqs(first_seq, last_seq);
                } else {
                    // Partial connection: number as though a SYN was seen,
                    // without marking this first packet a duplicate.
                    ep.init_seqs(first_seq.wrapping_sub(1), first_seq);
                }
            }
            State::SynSent | State::SynAckSent => {
                if syn && first_seq != ep.start_seq {
                    ev.conn_weird("SYN_seq_jump");
                    ep.init_seqs(first_seq, last_seq);
                }
            }
            State::Established | State::Partial => {
                if syn {
                    if ep.size(peer_state) > 0 {
                        ev.conn_weird("SYN_inside_connection");
                    }
                    if first_seq != ep.start_seq {
                        ev.conn_weird("SYN_seq_jump");
                    }
                    ep.init_seqs(first_seq, last_seq);
                }
            }
            State::Reset => {
                if syn && ep.prev_state == State::Inactive {
                    ep.init_seqs(first_seq, last_seq);
                }
            }
            State::Closed => {}
        }
    }

    fn update_history(&mut self, e: usize, flags: u8, rel_seq: u64, len: u64, hist: &mut History) {
        let is_orig = e == self.orig;
        let syn = flags & SYN != 0;
        let fin = flags & FIN != 0;
        let rst = flags & RST != 0;
        let bits = syn as u8 + fin as u8 + rst as u8;
        let ep = &mut self.ep[e];
        if bits > 1 {
            if fin && rst {
                hist.once(is_orig, 'I');
            } else {
                hist.once(is_orig, 'Q');
            }
        } else if bits == 1 {
            if syn {
                let code = if flags & ACK != 0 { 'H' } else { 'S' };
                if hist.check(is_orig, code) && rel_seq != ep.hist_last_syn {
                    hist.add(is_orig, code);
                }
                ep.hist_last_syn = rel_seq;
            }
            if fin {
                let at = rel_seq.wrapping_add(len);
                if hist.check(is_orig, 'F') && at != ep.hist_last_fin {
                    hist.add(is_orig, 'F');
                }
                ep.hist_last_fin = at;
            }
            if rst {
                if hist.check(is_orig, 'R') && rel_seq != ep.hist_last_rst {
                    hist.add(is_orig, 'R');
                }
                ep.hist_last_rst = rel_seq;
            }
        } else if len > 0 {
            hist.once(is_orig, 'D');
        } else if flags & ACK != 0 {
            hist.once(is_orig, 'A');
        }
    }

    fn update_window(
        &mut self,
        e: usize,
        window: u32,
        base_seq: u32,
        ack_seq: u32,
        flags: u8,
        hist: &mut History,
    ) {
        let is_orig = e == self.orig;
        let peer_state = self.ep[e ^ 1].state;
        let ep = &mut self.ep[e];
        let scale = ep.window_scale as u32;
        let window = window << scale;
        let rst = flags & RST != 0;
        if window == 0 && !rst && peer_state != State::Closed && ep.state != State::Reset {
            ep.zero_windows.hit(hist, is_orig, 'W');
        }
        let syn_fin_rst = flags & (SYN | FIN | RST) != 0;
        if !syn_fin_rst
            && ep.state != State::Closed
            && ep.state != State::Reset
            && seq_delta(base_seq, ep.window_seq) >= 0
            && seq_delta(ack_seq, ep.window_ack_seq) >= 0
        {
            ep.window = window;
            ep.window_ack_seq = ack_seq;
            ep.window_seq = base_seq;
        }
    }

    fn init_window(
        &mut self,
        e: usize,
        flags: u8,
        scale: Option<u8>,
        base_seq: u32,
        ack_seq: u32,
        ev: &mut TcpEvents,
    ) {
        let (ep, peer) = self.pair_mut(e);
        match scale {
            None => {
                ep.window_scale = 0;
                if flags & ACK != 0 {
                    peer.window_scale = 0;
                }
            }
            Some(s) => {
                let s = if s > 14 {
                    if !self.did_weird {
                        ev.weirds.push(TcpWeird {
                            name: "TCP_scale_range",
                            addl: Some(s.to_string()),
                            analyzer: true,
                        });
                    }
                    14
                } else {
                    s
                };
                let (ep, peer) = self.pair_mut(e);
                ep.window_scale = s;
                ep.window_seq = base_seq;
                ep.window_ack_seq = ack_seq;
                peer.window_seq = ack_seq;
                peer.window_ack_seq = base_seq;
            }
        }
    }

    fn init_peer(&mut self, e: usize, flags: u8, ack_seq: u32, ev: &mut TcpEvents) {
        if flags & (SYN | FIN | RST) == 0
            && matches!(
                self.ep[e].state,
                State::SynSent | State::SynAckSent | State::Established
            )
            && !self.did_weird
        {
            self.did_weird = true;
            ev.conn_weird("possible_split_routing");
        }
        let s = ack_seq.wrapping_sub(1);
        let peer = &mut self.ep[e ^ 1];
        peer.start_seq = s;
        peer.ack_seq = s;
        peer.last_seq = s;
    }

    fn update_last_seq(
        &mut self,
        e: usize,
        last_seq: u32,
        flags: u8,
        len: i64,
        hist: &mut History,
    ) -> i32 {
        let is_orig = e == self.orig;
        let ep = &mut self.ep[e];
        let delta = seq_delta(last_seq, ep.last_seq);
        if flags & (SYN | RST) != 0
            && !(-TOO_LARGE_SEQ_DELTA..=TOO_LARGE_SEQ_DELTA).contains(&delta)
        {
            // Untrustworthy sequence number.
        } else if flags & FIN != 0 && ep.last_seq == ep.start_seq.wrapping_add(1) {
            ep.update_last_seq(last_seq);
        } else if ep.state == State::Reset {
            // Don't trust anything after a reset.
        } else if delta > 0 {
            ep.update_last_seq(last_seq);
        } else if len > 0 {
            ep.retransmits.hit(hist, is_orig, 'T');
        }
        delta
    }

    #[allow(clippy::too_many_arguments)]
    fn update_state_machine(
        &mut self,
        e: usize,
        base_seq: u32,
        ack_seq: u32,
        len: i64,
        delta_last: i32,
        flags: u8,
        ev: &mut TcpEvents,
    ) -> bool {
        match self.ep[e].state {
            State::Inactive => self.update_inactive(e, base_seq, ack_seq, len, flags, ev),
            State::SynSent | State::SynAckSent => self.update_syn_sent(e, len, flags, ev),
            State::Established | State::Partial => self.update_established(e, flags),
            State::Closed => self.update_closed(e, delta_last, flags, ev),
            State::Reset => {
                if flags & SYN != 0 {
                    ev.weird("SYN_after_reset");
                }
                if flags & FIN != 0 {
                    ev.weird("FIN_after_reset");
                }
                if len > 0 && flags & RST == 0 {
                    ev.weird("data_after_reset");
                }
                false
            }
        }
    }

    fn set_state(&mut self, e: usize, s: State, ev: &mut TcpEvents) {
        let peer_state = self.ep[e ^ 1].state;
        let ep = &mut self.ep[e];
        if s != ep.state && !is_handshake(s) && is_handshake(ep.state) && is_handshake(peer_state) {
            ev.handshake_done = true;
        }
        ep.set_state(s);
    }

    fn update_inactive(
        &mut self,
        e: usize,
        base_seq: u32,
        ack_seq: u32,
        len: i64,
        flags: u8,
        ev: &mut TcpEvents,
    ) -> bool {
        let p = e ^ 1;
        let is_orig = e == self.orig;
        let mut do_close = false;
        if flags & SYN != 0 {
            if is_orig {
                if flags & ACK != 0 {
                    ev.weird("connection_originator_SYN_ack");
                    self.set_state(e, State::SynAckSent, ev);
                } else {
                    self.set_state(e, State::SynSent, ev);
                }
                ev.attempt_timer = true;
            } else {
                if flags & ACK != 0 {
                    let peer = &self.ep[p];
                    if peer.state != State::Inactive
                        && peer.state != State::Partial
                        && !seq_between(ack_seq, peer.start_seq, peer.last_seq)
                    {
                        ev.weird("bad_SYN_ack");
                    }
                } else if self.ep[p].state == State::SynAckSent && base_seq == self.ep[e].start_seq
                {
                    // SYN and SYN-ACK arrived in reverse order: flip.
                    self.is_partial = false;
                    self.flip();
                    ev.flipped = true;
                    self.set_state(p, State::Established, ev);
                    self.first_packet_seen[e] = true;
                } else {
                    ev.weird("simultaneous_open");
                }
                if self.ep[p].state == State::SynSent {
                    self.set_state(p, State::Established, ev);
                } else if self.ep[p].state == State::Inactive {
                    ev.weird("unsolicited_SYN_response");
                }
                self.set_state(e, State::Established, ev);
            }
        }
        if flags & FIN != 0 {
            self.set_state(e, State::Closed, ev);
            do_close = true;
            if self.ep[p].state != State::Partial && flags & SYN == 0 {
                ev.weird("spontaneous_FIN");
            }
        }
        if flags & RST != 0 {
            self.set_state(e, State::Reset, ev);
            let peer_state = self.ep[p].state;
            let is_orig = e == self.orig;
            let is_reject = if is_orig {
                peer_state == State::Established
            } else {
                matches!(peer_state, State::SynSent | State::SynAckSent)
            };
            do_close = true;
            if !is_reject && peer_state == State::Inactive {
                ev.weird("spontaneous_RST");
            }
        }
        if self.ep[e].state == State::Inactive {
            let is_orig = e == self.orig;
            let orig_state = self.ep[self.orig].state;
            if !is_orig && len == 0 && orig_state == State::SynSent {
                // Some stacks ack a SYN before answering it.
            } else if flags & ACK != 0 && self.ep[p].state == State::Established {
                self.set_state(e, State::Established, ev);
                self.is_partial = false;
                self.first_packet_seen[e] = true;
            } else {
                self.set_state(e, State::Partial, ev);
            }
        }
        do_close
    }

    fn update_syn_sent(&mut self, e: usize, len: i64, flags: u8, ev: &mut TcpEvents) -> bool {
        let p = e ^ 1;
        let is_orig = e == self.orig;
        let mut do_close = false;
        if flags & SYN != 0 {
            let state = self.ep[e].state;
            if is_orig {
                if flags & ACK != 0 && flags & (FIN | RST) == 0 && state != State::SynAckSent {
                    ev.weird("repeated_SYN_with_ack");
                }
            } else if flags & ACK == 0 && state != State::SynSent {
                ev.weird("repeated_SYN_reply_wo_ack");
            }
        }
        if flags & FIN != 0 {
            if matches!(self.ep[p].state, State::Inactive | State::SynSent) {
                ev.weird("inappropriate_FIN");
            }
            self.set_state(e, State::Closed, ev);
            do_close = true;
        }
        if flags & RST != 0 {
            self.set_state(e, State::Reset, ev);
            self.is_active = false;
            do_close = true;
        } else if len > 0 {
            ev.weird("data_before_established");
        }
        do_close
    }

    fn update_established(&mut self, e: usize, flags: u8) -> bool {
        let p = e ^ 1;
        let mut do_close = false;
        let mut ev_dummy = TcpEvents::default();
        if flags & SYN != 0
            && self.ep[e].state == State::Partial
            && self.ep[p].state == State::Inactive
            && flags & ACK == 0
        {
            self.set_state(e, State::SynSent, &mut ev_dummy);
        }
        if flags & FIN != 0 && flags & RST == 0 {
            self.set_state(e, State::Closed, &mut ev_dummy);
            if self.ep[p].state == State::Reset && self.ep[p].prev_state == State::Closed {
                // FIN then RST from the peer was a normal close after all.
                self.ep[p].set_state(State::Closed);
            }
            do_close = true;
        }
        if flags & RST != 0 {
            self.set_state(e, State::Reset, &mut ev_dummy);
            do_close = true;
            if self.ep[p].state != State::Reset || self.ep[p].prev_state != State::Established {
                self.is_active = false;
            }
        }
        do_close
    }

    fn update_closed(&mut self, e: usize, delta_last: i32, flags: u8, ev: &mut TcpEvents) -> bool {
        let p = e ^ 1;
        let mut do_close = false;
        if flags & SYN != 0 {
            ev.weird("SYN_after_close");
        }
        if flags & FIN != 0 && delta_last > 0 {
            ev.weird("FIN_advanced_last_seq");
        }
        if flags & RST != 0 && self.ep[p].state != State::Closed {
            self.set_state(e, State::Reset, ev);
            if !self.ep[e].did_close {
                do_close = true;
            }
            ev.reset_timer = true;
        }
        do_close
    }

    fn connection_closed(&mut self, e: usize, ev: &mut TcpEvents) {
        let p = e ^ 1;
        if self.ep[e].did_close {
            return;
        }
        self.ep[e].did_close = true;
        let close_complete = self.ep[e].state == State::Reset
            || self.ep[p].did_close
            || self.ep[p].state == State::Inactive;
        if close_complete {
            // Finished, rejected or reset: a later SYN starts a new connection.
            self.is_active = false;
            ev.close_complete = true;
        } else if self.ep[e].prev_state == State::Inactive {
            ev.partial_close = Some(PartialClose::FirstSeen);
        } else {
            ev.partial_close = Some(PartialClose::AwaitPeer);
        }
    }

    /// Record a checksum failure for the endpoint (the packet is dropped).
    pub fn checksum_error(&mut self, e: usize, hist: &mut History) {
        let is_orig = e == self.orig;
        self.ep[e].checksum_errors.hit(hist, is_orig, 'C');
    }
}

fn seq_between(seq: u32, low: u32, high: u32) -> bool {
    seq_delta(seq, low) >= 0 && seq_delta(seq, high) <= 0
}

/// The peer acknowledged `rel_ack` of `ep`'s stream: anything not seen
/// below it is a content gap. Returns the bytes reported missing.
fn ack_received(
    ep: &mut Endpoint,
    peer: &Endpoint,
    rel_ack: u64,
    is_partial: bool,
    is_orig: bool,
    hist: &mut History,
    out: reassembly::Sink<'_>,
) -> u64 {
    let mut seq = rel_ack;
    if ep.fin_cnt > 0 && seq >= ep.fin_seq {
        seq = ep.fin_seq.saturating_sub(1);
    }
    let clean = ep.is_clean() && peer.is_clean();
    let gaps = ep.reasm.ack_to(seq, is_partial, out);
    let mut missed = 0;
    for gap in gaps.iter() {
        if clean {
            ep.gaps.hit(hist, is_orig, 'G');
            missed += gap;
        }
    }
    missed
}
