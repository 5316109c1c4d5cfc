//! Traffic synthesizer for Shrike's own tests: valid packets (checksums
//! and all), whole TCP conversations, fragments and tunnels, written as
//! classic pcap or pcapng. Tests use it so that `cargo test` needs no
//! external captures.

pub mod capture;
pub mod dns;
pub mod packet;
pub mod tcp;

pub use capture::{gzip, Capture, PcapFormat};
pub use packet::{fragment_ipv4, vxlan, Packet};
pub use tcp::TcpConversation;

/// Nanoseconds per second, for building timestamps.
pub const SEC: i64 = 1_000_000_000;
/// Nanoseconds per millisecond.
pub const MS: i64 = 1_000_000;
