//! The protocols Shrike analyzes and how each is recognised: by the ports
//! Zeek registers it on (given by the caller) and by its payload, as
//! Zeek's dynamic protocol detection signatures (`dpd.sig`) do.

use crate::Analyzer;

/// Every application analyzer. Adding a protocol means adding it here, a
/// row in `NAMES`, and its arms in `create` and `signature`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Dns,
    Http,
    Ldap,
    Postgresql,
    Modbus,
    Dhcp,
    Ntp,
    Pop3,
    Ssh,
    Ssl,
    Ftp,
    FtpData,
    Smtp,
    Quic,
    Imap,
    Xmpp,
    Dtls,
    Rdp,
    Rdpeudp,
    WebSocket,
    Redis,
    Socks,
    Syslog,
    Irc,
    IrcData,
    Krb,
    DceRpc,
    Smb,
}

/// What Zeek calls each analyzer: its name (`Analyzer::ANALYZER_HTTP`,
/// `--disable-analyzer http`), the script package that loads it, and its
/// conn.log service over TCP and over UDP.
struct Names {
    kind: Kind,
    name: &'static str,
    package: &'static str,
    tcp_service: &'static str,
    udp_service: &'static str,
}

const fn names(
    kind: Kind,
    name: &'static str,
    package: &'static str,
    service: &'static str,
) -> Names {
    Names {
        kind,
        name,
        package,
        tcp_service: service,
        udp_service: service,
    }
}

/// One row per analyzer, in the enum's order.
const NAMES: [Names; 28] = [
    names(Kind::Dns, "DNS", "base/protocols/dns", "dns"),
    names(Kind::Http, "HTTP", "base/protocols/http", "http"),
    Names {
        udp_service: "ldap_udp",
        ..names(Kind::Ldap, "LDAP", "base/protocols/ldap", "ldap_tcp")
    },
    names(
        Kind::Postgresql,
        "PostgreSQL",
        "base/protocols/postgresql",
        "postgresql",
    ),
    names(Kind::Modbus, "MODBUS", "base/protocols/modbus", "modbus"),
    names(Kind::Dhcp, "DHCP", "base/protocols/dhcp", "dhcp"),
    names(Kind::Ntp, "NTP", "base/protocols/ntp", "ntp"),
    names(Kind::Pop3, "POP3", "base/protocols/pop3", "pop3"),
    names(Kind::Ssh, "SSH", "base/protocols/ssh", "ssh"),
    names(Kind::Ssl, "SSL", "base/protocols/ssl", "ssl"),
    names(Kind::Ftp, "FTP", "base/protocols/ftp", "ftp"),
    names(Kind::FtpData, "FTP_DATA", "base/protocols/ftp", "ftp-data"),
    names(Kind::Smtp, "SMTP", "base/protocols/smtp", "smtp"),
    names(Kind::Quic, "QUIC", "base/protocols/quic", "quic"),
    names(Kind::Imap, "IMAP", "base/protocols/imap", "imap"),
    names(Kind::Xmpp, "XMPP", "base/protocols/xmpp", "xmpp"),
    names(Kind::Dtls, "DTLS", "base/protocols/ssl", "dtls"),
    names(Kind::Rdp, "RDP", "base/protocols/rdp", "rdp"),
    names(Kind::Rdpeudp, "RDPEUDP", "base/protocols/rdp", "rdpeudp"),
    names(
        Kind::WebSocket,
        "WebSocket",
        "base/protocols/websocket",
        "websocket",
    ),
    names(Kind::Redis, "Redis", "base/protocols/redis", "redis"),
    names(Kind::Socks, "SOCKS", "base/protocols/socks", "socks"),
    Names {
        tcp_service: "syslog_tcp",
        ..names(Kind::Syslog, "Syslog", "base/protocols/syslog", "syslog")
    },
    names(Kind::Irc, "IRC", "base/protocols/irc", "irc"),
    // Only on the connections the IRC analyzer announces (DCC SEND).
    names(
        Kind::IrcData,
        "IRC_Data",
        "base/protocols/irc",
        "irc-dcc-data",
    ),
    Names {
        udp_service: "krb",
        ..names(Kind::Krb, "KRB", "base/protocols/krb", "krb_tcp")
    },
    names(Kind::DceRpc, "DCE_RPC", "base/protocols/dce-rpc", "dce_rpc"),
    names(Kind::Smb, "SMB", "base/protocols/smb", "smb"),
];

/// `Kind::ALL`, read off `NAMES`; the rows must follow the enum's order
/// (checked at compile time), so a kind's row is `NAMES[kind as usize]`.
const fn all_kinds() -> [Kind; NAMES.len()] {
    let mut kinds = [Kind::Dns; NAMES.len()];
    let mut i = 0;
    while i < NAMES.len() {
        assert!(NAMES[i].kind as usize == i, "NAMES out of the enum's order");
        kinds[i] = NAMES[i].kind;
        i += 1;
    }
    kinds
}

const ALL_KINDS: [Kind; NAMES.len()] = all_kinds();

impl Kind {
    pub const ALL: &'static [Kind] = &ALL_KINDS;

