//! conn.log semantics, fed with decoded packets directly (no capture needed).

use analyzers::{AnalyzerPlan, Kind};
use flow::{Collect, ConnRecord, FlowConfig, FlowTable};
use std::net::IpAddr;
use wire::{Decoded, Frame, IcmpInfo, TcpInfo, Transport, TunnelKind, UdpInfo};

const FIN: u8 = 0x01;
const SYN: u8 = 0x02;
const RST: u8 = 0x04;
const ACK: u8 = 0x10;
const MS: i64 = 1_000_000;
const SEC: i64 = 1_000_000_000;

static PAYLOAD: [u8; 2000] = [b'x'; 2000];

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

struct Tcp {
    src: &'static str,
    sport: u16,
    dst: &'static str,
    dport: u16,
}

impl Tcp {
    fn frame(&self, flags: u8, seq: u32, ack: u32, len: usize) -> Frame<'static> {
        Frame {
            src: ip(self.src),
            dst: ip(self.dst),
            proto: 6,
            ip_len: 40 + len as u32,
            ttl: 64,
            ip_checksum_ok: true,
            reassembled: false,
            tunnel: None,
            transport: Transport::Tcp(TcpInfo {
                src_port: self.sport,
                dst_port: self.dport,
                seq,
                ack,
                flags,
                window: 1000,
                window_scale: None,
                payload: &PAYLOAD[..len],
                payload_len: len as u32,
                checksum_ok: true,
                hdr_len: 20,
                truncated_header: false,
            }),
        }
    }
    fn rev(&self) -> Tcp {
        Tcp {
            src: self.dst,
            sport: self.dport,
            dst: self.src,
            dport: self.sport,
        }
    }
}

