//! DNS analyzer tests on messages built byte by byte.

use super::*;
use crate::{Analyzer, AnalyzerConfig, ConnInfo, FuidGen};
use records::{Interval, Time};
use std::net::{IpAddr, Ipv4Addr};

const QR: u16 = 0x8000;
const AA: u16 = 0x0400;
const TC: u16 = 0x0200;
const RD: u16 = 0x0100;
const RA: u16 = 0x0080;

// ------------------------------------------------------------ message builder

/// A name in wire form: labels and the root.
fn name(dotted: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for label in dotted.split('.').filter(|l| !l.is_empty()) {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out
}

/// A character string: length byte and bytes.
fn cstr(s: &[u8]) -> Vec<u8> {
    let mut out = vec![s.len() as u8];
    out.extend_from_slice(s);
    out
}

fn question(owner: &[u8], qtype: u16) -> Vec<u8> {
    let mut out = owner.to_vec();
    out.extend_from_slice(&qtype.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes());
    out
}

fn rr(owner: &[u8], rtype: u16, ttl: u32, rdata: &[u8]) -> Vec<u8> {
    let mut out = owner.to_vec();
    out.extend_from_slice(&rtype.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes());
    out.extend_from_slice(&ttl.to_be_bytes());
    out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
    out.extend_from_slice(rdata);
    out
}

/// Pointer to the question name, which always starts at offset 12.
const QNAME_PTR: [u8; 2] = [0xc0, 12];

#[derive(Default, Clone)]
struct Msg {
    id: u16,
    flags: u16,
    qd: Vec<Vec<u8>>,
    an: Vec<Vec<u8>>,
    ns: Vec<Vec<u8>>,
    ar: Vec<Vec<u8>>,
}

impl Msg {
    fn query(id: u16, qname: &str, qtype: u16) -> Msg {
        Msg {
            id,
            flags: RD,
            qd: vec![question(&name(qname), qtype)],
            ..Msg::default()
        }
    }

    /// The reply to `query(id, qname, qtype)`.
    fn reply(id: u16, qname: &str, qtype: u16) -> Msg {
        Msg {
            flags: QR | RD | RA,
            ..Msg::query(id, qname, qtype)
        }
    }

    fn flags(mut self, flags: u16) -> Msg {
        self.flags = flags;
        self
    }

    fn answer(mut self, rr: Vec<u8>) -> Msg {
        self.an.push(rr);
        self
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&self.id.to_be_bytes());
        out.extend_from_slice(&self.flags.to_be_bytes());
        for section in [&self.qd, &self.an, &self.ns, &self.ar] {
            out.extend_from_slice(&(section.len() as u16).to_be_bytes());
        }
        for part in self
            .qd
            .iter()
            .chain(&self.an)
            .chain(&self.ns)
            .chain(&self.ar)
        {
            out.extend_from_slice(part);
        }
        out
    }
}

// ---------------------------------------------------------------- harness

struct Run {
    orig: (IpAddr, u16),
    resp: (IpAddr, u16),
    proto: u8,
    config: AnalyzerConfig,
    analyzer: DnsAnalyzer,
    out: Vec<AppRecord>,
    confirmed: bool,
    violation: Option<String>,
}

impl Run {
    fn new(proto: u8, resp: (IpAddr, u16)) -> Run {
        Run {
            orig: (IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), 40000),
            resp,
            proto,
            config: AnalyzerConfig::default(),
            analyzer: DnsAnalyzer::new(proto),
            out: Vec::new(),
            confirmed: false,
            violation: None,
        }
    }

    fn udp() -> Run {
        Run::new(17, (IpAddr::V4(Ipv4Addr::new(10, 0, 0, 53)), 53))
    }

    fn tcp() -> Run {
        Run::new(6, (IpAddr::V4(Ipv4Addr::new(10, 0, 0, 53)), 53))
    }

    fn with(&mut self, t: f64, f: impl FnOnce(&mut DnsAnalyzer, &mut Context<'_>)) {
        let conn = ConnInfo {
            uid: "CDnsTest",
            orig_h: self.orig.0,
            orig_p: self.orig.1,
            resp_h: self.resp.0,
            resp_p: self.resp.1,
            proto: self.proto,
            local_orig: None,
            local_resp: None,
            start: records::Time(0),
        };
        let mut fuids = FuidGen::new(Some(1));
        let mut cx = Context::new(
            &conn,
            Time::from_secs_f64(t),
            &self.config,
            &mut fuids,
            &mut self.out,
        );
        f(&mut self.analyzer, &mut cx);
        self.confirmed |= cx.confirmed;
        if let Some((reason, _)) = cx.violation.take() {
            self.violation = Some(reason);
        }
    }

    fn send(&mut self, t: f64, is_orig: bool, data: &[u8]) {
        self.with(t, |a, cx| a.deliver(cx, is_orig, data));
    }

    fn finish(&mut self) {
        self.with(100.0, |a, cx| a.finish(cx));
    }

    fn rows(&self) -> Vec<&DnsRecord> {
        self.out
            .iter()
            .filter_map(|r| match r {
                AppRecord::Dns(d) => Some(&**d),
                _ => None,
            })
            .collect()
    }

    fn weirds(&self) -> Vec<&'static str> {
        self.out
            .iter()
            .filter_map(|r| match r {
                AppRecord::Weird(w) => Some(w.name),
                _ => None,
            })
            .collect()
    }
}

