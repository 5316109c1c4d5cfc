//! Community ID v1 flow hashes (the `community_id` column of
//! `policy/protocols/conn/community-id-logging`): the same value for a flow
//! whichever side is the originator, so flows can be joined across tools.

use crate::key::icmp_counterpart;
use sha1::{Digest, Sha1};
use std::net::IpAddr;

fn addr_bytes(ip: IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

/// `1:` + base64(SHA-1(seed, ordered endpoints, protocol, ports)).
pub fn community_id_v1(
    seed: u16,
    src: IpAddr,
    sport: u16,
    dst: IpAddr,
    dport: u16,
    proto: u8,
) -> String {
    let (mut s, mut d) = ((addr_bytes(src), sport), (addr_bytes(dst), dport));
    let is_icmp = proto == 1 || proto == 58;
    let mut one_way = false;
    if is_icmp {
        // For ICMP, "ports" are type and code; paired messages use the
        // counterpart type so that request and reply hash alike.
        match icmp_counterpart(proto == 58, sport as u8) {
            Some(counter) => d.1 = counter as u16,
            None => one_way = true,
        }
    }
    if !one_way && (s.0.as_slice(), s.1) > (d.0.as_slice(), d.1) {
        std::mem::swap(&mut s, &mut d);
    }
    let mut h = Sha1::new();
    h.update(seed.to_be_bytes());
    h.update(&s.0);
    h.update(&d.0);
    h.update([proto, 0]);
    if matches!(proto, 1 | 6 | 17 | 58 | 132) {
        h.update(s.1.to_be_bytes());
        h.update(d.1.to_be_bytes());
    }
    format!("1:{}", records::base64(&h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    // The specification's TCP example, in both directions.
    #[test]
    fn published_vectors() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            community_id_v1(0, ip("128.232.110.120"), 34855, ip("66.35.250.204"), 80, 6),
            "1:LQU9qZlK+B5F3KDmev6m5PMibrg="
        );
        assert_eq!(
            community_id_v1(0, ip("66.35.250.204"), 80, ip("128.232.110.120"), 34855, 6),
            "1:LQU9qZlK+B5F3KDmev6m5PMibrg="
        );
        // ICMP request and reply are one flow.
        assert_eq!(
            community_id_v1(0, ip("192.168.0.89"), 8, ip("192.168.0.1"), 0, 1),
            community_id_v1(0, ip("192.168.0.1"), 0, ip("192.168.0.89"), 8, 1)
        );
    }
}
