//! Pure HTTP/1.x parsing: lines, request and status lines, header fields,
//! numbers and URI unescaping, each as Zeek's HTTP and MIME analyzers read
//! them. Nothing here panics or keeps state beyond one line.

/// A protocol version; `(0, 0)` is Zeek's "unset or unreadable".
pub type Version = (u8, u8);
pub const VERSION_UNSET: Version = (0, 0);
pub const VERSION_09: Version = (0, 9);

/// Longest line kept; longer lines are cut there (Zeek's content-line
/// analyzer does the same with a weird).
pub const MAX_LINE: usize = 64 * 1024;

/// Splits a byte stream into lines ended by CRLF, LF or a lone CR, as
/// Zeek's content-line analyzer does for HTTP.
#[derive(Default)]
pub struct LineReader {
    buf: Vec<u8>,
    /// Only CRLF ends a line (inside multipart bodies, as Zeek's MIME
    /// reader does there); otherwise LF and lone CR do too.
    pub crlf_only: bool,
    /// The last line ended with CR: a directly following LF belongs to it.
    after_cr: bool,
}

/// What [`LineReader::feed`] found.
pub enum LineEvent {
    /// A whole line (without its terminator); `bytes` were consumed.
    Line {
        consumed: usize,
        single_cr: bool,
        cut: bool,
    },
    /// All input was buffered, no line yet.
    NeedMore,
}

impl LineReader {
    /// Consumes input up to and including the next line end.
    pub fn feed(&mut self, data: &[u8]) -> LineEvent {
        let mut start = 0;
        if self.after_cr && !data.is_empty() {
            self.after_cr = false;
            if data[0] == b'\n' {
                start = 1;
            }
        }
        let room = MAX_LINE.saturating_sub(self.buf.len());
        let rest = &data[start..];
        let window = &rest[..rest.len().min(room)];
        if self.crlf_only {
            return self.feed_crlf_only(start, window, rest.len());
        }
        match window.iter().position(|&b| b == b'\n' || b == b'\r') {
            Some(i) => {
                self.buf.extend_from_slice(&window[..i]);
                let mut consumed = start + i + 1;
                let mut single_cr = false;
                if window[i] == b'\r' {
                    match rest.get(i + 1) {
                        Some(b'\n') => consumed += 1,
                        Some(_) => single_cr = true,
                        None => self.after_cr = true,
                    }
                }
                LineEvent::Line {
                    consumed,
                    single_cr,
                    cut: false,
                }
            }
            None if window.len() < rest.len() || self.buf.len() + window.len() >= MAX_LINE => {
                self.buf.extend_from_slice(window);
                LineEvent::Line {
                    consumed: start + window.len(),
                    single_cr: false,
                    cut: true,
                }
            }
            None => {
                self.buf.extend_from_slice(window);
                LineEvent::NeedMore
            }
        }
    }

    fn feed_crlf_only(&mut self, start: usize, window: &[u8], available: usize) -> LineEvent {
        // A CR ending the previous input may pair with an LF starting this one.
        if self.buf.last() == Some(&b'\r') && window.first() == Some(&b'\n') {
            self.buf.pop();
            return LineEvent::Line {
                consumed: start + 1,
                single_cr: false,
                cut: false,
            };
        }
        match window.windows(2).position(|w| w == b"\r\n") {
            Some(i) => {
                self.buf.extend_from_slice(&window[..i]);
                LineEvent::Line {
                    consumed: start + i + 2,
                    single_cr: false,
                    cut: false,
                }
            }
            None => {
                self.buf.extend_from_slice(window);
                if window.len() < available || self.buf.len() >= MAX_LINE {
                    LineEvent::Line {
                        consumed: start + window.len(),
                        single_cr: false,
                        cut: true,
                    }
                } else {
                    LineEvent::NeedMore
                }
            }
        }
    }

    /// The line completed by the last `feed`; the reader starts afresh.
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }

    /// Bytes of an unfinished line (delivered as a line at end of stream).
    pub fn pending(&self) -> bool {
        !self.buf.is_empty()
    }

    /// A bare LF still owed to a line that ended in CR is dropped from
    /// `data` (used when switching to raw body delivery).
    pub fn skip_owed_lf<'d>(&mut self, data: &'d [u8]) -> &'d [u8] {
        if std::mem::take(&mut self.after_cr) && data.first() == Some(&b'\n') {
            &data[1..]
        } else {
            data
        }
    }
}

