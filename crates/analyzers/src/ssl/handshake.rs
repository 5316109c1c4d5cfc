//! TLS handshake message bodies (RFC 5246 / RFC 8446 layouts, plus the
//! draft TLS 1.3 ServerHello Zeek also understands).

use super::reader::Reader;

pub const HELLO_REQUEST: u8 = 0;
pub const CLIENT_HELLO: u8 = 1;
pub const SERVER_HELLO: u8 = 2;
pub const HELLO_VERIFY_REQUEST: u8 = 3;
pub const SESSION_TICKET: u8 = 4;
pub const CERTIFICATE: u8 = 11;
pub const SERVER_KEY_EXCHANGE: u8 = 12;
pub const CERTIFICATE_REQUEST: u8 = 13;
pub const SERVER_HELLO_DONE: u8 = 14;
pub const CERTIFICATE_VERIFY: u8 = 15;
pub const CLIENT_KEY_EXCHANGE: u8 = 16;
pub const FINISHED: u8 = 20;
pub const CERTIFICATE_URL: u8 = 21;
pub const CERTIFICATE_STATUS: u8 = 22;

/// Handshake types Zeek's parser knows; any other is a protocol violation.
pub fn is_known_type(t: u8) -> bool {
    matches!(t, 0..=4 | 11..=16 | 20..=22)
}

pub const EXT_SERVER_NAME: u16 = 0;
pub const EXT_SUPPORTED_GROUPS: u16 = 10;
pub const EXT_EC_POINT_FORMATS: u16 = 11;
pub const EXT_SIGNATURE_ALGORITHMS: u16 = 13;
pub const EXT_ALPN: u16 = 16;
pub const EXT_SESSION_TICKET: u16 = 35;
pub const EXT_KEY_SHARE_OLD: u16 = 40;
pub const EXT_PRE_SHARED_KEY: u16 = 41;
pub const EXT_SUPPORTED_VERSIONS: u16 = 43;
pub const EXT_KEY_SHARE: u16 = 51;

const DTLS_V10: u16 = 0xFEFF;
const DTLS_V12: u16 = 0xFEFD;
const TLS_V13: u16 = 0x0304;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extension<'a> {
    pub kind: u16,
    pub data: &'a [u8],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHello<'a> {
    pub version: u16,
    pub session_id: &'a [u8],
    /// The cipher suite list, two bytes a suite.
    pub ciphers: &'a [u8],
    pub extensions: Vec<Extension<'a>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHello<'a> {
    pub version: u16,
    pub random: &'a [u8],
    /// Absent in the draft TLS 1.3 layout.
    pub session_id: Option<&'a [u8]>,
    pub cipher: u16,
    pub extensions: Vec<Extension<'a>>,
}

/// The distinguished names of a CertificateRequest (TLS 1.0–1.2); TLS 1.2
/// puts the signature algorithms before them.
pub fn certificate_authorities(body: &[u8], with_algorithms: bool) -> Option<Vec<&[u8]>> {
    let mut r = Reader::new(body);
    r.vec8()?; // certificate types
    if with_algorithms {
        r.vec16()?;
    }
    let mut list = Reader::new(r.vec16()?);
    let mut names = Vec::new();
    while !list.is_empty() {
        names.push(list.vec16()?);
    }
    Some(names)
}

pub fn client_hello(body: &[u8]) -> Option<ClientHello<'_>> {
    let mut r = Reader::new(body);
    let version = r.u16()?;
    r.bytes(32)?; // gmt_unix_time + random
    let session_id = r.vec8()?;
    if matches!(version, DTLS_V10 | DTLS_V12) {
        r.vec8()?; // cookie
    }
    let ciphers = r.vec16()?;
    r.vec8()?; // compression methods
    Some(ClientHello {
        version,
        session_id,
        ciphers,
        extensions: extensions(&mut r)?,
    })
}

pub fn server_hello(body: &[u8]) -> Option<ServerHello<'_>> {
    let mut r = Reader::new(body);
    let version = r.u16()?;
    let random = r.bytes(32)?;
    // Draft and final TLS 1.3 version numbers in the outer field mean the
    // TLS 1.3 layout without session id and compression.
    let tls13_layout = version >> 8 == 0x7F || version == TLS_V13;
    let session_id = if tls13_layout { None } else { Some(r.vec8()?) };
    let cipher = r.u16()?;
    if !tls13_layout {
        r.u8()?; // compression method
    }
    Some(ServerHello {
        version,
        random,
        session_id,
        cipher,
        extensions: extensions(&mut r)?,
    })
}

/// The extension block: an optional total length (its value is not
/// trusted) and extensions up to the end of the message.
fn extensions<'a>(r: &mut Reader<'a>) -> Option<Vec<Extension<'a>>> {
    let mut out = Vec::new();
    if r.is_empty() {
        return Some(out);
    }
    r.u16()?;
    while !r.is_empty() {
        let kind = r.u16()?;
        let data = r.vec16()?;
        out.push(Extension { kind, data });
    }
    Some(out)
}

