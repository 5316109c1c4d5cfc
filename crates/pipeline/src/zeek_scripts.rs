//! Facts about Zeek's script packages that change connection tracking:
//! which ports each protocol package registers and which of them Zeek
//! treats as likely server ports (the direction-flip heuristic).
//!
//! The facts describe current Zeek master (the commit the conformance corpus
//! was taken from). Since Zeek 8.2 `Analyzer::register_for_ports` and
//! `PacketAnalyzer::register_for_ports` add every port they are given as a
//! server port to `likely_server_ports` themselves; only ports passed as
//! "non-server" ports stay out (DHCP's client port 68/udp is the one case in
//! the shipped scripts). Ports registered by analyzers that were not likely
//! server ports in older releases (IMAP, MySQL, QUIC, PostgreSQL, ...) are
//! therefore likely server ports now.
//!
//! Which packages a run loads:
//! * `base/packet-protocols` is loaded by `base/init-bare.zeek`, so its port
//!   registrations (Teredo, AYIYA, Geneve, VXLAN, GTPv1) apply even in bare
//!   mode (`-b`).
//! * `base/init-default.zeek` (skipped by `-b`) loads every package marked
//!   `default` below. Redis is the one protocol package it leaves out.
//! * Loading a script also loads what it `@load`s: the FTP package pulls in
//!   SSL, WebSocket pulls in HTTP, and policy scripts under
//!   `policy/protocols/<name>/` load `base/protocols/<name>`.

/// IP protocol numbers.
pub const TCP: u8 = 6;
pub const UDP: u8 = 17;

/// One Zeek script package (a directory with a `__load__.zeek`).
#[derive(Debug)]
pub struct ScriptPackage {
    /// Zeek script path as users write it after @load, e.g. "base/protocols/http".
    pub path: &'static str,
    /// Ports the analyzer registers.
    pub ports: &'static [(u16, u8)],
    /// Ports added to likely_server_ports.
    pub likely_server_ports: &'static [(u16, u8)],
    /// Loaded by default (without -b).
    pub default: bool,
}

impl ScriptPackage {
    /// Packet-protocol packages are loaded by init-bare, i.e. in every run,
    /// bare mode included.
    pub fn always_loaded(&self) -> bool {
        self.path.starts_with("base/packet-protocols/")
    }
}

const NONE: &[(u16, u8)] = &[];

const DCE_RPC: &[(u16, u8)] = &[(135, TCP)];
const DHCP: &[(u16, u8)] = &[(67, UDP), (68, UDP), (4011, UDP)];
const DHCP_SERVER: &[(u16, u8)] = &[(67, UDP), (4011, UDP)];
const DNP3: &[(u16, u8)] = &[(20000, TCP), (20000, UDP)];
const DNS: &[(u16, u8)] = &[(53, UDP), (53, TCP), (137, UDP), (5353, UDP), (5355, UDP)];
const FINGER: &[(u16, u8)] = &[(79, TCP)];
const FTP: &[(u16, u8)] = &[(21, TCP), (2811, TCP)];
const HTTP: &[(u16, u8)] = &[
    (80, TCP),
    (81, TCP),
    (631, TCP),
    (1080, TCP),
    (3128, TCP),
    (8000, TCP),
    (8080, TCP),
    (8888, TCP),
];
const IMAP: &[(u16, u8)] = &[(143, TCP)];
const IRC: &[(u16, u8)] = &[(6666, TCP), (6667, TCP), (6668, TCP), (6669, TCP)];
const KRB: &[(u16, u8)] = &[(88, UDP), (88, TCP)];
const LDAP: &[(u16, u8)] = &[(389, TCP), (3268, TCP), (389, UDP)];
const MODBUS: &[(u16, u8)] = &[(502, TCP)];
const MQTT: &[(u16, u8)] = &[(1883, TCP)];
const MYSQL: &[(u16, u8)] = &[(1434, TCP), (3306, TCP)];
const NTP: &[(u16, u8)] = &[(123, UDP)];
const POSTGRESQL: &[(u16, u8)] = &[(5432, TCP)];
const QUIC: &[(u16, u8)] = &[(443, UDP), (853, UDP), (784, UDP)];
const RADIUS: &[(u16, u8)] = &[(1812, UDP)];
const RDP: &[(u16, u8)] = &[(3389, TCP), (3389, UDP)];
const REDIS: &[(u16, u8)] = &[(6379, TCP)];
const SIP: &[(u16, u8)] = &[(5060, UDP)];
const SMB: &[(u16, u8)] = &[(139, TCP), (445, TCP)];
const SMTP: &[(u16, u8)] = &[(25, TCP), (587, TCP)];
const SNMP: &[(u16, u8)] = &[(161, UDP), (162, UDP)];
const SOCKS: &[(u16, u8)] = &[(1080, TCP)];
const SSH: &[(u16, u8)] = &[(22, TCP)];
const SSL: &[(u16, u8)] = &[
    (443, TCP),
    (563, TCP),
    (585, TCP),
    (614, TCP),
    (636, TCP),
    (989, TCP),
    (990, TCP),
    (992, TCP),
    (993, TCP),
    (995, TCP),
    (5223, TCP),
    (443, UDP),
];
const SYSLOG: &[(u16, u8)] = &[(514, UDP), (514, TCP)];
const XMPP: &[(u16, u8)] = &[(5222, TCP), (5269, TCP)];

