//! The decode driver: link layer → IP → tunnels → transport.
use crate::{Decoded, Nanos};

/// Settings that change what the decoder does.
#[derive(Clone, Debug)]
pub struct DecodeConfig {
    /// Verify IP/TCP/UDP/ICMP checksums (Zeek's default; off with `-C`).
    pub verify_checksums: bool,
    /// Maximum tunnel nesting (Zeek's `Tunnel::max_depth`, default 2).
    pub max_tunnel_depth: usize,
}

impl Default for DecodeConfig {
    fn default() -> Self {
        DecodeConfig { verify_checksums: true, max_tunnel_depth: 2 }
    }
}

/// Per-worker decoder; owns the fragment reassembly state.
#[derive(Debug, Default)]
pub struct Decoder {
    pub config: DecodeConfig,
}

impl Decoder {
    pub fn new(config: DecodeConfig) -> Self {
        Decoder { config }
    }

    /// Decode one captured packet of the given link type.
    pub fn decode<'a>(&'a mut self, _ts: Nanos, _linktype: u32, _data: &'a [u8]) -> Decoded<'a> {
        Decoded::default()
    }
}
