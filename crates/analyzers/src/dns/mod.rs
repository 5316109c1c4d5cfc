//! DNS over UDP and TCP: dns.log (Zeek's `base/protocols/dns`).
//!
//! [`parser`] reads messages, [`state`] pairs queries with replies into
//! rows, [`tables`] names the codes; this file frames TCP streams and ties
//! the parts to the connection.

mod parser;
mod record;
mod state;
mod tables;

pub use parser::{parse_message, Header, Message, Options as ParseOptions};
pub use record::DnsRecord;

use crate::{AppRecord, Context};
use state::{DnsState, Endpoints};

/// Zeek's DNS options.
#[derive(Debug, Clone)]
pub struct DnsConfig {
    /// `DNS::max_pending_msgs`: unanswered messages kept per connection.
    pub max_pending_msgs: usize,
    /// `DNS::max_pending_query_ids`.
    pub max_pending_query_ids: usize,
    /// `dns_max_queries`: questions parsed per message.
    pub max_queries: usize,
    /// `dns_max_compression_chain_depth`: compression pointers followed
    /// per name.
    pub max_compression_chain_depth: usize,
    /// `dns_skip_all_auth`: authority records are not parsed (unless
    /// `policy/protocols/dns/auth-addl` switches this off).
    pub skip_all_auth: bool,
    /// `dns_skip_all_addl`: additional records are not parsed.
    pub skip_all_addl: bool,
}

impl Default for DnsConfig {
    fn default() -> Self {
        DnsConfig {
            max_pending_msgs: 50,
            max_pending_query_ids: 50,
            max_queries: 25,
            max_compression_chain_depth: 100,
            skip_all_auth: true,
            skip_all_addl: true,
        }
    }
}

/// Weird source of everything this analyzer raises.
const SOURCE: &str = "DNS";

/// DNS analyzer state of one connection.
pub struct DnsAnalyzer {
    /// Message framing per direction (orig, resp) for TCP.
    framers: Option<[Framer; 2]>,
    interp: Interpreter,
}

impl DnsAnalyzer {
    /// `proto`: 17 (UDP, one message per datagram) or 6 (TCP, length
    /// prefixed messages in each direction's stream).
    pub fn new(proto: u8) -> Self {
        DnsAnalyzer {
            framers: (proto == 6).then(|| [Framer::default(), Framer::default()]),
            interp: Interpreter {
                first_message: true,
                state: DnsState::default(),
            },
        }
    }
}

impl crate::Analyzer for DnsAnalyzer {
    fn deliver(&mut self, cx: &mut Context<'_>, is_orig: bool, data: &[u8]) {
        let interp = &mut self.interp;
        match &mut self.framers {
            None => interp.message(cx, Side::from(is_orig), data),
            Some(f) => f[usize::from(!is_orig)].feed(data, |m| {
                interp.message(cx, Side::from(is_orig), m);
            }),
        }
    }

    // A gap is not special to Zeek's DNS framing: the bytes after it go on
    // filling the message being collected.

    fn end_of_stream(&mut self, cx: &mut Context<'_>, is_orig: bool) {
        // Zeek parses what it has of a cut-off message when the connection
        // closes, not knowing which side sent it.
        if let Some(f) = &mut self.framers {
            if let Some(m) = f[usize::from(!is_orig)].take_partial() {
                self.interp.message(cx, Side::Unknown, &m);
            }
        }
    }

    fn finish(&mut self, cx: &mut Context<'_>) {
        self.interp.flush(cx);
    }
}

/// Which side a message came from, as Zeek's interpreter is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Orig,
    Resp,
    Unknown,
}

impl From<bool> for Side {
    fn from(is_orig: bool) -> Self {
        if is_orig {
            Side::Orig
        } else {
            Side::Resp
        }
    }
}

/// Zeek's `DNS_Interpreter` plus the script state it feeds.
struct Interpreter {
    first_message: bool,
    state: DnsState,
}