fn is_ws(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

pub fn skip_ws(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && is_ws(s[i]) {
        i += 1;
    }
    i
}

fn is_token_char(c: u8) -> bool {
    c > 31 && c < 127 && !b" \t()<>@,;:\\\"/[]?={}".contains(&c)
}

fn is_uri_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b":/?#[]@!$&'()*+,;=-_.~*%".contains(&c)
}

fn starts_with_ci(s: &[u8], prefix: &[u8]) -> bool {
    s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// `method` compared as Zeek's `strncasecmp(method, name, len(method))`:
/// a case-insensitive prefix of `name`.
pub fn method_is(method: &[u8], name: &[u8]) -> bool {
    !method.is_empty() && starts_with_ci(name, method)
}

/// Which version a request line announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestVersion {
    /// No "HTTP/" at all: HTTP/0.9.
    Missing,
    /// "HTTP/x.y" (unset if not digit.digit).
    Given(Version),
    /// "HTTP/" too short to read: the connection's version is unchanged.
    Unreadable,
}

/// A request line that has a method.
#[derive(Debug, PartialEq, Eq)]
pub struct RequestLine<'a> {
    pub method: &'a [u8],
    pub uri: &'a [u8],
    pub version: RequestVersion,
}

/// Why a line is not a request line, as Zeek's weird names it.
#[derive(Debug, PartialEq, Eq)]
pub enum BadRequest {
    Bad,
    BadWithVersion,
}

impl BadRequest {
    pub fn weird(&self) -> &'static str {
        match self {
            BadRequest::Bad => "bad_HTTP_request",
            BadRequest::BadWithVersion => "bad_HTTP_request_with_version",
        }
    }
}

/// Parses a request line as Zeek's `HTTP_RequestLine`/`ParseRequest`;
/// `weird` receives the weirds found on the way.
pub fn request_line<'a>(
    line: &'a [u8],
    weird: &mut dyn FnMut(&'static str),
) -> Result<RequestLine<'a>, BadRequest> {
    let end_of_method = line
        .iter()
        .position(|&c| !is_token_char(c))
        .unwrap_or(line.len());
    if end_of_method == 0 {
        let n = line.len();
        if n >= 9 && line[n - 9..n - 3].eq_ignore_ascii_case(b" HTTP/") {
            return Err(BadRequest::BadWithVersion);
        }
        return Err(BadRequest::Bad);
    }
    let rest_start = skip_ws(line, end_of_method);
    if rest_start == end_of_method {
        return Err(BadRequest::Bad);
    }
    let (uri, version) = uri_and_version(&line[rest_start..], weird);
    Ok(RequestLine {
        method: &line[..end_of_method],
        uri,
        version,
    })
}

/// The URI and version after the method: the URI runs up to the last
/// whitespace before "HTTP/", so it may contain blanks.
fn uri_and_version<'a>(
    rest: &'a [u8],
    weird: &mut dyn FnMut(&'static str),
) -> (&'a [u8], RequestVersion) {
    let mut end_of_uri = rest
        .iter()
        .position(|&c| !is_uri_char(c))
        .unwrap_or(rest.len());
    let keyword = http_keyword_at(rest, 0, weird);
    if end_of_uri >= rest.len() && keyword {
        weird("missing_HTTP_uri");
        end_of_uri = 0;
    }
    let mut version_start = end_of_uri;
    while version_start < rest.len() {
        end_of_uri = version_start;
        version_start = skip_ws(rest, version_start);
        if http_keyword_at(rest, version_start, weird) {
            break;
        }
        version_start += 1;
    }
    let version = if version_start >= rest.len() {
        RequestVersion::Missing
    } else if version_start + 8 <= rest.len() {
        RequestVersion::Given(parse_version(&rest[version_start + 5..]))
    } else {
        RequestVersion::Unreadable
    };
    (&rest[..end_of_uri.min(rest.len())], version)
}

/// "HTTP/" at `at`; a lowercase spelling counts too, with a weird.
fn http_keyword_at(s: &[u8], at: usize, weird: &mut dyn FnMut(&'static str)) -> bool {
    let s = &s[at.min(s.len())..];
    if s.starts_with(b"HTTP/") {
        return true;
    }
    let lower = starts_with_ci(s, b"HTTP/");
    if lower {
        weird("lowercase_HTTP_keyword");
    }
    lower
}

/// "d.d" at the start of `s`; anything else is unset.
pub fn parse_version(s: &[u8]) -> Version {
    match s {
        [major, b'.', minor, ..] if major.is_ascii_digit() && minor.is_ascii_digit() => {
            (major - b'0', minor - b'0')
        }
        _ => VERSION_UNSET,
    }
}

/// A status line: the version is read even when the rest is unusable.
#[derive(Debug, PartialEq, Eq)]
pub struct StatusLine<'a> {
    pub version: Version,
    /// `None` when the code is missing (then this is no status line).
    pub code: Option<u16>,
    pub reason: Option<&'a [u8]>,
}

