//! One connection (Zeek's flow semantics for UDP/ICMP, TCP's own state
//! machine for TCP) and the conn.log row it becomes.

use crate::history::{History, Scaled};
use crate::key::ConnKey;
use crate::tcp::{State, TcpSession};
use std::net::IpAddr;
use wire::Nanos;

/// Transport-specific state.
#[derive(Debug)]
pub enum Transport {
    Tcp(Box<TcpSession>),
    /// UDP and ICMP count payload bytes per endpoint; `None` = nothing sent.
    Udp([Option<u64>; 2]),
    Icmp([Option<u64>; 2]),
    Other,
}

/// Identity of a tunnel a connection was carried in (Zeek's
/// EncapsulatingConn): its uid, its endpoints and its kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TunnelRef {
    pub uid: String,
    pub orig_h: IpAddr,
    pub orig_p: u16,
    pub resp_h: IpAddr,
    pub resp_p: u16,
    pub proto: u8,
    pub kind: wire::TunnelKind,
}

#[derive(Debug)]
pub struct Conn {
    pub key: ConnKey,
    pub uid: String,
    /// Endpoint 0 is the sender of the first packet, 1 its receiver.
    pub addrs: [IpAddr; 2],
    pub ports: [u16; 2],
    pub macs: [Option<[u8; 6]>; 2],
    /// Index of the originator in the per-endpoint arrays.
    pub orig: usize,
    pub proto: u8,
    pub ip_proto: u8,
    pub start: Nanos,
    pub last: Nanos,
    pub hist: History,
    pub pkts: [u64; 2],
    pub ip_bytes: [u64; 2],
    pub missed_bytes: u64,
    pub transport: Transport,
    pub vlan: Option<u16>,
    pub inner_vlan: Option<u16>,
    pub tunnel_parents: Vec<String>,
    /// The encapsulation chain last seen (innermost last), to notice changes.
    pub encap: Vec<TunnelRef>,
    pub inactivity_timeout: Nanos,
    /// Bumped to invalidate the pending inactivity timer.
    pub inactivity_epoch: u32,
    /// Bumped to cancel TCP timers (Zeek cancels analyzer timers on close).
    pub tcp_timer_epoch: u32,
    /// Weird names already logged for this connection.
    pub weirds_logged: Vec<&'static str>,
    /// How often each analyzer weird was raised on this connection.
    pub app_weird_counts: Vec<(&'static str, u32)>,
    /// Started with a SYN-ACK: the second packet decides on a role flip.
    pub flip_on_second_packet: bool,
    /// Whether the periodic TCP expire timer is armed.
    pub expire_chain: bool,
    /// Packets seen so far (valid or not).
    pub packets_seen: u64,
    /// How often the encapsulation changed after the first packet.
    pub tunnel_changes: u32,
    /// UDP checksum failures per endpoint (TCP keeps its own).
    pub checksum_errors: [Scaled; 2],
    /// Application analyzers attached to this connection.
    pub app: Option<Box<analyzers::ConnAnalyzers>>,
    /// Whether endpoint 0 / 1 is in the local networks (unset without
    /// any), decided once.
    pub local: [Option<bool>; 2],
    /// The analyzers were told that endpoint 0 / 1 ended its stream.
    pub stream_end_told: [bool; 2],
    /// Services confirmed by packet analyzers (UDP tunnels), in order.
    pub packet_services: Vec<&'static str>,
    /// A tunnel analyzer accepted a packet from each endpoint (Teredo's
    /// delayed confirmation).
    pub tunnel_valid: [bool; 2],
}

impl Conn {
    pub fn is_orig(&self, endpoint: usize) -> bool {
        endpoint == self.orig
    }

    /// Swap originator and responder (Zeek's role flip), marking history.
    pub fn flip(&mut self) {
        self.hist.flip();
        self.swap_roles();
    }

    /// An application analyzer turned the connection round (Zeek's
    /// `Connection::FlipRoles`): the history so far stays as it is and
    /// gets a `^`.
    pub fn analyzer_flip(&mut self) {
        self.hist.add(true, '^');
        self.swap_roles();
    }

    fn swap_roles(&mut self) {
        self.orig ^= 1;
        if let Transport::Tcp(s) = &mut self.transport {
            s.flip();
        }
    }

