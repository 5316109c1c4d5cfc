//! Analyzers stage: application protocols above TCP and UDP.
//!
//! The flows stage owns one [`ConnAnalyzers`] per connection that has an
//! analyzer attached (by well-known port or by payload signature, Zeek's
//! dynamic protocol detection) and feeds it in-order stream data, content
//! gaps and datagrams. Analyzers turn that into records (dns.log, http.log,
//! files.log, analyzer.log) and confirm or reject their protocol, which
//! decides conn.log's `service` column.
//!
//! One folder per protocol; a protocol is registered once, in [`Kind`].

mod context;
mod dce_rpc;
mod dhcp;
mod digest;
pub mod dns;
mod dpd;
pub mod files;
mod framing;
pub mod ftp;
mod host;
pub mod http;
mod imap;
mod irc;
mod krb;
mod ldap;
pub mod mime;
mod modbus;
mod ntp;
mod pop3;
mod postgresql;
mod quic;
mod rdp;
mod record;
mod redis;
pub mod smb;
pub mod smtp;
mod socks;
pub mod software;
pub mod ssh;
pub mod ssl;
mod syslog;
#[cfg(test)]
mod test_support;
pub mod websocket;
pub mod x509;
mod xmpp;

pub use context::{AnalyzerConfig, ConnInfo, Context, Expectation, FuidGen};
pub use dpd::Kind;
pub use host::{AnalyzerPlan, AnalyzerSet, ConnAnalyzers};
#[cfg(feature = "fuzzing")]
pub use quic::seal_initial as seal_quic_initial;
pub use record::{AnalyzerRecord, AppNotice, AppRecord, AppSink, AppTunnel, AppWeird};

/// One protocol analyzer attached to one connection.
///
/// For TCP, `deliver` receives the reassembled stream of one direction in
/// order; for UDP, one datagram per call. Analyzers never panic on bad
/// input: they report a protocol violation ([`Context::violation`]) or a
/// weird and carry on or give up.
pub trait Analyzer: Send {
    /// In-order bytes from the originator (`is_orig`) or the responder.
    fn deliver(&mut self, cx: &mut Context<'_>, is_orig: bool, data: &[u8]);
    /// `len` bytes of the stream are missing (a content gap).
    fn gap(&mut self, _cx: &mut Context<'_>, _is_orig: bool, _len: u64) {}
    /// The direction ended (FIN reached in order).
    fn end_of_stream(&mut self, _cx: &mut Context<'_>, _is_orig: bool) {}
    /// The connection is gone: flush whatever is pending.
    fn finish(&mut self, cx: &mut Context<'_>);
}