/// Parses a status line as Zeek's `HTTP_ReplyLine`; `None` if the line
/// does not start with "HTTP/".
pub fn status_line(line: &[u8]) -> Option<StatusLine<'_>> {
    let rest = line.strip_prefix(b"HTTP/")?;
    let version = parse_version(rest);
    let mut status = StatusLine {
        version,
        code: None,
        reason: None,
    };
    let Some(gap) = rest.iter().position(|&c| is_ws(c)) else {
        return Some(status);
    };
    let code_at = skip_ws(rest, gap);
    if code_at + 3 > rest.len() {
        return Some(status);
    }
    let digits = &rest[code_at..code_at + 3];
    status.code = Some(if digits.iter().all(u8::is_ascii_digit) {
        digits
            .iter()
            .fold(0u16, |n, d| n * 10 + u16::from(d - b'0'))
    } else {
        0
    });
    if let Some(gap) = rest[code_at + 3..].iter().position(|&c| is_ws(c)) {
        let reason_at = skip_ws(rest, code_at + 3 + gap);
        status.reason = Some(&rest[reason_at..]);
    }
    Some(status)
}

/// One header field: the name as sent and the value with leading blanks
/// removed.
#[derive(Debug, PartialEq, Eq)]
pub struct Header<'a> {
    pub name: &'a [u8],
    pub value: &'a [u8],
}

/// Splits "Name: value"; `None` without a name or colon (MIME ignores
/// such lines).
pub fn header(line: &[u8]) -> Option<Header<'_>> {
    let colon = line.iter().position(|&c| c == b':')?;
    let name = trim_end(&line[..colon]);
    if name.is_empty() || name.iter().any(|&c| is_ws(c)) {
        return None;
    }
    let value = &line[skip_ws(line, colon + 1)..];
    Some(Header { name, value })
}

fn trim_end(s: &[u8]) -> &[u8] {
    let n = s.iter().rposition(|&c| !is_ws(c)).map_or(0, |i| i + 1);
    &s[..n]
}

/// The first MIME token of a header value (Zeek's `get_value_token`) and
/// what follows it.
pub fn value_token(value: &[u8]) -> (&[u8], &[u8]) {
    let start = skip_ws(value, 0);
    let end = value[start..]
        .iter()
        .position(|&c| !is_mime_token_char(c))
        .map_or(value.len(), |i| start + i);
    (&value[start..end], &value[end..])
}

fn is_mime_token_char(c: u8) -> bool {
    c > 32 && c < 127 && !b"()<>@,;:\\\"/[]?=".contains(&c)
}

