//! DNS over UDP and TCP: dns.log (Zeek's `base/protocols/dns`).

mod record;

pub use record::DnsRecord;

/// Zeek's DNS options.
#[derive(Debug, Clone)]
pub struct DnsConfig {
    /// `DNS::max_pending_msgs`: unanswered messages kept per connection.
    pub max_pending_msgs: usize,
    /// `DNS::max_pending_query_ids`.
    pub max_pending_query_ids: usize,
    /// `dns_max_queries`: questions parsed per message.
    pub max_queries: usize,
}

impl Default for DnsConfig {
    fn default() -> Self {
        DnsConfig {
            max_pending_msgs: 50,
            max_pending_query_ids: 50,
            max_queries: 25,
        }
    }
}

/// DNS analyzer state of one connection. (Being implemented.)
pub struct DnsAnalyzer {
    proto: u8,
}

impl DnsAnalyzer {
    pub fn new(proto: u8) -> Self {
        DnsAnalyzer { proto }
    }
}

impl crate::Analyzer for DnsAnalyzer {
    fn deliver(&mut self, _cx: &mut crate::Context<'_>, _is_orig: bool, _data: &[u8]) {
        let _ = self.proto;
    }
    fn finish(&mut self, _cx: &mut crate::Context<'_>) {}
}
