//! HTTP/1.x: http.log (Zeek's `base/protocols/http`); bodies go to the
//! files framework.

mod record;

pub use record::HttpRecord;

/// Zeek's HTTP options.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// `HTTP::default_capture_password`: log passwords of basic auth.
    pub capture_password: bool,
    /// `HTTP::proxy_headers`: request headers that mark a proxied request.
    pub proxy_headers: Vec<String>,
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
        }
    }
}

/// HTTP analyzer state of one connection. (Being implemented.)
pub struct HttpAnalyzer {}

impl HttpAnalyzer {
    pub fn new() -> Self {
        HttpAnalyzer {}
    }
}

impl crate::Analyzer for HttpAnalyzer {
    fn deliver(&mut self, _cx: &mut crate::Context<'_>, _is_orig: bool, _data: &[u8]) {}
    fn finish(&mut self, _cx: &mut crate::Context<'_>) {}
}
