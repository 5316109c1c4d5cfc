//! Zeek's SSL DPD signature (dpd.sig): a TLS or SSLv2 ClientHello from the
//! originator. Current Zeek enables the analyzer on the client hello alone
//! (a TLS client talking to a non-TLS server still gets `ssl` in conn.log's
//! service), so the responder's bytes are not consulted.

/// One byte position of a pattern.
#[derive(Clone, Copy)]
enum B {
    Any,
    Is(u8),
    OneOf(&'static [u8]),
}

const MINOR: B = B::OneOf(&[0, 1, 2, 3]);

/// `\x16\x03[\x00-\x03]..\x01...\x03[\x00-\x03]`
const TLS_CLIENT_HELLO: &[B] = &[
    B::Is(0x16),
    B::Is(3),
    MINOR,
    B::Any,
    B::Any,
    B::Is(1),
    B::Any,
    B::Any,
    B::Any,
    B::Is(3),
    MINOR,
];
/// `...?\x01[\x00\x03][\x00-\x03]`, at offsets 2 and 3.
const V2_CLIENT_HELLO: &[B] = &[B::Is(1), B::OneOf(&[0, 3]), MINOR];

/// Whether `pattern` matches `data` at `offset` (data ending early does
/// not match).
fn at(data: &[u8], offset: usize, pattern: &[B]) -> bool {
    let Some(window) = data.get(offset..offset + pattern.len()) else {
        return false;
    };
    window.iter().zip(pattern).all(|(d, b)| match b {
        B::Any => true,
        B::Is(v) => d == v,
        B::OneOf(vs) => vs.contains(d),
    })
}

/// Whether the originator's first bytes are an SSL/TLS client hello;
/// `None` until it has sent something. Hellos come whole in the first
/// segment in practice, so the start is decided as it is.
pub(crate) fn signature(orig: &[u8], _resp: &[u8]) -> Option<bool> {
    (!orig.is_empty()).then(|| {
        at(orig, 0, TLS_CLIENT_HELLO)
            || at(orig, 2, V2_CLIENT_HELLO)
            || at(orig, 3, V2_CLIENT_HELLO)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CH: &[u8] = &[0x16, 3, 1, 0, 0x40, 1, 0, 0, 0x3C, 3, 3, 0xAA];

    #[test]
    fn tls_client_hello_matches() {
        assert_eq!(signature(CH, b""), Some(true));
        assert_eq!(signature(CH, b"\x00\x01modbus"), Some(true));
        assert_eq!(signature(b"", b""), None);
        assert_eq!(signature(&CH[..4], b""), Some(false));
        let server_hello = [0x16, 3, 3, 0, 0x40, 2, 0, 0, 0x3C, 3, 3, 0xBB];
        assert_eq!(signature(&server_hello, b""), Some(false));
    }

    #[test]
    fn sslv2_and_mismatches() {
        let v2_ch = [0x80, 0x2E, 1, 3, 1, 0, 0x15];
        assert_eq!(signature(&v2_ch, b""), Some(true));
        let v2_ch_three_byte_header = [0x00, 0x80, 0x2E, 1, 0, 2, 0];
        assert_eq!(signature(&v2_ch_three_byte_header, b""), Some(true));
        assert_eq!(signature(b"GET / HTTP/1.1\r\n", b""), Some(false));
    }
}
