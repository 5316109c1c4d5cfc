//! Zeek's `Software::parse` (base/frameworks/software/main.zeek): an
//! unparsed version string (a Server header, a browser's User-Agent, an
//! SSH banner) into a software name and a version.
//!
//! The script does it with regular expressions, `split_string_n` and
//! `sub`; each of those patterns is reproduced by a small scanner with the
//! same semantics: the leftmost position where the pattern matches, the
//! longest match there, and `^`/`$` anchored to the whole string.

use crate::http::unescape_uri;

/// Zeek's `Software::Version`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Version {
    pub major: Option<u64>,
    pub minor: Option<u64>,
    pub minor2: Option<u64>,
    pub minor3: Option<u64>,
    pub addl: Option<Vec<u8>>,
}

/// Zeek's `Software::Description`, less the unparsed string it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description {
    pub name: Vec<u8>,
    pub version: Version,
}

/// `Software::parse`.
pub fn parse(unparsed: &[u8]) -> Description {
    if is_browser_like(unparsed) {
        return parse_mozilla(unparsed);
    }
    if is_pixel(unparsed) {
        return parse_pixel(unparsed);
    }
    parse_generic(unparsed)
}

fn described(name: &[u8], version: Version) -> Description {
    Description {
        name: name.to_vec(),
        version,
    }
}

fn version_of(s: &[u8]) -> Version {
    parse(s).version
}

/// `/^(Mozilla|Opera)\/[0-9]+\./`.
fn is_browser_like(u: &[u8]) -> bool {
    let rest = u
        .strip_prefix(b"Mozilla/")
        .or_else(|| u.strip_prefix(b"Opera/"));
    rest.is_some_and(|r| {
        let digits = run(r, 0, is_digit);
        digits > 0 && r.get(digits) == Some(&b'.')
    })
}

/// `/A\/[0-9\.]*\/Google\/Pixel/`.
fn is_pixel(u: &[u8]) -> bool {
    positions(u, b"A/").any(|i| {
        let end = i + 2 + run(u, i + 2, is_dotted);
        u[end..].starts_with(b"/Google/Pixel")
    })
}

/// Google Pixel check-ins: the version is the second '/'-separated field.
fn parse_pixel(u: &[u8]) -> Description {
    let field = u.split(|&c| c == b'/').nth(1).unwrap_or_default();
    let version = if field.contains(&b'.') {
        version_of(field)
    } else {
        Version {
            major: Some(extract_count(field)),
            ..Version::default()
        }
    };
    described(b"Android (Google Pixel)", version)
}

/// The generic "name, version number, extra" reading.
fn parse_generic(unparsed: &[u8]) -> Description {
    let clean = unescape_uri(&backslash_x_to_percent(unparsed), &mut |_| {});
    let (head, version) = match find_version_number(&clean) {
        Some((start, end)) => (
            &clean[..start],
            numbered_version(&clean[start..end], &clean[end..]),
        ),
        None => (&clean[..], Version::default()),
    };
    let name = software_name(head);
    // `Software::alternate_names`.
    let name = if name == b"Flash Player" {
        &b"Flash"[..]
    } else {
        &name[..]
    };
    described(name, version)
}

/// `gsub(s, /\\x/, "%")`: "\xNN" escapes become URI escapes.
fn backslash_x_to_percent(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i..].starts_with(b"\\x") {
            out.push(b'%');
            i += 2;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

/// Characters of a version number: `[0-9\-\._, ]`.
fn is_number_char(c: u8) -> bool {
    c.is_ascii_digit() || matches!(c, b'-' | b'.' | b'_' | b',' | b' ')
}

fn is_digit(c: u8) -> bool {
    c.is_ascii_digit()
}

fn is_dotted(c: u8) -> bool {
    c.is_ascii_digit() || c == b'.'
}

fn is_paren_or_v(c: u8) -> bool {
    c == b'(' || c == b'v'
}

/// Length of the run of `class` characters at `from`.
fn run(s: &[u8], from: usize, class: fn(u8) -> bool) -> usize {
    s.get(from..)
        .map_or(0, |t| t.iter().take_while(|&&c| class(c)).count())
}

/// Where `needle` occurs in `s`, left to right.
fn positions<'a>(s: &'a [u8], needle: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    s.windows(needle.len().max(1))
        .enumerate()
        .filter(move |(_, w)| *w == needle)
        .map(|(i, _)| i)
}

