//! DER INTEGERs as OpenSSL decodes them (`c2i_ASN1_INTEGER`).

/// An INTEGER as OpenSSL reads it (`c2i_ASN1_INTEGER`): sign and
/// magnitude; `None` for an empty or needlessly padded encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Integer {
    pub negative: bool,
    /// Big-endian, as many bytes as the encoding has after any padding.
    pub magnitude: Vec<u8>,
}

pub(crate) fn integer(content: &[u8]) -> Option<Integer> {
    let (&first, rest) = content.split_first()?;
    let negative = first & 0x80 != 0;
    let padded = match rest.first() {
        None => false,
        Some(&second) => {
            let pad = first == 0 || (first == 0xFF && rest.iter().any(|b| *b != 0));
            if pad && negative == (second & 0x80 != 0) {
                return None;
            }
            pad
        }
    };
    let digits = &content[usize::from(padded)..];
    let magnitude = if negative {
        twos_complement(digits)
    } else {
        digits.to_vec()
    };
    Some(Integer {
        negative,
        magnitude,
    })
}

/// `!x + 1` over big-endian bytes.
fn twos_complement(bytes: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = bytes.iter().map(|b| !b).collect();
    for b in out.iter_mut().rev() {
        let (v, overflow) = b.overflowing_add(1);
        *b = v;
        if !overflow {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(content: &[u8]) -> Option<(bool, Vec<u8>)> {
        integer(content).map(|i| (i.negative, i.magnitude))
    }

    #[test]
    fn sign_and_magnitude() {
        assert_eq!(int(&[0x00]), Some((false, vec![0x00])));
        assert_eq!(int(&[0x00, 0x85]), Some((false, vec![0x85])));
        assert_eq!(int(&[0x80]), Some((true, vec![0x80])));
        assert_eq!(int(&[0xFF]), Some((true, vec![0x01])));
        assert_eq!(int(&[0xFF, 0x00]), Some((true, vec![0x01, 0x00])));
        assert_eq!(int(&[0xFF, 0x01]), Some((true, vec![0xFF])));
    }

    #[test]
    fn needless_padding_and_empty_are_rejected() {
        assert_eq!(int(&[]), None);
        assert_eq!(int(&[0x00, 0x05]), None);
        assert_eq!(int(&[0x00, 0x00]), None);
        assert_eq!(int(&[0xFF, 0x80]), None);
    }
}
