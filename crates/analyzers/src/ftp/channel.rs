//! Data channel addresses in PORT/EPRT commands and PASV/EPSV replies, as
//! Zeek's `parse_ftp_port`, `parse_eftp_port`, `parse_ftp_pasv` and
//! `parse_ftp_epsv` read them (C string and `sscanf`/`strtol` rules
//! included), and the number in a 150/213 reply.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An address and port where a data connection is expected; `None` when
/// the text does not parse (Zeek's `valid = F`).
pub type Endpoint = Option<(IpAddr, u16)>;

/// `PORT h1,h2,h3,h4,p1,p2`.
pub fn parse_port(arg: &[u8]) -> Endpoint {
    if arg.len() < 11 {
        return None;
    }
    let s = c_str(arg);
    let mut bytes = [0u8; 6];
    let mut pos = 0;
    for (i, out) in bytes.iter_mut().enumerate() {
        if i > 0 {
            if s.get(pos) != Some(&b',') {
                return None;
            }
            pos += 1;
        }
        let (v, end) = scan_int(s, pos)?;
        *out = u8::try_from(v).ok()?;
        pos = end;
    }
    let addr = Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]);
    Some((IpAddr::V4(addr), u16::from_be_bytes([bytes[4], bytes[5]])))
}

/// `EPRT <d><proto><d><addr><d><port><d>`. An empty address is `::`.
pub fn parse_eprt(arg: &[u8]) -> Endpoint {
    if arg.contains(&0) {
        return None;
    }
    parse_extended(arg)
}

/// A 227 reply: the six numbers after `(`, after `PORT `, or starting at
/// the digits before the first comma.
pub fn parse_pasv(msg: &[u8]) -> Endpoint {
    if msg.is_empty() || msg.contains(&0) {
        return None;
    }
    let start = if let Some(i) = find(msg, b"(") {
        i + 1
    } else if let Some(i) = find(msg, b"PORT") {
        i + 5
    } else {
        let comma = find(msg, b",")?;
        comma
            - msg[..comma]
                .iter()
                .rev()
                .take_while(|b| b.is_ascii_digit())
                .count()
    };
    parse_port(msg.get(start..)?)
}

/// A 229 reply: `(<d><d><d><port><d>)`.
pub fn parse_epsv(msg: &[u8]) -> Endpoint {
    if msg.contains(&0) {
        return None;
    }
    parse_extended(&msg[find(msg, b"(")? + 1..])
}

/// Zeek's `extract_count(msg, F)`: the last number in `msg`, 0 if none.
pub fn last_count(msg: &[u8]) -> u64 {
    let Some(end) = msg.iter().rposition(u8::is_ascii_digit) else {
        return 0;
    };
    let start = msg[..end]
        .iter()
        .rposition(|b| !b.is_ascii_digit())
        .map_or(0, |i| i + 1);
    msg[start..=end].iter().fold(0u64, |n, d| {
        n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    })
}

/// The shared reader of the extended (RFC 2428) forms.
fn parse_extended(s: &[u8]) -> Endpoint {
    let mut pos = s.iter().take_while(|b| is_c_space(**b)).count();
    let &delim = s.get(pos)?;
    pos += 1;
    let (_proto, end) = strtol(s, pos);
    let mut good = s.get(end) == Some(&delim);
    pos = end;
    if pos < s.len() {
        pos += 1;
    }
    let mut addr = IpAddr::V6(Ipv6Addr::UNSPECIFIED);
    if pos < s.len() && s[pos] != delim {
        let len = s[pos..]
            .iter()
            .position(|&b| b == delim)
            .unwrap_or(s.len() - pos);
        match parse_addr(&s[pos..pos + len]) {
            Some(a) => {
                addr = a;
                good = true;
            }
            None => good = false,
        }
    }
    let mut port = 0;
    if let Some(i) = s[pos..].iter().position(|&b| b == delim) {
        let (p, end) = strtol(s, pos + i + 1);
        good &= s.get(end) == Some(&delim);
        match u16::try_from(p) {
            Ok(p) => port = p,
            Err(_) => good = false,
        }
    }
    good.then_some((addr, port))
}

/// Zeek's `IPAddr::ConvertString`: IPv6 text if it has a colon, else four
/// `sscanf("%d.%d.%d.%d")` numbers and nothing after them.
fn parse_addr(s: &[u8]) -> Option<IpAddr> {
    if s.contains(&b':') {
        let a: Ipv6Addr = std::str::from_utf8(s).ok()?.parse().ok()?;
        return Some(a.to_ipv4_mapped().map_or(IpAddr::V6(a), IpAddr::V4));
    }
    let mut octets = [0u8; 4];
    let mut pos = 0;
    for (i, out) in octets.iter_mut().enumerate() {
        if i > 0 {
            if s.get(pos) != Some(&b'.') {
                return None;
            }
            pos += 1;
        }
        let (v, end) = scan_int(s, pos)?;
        *out = u8::try_from(v).ok()?;
        pos = end;
    }
    (pos == s.len()).then_some(IpAddr::V4(Ipv4Addr::from(octets)))
}