fn contains(s: &[u8], needle: &[u8]) -> bool {
    positions(s, needle).next().is_some()
}

/// Longest match at `i` of `([\/\-_]|( [\(v]+))?[0-9\-\._, ]{2,}`, 0 if
/// none: the version number the generic reading splits at.
fn version_number_at(s: &[u8], i: usize) -> usize {
    let numbers = |from: usize| Some(run(s, from, is_number_char)).filter(|&n| n >= 2);
    let plain = numbers(i);
    let prefixed = match s[i] {
        b'/' | b'-' | b'_' => numbers(i + 1).map(|n| 1 + n),
        b' ' => {
            // A '(' or 'v' run is not a number character: the whole run
            // belongs to the prefix.
            let k = run(s, i + 1, is_paren_or_v);
            (k > 0)
                .then(|| numbers(i + 1 + k))
                .flatten()
                .map(|n| 1 + k + n)
        }
        _ => None,
    };
    plain.max(prefixed).unwrap_or(0)
}

/// The leftmost version number in `s` (its start and end).
fn find_version_number(s: &[u8]) -> Option<(usize, usize)> {
    (0..s.len()).find_map(|i| match version_number_at(s, i) {
        0 => None,
        n => Some((i, i + n)),
    })
}

/// Longest match at `i` of `([\/\-_]|( [\(v]+))`, 0 if none.
fn junk_at(s: &[u8], i: usize) -> usize {
    match s[i] {
        b'/' | b'-' | b'_' => 1,
        b' ' => match run(s, i + 1, is_paren_or_v) {
            0 => 0,
            k => 1 + k,
        },
        _ => 0,
    }
}

/// `/([\/\-_]|( [\(v]+))$/ in s`.
fn ends_with_junk(s: &[u8]) -> bool {
    let k = s.iter().rev().take_while(|&&c| is_paren_or_v(c)).count();
    match s.last() {
        Some(b'/' | b'-' | b'_') => true,
        _ => k > 0 && s.len() > k && s[s.len() - k - 1] == b' ',
    }
}

/// The name before the version number, without the separator junk the
/// script removes (with its first-occurrence `sub`, as Zeek does).
fn software_name(head: &[u8]) -> Vec<u8> {
    let mut part = head.to_vec();
    if ends_with_junk(&part) {
        if let Some((i, n)) =
            (0..part.len()).find_map(|i| Some((i, junk_at(&part, i))).filter(|x| x.1 > 0))
        {
            part.drain(i..i + n);
        }
        part = strip(&part).to_vec();
    }
    let part = match part.first() {
        Some(b'(') => &part[1..],
        _ => &part[..],
    };
    strip(part).to_vec()
}

/// The version from the number found (`number`) and what follows it.
fn numbered_version(number: &[u8], rest: &[u8]) -> Version {
    let mut digits = strip(number);
    if digits
        .first()
        .is_some_and(|c| matches!(c, b'/' | b'-' | b'.' | b'_' | b'v' | b'('))
    {
        digits = strip(&digits[1..]);
    }
    let fields: Vec<&[u8]> = digits
        .splitn(4, |&c| {
            matches!(c, b'-' | b'.' | b'_' | b',' | b'[' | b'(' | b'{' | b' ')
        })
        .collect();
    let count = |i: usize| {
        fields
            .get(i)
            .filter(|f| !f.is_empty())
            .map(|f| extract_count(f))
    };
    Version {
        major: count(0),
        minor: count(1),
        minor2: count(2),
        minor3: count(3),
        addl: additional(rest),
    }
}