/// The TCP framing of one message.
fn framed(msg: &[u8]) -> Vec<u8> {
    let mut out = (msg.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(msg);
    out
}

fn text(z: &Option<records::ZString>) -> String {
    String::from_utf8_lossy(&z.as_ref().expect("set").0).into_owned()
}

fn answers(r: &DnsRecord) -> Vec<String> {
    r.answers
        .iter()
        .flatten()
        .map(|z| String::from_utf8_lossy(&z.0).into_owned())
        .collect()
}

fn set(s: &Option<records::Set<records::ZString>>) -> Vec<String> {
    let mut v: Vec<String> = s
        .iter()
        .flat_map(|s| s.0.iter())
        .map(|z| String::from_utf8_lossy(&z.0).into_owned())
        .collect();
    v.sort();
    v
}

fn secs(s: f64) -> Interval {
    Interval::from_secs_f64(s)
}

// ------------------------------------------------------------------ tests

#[test]
fn query_and_reply_make_one_row() {
    let mut run = Run::udp();
    run.send(1.0, true, &Msg::query(0x1234, "www.Example.com", 1).bytes());
    assert!(run.rows().is_empty());
    let reply = Msg::reply(0x1234, "www.example.com", 1)
        .flags(QR | AA | RD | RA)
        .answer(rr(&QNAME_PTR, 5, 60, &name("web.example.com")))
        .answer(rr(&name("web.example.com"), 1, 300, &[192, 0, 2, 7]));
    run.send(1.25, false, &reply.bytes());
    let rows = run.rows();
    assert_eq!(rows.len(), 1);
    let r = rows[0];
    assert_eq!(r.ts, Time::from_secs_f64(1.0));
    assert_eq!(r.uid, "CDnsTest");
    assert_eq!(r.proto.0, "udp");
    assert_eq!(r.trans_id, Some(0x1234));
    assert_eq!(r.rtt, Some(secs(0.25)));
    assert_eq!(text(&r.query), "www.example.com");
    assert_eq!(
        (r.qclass, r.qclass_name.as_deref()),
        (Some(1), Some("C_INTERNET"))
    );
    assert_eq!((r.qtype, r.qtype_name.as_deref()), (Some(1), Some("A")));
    assert_eq!(
        (r.rcode, r.rcode_name.as_deref()),
        (Some(0), Some("NOERROR"))
    );
    assert_eq!((r.aa, r.tc, r.rd, r.ra, r.z), (true, false, true, true, 0));
    assert_eq!(answers(r), ["web.example.com", "192.0.2.7"]);
    assert_eq!(r.ttls, Some(vec![secs(60.0), secs(300.0)]));
    assert!(!r.rejected);
    assert_eq!(
        (r.opcode, r.opcode_name.as_deref()),
        (Some(0), Some("query"))
    );
    assert!(run.confirmed);
    assert!(run.weirds().is_empty());
}

#[test]
fn unanswered_queries_are_logged_at_finish() {
    let mut run = Run::udp();
    run.send(1.0, true, &Msg::query(1, "a.example", 28).bytes());
    run.send(2.0, true, &Msg::query(2, "b.example", 1).bytes());
    run.send(3.0, true, &Msg::query(2, "c.example", 1).bytes());
    assert!(run.rows().is_empty());
    run.finish();
    let rows = run.rows();
    let mut queries: Vec<String> = rows.iter().map(|r| text(&r.query)).collect();
    queries.sort();
    assert_eq!(queries, ["a.example", "b.example", "c.example"]);
    assert!(rows
        .iter()
        .all(|r| r.rcode.is_none() && r.rtt.is_none() && r.answers.is_none()));
    assert!(rows
        .iter()
        .all(|r| r.rd && r.qclass_name.as_deref() == Some("C_INTERNET")));
}

#[test]
fn replies_pair_with_queries_by_id_in_order() {
    let mut run = Run::udp();
    run.send(1.0, true, &Msg::query(7, "one.example", 1).bytes());
    run.send(2.0, true, &Msg::query(8, "two.example", 1).bytes());
    run.send(3.0, true, &Msg::query(8, "three.example", 1).bytes());
    run.send(4.0, false, &Msg::reply(8, "two.example", 1).bytes());
    run.send(5.0, false, &Msg::reply(8, "three.example", 1).bytes());
    let rows = run.rows();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (text(&rows[0].query), rows[0].ts),
        ("two.example".into(), Time::from_secs_f64(2.0))
    );
    assert_eq!(
        (text(&rows[1].query), rows[1].ts),
        ("three.example".into(), Time::from_secs_f64(3.0))
    );
    // Replies without answers set no rtt.
    assert_eq!(rows[0].rtt, None);
    run.finish();
    assert_eq!(run.rows().len(), 3);
    assert_eq!(text(&run.rows()[2].query), "one.example");
}

