//! Zeek-style configuration: `networks.cfg`, site scripts (`@load` and
//! `redef` statements) and the typed [`Settings`] Shrike honours.

pub mod net;
pub mod script;

pub use net::{parse_networks_cfg, private_address_space, Cidr, NetSet, NetworksCfg};
pub use script::{parse_value, parse_zeek_script, Op, Proto, Redef, ZValue, ZeekScript};

/// A configuration error, naming the 1-based line (0 when not tied to one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub line: usize,
    pub message: String,
}

impl ConfigError {
    pub fn new(line: usize, message: String) -> Self {
        ConfigError { line, message }
    }
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(f, "line {}: {}", self.line, self.message)
        } else {
            f.write_str(&self.message)
        }
    }
}

impl std::error::Error for ConfigError {}

const NS: i64 = 1_000_000_000;

/// The settings Shrike takes from Zeek scripts, with Zeek's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// `Site::local_nets` as configured (without the private space; see
    /// [`Settings::effective_local_nets`]).
    pub local_nets: NetSet,
    /// `Site::private_address_space_is_local` (default `T`).
    pub private_address_space_is_local: bool,
    /// `ignore_checksums` (also set by `-C`).
    pub ignore_checksums: bool,
    pub ignore_checksums_nets: NetSet,
    /// `LogAscii::use_json`.
    pub use_json: bool,
    /// `LogAscii::json_timestamps = JSON::TS_ISO8601`.
    pub json_iso8601: bool,
    /// Nanoseconds, like every duration below.
    pub tcp_inactivity_timeout: i64,
    pub udp_inactivity_timeout: i64,
    pub icmp_inactivity_timeout: i64,
    pub tcp_close_delay: i64,
    pub tcp_reset_delay: i64,
    pub tcp_partial_close_delay: i64,
    pub tcp_attempt_delay: i64,
    /// Zeek's `tcp_SYN_timeout`.
    pub tcp_syn_timeout: i64,
    pub tcp_connection_linger: i64,
    /// How long a UDP DNS connection may stay idle (Zeek's
    /// `dns_session_timeout`).
    pub dns_session_timeout: i64,
    /// `Tunnel::max_depth`.
    pub tunnel_max_depth: usize,
    /// `likely_server_ports`: (port, IP protocol number).
    pub likely_server_ports: Vec<(u16, u8)>,
    /// Every `@load`, in order (the caller decides which it implements).
    pub loads: Vec<String>,
    /// Redefs not honoured: `"NAME"`, or `"NAME (unexpected value)"`.
    pub unknown: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            local_nets: NetSet::new(),
            private_address_space_is_local: true,
            ignore_checksums: false,
            ignore_checksums_nets: NetSet::new(),
            use_json: false,
            json_iso8601: false,
            tcp_inactivity_timeout: 5 * 60 * NS,
            udp_inactivity_timeout: 60 * NS,
            icmp_inactivity_timeout: 60 * NS,
            tcp_close_delay: 5 * NS,
            tcp_reset_delay: 5 * NS,
            tcp_partial_close_delay: 3 * NS,
            tcp_attempt_delay: 5 * NS,
            tcp_syn_timeout: 5 * NS,
            tcp_connection_linger: 5 * NS,
            dns_session_timeout: 10 * NS,
            tunnel_max_depth: 4,
            likely_server_ports: Vec::new(),
            loads: Vec::new(),
            unknown: Vec::new(),
        }
    }
}

fn to_cidrs(v: &ZValue) -> Option<Vec<Cidr>> {
    match v {
        ZValue::Subnet(c) => Some(vec![*c]),
        ZValue::Addr(a) => Some(vec![Cidr::host(*a)]),
        ZValue::Set(items) => {
            let mut out = Vec::new();
            for i in items {
                out.extend(to_cidrs(i)?);
            }
            Some(out)
        }
        _ => None,
    }
}

fn to_ports(v: &ZValue) -> Option<Vec<(u16, u8)>> {
    match v {
        ZValue::Port(p, proto) => Some(vec![(*p, proto.number())]),
        ZValue::Set(items) => {
            let mut out = Vec::new();
            for i in items {
                out.extend(to_ports(i)?);
            }
            Some(out)
        }
        _ => None,
    }
}

