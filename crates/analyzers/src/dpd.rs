//! The protocols Shrike analyzes and how each is recognised: by the ports
//! Zeek registers it on (given by the caller) and by its payload, as
//! Zeek's dynamic protocol detection signatures (`dpd.sig`) do.

use crate::Analyzer;

/// Every application analyzer. Adding a protocol means adding it here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Dns,
    Http,
    Smtp,
}

impl Kind {
    pub const ALL: &'static [Kind] = &[Kind::Dns, Kind::Http, Kind::Smtp];

    /// Zeek's analyzer name as users write it (`Analyzer::ANALYZER_HTTP`,
    /// `--disable-analyzer http`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Dns => "DNS",
            Kind::Http => "HTTP",
            Kind::Smtp => "SMTP",
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
            Kind::Smtp => "base/protocols/smtp",
        }
    }

    /// conn.log's service for this analyzer on transport `proto`.
    pub fn service(self, _proto: u8) -> &'static str {
        match self {
            Kind::Dns => "dns",
            Kind::Http => "http",
            Kind::Smtp => "smtp",
        }
    }

    /// A fresh analyzer for one connection.
    pub fn create(self, proto: u8) -> Option<Box<dyn Analyzer>> {
        match (self, proto) {
            (Kind::Dns, 6 | 17) => Some(Box::new(crate::dns::DnsAnalyzer::new(proto))),
            (Kind::Http, 6) => Some(Box::new(crate::http::HttpAnalyzer::new())),
            (Kind::Smtp, 6) => Some(Box::new(crate::smtp::SmtpAnalyzer::new())),
            _ => None,
        }
    }

    /// Whether the first bytes of each direction (`orig`, `resp`; empty when
    /// that side has sent nothing yet) look like this protocol. `None`: not
    /// decidable yet, wait for more data.
    pub fn signature(self, proto: u8, orig: &[u8], resp: &[u8]) -> Option<bool> {
        match (self, proto) {
            (Kind::Http, 6) => http_signature(orig, resp),
            (Kind::Smtp, 6) => smtp_signature(orig, resp),
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
