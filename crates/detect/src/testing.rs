//! Records as the pipeline hands them over, for tests and fuzzing of the
//! detections (the `testing` feature).

use crate::engine::Observed;
use analyzers::dns::DnsRecord;
use analyzers::ssh::SshRecord;
use analyzers::ssl::SslRecord;
use analyzers::x509::X509Record;
use analyzers::AppRecord;
use flow::ConnRecord;
use records::{Enum, EpochSeconds, Interval, Port, Time, ZString};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};

pub const SEC: i64 = 1_000_000_000;
pub const T0: i64 = 1_700_000_000 * SEC;

/// An address from text (a test's literal).
pub fn ip(s: &str) -> IpAddr {
    s.parse().expect("an address literal")
}

/// Connection uids: unique, as the flows stage makes them.
static NEXT_UID: AtomicU64 = AtomicU64::new(1);

/// A TCP connection with the given history and state.
pub fn conn(
    ts: i64,
    orig: &str,
    resp: &str,
    resp_p: u16,
    history: &str,
    state: &'static str,
) -> ConnRecord {
    ConnRecord {
        ts: Time(ts),
        uid: format!("C{}", NEXT_UID.fetch_add(1, Ordering::Relaxed)),
        orig_h: ip(orig),
        orig_p: Port(40000),
        resp_h: ip(resp),
        resp_p: Port(resp_p),
        ctx_vlan: None,
        ctx_inner_vlan: None,
        proto: Enum("tcp"),
        service: None,
        duration: Some(Interval(SEC / 10)),
        orig_bytes: Some(100),
        resp_bytes: Some(200),
        conn_state: Some(state),
        local_orig: None,
        local_resp: None,
        missed_bytes: 0,
        history: Some(history.into()),
        orig_pkts: Some(5),
        orig_ip_bytes: Some(400),
        resp_pkts: Some(5),
        resp_ip_bytes: Some(500),
        tunnel_parents: None,
        ip_proto: Some(6),
        orig_l2_addr: None,
        resp_l2_addr: None,
        vlan: None,
        inner_vlan: None,
        community_id: None,
        speculative_service: None,
    }
}

/// An established, closed TCP connection.
pub fn ok_conn(ts: i64, orig: &str, resp: &str, resp_p: u16) -> ConnRecord {
    conn(ts, orig, resp, resp_p, "ShADadFf", "SF")
}

pub fn app(r: AppRecord) -> Observed {
    Observed::App(r)
}

/// A dns.log row: `query` from `src` to `server`, with one answer.
pub fn dns(ts: i64, src: &str, server: &str, query: &str, answer: Option<&str>) -> Observed {
    app(AppRecord::Dns(Box::new(DnsRecord {
        ts: Time(ts),
        uid: format!("D{ts:x}"),
        orig_h: Some(ip(src)),
        orig_p: Port(53000),
        resp_h: Some(ip(server)),
        resp_p: Port(53),
        proto: Enum("udp"),
        query: Some(ZString(query.as_bytes().to_vec())),
        answers: answer.map(|a| vec![ZString(a.as_bytes().to_vec())]),
        ..Default::default()
    })))
}

/// An ssh.log row of a login that succeeded or failed.
pub fn ssh(ts: i64, client: &str, server: &str, success: bool) -> Observed {
    app(AppRecord::Ssh(Box::new(SshRecord {
        ts: Time(ts),
        uid: format!("S{ts:x}"),
        orig_h: Some(ip(client)),
        orig_p: Port(50000),
        resp_h: Some(ip(server)),
        resp_p: Port(22),
        auth_success: Some(success),
        auth_attempts: 1,
        client: Some(ZString(b"SSH-2.0-OpenSSH_9.6".to_vec())),
        server: Some(ZString(b"SSH-2.0-OpenSSH_9.2".to_vec())),
        ..Default::default()
    })))
}

/// An x509.log row of a server certificate valid from `before` to `after`
/// (seconds since the epoch).
pub fn x509(ts: i64, fingerprint: &str, subject: &str, before: i64, after: i64) -> Observed {
    app(AppRecord::X509(Box::new(X509Record {
        ts: Time(ts),
        fingerprint: fingerprint.into(),
        subject: subject.into(),
        not_valid_before: EpochSeconds(before),
        not_valid_after: EpochSeconds(after),
        host_cert: true,
        ..Default::default()
    })))
}

/// An established TLS session's ssl.log row: the server presented the
/// certificate `fingerprint`, which validated as `status`.
pub fn tls_session(
    ts: i64,
    client: &str,
    server: &str,
    fingerprint: &str,
    status: &str,
) -> Observed {
    app(AppRecord::Ssl(Box::new(SslRecord {
        ts: Time(ts),
        uid: format!("T{ts:x}"),
        orig_h: Some(ip(client)),
        orig_p: Port(51000),
        resp_h: Some(ip(server)),
        resp_p: Port(443),
        version: Some("TLSv12".into()),
        established: true,
        cert_chain_fps: Some(vec![fingerprint.into()]),
        validation_status: Some(status.into()),
        ..Default::default()
    })))
}