const TEREDO: &[(u16, u8)] = &[(3544, UDP)];
const AYIYA: &[(u16, u8)] = &[(5072, UDP)];
const GENEVE: &[(u16, u8)] = &[(6081, UDP)];
const VXLAN: &[(u16, u8)] = &[(4789, UDP)];
const GTPV1: &[(u16, u8)] = &[(2152, UDP), (2123, UDP)];

/// A package whose registered ports are all likely server ports.
const fn pkg(path: &'static str, ports: &'static [(u16, u8)], default: bool) -> ScriptPackage {
    ScriptPackage {
        path,
        ports,
        likely_server_ports: ports,
        default,
    }
}

pub static PACKAGES: &[ScriptPackage] = &[
    pkg("base/protocols/conn", NONE, true),
    pkg("base/protocols/dce-rpc", DCE_RPC, true),
    ScriptPackage {
        path: "base/protocols/dhcp",
        ports: DHCP,
        likely_server_ports: DHCP_SERVER,
        default: true,
    },
    pkg("base/protocols/dnp3", DNP3, true),
    pkg("base/protocols/dns", DNS, true),
    pkg("base/protocols/finger", FINGER, true),
    pkg("base/protocols/ftp", FTP, true),
    pkg("base/protocols/http", HTTP, true),
    pkg("base/protocols/imap", IMAP, true),
    pkg("base/protocols/irc", IRC, true),
    pkg("base/protocols/krb", KRB, true),
    pkg("base/protocols/ldap", LDAP, true),
    pkg("base/protocols/modbus", MODBUS, true),
    pkg("base/protocols/mqtt", MQTT, true),
    pkg("base/protocols/mysql", MYSQL, true),
    pkg("base/protocols/ntlm", NONE, true),
    pkg("base/protocols/ntp", NTP, true),
    pkg("base/protocols/pop3", NONE, true),
    pkg("base/protocols/postgresql", POSTGRESQL, true),
    pkg("base/protocols/quic", QUIC, true),
    pkg("base/protocols/radius", RADIUS, true),
    pkg("base/protocols/rdp", RDP, true),
    pkg("base/protocols/redis", REDIS, false),
    pkg("base/protocols/rfb", NONE, true),
    pkg("base/protocols/sip", SIP, true),
    pkg("base/protocols/smb", SMB, true),
    pkg("base/protocols/smtp", SMTP, true),
    pkg("base/protocols/snmp", SNMP, true),
    pkg("base/protocols/socks", SOCKS, true),
    pkg("base/protocols/ssh", SSH, true),
    pkg("base/protocols/ssl", SSL, true),
    pkg("base/protocols/syslog", SYSLOG, true),
    pkg("base/protocols/tunnels", NONE, true),
    pkg("base/protocols/websocket", NONE, true),
    pkg("base/protocols/xmpp", XMPP, true),
    pkg("base/packet-protocols/teredo", TEREDO, true),
    pkg("base/packet-protocols/ayiya", AYIYA, true),
    pkg("base/packet-protocols/geneve", GENEVE, true),
    pkg("base/packet-protocols/vxlan", VXLAN, true),
    pkg("base/packet-protocols/gtpv1", GTPV1, true),
];

/// Packages that `@load` other packages with ports (loading the first loads
/// the second too).
const PULLS_IN: &[(&str, &[&str])] = &[
    ("base/protocols/ftp", &["base/protocols/ssl"]),
    ("base/protocols/websocket", &["base/protocols/http"]),
];

