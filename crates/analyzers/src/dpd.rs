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
const NAMES: [Names; 14] = [
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
    /// (its HTTP, SMTP and SSH analyzers check `IsPartial`).
    pub fn needs_connection_start(self) -> bool {
        matches!(self, Kind::Http | Kind::Smtp | Kind::Ssh)
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
            (Kind::Pop3, 6) => crate::pop3::signature(orig, resp),
            (Kind::Ssh, 6) => ssh_signature(orig, resp),
            (Kind::Ssl, 6) => crate::ssl::signature(orig, resp),
            (Kind::Ftp, 6) => ftp_signature(orig, resp),
            (Kind::Smtp, 6) => smtp_signature(orig, resp),
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
        b"QUERY",
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

/// Zeek's `dpd_ssh_client` + `dpd_ssh_server`: both sides start with
/// `SSH-1.` or `SSH-2.` (any case of "SSH").
fn ssh_signature(orig: &[u8], resp: &[u8]) -> Option<bool> {
    match (ssh_banner_start(orig), ssh_banner_start(resp)) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// Whether `b` starts like an SSH banner; `None` while too short to say.
fn ssh_banner_start(b: &[u8]) -> Option<bool> {
    let fits = |i: usize, c: &u8| match i {
        0..=2 => c.eq_ignore_ascii_case(&b"ssh"[i]),
        3 => *c == b'-',
        4 => matches!(c, b'1' | b'2'),
        _ => *c == b'.',
    };
    if !b.iter().take(6).enumerate().all(|(i, c)| fits(i, c)) {
        return Some(false);
    }
    (b.len() >= 6).then_some(true)
}

/// Zeek's `dpd_ftp_client` + `dpd_ftp_server`: a USER command at the start
/// of a client line; a 120/220 greeting opening the server's side, then a
/// 230/331 reply at the start of a later line.
fn ftp_signature(orig: &[u8], resp: &[u8]) -> Option<bool> {
    let blanks = resp
        .iter()
        .take_while(|b| matches!(b, b'\n' | b'\r' | b' '))
        .count();
    let greeting = &resp[blanks..];
    if greeting.len() < 4 {
        // Undecided while what came can still become a greeting.
        let possible = [b"120", b"220"]
            .iter()
            .any(|c| c.starts_with(&greeting[..greeting.len().min(3)]));
        return if possible { None } else { Some(false) };
    }
    if !code_then_non_digit(greeting, &[b"120", b"220"]) {
        return Some(false);
    }
    let login_reply = (4..greeting.len()).any(|i| {
        matches!(greeting[i], b'\n' | b'\r')
            && code_then_non_digit(trim_spaces(&greeting[i + 1..]), &[b"230", b"331"])
    });
    let user_command = line_starts(orig).any(|line| {
        let l = trim_spaces(line);
        l.len() >= 5 && l[..4].eq_ignore_ascii_case(b"user") && l[4] == b' '
    });
    (login_reply && user_command).then_some(true)
}

/// Whether `s` starts with one of `codes` and a non-digit.
fn code_then_non_digit(s: &[u8], codes: &[&[u8]]) -> bool {
    s.len() >= 4 && codes.iter().any(|c| s.starts_with(c)) && !s[3].is_ascii_digit()
}

/// `s` from the start and from after every CR or LF.
fn line_starts(s: &[u8]) -> impl Iterator<Item = &[u8]> {
    std::iter::once(s).chain(
        s.iter()
            .enumerate()
            .filter(|(_, b)| matches!(b, b'\n' | b'\r'))
            .map(move |(i, _)| &s[i + 1..]),
    )
}

fn trim_spaces(b: &[u8]) -> &[u8] {
    &b[b.iter().take_while(|&&c| c == b' ').count()..]
}

/// Client bytes searched for HELO/EHLO before giving up.
const SMTP_CLIENT_SCAN: usize = 512;

/// Zeek's `dpd_smtp_client` + `dpd_smtp_server`: a 220 greeting from the
/// responder and HELO or EHLO starting a line of the originator.
fn smtp_signature(orig: &[u8], resp: &[u8]) -> Option<bool> {
    let r = trim_leading_space(resp);
    if r.len() < 4 {
        // Undecided while the greeting may still become "220 ".
        return if b"220".starts_with(r) {
            None
        } else {
            Some(false)
        };
    }
    if !(r.starts_with(b"220") && (r[3] == b'-' || r[3].is_ascii_whitespace())) {
        return Some(false);
    }
    let hello = orig.split(|&c| c == b'\n' || c == b'\r').any(|line| {
        let l = trim_leading_space(line);
        l.len() >= 4
            && (l[..4].eq_ignore_ascii_case(b"HELO") || l[..4].eq_ignore_ascii_case(b"EHLO"))
    });
    if hello {
        Some(true)
    } else if orig.len() >= SMTP_CLIENT_SCAN {
        Some(false)
    } else {
        None
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

    #[test]
    fn ssh_signature_needs_both_banners() {
        assert_eq!(ssh_signature(b"SSH-2.0-OpenSSH_6.2\r\n", b""), None);
        assert_eq!(ssh_signature(b"ssh-1.5-x", b"SSH-1.99-y"), Some(true));
        assert_eq!(ssh_signature(b"SSH-2.0-x", b"SSH-2"), None);
        assert_eq!(ssh_signature(b"SSH-3.0-x", b"SSH-2.0-y"), Some(false));
        assert_eq!(ssh_signature(b"GET / HTTP/1.1", b"SSH-2.0-y"), Some(false));
    }

    #[test]
    fn ftp_signature_needs_login_from_both_sides() {
        let greeting = b"220 ftp.example.org ready\r\n";
        assert_eq!(ftp_signature(b"", greeting), None);
        assert_eq!(ftp_signature(b"USER anonymous\r\n", greeting), None);
        assert_eq!(
            ftp_signature(
                b"USER anonymous\r\n",
                b"220 ftp.example.org ready\r\n331 Guest login ok\r\n"
            ),
            Some(true)
        );
        assert_eq!(
            ftp_signature(b"SYST\r\n  user x\r\n", b"\r\n120-wait\r\n 230 ok\r\n"),
            Some(true)
        );
        assert_eq!(
            ftp_signature(b"USER x\r\n", b"HTTP/1.1 200 OK\r\n"),
            Some(false)
        );
        assert_eq!(ftp_signature(b"USER x\r\n", b"2201 no\r\n"), Some(false));
        assert_eq!(ftp_signature(b"USER x\r\n", b"22"), None);
        // The host probes with one byte per side: FTP is decidable.
        assert_eq!(Kind::Ftp.signature(6, b"x", b"x"), Some(false));
    }

    #[test]
    fn smtp_signature_needs_greeting_and_hello() {
        assert_eq!(smtp_signature(b"", b"22"), None);
        assert_eq!(
            smtp_signature(b"EHLO x\r\n", b"220 mx ESMTP\r\n"),
            Some(true)
        );
        assert_eq!(
            smtp_signature(b"x\r\n helo y\r\n", b"220-mx\r\n"),
            Some(true)
        );
        assert_eq!(smtp_signature(b"", b"220 mx\r\n"), None);
        assert_eq!(smtp_signature(b"EHLO x\r\n", b"SSH-2.0-x\r\n"), Some(false));
        assert_eq!(smtp_signature(&[b'a'; 600], b"220 mx\r\n"), Some(false));
    }
}