fn decoded(f: Frame<'static>) -> Decoded<'static> {
    let mut d = Decoded::default();
    d.frames.push(f);
    d
}

fn run(cfg: FlowConfig, pkts: Vec<(i64, Frame<'static>)>) -> Collect {
    let mut table = FlowTable::new(cfg);
    let mut out = Collect::default();
    for (ts, f) in pkts {
        table.process(ts, &decoded(f), &mut out);
    }
    table.flush(&mut out);
    out
}

fn only(out: &Collect) -> &ConnRecord {
    assert_eq!(out.conns.len(), 1, "{:#?}", out.conns);
    &out.conns[0]
}

const T0: i64 = 1_700_000_000 * SEC;

fn http_like() -> Vec<(i64, Frame<'static>)> {
    let c = Tcp {
        src: "10.0.0.1",
        sport: 40000,
        dst: "93.184.216.34",
        dport: 80,
    };
    let s = c.rev();
    vec![
        (T0, c.frame(SYN, 100, 0, 0)),
        (T0 + 10 * MS, s.frame(SYN | ACK, 5000, 101, 0)),
        (T0 + 20 * MS, c.frame(ACK, 101, 5001, 0)),
        (T0 + 30 * MS, c.frame(ACK, 101, 5001, 120)),
        (T0 + 40 * MS, s.frame(ACK, 5001, 221, 1000)),
        (T0 + 50 * MS, c.frame(ACK | FIN, 221, 6001, 0)),
        (T0 + 60 * MS, s.frame(ACK | FIN, 6001, 222, 0)),
        (T0 + 70 * MS, c.frame(ACK, 222, 6002, 0)),
    ]
}

#[test]
fn full_tcp_session_is_sf_with_byte_counts() {
    let out = run(FlowConfig::default(), http_like());
    let c = only(&out);
    assert_eq!(c.conn_state, Some("SF"));
    assert_eq!(c.history.as_deref(), Some("ShADdFf"));
    assert_eq!(c.orig_bytes, Some(120));
    assert_eq!(c.resp_bytes, Some(1000));
    assert_eq!(c.orig_pkts, Some(5));
    assert_eq!(c.resp_pkts, Some(3));
    assert_eq!(c.orig_ip_bytes, Some(5 * 40 + 120));
    assert_eq!(c.missed_bytes, 0);
    // The final ACK after both FINs does not extend the duration.
    assert_eq!(c.duration.map(|d| d.0), Some(60 * MS));
    assert_eq!(c.proto.0, "tcp");
    assert!(c.uid.starts_with('C'));
}

#[test]
fn unanswered_syn_is_s0_and_a_late_retry_is_a_new_connection() {
    let c = Tcp {
        src: "10.0.0.1",
        sport: 40001,
        dst: "10.0.0.2",
        dport: 22,
    };
    let out = run(
        FlowConfig::default(),
        vec![
            (T0, c.frame(SYN, 1, 0, 0)),
            (T0 + 3 * SEC, c.frame(SYN, 1, 0, 0)),
            (T0 + 9 * SEC, c.frame(SYN, 1, 0, 0)),
        ],
    );
    assert_eq!(out.conns.len(), 2);
    assert!(out.conns.iter().all(|r| r.conn_state == Some("S0")));
    let first = out.conns.iter().find(|r| r.ts.0 == T0).unwrap();
    assert_eq!(first.orig_pkts, Some(2));
    assert_eq!(first.history.as_deref(), Some("S"));
}

#[test]
fn rejected_syn_is_rej() {
    let c = Tcp {
        src: "10.0.0.1",
        sport: 40002,
        dst: "10.0.0.2",
        dport: 23,
    };
    let out = run(
        FlowConfig::default(),
        vec![
            (T0, c.frame(SYN, 1, 0, 0)),
            (T0 + MS, c.rev().frame(RST | ACK, 0, 2, 0)),
        ],
    );
    let r = only(&out);
    assert_eq!(r.conn_state, Some("REJ"));
    assert_eq!(r.history.as_deref(), Some("Sr"));
}

#[test]
fn midstream_syn_ack_from_server_port_is_flipped() {
    let mut cfg = FlowConfig::default();
    cfg.likely_server_ports.insert((80, 6));
    let s = Tcp {
        src: "93.184.216.34",
        sport: 80,
        dst: "10.0.0.1",
        dport: 40003,
    };
    let out = run(cfg, vec![(T0, s.frame(SYN | ACK, 5000, 101, 0))]);
    let r = only(&out);
    assert_eq!(r.orig_h, ip("10.0.0.1"));
    assert_eq!(r.resp_p.0, 80);
    assert_eq!(r.history.as_deref(), Some("^h"));
    assert_eq!(r.conn_state, Some("OTH"));
    assert_eq!((r.orig_pkts, r.resp_pkts), (Some(0), Some(1)));
}

#[test]
fn acknowledged_hole_is_missed_bytes_and_gap_letter() {
    let c = Tcp {
        src: "10.0.0.1",
        sport: 40004,
        dst: "10.0.0.2",
        dport: 8080,
    };
    let s = c.rev();
    let pkts = vec![
        (T0, c.frame(SYN, 0, 0, 0)),
        (T0 + MS, s.frame(SYN | ACK, 0, 1, 0)),
        (T0 + 2 * MS, c.frame(ACK, 1, 1, 0)),
        (T0 + 3 * MS, c.frame(ACK, 1, 1, 100)),
        // bytes 101..=300 never seen
        (T0 + 4 * MS, c.frame(ACK, 301, 1, 100)),
        (T0 + 5 * MS, s.frame(ACK, 1, 401, 0)),
    ];
    let r = run(FlowConfig::default(), pkts);
    let r = only(&r);
    assert_eq!(r.missed_bytes, 200);
    assert_eq!(r.orig_bytes, Some(400));
    assert!(
        r.history.as_deref().unwrap().contains('G'),
        "{:?}",
        r.history
    );
}

#[test]
fn retransmission_sets_t() {
    let mut pkts = http_like();
    let c = Tcp {
        src: "10.0.0.1",
        sport: 40000,
        dst: "93.184.216.34",
        dport: 80,
    };
    pkts.insert(4, (T0 + 35 * MS, c.frame(ACK, 101, 5001, 120)));
    let out = run(FlowConfig::default(), pkts);
    assert_eq!(only(&out).history.as_deref(), Some("ShADTdFf"));
}

#[test]
fn bad_tcp_checksum_is_c_and_a_weird_and_not_counted() {
    let c = Tcp {
        src: "10.0.0.1",
        sport: 40005,
        dst: "10.0.0.2",
        dport: 80,
    };
    let mut f = c.frame(SYN, 1, 0, 0);
    if let Transport::Tcp(t) = &mut f.transport {
        t.checksum_ok = false;
    }
    let out = run(FlowConfig::default(), vec![(T0, f)]);
    let r = only(&out);
    assert_eq!(r.history.as_deref(), Some("C"));
    assert_eq!(r.orig_pkts, Some(0));
    assert_eq!(out.weirds.len(), 1);
    assert_eq!(out.weirds[0].name, "bad_TCP_checksum");

    let cfg = FlowConfig {
        ignore_checksums: true,
        ..FlowConfig::default()
    };
    let mut f = c.frame(SYN, 1, 0, 0);
    if let Transport::Tcp(t) = &mut f.transport {
        t.checksum_ok = false;
    }
    let out = run(cfg, vec![(T0, f)]);
    assert_eq!(only(&out).history.as_deref(), Some("S"));
    assert!(out.weirds.is_empty());
}

#[test]
fn sequence_wrap_around_counts_bytes() {
    let c = Tcp {
        src: "10.0.0.1",
        sport: 40006,
        dst: "10.0.0.2",
        dport: 9000,
    };
    let s = c.rev();
    let isn = u32::MAX - 500;
    let mut pkts = vec![
        (T0, c.frame(SYN, isn, 0, 0)),
        (T0 + MS, s.frame(SYN | ACK, 7, isn.wrapping_add(1), 0)),
        (T0 + 2 * MS, c.frame(ACK, isn.wrapping_add(1), 8, 0)),
    ];
    let mut seq = isn.wrapping_add(1);
    for i in 0..3 {
        pkts.push((T0 + (3 + i) * MS, c.frame(ACK, seq, 8, 1000)));
        seq = seq.wrapping_add(1000);
        pkts.push((T0 + (3 + i) * MS + 1, s.frame(ACK, 8, seq, 0)));
    }
    let out = run(FlowConfig::default(), pkts);
    let r = only(&out);
    assert_eq!(r.orig_bytes, Some(3000));
    assert_eq!(r.missed_bytes, 0);
}

fn udp(src: &str, sport: u16, dst: &str, dport: u16, len: usize) -> Frame<'static> {
    Frame {
        src: ip(src),
        dst: ip(dst),
        proto: 17,
        ip_len: 28 + len as u32,
        ttl: 64,
        ip_checksum_ok: true,
        reassembled: false,
        tunnel: None,
        transport: Transport::Udp(UdpInfo {
            src_port: sport,
            dst_port: dport,
            payload: &PAYLOAD[..len],
            payload_len: len as u32,
            checksum_ok: true,
            ulen: 8 + len as u16,
            tunnel: None,
        }),
    }
}

#[test]
fn udp_request_response_and_inactivity_timeout() {
    let out = run(
        FlowConfig::default(),
        vec![
            (T0, udp("10.0.0.1", 5353, "10.0.0.53", 53, 30)),
            (T0 + MS, udp("10.0.0.53", 53, "10.0.0.1", 5353, 90)),
            // Two minutes later: the first connection timed out after 60 s.
            (T0 + 120 * SEC, udp("10.0.0.1", 5353, "10.0.0.53", 53, 30)),
        ],
    );
    assert_eq!(out.conns.len(), 2);
    let first = out.conns.iter().find(|r| r.ts.0 == T0).unwrap();
    assert_eq!(first.conn_state, Some("SF"));
    assert_eq!(first.history.as_deref(), Some("Dd"));
    assert_eq!((first.orig_bytes, first.resp_bytes), (Some(30), Some(90)));
    let second = out.conns.iter().find(|r| r.ts.0 != T0).unwrap();
    assert_eq!(second.conn_state, Some("S0"));
    assert_eq!(second.duration, None);
}

/// A UDP frame whose payload a tunnel analyzer accepted.
fn tunnel_udp(src: &str, sport: u16, dst: &str, dport: u16, kind: TunnelKind) -> Frame<'static> {
    let mut f = udp(src, sport, dst, dport, 40);
    if let Transport::Udp(u) = &mut f.transport {
        u.tunnel = Some(kind);
    }
    f
}

