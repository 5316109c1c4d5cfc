//! NTP (RFC 5905, and mode 6/7 control messages): recognises the protocol
//! for conn.log's `ntp` service, as Zeek's `base/protocols/ntp` does.
//! (ntp.log is not written yet.)

use crate::{Analyzer, Context};

#[derive(Default)]
pub struct NtpAnalyzer {
    confirmed: bool,
}

impl Analyzer for NtpAnalyzer {
    fn deliver(&mut self, cx: &mut Context<'_>, _is_orig: bool, data: &[u8]) {
        if is_ntp(data) {
            if !self.confirmed {
                self.confirmed = true;
                cx.confirm();
            }
        } else if !self.confirmed {
            cx.violation("not an NTP message", None);
        }
    }

    fn finish(&mut self, _cx: &mut Context<'_>) {}
}

/// Version 1-4; a time message (modes 1-5) has the 48-byte header, a
/// control (6) or private (7) message at least its own 8-byte header.
fn is_ntp(b: &[u8]) -> bool {
    let Some(&first) = b.first() else {
        return false;
    };
    let version = (first >> 3) & 7;
    let mode = first & 7;
    (1..=4).contains(&version)
        && match mode {
            1..=5 => b.len() >= 48,
            6 | 7 => b.len() >= 8,
            _ => false,
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_request_and_bad_versions() {
        let mut m = vec![0u8; 48];
        m[0] = 0x23; // version 4, client
        assert!(is_ntp(&m));
        m[0] = 0x03; // version 0
        assert!(!is_ntp(&m));
        assert!(!is_ntp(&[0x23; 20]));
        assert!(is_ntp(&[0x16, 0x02, 0, 1, 0, 0, 0, 0]));
    }
}
