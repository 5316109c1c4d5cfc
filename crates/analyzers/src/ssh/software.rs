//! SSH clients and servers for software.log (Zeek's
//! `policy/protocols/ssh/software`): the banners without their protocol
//! version.

use crate::software::{found, SoftwareType};
use crate::Context;

/// `ssh_client_version`: the banner less a leading `SSH[0-9.-]+`.
pub(super) fn client_version(cx: &mut Context<'_>, banner: &[u8]) {
    if !cx.config.software.ssh {
        return;
    }
    let version = match protocol_at(banner, 0, 1) {
        Some(end) => &banner[end..],
        None => banner,
    };
    let orig_h = cx.conn.orig_h;
    found(cx, SoftwareType::SshClient, orig_h, None, version);
}

/// `ssh_server_version`: the banner less its first `SSH[0-9.-]{2,}`,
/// wherever it is.
pub(super) fn server_version(cx: &mut Context<'_>, banner: &[u8]) {
    if !cx.config.software.ssh {
        return;
    }
    let cut = (0..banner.len()).find_map(|i| protocol_at(banner, i, 2).map(|end| (i, end)));
    let version = match cut {
        Some((start, end)) => [&banner[..start], &banner[end..]].concat(),
        None => banner.to_vec(),
    };
    let (resp_h, resp_p) = (cx.conn.resp_h, cx.conn.resp_p);
    found(cx, SoftwareType::SshServer, resp_h, Some(resp_p), &version);
}

/// The end of "SSH" and at least `min` of `[0-9.-]` at `i`, taking all.
fn protocol_at(s: &[u8], i: usize, min: usize) -> Option<usize> {
    let rest = s.get(i..)?.strip_prefix(b"SSH")?;
    let n = rest
        .iter()
        .take_while(|c| c.is_ascii_digit() || matches!(c, b'.' | b'-'))
        .count();
    (n >= min).then_some(i + 3 + n)
}

#[cfg(test)]
mod tests {
    use super::protocol_at;

    #[test]
    fn protocol_prefixes() {
        assert_eq!(protocol_at(b"SSH-2.0-OpenSSH_8.9", 0, 1), Some(8));
        assert_eq!(protocol_at(b"SSH-OpenSSH", 0, 2), None);
        assert_eq!(protocol_at(b"SSH-OpenSSH", 0, 1), Some(4));
        assert_eq!(protocol_at(b"xSSH-1.99-x", 1, 2), Some(10));
    }
}
