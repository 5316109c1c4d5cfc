//! The DNS wire format, read the way Zeek's DNS analyzer reads it.
//!
//! Pure: bytes in, a [`Message`] out (header, questions, the replies Zeek's
//! scripts would see, weirds). Zeek's reading has quirks that decide what
//! lands in dns.log, and they are kept on purpose: resource data is read
//! against the rest of the message rather than against `rdlength`, some
//! types leave the cursor at the start of their data, and a name stops
//! (without failing) at the first bad label.

use records::value::write_addr;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Bytes of the fixed header.
pub const HEADER_LEN: usize = 12;
/// Zeek's name buffer: at most this many bytes of labels and dots.
const NAME_CAP: usize = 512;
/// Questions and replies kept per message; the rest are parsed but dropped
/// (memory bound for hostile messages with thousands of tiny records).
const MAX_KEPT: usize = 1000;

pub mod rr {
    pub const A: u16 = 1;
    pub const NS: u16 = 2;
    pub const CNAME: u16 = 5;
    pub const SOA: u16 = 6;
    pub const WKS: u16 = 11;
    pub const PTR: u16 = 12;
    pub const HINFO: u16 = 13;
    pub const MX: u16 = 15;
    pub const TXT: u16 = 16;
    pub const AAAA: u16 = 28;
    pub const LOC: u16 = 29;
    pub const NBS: u16 = 32;
    pub const SRV: u16 = 33;
    pub const NAPTR: u16 = 35;
    pub const A6: u16 = 38;
    pub const EDNS: u16 = 41;
    pub const DS: u16 = 43;
    pub const SSHFP: u16 = 44;
    pub const RRSIG: u16 = 46;
    pub const NSEC: u16 = 47;
    pub const DNSKEY: u16 = 48;
    pub const NSEC3: u16 = 50;
    pub const NSEC3PARAM: u16 = 51;
    pub const SVCB: u16 = 64;
    pub const HTTPS: u16 = 65;
    pub const SPF: u16 = 99;
    pub const TKEY: u16 = 249;
    pub const TSIG: u16 = 250;
    pub const CAA: u16 = 257;
    pub const BINDS: u16 = 65534;
}

const TOO_MANY_QUERIES: &str = "DNS_Conn_count_too_large";
const CHAIN_TOO_DEEP: &str = "DNS_max_compression_chain_depth_exceeded";

/// SVCB parameter keys Zeek checks.
const SVC_ALPN: u16 = 1;
const SVC_PORT: u16 = 3;

/// EDNS option codes Zeek looks into.
const EDNS_ECS: u16 = 8;
const EDNS_TCP_KEEPALIVE: u16 = 11;

/// The fixed header.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Header {
    pub id: u16,
    pub qr: bool,
    pub opcode: u8,
    pub aa: bool,
    pub tc: bool,
    pub rd: bool,
    pub ra: bool,
    pub z: u8,
    pub rcode: u8,
    pub qdcount: u16,
    pub ancount: u16,
    pub nscount: u16,
    pub arcount: u16,
}

impl Header {
    /// `None` when `b` is shorter than a header.
    pub fn parse(b: &[u8]) -> Option<Header> {
        let h = b.get(..HEADER_LEN)?;
        let word = |i: usize| u16::from_be_bytes([h[i], h[i + 1]]);
        let flags = word(2);
        Some(Header {
            id: word(0),
            qr: flags & 0x8000 != 0,
            opcode: ((flags >> 11) & 0xf) as u8,
            aa: flags & 0x0400 != 0,
            tc: flags & 0x0200 != 0,
            rd: flags & 0x0100 != 0,
            ra: flags & 0x0080 != 0,
            z: ((flags >> 4) & 0x7) as u8,
            rcode: (flags & 0xf) as u8,
            qdcount: word(4),
            ancount: word(6),
            nscount: word(8),
            arcount: word(10),
        })
    }
}

/// A weird the parser raised (source "DNS").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Weird {
    pub name: &'static str,
    pub addl: Option<String>,
}

/// One question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// Lower-cased, as Zeek's `query`.
    pub name: Vec<u8>,
    /// As sent, except the parts reached by compression pointers (Zeek
    /// lower-cases those while resolving them).
    pub original: Vec<u8>,
    pub qtype: u16,
    pub qclass: u16,
}