/// `sscanf("%d")` at `pos`: the value (glibc reads a `long` and keeps its
/// low 32 bits) and where it ends; `None` without digits.
fn scan_int(s: &[u8], pos: usize) -> Option<(i32, usize)> {
    let (v, end) = strtol(s, pos);
    (end != pos).then_some((v as i32, end))
}

/// `strtol(s + pos, &end, 10)`: skips C whitespace, takes a sign and
/// digits, clamps on overflow; without digits the value is 0 and the end
/// is `pos`.
fn strtol(s: &[u8], pos: usize) -> (i64, usize) {
    let mut i = pos
        + s[pos.min(s.len())..]
            .iter()
            .take_while(|b| is_c_space(**b))
            .count();
    let negative = s.get(i) == Some(&b'-');
    if matches!(s.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    let digits = s
        .get(i..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 {
        return (0, pos);
    }
    let magnitude = s[i..i + digits].iter().fold(0i64, |n, d| {
        n.saturating_mul(10).saturating_add(i64::from(d - b'0'))
    });
    let value = if negative {
        magnitude.saturating_neg()
    } else {
        magnitude
    };
    (value, i + digits)
}

/// C's `isspace`.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// The bytes up to the first NUL (what C string functions see).
fn c_str(s: &[u8]) -> &[u8] {
    &s[..s.iter().position(|&b| b == 0).unwrap_or(s.len())]
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(a: &str, p: u16) -> Endpoint {
        Some((a.parse().unwrap(), p))
    }

    #[test]
    fn port_commands() {
        assert_eq!(
            parse_port(b"141,142,220,235,131,46"),
            ep("141.142.220.235", 33582)
        );
        assert_eq!(parse_port(b" 10, 0,0,1,4,31"), ep("10.0.0.1", 1055));
        assert_eq!(parse_port(b"10,0,0,1,4,31 trailing"), ep("10.0.0.1", 1055));
        assert_eq!(parse_port(b"10,0,0,256,4,31"), None);
        assert_eq!(parse_port(b"10 ,0,0,1,4,31"), None);
        assert_eq!(parse_port(b"114,115"), None);
        assert_eq!(parse_port(b"1,2,3,4,5,"), None);
    }

    #[test]
    fn pasv_replies() {
        assert_eq!(
            parse_pasv(b"Entering Passive Mode (199,233,217,249,221,90)"),
            ep("199.233.217.249", 56666)
        );
        assert_eq!(
            parse_pasv(b"Entering Passive Mode 10,0,0,1,4,31"),
            ep("10.0.0.1", 1055)
        );
        assert_eq!(parse_pasv(b"PORT 10,0,0,1,4,31"), ep("10.0.0.1", 1055));
        assert_eq!(parse_pasv(b"PORT"), None);
        assert_eq!(parse_pasv(b"no numbers"), None);
        assert_eq!(parse_pasv(b""), None);
    }

    #[test]
    fn extended_forms() {
        assert_eq!(
            parse_epsv(b"Entering Extended Passive Mode (|||57086|)"),
            ep("::", 57086)
        );
        assert_eq!(
            parse_eprt(b"|2|2001:470:1f11:81f:c999:d94:aa7c:2e3e|49189|"),
            ep("2001:470:1f11:81f:c999:d94:aa7c:2e3e", 49189)
        );
        assert_eq!(parse_eprt(b"|1|10.0.0.1|1055|"), ep("10.0.0.1", 1055));
        assert_eq!(
            parse_eprt(b"!1!::ffff:10.0.0.1!1055!"),
            ep("10.0.0.1", 1055)
        );
        assert_eq!(parse_eprt(b"|1|10.0.0.1|70000|"), None);
        assert_eq!(parse_eprt(b"|1|10.0.0.x|1055|"), None);
        assert_eq!(parse_eprt(b"|1|10.0.0.1|1055"), None);
        // Without a delimiter after the address the port stays 0, valid.
        assert_eq!(parse_eprt(b"|1|10.0.0.1"), ep("10.0.0.1", 0));
        assert_eq!(parse_eprt(b""), None);
        assert_eq!(parse_epsv(b"Entering Extended Passive Mode"), None);
    }

    #[test]
    fn sizes_are_the_last_number() {
        assert_eq!(
            last_count(b"Opening BINARY mode data connection for robots.txt (77 bytes)."),
            77
        );
        assert_eq!(last_count(b"rfc1001.txt (154427 bytes)"), 154427);
        assert_eq!(last_count(b"no size"), 0);
        assert_eq!(last_count(b"99999999999999999999999"), u64::MAX);
    }
}
