//! Flows stage: the connection table, TCP semantics and conn.log.
//!
//! It consumes decoded packets ([`wire::Decoded`]) in capture order and
//! produces the records of conn.log, weird.log and tunnel.log through a
//! [`FlowSink`]. Time is network time: timers fire as packets advance it.

mod community_id;
mod conn;
mod history;
mod key;
mod reassembly;
mod record;
mod table;
mod tcp;
mod uid;
mod weird_policy;

pub use community_id::community_id_v1;
pub use record::{Collect, ConnRecord, FlowSink, TunnelRecord, WeirdRecord};
pub use table::{FlowStats, FlowTable};

use config::NetSet;
use std::collections::HashSet;
use wire::Nanos;

const SEC: Nanos = 1_000_000_000;

/// Zeek's connection timers (init-bare.zeek defaults).
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub tcp_inactivity: Nanos,
    pub udp_inactivity: Nanos,
    pub icmp_inactivity: Nanos,
    pub unknown_inactivity: Nanos,
    pub tcp_syn_timeout: Nanos,
    pub tcp_session_timer: Nanos,
    pub tcp_connection_linger: Nanos,
    pub tcp_attempt_delay: Nanos,
    pub tcp_close_delay: Nanos,
    pub tcp_partial_close_delay: Nanos,
    pub tcp_reset_delay: Nanos,
    /// Zeek's DNS analyzer removes a UDP connection idle this long
    /// (`dns_session_timeout`).
    pub dns_session: Nanos,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            tcp_inactivity: 300 * SEC,
            udp_inactivity: 60 * SEC,
            icmp_inactivity: 60 * SEC,
            unknown_inactivity: 60 * SEC,
            tcp_syn_timeout: 5 * SEC,
            tcp_session_timer: 6 * SEC,
            tcp_connection_linger: 5 * SEC,
            tcp_attempt_delay: 5 * SEC,
            tcp_close_delay: 5 * SEC,
            tcp_partial_close_delay: 3 * SEC,
            tcp_reset_delay: 5 * SEC,
            dns_session: 10 * SEC,
        }
    }
}

/// Everything that changes how connections are tracked.
#[derive(Debug, Clone)]
pub struct FlowConfig {
    pub timeouts: Timeouts,
    /// `-C`: accept packets with bad transport checksums.
    pub ignore_checksums: bool,
    /// Sources whose checksums are not verified (`ignore_checksums_nets`).
    pub ignore_checksums_nets: NetSet,
    /// Local networks; `None` leaves `local_orig`/`local_resp` unset.
    pub local_nets: Option<NetSet>,
    /// Zeek's `likely_server_ports` as (port, IP protocol).
    pub likely_server_ports: HashSet<(u16, u8)>,
    /// Key connections by VLAN tags too (`frameworks/conn_key/vlan_fivetuple`).
    pub vlan_in_key: bool,
    /// Packet and IP byte counts in conn.log (Zeek's size analyzer).
    pub count_sizes: bool,
    /// Most connections tracked at once; the oldest is evicted beyond it.
    pub max_connections: usize,
    /// Fill the MAC address columns (`policy/protocols/conn/mac-logging`).
    pub mac_logging: bool,
    /// Fill the `community_id` column (with this seed).
    pub community_id_seed: Option<u16>,
    /// Deterministic uids.
    pub uid_seed: Option<u64>,
}

impl Default for FlowConfig {
    fn default() -> Self {
        FlowConfig {
            timeouts: Timeouts::default(),
            ignore_checksums: false,
            ignore_checksums_nets: NetSet::default(),
            local_nets: None,
            likely_server_ports: HashSet::new(),
            vlan_in_key: false,
            count_sizes: true,
            max_connections: 1_000_000,
            mac_logging: false,
            community_id_seed: None,
            uid_seed: None,
        }
    }
}

impl FlowConfig {
    pub fn is_server_port(&self, port: u16, proto: u8) -> bool {
        self.likely_server_ports.contains(&(port, proto))
    }
}
