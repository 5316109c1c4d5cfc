//! HTTP/1.x: http.log (Zeek's `base/protocols/http`); bodies go to the
//! files framework.
//!
//! `parser` reads lines and fields, `message` frames one message's head
//! and body, `mime` splits multipart and message bodies into entities, `body`
//! decodes and counts body bytes and feeds files, `transactions` keeps the
//! http.log rows, and `state` is the per-connection analyzer tying them
//! together.

mod body;
mod message;
mod mime;
mod parser;
mod record;
mod software;
pub mod sqli;
mod state;
#[cfg(test)]
mod tests;
mod transactions;

pub(crate) use parser::unescape_uri;
pub use record::HttpRecord;
pub use state::HttpAnalyzer;

/// Zeek's HTTP options.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// `HTTP::default_capture_password`: log passwords of basic auth.
    pub capture_password: bool,
    /// `HTTP::proxy_headers`: request headers that mark a proxied request.
    pub proxy_headers: Vec<String>,
    /// `policy/protocols/http/header-names` loaded (its
    /// `HTTP::log_client_header_names` defaults to true).
    pub log_client_header_names: bool,
    /// `HTTP::log_server_header_names` of that script.
    pub log_server_header_names: bool,
    /// `base/protocols/websocket` is loaded: upgrades to WebSocket get
    /// its analyzer and websocket.log.
    pub websocket: bool,
    /// `protocols/http/detect-sql-injection` loaded: requests whose URI
    /// looks like SQL injection are tagged `HTTP::URI_SQLI`.
    pub tag_sql_injection: bool,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            capture_password: false,
            proxy_headers: [
                "FORWARDED",
                "X-FORWARDED-FOR",
                "X-FORWARDED-FROM",
                "CLIENT-IP",
                "VIA",
                "XROXY-CONNECTION",
                "PROXY-CONNECTION",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            log_client_header_names: false,
            log_server_header_names: false,
            websocket: false,
            tag_sql_injection: false,
        }
    }
}

/// Zeek's `dpd_http_client` + `dpd_http_server`: a request line from the
/// originator and a status line from the responder.
pub(crate) fn signature(orig: &[u8], resp: &[u8]) -> Option<bool> {
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

/// `b` without its leading white space.
pub(crate) fn trim_leading_space(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

#[cfg(test)]
mod signature_tests {
    use super::signature;

    #[test]
    fn http_signature_needs_both_sides() {
        assert_eq!(signature(b"GET / HTTP/1.1\r\n", b""), None);
        assert_eq!(
            signature(b"GET / HTTP/1.1\r\n", b"HTTP/1.1 200 OK\r\n"),
            Some(true)
        );
        assert_eq!(
            signature(b"SSH-2.0-x\r\n", b"HTTP/1.1 200 OK\r\n"),
            Some(false)
        );
        assert_eq!(
            signature(b"GET / HTTP/1.1\r\n", b"220 ftp ready\r\n"),
            Some(false)
        );
    }
}
