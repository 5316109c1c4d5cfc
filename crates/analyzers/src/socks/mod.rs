//! SOCKS 4 and 5: recognises the proxy handshake for conn.log's `socks`
//! service, as Zeek's analyzer does. Zeek parses each delivered chunk as
//! one message (a datagram flow): a chunk too short for its message is a
//! violation, bytes after the message are ignored. The server's reply to
//! the connect request confirms; once both sides are done, the rest of the
//! stream is the proxied protocol and goes through detection of its own.
//! A request registers the proxy as a tunnel (tunnel.log).

use crate::{Analyzer, Context};

/// SOCKS 5 authentication method "username/password".
const USER_PASS: u8 = 2;

#[derive(Default)]
pub struct SocksAnalyzer {
    /// SOCKS 5: the method negotiation is over.
    v5_past_negotiation: bool,
    /// SOCKS 5: the username/password exchange is under way.
    v5_in_auth: bool,
    /// SOCKS 5: the method the server chose.
    v5_method: Option<u8>,
    /// The request (originator) and reply (responder) were seen.
    done: [bool; 2],
    /// Analysis stopped (a gap).
    stopped: bool,
}

/// A message did not parse: Zeek's binpac exception.
struct Truncated;

/// Bytes of a message read in order.
struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    fn u8(&mut self) -> Result<u8, Truncated> {
        let (&b, rest) = self.data.split_first().ok_or(Truncated)?;
        self.data = rest;
        Ok(b)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Truncated> {
        if self.data.len() < n {
            return Err(Truncated);
        }
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        Ok(head)
    }

    /// Bytes up to and including a NUL.
    fn until_nul(&mut self) -> Result<&'a [u8], Truncated> {
        let end = self.data.iter().position(|&b| b == 0).ok_or(Truncated)?;
        self.take(end + 1)
    }
}

/// What one message means.
enum Outcome {
    None,
    /// A request: the proxy is a tunnel (SOCKS 4 and 5 requests).
    Request,
    /// The server answered the request: confirmed.
    Reply,
    Violation(String),
}

impl Analyzer for SocksAnalyzer {
    fn deliver(&mut self, cx: &mut Context<'_>, is_orig: bool, data: &[u8]) {
        if self.stopped {
            return;
        }
        if self.done == [true, true] {
            cx.forward(is_orig, data);
            return;
        }
        let outcome = self
            .message(is_orig, &mut Reader { data })
            .unwrap_or_else(|Truncated| {
                Outcome::Violation("Binpac exception: out of bound".into())
            });
        match outcome {
            Outcome::None => {}
            Outcome::Request => cx.tunnel("Tunnel::SOCKS"),
            Outcome::Reply => cx.confirm(),
            Outcome::Violation(reason) => cx.violation(reason, None),
        }
    }

    fn gap(&mut self, _cx: &mut Context<'_>, _is_orig: bool, _len: u64) {
        self.stopped = true;
    }

    fn finish(&mut self, _cx: &mut Context<'_>) {}
}

impl SocksAnalyzer {
    fn message(&mut self, is_orig: bool, r: &mut Reader<'_>) -> Result<Outcome, Truncated> {
        if self.v5_in_auth {
            return self.v5_auth(is_orig, r);
        }
        match r.u8()? {
            4 if is_orig => self.v4_request(r),
            4 => self.v4_reply(r),
            5 if !self.v5_past_negotiation => self.v5_negotiation(is_orig, r),
            5 if is_orig => self.v5_request(r),
            5 => self.v5_reply(r),
            v => Ok(Outcome::Violation(format!(
                "unsupported/unknown SOCKS version {v}"
            ))),
        }
    }

    fn v4_request(&mut self, r: &mut Reader<'_>) -> Result<Outcome, Truncated> {
        r.take(3)?; // command, port
        let addr = r.take(4)?;
        r.until_nul()?; // user
                        // SOCKS 4a: an address 0.0.0.x is followed by a host name.
        if addr[..3] == [0, 0, 0] {
            r.until_nul()?;
        }
        self.done[0] = true;
        Ok(Outcome::Request)
    }

    fn v4_reply(&mut self, r: &mut Reader<'_>) -> Result<Outcome, Truncated> {
        r.take(8)?; // zero, status, port, address
        self.done[1] = true;
        Ok(Outcome::Reply)
    }

    fn v5_negotiation(&mut self, is_orig: bool, r: &mut Reader<'_>) -> Result<Outcome, Truncated> {
        if is_orig {
            let count = r.u8()?;
            r.take(usize::from(count))?;
            return Ok(Outcome::None);
        }
        let method = r.u8()?;
        self.v5_in_auth = method != 0 && method != 0xff;
        self.v5_past_negotiation = true;
        self.v5_method = Some(method);
        Ok(Outcome::None)
    }

    /// The exchange of the method the server chose (only
    /// username/password is parsed).
    fn v5_auth(&mut self, is_orig: bool, r: &mut Reader<'_>) -> Result<Outcome, Truncated> {
        let user_pass = self.v5_method == Some(USER_PASS);
        if !is_orig {
            self.v5_in_auth = false;
        }
        if !user_pass || r.u8()? != 1 {
            return Ok(Outcome::None);
        }
        if is_orig {
            let user = r.u8()?;
            r.take(usize::from(user))?;
            let pass = r.u8()?;
            r.take(usize::from(pass))?;
        } else {
            r.u8()?; // status
        }
        Ok(Outcome::None)
    }

