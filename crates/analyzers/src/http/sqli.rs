//! SQL injection in request URIs, for `protocols/http/detect-sql-injection`
//! (which tags such requests `HTTP::URI_SQLI`). A URI is suspicious when
//! the value of one of its query parameters (everything after a `?` or
//! `&`, a name and `=`) has one of these shapes, letters compared without
//! case:
//!
//! 1. a word, then a break out of it (spaces, `+`, comments, `;`, `);`,
//!    maybe after a quote), and later a statement keyword (`union`,
//!    `select`, `insert`, `delete`, `drop`, `create`, `declare`, `exec`,
//!    `having`) followed by a space: `id=1 union select ...`;
//! 2. a number, a break, then `or`/`and` (`xor`, `nand`) and a comparison
//!    (`=` after non-letters, or `exists`): `id=1 or 1=1`;
//! 3. a number, a quote, then an operator (`-`, `=`, `+`, `||`) and a digit,
//!    `convert` or `cast`: `id=1'=1`;
//! 4. a quote first, then a keyword (those of 1 and 2, and `regexp`), a
//!    space or bracket and a word: `id=' or abc`;
//! 5. before any `.`, a call of `char`, `ascii`, `substring`, `truncate`,
//!    `version` or `length`: `id=version()`;
//!
//! and anywhere, a MySQL versioned comment `/*!12345 ... */`.
//!
//! "Spaces" are blanks, control characters and `+` (a form-encoded space),
//! and `/* ... */` comments. The URI is the unescaped one (`%27` is a
//! quote).

/// Longest URI examined: the matching is quadratic in the worst case.
const MAX_URI: usize = 16 * 1024;

const STATEMENTS: &[&[u8]] = &[
    b"having", b"union", b"exec", b"select", b"delete", b"drop", b"declare", b"create", b"insert",
];
const BOOLEANS: &[&[u8]] = &[b"xor", b"or", b"nand", b"and"];
const FUNCTIONS: &[&[u8]] = &[
    b"char",
    b"ascii",
    b"substring",
    b"truncate",
    b"version",
    b"length",
];

/// Whether the unescaped URI looks like an SQL injection attempt.
pub fn is_sql_injection(uri: &[u8]) -> bool {
    let uri = &uri[..uri.len().min(MAX_URI)];
    if versioned_comment(uri) {
        return true;
    }
    // Every shape is a parameter's value: `?` or `&`, then `=`.
    let Some(first_param) = uri.iter().position(|&c| matches!(c, b'?' | b'&')) else {
        return false;
    };
    if !uri[first_param..].contains(&b'=') {
        return false;
    }
    let marks = Marks::of(uri);
    (0..uri.len())
        .filter(|&i| matches!(uri[i], b'?' | b'&'))
        .any(|i| {
            parameter_values(uri, i + 1)
                .any(|(v, pipe_free)| value_is_injection(uri, &marks, v, pipe_free))
        })
}

/// Where a parameter's value may start: after each `=` that ends a
/// non-empty name from `start`, up to the next `?` or `&` (the values
/// after those are another start's). A name has no spaces or control
/// characters; a `|` in it rules out some shapes (`pipe_free = false`).
fn parameter_values(uri: &[u8], start: usize) -> impl Iterator<Item = (usize, bool)> + '_ {
    let name_len = uri[start..]
        .iter()
        .position(|&c| is_blank(c) || c == b'+' || c == b'&' || c == b'?')
        .unwrap_or(uri.len() - start);
    let first_pipe = uri[start..start + name_len].iter().position(|&c| c == b'|');
    (start + 1..start + name_len)
        .filter(move |&i| uri[i] == b'=')
        .map(move |i| (i + 1, first_pipe.is_none_or(|p| start + p > i)))
}

/// What the shapes look for anywhere after a value, found once per URI so
/// that checking every value stays linear.
struct Marks {
    /// The start of the last statement keyword followed by a space.
    last_statement: Option<usize>,
    /// Starts of function calls (`char(`), and `.` positions, ascending.
    calls: Vec<usize>,
    dots: Vec<usize>,
}

