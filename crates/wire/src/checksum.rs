//! Internet checksum (RFC 1071). The sum is byte-order independent
//! (RFC 1071 §2(B)), so words are added in little endian (no byte swaps in
//! the loop) and the folded result is swapped once. 32-bit words are summed
//! into a 64-bit accumulator: no carries to handle, and the compiler turns
//! the loop into vector additions.
use std::net::IpAddr;

/// Adds `data` to a ones'-complement accumulator (not yet folded).
#[inline]
pub fn add(acc: u64, data: &[u8]) -> u64 {
    let mut blocks = data.chunks_exact(16);
    let mut lanes = [0u64; 4];
    for b in &mut blocks {
        for (i, lane) in lanes.iter_mut().enumerate() {
            let w = [b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]];
            *lane += u32::from_le_bytes(w) as u64;
        }
    }
    let mut acc = lanes.iter().fold(acc, |a, l| a.wrapping_add(*l));
    let mut words = blocks.remainder().chunks_exact(4);
    for w in &mut words {
        acc += u32::from_le_bytes([w[0], w[1], w[2], w[3]]) as u64;
    }
    let mut rest = words.remainder();
    if rest.len() >= 2 {
        acc += u16::from_le_bytes([rest[0], rest[1]]) as u64;
        rest = &rest[2..];
    }
    if let Some(&b) = rest.first() {
        acc += b as u64;
    }
    acc
}

/// Folds an accumulator into the 16-bit ones'-complement sum.
#[inline]
pub fn fold(mut acc: u64) -> u16 {
    while acc >> 16 != 0 {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    (acc as u16).swap_bytes()
}

/// Ones'-complement sum of a block; a valid header sums to 0xffff.
#[inline]
pub fn sum(data: &[u8]) -> u16 {
    fold(add(0, data))
}

/// Accumulator preloaded with the TCP/UDP/ICMPv6 pseudo header.
#[inline]
pub fn pseudo(src: IpAddr, dst: IpAddr, proto: u8, len: u32) -> u64 {
    let mut acc = 0u64;
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            acc = add(acc, &s.octets());
            acc = add(acc, &d.octets());
        }
        (s, d) => {
            let s = match s {
                IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
                IpAddr::V6(a) => a.octets(),
            };
            let d = match d {
                IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
                IpAddr::V6(a) => a.octets(),
            };
            acc = add(acc, &s);
            acc = add(acc, &d);
        }
    }
    // Words given as numbers enter byte-swapped (little-endian accumulator).
    acc + ((proto as u64) << 8)
        + ((len >> 16) as u16).swap_bytes() as u64
        + ((len & 0xffff) as u16).swap_bytes() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(data: &[u8]) -> u16 {
        let mut s: u32 = 0;
        for c in data.chunks(2) {
            let w = if c.len() == 2 {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                (c[0] as u16) << 8
            };
            s += w as u32;
        }
        while s >> 16 != 0 {
            s = (s & 0xffff) + (s >> 16);
        }
        s as u16
    }

    #[test]
    fn matches_reference_for_all_lengths() {
        let data: Vec<u8> = (0..300u32).map(|i| (i * 37 + 11) as u8).collect();
        for n in 0..data.len() {
            assert_eq!(sum(&data[..n]), reference(&data[..n]), "len {n}");
        }
        let ff = vec![0xffu8; 1000];
        assert_eq!(sum(&ff), reference(&ff));
    }
}
