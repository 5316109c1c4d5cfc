//! Text helpers of Zeek's SMTP scripts: email addresses from commands and
//! headers (`base/utils/email`), IP addresses from headers
//! (`base/utils/addrs`), attachment names (`base/utils/files`). Each scans
//! the way Zeek's `find_all` does: at each position the longest match,
//! matches never overlapping.

use std::net::IpAddr;

/// Bytes of a header searched for IP addresses (bounds the work on
/// hostile headers).
const MAX_IP_SCAN: usize = 4096;
/// Longest textual IP address.
const MAX_IP_TEXT: usize = 45;

/// Zeek's `extract_email_addrs_vec`: `user@domain` tokens, delimiters
/// (`<>,:;` and blanks) removed, in order.
pub(super) fn email_addrs(s: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut p = 0;
    while p < s.len() {
        match email_at(s, p) {
            Ok(end) => {
                out.push(
                    s[p..end]
                        .iter()
                        .copied()
                        .filter(|c| !b"<>,:; \t".contains(c))
                        .collect(),
                );
                p = end;
            }
            Err(next) => p = next,
        }
    }
    out
}

/// End of the address match starting at `p`: an optional delimiter, the
/// local part, `@`, the domain and the delimiter (or end) closing it.
/// Without a match, where the next possible match starts (no start inside
/// a failed local part can match, which keeps the scan linear).
fn email_at(s: &[u8], p: usize) -> Result<usize, usize> {
    let opens = |c: u8| b"<,: \t".contains(&c);
    let local_start = if opens(s[p]) { p + 1 } else { p };
    let local_len = s[local_start..]
        .iter()
        .take_while(|&&c| !opens(c) && c != b'@')
        .count();
    let at = local_start + local_len;
    if local_len == 0 {
        return Err(p + 1);
    }
    if s.get(at) != Some(&b'@') {
        return Err(at);
    }
    let domain_len = s[at + 1..]
        .iter()
        .take_while(|&&c| !b">,; \t".contains(&c))
        .count();
    if domain_len == 0 {
        return Err(at);
    }
    let end = at + 1 + domain_len;
    Ok((end + 1).min(s.len()))
}

/// Zeek's `split_mime_email_addresses`: the comma-separated addresses of
/// a To/Cc header (display names kept, commas inside quotes respected),
/// trimmed.
pub(super) fn mime_email_addresses(s: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut p = 0;
    while p < s.len() {
        let plain = run_until_comma(s, p);
        let quoted = quoted_address_len(s, p);
        let len = plain.max(quoted);
        if len == 0 {
            p += 1;
            continue;
        }
        out.push(s[p..p + len].trim_ascii().to_vec());
        p += len;
    }
    out
}

fn run_until_comma(s: &[u8], p: usize) -> usize {
    s[p..].iter().take_while(|&&c| c != b',').count()
}

/// Length of `"display, name" rest` at `p` (0 if there is none).
fn quoted_address_len(s: &[u8], p: usize) -> usize {
    if s[p] != b'"' {
        return 0;
    }
    let Some(close) = s[p + 1..].iter().position(|&c| c == b'"') else {
        return 0;
    };
    let after = p + 1 + close + 1;
    if after >= s.len() {
        return 0;
    }
    match run_until_comma(s, after) {
        0 => 0,
        n => after + n - p,
    }
}

/// Zeek's `extract_ip_addresses`: the IP addresses in `s`; with
/// `check_wrapping` only those standing alone or enclosed in matching
/// brackets, parentheses, braces or spaces.
pub(super) fn ip_addresses(s: &[u8], check_wrapping: bool) -> Vec<IpAddr> {
    let s = &s[..s.len().min(MAX_IP_SCAN)];
    let mut found: Vec<(usize, usize, IpAddr)> = Vec::new();
    let mut p = 0;
    while p < s.len() {
        match ip_at(s, p) {
            Some((len, ip)) => {
                found.push((p, p + len, ip));
                p += len;
            }
            None => p += 1,
        }
    }
    let mut out = Vec::new();
    for (i, &(start, end, ip)) in found.iter().enumerate() {
        let before_start = if i == 0 { 0 } else { found[i - 1].1 };
        let after_end = found.get(i + 1).map_or(s.len(), |n| n.0);
        let before = &s[before_start..start];
        let after = &s[end..after_end];
        if !check_wrapping || is_wrapped(before, after) {
            out.push(ip);
        }
    }
    out
}

/// The longest IP address starting at `p`.
fn ip_at(s: &[u8], p: usize) -> Option<(usize, IpAddr)> {
    let run = s[p..]
        .iter()
        .take(MAX_IP_TEXT)
        .take_while(|c| c.is_ascii_hexdigit() || **c == b'.' || **c == b':')
        .count();
    let text = &s[p..p + run];
    if !text.iter().any(|c| *c == b'.' || *c == b':') {
        return None;
    }
    (2..=run).rev().find_map(|len| {
        let t = std::str::from_utf8(&text[..len]).ok()?;
        t.parse::<IpAddr>().ok().map(|ip| (len, ip))
    })
}

fn is_wrapped(before: &[u8], after: &[u8]) -> bool {
    if before.is_empty() && after.is_empty() {
        return true;
    }
    matches!(
        (before.last(), after.first()),
        (Some(b'['), Some(b']'))
            | (Some(b'('), Some(b')'))
            | (Some(b'{'), Some(b'}'))
            | (Some(b' '), Some(b' '))
    )
}

