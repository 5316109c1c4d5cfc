//! Zeek's `dpd_ssl_client` / `dpd_ssl_server` signatures (dpd.sig): a
//! TLS or SSLv2 ClientHello from the originator and a ServerHello
//! (possibly after an alert record) from the responder.

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
/// `...?\x01[\x00\x03][\x00-\x03]` at offsets 2 and 3.
const V2_CLIENT_HELLO: &[B] = &[B::Is(1), B::OneOf(&[0, 3]), MINOR];
/// `\x16\x03[\x00-\x03]..\x02...\x03[\x00-\x03]`
const TLS_SERVER_HELLO: &[B] = &[
    B::Is(0x16),
    B::Is(3),
    MINOR,
    B::Any,
    B::Any,
    B::Is(2),
    B::Any,
    B::Any,
    B::Any,
    B::Is(3),
    MINOR,
];
/// `\x15\x03[\x00-\x03]....` before a server hello.
const ALERT_PREFIX: &[B] = &[B::Is(0x15), B::Is(3), MINOR, B::Any, B::Any, B::Any, B::Any];
/// `...?\x04..\x00\x02` at offsets 2 and 3.
const V2_SERVER_HELLO: &[B] = &[B::Is(4), B::Any, B::Any, B::Is(0), B::Is(2)];

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

fn client(orig: &[u8]) -> bool {
    at(orig, 0, TLS_CLIENT_HELLO) || at(orig, 2, V2_CLIENT_HELLO) || at(orig, 3, V2_CLIENT_HELLO)
}

fn server(resp: &[u8]) -> bool {
    at(resp, 0, TLS_SERVER_HELLO)
        || (at(resp, 0, ALERT_PREFIX) && at(resp, ALERT_PREFIX.len(), TLS_SERVER_HELLO))
        || at(resp, 2, V2_SERVER_HELLO)
        || at(resp, 3, V2_SERVER_HELLO)
}

/// Whether the first bytes of each direction are SSL/TLS; `None` until
/// both sides have sent something. Hellos come whole in the first
/// segment in practice, so the start of each side is decided as it is.
pub(crate) fn signature(orig: &[u8], resp: &[u8]) -> Option<bool> {
    if orig.is_empty() || resp.is_empty() {
        return None;
    }
    Some(client(orig) && server(resp))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CH: &[u8] = &[0x16, 3, 1, 0, 0x40, 1, 0, 0, 0x3C, 3, 3, 0xAA];
    const SH: &[u8] = &[0x16, 3, 3, 0, 0x40, 2, 0, 0, 0x3C, 3, 3, 0xBB];

    #[test]
    fn tls_hellos_match() {
        assert_eq!(signature(CH, SH), Some(true));
        assert_eq!(signature(CH, b""), None);
        assert_eq!(signature(&CH[..4], SH), Some(false));
        let mut alert_then_hello = vec![0x15, 3, 3, 0, 2, 2, 40];
        alert_then_hello.extend_from_slice(SH);
        assert_eq!(signature(CH, &alert_then_hello), Some(true));
    }

    #[test]
    fn sslv2_and_mismatches() {
        let v2_ch = [0x80, 0x2E, 1, 3, 1, 0, 0x15];
        let v2_sh = [0x83, 0x10, 4, 0, 1, 0, 2, 3];
        assert_eq!(signature(&v2_ch, &v2_sh), Some(true));
        assert_eq!(signature(b"GET / HTTP/1.1\r\n", SH), Some(false));
        assert_eq!(signature(CH, b"HTTP/1.1 200 OK\r\n"), Some(false));
    }
}
