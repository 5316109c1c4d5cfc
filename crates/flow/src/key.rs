//! Connection keys: the 5-tuple (optionally with VLAN tags), canonicalised
//! so both directions of a connection find the same entry.

use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConnKey {
    pub addr_lo: IpAddr,
    pub addr_hi: IpAddr,
    pub port_lo: u16,
    pub port_hi: u16,
    pub proto: u8,
    /// VLAN tags, only when the VLAN-aware key is enabled.
    pub vlans: (u16, u16),
    /// One-way ICMP messages are not paired with the reverse direction.
    pub one_way: bool,
}

impl ConnKey {
    pub fn new(
        src: IpAddr,
        sport: u16,
        dst: IpAddr,
        dport: u16,
        proto: u8,
        one_way: bool,
        vlans: (u16, u16),
    ) -> Self {
        let forward = one_way || (src, sport) <= (dst, dport);
        let ((addr_lo, port_lo), (addr_hi, port_hi)) = if forward {
            ((src, sport), (dst, dport))
        } else {
            ((dst, dport), (src, sport))
        };
        ConnKey {
            addr_lo,
            addr_hi,
            port_lo,
            port_hi,
            proto,
            vlans,
            one_way,
        }
    }
}

/// Zeek's pairing of ICMP message types (request <-> reply); `None` for
/// one-way messages, whose "responder port" is the code.
pub fn icmp_counterpart(v6: bool, icmp_type: u8) -> Option<u8> {
    let pairs: &[(u8, u8)] = if v6 {
        &[
            (128, 129),
            (133, 134),
            (135, 136),
            (130, 131),
            (139, 140),
            (144, 145),
            (146, 147),
        ]
    } else {
        &[(8, 0), (13, 14), (15, 16), (17, 18), (10, 9)]
    };
    pairs.iter().find_map(|&(a, b)| {
        if a == icmp_type {
            Some(b)
        } else if b == icmp_type {
            Some(a)
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_directions_share_a_key() {
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        assert_eq!(
            ConnKey::new(a, 1234, b, 80, 6, false, (0, 0)),
            ConnKey::new(b, 80, a, 1234, 6, false, (0, 0))
        );
        assert_ne!(
            ConnKey::new(a, 3, b, 3, 1, true, (0, 0)),
            ConnKey::new(b, 3, a, 3, 1, true, (0, 0))
        );
    }

    #[test]
    fn icmp_pairs() {
        assert_eq!(icmp_counterpart(false, 8), Some(0));
        assert_eq!(icmp_counterpart(false, 0), Some(8));
        assert_eq!(icmp_counterpart(true, 131), Some(130));
        assert_eq!(icmp_counterpart(false, 3), None);
    }
}
