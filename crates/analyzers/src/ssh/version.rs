//! Protocol versions from the banners: the framing the binary packets use
//! (binpac's view) and the `version` ssh.log reports (the script's view).

/// What one banner or the connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Proto {
    #[default]
    Unknown,
    V1,
    /// "SSH-1.99": either version.
    V199,
    V2,
}

/// Both banners' versions and what they make of the connection.
#[derive(Debug, Default)]
pub struct Versions {
    client: Proto,
    server: Proto,
    conn: Proto,
}

fn is_199(v: &[u8]) -> bool {
    v.len() >= 8 && v[6] == b'9' && v[7] == b'9'
}

impl Versions {
    /// The framing of binary packets: SSH1, SSH2, or unknown.
    pub fn proto(&self) -> Proto {
        self.conn
    }

    /// A banner from the client (`is_orig`) or the server.
    pub fn update(&mut self, banner: &[u8], is_orig: bool) {
        let side = match banner.get(4) {
            Some(b'2') => Proto::V2,
            Some(b'1') if is_199(banner) => Proto::V199,
            Some(b'1') => Proto::V1,
            _ => return self.combine(),
        };
        *(if is_orig {
            &mut self.client
        } else {
            &mut self.server
        }) = side;
        self.combine();
    }

    /// RFC 4253 §5: 1.99 talks to either; 1 and 2 do not mix.
    fn combine(&mut self) {
        use Proto::*;
        self.conn = match (self.client, self.server) {
            (V199, V199) => V2,
            (c, s) if c == s => s,
            (V1, V2) | (V2, V1) => Unknown,
            (V199, V2) | (V2, V199) => V2,
            (V1, V199) | (V199, V1) => V1,
            _ => self.conn,
        };
    }
}

/// ssh.log's `version` once both banners are known (Zeek's
/// `set_version`): 0 when SSH1 meets SSH2, `None` when undecided.
pub fn log_version(client: &[u8], server: &[u8]) -> Option<u64> {
    if client.len() <= 4 || server.len() <= 4 {
        return None;
    }
    match (client[4], server[4]) {
        (b'1', b'2') => Some(if is_199(client) { 2 } else { 0 }),
        (b'2', b'1') => Some(if is_199(server) { 2 } else { 0 }),
        (b'1', b'1') => Some(if is_199(client) && is_199(server) {
            2
        } else {
            1
        }),
        (b'2', b'2') => Some(2),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proto(client: &[u8], server: &[u8]) -> Proto {
        let mut v = Versions::default();
        v.update(client, true);
        v.update(server, false);
        v.proto()
    }

    #[test]
    fn framing_version_follows_rfc4253_compatibility() {
        assert_eq!(proto(b"SSH-2.0-a", b"SSH-2.0-b"), Proto::V2);
        assert_eq!(proto(b"SSH-1.99-a", b"SSH-2.0-b"), Proto::V2);
        assert_eq!(proto(b"SSH-1.5-a", b"SSH-1.99-b"), Proto::V1);
        assert_eq!(proto(b"SSH-1.99-a", b"SSH-1.99-b"), Proto::V2);
        assert_eq!(proto(b"SSH-1.5-a", b"SSH-2.0-b"), Proto::Unknown);
        assert_eq!(proto(b"SSH-2.0-a", b"junk"), Proto::Unknown);
    }

    #[test]
    fn logged_version_follows_the_script() {
        assert_eq!(
            log_version(b"SSH-1.99-Cisco-1.25", b"SSH-2.0-Cisco-1.25"),
            Some(2)
        );
        assert_eq!(
            log_version(b"SSH-1.5-OpenSSH_6.2", b"SSH-1.99-OpenSSH_6.6"),
            Some(1)
        );
        assert_eq!(log_version(b"SSH-1.5-x", b"SSH-2.0-y"), Some(0));
        assert_eq!(log_version(b"SSH-3.0-x", b"SSH-2.0-y"), None);
        assert_eq!(log_version(b"SSH-", b"SSH-2.0-y"), None);
    }
}