/// The message section a resource record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Answer,
    Authority,
    Additional,
}

/// A resource record for which Zeek's scripts call `DNS::do_reply`, with
/// the reply text they build (empty for WKS, which adds nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub section: Section,
    pub name: Vec<u8>,
    pub rtype: u16,
    pub ttl: u32,
    pub text: Vec<u8>,
}

/// What one message amounts to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message {
    pub header: Header,
    pub questions: Vec<Question>,
    pub replies: Vec<Reply>,
    pub weirds: Vec<Weird>,
    /// The questions and answers parsed: Zeek confirms the protocol.
    pub well_formed: bool,
    /// Why Zeek reports a protocol violation for this message: more
    /// questions than `dns_max_queries`, or a compression pointer chain
    /// deeper than `dns_max_compression_chain_depth`.
    pub violation: Option<&'static str>,
}

/// What the parser needs to know about the connection and options.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The responder port is 137 (NetBIOS name service): long labels are
    /// fine and type 33 is NBSTAT, not SRV.
    pub netbios: bool,
    pub udp: bool,
    /// `dns_max_queries` (0: no limit).
    pub max_queries: usize,
    /// `dns_max_compression_chain_depth`: pointers followed per name.
    pub max_compression_depth: usize,
    /// Zeek's `dns_skip_all_auth` / `dns_skip_all_addl`.
    pub skip_all_auth: bool,
    pub skip_all_addl: bool,
}

/// Parses one message; `None` when it is shorter than a header (Zeek's
/// `DNS_truncated_len_lt_hdr_len`, the only case without a header).
pub fn parse_message(msg: &[u8], opts: &Options) -> Option<Message> {
    let header = Header::parse(msg)?;
    let mut p = Parser {
        msg,
        pos: HEADER_LEN,
        opts: *opts,
        out: Message {
            header,
            ..Message::default()
        },
        section: Section::Answer,
        skip_event: false,
    };
    p.parse_body();
    Some(p.out)
}

struct Parser<'a> {
    msg: &'a [u8],
    pos: usize,
    opts: Options,
    out: Message,
    section: Section,
    /// Zeek's `skip_event`: a section parsed only to get past it.
    skip_event: bool,
}

/// The outcome of one record's data: the reply text when Zeek's scripts
/// see the record, and whether parsing goes on.
struct RrOutcome {
    reply: Option<Vec<u8>>,
    ok: bool,
}

impl RrOutcome {
    fn silent(ok: bool) -> Self {
        RrOutcome { reply: None, ok }
    }
    fn reply(text: Vec<u8>) -> Self {
        RrOutcome {
            reply: Some(text),
            ok: true,
        }
    }
}