#[test]
fn reply_alone_takes_its_query_from_the_answer() {
    let mut run = Run::udp();
    let reply = Msg::reply(9, "x.example", 1).answer(rr(&QNAME_PTR, 1, 5, &[10, 1, 2, 3]));
    let mut reply = reply;
    reply.qd.clear();
    reply.an = vec![rr(&name("x.example"), 1, 5, &[10, 1, 2, 3])];
    run.send(1.0, false, &reply.bytes());
    assert!(run.rows().is_empty());
    run.finish();
    let r = run.rows()[0];
    assert_eq!(text(&r.query), "x.example");
    assert_eq!((r.qclass, r.qtype, r.rtt), (None, None, None));
    assert_eq!(answers(r), ["10.1.2.3"]);
    assert!(!r.rd && r.ra);
}

#[test]
fn reply_then_query_pair_up() {
    let mut run = Run::udp();
    run.send(1.0, true, &Msg::query(5, "warm.example", 1).bytes());
    run.send(1.5, false, &Msg::reply(6, "late.example", 1).bytes());
    run.send(2.0, true, &Msg::query(6, "late.example", 1).bytes());
    let rows = run.rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(text(&rows[0].query), "late.example");
    assert_eq!(rows[0].ts, Time::from_secs_f64(1.5));
    assert_eq!(rows[0].rcode_name.as_deref(), Some("NOERROR"));
}

#[test]
fn answer_renderings() {
    let owner = QNAME_PTR.to_vec();
    let mut soa = name("ns1.example");
    soa.extend(name("hostmaster.example"));
    soa.extend([0u8; 20]);
    let mut mx = 10u16.to_be_bytes().to_vec();
    mx.extend(name("mail.example"));
    let mut srv = vec![0, 1, 0, 2, 0x13, 0xc4];
    srv.extend(name("sip.example"));
    let mut txt = cstr(b"v=spf1");
    txt.extend(cstr(b"-all"));
    let mut naptr = vec![0, 100, 0, 10];
    naptr.extend(cstr(b"s"));
    naptr.extend(cstr(b"SIPS+D2T"));
    naptr.extend(cstr(b""));
    naptr.extend(name("_sips._tcp.example"));
    let mut rrsig = vec![0, 1, 8, 2, 0, 0, 0, 60, 0, 0, 0, 1, 0, 0, 0, 2, 0, 9];
    rrsig.push(0); // the root signs
    rrsig.extend([0xaa; 8]);
    let mut nsec = name("next.example");
    nsec.extend([0, 1, 0x40]);
    let nsec3 = [1, 0, 0, 1, 1, 0xab, 2, 0xcd, 0xef, 0, 1, 0x40];
    let loc = [0, 0x12, 0x16, 0x13, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3];
    let reply = Msg::reply(1, "example", 255)
        .answer(rr(
            &owner,
            28,
            1,
            &[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
        ))
        .answer(rr(&owner, 2, 2, &name("NS1.Example")))
        .answer(rr(&owner, 12, 3, &name("ptr.example")))
        .answer(rr(&owner, 15, 4, &mx))
        .answer(rr(&owner, 33, 5, &srv))
        .answer(rr(&owner, 6, 6, &soa))
        .answer(rr(&owner, 16, 7, &txt))
        .answer(rr(&owner, 99, 8, &cstr(b"spf")))
        .answer(rr(&owner, 35, 9, &naptr))
        .answer(rr(&owner, 48, 10, &[1, 1, 3, 8, 0xde, 0xad]))
        .answer(rr(&owner, 43, 11, &[0, 1, 8, 2, 0xbe, 0xef]))
        .answer(rr(&owner, 46, 12, &rrsig))
        .answer(rr(&owner, 47, 13, &nsec))
        .answer(rr(&owner, 50, 14, &nsec3))
        .answer(rr(&owner, 51, 15, &[1, 0, 0, 1, 0]))
        .answer(rr(&owner, 44, 16, &[1, 1, 0xa6, 0xb9, 0x5f]))
        .answer(rr(&owner, 29, 17, &loc))
        .answer(rr(&owner, 65535, 18, &[1, 2, 3]))
        .answer(rr(
            &owner,
            257,
            19,
            &[0, 5, b'i', b's', b's', b'u', b'e', b'x'],
        ))
        .answer(rr(&owner, 65534, 20, &[8, 0, 1, 0, 1]));
    let mut run = Run::udp();
    run.send(1.0, true, &Msg::query(1, "example", 255).bytes());
    run.send(2.0, false, &reply.bytes());
    let r = run.rows()[0];
    assert_eq!(
        answers(r),
        [
            "2001:db8::1",
            "ns1.example",
            "ptr.example",
            "mail.example",
            "sip.example",
            "ns1.example",
            "TXT 6 v=spf1 TXT 4 -all",
            "SPF 3 spf",
            "NAPTR 100 10 s SIPS+D2T _sips._tcp.example",
            "DNSKEY 8",
            "DS 8 2",
            "RRSIG 1 <Root>",
            "NSEC example next.example",
            "NSEC3",
            "NSEC3PARAM",
            "SSHFP: a6b95f",
            "LOC:  18 22 19",
            "<unknown type=65535>",
            "BIND9 signing signal",
        ]
    );
    // CAA (no script handles it) adds neither an answer nor a TTL.
    let ttls: Vec<i64> = r
        .ttls
        .iter()
        .flatten()
        .map(|t| t.0 / 1_000_000_000)
        .collect();
    assert_eq!(
        ttls,
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20]
    );
    assert_eq!(text(&r.query), "example");
    assert_eq!(r.qtype_name.as_deref(), Some("*"));
    assert_eq!(run.weirds(), ["DNS_RR_unknown_type"]);
}