/// The `addl` the script takes from what follows the number: a leading
/// parenthesised word list, else the first of the next three fields that
/// is not empty, else all of it.
fn additional(rest: &[u8]) -> Option<Vec<u8>> {
    if rest.is_empty() || rest == b")" {
        return None;
    }
    if starts_with_paren_group(rest) {
        let inner = rest.splitn(3, |&c| c == b'(' || c == b')').nth(1);
        return inner.map(<[u8]>::to_vec);
    }
    let is_sep = |c: &u8| {
        matches!(
            c,
            b'-' | b'.' | b'_' | b',' | b';' | b'[' | b']' | b'(' | b')' | b'{' | b'}' | b' '
        )
    };
    let field = rest
        .splitn(4, is_sep)
        .take(3)
        .find(|f| !f.is_empty())
        .unwrap_or(rest);
    Some(strip(field).to_vec())
}

/// `/^[[:blank:]]*\([a-zA-Z0-9\-\._[:blank:]]*\)/ in s`.
fn starts_with_paren_group(s: &[u8]) -> bool {
    let blank = |c: u8| c == b' ' || c == b'\t';
    let word = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_') || blank(c);
    let open = s.iter().take_while(|&&c| blank(c)).count();
    if s.get(open) != Some(&b'(') {
        return false;
    }
    let close = open + 1 + s[open + 1..].iter().take_while(|&&c| word(c)).count();
    s.get(close) == Some(&b')')
}

/// Zeek's `strip`: white space off both ends.
fn strip(s: &[u8]) -> &[u8] {
    let space = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r');
    let start = s.iter().take_while(|c| space(c)).count();
    let end = s.len() - s[start..].iter().rev().take_while(|c| space(c)).count();
    &s[start..end]
}

/// `extract_count`: the first number in `s` (0 if none; saturating, as
/// `strtoull` is).
fn extract_count(s: &[u8]) -> u64 {
    s.iter()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit())
        .fold(0u64, |n, &d| {
            n.checked_mul(10)
                .and_then(|n| n.checked_add(u64::from(d - b'0')))
                .unwrap_or(u64::MAX)
        })
}

/// The leftmost of `literals` and where it is.
fn leftmost<'l>(s: &[u8], literals: &[&'l [u8]]) -> Option<(usize, &'l [u8])> {
    literals
        .iter()
        .filter_map(|l| positions(s, l).next().map(|i| (i, *l)))
        .min()
}

/// The leftmost `literal` followed by the longest run of `class`: the
/// match of patterns like `/Chrome\/[0-9\.]*/`.
fn literal_run<'a>(s: &'a [u8], literal: &[u8], class: fn(u8) -> bool) -> Option<&'a [u8]> {
    any_literal_run(s, &[literal], class)
}

/// [`literal_run`] for alternatives (`/(Firefox|Netscape)\/[0-9\.]*/`).
fn any_literal_run<'a>(s: &'a [u8], literals: &[&[u8]], class: fn(u8) -> bool) -> Option<&'a [u8]> {
    let (i, literal) = leftmost(s, literals)?;
    let end = i + literal.len() + run(s, i + literal.len(), class);
    Some(&s[i..end])
}

/// `/a.*b/ in s`: `b` after `a` on the same line (`.` stops at '\n').
fn followed_by(s: &[u8], a: &[u8], b: &[u8]) -> bool {
    s.split(|&c| c == b'\n').any(|line| {
        positions(line, a)
            .next()
            .is_some_and(|i| contains(&line[i + a.len()..], b))
    })
}

/// The version of a match, or none if the pattern did not match.
fn version_at(m: Option<&[u8]>) -> Version {
    m.map(version_of).unwrap_or_default()
}