impl Interpreter {
    fn message(&mut self, cx: &mut Context<'_>, side: Side, bytes: &[u8]) {
        let Some(header) = Header::parse(bytes) else {
            cx.weird(SOURCE, "DNS_truncated_len_lt_hdr_len", None);
            return;
        };
        // Zeek turns the connection round when the originator's first
        // message is a reply (unless it answers a multicast query).
        let flip = self.first_message
            && header.qr
            && side == Side::Orig
            && !endpoints(cx, false).resp_is_multicast();
        if flip {
            cx.flip_roles();
        }
        self.first_message = false;
        let conn = endpoints(cx, flip);
        let opts = ParseOptions {
            netbios: conn.resp_p == 137,
            udp: cx.conn.proto == 17,
            max_queries: cx.config.dns.max_queries,
            max_compression_depth: cx.config.dns.max_compression_chain_depth,
            skip_all_auth: cx.config.dns.skip_all_auth,
            skip_all_addl: cx.config.dns.skip_all_addl,
        };
        let Some(m) = parse_message(bytes, &opts) else {
            return;
        };
        for w in &m.weirds {
            cx.weird(SOURCE, w.name, w.addl.clone());
        }
        let mut rows = Vec::new();
        self.state
            .message(&m, &conn, cx.now, &cx.config.dns, &mut rows);
        emit(cx, rows);
        // Zeek raises the violation while parsing, before it confirms a
        // message that parsed to its end.
        if let Some(reason) = m.violation {
            // Zeek marks the history when it gives up on a message's limit.
            cx.analysis_partial();
            cx.violation(reason, None);
        }
        if m.well_formed {
            cx.confirm();
        }
        if m.violation.is_some() {
            // No more data comes; Zeek's scripts still log what is pending
            // when the connection goes.
            self.flush(cx);
        }
    }

    fn flush(&mut self, cx: &mut Context<'_>) {
        let mut rows = Vec::new();
        self.state.flush(&mut rows);
        emit(cx, rows);
    }
}

/// The connection's endpoints, `flipped` when the roles are being swapped
/// during this call (`cx.conn` still has the old ones).
fn endpoints<'c>(cx: &Context<'c>, flipped: bool) -> Endpoints<'c> {
    let c = cx.conn;
    let (orig_h, orig_p, resp_h, resp_p) = if flipped {
        (c.resp_h, c.resp_p, c.orig_h, c.orig_p)
    } else {
        (c.orig_h, c.orig_p, c.resp_h, c.resp_p)
    };
    Endpoints {
        uid: c.uid,
        orig_h,
        orig_p,
        resp_h,
        resp_p,
        proto: c.proto_name(),
    }
}

fn emit(cx: &mut Context<'_>, rows: Vec<DnsRecord>) {
    for r in rows {
        cx.emit(AppRecord::Dns(Box::new(r)));
    }
}

/// Zeek's `Contents_DNS`: a 2-byte length, then that many bytes of message.
#[derive(Debug, Default)]
struct Framer {
    state: FrameState,
    /// Length of the message being collected.
    size: usize,
    buf: Vec<u8>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum FrameState {
    #[default]
    LenHi,
    LenLo,
    Body,
}

impl Framer {
    /// Feeds stream bytes; `on_message` gets every completed message.
    fn feed(&mut self, mut data: &[u8], mut on_message: impl FnMut(&[u8])) {
        while let Some((&b, rest)) = data.split_first() {
            match self.state {
                FrameState::LenHi => {
                    self.size = usize::from(b) << 8;
                    self.state = FrameState::LenLo;
                    data = rest;
                }
                FrameState::LenLo => {
                    self.size |= usize::from(b);
                    self.state = FrameState::Body;
                    self.buf.clear();
                    data = rest;
                }
                FrameState::Body => {
                    let n = (self.size - self.buf.len()).min(data.len());
                    self.buf.extend_from_slice(&data[..n]);
                    data = &data[n..];
                }
            }
            if self.state == FrameState::Body && self.buf.len() == self.size {
                on_message(&self.buf);
                self.buf.clear();
                self.state = FrameState::LenHi;
            }
        }
    }

    /// The incomplete message collected so far, if any.
    fn take_partial(&mut self) -> Option<Vec<u8>> {
        (self.state == FrameState::Body && !self.buf.is_empty()).then(|| {
            self.state = FrameState::LenHi;
            std::mem::take(&mut self.buf)
        })
    }
}

#[cfg(test)]
mod tests;