    fn names(self) -> &'static Names {
        &NAMES[self as usize]
    }

    /// Zeek's analyzer name as users write it (`Analyzer::ANALYZER_HTTP`,
    /// `--disable-analyzer http`).
    pub fn name(self) -> &'static str {
        self.names().name
    }

    /// The analyzer named `name` (any case, with or without Zeek's
    /// `Analyzer::ANALYZER_` prefix).
    pub fn from_name(name: &str) -> Option<Kind> {
        let n = name.trim_start_matches("Analyzer::ANALYZER_");
        Kind::ALL
            .iter()
            .copied()
            .find(|k| k.name().eq_ignore_ascii_case(n))
    }

    /// The Zeek script package that loads this analyzer.
    pub fn package(self) -> &'static str {
        self.names().package
    }

    /// conn.log's service for this analyzer on transport `proto`.
    pub fn service(self, proto: u8) -> &'static str {
        let n = self.names();
        if proto == 17 {
            n.udp_service
        } else {
            n.tcp_service
        }
    }

    /// Zeek's analyzer ignores a TCP connection whose start it did not see
    /// (its HTTP, SMTP, SSH, POP3 and SOCKS analyzers check `IsPartial`).
    pub fn needs_connection_start(self) -> bool {
        matches!(
            self,
            Kind::Http | Kind::Smtp | Kind::Ssh | Kind::Pop3 | Kind::Socks
        )
    }

    /// A fresh analyzer for one connection.
    pub fn create(self, proto: u8) -> Option<Box<dyn Analyzer>> {
        match (self, proto) {
            (Kind::Dns, 6 | 17) => Some(Box::new(crate::dns::DnsAnalyzer::new(proto))),
            (Kind::Http, 6) => Some(Box::new(crate::http::HttpAnalyzer::new())),
            (Kind::Ldap, 6 | 17) => Some(Box::new(crate::ldap::LdapAnalyzer::new(proto))),
            (Kind::Postgresql, 6) => Some(Box::<crate::postgresql::PostgresqlAnalyzer>::default()),
            (Kind::Modbus, 6) => Some(Box::<crate::modbus::ModbusAnalyzer>::default()),
            (Kind::Dhcp, 17) => Some(Box::<crate::dhcp::DhcpAnalyzer>::default()),
            (Kind::Ntp, 17) => Some(Box::<crate::ntp::NtpAnalyzer>::default()),
            (Kind::Pop3, 6) => Some(Box::<crate::pop3::Pop3Analyzer>::default()),
            (Kind::Ssh, 6) => Some(Box::new(crate::ssh::SshAnalyzer::new())),
            (Kind::Ssl, 6) => Some(Box::new(crate::ssl::SslAnalyzer::new())),
            (Kind::Ftp, 6) => Some(Box::new(crate::ftp::FtpAnalyzer::new())),
            (Kind::Smtp, 6) => Some(Box::new(crate::smtp::SmtpAnalyzer::new())),
            (Kind::Quic, 17) => Some(Box::<crate::quic::QuicAnalyzer>::default()),
            (Kind::Imap, 6) => Some(Box::<crate::imap::ImapAnalyzer>::default()),
            (Kind::Xmpp, 6) => Some(Box::<crate::xmpp::XmppAnalyzer>::default()),
            (Kind::Dtls, 17) => Some(Box::new(crate::ssl::SslAnalyzer::new_dtls())),
            (Kind::Rdp, 6) => Some(Box::<crate::rdp::RdpAnalyzer>::default()),
            (Kind::Rdpeudp, 17) => Some(Box::<crate::rdp::udp::RdpeudpAnalyzer>::default()),
            (Kind::WebSocket, 6) => Some(Box::<crate::websocket::WebSocketAnalyzer>::default()),
            (Kind::Redis, 6) => Some(Box::<crate::redis::RedisAnalyzer>::default()),
            (Kind::Socks, 6) => Some(Box::<crate::socks::SocksAnalyzer>::default()),
            (Kind::Syslog, 6 | 17) => Some(Box::new(crate::syslog::SyslogAnalyzer::new(proto))),
            (Kind::Irc, 6) => Some(Box::<crate::irc::IrcAnalyzer>::default()),
            (Kind::Krb, 6 | 17) => Some(Box::new(crate::krb::KrbAnalyzer::new(proto))),
            (Kind::DceRpc, 6) => Some(Box::<crate::dce_rpc::DceRpcAnalyzer>::default()),
            (Kind::Smb, 6) => Some(Box::<crate::smb::SmbAnalyzer>::default()),
            _ => None,
        }
    }

    /// Whether the first bytes of each direction (`orig`, `resp`; empty when
    /// that side has sent nothing yet) look like this protocol. `None`: not
    /// decidable yet, wait for more data.
    pub fn signature(self, proto: u8, orig: &[u8], resp: &[u8]) -> Option<bool> {
        match (self, proto) {
            (Kind::Http, 6) => crate::http::signature(orig, resp),
            (Kind::Ldap, 6 | 17) => crate::ldap::signature(proto, orig, resp),
            (Kind::Postgresql, 6) => crate::postgresql::signature(orig, resp),
            (Kind::Pop3, 6) => crate::pop3::signature(orig, resp),
            (Kind::Ssh, 6) => crate::ssh::signature(orig, resp),
            (Kind::Ssl, 6) => crate::ssl::signature(orig, resp),
            (Kind::Ftp, 6) => crate::ftp::signature(orig, resp),
            (Kind::Smtp, 6) => crate::smtp::signature(orig, resp),
            (Kind::Quic, 17) => crate::quic::signature(orig),
            (Kind::Dtls, 17) => crate::ssl::dtls_signature(orig, resp),
            (Kind::Redis, 6) => crate::redis::signature(resp),
            (Kind::Socks, 6) => crate::socks::signature(orig, resp),
            (Kind::Irc, 6) => crate::irc::signature(orig, resp),
            (Kind::DceRpc, 6) => crate::dce_rpc::signature(orig, resp),
            (Kind::Smb, 6) => crate::smb::signature(orig, resp),
            _ => Some(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::from_name(k.name()), Some(*k));
        }
        assert_eq!(Kind::from_name("Analyzer::ANALYZER_HTTP"), Some(Kind::Http));
        assert_eq!(Kind::from_name("http"), Some(Kind::Http));
        assert_eq!(Kind::from_name("nope"), None);
    }
}