/// Scripts outside the protocol packages that load protocol packages.
const SCRIPT_LOADS: &[(&str, &[&str])] = &[
    (
        "policy/frameworks/intel/seen",
        &[
            "base/protocols/smb",
            "base/protocols/ssh",
            "base/protocols/ssl",
            "base/protocols/smtp",
        ],
    ),
    (
        "policy/frameworks/intel/seen/smb-filenames",
        &["base/protocols/smb"],
    ),
    (
        "policy/frameworks/intel/seen/pubkey-hashes",
        &["base/protocols/ssh"],
    ),
    ("policy/frameworks/intel/seen/ssl", &["base/protocols/ssl"]),
    (
        "policy/frameworks/intel/seen/smtp",
        &["base/protocols/smtp"],
    ),
    (
        "policy/frameworks/intel/seen/smtp-url-extraction",
        &["base/protocols/smtp"],
    ),
    (
        "policy/protocols/ntlm/mac-logging",
        &["base/protocols/ntlm", "base/protocols/smb"],
    ),
];

/// Strip what users add around a script name: surrounding space, a trailing
/// ".zeek", "/main", "/__load__" or "/".
fn canonical(name: &str) -> &str {
    let mut n = name.trim();
    loop {
        let before = n;
        n = n.trim_end_matches('/');
        n = n.strip_suffix(".zeek").unwrap_or(n);
        n = n.strip_suffix("/main").unwrap_or(n);
        n = n.strip_suffix("/__load__").unwrap_or(n);
        if n == before {
            return n;
        }
    }
}

/// Find a package by the name a user gives (accept "base/protocols/http", "protocols/http", "http" and a trailing "/main" or ".zeek").
pub fn find(name: &str) -> Option<&'static ScriptPackage> {
    let n = canonical(name);
    if n.is_empty() {
        return None;
    }
    PACKAGES.iter().find(|p| {
        p.path == n
            || p.path.strip_prefix("base/") == Some(n)
            || (!n.contains('/') && p.path.rsplit('/').next() == Some(n))
    })
}

/// The packages a loaded script brings in with it, besides itself.
fn implied(name: &str) -> Vec<&'static ScriptPackage> {
    let n = canonical(name);
    let full = if n.starts_with("policy/") || n.starts_with("base/") {
        n.to_string()
    } else {
        // Zeek resolves "protocols/x/y" and "frameworks/x/y" under policy/
        // when base/ has no such script.
        format!("policy/{n}")
    };
    let mut out = Vec::new();
    for (script, pkgs) in SCRIPT_LOADS {
        if *script == full {
            out.extend(pkgs.iter().filter_map(|p| find(p)));
        }
    }
    // Policy scripts of a protocol load that protocol's base package.
    if let Some(rest) = full.strip_prefix("policy/protocols/") {
        if let Some(proto) = rest.split('/').next() {
            if let Some(p) = find(&format!("base/protocols/{proto}")) {
                out.push(p);
            }
        }
    }
    out
}

/// The packages a run loads: the packet protocols always, every default
/// package unless in bare mode, and the named scripts with what they load.
pub fn loaded_packages(bare: bool, loaded: &[&str]) -> Vec<&'static ScriptPackage> {
    let mut out: Vec<&'static ScriptPackage> = Vec::new();
    fn add(out: &mut Vec<&'static ScriptPackage>, p: &'static ScriptPackage) {
        if out.iter().any(|q| std::ptr::eq(*q, p)) {
            return;
        }
        out.push(p);
        for (from, pkgs) in PULLS_IN {
            if *from == p.path {
                for dep in pkgs.iter().filter_map(|d| find(d)) {
                    add(out, dep);
                }
            }
        }
    }
    for p in PACKAGES {
        if p.always_loaded() || (!bare && p.default) {
            add(&mut out, p);
        }
    }
    for name in loaded {
        if let Some(p) = find(name) {
            add(&mut out, p);
        }
        for p in implied(name) {
            add(&mut out, p);
        }
    }
    out
}