/// Whether a header value names a file: `filename=` (or `filename*=`) in a
/// Content-Disposition, `name=` in a Content-Type.
pub(super) fn names_file(value: &[u8], disposition: bool) -> bool {
    let (word, star): (&[u8], bool) = if disposition {
        (b"filename", true)
    } else {
        (b"name", false)
    };
    param_ends(value, word, star).next().is_some()
}

/// Positions just after each `word[blanks][*]=` in `value` (case-insensitive).
fn param_ends<'a>(value: &'a [u8], word: &'a [u8], star: bool) -> impl Iterator<Item = usize> + 'a {
    (0..value.len()).filter_map(move |i| {
        let rest = value.get(i..i + word.len())?;
        if !rest.eq_ignore_ascii_case(word) {
            return None;
        }
        let mut j = i + word.len();
        j += value[j..].iter().take_while(|c| is_blank(**c)).count();
        if star && value.get(j) == Some(&b'*') {
            j += 1;
        }
        (value.get(j) == Some(&b'=')).then_some(j + 1)
    })
}

/// Zeek's `extract_filename_from_content_disposition`: what follows the
/// last `name=`, unquoted, without an RFC 2231 charset/language prefix,
/// percent-decoded.
pub(super) fn filename_from_disposition(value: &[u8]) -> Vec<u8> {
    let mut name = match param_ends(value, b"name", true).last() {
        Some(end) => {
            let blanks = value[end..].iter().take_while(|c| is_blank(**c)).count();
            &value[end + blanks..]
        }
        None => value,
    };
    if let Some(quoted) = name.strip_prefix(b"\"") {
        name = quoted.split(|&c| c == b'"').next().unwrap_or_default();
    }
    if has_charset_prefix(name) {
        if let Some(last_quote) = name.iter().rposition(|&c| c == b'\'') {
            name = &name[last_quote + 1..];
        }
    }
    percent_decode(name)
}

/// `charset'language'` at the start (RFC 2231), as Zeek's pattern has it.
fn has_charset_prefix(s: &[u8]) -> bool {
    let is_attr = |c: u8| {
        c.is_ascii_alphanumeric() || b"!#$%&_`{}~".contains(&c) || (b'+'..=b'^').contains(&c)
    };
    let charset = s.iter().take_while(|c| is_attr(**c)).count();
    if charset == 0 || s.get(charset) != Some(&b'\'') {
        return false;
    }
    let lang = s[charset + 1..].iter().take_while(|c| is_attr(**c)).count();
    s.get(charset + 1 + lang) == Some(&b'\'')
}

/// `%XX` escapes decoded; malformed ones kept as they are.
fn percent_decode(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let hex = |c: Option<&u8>| c.and_then(|c| (*c as char).to_digit(16));
        match (s[i], hex(s.get(i + 1)), hex(s.get(i + 2))) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strs(v: Vec<Vec<u8>>) -> Vec<String> {
        v.into_iter()
            .map(|b| String::from_utf8(b).unwrap())
            .collect()
    }

    #[test]
    fn email_addresses_from_commands() {
        assert_eq!(
            strs(email_addrs(b"FROM:<a.b@example.com> SIZE=10")),
            ["a.b@example.com"]
        );
        assert_eq!(
            strs(email_addrs(b"TO:<x@y.org> ORCPT=rfc822;x@y.org")),
            ["x@y.org", "ORCPT=rfc822x@y.org"]
        );
        assert_eq!(strs(email_addrs(b"a@b,c@d")), ["a@b", "c@d"]);
        assert!(email_addrs(b"FROM:<>").is_empty());
        assert_eq!(strs(email_addrs(b"no at here x@y")), ["x@y"]);
        // Long input without addresses is scanned in linear time.
        assert!(email_addrs(&vec![b'a'; 1 << 20]).is_empty());
    }

    #[test]
    fn mime_address_lists() {
        assert_eq!(
            strs(mime_email_addresses(b"\"Doe, J\" <j@d.com>, k@e.com ,")),
            ["\"Doe, J\" <j@d.com>", "k@e.com"]
        );
        assert_eq!(strs(mime_email_addresses(b"<r@y.in>")), ["<r@y.in>"]);
    }

    #[test]
    fn ip_addresses_in_headers() {
        let h = b"from mail.x.net (mail.x.net [216.58.97.33]) by a.b with esmtp; 12:55:34 -0700";
        assert_eq!(
            ip_addresses(h, true),
            ["216.58.97.33".parse::<IpAddr>().unwrap()]
        );
        assert_eq!(
            ip_addresses(b"from [10.0.0.1] (x 1.2.3.4) 5.6.7.8x", true),
            ["10.0.0.1".parse::<IpAddr>().unwrap()]
        );
        assert_eq!(ip_addresses(b"5.6.7.8x", false).len(), 1);
        assert_eq!(
            ip_addresses(b"from [::1] by x", true),
            ["::1".parse::<IpAddr>().unwrap()]
        );
        assert!(ip_addresses(b"Mon, 5 Oct 2009 11:36:07 +0530", true).is_empty());
    }

    #[test]
    fn attachment_file_names() {
        assert!(names_file(b"attachment; filename=\"a.txt\"", true));
        assert!(names_file(b"attachment; FileName *= x", true));
        assert!(!names_file(b"inline", true));
        assert!(names_file(b"text/plain; name=a.txt", false));
        assert_eq!(
            filename_from_disposition(b"attachment; filename=\"NEWS.txt\"; size=3"),
            b"NEWS.txt"
        );
        assert_eq!(
            filename_from_disposition(b"attachment; filename=a%20b.txt"),
            b"a b.txt"
        );
        assert_eq!(
            filename_from_disposition(b"attachment; filename*=UTF-8''na%C3%AFve.txt"),
            "naïve.txt".as_bytes()
        );
    }
}