impl Marks {
    fn of(s: &[u8]) -> Marks {
        let last_statement = (0..s.len())
            .rev()
            .find(|&i| word_at(s, i, STATEMENTS).is_some_and(|e| space_at(s, e, true).is_some()));
        let calls = (0..s.len())
            .filter(|&i| word_at(s, i, FUNCTIONS).is_some_and(|e| s.get(e) == Some(&b'(')))
            .collect();
        let dots = (0..s.len()).filter(|&i| s[i] == b'.').collect();
        Marks {
            last_statement,
            calls,
            dots,
        }
    }
}

/// The five shapes of a parameter value starting at `v`; shapes 1, 2 and 4
/// need a name without `|`.
fn value_is_injection(uri: &[u8], marks: &Marks, v: usize, pipe_free: bool) -> bool {
    (pipe_free
        && (keyword_after_word(uri, marks, v)
            || boolean_after_number(uri, v)
            || quote_then_keyword(uri, v)))
        || quote_then_operator(uri, v)
        || early_function_call(marks, v)
}

fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t' || c < 0x20
}

/// One "space" at `i`: a blank, a control character, `+` (when `plus`) or
/// a whole `/* ... */` comment; the position after it.
fn space_at(s: &[u8], i: usize, plus: bool) -> Option<usize> {
    let c = *s.get(i)?;
    if is_blank(c) || (plus && c == b'+') {
        return Some(i + 1);
    }
    if s[i..].starts_with(b"/*") {
        let end = s[i + 2..].windows(2).position(|w| w == b"*/")?;
        return Some(i + 2 + end + 2);
    }
    None
}

/// As many spaces as there are from `i`.
fn spaces(s: &[u8], mut i: usize, plus: bool) -> usize {
    while let Some(next) = space_at(s, i, plus) {
        i = next;
    }
    i
}

/// A break out of a value: one space, `;` or `);`.
fn break_at(s: &[u8], i: usize) -> Option<usize> {
    space_at(s, i, true).or_else(|| match s.get(i..) {
        Some([b';', ..]) => Some(i + 1),
        Some([b')', b';', ..]) => Some(i + 2),
        _ => None,
    })
}

/// Spaces, an optional quote, then at least one break; the position after.
fn breakout(s: &[u8], i: usize) -> Option<usize> {
    let mut i = spaces(s, i, true);
    let quoted = s.get(i) == Some(&b'\'');
    i += usize::from(quoted);
    let mut end = break_at(s, i);
    while let Some(e) = end.and_then(|e| break_at(s, e)) {
        end = Some(e);
    }
    // Without a quote the spaces already are the break.
    end.or((!quoted && i > 0 && space_at(s, i - 1, true).is_some()).then_some(i))
}

fn run(s: &[u8], i: usize, allowed: impl Fn(u8) -> bool) -> usize {
    i + s[i..].iter().take_while(|&&c| allowed(c)).count()
}

/// The keyword of `words` at `i` (case-insensitive); the position after.
fn word_at(s: &[u8], i: usize, words: &[&[u8]]) -> Option<usize> {
    words
        .iter()
        .find(|w| {
            s.get(i..i + w.len())
                .is_some_and(|t| t.eq_ignore_ascii_case(w))
        })
        .map(|w| i + w.len())
}

/// Shape 1.
fn keyword_after_word(s: &[u8], marks: &Marks, v: usize) -> bool {
    let word_end = run(s, v, |c| {
        c.is_ascii_alphanumeric() || c == b'-' || c == b'%'
    });
    word_end > v
        && breakout(s, word_end).is_some_and(|rest| marks.last_statement.is_some_and(|k| k >= rest))
}

/// Shape 2.
fn boolean_after_number(s: &[u8], v: usize) -> bool {
    let number_end = run(s, v, |c| c.is_ascii_digit() || c == b'-' || c == b'%');
    if number_end == v {
        return false;
    }
    let Some(i) = breakout(s, number_end) else {
        return false;
    };
    let Some(after) = word_at(s, i, BOOLEANS) else {
        return false;
    };
    if space_at(s, after, true).is_none() {
        return false;
    }
    let mut i = spaces(s, after, true);
    i += usize::from(s.get(i) == Some(&b'\''));
    if word_at(s, i, &[b"exists"]).is_some() {
        return true;
    }
    let compared = run(s, i, |c| !c.is_ascii_alphabetic() && c != b'&' && c != b'=');
    s.get(compared) == Some(&b'=')
}

