//! Capture stage: packet sources (classic pcap, pcapng, gzip-compressed
//! either way, standard input) and the capture filter.
//!
//! Reading is streaming and zero-copy: records are parsed in a large buffer
//! and handed out as slices into it; a record that straddles the buffer end
//! moves the tail to the front before refilling.

mod filter;
#[cfg(feature = "libpcap")]
mod filter_libpcap;
mod reader;

pub use filter::{Filter, FilterError};
pub use reader::{PacketSource, SharedCapture};

/// One captured packet, borrowed from the reader's buffer.
#[derive(Debug, Clone, Copy)]
pub struct RawPacket<'a> {
    /// Capture time, nanoseconds since the Unix epoch.
    pub ts: i64,
    /// LINKTYPE_* of the interface the packet was captured on.
    pub linktype: u32,
    /// The captured bytes.
    pub data: &'a [u8],
    /// The packet's length on the wire (may exceed `data.len()`).
    pub wire_len: u32,
    /// pcapng interface index (0 for classic pcap).
    pub interface: u32,
}

/// Why a capture cannot be read.
#[derive(Debug)]
pub enum CaptureError {
    /// The input is not a capture at all.
    NotACapture(String),
    Io(String, std::io::Error),
    /// The capture is damaged beyond the last good record.
    Corrupt {
        name: String,
        offset: u64,
        reason: String,
    },
}

impl std::fmt::Display for CaptureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CaptureError::NotACapture(what) => write!(f, "{what}"),
            CaptureError::Io(name, e) => write!(f, "cannot read {name}: {e}"),
            CaptureError::Corrupt {
                name,
                offset,
                reason,
            } => {
                write!(f, "{name} is corrupt at byte {offset}: {reason}")
            }
        }
    }
}

impl std::error::Error for CaptureError {}
