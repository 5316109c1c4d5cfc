//! DNS messages for synthesized traffic: one question, and for a response
//! one A record answering it.

/// A query (`answer` is `None`) or a response for `name` with transaction
/// id `id`; the answer is an IPv4 address and its TTL.
pub fn message(id: u16, name: &str, answer: Option<([u8; 4], u32)>) -> Vec<u8> {
    let mut m = Vec::new();
    m.extend_from_slice(&id.to_be_bytes());
    let flags: u16 = if answer.is_some() { 0x8180 } else { 0x0100 };
    m.extend_from_slice(&flags.to_be_bytes());
    m.extend_from_slice(&1u16.to_be_bytes());
    m.extend_from_slice(&u16::from(answer.is_some()).to_be_bytes());
    m.extend_from_slice(&[0, 0, 0, 0]);
    for label in name.split('.') {
        m.push(label.len() as u8);
        m.extend_from_slice(label.as_bytes());
    }
    m.push(0);
    // Type A, class IN.
    m.extend_from_slice(&[0, 1, 0, 1]);
    if let Some((addr, ttl)) = answer {
        // A pointer to the question's name (offset 12).
        m.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1]);
        m.extend_from_slice(&ttl.to_be_bytes());
        m.extend_from_slice(&4u16.to_be_bytes());
        m.extend_from_slice(&addr);
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_and_response_layout() {
        let q = message(7, "a.example", None);
        assert_eq!(&q[..4], &[0, 7, 0x01, 0x00]);
        assert_eq!(q.len(), 12 + 11 + 4);
        let r = message(7, "a.example", Some(([192, 0, 2, 1], 60)));
        assert_eq!(&r[r.len() - 4..], &[192, 0, 2, 1]);
        assert_eq!(r.len(), q.len() + 16);
    }
}