#[test]
fn wks_sets_rtt_without_an_answer() {
    let mut run = Run::udp();
    run.send(1.0, true, &Msg::query(3, "w.example", 11).bytes());
    // The WKS data is left unread: the next record starts inside it, so
    // it is the last record here.
    let reply = Msg::reply(3, "w.example", 11).answer(rr(&QNAME_PTR, 11, 60, &[10, 0, 0, 1, 6, 0]));
    run.send(1.5, false, &reply.bytes());
    let r = run.rows()[0];
    assert_eq!(r.rtt, Some(secs(0.5)));
    assert_eq!((r.answers.as_ref(), r.ttls.as_ref()), (None, None));
    assert!(r.ra);
}

#[test]
fn tcp_messages_split_across_chunks() {
    let mut run = Run::tcp();
    let mut stream = framed(&Msg::query(1, "one.example", 1).bytes());
    stream.extend(framed(&Msg::query(2, "two.example", 16).bytes()));
    for (i, b) in stream.iter().enumerate() {
        run.send(1.0 + i as f64 / 1000.0, true, &[*b]);
    }
    let r1 = Msg::reply(1, "one.example", 1).answer(rr(&QNAME_PTR, 1, 9, &[1, 1, 1, 1]));
    let r2 = Msg::reply(2, "two.example", 16).answer(rr(&QNAME_PTR, 16, 9, &cstr(b"hi")));
    let mut back = framed(&r1.bytes());
    back.extend(framed(&r2.bytes()));
    let (a, b) = back.split_at(5);
    let (b, c) = b.split_at(b.len() - 3);
    for chunk in [a, b, c] {
        run.send(2.0, false, chunk);
    }
    let rows = run.rows();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].proto.0, "tcp");
    assert_eq!(answers(rows[0]), ["1.1.1.1"]);
    assert_eq!(answers(rows[1]), ["TXT 2 hi"]);
    assert_eq!(text(&rows[1].query), "two.example");
}

#[test]
fn tcp_cut_off_message_is_parsed_at_end_of_stream() {
    let mut run = Run::tcp();
    let q = Msg::query(4, "cut.example", 1).bytes();
    let mut stream = (q.len() as u16 + 10).to_be_bytes().to_vec();
    stream.extend(&q);
    run.send(1.0, true, &stream);
    assert!(run.rows().is_empty() && !run.confirmed);
    run.with(2.0, |a, cx| a.end_of_stream(cx, true));
    assert!(run.confirmed);
    run.finish();
    assert_eq!(text(&run.rows()[0].query), "cut.example");
}

#[test]
fn compression_pointers_resolve_backwards_and_stop_on_loops() {
    // www + pointer to "example.com" inside the question.
    let mut q = Msg::query(1, "mail.example.com", 1);
    q.qd.push(question(&[3, b'w', b'w', b'w', 0xc0, 17], 1));
    let mut run = Run::udp();
    run.send(1.0, true, &q.bytes());
    run.finish();
    assert_eq!(text(&run.rows()[0].query), "www.example.com");
    assert!(run.weirds().is_empty());

    // A pointer to itself and one forwards end the name with a weird.
    for ptr in [[0xc0, 12], [0xc0, 40]] {
        let mut q = Msg::query(2, "x", 1);
        q.qd = vec![question(&ptr, 1)];
        let mut run = Run::udp();
        run.send(1.0, true, &q.bytes());
        run.finish();
        assert_eq!(run.weirds(), ["DNS_label_forward_compress_offset"]);
        assert_eq!(text(&run.rows()[0].query), "");
    }
}