/// likely_server_ports for a run: without bare mode all default packages, plus every loaded one.
/// The packet-protocol ports are in it in every run (they are loaded by
/// init-bare). Sorted, without duplicates.
pub fn likely_server_ports(bare: bool, loaded: &[&str]) -> Vec<(u16, u8)> {
    let mut ports: Vec<(u16, u8)> = loaded_packages(bare, loaded)
        .iter()
        .flat_map(|p| p.likely_server_ports.iter().copied())
        .collect();
    ports.sort_unstable();
    ports.dedup();
    ports
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet_protocol_ports() -> Vec<(u16, u8)> {
        let mut v: Vec<(u16, u8)> = PACKAGES
            .iter()
            .filter(|p| p.always_loaded())
            .flat_map(|p| p.likely_server_ports.iter().copied())
            .collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn http_registers_80_and_it_is_likely() {
        let http = find("http").unwrap();
        assert!(http.ports.contains(&(80, TCP)));
        assert!(http.likely_server_ports.contains(&(80, TCP)));
        assert!(http.default);
    }

    #[test]
    fn names_resolve_like_zeek_loads() {
        let ssl = Some("base/protocols/ssl");
        assert_eq!(find("protocols/ssl").map(|p| p.path), ssl);
        assert_eq!(find("base/protocols/ssl").map(|p| p.path), ssl);
        assert_eq!(find("ssl").map(|p| p.path), ssl);
        assert_eq!(find("base/protocols/ssl/main.zeek").map(|p| p.path), ssl);
        assert_eq!(find("base/protocols/ssl/main").map(|p| p.path), ssl);
        assert_eq!(
            find("base/protocols/ssl/__load__.zeek").map(|p| p.path),
            ssl
        );
        assert_eq!(find("protocols/ssl/").map(|p| p.path), ssl);
        assert_eq!(
            find("dce-rpc").map(|p| p.path),
            Some("base/protocols/dce-rpc")
        );
        assert_eq!(
            find("packet-protocols/teredo").map(|p| p.path),
            Some("base/packet-protocols/teredo")
        );
        assert!(find("policy/protocols/conn/mac-logging").is_none());
        assert!(find("protocols/ssl/heartbleed").is_none());
        assert!(find("").is_none());
        assert!(find("nonexistent").is_none());
    }

    #[test]
    fn bare_mode_keeps_only_the_packet_protocols() {
        let bare = likely_server_ports(true, &[]);
        assert_eq!(bare, packet_protocol_ports());
        assert!(bare.contains(&(3544, UDP)) && bare.contains(&(4789, UDP)));
        assert!(!bare.contains(&(80, TCP)) && !bare.contains(&(53, UDP)));
        let http = likely_server_ports(true, &["base/protocols/http"]);
        assert!(http.contains(&(80, TCP)) && !http.contains(&(443, TCP)));
    }

    #[test]
    fn default_mode_loads_all_base_protocols_but_redis() {
        let full = likely_server_ports(false, &[]);
        for p in [
            (53, UDP),
            (22, TCP),
            (443, TCP),
            (88, TCP),
            (5432, TCP),
            (443, UDP),
        ] {
            assert!(full.contains(&p), "{p:?}");
        }
        assert!(!full.contains(&(6379, TCP)));
        assert!(likely_server_ports(false, &["base/protocols/redis"]).contains(&(6379, TCP)));
        assert!(
            full.windows(2).all(|w| w[0] < w[1]),
            "sorted, no duplicates"
        );
    }

    #[test]
    fn dhcp_client_port_is_not_a_server_port() {
        let dhcp = find("dhcp").unwrap();
        assert!(dhcp.ports.contains(&(68, UDP)));
        assert!(!dhcp.likely_server_ports.contains(&(68, UDP)));
        assert!(dhcp.likely_server_ports.contains(&(67, UDP)));
    }

    #[test]
    fn every_likely_port_is_registered() {
        for p in PACKAGES {
            for lp in p.likely_server_ports {
                assert!(p.ports.contains(lp), "{} {:?}", p.path, lp);
            }
            assert!(p.path.starts_with("base/"));
        }
    }

    #[test]
    fn loads_follow_script_dependencies() {
        // FTP loads SSL (gridftp), WebSocket loads HTTP.
        assert!(likely_server_ports(true, &["base/protocols/ftp"]).contains(&(993, TCP)));
        assert!(likely_server_ports(true, &["protocols/websocket"]).contains(&(8080, TCP)));
        // Policy scripts load their protocol's base package.
        assert!(likely_server_ports(true, &["protocols/ssl/heartbleed"]).contains(&(443, TCP)));
        assert!(
            likely_server_ports(true, &["policy/protocols/dns/auth-addl"]).contains(&(53, UDP))
        );
        assert!(likely_server_ports(true, &["frameworks/intel/seen"]).contains(&(445, TCP)));
        // Conn and framework scripts bring no ports.
        assert_eq!(
            likely_server_ports(true, &["base/protocols/conn", "protocols/conn/known-hosts"]),
            packet_protocol_ports()
        );
    }
}
