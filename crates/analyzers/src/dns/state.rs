//! Pairing queries with replies on one connection, as Zeek's
//! `base/protocols/dns/main.zeek` does (`DNS::State`): a fast-path pending
//! query, queues of unmatched queries and replies per transaction id
//! (bounded by `max_pending_msgs` and `max_pending_query_ids`), and the
//! dns.log row each pair (or leftover) becomes.

use super::parser::{Header, Message, Question, Reply, Section};
use super::tables;
use super::{DnsConfig, DnsRecord};
use records::{Enum, Port, Set, Time, ZString};
use std::collections::VecDeque;
use std::net::IpAddr;

/// The connection as dns.log shows it (roles possibly flipped by the
/// analyzer).
#[derive(Debug, Clone, Copy)]
pub struct Endpoints<'a> {
    pub uid: &'a str,
    pub orig_h: IpAddr,
    pub orig_p: u16,
    pub resp_h: IpAddr,
    pub resp_p: u16,
    pub proto: &'static str,
}

impl Endpoints<'_> {
    /// Zeek's `DNS::multicast_subnets`: 224.0.0.0/4 and ff00::/8.
    pub fn resp_is_multicast(&self) -> bool {
        self.resp_h.is_multicast()
    }
}

/// Bytes of answer text kept per row: names behind compression pointers
/// can make a reply's text far larger than the message, and up to
/// `max_pending_query_ids` x `max_pending_msgs` rows wait per connection.
const MAX_ANSWER_BYTES: usize = 256 * 1024;

/// One dns.log row in the making (Zeek's `DNS::Info`).
#[derive(Debug, Clone)]
struct Session {
    rec: DnsRecord,
    saw_query: bool,
    saw_reply: bool,
    /// Text in `rec.answers`, `rec.auth` and `rec.addl`.
    answer_bytes: usize,
}

impl Session {
    fn new(conn: &Endpoints<'_>, now: Time, trans_id: u16) -> Self {
        let rec = DnsRecord {
            ts: now,
            uid: conn.uid.to_string(),
            orig_h: Some(conn.orig_h),
            orig_p: Port(conn.orig_p),
            resp_h: Some(conn.resp_h),
            resp_p: Port(conn.resp_p),
            proto: Enum(conn.proto),
            trans_id: Some(trans_id.into()),
            ..DnsRecord::default()
        };
        Session {
            rec,
            saw_query: false,
            saw_reply: false,
            answer_bytes: 0,
        }
    }
}

/// Where a message's session waits for its counterpart.
#[derive(Debug, Clone, Copy)]
enum Home {
    PendingQuery,
    Queries(u16),
    Replies(u16),
    /// Matched (or multicast): logged when the message ends.
    Nowhere,
}

/// Unmatched sessions by transaction id (Zeek's `PendingMessages`), ids in
/// first-seen order.
#[derive(Debug, Default)]
struct Queues {
    by_id: Vec<(u16, VecDeque<Session>)>,
}

impl Queues {
    fn find(&self, id: u16) -> Option<usize> {
        self.by_id.iter().position(|(i, _)| *i == id)
    }

    fn pop(&mut self, id: u16) -> Option<Session> {
        let i = self.find(id)?;
        self.pop_at(i)
    }

    /// Any waiting session (Zeek takes the first its table iteration gives).
    fn pop_any(&mut self) -> Option<Session> {
        (!self.by_id.is_empty()).then(|| self.pop_at(0)).flatten()
    }

    fn pop_at(&mut self, i: usize) -> Option<Session> {
        let s = self.by_id[i].1.pop_front();
        if self.by_id[i].1.is_empty() {
            self.by_id.remove(i);
        }
        s
    }

    fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Zeek's `enqueue_new_msg`: too many ids or too long a queue and the
    /// unmatched sessions are logged as they are.
    fn enqueue(&mut self, id: u16, s: Session, cfg: &DnsConfig, out: &mut Vec<DnsRecord>) {
        match self.find(id) {
            None => {
                if self.by_id.len() > cfg.max_pending_query_ids {
                    self.drain_into(out);
                }
                self.by_id.push((id, VecDeque::from([s])));
            }
            Some(i) => {
                let q = &mut self.by_id[i].1;
                if q.len() > cfg.max_pending_msgs {
                    out.extend(q.drain(..).map(|s| s.rec));
                }
                q.push_back(s);
            }
        }
    }

    fn drain_into(&mut self, out: &mut Vec<DnsRecord>) {
        for (_, q) in self.by_id.drain(..) {
            out.extend(q.into_iter().map(|s| s.rec));
        }
    }
}

/// The DNS script state of one connection.
#[derive(Debug, Default)]
pub struct DnsState {
    pending_query: Option<Session>,
    queries: Queues,
    replies: Queues,
}

impl DnsState {
    /// One parsed message: updates the sessions and appends the rows that
    /// are complete (or pushed out of a full queue) to `out`.
    pub fn message(
        &mut self,
        m: &Message,
        conn: &Endpoints<'_>,
        now: Time,
        cfg: &DnsConfig,
        out: &mut Vec<DnsRecord>,
    ) {
        let h = &m.header;
        // Zeek's scripts track standard queries, notifies and updates only.
        if !matches!(h.opcode, 0 | 4 | 5) {
            return;
        }
        let (mut s, home) = self.set_session(h, conn, now);
        note_header(&mut s.rec, h, conn);
        for q in &m.questions {
            note_question(&mut s.rec, h, q, conn.resp_p);
        }
        if h.qr {
            for r in &m.replies {
                note_reply(&mut s, h, r, now);
            }
            s.saw_reply = true;
        } else {
            s.saw_query = true;
        }
        if s.saw_query && s.saw_reply {
            out.push(s.rec);
            return;
        }
        match home {
            Home::PendingQuery => self.pending_query = Some(s),
            Home::Queries(id) => self.queries.enqueue(id, s, cfg, out),
            Home::Replies(id) => self.replies.enqueue(id, s, cfg, out),
            Home::Nowhere => {}
        }
    }

    /// Every unmatched session, as Zeek logs them when the connection goes.
    pub fn flush(&mut self, out: &mut Vec<DnsRecord>) {
        out.extend(self.pending_query.take().map(|s| s.rec));
        self.queries.drain_into(out);
        self.replies.drain_into(out);
    }

    /// Zeek's `DNS::set_session`: the session this message belongs to and
    /// where it waits afterwards if it stays unmatched.
    fn set_session(&mut self, h: &Header, conn: &Endpoints<'_>, now: Time) -> (Session, Home) {
        let id = h.id;
        if conn.resp_is_multicast() {
            // Multicast answers come from anyone: each message is its own row.
            let mut s = Session::new(conn, now, id);
            s.saw_query = true;
            s.saw_reply = true;
            return (s, Home::Nowhere);
        }
        if !h.qr {
            if let Some(s) = self.replies.pop(id) {
                return (s, Home::Nowhere);
            }
            let home = match self.pending_query {
                None => Home::PendingQuery,
                Some(_) => Home::Queries(id),
            };
            return (Session::new(conn, now, id), home);
        }
        let same_id = |s: &mut Session| s.rec.trans_id == Some(id.into());
        if let Some(s) = self.pending_query.take_if(same_id) {
            if !self.queries.is_empty() {
                // Refill the fast path, preferring a query with the same id.
                self.pending_query = self.queries.pop(id).or_else(|| self.queries.pop_any());
            }
            return (s, Home::Nowhere);
        }
        if let Some(s) = self.queries.pop(id) {
            return (s, Home::Nowhere);
        }
        (Session::new(conn, now, id), Home::Replies(id))
    }
}

/// What every message sets: the reply code of replies, the opcode.
fn note_header(rec: &mut DnsRecord, h: &Header, conn: &Endpoints<'_>) {
    if h.qr {
        rec.rcode = Some(h.rcode.into());
        rec.rcode_name = Some(tables::rcode(h.rcode));
        if h.rcode != 0 && h.qdcount == 0 {
            rec.rejected = true;
        }
    }
    let netbios = conn.resp_p == 137 || conn.orig_p == 137;
    rec.opcode = Some(h.opcode.into());
    rec.opcode_name = Some(tables::opcode(h.opcode, netbios));
}