#[test]
fn compression_chains_are_bounded() {
    // Every pointer points at the previous one: a long but finite chain
    // (past the depth limit, which is lifted here).
    let mut msg = Msg::query(1, "end", 1).bytes();
    msg.truncate(12);
    msg[4..6].copy_from_slice(&1u16.to_be_bytes());
    msg.extend(name("end"));
    let mut prev = 12u16;
    for _ in 0..2000 {
        let here = msg.len() as u16;
        msg.extend((0xc000 | prev).to_be_bytes());
        prev = here;
    }
    let last = msg.len() - 2;
    msg.truncate(last);
    msg.extend((0xc000 | prev).to_be_bytes());
    msg.extend([0, 1, 0, 1]);
    let unlimited = ParseOptions {
        max_compression_depth: usize::MAX,
        ..opts()
    };
    let m = parse_message(&msg, &unlimited).unwrap();
    assert_eq!(m.questions[0].name, b"end");
    assert_eq!(m.violation, None);
}

#[test]
fn compression_chains_deeper_than_the_limit_are_a_violation() {
    // Each answer's owner points at the previous answer's owner.
    let mut reply = Msg::reply(0x1234, "a", 1);
    reply.an.push(rr(&name("a"), 1, 300, &[127, 0, 0, 1]));
    let mut prev = 12 + 7;
    for i in 2..=7u8 {
        let at = 12 + 7 + reply.an.iter().map(Vec::len).sum::<usize>();
        reply
            .an
            .push(rr(&[0xc0, prev as u8], 1, 300, &[127, 0, 0, i]));
        prev = at;
    }
    let mut run = Run::udp();
    run.config.dns.max_compression_chain_depth = 5;
    run.send(1.0, false, &reply.bytes());
    assert_eq!(run.weirds(), ["DNS_max_compression_chain_depth_exceeded"]);
    assert_eq!(
        run.violation.as_deref(),
        Some("DNS_max_compression_chain_depth_exceeded")
    );
    // The name just ends there; the message still parses.
    assert!(run.confirmed);
    let r = run.rows()[0];
    assert_eq!(answers(r).len(), 7);
    assert_eq!(text(&r.query), "a");
}

fn opts() -> ParseOptions {
    ParseOptions {
        netbios: false,
        udp: true,
        max_queries: 25,
        max_compression_depth: 100,
        skip_all_auth: true,
        skip_all_addl: true,
    }
}

#[test]
fn names_keep_raw_bytes_lowercased() {
    let mut q = Msg::query(1, "x", 1);
    q.qd = vec![question(&[3, b'A', b'.', 0x01, 2, b'C', b'd', 0], 1)];
    let m = parse_message(&q.bytes(), &opts()).unwrap();
    assert_eq!(m.questions[0].name, b"a.\x01.cd");
    assert_eq!(m.questions[0].original, b"A.\x01.Cd");
}

#[test]
fn original_query_case_is_kept_except_behind_pointers() {
    let mut q = Msg::query(1, "Mail.Example.COM", 1);
    q.qd.push(question(&[3, b'W', b'w', b'W', 0xc0, 17], 1));
    let mut run = Run::udp();
    run.send(1.0, true, &q.bytes());
    run.finish();
    let r = run.rows()[0];
    assert_eq!(text(&r.query), "www.example.com");
    assert_eq!(text(&r.original_query), "WwW.example.com");
}

#[test]
fn tkey_records_are_read_but_not_logged() {
    let mut tkey = name("gss-tsig");
    tkey.extend([0, 0, 0, 1, 0, 0, 0, 2, 0, 3, 0, 0, 0, 2, 0xab, 0xcd, 0, 0]);
    let reply = Msg::reply(6, "k.example", 249)
        .answer(rr(&QNAME_PTR, 249, 0, &tkey))
        .answer(rr(&QNAME_PTR, 1, 7, &[1, 2, 3, 4]));
    let mut run = Run::tcp();
    run.send(1.0, true, &framed(&Msg::query(6, "k.example", 249).bytes()));
    run.send(1.5, false, &framed(&reply.bytes()));
    let r = run.rows()[0];
    assert_eq!(answers(r), ["1.2.3.4"]);
    assert_eq!(r.qtype_name.as_deref(), Some("TKEY"));
    assert!(run.weirds().is_empty());
}