/// `parse_mozilla`: browsers and the software that talks like one.
fn parse_mozilla(u: &[u8]) -> Description {
    if let Some(m) = opera_at_end(u) {
        return described(b"Opera", version_of(m));
    }
    if contains(u, b" MSIE ") || contains(u, b"Trident/") {
        return described(b"MSIE", msie_version(u));
    }
    if contains(u, b"Edge/") {
        return described(b"Edge", version_at(literal_run(u, b"Edge/", is_dotted)));
    }
    if followed_by(u, b"Version/", b"Safari/") {
        let mut v = version_at(literal_run(u, b"Version/", is_dotted));
        if followed_by(u, b" Mobile", b" Safari") {
            v.addl = Some(b"Mobile".to_vec());
        }
        return described(b"Safari", v);
    }
    let gecko = [&b"Firefox/"[..], b"Netscape/", b"Thunderbird/"];
    if let Some(m) = any_literal_run(u, &gecko, is_dotted) {
        return parse(m);
    }
    if followed_by(u, b"Chrome/", b"Safari/") {
        return described(b"Chrome", version_at(literal_run(u, b"Chrome/", is_dotted)));
    }
    if u.starts_with(b"Opera/") {
        return parse_opera(u);
    }
    if contains(u, b"Flash%20Player") {
        // The second field between '/' or ' ' separators.
        let field = u.split(|&c| c == b'/' || c == b' ').nth(1);
        return described(b"Flash", version_at(field));
    }
    if contains(u, b"AdobeAIR/") {
        let m = literal_run(u, b"AdobeAIR/", is_dotted);
        return described(b"AdobeAIR", version_at(m));
    }
    if contains(u, b"AppleWebKit/") {
        let m = literal_run(u, b"AppleWebKit/", is_dotted);
        return described(b"Unspecified WebKit", version_at(m));
    }
    if is_java(u) {
        let m = literal_run(u, b"Java/", |c| is_dotted(c) || c == b'_');
        return described(b"Java", version_at(m));
    }
    described(b"<unknown browser>", Version::default())
}

/// `/Opera [0-9\.]*$/`: its match ("Opera " can only end where the
/// trailing run of digits and dots starts).
fn opera_at_end(u: &[u8]) -> Option<&[u8]> {
    let digits = u.iter().rev().take_while(|&&c| is_dotted(c)).count();
    let start = (u.len() - digits).checked_sub(6)?;
    u[start..].starts_with(b"Opera ").then(|| &u[start..])
}

/// MSIE's version: from the Trident engine version when there is one.
fn msie_version(u: &[u8]) -> Version {
    const TRIDENT: [(&[u8], u64); 4] = [
        (b"Trident/4.0", 8),
        (b"Trident/5.0", 9),
        (b"Trident/6.0", 10),
        (b"Trident/7.0", 11),
    ];
    match TRIDENT.iter().find(|(t, _)| contains(u, t)) {
        Some(&(_, major)) => Version {
            major: Some(major),
            minor: Some(0),
            ..Version::default()
        },
        None => version_at(msie_token(u)),
    }
}

/// The leftmost match of `/MSIE [0-9]{1,2}\.*[0-9]*b?[0-9]*/`.
fn msie_token(u: &[u8]) -> Option<&[u8]> {
    positions(u, b"MSIE ").find_map(|i| {
        let p = i + 5;
        let lead = run(u, p, is_digit).min(2);
        // One or two leading digits; the rest is greedy either way.
        let tail = |from: usize| {
            let mut j = from + run(u, from, |c| c == b'.');
            j += run(u, j, is_digit);
            if u.get(j) == Some(&b'b') {
                j += 1;
            }
            j + run(u, j, is_digit)
        };
        let end = (1..=lead).map(|n| tail(p + n)).max()?;
        Some(&u[i..end])
    })
}

/// Opera's own User-Agents ("Opera/9.80 (...) Version/11.01").
fn parse_opera(u: &[u8]) -> Description {
    if !contains(u, b"Opera Mini/") && !contains(u, b"Opera Mobi/") {
        return described(b"Opera", version_at(literal_run(u, b"Version/", is_dotted)));
    }
    let name =
        leftmost(u, &[b"Opera Mini", b"Opera Mobi"]).map_or(&b"<unknown browser>"[..], |(_, n)| n);
    let m = literal_run(u, b"Version/", is_dotted)
        .or_else(|| literal_run(u, b"Opera Mini/", is_dotted));
    described(name, version_at(m))
}

/// `/ Java\/[0-9]\./`.
fn is_java(u: &[u8]) -> bool {
    positions(u, b" Java/")
        .any(|i| u.get(i + 6).is_some_and(|c| c.is_ascii_digit()) && u.get(i + 7) == Some(&b'.'))
}
