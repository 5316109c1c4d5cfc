//! The protocols Shrike analyzes and how each is recognised: by the ports
//! Zeek registers it on (given by the caller) and by its payload, as
//! Zeek's dynamic protocol detection signatures (`dpd.sig`) do.

use crate::Analyzer;

/// Every application analyzer. Adding a protocol means adding it here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Dns,
    Http,
    Ldap,
    Postgresql,
    Modbus,
    Dhcp,
    Ntp,
    Quic,
}

impl Kind {
    pub const ALL: &'static [Kind] = &[
        Kind::Dns,
        Kind::Http,
        Kind::Ldap,
        Kind::Postgresql,
        Kind::Modbus,
        Kind::Dhcp,
        Kind::Ntp,
        Kind::Quic,
    ];

    /// Zeek's analyzer name as users write it (`Analyzer::ANALYZER_HTTP`,
    /// `--disable-analyzer http`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Dns => "DNS",
            Kind::Http => "HTTP",
            Kind::Ldap => "LDAP",
            Kind::Postgresql => "PostgreSQL",
            Kind::Modbus => "MODBUS",
            Kind::Dhcp => "DHCP",
            Kind::Ntp => "NTP",
            Kind::Quic => "QUIC",
        }
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
        match self {
            Kind::Dns => "base/protocols/dns",
            Kind::Http => "base/protocols/http",
            Kind::Ldap => "base/protocols/ldap",
            Kind::Postgresql => "base/protocols/postgresql",
            Kind::Modbus => "base/protocols/modbus",
            Kind::Dhcp => "base/protocols/dhcp",
            Kind::Ntp => "base/protocols/ntp",
            Kind::Quic => "base/protocols/quic",
        }
    }

    /// conn.log's service for this analyzer on transport `proto`.
    pub fn service(self, proto: u8) -> &'static str {
        match self {
            Kind::Dns => "dns",
            Kind::Http => "http",
            Kind::Ldap if proto == 17 => "ldap_udp",
            Kind::Ldap => "ldap_tcp",
            Kind::Postgresql => "postgresql",
            Kind::Modbus => "modbus",
            Kind::Dhcp => "dhcp",
            Kind::Ntp => "ntp",
            Kind::Quic => "quic",
        }
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
            (Kind::Quic, 17) => Some(Box::<crate::quic::QuicAnalyzer>::default()),
            _ => None,
        }
    }

    /// Whether the first bytes of each direction (`orig`, `resp`; empty when
    /// that side has sent nothing yet) look like this protocol. `None`: not
    /// decidable yet, wait for more data.
    pub fn signature(self, proto: u8, orig: &[u8], resp: &[u8]) -> Option<bool> {
        match (self, proto) {
            (Kind::Http, 6) => http_signature(orig, resp),
            (Kind::Ldap, 6 | 17) => crate::ldap::signature(proto, orig, resp),
            (Kind::Postgresql, 6) => crate::postgresql::signature(orig, resp),
            (Kind::Quic, 17) => crate::quic::signature(orig),
            _ => Some(false),
        }
    }
}

/// Zeek's `dpd_http_client` + `dpd_http_server`: a request line from the
/// originator and a status line from the responder.
fn http_signature(orig: &[u8], resp: &[u8]) -> Option<bool> {
    const METHODS: &[&[u8]] = &[
        b"GET",
        b"HEAD",
        b"POST",
        b"PUT",
        b"DELETE",
        b"TRACE",
        b"OPTIONS",
        b"CONNECT",
        b"PATCH",
        b"PROPFIND",
        b"PROPPATCH",
        b"MKCOL",
        b"COPY",
        b"MOVE",
        b"LOCK",
        b"UNLOCK",
        b"SEARCH",
    ];
    if orig.is_empty() || resp.is_empty() {
        return None;
    }
    let o = trim_leading_space(orig);
    let client = METHODS
        .iter()
        .any(|m| o.len() > m.len() && o.starts_with(m) && o[m.len()].is_ascii_whitespace());
    let server = resp.len() >= 6 && resp.starts_with(b"HTTP/") && resp[5].is_ascii_digit();
    Some(client && server)
}

fn trim_leading_space(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
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

    #[test]
    fn http_signature_needs_both_sides() {
        assert_eq!(http_signature(b"GET / HTTP/1.1\r\n", b""), None);
        assert_eq!(
            http_signature(b"GET / HTTP/1.1\r\n", b"HTTP/1.1 200 OK\r\n"),
            Some(true)
        );
        assert_eq!(
            http_signature(b"SSH-2.0-x\r\n", b"HTTP/1.1 200 OK\r\n"),
            Some(false)
        );
        assert_eq!(
            http_signature(b"GET / HTTP/1.1\r\n", b"220 ftp ready\r\n"),
            Some(false)
        );
    }
}