#[test]
fn tunnel_service_comes_with_the_tunnel_analyzers_confirmation() {
    let vxlan = |t| {
        (
            t,
            tunnel_udp("10.0.0.1", 40000, "10.0.0.2", 4789, TunnelKind::Vxlan),
        )
    };
    let out = run(FlowConfig::default(), vec![vxlan(T0)]);
    assert_eq!(only(&out).service.as_deref(), Some("vxlan"));
    // Teredo waits for valid packets from both sides.
    let to = |t| {
        (
            t,
            tunnel_udp("10.0.0.1", 40000, "10.0.0.2", 3544, TunnelKind::Teredo),
        )
    };
    let back = |t| {
        (
            t,
            tunnel_udp("10.0.0.2", 3544, "10.0.0.1", 40000, TunnelKind::Teredo),
        )
    };
    let out = run(FlowConfig::default(), vec![to(T0), to(T0 + MS)]);
    assert_eq!(only(&out).service, None);
    let out = run(FlowConfig::default(), vec![to(T0), back(T0 + MS)]);
    assert_eq!(only(&out).service.as_deref(), Some("teredo"));
}

/// A DNS query (from the client) or its reply for `a` / A.
static DNS_QUERY: [u8; 19] = [
    0x12, 0x34, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, b'a', 0, 0, 1, 0, 1,
];
static DNS_REPLY: [u8; 19] = [
    0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 1, b'a', 0, 0, 1, 0, 1,
];

