//! Connection uids in Zeek's form: `C` followed by a base62 number.
//!
//! With a seed, a uid is a pure function of (seed, 5-tuple, start time), so
//! the same capture gives the same uids for any number of workers.

use std::net::IpAddr;
use wire::Nanos;

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

pub struct UidGen {
    seed: Option<u64>,
    state: u64,
}

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn addr_bits(ip: IpAddr) -> u64 {
    match ip {
        IpAddr::V4(a) => u32::from(a) as u64,
        IpAddr::V6(a) => {
            let v = u128::from(a);
            (v as u64) ^ mix((v >> 64) as u64)
        }
    }
}

impl UidGen {
    pub fn new(seed: Option<u64>) -> Self {
        let state = seed.unwrap_or_else(|| {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0);
            let stack_addr = &t as *const u64 as u64;
            mix(t ^ mix(stack_addr) ^ std::process::id() as u64)
        });
        UidGen { seed, state }
    }

    /// A new uid for a connection first seen at `ts`.
    pub fn next(
        &mut self,
        src: IpAddr,
        dst: IpAddr,
        sport: u16,
        dport: u16,
        proto: u8,
        ts: Nanos,
    ) -> String {
        let (hi, lo) = match self.seed {
            Some(seed) => {
                let a = mix(seed ^ addr_bits(src));
                let b = mix(a ^ addr_bits(dst));
                let c = mix(b ^ ((sport as u64) << 24 | (dport as u64) << 8 | proto as u64));
                let d = mix(c ^ ts as u64);
                (c, d)
            }
            None => {
                self.state = mix(self.state);
                let a = self.state;
                self.state = mix(self.state);
                (a, self.state)
            }
        };
        encode(((hi as u128) << 64 | lo as u128) & ((1u128 << 96) - 1))
    }
}

fn encode(mut v: u128) -> String {
    let mut digits = [0u8; 24];
    let mut n = 0;
    while v > 0 && n < digits.len() {
        digits[n] = ALPHABET[(v % 62) as usize];
        v /= 62;
        n += 1;
    }
    let mut s = String::with_capacity(n + 1);
    s.push('C');
    s.extend(digits[..n].iter().rev().map(|&b| b as char));
    if n == 0 {
        s.push('0');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_uids_are_deterministic_and_zeek_shaped() {
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let x = UidGen::new(Some(7)).next(a, b, 1, 2, 6, 99);
        let y = UidGen::new(Some(7)).next(a, b, 1, 2, 6, 99);
        assert_eq!(x, y);
        assert!(x.starts_with('C') && x.len() >= 10 && x.len() <= 18);
        assert!(x[1..].bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(x, UidGen::new(Some(7)).next(a, b, 1, 2, 6, 100));
    }
}