/// The DER certificates of a Certificate message.
pub fn certificates(body: &[u8]) -> Option<Vec<&[u8]>> {
    let mut r = Reader::new(Reader::new(body).vec24()?);
    let mut out = Vec::new();
    while !r.is_empty() {
        out.push(r.vec24()?);
    }
    Some(out)
}

/// The named curve of an (EC)DHE ServerKeyExchange for ECDH suites.
pub fn server_key_exchange_curve(body: &[u8]) -> Option<u16> {
    const NAMED_CURVE: u8 = 3;
    let mut r = Reader::new(body);
    (r.u8()? == NAMED_CURVE).then_some(())?;
    r.u16()
}

/// server_name extension: the host names, and the type of a name that is
/// not a host name (it swallows the rest of the list, as in Zeek).
pub fn server_names(data: &[u8]) -> (Vec<&[u8]>, Option<u8>) {
    let mut hosts = Vec::new();
    let Some(list) = Reader::new(data).vec16() else {
        return (hosts, None);
    };
    let mut r = Reader::new(list);
    while let Some(kind) = r.u8() {
        if kind != 0 {
            return (hosts, Some(kind));
        }
        let Some(name) = r.vec16() else { break };
        hosts.push(name);
    }
    (hosts, None)
}

/// application_layer_protocol_negotiation extension: protocol names.
pub fn alpn_protocols(data: &[u8]) -> Vec<&[u8]> {
    let Some(list) = Reader::new(data).vec16() else {
        return Vec::new();
    };
    let mut r = Reader::new(list);
    std::iter::from_fn(|| r.vec8()).collect()
}

/// supported_versions: a list from the client, one version from the
/// server.
pub fn supported_versions(data: &[u8], from_client: bool) -> Vec<u16> {
    let mut r = Reader::new(data);
    if from_client {
        return r
            .vec8()
            .map(|l| Reader::new(l).u16_list())
            .unwrap_or_default();
    }
    r.u16().into_iter().collect()
}

/// key_share groups: the client's offered groups; the server's chosen
/// group (a hello retry request carries just the group).
pub fn key_share_groups(data: &[u8], msg_type: u8) -> Vec<u16> {
    let mut r = Reader::new(data);
    match msg_type {
        CLIENT_HELLO => {
            let Some(list) = r.vec16() else {
                return Vec::new();
            };
            let mut l = Reader::new(list);
            std::iter::from_fn(|| {
                let group = l.u16()?;
                l.vec16()?;
                Some(group)
            })
            .collect()
        }
        SERVER_HELLO => r.u16().into_iter().collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_hello_layouts() {
        let mut classic = vec![3, 3];
        classic.extend([7; 32]);
        classic.extend([2, 0xAA, 0xBB, 0xC0, 0x2F, 0]);
        let sh = server_hello(&classic).unwrap();
        assert_eq!(sh.session_id, Some(&[0xAA, 0xBB][..]));
        assert_eq!(sh.cipher, 0xC02F);
        assert!(sh.extensions.is_empty());

        let mut draft = vec![0x7F, 0x17];
        draft.extend([7; 32]);
        draft.extend([0x13, 0x01, 0, 6, 0, 43, 0, 2, 0x7F, 0x17]);
        let sh = server_hello(&draft).unwrap();
        assert_eq!(sh.session_id, None);
        assert_eq!(sh.cipher, 0x1301);
        assert_eq!(
            sh.extensions,
            vec![Extension {
                kind: 43,
                data: &[0x7F, 0x17]
            }]
        );
    }

    #[test]
    fn truncated_hello_is_rejected() {
        assert_eq!(client_hello(&[3, 3, 0]), None);
        let mut ch = vec![3, 3];
        ch.extend([0; 32]);
        ch.extend([0, 0, 2, 0, 0x2F, 1, 0, 0, 9, 0, 0, 0, 9]);
        assert_eq!(client_hello(&ch), None);
    }

    #[test]
    fn extension_bodies() {
        let sni = [0, 8, 0, 0, 5, b'a', b'.', b'b', b'c', b'd'];
        assert_eq!(server_names(&sni), (vec![&b"a.bcd"[..]], None));
        let odd = [0, 5, 0, 0, 0, 7, 1];
        assert_eq!(server_names(&odd), (vec![&b""[..]], Some(7)));
        let alpn = [0, 6, 2, b'h', b'2', 2, b'h', b'3'];
        assert_eq!(alpn_protocols(&alpn), vec![&b"h2"[..], &b"h3"[..]]);
        assert_eq!(
            supported_versions(&[4, 3, 4, 3, 3], true),
            vec![0x0304, 0x0303]
        );
        assert_eq!(supported_versions(&[3, 4], false), vec![0x0304]);
        let ks = [0, 10, 0, 29, 0, 2, 1, 2, 0, 23, 0, 0];
        assert_eq!(key_share_groups(&ks, CLIENT_HELLO), vec![29, 23]);
        assert_eq!(key_share_groups(&[0, 29, 0, 1, 9], SERVER_HELLO), vec![29]);
        assert_eq!(
            certificates(&[0, 0, 5, 0, 0, 2, 9, 9]),
            Some(vec![&[9, 9][..]])
        );
        assert_eq!(server_key_exchange_curve(&[3, 0, 23, 65]), Some(23));
    }
}