#[test]
fn bad_labels_end_the_name_with_weirds() {
    let mut long = vec![64u8];
    long.extend([b'a'; 64]);
    long.push(0);
    let m = parse_message(
        &Msg {
            qd: vec![question(&long, 1)],
            ..Msg::default()
        }
        .bytes(),
        &opts(),
    )
    .unwrap();
    assert_eq!(m.weirds[0].name, "DNS_label_too_long");
    assert!(m.questions[0].name.is_empty());

    let mut labels = Vec::new();
    for _ in 0..9 {
        labels.push(63u8);
        labels.extend([b'b'; 63]);
    }
    labels.push(0);
    let m = parse_message(
        &Msg {
            qd: vec![question(&labels, 1)],
            ..Msg::default()
        }
        .bytes(),
        &opts(),
    )
    .unwrap();
    let names: Vec<&str> = m.weirds.iter().map(|w| w.name).collect();
    assert_eq!(names, ["DNS_label_len_gt_name_len", "DNS_NAME_too_long"]);
    // 8 labels fit Zeek's 512-byte buffer; the question's type and class
    // are then read from inside the 9th label.
    assert_eq!(m.questions[0].name.len(), 511);
    assert_eq!(m.questions[0].qtype, u16::from_be_bytes([b'b', b'b']));

    // NetBIOS allows long labels.
    let netbios = ParseOptions {
        netbios: true,
        ..opts()
    };
    let m = parse_message(
        &Msg {
            qd: vec![question(&long, 1)],
            ..Msg::default()
        }
        .bytes(),
        &netbios,
    )
    .unwrap();
    assert_eq!(m.questions[0].name.len(), 64);
}

#[test]
fn truncated_messages() {
    let mut run = Run::udp();
    run.send(1.0, true, &[0, 1, 0, 0, 0]);
    assert_eq!(run.weirds(), ["DNS_truncated_len_lt_hdr_len"]);
    assert!(!run.confirmed && run.violation.is_none());

    let mut q = Msg::query(1, "short.example", 1).bytes();
    q.truncate(q.len() - 3);
    let mut run = Run::udp();
    run.send(1.0, true, &q);
    assert_eq!(run.weirds(), ["DNS_truncated_quest_too_short"]);
    assert!(!run.confirmed);
    run.finish();
    let r = run.rows()[0];
    assert_eq!((r.trans_id, r.query.as_ref()), (Some(1), None));

    let reply = Msg::reply(2, "t.example", 1).answer(rr(&QNAME_PTR, 1, 1, &[1, 2, 3, 4]));
    let mut bytes = reply.bytes();
    bytes.truncate(bytes.len() - 2);
    let m = parse_message(&bytes, &opts()).unwrap();
    assert_eq!(m.weirds[0].name, "DNS_truncated_RR_rdlength_lt_len");
    assert!(!m.well_formed && m.replies.is_empty());
}

#[test]
fn a_record_of_wrong_length_stops_the_message() {
    let reply = Msg::reply(2, "t.example", 1)
        .answer(rr(&QNAME_PTR, 1, 1, &[1, 2, 3]))
        .answer(rr(&QNAME_PTR, 1, 1, &[1, 2, 3, 4]));
    let m = parse_message(&reply.bytes(), &opts()).unwrap();
    assert_eq!(m.weirds[0].name, "DNS_RR_bad_length");
    assert!(!m.well_formed && m.replies.is_empty());
}

#[test]
fn too_many_questions_is_a_violation() {
    let mut run = Run::udp();
    run.send(0.5, true, &Msg::query(1, "before.example", 1).bytes());
    let mut q = Msg::query(2, "x.example", 1);
    q.qd = vec![question(&name("x.example"), 1); 26];
    run.send(1.0, true, &q.bytes());
    assert_eq!(run.violation.as_deref(), Some("DNS_Conn_count_too_large"));
    assert_eq!(run.weirds(), ["DNS_Conn_count_too_large"]);
    let addl = run.out.iter().find_map(|r| match r {
        AppRecord::Weird(w) => w.addl.clone(),
        _ => None,
    });
    assert_eq!(addl.as_deref(), Some("26 > 25"));
    // The pending sessions are logged right away: no finish comes.
    assert_eq!(run.rows().len(), 2);
}

#[test]
fn pending_overflow_logs_unmatched_queries() {
    let mut run = Run::udp();
    run.config.dns.max_pending_query_ids = 2;
    // The first query takes the fast path; ids 11.. queue up.
    for id in 10..15 {
        run.send(1.0, true, &Msg::query(id, "q.example", 1).bytes());
    }
    assert_eq!(run.rows().len(), 3);
    run.finish();
    assert_eq!(run.rows().len(), 5);

    let mut run = Run::udp();
    run.config.dns.max_pending_msgs = 1;
    for _ in 0..4 {
        run.send(1.0, true, &Msg::query(7, "same.example", 1).bytes());
    }
    assert_eq!(run.rows().len(), 2);
}

