//! Unsigned integers of any size, for the decimal text OpenSSL prints of
//! OID arcs and RSA exponents (`BN_bn2dec`).

/// Little-endian base 10^9 limbs.
pub(crate) struct Big(Vec<u64>);

const LIMB: u64 = 1_000_000_000;

impl Big {
    /// From digits in `base` (at most 256), most significant first.
    pub(crate) fn from_digits(digits: impl Iterator<Item = u64>, base: u64) -> Big {
        let mut limbs = vec![0u64];
        for d in digits {
            let mut carry = d;
            for limb in limbs.iter_mut() {
                let v = *limb * base + carry;
                *limb = v % LIMB;
                carry = v / LIMB;
            }
            if carry > 0 {
                limbs.push(carry);
            }
        }
        Big(limbs)
    }

    /// The value if it is below 10^9.
    pub(crate) fn small(&self) -> Option<u64> {
        match self.0[..] {
            [v] => Some(v),
            _ => None,
        }
    }

    /// `self -= v` for `v` below 10^9 and at most `self`.
    pub(crate) fn subtract(&mut self, v: u64) {
        let mut borrow = v;
        for limb in self.0.iter_mut() {
            if *limb >= borrow {
                *limb -= borrow;
                break;
            }
            *limb = *limb + LIMB - borrow;
            borrow = 1;
        }
        while self.0.len() > 1 && self.0.last() == Some(&0) {
            self.0.pop();
        }
    }
}

impl std::fmt::Display for Big {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut limbs = self.0.iter().rev();
        write!(f, "{}", limbs.next().unwrap_or(&0))?;
        limbs.try_for_each(|l| write!(f, "{l:09}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_text() {
        let b = |bytes: &[u8]| Big::from_digits(bytes.iter().map(|b| u64::from(*b)), 256);
        assert_eq!(b(&[0x01, 0x00, 0x01]).to_string(), "65537");
        assert_eq!(b(&[]).to_string(), "0");
        assert_eq!(b(&[0xFF; 8]).to_string(), "18446744073709551615");
        let mut v = b(&[0x3B, 0x9A, 0xCA, 0x00]); // 10^9
        v.subtract(1);
        assert_eq!(v.to_string(), "999999999");
        assert_eq!(v.small(), Some(999_999_999));
    }
}
