//! Redis: recognises RESP for conn.log's `redis` service, as Zeek's
//! Spicy analyzer (`base/protocols/redis`, not loaded by default) does. It
//! confirms on the first complete server reply; bytes that are not RESP
//! are a violation.

mod resp;

use crate::{Analyzer, Context};
use resp::{RespReader, Side};

pub struct RedisAnalyzer {
    client: RespReader,
    server: RespReader,
    /// Gave up after a violation.
    failed: bool,
}

impl Default for RedisAnalyzer {
    fn default() -> Self {
        RedisAnalyzer {
            client: RespReader::new(Side::Client),
            server: RespReader::new(Side::Server),
            failed: false,
        }
    }
}

impl Analyzer for RedisAnalyzer {
    fn deliver(&mut self, cx: &mut Context<'_>, is_orig: bool, data: &[u8]) {
        if self.failed {
            return;
        }
        let reader = if is_orig {
            &mut self.client
        } else {
            &mut self.server
        };
        match reader.feed(data) {
            Ok(replies) if replies > 0 && !is_orig => cx.confirm(),
            Ok(_) => {}
            Err(reason) => {
                self.failed = true;
                cx.violation(reason, Some(data));
            }
        }
    }

    fn gap(&mut self, _cx: &mut Context<'_>, _is_orig: bool, _len: u64) {
        // The stream can no longer be followed.
        self.failed = true;
    }

    fn finish(&mut self, _cx: &mut Context<'_>) {}
}

/// Zeek's `resp-serialized-server` signature: the server's stream starts
/// with a RESP simple value or a number-prefixed one.
pub fn signature(resp: &[u8]) -> Option<bool> {
    let &first = resp.first()?;
    let simple = matches!(first, b'-' | b'+' | b'_' | b',');
    let numbered = matches!(
        first,
        b':' | b'$' | b'*' | b'#' | b'(' | b'!' | b'=' | b'%' | b'`' | b'~' | b'>'
    );
    if !simple && !numbered {
        return Some(false);
    }
    let Some(eol) = resp.windows(2).position(|w| w == b"\r\n") else {
        // Zeek's `.` does not match a newline.
        return resp.contains(&b'\n').then_some(false);
    };
    let line = &resp[1..eol];
    Some(if simple {
        !line.contains(&b'\n')
    } else {
        is_number(line)
    })
}

/// `[+-]?[0-9]+(\.[0-9]*)?`
fn is_number(s: &[u8]) -> bool {
    let s = s
        .strip_prefix(b"+")
        .or_else(|| s.strip_prefix(b"-"))
        .unwrap_or(s);
    let int_len = s.iter().take_while(|c| c.is_ascii_digit()).count();
    if int_len == 0 {
        return false;
    }
    match &s[int_len..] {
        [] => true,
        [b'.', frac @ ..] => frac.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{conn, drive};

    #[test]
    fn confirms_on_the_first_complete_reply() {
        let traffic: [(bool, &[u8]); 3] = [
            (true, b"*1\r\n$4\r\nPING\r\n"),
            (false, b"+PO"),
            (false, b"NG\r\n"),
        ];
        let o = drive(&mut RedisAnalyzer::default(), &conn(6, 6379), &traffic[..2]);
        assert!(!o.confirmed);
        let o = drive(&mut RedisAnalyzer::default(), &conn(6, 6379), &traffic);
        assert!(o.confirmed && !o.violated);
    }

    #[test]
    fn other_bytes_are_a_violation() {
        let traffic: [(bool, &[u8]); 2] = [
            (true, b"GET / HTTP/1.1\r\n"),
            (false, b"HTTP/1.1 200 OK\r\n"),
        ];
        let o = drive(&mut RedisAnalyzer::default(), &conn(6, 6379), &traffic);
        assert!(!o.confirmed && o.violated);
    }

    #[test]
    fn signature_looks_at_the_servers_first_line() {
        assert_eq!(signature(b""), None);
        assert_eq!(signature(b"+OK\r\n"), Some(true));
        assert_eq!(signature(b"$5\r\nhello\r\n"), Some(true));
        assert_eq!(signature(b":1.5\r\n"), Some(true));
        assert_eq!(signature(b"*x\r\n"), Some(false));
        assert_eq!(signature(b"HTTP/1.1 200 OK\r\n"), Some(false));
        assert_eq!(signature(b"+OK"), None);
    }
}