impl Parser<'_> {
    fn parse_body(&mut self) {
        let h = self.out.header;
        let max = self.opts.max_queries;
        if max > 0 && usize::from(h.qdcount) > max {
            self.out.violation = Some(TOO_MANY_QUERIES);
            self.weird(TOO_MANY_QUERIES, Some(format!("{} > {max}", h.qdcount)));
            return;
        }
        if !self.parse_questions(h.qdcount) || !self.parse_section(Section::Answer, h.ancount) {
            return;
        }
        self.out.well_formed = true;
        let (mut skip_auth, mut skip_addl) = (self.opts.skip_all_auth, self.opts.skip_all_addl);
        if h.ancount > 0 {
            skip_auth |= h.nscount == 0;
            skip_addl |= h.arcount == 0;
        }
        if skip_auth && skip_addl {
            return;
        }
        self.skip_event = skip_auth;
        if !self.parse_section(Section::Authority, h.nscount) || skip_addl {
            return;
        }
        self.skip_event = false;
        self.parse_section(Section::Additional, h.arcount);
    }

    /// An RFC 2136 update (opcode 5 is a registration in NetBIOS).
    fn is_dynamic_update(&self) -> bool {
        self.out.header.opcode == 5 && !self.opts.netbios
    }

    fn weird(&mut self, name: &'static str, addl: Option<String>) {
        self.out.weirds.push(Weird { name, addl });
    }

    // ------------------------------------------------------------ cursor

    fn remaining(&self) -> usize {
        self.msg.len() - self.pos
    }

    fn advance(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.msg.len());
    }

    fn byte(&mut self) -> u8 {
        let b = self.msg.get(self.pos).copied().unwrap_or(0);
        self.advance(1);
        b
    }

    /// Zeek's `ExtractShort`: 0 without moving when fewer than 2 bytes remain.
    fn short(&mut self) -> u16 {
        match self.msg.get(self.pos..self.pos + 2) {
            Some(b) => {
                self.pos += 2;
                u16::from_be_bytes([b[0], b[1]])
            }
            None => 0,
        }
    }

    /// Zeek's `ExtractLong`: 0 without moving when fewer than 4 bytes remain.
    fn long(&mut self) -> u32 {
        match self.msg.get(self.pos..self.pos + 4) {
            Some(b) => {
                self.pos += 4;
                u32::from_be_bytes([b[0], b[1], b[2], b[3]])
            }
            None => 0,
        }
    }

    /// Zeek's `ExtractStream`: up to `want` bytes (negative: none).
    fn stream(&mut self, want: isize) -> &[u8] {
        let n = (want.max(0) as usize).min(self.remaining());
        let start = self.pos;
        self.pos += n;
        &self.msg[start..start + n]
    }

    // ------------------------------------------------------------- names

    /// A name, lower-cased (Zeek's `ExtractName` with `downcase`).
    fn name(&mut self) -> Vec<u8> {
        let mut name = self.raw_name();
        name.make_ascii_lowercase();
        name
    }

    /// Zeek's `ExtractName`: labels joined by dots, compression pointers
    /// followed only backwards (so chains end), the trailing dot removed.
    /// Labels reached through pointers come lower-cased, the others as
    /// sent. Never fails: a bad label ends the name with a weird.
    fn raw_name(&mut self) -> Vec<u8> {
        let msg = self.msg;
        let mut name = Vec::new();
        // Where each pointer's target begins in `name`: Zeek resolves
        // pointers recursively and trims a trailing dot at every level.
        let mut levels: Vec<usize> = Vec::new();
        let (mut pos, mut end) = (self.pos, msg.len());
        let mut resume = None;
        loop {
            if pos >= end {
                break;
            }
            let label_at = pos;
            let len = msg[pos];
            pos += 1;
            if pos >= end || len == 0 {
                break;
            }
            if len & 0xc0 == 0xc0 {
                let offset = usize::from(len & 0x3f) << 8 | usize::from(msg[pos]);
                pos += 1;
                if offset >= label_at {
                    self.weird("DNS_label_forward_compress_offset", None);
                    break;
                }
                let depth = levels.len() + 1;
                if depth > self.opts.max_compression_depth {
                    self.out.violation.get_or_insert(CHAIN_TOO_DEEP);
                    self.weird(CHAIN_TOO_DEEP, Some(depth.to_string()));
                    break;
                }
                resume.get_or_insert(pos);
                levels.push(name.len());
                (pos, end) = (offset, label_at);
                continue;
            }
            let len = usize::from(len);
            if len > end - pos {
                self.weird("DNS_label_len_gt_pkt", None);
                pos = end;
                break;
            }
            if len > 63 && !self.opts.netbios {
                self.weird("DNS_label_too_long", None);
                break;
            }
            if len >= NAME_CAP - name.len() {
                self.weird("DNS_label_len_gt_name_len", None);
                break;
            }
            let label = &msg[pos..pos + len];
            if levels.is_empty() {
                name.extend_from_slice(label);
            } else {
                name.extend(label.iter().map(u8::to_ascii_lowercase));
            }
            name.push(b'.');
            pos += len;
        }
        self.pos = resume.unwrap_or(pos);
        for start in levels.into_iter().rev().chain([0]) {
            let n = name.len() - start;
            if n >= 255 {
                self.weird("DNS_NAME_too_long", None);
            }
            if n >= 2 && name.last() == Some(&b'.') {
                name.pop();
            }
        }
        name
    }

    // --------------------------------------------------------- questions

    fn parse_questions(&mut self, count: u16) -> bool {
        (0..count).all(|_| self.parse_question())
    }

    fn parse_question(&mut self) -> bool {
        let original = self.raw_name();
        if self.remaining() < 4 {
            self.weird("DNS_truncated_quest_too_short", None);
            return false;
        }
        let qtype = self.short();
        let qclass = self.short();
        if self.out.questions.len() < MAX_KEPT {
            self.out.questions.push(Question {
                name: original.to_ascii_lowercase(),
                original,
                qtype,
                qclass,
            });
        }
        true
    }

    // ---------------------------------------------------- resource records

    fn parse_section(&mut self, section: Section, count: u16) -> bool {
        self.section = section;
        (0..count).all(|_| self.parse_rr())
    }

    fn parse_rr(&mut self) -> bool {
        let name = self.name();
        if self.remaining() < 4 {
            self.weird("DNS_truncated_ans_too_short", None);
            return false;
        }
        let rtype = self.short();
        let _class = self.short();
        let ttl = self.long();
        let rdlength = usize::from(self.short());
        if rdlength > self.remaining() {
            self.weird("DNS_truncated_RR_rdlength_lt_len", None);
            return false;
        }
        if rdlength == 0 && self.is_dynamic_update() {
            // Prerequisites and deletions of dynamic updates carry no data.
            return true;
        }
        if rdlength == 0 && self.remaining() > 0 {
            self.weird("DNS_zero_rdlength", None);
            return false;
        }
        let outcome = self.rdata(rtype, rdlength, &name);
        if let Some(text) = outcome.reply {
            if !self.skip_event && self.out.replies.len() < MAX_KEPT {
                let section = self.section;
                self.out.replies.push(Reply {
                    section,
                    name,
                    rtype,
                    ttl,
                    text,
                });
            }
        }
        outcome.ok
    }

    fn rdata(&mut self, rtype: u16, rd: usize, owner: &[u8]) -> RrOutcome {
        match rtype {
            rr::A => self.rr_a(rd),
            rr::AAAA | rr::A6 => self.rr_aaaa(),
            rr::NS | rr::CNAME | rr::PTR => self.rr_name(rd),
            rr::SOA => self.rr_soa(rd),
            rr::WKS => self.rr_wks(rd),
            rr::MX => self.rr_mx(rd),
            rr::TXT => self.rr_txt(rd, b"TXT"),
            rr::SPF => self.rr_txt(rd, b"SPF"),
            rr::SRV if self.opts.netbios => RrOutcome::silent(true),
            rr::SRV => self.rr_srv(rd),
            rr::NAPTR => self.rr_naptr(rd),
            rr::EDNS => self.rr_edns(),
            rr::TKEY => self.rr_tkey(),
            rr::TSIG => self.rr_tsig(),
            rr::RRSIG => self.rr_rrsig(rd),
            rr::DNSKEY => self.rr_dnskey(rd),
            rr::NSEC => self.rr_nsec(rd, owner),
            rr::NSEC3 => self.rr_nsec3(rd),
            rr::NSEC3PARAM => self.rr_nsec3param(rd),
            rr::DS => self.rr_ds(rd),
            rr::BINDS => self.rr_binds(rd),
            rr::SSHFP => self.rr_sshfp(rd),
            rr::LOC => self.rr_loc(rd),
            rr::SVCB | rr::HTTPS => self.rr_svcb(rd),
            // Parsed by Zeek but without a handler in its scripts.
            rr::HINFO | rr::CAA | rr::NBS => self.skip(rd),
            _ => {
                self.weird("DNS_RR_unknown_type", Some(rtype.to_string()));
                self.advance(rd);
                RrOutcome::reply(format!("<unknown type={rtype}>").into_bytes())
            }
        }
    }

    /// Steps over the data of a record nobody looks at.
    fn skip(&mut self, rd: usize) -> RrOutcome {
        self.advance(rd);
        RrOutcome::silent(true)
    }

    /// Zeek's handling of types whose parse is skipped for the authority
    /// and additional sections it only reads to get past.
    fn skipped(&mut self, rd: usize) -> Option<RrOutcome> {
        self.skip_event.then(|| self.skip(rd))
    }

    fn check_length(&mut self, start: usize, rd: usize) {
        if self.pos - start != rd {
            self.weird("DNS_RR_length_mismatch", None);
        }
    }

    fn rr_a(&mut self, rd: usize) -> RrOutcome {
        if rd != 4 {
            self.weird("DNS_RR_bad_length", None);
            return RrOutcome::silent(false);
        }
        let a = Ipv4Addr::from(self.long());
        RrOutcome::reply(addr_text(IpAddr::V4(a)))
    }

    fn rr_aaaa(&mut self) -> RrOutcome {
        let mut octets = [0u8; 16];
        for chunk in octets.chunks_mut(4) {
            chunk.copy_from_slice(&self.long().to_be_bytes());
        }
        RrOutcome::reply(addr_text(IpAddr::V6(Ipv6Addr::from(octets))))
    }

    fn rr_name(&mut self, rd: usize) -> RrOutcome {
        let start = self.pos;
        let name = self.name();
        self.check_length(start, rd);
        RrOutcome::reply(name)
    }

    fn rr_soa(&mut self, rd: usize) -> RrOutcome {
        let start = self.pos;
        let mname = self.name();
        let _rname = self.name();
        if self.remaining() < 20 {
            return RrOutcome::silent(false);
        }
        self.advance(20);
        self.check_length(start, rd);
        RrOutcome::reply(mname)
    }

    /// Zeek raises the event without consuming the data: the next record
    /// is read from the start of this one's data.
    fn rr_wks(&mut self, rd: usize) -> RrOutcome {
        self.skipped(rd)
            .unwrap_or_else(|| RrOutcome::reply(Vec::new()))
    }

    fn rr_mx(&mut self, rd: usize) -> RrOutcome {
        let start = self.pos;
        let _preference = self.short();
        let name = self.name();
        self.check_length(start, rd);
        RrOutcome::reply(name)
    }

    fn rr_srv(&mut self, rd: usize) -> RrOutcome {
        let start = self.pos;
        let (_priority, _weight, _port) = (self.short(), self.short(), self.short());
        let name = self.name();
        self.check_length(start, rd);
        RrOutcome::reply(name)
    }

    /// Zeek's `extract_char_string`: one length-prefixed string within the
    /// `rd` bytes left of the record; `None` at its end or on overrun.
    fn char_string(&mut self, rd: &mut usize) -> Option<&[u8]> {
        if *rd == 0 {
            return None;
        }
        let size = usize::from(self.byte());
        *rd -= 1;
        if size > *rd {
            self.weird("DNS_TXT_char_str_past_rdlen", None);
            return None;
        }
        *rd -= size;
        let start = self.pos;
        self.advance(size);
        Some(&self.msg[start..self.pos])
    }

    /// TXT and SPF: `TXT <len> <text>` per string, space separated.
    fn rr_txt(&mut self, rd: usize, tag: &[u8]) -> RrOutcome {
        if let Some(o) = self.skipped(rd) {
            return o;
        }
        let mut left = rd;
        let mut text = Vec::new();
        while let Some(s) = self.char_string(&mut left) {
            let s = s.to_vec();
            if !text.is_empty() {
                text.push(b' ');
            }
            text.extend_from_slice(tag);
            text.extend_from_slice(format!(" {} ", s.len()).as_bytes());
            text.extend_from_slice(&s);
        }
        RrOutcome {
            reply: Some(text),
            ok: left == 0,
        }
    }

    /// `NAPTR <order> <preference> <flags> <service> <regexp and/or
    /// replacement>`.
    fn rr_naptr(&mut self, rd: usize) -> RrOutcome {
        if let Some(o) = self.skipped(rd) {
            return o;
        }
        let start = self.pos;
        let (order, preference) = (self.short(), self.short());
        let mut left = rd.saturating_sub(4);
        let mut strings: [Vec<u8>; 3] = Default::default();
        for s in strings.iter_mut() {
            *s = self
                .char_string(&mut left)
                .map(<[u8]>::to_vec)
                .unwrap_or_default();
        }
        let replacement = self.name();
        self.check_length(start, rd);
        let [flags, service, regexp] = strings;
        let mut tail = regexp;
        if !replacement.is_empty() {
            if !tail.is_empty() {
                tail.push(b' ');
            }
            tail.extend_from_slice(&replacement);
        }
        let mut text = format!("NAPTR {order} {preference} ").into_bytes();
        for part in [&flags, &service] {
            text.extend_from_slice(part);
            text.push(b' ');
        }
        text.extend_from_slice(&tail);
        RrOutcome::reply(text)
    }

    /// EDNS options run to the end of the message in Zeek's reading.
    fn rr_edns(&mut self) -> RrOutcome {
        while self.remaining() >= 4 {
            let code = self.short();
            let len = usize::from(self.short());
            if len > self.remaining() {
                break;
            }
            let start = self.pos;
            match code {
                EDNS_ECS => self.edns_ecs(len),
                EDNS_TCP_KEEPALIVE if (len == 0 || len == 2) && self.opts.udp => {
                    self.weird("EDNS_TCP_Keepalive_In_UDP", None)
                }
                _ => {}
            }
            self.pos = start + len;
        }
        if self.remaining() > 0 {
            self.weird("EDNS_truncated_option", None);
            return RrOutcome::silent(false);
        }
        RrOutcome::silent(true)
    }

    /// The client subnet option: only its weirds matter here.
    fn edns_ecs(&mut self, len: usize) {
        if len <= 4 {
            self.weird("EDNS_ECS_invalid_option_len", None);
            return;
        }
        let family = self.short();
        let prefix = usize::from(self.short() >> 8);
        let have = (len - 4) * 8;
        let (max, prefix_weird, addr_weird) = match family {
            1 => (
                32,
                "EDNS_ECS_invalid_addr_v4_prefix",
                "EDNS_ECS_invalid_addr_v4",
            ),
            2 => (
                128,
                "EDNS_ECS_invalid_addr_v6_prefix",
                "EDNS_ECS_invalid_addr_v6",
            ),
            _ => return,
        };
        if prefix > max {
            self.weird(prefix_weird, Some(format!("{prefix} bits")));
        } else if prefix > have {
            let addl = format!("need {prefix} bits, have {have} bits");
            self.weird(addr_weird, Some(addl));
        }
    }

    /// Read for its layout only: no script logs TKEY records.
    fn rr_tkey(&mut self) -> RrOutcome {
        let _algorithm = self.name();
        let _validity = (self.long(), self.long());
        let _mode_error = (self.short(), self.short());
        self.octets();
        self.octets();
        RrOutcome::silent(true)
    }

    fn rr_tsig(&mut self) -> RrOutcome {
        let _algorithm = self.name();
        let _time = (self.long(), self.short());
        let _fudge = self.short();
        self.octets();
        let _orig_id = self.short();
        let _error = self.short();
        self.octets();
        RrOutcome::silent(true)
    }

    /// Zeek's `ExtractOctets`: a 16-bit length and at most that many bytes.
    fn octets(&mut self) {
        let n = usize::from(self.short());
        self.advance(n);
    }

    /// `RRSIG <type covered> <signer>` (`<Root>` for the root).
    fn rr_rrsig(&mut self, rd: usize) -> RrOutcome {
        if let Some(o) = self.skipped(rd) {
            return o;
        }
        if self.remaining() < 18 {
            return RrOutcome::silent(false);
        }
        let covered = self.short();
        let algorithm = (self.short() >> 8) as u8;
        self.advance(14);
        let start = self.pos;
        let signer = self.name();
        let sig_len = rd as isize - ((self.pos - start) as isize + 18);
        self.stream(sig_len);
        self.algorithm_weird("RRSIG", algorithm);
        let signer = if signer.is_empty() {
            b"<Root>".to_vec()
        } else {
            signer
        };
        let mut text = format!("RRSIG {covered} ").into_bytes();
        text.extend_from_slice(&signer);
        RrOutcome::reply(text)
    }

    /// Zeek's weirds about DNSSEC zone signing algorithms (`kind` is RRSIG
    /// or DNSKEY).
    fn algorithm_weird(&mut self, kind: &str, algorithm: u8) {
        let name = match (kind, algorithm) {
            (_, 2..=8 | 10 | 12..=16) => return,
            ("RRSIG", 1) => "DNSSEC_RRSIG_NotRecommended_ZoneSignAlgo",
            ("RRSIG", 252) => "DNSSEC_RRSIG_Indirect_ZoneSignAlgo",
            ("RRSIG", 253) => "DNSSEC_RRSIG_PrivateDNS_ZoneSignAlgo",
            ("RRSIG", 254) => "DNSSEC_RRSIG_PrivateOID_ZoneSignAlgo",
            ("RRSIG", _) => "DNSSEC_RRSIG_unknown_ZoneSignAlgo",
            (_, 1) => "DNSSEC_DNSKEY_NotRecommended_ZoneSignAlgo",
            (_, 252) => "DNSSEC_DNSKEY_Indirect_ZoneSignAlgo",
            (_, 253) => "DNSSEC_DNSKEY_PrivateDNS_ZoneSignAlgo",
            (_, 254) => "DNSSEC_DNSKEY_PrivateOID_ZoneSignAlgo",
            _ => "DNSSEC_DNSKEY_unknown_ZoneSignAlgo",
        };
        self.weird(name, Some(algorithm.to_string()));
    }

    /// `DNSKEY <algorithm>`.
    fn rr_dnskey(&mut self, rd: usize) -> RrOutcome {
        if let Some(o) = self.skipped(rd) {
            return o;
        }
        if self.remaining() < 4 {
            return RrOutcome::silent(false);
        }
        let flags = self.short();
        let [protocol, algorithm] = self.short().to_be_bytes();
        self.stream(rd as isize - 4);
        if flags & 0xfe7e != 0 {
            self.weird("DNSSEC_DNSKEY_Invalid_Flag", Some(flags.to_string()));
        }
        if flags & 0x0181 == 0x0181 {
            self.weird("DNSSEC_DNSKEY_Revoked_KSK", Some(flags.to_string()));
        }
        if protocol != 3 {
            self.weird("DNSSEC_DNSKEY_Invalid_Protocol", Some(protocol.to_string()));
        }
        self.algorithm_weird("DNSKEY", algorithm);
        RrOutcome::reply(format!("DNSKEY {algorithm}").into_bytes())
    }

    /// NSEC and NSEC3 type bitmaps: (window, length, bits) blocks.
    fn type_bitmaps(&mut self, mut left: isize, weird: &'static str) {
        while left > 0 && self.remaining() > 0 {
            let [window, len] = self.short().to_be_bytes();
            if len == 0 {
                self.weird(weird, Some(window.to_string()));
                break;
            }
            self.stream(isize::from(len));
            left -= 2 + isize::from(len);
        }
    }

    /// `NSEC <owner> <next name>`.
    fn rr_nsec(&mut self, rd: usize, owner: &[u8]) -> RrOutcome {
        if let Some(o) = self.skipped(rd) {
            return o;
        }
        let start = self.pos;
        let next = self.name();
        let left = rd as isize - (self.pos - start) as isize;
        self.type_bitmaps(left, "DNSSEC_NSEC_bitmapLen0");
        let mut text = b"NSEC ".to_vec();
        text.extend_from_slice(owner);
        text.push(b' ');
        text.extend_from_slice(&next);
        RrOutcome::reply(text)
    }

    /// Hash algorithm, flags, iterations and a length-prefixed salt.
    fn nsec3_params(&mut self) {
        let _algorithm_flags = self.short();
        let _iterations = self.short();
        let salt_len = if self.remaining() > 0 { self.byte() } else { 0 };
        self.stream(isize::from(salt_len));
    }

    fn rr_nsec3(&mut self, rd: usize) -> RrOutcome {
        if let Some(o) = self.skipped(rd) {
            return o;
        }
        if self.remaining() < 6 {
            return RrOutcome::silent(false);
        }
        let start = self.pos;
        self.nsec3_params();
        let hash_len = if self.remaining() > 0 { self.byte() } else { 0 };
        self.stream(isize::from(hash_len));
        let left = rd as isize - (self.pos - start) as isize;
        self.type_bitmaps(left, "DNSSEC_NSEC3_bitmapLen0");
        RrOutcome::reply(b"NSEC3".to_vec())
    }

    fn rr_nsec3param(&mut self, rd: usize) -> RrOutcome {
        if let Some(o) = self.skipped(rd) {
            return o;
        }
        if self.remaining() < 5 {
            return RrOutcome::silent(false);
        }
        self.nsec3_params();
        RrOutcome::reply(b"NSEC3PARAM".to_vec())
    }

    /// `DS <algorithm> <digest type>`.
    fn rr_ds(&mut self, rd: usize) -> RrOutcome {
        if let Some(o) = self.skipped(rd) {
            return o;
        }
        if self.remaining() < 4 {
            return RrOutcome::silent(false);
        }
        let _key_tag = self.short();
        let [algorithm, digest_type] = self.short().to_be_bytes();
        self.stream(rd as isize - 4);
        match digest_type {
            1..=4 => {}
            0 => self.weird(
                "DNSSEC_DS_ReservedDigestType",
                Some(digest_type.to_string()),
            ),
            _ => self.weird(
                "DNSSEC_DS_unknown_DigestType",
                Some(digest_type.to_string()),
            ),
        }
        RrOutcome::reply(format!("DS {algorithm} {digest_type}").into_bytes())
    }

    fn rr_binds(&mut self, rd: usize) -> RrOutcome {
        if let Some(o) = self.skipped(rd) {
            return o;
        }
        if self.remaining() < 5 {
            return RrOutcome::silent(false);
        }
        let _algorithm_key_flag = self.long();
        self.stream(rd as isize - 4);
        RrOutcome::reply(b"BIND9 signing signal".to_vec())
    }

    /// `SSHFP: <fingerprint in hex>`.
    fn rr_sshfp(&mut self, rd: usize) -> RrOutcome {
        if let Some(o) = self.skipped(rd) {
            return o;
        }
        if self.remaining() < 2 {
            return RrOutcome::silent(false);
        }
        let _algorithm_type = self.short();
        let mut text = b"SSHFP: ".to_vec();
        for b in self.stream(rd as isize - 2).to_vec() {
            text.extend_from_slice(format!("{b:02x}").as_bytes());
        }
        RrOutcome::reply(text)
    }

    /// `LOC:  <size> <horizontal precision> <vertical precision>`.
    fn rr_loc(&mut self, rd: usize) -> RrOutcome {
        if let Some(o) = self.skipped(rd) {
            return o;
        }
        if self.remaining() < 15 {
            return RrOutcome::silent(false);
        }
        let [version, size] = self.short().to_be_bytes();
        let [horizontal, vertical] = self.short().to_be_bytes();
        let _position = (self.long(), self.long(), self.long());
        if version != 0 {
            self.weird("DNS_LOC_version_unrecognized", Some(version.to_string()));
        }
        RrOutcome::reply(format!("LOC:  {size} {horizontal} {vertical}").into_bytes())
    }

    /// SVCB and HTTPS: checked and stepped over (no script logs them).
    fn rr_svcb(&mut self, rd: usize) -> RrOutcome {
        if self.remaining() < 3 {
            self.weird("DNS_SVBC_wrong_length", None);
            return RrOutcome::silent(false);
        }
        let start = self.pos;
        let _priority = self.short();
        let _target = self.name();
        let parsed = self.pos - start;
        if parsed < rd {
            let params = &self.msg[self.pos..self.pos + (rd - parsed)];
            self.svc_params(params);
            self.advance(rd - parsed);
        }
        RrOutcome::silent(true)
    }

    /// Service parameters (key, length, value): the weirds Zeek raises
    /// about malformed `alpn` and `port` values.
    fn svc_params(&mut self, mut params: &[u8]) {
        while let [k0, k1, l0, l1, rest @ ..] = params {
            let key = u16::from_be_bytes([*k0, *k1]);
            let len = usize::from(u16::from_be_bytes([*l0, *l1])).min(rest.len());
            let (value, tail) = rest.split_at(len);
            match key {
                SVC_ALPN if !alpn_ids_fit(value) => {
                    self.weird("DNS_SVCB_alpn_length_invalid", None)
                }
                SVC_PORT if value.len() != 2 => self.weird("DNS_SVCB_port_length_invalid", None),
                _ => {}
            }
            params = tail;
        }
    }
}

/// Whether an `alpn` value is a clean run of length-prefixed ids.
fn alpn_ids_fit(mut value: &[u8]) -> bool {
    while let [len, rest @ ..] = value {
        let Some(tail) = rest.get(usize::from(*len)..) else {
            return false;
        };
        value = tail;
    }
    true
}

fn addr_text(a: IpAddr) -> Vec<u8> {
    let mut out = Vec::with_capacity(16);
    write_addr(&a, &mut out);
    out
}