fn dns(from_client: bool) -> Frame<'static> {
    let (src, sport, dst, dport, payload) = if from_client {
        ("10.0.0.1", 5353, "10.0.0.53", 53, &DNS_QUERY)
    } else {
        ("10.0.0.53", 53, "10.0.0.1", 5353, &DNS_REPLY)
    };
    let mut f = udp(src, sport, dst, dport, 0);
    f.ip_len += payload.len() as u32;
    if let Transport::Udp(u) = &mut f.transport {
        u.payload = payload;
        u.payload_len = payload.len() as u32;
        u.ulen += payload.len() as u16;
    }
    f
}

fn run_with_dns(pkts: Vec<(i64, Frame<'static>)>) -> Collect {
    let plan = AnalyzerPlan {
        ports: vec![((53, 17), Kind::Dns)],
        enabled: vec![Kind::Dns],
        ..AnalyzerPlan::default()
    };
    let mut table = FlowTable::with_analyzers(FlowConfig::default(), Some(plan.build()));
    let mut out = Collect::default();
    for (ts, f) in pkts {
        table.process(ts, &decoded(f), &mut out);
    }
    table.flush(&mut out);
    out
}

#[test]
fn dns_over_udp_ends_after_its_session_timeout() {
    // Idle for 15 s: the DNS analyzer's timer (10 s) removes the
    // connection long before UDP's inactivity timeout would.
    let out = run_with_dns(vec![
        (T0, dns(true)),
        (T0 + MS, dns(false)),
        (T0 + 15 * SEC, dns(true)),
    ]);
    assert_eq!(out.conns.len(), 2);
    let first = out.conns.iter().find(|r| r.ts.0 == T0).unwrap();
    assert_eq!(first.service.as_deref(), Some("dns"));
    assert_eq!(first.history.as_deref(), Some("Dd"));
    // Traffic every 5 s keeps it: the timer waits for 9 s of quiet.
    let out = run_with_dns(vec![
        (T0, dns(true)),
        (T0 + 5 * SEC, dns(false)),
        (T0 + 12 * SEC, dns(true)),
        (T0 + 19 * SEC, dns(false)),
    ]);
    assert_eq!(out.conns.len(), 1);
}

#[test]
fn udp_from_server_port_is_flipped_except_to_broadcast() {
    let mut cfg = FlowConfig::default();
    cfg.likely_server_ports.insert((53, 17));
    let out = run(
        cfg.clone(),
        vec![(T0, udp("10.0.0.53", 53, "10.0.0.1", 5000, 10))],
    );
    let r = only(&out);
    assert_eq!(r.resp_p.0, 53);
    assert_eq!(r.history.as_deref(), Some("^d"));
    assert_eq!(r.conn_state, Some("SHR"));
    let out = run(
        cfg,
        vec![(T0, udp("10.0.0.53", 53, "255.255.255.255", 5000, 10))],
    );
    assert_eq!(only(&out).history.as_deref(), Some("D"));
}

fn icmp(src: &str, dst: &str, ty: u8) -> Frame<'static> {
    Frame {
        src: ip(src),
        dst: ip(dst),
        proto: 1,
        ip_len: 84,
        ttl: 64,
        ip_checksum_ok: true,
        reassembled: false,
        tunnel: None,
        transport: Transport::Icmp(IcmpInfo {
            v6: false,
            icmp_type: ty,
            code: 0,
            body: &PAYLOAD[..60],
            len: 64,
            checksum_ok: true,
        }),
    }
}

