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
mod state;
#[cfg(test)]
mod tests;
mod transactions;

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
        }
    }
}
