//! The log lines the flows stage writes: conn.log, weird.log, tunnel.log.

use analyzers::AppRecord;
use records::{Enum, Interval, Port, Set, Time};
use std::net::IpAddr;

records::record! {
    /// One conn.log row (Zeek's `Conn::Info`).
    #[derive(Debug, Clone)]
    pub struct ConnRecord : "conn" {
        pub ts: Time = "ts",
        pub uid: String = "uid",
        pub orig_h: IpAddr = "id.orig_h",
        pub orig_p: Port = "id.orig_p",
        pub resp_h: IpAddr = "id.resp_h",
        pub resp_p: Port = "id.resp_p",
        pub ctx_vlan: Option<i64> = "id.ctx.vlan" if "vlan-key",
        pub ctx_inner_vlan: Option<i64> = "id.ctx.inner_vlan" if "vlan-key",
        pub proto: Enum = "proto",
        pub service: Option<String> = "service",
        pub duration: Option<Interval> = "duration",
        pub orig_bytes: Option<u64> = "orig_bytes",
        pub resp_bytes: Option<u64> = "resp_bytes",
        pub conn_state: Option<&'static str> = "conn_state",
        pub local_orig: Option<bool> = "local_orig",
        pub local_resp: Option<bool> = "local_resp",
        pub missed_bytes: u64 = "missed_bytes",
        pub history: Option<String> = "history",
        pub orig_pkts: Option<u64> = "orig_pkts",
        pub orig_ip_bytes: Option<u64> = "orig_ip_bytes",
        pub resp_pkts: Option<u64> = "resp_pkts",
        pub resp_ip_bytes: Option<u64> = "resp_ip_bytes",
        pub tunnel_parents: Option<Set<String>> = "tunnel_parents",
        pub ip_proto: Option<u64> = "ip_proto",
        pub orig_l2_addr: Option<String> = "orig_l2_addr" if "mac-logging",
        pub resp_l2_addr: Option<String> = "resp_l2_addr" if "mac-logging",
        pub vlan: Option<i64> = "vlan" if "vlan-logging",
        pub inner_vlan: Option<i64> = "inner_vlan" if "vlan-logging",
        pub community_id: Option<String> = "community_id" if "community-id",
        pub speculative_service: Option<String> = "speculative_service" if "speculative-service",
    }
}

records::record! {
    /// One weird.log row (Zeek's `Weird::Info`).
    #[derive(Debug, Clone)]
    pub struct WeirdRecord : "weird" {
        pub ts: Time = "ts",
        pub uid: Option<String> = "uid",
        pub orig_h: Option<IpAddr> = "id.orig_h",
        pub orig_p: Option<Port> = "id.orig_p",
        pub resp_h: Option<IpAddr> = "id.resp_h",
        pub resp_p: Option<Port> = "id.resp_p",
        pub name: String = "name",
        pub addl: Option<String> = "addl",
        pub notice: bool = "notice",
        pub peer: Option<&'static str> = "peer",
        pub source: Option<&'static str> = "source",
    }
}

records::record! {
    /// One tunnel.log row (Zeek's `Tunnel::Info`).
    #[derive(Debug, Clone)]
    pub struct TunnelRecord : "tunnel" {
        pub ts: Time = "ts",
        pub uid: Option<String> = "uid",
        pub orig_h: IpAddr = "id.orig_h",
        pub orig_p: Port = "id.orig_p",
        pub resp_h: IpAddr = "id.resp_h",
        pub resp_p: Port = "id.resp_p",
        pub tunnel_type: Enum = "tunnel_type",
        pub action: Enum = "action",
    }
}

/// Where the flows stage sends its records (and those of the analyzers it
/// hosts).
pub trait FlowSink {
    fn conn(&mut self, rec: ConnRecord);
    fn weird(&mut self, rec: WeirdRecord);
    fn tunnel(&mut self, rec: TunnelRecord);
    fn app(&mut self, rec: AppRecord);
}

/// A sink that keeps everything (tests, deterministic mode).
#[derive(Debug, Default)]
pub struct Collect {
    pub conns: Vec<ConnRecord>,
    pub weirds: Vec<WeirdRecord>,
    pub tunnels: Vec<TunnelRecord>,
    pub apps: Vec<AppRecord>,
}

impl FlowSink for Collect {
    fn conn(&mut self, rec: ConnRecord) {
        self.conns.push(rec);
    }
    fn weird(&mut self, rec: WeirdRecord) {
        self.weirds.push(rec);
    }
    fn tunnel(&mut self, rec: TunnelRecord) {
        self.tunnels.push(rec);
    }
    fn app(&mut self, rec: AppRecord) {
        self.apps.push(rec);
    }
}
