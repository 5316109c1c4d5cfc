//! DHCP (BOOTP with the DHCP magic cookie): recognises the protocol for
//! conn.log's `dhcp` service, as Zeek's `base/protocols/dhcp` does.
//! (dhcp.log is not written yet.)

use crate::{Analyzer, Context};

const COOKIE_AT: usize = 236;
const COOKIE: [u8; 4] = [0x63, 0x82, 0x53, 0x63];

#[derive(Default)]
pub struct DhcpAnalyzer {
    confirmed: bool,
}

impl Analyzer for DhcpAnalyzer {
    fn deliver(&mut self, cx: &mut Context<'_>, _is_orig: bool, data: &[u8]) {
        if is_dhcp(data) {
            if !self.confirmed {
                self.confirmed = true;
                cx.confirm();
            }
        } else if !self.confirmed {
            cx.violation("not a DHCP message", None);
        }
    }

    fn finish(&mut self, _cx: &mut Context<'_>) {}
}

/// op is BOOTREQUEST or BOOTREPLY, the hardware address fits, and the
/// options start with the magic cookie.
fn is_dhcp(b: &[u8]) -> bool {
    b.len() >= COOKIE_AT + 4
        && matches!(b[0], 1 | 2)
        && b[2] <= 16
        && b[COOKIE_AT..COOKIE_AT + 4] == COOKIE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_the_magic_cookie() {
        let mut m = vec![0u8; 300];
        m[0] = 1;
        m[1] = 1;
        m[2] = 6;
        assert!(!is_dhcp(&m));
        m[COOKIE_AT..COOKIE_AT + 4].copy_from_slice(&COOKIE);
        assert!(is_dhcp(&m));
        assert!(!is_dhcp(&m[..100]));
    }
}