/// Shape 3.
fn quote_then_operator(s: &[u8], v: usize) -> bool {
    let number_end = run(s, v, |c| c.is_ascii_digit() || c == b'-' || c == b'%');
    let i = spaces(s, number_end, true);
    if s.get(i) != Some(&b'\'') {
        return false;
    }
    let i = spaces(s, i + 1, false);
    let after_op = match s.get(i..) {
        Some([b'|', b'|', ..]) => i + 2,
        Some([b'-' | b'=' | b'+', ..]) => i + 1,
        _ => return false,
    };
    let i = spaces(s, after_op, true);
    let i = i + usize::from(s.get(i) == Some(&b'('));
    s.get(i).is_some_and(u8::is_ascii_digit) || word_at(s, i, &[b"convert", b"cast"]).is_some()
}

/// Shape 4.
fn quote_then_keyword(s: &[u8], v: usize) -> bool {
    let i = spaces(s, v, true);
    if s.get(i) != Some(&b'\'') {
        return false;
    }
    let mut i = i + 1;
    while let Some(next) =
        space_at(s, i, true).or_else(|| (s.get(i) == Some(&b';')).then_some(i + 1))
    {
        i = next;
    }
    let keywords: Vec<&[u8]> = STATEMENTS
        .iter()
        .chain(BOOLEANS)
        .copied()
        .chain([&b"regexp"[..]])
        .collect();
    let Some(after) = word_at(s, i, &keywords) else {
        return false;
    };
    let mut j = after;
    while let Some(next) =
        space_at(s, j, true).or_else(|| matches!(s.get(j), Some(b'[' | b'(')).then_some(j + 1))
    {
        j = next;
    }
    j > after && run(s, j, |c| c.is_ascii_alphabetic() || c == b'&') >= j + 2
}

/// Shape 5: the first call after `v` comes before the first `.`.
fn early_function_call(marks: &Marks, v: usize) -> bool {
    let first = |at: &[usize]| at.get(at.partition_point(|&i| i < v)).copied();
    match (first(&marks.calls), first(&marks.dots)) {
        (Some(call), Some(dot)) => call < dot,
        (Some(_), None) => true,
        _ => false,
    }
}

/// `/*!` five digits, anything, `*/`.
fn versioned_comment(s: &[u8]) -> bool {
    s.windows(3).enumerate().any(|(i, w)| {
        w == b"/*!"
            && s.get(i + 3..i + 8)
                .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
            && s[i + 8..].windows(2).any(|w| w == b"*/")
    })
}

#[cfg(test)]
mod tests {
    use super::is_sql_injection;

    #[test]
    fn injections_of_every_shape() {
        for uri in [
            "/dvwa/vulnerabilities/sqli/?id=1'+OR+'1'='1&Submit=Submit",
            "/dvwa/vulnerabilities/sqli/?id=1'+UNION+SELECT+NULL,+version()+#&Submit=Submit",
            "/dvwa/vulnerabilities/sqli/?id=2'+OR+'2'='2&Submit=Submit",
            "/item.php?id=1 union select password from users",
            "/item.php?id=1;drop table users",
            "/item.php?id=5 or 1=1",
            "/item.php?id=5+AND+exists(select 1)",
            "/item.php?id=1'=1",
            "/item.php?id=1' || 5",
            "/item.php?id=' or abc",
            "/item.php?q=x&id='/**/UNION/**/SELECT/**/name",
            "/item.php?id=char(65)",
            "/item.php?id=1/*!50000union*/",
        ] {
            assert!(is_sql_injection(uri.as_bytes()), "{uri}");
        }
    }

    #[test]
    fn ordinary_queries_are_not_injections() {
        for uri in [
            "/",
            "/index.html",
            "/search?q=select+a+new+car",
            "/search?q=rock+and+roll",
            "/search?q=o'reilly+books",
            "/files/version(2).txt",
            "/page?id=42&sort=desc",
            "/api?name=union.example.com",
            "/w/index.php?title=Special:Search&search=drop+shipping",
            "/login?user=bob&next=%2Fhome",
            "/?",
            "/?=",
            "/a?b=c=d=",
        ] {
            assert!(!is_sql_injection(uri.as_bytes()), "{uri}");
        }
    }

    #[test]
    fn hostile_uris_end_quickly() {
        let long = format!("/?{}", "a=1'+".repeat(20_000));
        let _ = is_sql_injection(long.as_bytes());
        let comments = format!("/?a=1{}", "/*".repeat(10_000));
        assert!(!is_sql_injection(comments.as_bytes()));
    }
}