#[test]
fn refused_reply_without_records_is_rejected() {
    let mut run = Run::udp();
    run.send(1.0, true, &Msg::query(1, "no.example", 1).bytes());
    run.send(
        1.1,
        false,
        &Msg::reply(1, "no.example", 1).flags(QR | 5).bytes(),
    );
    let r = run.rows()[0];
    assert!(r.rejected);
    assert_eq!(r.rcode_name.as_deref(), Some("REFUSED"));
    assert!(!r.ra);
}

#[test]
fn multicast_messages_are_rows_of_their_own() {
    let mut run = Run::new(17, (IpAddr::V4(Ipv4Addr::new(224, 0, 0, 251)), 5353));
    run.send(
        1.0,
        true,
        &Msg::query(0, "printer.local", 1).flags(0).bytes(),
    );
    let mut announce = Msg::reply(0, "x", 1).flags(QR | AA);
    announce.qd.clear();
    announce.an = vec![rr(&name("printer.local"), 1, 120, &[192, 168, 0, 9])];
    run.send(2.0, true, &announce.bytes());
    let rows = run.rows();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (text(&rows[0].query), rows[0].rcode),
        ("printer.local".into(), None)
    );
    assert_eq!(answers(rows[1]), ["192.168.0.9"]);
    assert!(rows[1].aa);
    // Not flipped: the responder is a multicast group.
    assert_eq!(rows[1].resp_p.0, 5353);
}

#[test]
fn reply_first_from_the_originator_flips_roles() {
    let mut run = Run::udp();
    run.orig.1 = 53;
    let reply = Msg::reply(4, "f.example", 1).answer(rr(&QNAME_PTR, 1, 1, &[9, 9, 9, 9]));
    run.send(1.0, true, &reply.bytes());
    run.finish();
    let r = run.rows()[0];
    assert_eq!(r.orig_h, Some(run.resp.0));
    assert_eq!(r.resp_h, Some(run.orig.0));
}

#[test]
fn authority_and_additional_records_with_auth_addl() {
    let reply = Msg {
        ns: vec![rr(&name("example"), 2, 60, &name("ns.example"))],
        ar: vec![
            rr(&name("ns.example"), 1, 60, &[10, 0, 0, 2]),
            rr(&[0], 41, 0, &[]),
        ],
        ..Msg::reply(5, "a.example", 1).answer(rr(&QNAME_PTR, 1, 60, &[10, 0, 0, 3]))
    };
    for auth_addl in [false, true] {
        let mut run = Run::udp();
        run.config.dns.skip_all_auth = !auth_addl;
        run.config.dns.skip_all_addl = !auth_addl;
        run.send(1.0, true, &Msg::query(5, "a.example", 1).bytes());
        run.send(2.0, false, &reply.bytes());
        let r = run.rows()[0];
        assert_eq!(answers(r), ["10.0.0.3"]);
        if auth_addl {
            assert_eq!(set(&r.auth), ["ns.example"]);
            assert_eq!(set(&r.addl), ["10.0.0.2"]);
        } else {
            assert_eq!((r.auth.as_ref(), r.addl.as_ref()), (None, None));
        }
    }
}

#[test]
fn edns_options_are_checked_to_the_end_of_the_message() {
    let ecs = [0, 8, 0, 7, 0, 1, 33, 0, 1, 2, 3];
    let keepalive = [0, 11, 0, 0];
    let mut opt = ecs.to_vec();
    opt.extend(keepalive);
    let reply = Msg {
        ar: vec![rr(&[0], 41, 0, &opt)],
        ..Msg::reply(5, "a.example", 1)
    };
    let options = ParseOptions {
        skip_all_addl: false,
        ..opts()
    };
    let m = parse_message(&reply.bytes(), &options).unwrap();
    let names: Vec<&str> = m.weirds.iter().map(|w| w.name).collect();
    assert_eq!(
        names,
        [
            "EDNS_ECS_invalid_addr_v4_prefix",
            "EDNS_TCP_Keepalive_In_UDP"
        ]
    );
    assert_eq!(m.weirds[0].addl.as_deref(), Some("33 bits"));
}

#[test]
fn netbios_names_are_decoded() {
    let mut run = Run::new(17, (IpAddr::V4(Ipv4Addr::new(10, 0, 0, 255)), 137));
    let mut q = Msg::query(0x8001, "x", 33);
    q.qd = vec![question(&name("FHEPFCELEHFCEPFFFACACACACACACAAA"), 33)];
    run.send(1.0, true, &q.bytes());
    run.finish();
    let r = run.rows()[0];
    assert_eq!(text(&r.query), "WORKGROUP");
    assert_eq!(r.qtype_name.as_deref(), Some("NBSTAT"));
    assert_eq!(r.opcode_name.as_deref(), Some("netbios-query"));
}

#[test]
fn truncation_flag_and_z_come_from_the_query() {
    let mut run = Run::udp();
    run.send(
        1.0,
        true,
        &Msg::query(1, "tc.example", 1)
            .flags(TC | RD | 0x0020)
            .bytes(),
    );
    run.finish();
    let r = run.rows()[0];
    assert_eq!((r.tc, r.rd, r.z), (true, true, 2));
}