    fn v5_request(&mut self, r: &mut Reader<'_>) -> Result<Outcome, Truncated> {
        let command = r.u8()?;
        let reserved = r.u8()?;
        let address = v5_address(r)?;
        if reserved != 0 {
            return Ok(Outcome::Violation(format!(
                "invalid value in reserved field: {reserved}"
            )));
        }
        if command == 0 || command > 3 {
            return Ok(Outcome::Violation(format!(
                "undefined value in command field: {command}"
            )));
        }
        if let Err(kind) = address {
            return Ok(Outcome::Violation(format!(
                "invalid SOCKSv5 addr type: {kind}"
            )));
        }
        r.take(2)?; // port
        self.done[0] = true;
        Ok(Outcome::Request)
    }

    fn v5_reply(&mut self, r: &mut Reader<'_>) -> Result<Outcome, Truncated> {
        r.take(2)?; // reply, reserved
        if let Err(kind) = v5_address(r)? {
            return Ok(Outcome::Violation(format!(
                "invalid SOCKSv5 addr type: {kind}"
            )));
        }
        r.take(2)?; // port
        self.done[1] = true;
        Ok(Outcome::Reply)
    }
}

/// A SOCKS 5 address; `Err(type)` for an unknown address type (its bytes
/// are the rest of the message).
fn v5_address(r: &mut Reader<'_>) -> Result<Result<(), u8>, Truncated> {
    match r.u8()? {
        1 => r.take(4).map(|_| Ok(())),
        3 => {
            let len = r.u8()?;
            r.take(usize::from(len)).map(|_| Ok(()))
        }
        4 => r.take(16).map(|_| Ok(())),
        kind => {
            r.data = &[];
            Ok(Err(kind))
        }
    }
}

/// Zeek's SOCKS signatures: a SOCKS 4 request answered by a SOCKS 4
/// status (either way round), or a SOCKS 5 method offer answered by a
/// method choice (or the refusal of all).
pub fn signature(orig: &[u8], resp: &[u8]) -> Option<bool> {
    if orig.is_empty() || resp.is_empty() {
        return None;
    }
    let v4 = (v4_request(orig) && v4_reply(resp)) || (v4_request(resp) && v4_reply(orig));
    let v5 = matches!(orig, [5, _, m, ..] if known_method(*m))
        && matches!(resp, [5, m, ..] if known_method(*m) || *m == 0xff);
    Some(v4 || v5)
}

/// The SOCKS 5 authentication methods Zeek's signatures accept (0-3, 5-9).
fn known_method(m: u8) -> bool {
    m <= 9 && m != 4
}

/// `^\x04[\x01\x02].{0,32}\x00` (`.` matches anything but a newline).
fn v4_request(s: &[u8]) -> bool {
    s.len() >= 3
        && s[0] == 4
        && matches!(s[1], 1 | 2)
        && s[2..]
            .iter()
            .take(33)
            .take_while(|&&b| b != b'\n')
            .any(|&b| b == 0)
}

/// `^\x00[\x5a-\x5d]`
fn v4_reply(s: &[u8]) -> bool {
    s.len() >= 2 && s[0] == 0 && (0x5a..=0x5d).contains(&s[1])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{conn, drive};
    use crate::AppRecord;

    #[test]
    fn socks5_with_password_confirms_on_the_reply() {
        let traffic: [(bool, &[u8]); 7] = [
            (true, b"\x05\x03\x00\x03\x02"),
            (false, b"\x05\x02"),
            (true, b"\x01\x03bob\x05alice"),
            (false, b"\x01\x00"),
            (true, b"\x05\x01\x00\x01\xc0\xa8\x00\x02\x00\x16"),
            (false, b"\x05\x00\x00\x01\xc0\xa8\x00\x01\xda\x8f"),
            (true, b"SSH-2.0-client\r\n"),
        ];
        let o = drive(&mut SocksAnalyzer::default(), &conn(6, 1080), &traffic);
        assert!(o.confirmed && !o.violated);
        assert!(o
            .records
            .iter()
            .any(|r| matches!(r, AppRecord::Tunnel(t) if t.tunnel_type == "Tunnel::SOCKS")));
        assert_eq!(o.forwarded, vec![(true, b"SSH-2.0-client\r\n".to_vec())]);
    }

    #[test]
    fn socks4_request_and_reply() {
        let traffic: [(bool, &[u8]); 2] = [
            (true, b"\x04\x01\x00\x50\x0a\x00\x00\x01bob\x00"),
            (false, b"\x04\x5a\x00\x50\x0a\x00\x00\x01\x00"),
        ];
        let o = drive(&mut SocksAnalyzer::default(), &conn(6, 1080), &traffic);
        assert!(o.confirmed);
    }

    #[test]
    fn short_or_foreign_messages_are_violations() {
        let short: [(bool, &[u8]); 1] = [(true, b"\x04\x01")];
        assert!(drive(&mut SocksAnalyzer::default(), &conn(6, 1080), &short).violated);
        let http: [(bool, &[u8]); 1] = [(true, b"GET / HTTP/1.1\r\n")];
        assert!(drive(&mut SocksAnalyzer::default(), &conn(6, 1080), &http).violated);
    }

    #[test]
    fn signatures() {
        assert_eq!(signature(b"\x05\x01\x00", b""), None);
        assert_eq!(signature(b"\x05\x01\x00", b"\x05\x00"), Some(true));
        assert_eq!(signature(b"\x05\x03\x00", b"\x05\x02"), Some(true));
        assert_eq!(signature(b"\x05\x01\x04", b"\x05\x00"), Some(false));
        assert_eq!(signature(b"\x05\x01\x00", b"\x05\x0a"), Some(false));
        assert_eq!(
            signature(b"\x04\x01\x00\x50\x0a\x00\x00\x01\x00", b"\x00\x5a"),
            Some(true)
        );
        assert_eq!(signature(b"GET / HTTP/1.1", b"HTTP/1.1 200"), Some(false));
    }
}
