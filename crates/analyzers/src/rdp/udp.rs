//! RDPEUDP, RDP's UDP transport (Zeek's RDPEUDP analyzer): the SYN,
//! SYN+ACK, ACK handshake in each datagram's FEC header. The server's
//! SYN+ACK to a client's SYN confirms the protocol (`rdpeudp` service).

use crate::{Analyzer, Context};

const FLAG_SYN: u16 = 0x0001;
const FLAG_ACK: u16 = 0x0004;
/// The SYN's `snSourceAck` is always -1.
const SYN_SOURCE_ACK: u32 = 0xFFFF_FFFF;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum State {
    #[default]
    NeedSyn,
    NeedSynAck,
    /// Handshake answered; later datagrams carry data.
    Established,
}

#[derive(Default)]
pub struct RdpeudpAnalyzer {
    state: State,
}

/// The RDPUDP_FEC_HEADER: snSourceAck, receive window, flags.
fn fec_header(d: &[u8]) -> Option<(u32, u16)> {
    let source_ack = u32::from_be_bytes(d.get(..4)?.try_into().ok()?);
    let flags = u16::from_be_bytes(d.get(6..8)?.try_into().ok()?);
    Some((source_ack, flags))
}

impl Analyzer for RdpeudpAnalyzer {
    fn deliver(&mut self, cx: &mut Context<'_>, is_orig: bool, data: &[u8]) {
        let Some((source_ack, flags)) = fec_header(data) else {
            return cx.violation("RDPEUDP datagram shorter than its header", Some(data));
        };
        match self.state {
            State::NeedSyn if is_orig && flags & FLAG_SYN != 0 && source_ack == SYN_SOURCE_ACK => {
                self.state = State::NeedSynAck;
            }
            State::NeedSynAck if !is_orig && flags & (FLAG_SYN | FLAG_ACK) != 0 => {
                cx.confirm();
                self.state = State::Established;
            }
            _ => {}
        }
    }

    fn finish(&mut self, _cx: &mut Context<'_>) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{conn, drive};

    fn datagram(source_ack: u32, flags: u16) -> Vec<u8> {
        [
            &source_ack.to_be_bytes()[..],
            &[0x04, 0x00],
            &flags.to_be_bytes(),
            &[0; 24],
        ]
        .concat()
    }

    #[test]
    fn syn_then_synack_confirms() {
        let syn = datagram(SYN_SOURCE_ACK, FLAG_SYN);
        let synack = datagram(7, FLAG_SYN | FLAG_ACK);
        let o = drive(
            &mut RdpeudpAnalyzer::default(),
            &conn(17, 3389),
            &[(true, &syn), (false, &synack)],
        );
        assert!(o.confirmed);
        assert!(!o.violated);
    }

    #[test]
    fn synack_without_syn_or_from_client_does_not_confirm() {
        let synack = datagram(7, FLAG_SYN | FLAG_ACK);
        let bad_syn = datagram(1, FLAG_SYN);
        let o = drive(
            &mut RdpeudpAnalyzer::default(),
            &conn(17, 3389),
            &[(true, &bad_syn), (false, &synack), (true, &synack)],
        );
        assert!(!o.confirmed);
        let o = drive(
            &mut RdpeudpAnalyzer::default(),
            &conn(17, 3389),
            &[(true, b"abc")],
        );
        assert!(o.violated);
    }
}