    /// conn.log's `service`: packet-level services, then the confirmed
    /// application analyzers.
    pub fn service(&self) -> Option<String> {
        let app = self.app.as_ref().and_then(|a| a.service());
        match (self.packet_services.is_empty(), app) {
            (true, app) => app,
            (false, None) => Some(self.packet_services.join(",")),
            (false, Some(a)) => Some(format!("{},{a}", self.packet_services.join(","))),
        }
    }

    /// conn.log's `local_orig` and `local_resp`.
    pub fn local_orig(&self) -> Option<bool> {
        self.local[self.orig]
    }
    pub fn local_resp(&self) -> Option<bool> {
        self.local[self.orig ^ 1]
    }

    pub fn orig_h(&self) -> IpAddr {
        self.addrs[self.orig]
    }
    pub fn resp_h(&self) -> IpAddr {
        self.addrs[self.orig ^ 1]
    }
    pub fn orig_p(&self) -> u16 {
        self.ports[self.orig]
    }
    pub fn resp_p(&self) -> u16 {
        self.ports[self.orig ^ 1]
    }

    /// Zeek's conn_state for this connection.
    pub fn conn_state(&self) -> &'static str {
        match &self.transport {
            Transport::Tcp(t) => tcp_conn_state(t, self.hist.as_str()),
            Transport::Udp(b) => {
                let o = b[self.orig].is_some();
                let r = b[self.orig ^ 1].is_some();
                match (o, r) {
                    (true, true) => "SF",
                    (true, false) => "S0",
                    (false, true) => "SHR",
                    (false, false) => "OTH",
                }
            }
            _ => "OTH",
        }
    }

    /// Payload bytes per role (orig, resp) as conn.log reports them.
    pub fn sizes(&self) -> (u64, u64) {
        match &self.transport {
            Transport::Tcp(t) => {
                let o = t.orig_ep();
                let r = t.resp_ep();
                (o.size(r.state), r.size(o.state))
            }
            Transport::Udp(b) | Transport::Icmp(b) => {
                (b[self.orig].unwrap_or(0), b[self.orig ^ 1].unwrap_or(0))
            }
            Transport::Other => (0, 0),
        }
    }
}

fn tcp_conn_state(t: &TcpSession, history: &str) -> &'static str {
    let os = t.orig_ep().state;
    let rs = t.resp_ep().state;
    let o_inactive = matches!(os, State::Inactive | State::Partial);
    let r_inactive = matches!(rs, State::Inactive | State::Partial);
    if rs == State::Reset {
        let (osz, rsz) = (t.orig_ep().size(rs), t.resp_ep().size(os));
        if matches!(os, State::SynSent | State::SynAckSent)
            || (os == State::Reset && osz == 0 && rsz == 0)
        {
            "REJ"
        } else if o_inactive {
            "RSTRH"
        } else {
            "RSTR"
        }
    } else if os == State::Reset {
        if r_inactive {
            if is_syn_then_rst(history) {
                "RSTOS0"
            } else {
                "OTH"
            }
        } else {
            "RSTO"
        }
    } else if rs == State::Closed && os == State::Closed {
        "SF"
    } else if os == State::Closed {
        if r_inactive {
            "SH"
        } else {
            "S2"
        }
    } else if rs == State::Closed {
        if o_inactive {
            "SHR"
        } else {
            "S3"
        }
    } else if os == State::SynSent && rs == State::Inactive {
        "S0"
    } else if os == State::Established && rs == State::Established {
        "S1"
    } else {
        "OTH"
    }
}

/// Zeek's `/\^?S[^HAFGIQ]*R.*/` test on the history.
fn is_syn_then_rst(h: &str) -> bool {
    let h = h.strip_prefix('^').unwrap_or(h);
    let Some(rest) = h.strip_prefix('S') else {
        return false;
    };
    for c in rest.chars() {
        if c == 'R' {
            return true;
        }
        if "HAFGIQ".contains(c) {
            return false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syn_then_rst_pattern() {
        assert!(is_syn_then_rst("SR"));
        assert!(is_syn_then_rst("^SdR"));
        assert!(is_syn_then_rst("ShR"));
        assert!(!is_syn_then_rst("SFR"));
        assert!(!is_syn_then_rst("SAR"));
        assert!(!is_syn_then_rst("R"));
    }
}