#[test]
fn other_opcodes_are_not_logged() {
    let mut run = Run::udp();
    run.send(
        1.0,
        true,
        &Msg::query(1, "s.example", 1).flags(2 << 11).bytes(),
    );
    run.finish();
    assert!(run.rows().is_empty());
    assert!(run.confirmed);
}

#[test]
fn notify_is_logged_with_its_opcode() {
    let mut run = Run::udp();
    run.send(
        1.0,
        true,
        &Msg::query(1, "zone.example", 6).flags(4 << 11).bytes(),
    );
    run.send(
        1.2,
        false,
        &Msg::reply(1, "zone.example", 6).flags(QR | 4 << 11).bytes(),
    );
    let r = run.rows()[0];
    assert_eq!(
        (r.opcode, r.opcode_name.as_deref()),
        (Some(4), Some("notify"))
    );
    assert_eq!(r.qtype_name.as_deref(), Some("SOA"));
}

#[test]
fn netbios_name_decoding_rules() {
    assert_eq!(state::decode_netbios_name(b"EBEC"), b"");
    assert_eq!(
        state::decode_netbios_name(b"ebecedeeefegehcacacacacacacacaaa"),
        b"ABCDEFG"
    );
}

#[test]
fn answer_text_per_row_is_bounded() {
    let long = vec!["a".repeat(60); 8].join(".");
    let mut reply = Msg::reply(1, &long, 5);
    for _ in 0..600 {
        reply = reply.answer(rr(&QNAME_PTR, 5, 1, &QNAME_PTR));
    }
    let mut run = Run::udp();
    run.send(1.0, true, &Msg::query(1, &long, 5).bytes());
    run.send(2.0, false, &reply.bytes());
    let r = run.rows()[0];
    let kept = r.answers.as_ref().unwrap().len();
    assert_eq!(kept, 256 * 1024 / long.len());
    assert_eq!(r.ttls.as_ref().unwrap().len(), kept);
    assert_eq!(r.rtt, Some(secs(1.0)));
}

#[test]
fn malformed_svcb_parameters_raise_weirds() {
    // alpn "h2", then an id claiming more bytes than are left; a 3-byte port.
    let mut rdata = vec![0, 1, 0];
    rdata.extend([0, 1, 0, 6, 2, b'h', b'2', 1, b'h', b'3']);
    rdata.extend([0, 3, 0, 3, 1, 0xbb, 0]);
    let reply = Msg::reply(1, "example.com", 65)
        .answer(rr(&QNAME_PTR, 65, 300, &rdata))
        .answer(rr(&QNAME_PTR, 1, 300, &[1, 2, 3, 4]));
    let m = parse_message(&reply.bytes(), &opts()).unwrap();
    let names: Vec<&str> = m.weirds.iter().map(|w| w.name).collect();
    assert_eq!(
        names,
        [
            "DNS_SVCB_alpn_length_invalid",
            "DNS_SVCB_port_length_invalid"
        ]
    );
    assert!(m.well_formed);
    assert_eq!(m.replies.len(), 1);
    assert_eq!(m.replies[0].text, b"1.2.3.4");
}

#[test]
fn dynamic_update_records_without_data_are_fine() {
    // Zone example.com SOA; prerequisite "name in use"; delete an RRset.
    let mut update = Msg::query(0x77, "example.com", 6).flags(5 << 11);
    update.an.push(rr(&name("host.example.com"), 255, 0, &[]));
    update.ns.push(rr(&name("host.example.com"), 1, 0, &[]));
    update
        .ns
        .push(rr(&name("host.example.com"), 1, 300, &[10, 0, 0, 9]));
    let mut run = Run::udp();
    run.send(1.0, true, &update.bytes());
    run.send(
        1.1,
        false,
        &Msg::query(0x77, "example.com", 6)
            .flags(QR | 5 << 11)
            .bytes(),
    );
    assert!(run.weirds().is_empty());
    assert!(run.confirmed);
    let r = run.rows()[0];
    assert_eq!(text(&r.query), "example.com");
    assert_eq!(r.opcode_name.as_deref(), Some("dynamic-update"));
    assert_eq!(r.rcode_name.as_deref(), Some("NOERROR"));

    // Elsewhere an empty record is a weird that ends the message.
    let mut reply = Msg::reply(1, "example.com", 1);
    reply.an = vec![
        rr(&QNAME_PTR, 1, 0, &[]),
        rr(&QNAME_PTR, 1, 0, &[1, 2, 3, 4]),
    ];
    let m = parse_message(&reply.bytes(), &opts()).unwrap();
    assert_eq!(m.weirds[0].name, "DNS_zero_rdlength");
    assert!(!m.well_formed);
}
