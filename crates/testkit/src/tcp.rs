//! Whole TCP conversations with correct sequence and acknowledgement
//! numbers, as a real stack would send them.

use crate::packet::{Packet, ACK, FIN, PSH, RST, SYN};
use std::net::IpAddr;

/// A conversation between a client and a server; every method appends the
/// packets it implies, each `step` nanoseconds after the previous one.
#[derive(Debug, Clone)]
pub struct TcpConversation {
    client: (IpAddr, u16),
    server: (IpAddr, u16),
    /// Next sequence number of each side.
    cseq: u32,
    sseq: u32,
    now: i64,
    step: i64,
    vlan: Option<u16>,
    last_client_data: Option<Packet>,
    packets: Vec<(i64, Packet)>,
}

impl TcpConversation {
    pub fn new(client: IpAddr, cport: u16, server: IpAddr, sport: u16, start: i64) -> Self {
        TcpConversation {
            client: (client, cport),
            server: (server, sport),
            cseq: 1000,
            sseq: 5000,
            now: start,
            step: 1_000_000,
            vlan: None,
            last_client_data: None,
            packets: Vec::new(),
        }
    }

    /// Tag every packet with a VLAN id.
    pub fn vlan(mut self, id: u16) -> Self {
        self.vlan = Some(id);
        self
    }

    /// Initial sequence numbers (to test wrap-around).
    pub fn isn(mut self, client: u32, server: u32) -> Self {
        self.cseq = client;
        self.sseq = server;
        self
    }

    fn emit(&mut self, from_client: bool, flags: u8, payload: &[u8]) -> Packet {
        let ((src, sp), (dst, dp)) = if from_client {
            (self.client, self.server)
        } else {
            (self.server, self.client)
        };
        let (seq, ack) = if from_client {
            (self.cseq, self.sseq)
        } else {
            (self.sseq, self.cseq)
        };
        let mut p = Packet::tcp(src, sp, dst, dp)
            .flags(flags)
            .seq(seq)
            .payload(payload);
        if flags & ACK != 0 {
            p = p.ack(ack);
        }
        if let Some(v) = self.vlan {
            p = p.vlan(v);
        }
        self.now += self.step;
        self.packets.push((self.now, p.clone()));
        if from_client && !payload.is_empty() {
            self.last_client_data = Some(p.clone());
        }
        let advance = payload.len() as u32 + u32::from(flags & (SYN | FIN) != 0);
        if from_client {
            self.cseq = self.cseq.wrapping_add(advance);
        } else {
            self.sseq = self.sseq.wrapping_add(advance);
        }
        p
    }

    pub fn handshake(mut self) -> Self {
        self.emit(true, SYN, b"");
        self.emit(false, SYN | ACK, b"");
        self.emit(true, ACK, b"");
        self
    }
    /// The client sends data; the server acknowledges it.
    pub fn client_sends(mut self, data: &[u8]) -> Self {
        self.emit(true, ACK | PSH, data);
        self.emit(false, ACK, b"");
        self
    }
    /// The server sends data; the client acknowledges it.
    pub fn server_sends(mut self, data: &[u8]) -> Self {
        self.emit(false, ACK | PSH, data);
        self.emit(true, ACK, b"");
        self
    }
    /// Send the client's last data packet again.
    pub fn retransmit_last(mut self) -> Self {
        if let Some(p) = self.last_client_data.clone() {
            self.now += self.step;
            self.packets.push((self.now, p));
        }
        self
    }
    /// The client's next `n` bytes are lost on the wire (never captured).
    pub fn client_gap(mut self, n: u32) -> Self {
        self.cseq = self.cseq.wrapping_add(n);
        self
    }
    /// Orderly close: client FIN, server FIN, final ACK.
    pub fn close(mut self) -> Self {
        self.emit(true, FIN | ACK, b"");
        self.emit(false, FIN | ACK, b"");
        self.emit(true, ACK, b"");
        self
    }
    pub fn client_reset(mut self) -> Self {
        self.emit(true, RST | ACK, b"");
        self
    }
    /// The server refuses the connection (SYN answered by RST).
    pub fn rejected(mut self) -> Self {
        self.emit(true, SYN, b"");
        let (src, sp) = self.server;
        let (dst, dp) = self.client;
        self.now += self.step;
        let p = Packet::tcp(src, sp, dst, dp)
            .flags(RST | ACK)
            .ack(self.cseq);
        self.packets.push((self.now, p));
        self
    }
    pub fn wait(mut self, nanos: i64) -> Self {
        self.now += nanos;
        self
    }
    /// Timestamped Ethernet frames.
    pub fn frames(&self) -> Vec<(i64, Vec<u8>)> {
        self.packets.iter().map(|(t, p)| (*t, p.build())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_numbers_follow_the_stream() {
        let c = TcpConversation::new(
            "10.0.0.1".parse().unwrap(),
            1,
            "10.0.0.2".parse().unwrap(),
            2,
            0,
        )
        .handshake()
        .client_sends(b"hello")
        .close();
        let frames = c.frames();
        assert_eq!(frames.len(), 8);
        let seq = |f: &[u8]| u32::from_be_bytes(f[38..42].try_into().unwrap());
        let ack = |f: &[u8]| u32::from_be_bytes(f[42..46].try_into().unwrap());
        assert_eq!(seq(&frames[0].1), 1000);
        assert_eq!(ack(&frames[1].1), 1001);
        assert_eq!(seq(&frames[3].1), 1001);
        assert_eq!(ack(&frames[4].1), 1006, "server acks the 5 data bytes");
        assert_eq!(seq(&frames[5].1), 1006, "client FIN after the data");
        assert!(frames.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
