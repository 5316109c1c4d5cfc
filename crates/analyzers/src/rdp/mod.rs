//! RDP (Zeek's `base/protocols/rdp`): the X.224 connection setup over
//! TPKT. When the server picks TLS or CredSSP in its negotiation response,
//! the rest of the stream goes through protocol detection again (Zeek
//! hands it to a fresh PIA), so the TLS handshake reaches ssl.log. With
//! standard RDP security the protocol is confirmed by the MCS connect
//! PDUs' GCC user data, as Zeek does; RDP's own encryption ends analysis.
//! RDPEUDP, its UDP transport, is in [`udp`].

pub mod udp;

use crate::framing::{Fed, Framing, MessageStream};
use crate::{Analyzer, Context};

/// TPKT packets are at most 64 KiB by their length field.
const MAX_TPKT: usize = 0xFFFF;
const TPKT_VERSION: u8 = 3;
const CONNECT_REQUEST: u8 = 0xE0;
const CONNECT_CONFIRM: u8 = 0xD0;
const DATA: u8 = 0xF0;
const NEGOTIATION_RESPONSE: u8 = 0x02;
/// MCS Connect-Initial and Connect-Response (BER application tags).
const MCS_CONNECT_INITIAL: u8 = 0x65;
const MCS_CONNECT_RESPONSE: u8 = 0x66;
/// Data block types confirming the protocol.
const CLIENT_CORE_DATA: u16 = 0xC001;
const SERVER_SECURITY_DATA: u16 = 0x0C02;

pub struct RdpAnalyzer {
    packets: [MessageStream; 2],
    /// Analysis ended: the stream went encrypted or is not RDP.
    done: bool,
}

impl Default for RdpAnalyzer {
    fn default() -> Self {
        RdpAnalyzer {
            packets: [MessageStream::new(MAX_TPKT), MessageStream::new(MAX_TPKT)],
            done: false,
        }
    }
}

fn tpkt_framing(b: &[u8]) -> Framing {
    match b {
        [TPKT_VERSION, _, hi, lo, ..] => match usize::from(u16::from_be_bytes([*hi, *lo])) {
            n if n >= 5 => Framing::Length(n),
            _ => Framing::Invalid,
        },
        [v, ..] if *v != TPKT_VERSION => Framing::Invalid,
        _ => Framing::NeedMore,
    }
}

/// What one TPKT packet means for the analysis.
#[derive(Debug, PartialEq, Eq)]
enum Packet {
    /// Nothing that changes the state.
    Other,
    /// The protocol is confirmed.
    Confirmed,
    /// The server chose TLS or CredSSP: detection starts over.
    Tls,
    /// The server turned on RDP's own encryption.
    NativeEncryption,
    /// Not a valid packet.
    Invalid,
}

/// Interprets one TPKT packet (header included).
fn packet(p: &[u8]) -> Packet {
    let cotp = &p[4..];
    let (Some(&cotp_len), Some(&pdu)) = (cotp.first(), cotp.get(1)) else {
        return Packet::Invalid;
    };
    match pdu {
        CONNECT_CONFIRM => connect_confirm(cotp, cotp_len),
        CONNECT_REQUEST => Packet::Other,
        DATA => mcs(cotp.get(2..).unwrap_or_default()),
        _ => Packet::Other,
    }
}

/// X.224 Connection Confirm: a negotiation response that selects a
/// protocol other than standard RDP security switches to TLS.
fn connect_confirm(cotp: &[u8], cotp_len: u8) -> Packet {
    // length, code, dst ref (2), src ref (2), class: then the response.
    let Some(rest) = cotp.get(7..usize::from(cotp_len) + 1) else {
        return if cotp.len() >= 7 {
            Packet::Other
        } else {
            Packet::Invalid
        };
    };
    match rest {
        [NEGOTIATION_RESPONSE, _flags, _l0, _l1, p0, p1, p2, p3, ..] => {
            if u32::from_le_bytes([*p0, *p1, *p2, *p3]) > 0 {
                Packet::Tls
            } else {
                Packet::Other
            }
        }
        [] => Packet::Other,
        [0x02 | 0x03, ..] => Packet::Invalid,
        _ => Packet::Other,
    }
}

/// An X.224 data PDU carrying an MCS connect PDU: its GCC user data
/// blocks follow the H.221 key ("Duca" from the client, "McDn" from the
/// server) and a two-byte length.
fn mcs(dt: &[u8]) -> Packet {
    // TPDU number, then the BER application tag 0x7F 0x65 / 0x7F 0x66.
    let (key, confirming) = match dt {
        [_, 0x7F, MCS_CONNECT_INITIAL, ..] => (&b"Duca"[..], CLIENT_CORE_DATA),
        [_, 0x7F, MCS_CONNECT_RESPONSE, ..] => (&b"McDn"[..], SERVER_SECURITY_DATA),
        _ => return Packet::Other,
    };
    let Some(at) = dt.windows(4).position(|w| w == key) else {
        return Packet::Other;
    };
    let mut blocks = dt.get(at + 6..).unwrap_or_default();
    let mut verdict = Packet::Other;
    while let [t0, t1, l0, l1, ..] = *blocks {
        let kind = u16::from_le_bytes([t0, t1]);
        let len = usize::from(u16::from_le_bytes([l0, l1]));
        let Some(body) = blocks.get(4..len.max(4)) else {
            break;
        };
        if kind == CLIENT_CORE_DATA && kind == confirming {
            verdict = Packet::Confirmed;
        }
        if kind == SERVER_SECURITY_DATA && kind == confirming {
            verdict = server_security(body);
        }
        blocks = &blocks[len.max(4)..];
    }
    if confirming == SERVER_SECURITY_DATA && verdict == Packet::Other {
        // Zeek confirms on the GCC create response itself.
        return Packet::Confirmed;
    }
    verdict
}

/// Server security data: encryption method and level both set means RDP
/// encryption from here on.
fn server_security(body: &[u8]) -> Packet {
    match body {
        [m0, m1, m2, m3, l0, l1, l2, l3, ..]
            if u32::from_le_bytes([*m0, *m1, *m2, *m3]) > 0
                && u32::from_le_bytes([*l0, *l1, *l2, *l3]) > 0 =>
        {
            Packet::NativeEncryption
        }
        _ => Packet::Confirmed,
    }
}

impl Analyzer for RdpAnalyzer {
    fn deliver(&mut self, cx: &mut Context<'_>, is_orig: bool, data: &[u8]) {
        if self.done {
            return;
        }
        let done = &mut self.done;
        let fed = self.packets[usize::from(is_orig)].feed(data, tpkt_framing, |p| {
            if *done {
                return true;
            }
            match packet(p) {
                Packet::Other => {}
                Packet::Confirmed => cx.confirm(),
                Packet::Tls => {
                    *done = true;
                    cx.redetect();
                }
                Packet::NativeEncryption => {
                    cx.confirm();
                    *done = true;
                }
                Packet::Invalid => return false,
            }
            true
        });
        if fed == Fed::Broken && !self.done {
            self.done = true;
            cx.violation("invalid TPKT/X.224 packet", Some(data));
        }
    }

    fn gap(&mut self, _cx: &mut Context<'_>, _is_orig: bool, _len: u64) {
        self.done = true;
    }

    fn finish(&mut self, _cx: &mut Context<'_>) {}
}

#[cfg(test)]
mod tests;