#[test]
fn icmp_echo_pairs_request_and_reply() {
    let out = run(
        FlowConfig::default(),
        vec![
            (T0, icmp("10.0.0.1", "10.0.0.2", 8)),
            (T0 + MS, icmp("10.0.0.2", "10.0.0.1", 0)),
        ],
    );
    let r = only(&out);
    assert_eq!((r.orig_p.0, r.resp_p.0), (8, 0));
    assert_eq!(r.proto.0, "icmp");
    assert_eq!(r.conn_state, Some("OTH"));
    assert_eq!((r.orig_bytes, r.resp_bytes), (Some(56), Some(56)));
    assert_eq!((r.orig_pkts, r.resp_pkts), (Some(1), Some(1)));
}

#[test]
fn flow_table_is_bounded_under_a_syn_flood() {
    let cfg = FlowConfig {
        max_connections: 1000,
        ..FlowConfig::default()
    };
    let mut table = FlowTable::new(cfg);
    let mut out = Collect::default();
    for i in 0..20_000u32 {
        let src = IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + i));
        let f = Frame {
            src,
            ..Tcp {
                src: "10.0.0.1",
                sport: (i % 60000) as u16 + 1024,
                dst: "10.9.9.9",
                dport: 80,
            }
            .frame(SYN, i, 0, 0)
        };
        table.process(T0 + i as i64 * 1000, &decoded(f), &mut out);
        assert!(table.len() <= 1000);
    }
    assert!(table.stats.evicted >= 19_000);
    table.flush(&mut out);
    assert_eq!(out.conns.len(), 20_000);
}

#[test]
fn seeded_uids_do_not_depend_on_anything_but_the_traffic() {
    let cfg = FlowConfig {
        uid_seed: Some(42),
        ..FlowConfig::default()
    };
    let a = run(cfg.clone(), http_like());
    let b = run(cfg, http_like());
    assert_eq!(only(&a).uid, only(&b).uid);
}
