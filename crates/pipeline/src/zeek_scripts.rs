//! Facts about Zeek's script packages that change connection tracking: the
//! ports each protocol package registers, which of them Zeek treats as
//! likely server ports (the direction-flip heuristic), and which packages a
//! run loads (all base protocols unless in bare mode `-b`; the packet
//! protocol packages always).

pub const TCP: u8 = 6;
pub const UDP: u8 = 17;

/// One Zeek script package.
pub struct ScriptPackage {
    /// Path as users `@load` it, e.g. "base/protocols/http".
    pub path: &'static str,
    /// Ports its analyzers register, all of them likely server ports.
    pub ports: &'static [(u16, u8)],
    /// Loaded even in bare mode (packet protocols are part of the core).
    pub always: bool,
}

const fn pkg(path: &'static str, ports: &'static [(u16, u8)]) -> ScriptPackage {
    ScriptPackage {
        path,
        ports,
        always: false,
    }
}

const fn core(path: &'static str, ports: &'static [(u16, u8)]) -> ScriptPackage {
    ScriptPackage {
        path,
        ports,
        always: true,
    }
}

pub static PACKAGES: &[ScriptPackage] = &[
    pkg("base/protocols/conn", &[]),
    pkg("base/protocols/dce-rpc", &[(135, TCP)]),
    pkg("base/protocols/dhcp", &[(67, UDP)]),
    pkg("base/protocols/dnp3", &[(20000, TCP), (20000, UDP)]),
    pkg(
        "base/protocols/dns",
        &[(53, UDP), (53, TCP), (137, UDP), (5353, UDP), (5355, UDP)],
    ),
    pkg("base/protocols/finger", &[(79, TCP)]),
    pkg("base/protocols/ftp", &[(21, TCP), (2811, TCP)]),
    pkg(
        "base/protocols/http",
        &[
            (80, TCP),
            (81, TCP),
            (631, TCP),
            (1080, TCP),
            (3128, TCP),
            (8000, TCP),
            (8080, TCP),
            (8888, TCP),
        ],
    ),
    pkg("base/protocols/imap", &[(143, TCP)]),
    pkg(
        "base/protocols/irc",
        &[(6666, TCP), (6667, TCP), (6668, TCP), (6669, TCP)],
    ),
    pkg(
        "base/protocols/krb",
        &[(88, UDP), (750, UDP), (88, TCP), (750, TCP)],
    ),
    pkg(
        "base/protocols/ldap",
        &[(389, TCP), (389, UDP), (3268, TCP)],
    ),
    pkg("base/protocols/modbus", &[(502, TCP)]),
    pkg("base/protocols/mqtt", &[(1883, TCP)]),
    pkg("base/protocols/mysql", &[(1434, TCP), (3306, TCP)]),
    pkg("base/protocols/ntlm", &[]),
    pkg("base/protocols/ntp", &[(123, UDP)]),
    pkg("base/protocols/pop3", &[(110, TCP)]),
    pkg("base/protocols/postgresql", &[(5432, TCP)]),
    pkg("base/protocols/quic", &[(443, UDP)]),
    pkg("base/protocols/radius", &[(1812, UDP)]),
    pkg("base/protocols/rdp", &[(3389, TCP), (3389, UDP)]),
    pkg("base/protocols/redis", &[(6379, TCP)]),
    pkg("base/protocols/rfb", &[]),
    pkg("base/protocols/sip", &[(5060, UDP)]),
    pkg("base/protocols/smb", &[(139, TCP), (445, TCP)]),
    pkg("base/protocols/smtp", &[(25, TCP), (587, TCP)]),
    pkg("base/protocols/snmp", &[(161, UDP), (162, UDP)]),
    pkg("base/protocols/socks", &[(1080, TCP)]),
    pkg("base/protocols/ssh", &[(22, TCP)]),
    pkg(
        "base/protocols/ssl",
        &[
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
        ],
    ),
    pkg("base/protocols/syslog", &[(514, UDP)]),
    pkg("base/protocols/tunnels", &[]),
    pkg("base/protocols/websocket", &[]),
    pkg("base/protocols/xmpp", &[(5222, TCP), (5269, TCP)]),
    core("base/packet-protocols/teredo", &[(3544, UDP)]),
    core("base/packet-protocols/ayiya", &[(5072, UDP)]),
    core("base/packet-protocols/gtpv1", &[(2152, UDP), (2123, UDP)]),
    core("base/packet-protocols/vxlan", &[(4789, UDP)]),
    core("base/packet-protocols/geneve", &[(6081, UDP)]),
];

/// Normalise a name the way users write it: "protocols/http",
/// "base/protocols/http/main.zeek" and "http" all name the same package.
fn canonical(name: &str) -> &str {
    let n = name
        .trim()
        .trim_end_matches(".zeek")
        .trim_end_matches("/main")
        .trim_end_matches("/__load__");
    n.trim_end_matches('/')
}

/// Find a package by the name a user gives.
pub fn find(name: &str) -> Option<&'static ScriptPackage> {
    let n = canonical(name);
    PACKAGES.iter().find(|p| {
        p.path == n
            || p.path.strip_prefix("base/") == Some(n)
            || p.path.rsplit('/').next() == Some(n) && !n.contains('/')
    })
}

/// Zeek's `likely_server_ports` for a run: every default package unless in
/// bare mode, the packet protocols always, and whatever is loaded.
pub fn likely_server_ports(bare: bool, loaded: &[&str]) -> Vec<(u16, u8)> {
    let loaded: Vec<&ScriptPackage> = loaded.iter().filter_map(|l| find(l)).collect();
    PACKAGES
        .iter()
        .filter(|p| !bare || p.always || loaded.iter().any(|l| std::ptr::eq(*l, *p)))
        .flat_map(|p| p.ports.iter().copied())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_like_zeek_loads() {
        assert_eq!(
            find("protocols/ssl").map(|p| p.path),
            Some("base/protocols/ssl")
        );
        assert_eq!(
            find("base/protocols/http/main.zeek").map(|p| p.path),
            Some("base/protocols/http")
        );
        assert_eq!(find("dns").map(|p| p.path), Some("base/protocols/dns"));
        assert!(find("policy/protocols/conn/mac-logging").is_none());
    }

    #[test]
    fn bare_mode_loads_only_what_is_named() {
        let bare = likely_server_ports(true, &[]);
        assert!(
            bare.contains(&(3544, UDP)),
            "packet protocols are always loaded"
        );
        assert!(!bare.contains(&(80, TCP)));
        assert!(likely_server_ports(true, &["base/protocols/http"]).contains(&(80, TCP)));
        let full = likely_server_ports(false, &[]);
        assert!(
            full.contains(&(53, UDP)) && full.contains(&(22, TCP)) && full.contains(&(443, TCP))
        );
    }
}