/// Zeek's `atoi_n`: optional '-', then digits of `base` up to the first
/// other byte (which must not be the first); wraps like C on overflow.
pub fn atoi(s: &[u8], base: u32) -> Option<i64> {
    let (neg, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    let mut n: i64 = 0;
    for (i, &c) in digits.iter().enumerate() {
        match (c as char).to_digit(base) {
            Some(d) => n = n.wrapping_mul(i64::from(base)).wrapping_add(i64::from(d)),
            None if i > 0 => break,
            None => return None,
        }
    }
    Some(if neg { n.wrapping_neg() } else { n })
}

/// Decodes %XX and %uXXXX escapes as Zeek's `unescape_URI`, reporting the
/// malformed escapes it keeps literally.
pub fn unescape_uri(uri: &[u8], weird: &mut dyn FnMut(&'static str)) -> Vec<u8> {
    let mut out = Vec::with_capacity(uri.len());
    let mut i = 0;
    while i < uri.len() {
        if uri[i] != b'%' {
            out.push(uri[i]);
            i += 1;
            continue;
        }
        let rest = &uri[i + 1..];
        match rest {
            [] => {
                out.push(b'%');
                weird("illegal_%_at_end_of_URI");
                break;
            }
            [c] => {
                out.extend_from_slice(&[b'%', *c]);
                weird("partial_escape_at_end_of_URI");
                break;
            }
            [b'%', ..] => {
                // A doubled '%' drops the first one.
                weird("double_%_in_URI");
                i += 1;
            }
            [h, l, ..] if h.is_ascii_hexdigit() && l.is_ascii_hexdigit() => {
                out.push(hex(*h) << 4 | hex(*l));
                i += 3;
            }
            [b'u', a, b, c, d, ..] if [a, b, c, d].iter().all(|x| x.is_ascii_hexdigit()) => {
                if !(*a == b'0' && *b == b'0') {
                    out.push(hex(*a) << 4 | hex(*b));
                }
                out.push(hex(*c) << 4 | hex(*d));
                i += 6;
            }
            [c, ..] => {
                weird("unescaped_%_in_URI");
                out.extend_from_slice(&[b'%', *c]);
                i += 2;
            }
        }
    }
    out
}

fn hex(c: u8) -> u8 {
    (c as char).to_digit(16).unwrap_or(0) as u8
}

/// Standard base64 (as Zeek's `decode_base64`: stops at the first byte
/// outside the alphabet or at padding).
pub fn base64_decode(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in s {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => break,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// The value of parameter `name` in "...; name=value; ..." (quotes removed).
pub fn param(value: &[u8], name: &[u8]) -> Option<Vec<u8>> {
    for part in value.split(|&c| c == b';') {
        let Some(eq) = part.iter().position(|&c| c == b'=') else {
            continue;
        };
        let key = &part[..eq];
        let key = &key[skip_ws(key, 0)..];
        if !trim_end(key).eq_ignore_ascii_case(name) {
            continue;
        }
        let v = trim_end(&part[skip_ws(part, eq + 1)..]);
        let v = v
            .strip_prefix(b"\"")
            .map_or(v, |q| q.strip_suffix(b"\"").unwrap_or(q));
        return Some(v.to_vec());
    }
    None
}

/// The file name in a Content-Disposition (or Content-Type `name=`) value,
/// as Zeek's `extract_filename_from_content_disposition`: whatever follows
/// the last `name=` (or `name*=`), unquoted, minus an RFC 2231 charset and
/// language prefix.
pub fn disposition_filename(value: &[u8]) -> Vec<u8> {
    let lower = value.to_ascii_lowercase();
    let after_name = (0..lower.len())
        .rev()
        .filter(|&i| lower[i..].starts_with(b"name"))
        .find_map(|i| assignment_end(value, i + 4));
    let rest = after_name.map_or(value, |at| &value[at..]);
    let name = match rest.strip_prefix(b"\"") {
        Some(q) => &q[..q.iter().position(|&c| c == b'"').unwrap_or(q.len())],
        None => rest,
    };
    strip_charset_language(name).to_vec()
}

/// After "name" at `at`: blanks, optional '*', '=', blanks; where the
/// value starts.
fn assignment_end(s: &[u8], at: usize) -> Option<usize> {
    let mut i = skip_ws(s, at);
    if s.get(i) == Some(&b'*') {
        i += 1;
    }
    (s.get(i) == Some(&b'=')).then(|| skip_ws(s, i + 1))
}

fn strip_charset_language(name: &[u8]) -> &[u8] {
    let attr = |c: &u8| c.is_ascii_alphanumeric() || b"!#$%&+-^_`{}~".contains(c);
    let charset = name.iter().take_while(|c| attr(c)).count();
    if charset == 0 || name.get(charset) != Some(&b'\'') {
        return name;
    }
    let lang = name[charset + 1..].iter().take_while(|c| attr(c)).count();
    match name.get(charset + 1 + lang) {
        Some(b'\'') => &name[charset + lang + 2..],
        _ => name,
    }
}

/// Zeek takes a file name from Content-Type when it has `name[blanks]=`.
pub fn has_name_param(value: &[u8]) -> bool {
    let lower = value.to_ascii_lowercase();
    (0..lower.len()).any(|i| {
        lower[i..].starts_with(b"name") && lower.get(skip_ws(&lower, i + 4)) == Some(&b'=')
    })
}

pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(line: &[u8]) -> (Result<RequestLine<'_>, BadRequest>, Vec<&'static str>) {
        let mut w = Vec::new();
        let r = request_line(line, &mut |n| w.push(n));
        (r, w)
    }

    #[test]
    fn request_lines() {
        let (r, w) = req(b"GET /a%20b HTTP/1.1");
        assert_eq!(
            r.unwrap(),
            RequestLine {
                method: b"GET",
                uri: b"/a%20b",
                version: RequestVersion::Given((1, 1))
            }
        );
        assert!(w.is_empty());
        let (r, _) = req(b"GET /foo bar HTTP/1.0");
        assert_eq!(r.unwrap().uri, b"/foo bar");
        let (r, w) = req(b"OPTIONS HTTP/1.1");
        let r = r.unwrap();
        assert_eq!(
            (r.uri, r.version),
            (&b""[..], RequestVersion::Given((1, 1)))
        );
        assert_eq!(w, vec!["missing_HTTP_uri"]);
        assert_eq!(
            req(b"GET /HTTP/1.1").0.unwrap().version,
            RequestVersion::Missing
        );
        assert_eq!(
            req(b"GET / HTTP/1.").0.unwrap().version,
            RequestVersion::Unreadable
        );
        assert_eq!(req(b"GET/ HTTP/1.1").0.unwrap_err(), BadRequest::Bad);
        assert_eq!(req(b"OPTIONS").0.unwrap_err(), BadRequest::Bad);
        assert_eq!(
            req(b"\xc3\x83/ HTTP/1.1").0.unwrap_err(),
            BadRequest::BadWithVersion
        );
        let (r, w) = req(b"GET / http/1.1");
        assert_eq!(r.unwrap().version, RequestVersion::Given((1, 1)));
        assert_eq!(w, vec!["lowercase_HTTP_keyword"]);
    }

    #[test]
    fn status_lines() {
        let s = status_line(b"HTTP/1.1 200 OK then").unwrap();
        assert_eq!(
            (s.version, s.code, s.reason),
            ((1, 1), Some(200), Some(&b"OK then"[..]))
        );
        let s = status_line(b"HTTP/1.0 404").unwrap();
        assert_eq!((s.code, s.reason), (Some(404), None));
        assert_eq!(status_line(b"HTTP/1.0").unwrap().code, None);
        assert_eq!(status_line(b"HTTP/x 2xx y").unwrap().code, Some(0));
        assert!(status_line(b"<html>").is_none());
    }

    #[test]
    fn numbers() {
        assert_eq!(atoi(b"123abc", 10), Some(123));
        assert_eq!(atoi(b"-5", 10), Some(-5));
        assert_eq!(atoi(b"x1", 10), None);
        assert_eq!(atoi(b"1a;ext", 16), Some(26));
        assert_eq!(atoi(b"10000000000000000", 16), Some(0));
        assert_eq!(atoi(b"18446744073709551615", 10), Some(-1));
    }

    #[test]
    fn unescaping() {
        let mut w = Vec::new();
        assert_eq!(
            unescape_uri(b"/a%20b%u00e9%zz", &mut |n| w.push(n)),
            b"/a b\xe9%zz"
        );
        assert_eq!(w, vec!["unescaped_%_in_URI"]);
        w.clear();
        assert_eq!(unescape_uri(b"/%", &mut |n| w.push(n)), b"/%");
        assert_eq!(unescape_uri(b"/%5", &mut |n| w.push(n)), b"/%5");
        assert_eq!(
            w,
            vec!["illegal_%_at_end_of_URI", "partial_escape_at_end_of_URI"]
        );
    }

    #[test]
    fn lines_split_anywhere() {
        let mut r = LineReader::default();
        assert!(matches!(r.feed(b"GET / HT"), LineEvent::NeedMore));
        let LineEvent::Line { consumed, .. } = r.feed(b"TP/1.1\r") else {
            panic!()
        };
        assert_eq!(consumed, 7);
        assert_eq!(r.take(), b"GET / HTTP/1.1");
        let LineEvent::Line {
            consumed,
            single_cr,
            ..
        } = r.feed(b"\nHost: x\n")
        else {
            panic!()
        };
        assert_eq!((consumed, single_cr), (9, false));
        assert_eq!(r.take(), b"Host: x");
    }

    #[test]
    fn header_fields() {
        let h = header(b"Content-Length:  12 ").unwrap();
        assert_eq!((h.name, h.value), (&b"Content-Length"[..], &b"12 "[..]));
        assert_eq!(
            value_token(b" chunked, gzip"),
            (&b"chunked"[..], &b", gzip"[..])
        );
        assert!(header(b"no colon").is_none());
        assert_eq!(base64_decode(b"dGVzdDoxOjM0"), b"test:1:34");
        assert_eq!(
            param(b"; boundary=\"ab\"; x=y", b"boundary").unwrap(),
            b"ab"
        );
        assert!(has_name_param(b"text/plain; name =\"a.txt\""));
        assert_eq!(
            disposition_filename(b"form-data; name=\"f\"; filename=\"test.txt\""),
            b"test.txt"
        );
        assert_eq!(
            disposition_filename(b"attachment; filename*=UTF-8''a%20b.txt"),
            b"a%20b.txt"
        );
    }
}