/// Zeek's `dns_request` (questions of queries) and `dns_rejected`
/// (questions of replies without any record).
fn note_question(rec: &mut DnsRecord, h: &Header, q: &Question, resp_p: u16) {
    if h.qr {
        if h.ancount == 0 && h.nscount == 0 && h.arcount == 0 {
            rec.rejected = true;
        }
        return;
    }
    rec.rd = h.rd;
    rec.tc = h.tc;
    rec.z = h.z.into();
    rec.qclass = Some(q.qclass.into());
    rec.qclass_name = Some(tables::class(q.qclass));
    rec.qtype = Some(q.qtype.into());
    let mut qtype_name = tables::query_type(q.qtype);
    let mut query = q.name.clone();
    if resp_p == 137 {
        let decoded = decode_netbios_name(&query);
        if !decoded.is_empty() {
            query = decoded;
        }
        // NetBIOS name service's NBSTAT shares SRV's number.
        if qtype_name == "SRV" {
            qtype_name = "NBSTAT".into();
        }
    }
    rec.qtype_name = Some(qtype_name);
    rec.query = Some(ZString(query));
    if h.opcode == 0 {
        rec.original_query = Some(ZString(q.original.clone()));
    }
}

/// Zeek's `DNS::do_reply` hooks (base and `auth-addl`).
fn note_reply(s: &mut Session, h: &Header, r: &Reply, now: Time) {
    let fits = s.answer_bytes + r.text.len() <= MAX_ANSWER_BYTES;
    if fits {
        s.answer_bytes += r.text.len();
    }
    let rec = &mut s.rec;
    match r.section {
        Section::Answer => {
            if rec.query.is_none() {
                rec.query = Some(ZString(r.name.clone()));
            }
            rec.aa = h.aa;
            rec.ra = h.ra;
            if rec.rtt.is_none() {
                // A zero rtt means only the reply was seen.
                rec.rtt = Some(now.since(rec.ts)).filter(|d| d.0 != 0);
            }
            if !r.text.is_empty() && fits {
                rec.answers
                    .get_or_insert_with(Vec::new)
                    .push(ZString(r.text.clone()));
                let ttl = records::Interval(i64::from(r.ttl) * 1_000_000_000);
                rec.ttls.get_or_insert_with(Vec::new).push(ttl);
            }
        }
        Section::Authority if h.opcode == 0 && fits => add_to_set(&mut rec.auth, &r.text),
        Section::Additional if h.opcode == 0 && fits => add_to_set(&mut rec.addl, &r.text),
        _ => {}
    }
}

fn add_to_set(set: &mut Option<Set<ZString>>, text: &[u8]) {
    let set = set.get_or_insert_with(|| Set(Vec::new()));
    if !set.0.iter().any(|z| z.0 == text) {
        set.0.push(ZString(text.to_vec()));
    }
}

/// Zeek's `decode_netbios_name`: 32 letters 'A'..'P' (any case) are 16
/// half-byte pairs; the first 15 bytes give the name up to the first byte
/// that is not a letter, digit, punctuation, or a low/high control byte.
/// Anything else decodes to nothing.
pub fn decode_netbios_name(name: &[u8]) -> Vec<u8> {
    if name.len() != 32 {
        return Vec::new();
    }
    name.chunks(2)
        .take(15)
        .map(|p| {
            let hi = p[0].to_ascii_uppercase().wrapping_sub(b'A');
            let lo = p[1].to_ascii_uppercase().wrapping_sub(b'A');
            (hi << 4).wrapping_add(lo)
        })
        .take_while(|&b| {
            b.is_ascii_alphanumeric() || b.is_ascii_punctuation() || !(3..0x80).contains(&b)
        })
        .collect()
}