fn apply_nets(set: &mut NetSet, op: Op, v: &ZValue) -> bool {
    let Some(c) = to_cidrs(v) else { return false };
    match op {
        Op::Assign => *set = NetSet::from_cidrs(c),
        Op::Add => set.extend(c),
        Op::Remove => set.remove_all(c),
    }
    true
}

impl Settings {
    /// `Site::local_nets` as Zeek sees it: plus the private address space
    /// while `Site::private_address_space_is_local`.
    pub fn effective_local_nets(&self) -> NetSet {
        if self.private_address_space_is_local {
            self.local_nets.union(&private_address_space())
        } else {
            self.local_nets.clone()
        }
    }

    /// Applies a script's loads and redefs in order.
    pub fn apply_script(&mut self, s: &ZeekScript) {
        self.loads.extend(s.loads.iter().cloned());
        for r in &s.redefs {
            if !self.apply_redef(r) {
                self.unknown.push(r.name.clone());
            }
        }
    }

    /// Applies one redef; false when the name is not one Shrike honours
    /// (a known name with a value of the wrong kind is recorded in
    /// `unknown` as `"NAME (unexpected value)"` and true is returned).
    pub fn apply_redef(&mut self, r: &Redef) -> bool {
        let ok = match r.name.as_str() {
            "Site::local_nets" => apply_nets(&mut self.local_nets, r.op, &r.value),
            "ignore_checksums_nets" => apply_nets(&mut self.ignore_checksums_nets, r.op, &r.value),
            "likely_server_ports" => match to_ports(&r.value) {
                Some(p) => {
                    match r.op {
                        Op::Assign => self.likely_server_ports = p,
                        Op::Add => {
                            for x in p {
                                if !self.likely_server_ports.contains(&x) {
                                    self.likely_server_ports.push(x);
                                }
                            }
                        }
                        Op::Remove => self.likely_server_ports.retain(|x| !p.contains(x)),
                    }
                    true
                }
                None => false,
            },
            "ignore_checksums" => set_bool(&mut self.ignore_checksums, r),
            "Site::private_address_space_is_local" => {
                set_bool(&mut self.private_address_space_is_local, r)
            }
            "LogAscii::use_json" => set_bool(&mut self.use_json, r),
            "LogAscii::json_timestamps" => match (&r.value, r.op) {
                (ZValue::Enum(e), Op::Assign) => {
                    self.json_iso8601 = e == "JSON::TS_ISO8601";
                    e == "JSON::TS_ISO8601" || e == "JSON::TS_EPOCH"
                }
                _ => false,
            },
            "tcp_inactivity_timeout" => set_interval(&mut self.tcp_inactivity_timeout, r),
            "udp_inactivity_timeout" => set_interval(&mut self.udp_inactivity_timeout, r),
            "icmp_inactivity_timeout" => set_interval(&mut self.icmp_inactivity_timeout, r),
            "tcp_close_delay" => set_interval(&mut self.tcp_close_delay, r),
            "tcp_reset_delay" => set_interval(&mut self.tcp_reset_delay, r),
            "tcp_partial_close_delay" => set_interval(&mut self.tcp_partial_close_delay, r),
            "tcp_attempt_delay" => set_interval(&mut self.tcp_attempt_delay, r),
            "tcp_SYN_timeout" => set_interval(&mut self.tcp_syn_timeout, r),
            "tcp_connection_linger" => set_interval(&mut self.tcp_connection_linger, r),
            "dns_session_timeout" => set_interval(&mut self.dns_session_timeout, r),
            "Tunnel::max_depth" => match (&r.value, r.op) {
                (ZValue::Count(n), Op::Assign) => {
                    self.tunnel_max_depth = usize::try_from(*n).unwrap_or(usize::MAX);
                    true
                }
                _ => false,
            },
            _ => return false,
        };
        if !ok {
            self.unknown.push(format!("{} (unexpected value)", r.name));
        }
        true
    }
}

fn set_bool(field: &mut bool, r: &Redef) -> bool {
    match (&r.value, r.op) {
        (ZValue::Bool(b), Op::Assign) => {
            *field = *b;
            true
        }
        _ => false,
    }
}

fn set_interval(field: &mut i64, r: &Redef) -> bool {
    match (&r.value, r.op) {
        (ZValue::Interval(ns), Op::Assign) => {
            *field = *ns;
            true
        }
        // Zeek coerces a bare 0 to an interval.
        (ZValue::Count(0), Op::Assign) => {
            *field = 0;
            true
        }
        _ => false,
    }
}
