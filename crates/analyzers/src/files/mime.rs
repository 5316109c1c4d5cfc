//! MIME type sniffing from a file's first bytes, as Zeek's file-magic
//! signatures do it (`base/frameworks/files/magic/*.sig`).
//!
//! Zeek matches every signature, anchored at the start of the BOF buffer,
//! and picks the highest strength; among equally strong matches the
//! alphabetically smallest MIME type wins (a `std::set` ordered by name).
//! Signature patterns are compiled multi-line: `.` matches any byte, so a
//! libmagic-style `(.*)(word)` finds the word anywhere in the buffer.
//!
//! The table holds the types seen on the wire in practice (text, markup,
//! images, archives, executables, documents, media, fonts); names and
//! strengths are Zeek's.

use std::sync::LazyLock;

/// One step of an anchored byte pattern.
#[derive(Clone, Copy)]
enum Part {
    /// These bytes.
    Lit(&'static [u8]),
    /// Any `n` bytes (Zeek's `.{n}`).
    Any(usize),
    /// One byte out of the set.
    OneOf(&'static [u8]),
    /// One byte that is not in the set.
    NoneOf(&'static [u8]),
    /// One byte in `lo..=hi`.
    Range(u8, u8),
    /// This byte or nothing.
    Maybe(u8),
}

use Part::{Any as A, Lit as L, Maybe as M, NoneOf as N, OneOf as O, Range as R};

/// How a signature tests the beginning of a file.
#[derive(Clone, Copy)]
enum Test {
    /// An anchored sequence of parts.
    Seq(&'static [Part]),
    /// Text anywhere in the buffer (libmagic's `(.*)(text)`).
    Anywhere(Needle),
    /// `#!` and a path ending in `bin/` (or `bin/env `) running one of these.
    Shebang(&'static [&'static [u8]]),
    /// A zip archive whose first members place an OOXML part in this folder.
    Ooxml(&'static [u8]),
    /// Anything else.
    Code(fn(&[u8]) -> bool),
}

/// What an `Anywhere` test looks for.
#[derive(Clone, Copy)]
struct Needle {
    text: &'static [u8],
    nocase: bool,
    /// A blank (space, tab, newline) must follow: a C keyword.
    keyword: bool,
}

impl Needle {
    fn occurs_at(self, b: &[u8], at: usize) -> bool {
        let end = at + self.text.len();
        let Some(w) = b.get(at..end) else {
            return false;
        };
        let same = if self.nocase {
            w.eq_ignore_ascii_case(self.text)
        } else {
            w == self.text
        };
        same && (!self.keyword || matches!(b.get(end), Some(b' ' | b'\t' | b'\n')))
    }
}

const fn anywhere(text: &'static [u8]) -> Test {
    Test::Anywhere(Needle {
        text,
        nocase: false,
        keyword: false,
    })
}

const fn anywhere_nocase(text: &'static [u8]) -> Test {
    Test::Anywhere(Needle {
        text,
        nocase: true,
        keyword: false,
    })
}

const fn c_keyword(text: &'static [u8]) -> Test {
    Test::Anywhere(Needle {
        text,
        nocase: false,
        keyword: true,
    })
}

struct Signature {
    mime: &'static str,
    strength: i32,
    test: Test,
}

const fn sig(mime: &'static str, strength: i32, test: Test) -> Signature {
    Signature {
        mime,
        strength,
        test,
    }
}

/// The MIME type Zeek's default signatures give a file starting with `bof`,
/// if any matches.
pub fn sniff(bof: &[u8]) -> Option<&'static str> {
    let found = needles_found(bof);
    let matching = SIGNATURES
        .iter()
        .enumerate()
        .filter(|(i, s)| s.test.matches(bof, found[*i]));
    let mut best: Option<&Signature> = None;
    for (_, s) in matching {
        let better = best.is_none_or(|b| {
            s.strength > b.strength || (s.strength == b.strength && s.mime < b.mime)
        });
        if better {
            best = Some(s);
        }
    }
    best.map(|s| s.mime)
}

impl Test {
    /// Whether the test passes on `b`; `needle_found` is the `Anywhere`
    /// verdict, computed for all of them at once.
    fn matches(self, b: &[u8], needle_found: bool) -> bool {
        match self {
            Test::Seq(parts) => seq_len(b, parts).is_some(),
            Test::Anywhere(_) => needle_found,
            Test::Shebang(names) => shebang_runs(b, names),
            Test::Ooxml(folder) => ooxml_part_in(b, folder),
            Test::Code(f) => f(b),
        }
    }
}

/// The `Anywhere` signatures (by index), keyed by their text's first byte
/// in lower case, so that one pass over a buffer finds them all.
fn needle_index() -> &'static [Vec<(usize, Needle)>; 256] {
    static INDEX: LazyLock<[Vec<(usize, Needle)>; 256]> = LazyLock::new(|| {
        let mut index = std::array::from_fn(|_| Vec::new());
        for (i, s) in SIGNATURES.iter().enumerate() {
            if let Test::Anywhere(n) = s.test {
                index[usize::from(n.text[0].to_ascii_lowercase())].push((i, n));
            }
        }
        index
    });
    &INDEX
}

/// Which `Anywhere` signatures find their text in `b`. libmagic's `(.*)`
/// does not cross a newline in Zeek's signature engine, so only the first
/// line is searched.
fn needles_found(b: &[u8]) -> Vec<bool> {
    let b = &b[..b.iter().position(|&c| c == b'\n').unwrap_or(b.len())];
    let index = needle_index();
    let mut found = vec![false; SIGNATURES.len()];
    for at in 0..b.len() {
        for &(sig, needle) in &index[usize::from(b[at].to_ascii_lowercase())] {
            found[sig] = found[sig] || needle.occurs_at(b, at);
        }
    }
    found
}

/// Matches `parts` at the start of `b`; the length matched.
fn seq_len(b: &[u8], parts: &[Part]) -> Option<usize> {
    parts.iter().try_fold(0usize, |at, part| {
        let rest = b.get(at..)?;
        let used = match *part {
            Part::Lit(x) => rest.starts_with(x).then_some(x.len())?,
            Part::Any(n) => (rest.len() >= n).then_some(n)?,
            Part::OneOf(set) => set.contains(rest.first()?).then_some(1)?,
            Part::NoneOf(set) => (!set.contains(rest.first()?)).then_some(1)?,
            Part::Range(lo, hi) => (lo..=hi).contains(rest.first()?).then_some(1)?,
            Part::Maybe(c) => usize::from(rest.first() == Some(&c)),
        };
        Some(at + used)
    })
}

fn starts_nocase(b: &[u8], x: &[u8]) -> bool {
    b.len() >= x.len() && b[..x.len()].eq_ignore_ascii_case(x)
}

/// Where `x` first occurs in `b`.
fn find(b: &[u8], x: &[u8]) -> Option<usize> {
    b.windows(x.len().max(1)).position(|w| w == x)
}

/// Zeek's `[\x0d\x0a[:blank:]]`.
fn is_markup_space(c: u8) -> bool {
    matches!(c, b'\r' | b'\n' | b' ' | b'\t')
}

fn skip_while(b: &[u8], f: impl Fn(u8) -> bool) -> &[u8] {
    let n = b.iter().take_while(|&&c| f(c)).count();
    &b[n..]
}

fn skip_utf8_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"\xef\xbb\xbf").unwrap_or(b)
}

/// The rest after `open ... close` at the start of `b`.
fn skip_span<'a>(b: &'a [u8], open: &[u8], close: &[u8]) -> Option<&'a [u8]> {
    let inner = b.strip_prefix(open)?;
    let end = find(inner, close)?;
    Some(&inner[end + close.len()..])
}

/// Blank lines and `<!-- -->` comments before markup.
fn skip_blanks_and_comments(mut b: &[u8]) -> &[u8] {
    loop {
        b = skip_while(b, is_markup_space);
        match skip_span(b, b"<!--", b"-->") {
            Some(rest) => b = rest,
            None => return b,
        }
    }
}

/// Where the first tag of a markup document starts, after what Zeek's
/// markup signatures allow before it: a UTF-8 BOM, blanks, comments and
/// (with `xml_decl`) an `<?xml ... ?>` declaration.
fn markup_body(b: &[u8], bom: bool, xml_decl: bool) -> &[u8] {
    let b = if bom { skip_utf8_bom(b) } else { b };
    let b = skip_blanks_and_comments(b);
    if !xml_decl {
        return b;
    }
    match skip_span(b, b"<?xml ", b"?>") {
        Some(rest) => skip_blanks_and_comments(rest),
        None => b,
    }
}

/// `<` + `word` + one or more spaces + `then` (ASCII case ignored).
fn tag_words(b: &[u8], word: &[u8], then: &[u8]) -> bool {
    let Some(rest) = b.strip_prefix(b"<") else {
        return false;
    };
    if !starts_nocase(rest, word) {
        return false;
    }
    let after = &rest[word.len()..];
    let spaced = skip_while(after, |c| c == b' ');
    spaced.len() < after.len() && starts_nocase(spaced, then)
}

fn tag_is_one_of(b: &[u8], names: &[&[u8]]) -> bool {
    b.strip_prefix(b"<")
        .is_some_and(|rest| names.iter().any(|n| starts_nocase(rest, n)))
}

fn doctype_html(b: &[u8]) -> bool {
    tag_words(b, b"!doctype", b"html")
}

fn xhtml(b: &[u8]) -> bool {
    let t = markup_body(b, true, true);
    doctype_html(t) || tag_is_one_of(t, &[b"html"]) || tag_words(t, b"meta", b"http-equiv")
}

fn html_doctype(b: &[u8]) -> bool {
    doctype_html(markup_body(b, true, true))
}

fn html_tag(b: &[u8]) -> bool {
    tag_is_one_of(
        markup_body(b, true, true),
        &[b"head", b"html", b"title", b"body"],
    )
}

fn xml(b: &[u8]) -> bool {
    markup_body(b, true, false).starts_with(b"<?xml ")
}

fn rss(b: &[u8]) -> bool {
    tag_is_one_of(markup_body(b, true, true), &[b"rss"])
}

/// The text of the tag starting `b` (up to `>`, newlines allowed).
fn tag_text(b: &[u8]) -> &[u8] {
    let end = b.iter().position(|&c| c == b'>').unwrap_or(b.len());
    &b[..end]
}

fn atom(b: &[u8]) -> bool {
    let t = markup_body(b, true, true);
    let rss_with_atom = tag_is_one_of(t, &[b"rss"]) && find(tag_text(t), b"xmlns:atom").is_some();
    let atom_feed = tag_is_one_of(t, &[b"feed"])
        && find(tag_text(t), b"http://www.w3.org/2005/Atom").is_some_and(|at| {
            let before = &tag_text(t)[..at];
            let before = before
                .strip_suffix(b"\"")
                .or(before.strip_suffix(b"'"))
                .unwrap_or(before);
            before.ends_with(b"xmlns=")
        });
    rss_with_atom || atom_feed
}

fn soap(b: &[u8]) -> bool {
    tag_is_one_of(
        markup_body(b, true, true),
        &[b"soap:envelope", b"soap-env:envelope"],
    )
}

fn cross_domain_policy(b: &[u8]) -> bool {
    let t = markup_body(b, false, true);
    tag_words(t, b"!doctype", b"cross-domain-policy") || tag_is_one_of(t, &[b"cross-domain-policy"])
}

fn xml_rpc_response(b: &[u8]) -> bool {
    tag_is_one_of(markup_body(b, true, true), &[b"methodresponse>"])
}

fn flash_media_manifest(b: &[u8]) -> bool {
    let t = markup_body(b, true, true);
    let Some(rest) = t
        .strip_prefix(b"<")
        .filter(|r| starts_nocase(r, b"manifest"))
    else {
        return false;
    };
    let after = &rest[b"manifest".len()..];
    let spaced = skip_while(after, is_markup_space);
    spaced.len() < after.len() && spaced.starts_with(b"xmlns=\"http://ns.adobe.com/f4m/")
}

fn coldfusion(b: &[u8]) -> bool {
    let t = markup_body(b, false, false);
    [&b"<CFPARAM"[..], b"<CFSET", b"<CFIF"]
        .iter()
        .any(|p| t.starts_with(p))
}

/// Ten printable or space bytes, after an optional Unicode BOM.
fn plain_text(b: &[u8]) -> bool {
    const BOMS: [&[u8]; 6] = [
        b"",
        b"\xef\xbb\xbf",
        b"\xfe\xff",
        b"\x00\x00\xfe\xff",
        b"\xff\xfe",
        b"\xff\xfe\x00\x00",
    ];
    let text = |c: &u8| matches!(c, b'\t'..=b'\r' | b' '..=b'~');
    BOMS.iter().any(|bom| {
        b.strip_prefix(*bom)
            .is_some_and(|rest| rest.len() >= 10 && rest[..10].iter().all(text))
    })
}

fn json_start(b: &[u8], open: u8) -> Option<&[u8]> {
    let b = skip_while(skip_utf8_bom(b), is_markup_space);
    b.strip_prefix(&[open])
        .map(|rest| skip_while(rest, is_markup_space))
}

/// A `"string"` (at least one character, newlines allowed); the rest.
fn json_string(b: &[u8]) -> Option<&[u8]> {
    let inner = b.strip_prefix(b"\"")?;
    let end = inner.iter().position(|&c| c == b'"')?;
    (end > 0).then(|| &inner[end + 1..])
}

/// `{ "key" :` or `{ key :` followed by the start of a value.
fn json_object(b: &[u8]) -> bool {
    let Some(b) = json_start(b, b'{') else {
        return false;
    };
    let after_key = match b.first() {
        Some(b'"') => json_string(b),
        Some(c) if c.is_ascii_alphabetic() => Some(skip_while(b, |c| {
            c.is_ascii_alphanumeric() || c == b'\\' || c == b'_'
        })),
        _ => None,
    };
    let Some(rest) = after_key.map(|r| skip_while(r, is_markup_space)) else {
        return false;
    };
    let Some(value) = rest
        .strip_prefix(b":")
        .map(|r| skip_while(r, is_markup_space))
    else {
        return false;
    };
    matches!(value.first(), Some(b'"' | b'[' | b'{' | b'0'..=b'9'))
        || value.starts_with(b"true")
        || value.starts_with(b"false")
}

/// A JSON number (digits, optional fraction); the rest.
fn json_number(b: &[u8]) -> Option<&[u8]> {
    let int = skip_while(b, |c| c.is_ascii_digit());
    if int.len() == b.len() {
        return None;
    }
    match int.strip_prefix(b".") {
        Some(frac) => {
            let rest = skip_while(frac, |c| c.is_ascii_digit());
            Some(if rest.len() < frac.len() { rest } else { int })
        }
        None => Some(int),
    }
}

/// `[` and then a nested container or a scalar followed by a comma.
fn json_array(b: &[u8]) -> bool {
    let Some(b) = json_start(b, b'[') else {
        return false;
    };
    if matches!(b.first(), Some(b'{' | b'[')) {
        return true;
    }
    let scalar = json_string(b)
        .or_else(|| json_number(b))
        .or_else(|| b.strip_prefix(b"true"))
        .or_else(|| b.strip_prefix(b"false"));
    scalar.is_some_and(|rest| skip_while(rest, is_markup_space).starts_with(b","))
}

/// `[]` or `{}` and nothing else but blanks.
fn json_empty(b: &[u8]) -> bool {
    let b = skip_while(skip_utf8_bom(b), is_markup_space);
    let rest = b.strip_prefix(b"[]").or_else(|| b.strip_prefix(b"{}"));
    rest.is_some_and(|r| skip_while(r, is_markup_space).is_empty())
}

fn blank_then<'a>(b: &'a [u8], x: &[u8]) -> Option<&'a [u8]> {
    skip_while(b, is_markup_space).strip_prefix(x)
}

fn script_tag_javascript(b: &[u8]) -> bool {
    let b = skip_while(b, is_markup_space);
    let Some(rest) = b.strip_prefix(b"<").filter(|r| starts_nocase(r, b"script")) else {
        return false;
    };
    let after = &rest[b"script".len()..];
    let attr = skip_while(after, |c| c == b' ' || c == b'\t');
    if attr.len() == after.len() {
        return false;
    }
    let value = [&b"type="[..], b"language="]
        .iter()
        .find(|a| starts_nocase(attr, a))
        .map(|a| &attr[a.len()..]);
    let Some(value) = value else {
        return false;
    };
    let value = value
        .strip_prefix(b"'")
        .or(value.strip_prefix(b"\""))
        .unwrap_or(value);
    let value = if starts_nocase(value, b"text/") {
        &value[5..]
    } else {
        value
    };
    starts_nocase(value, b"javascript")
}

fn js_for_ever(b: &[u8]) -> bool {
    blank_then(b, b"for (;;);").is_some()
}

/// `document.write(` or `writeln(`; the signature's `[:blank:]?` outside a
/// bracket means one optional character out of ":blank".
fn js_document_write(b: &[u8]) -> bool {
    let Some(rest) = blank_then(b, b"document.write") else {
        return false;
    };
    let rest = rest.strip_prefix(b"ln").unwrap_or(rest);
    let rest = match rest.first() {
        Some(c) if b":blank".contains(c) => &rest[1..],
        _ => rest,
    };
    rest.starts_with(b"(")
}

fn js_function_wrapper(b: &[u8]) -> bool {
    b.strip_prefix(b"(function()")
        .is_some_and(|r| skip_while(r, |c| matches!(c, b' ' | b'\t' | b'\n')).starts_with(b"{"))
}

fn js_script_block(b: &[u8]) -> bool {
    let Some(rest) = blank_then(b, b"<script>") else {
        return false;
    };
    let rest = skip_while(rest, is_markup_space);
    rest.starts_with(b"var ") || rest.starts_with(b"function ")
}

fn shebang_runs(b: &[u8], names: &[&[u8]]) -> bool {
    let Some(rest) = b.strip_prefix(b"#!") else {
        return false;
    };
    (1..=15).any(|k| {
        rest.get(..k).is_some_and(|p| !p.contains(&b'\n'))
            && rest[k..].strip_prefix(b"bin/").is_some_and(|prog| {
                let after_env = prog
                    .strip_prefix(b"env")
                    .map(|r| skip_while(r, |c| c.is_ascii_whitespace()));
                let with_env = after_env.filter(|r| r.len() < prog.len() - 3);
                [Some(prog), with_env]
                    .into_iter()
                    .flatten()
                    .any(|p| names.iter().any(|n| p.starts_with(n)))
            })
    })
}

/// A DOS batch file starting `@ echo off` (spaces optional before `echo`).
fn batch_echo_off(b: &[u8]) -> bool {
    let Some(rest) = b.strip_prefix(b"@") else {
        return false;
    };
    let rest = skip_while(rest, |c| c == b' ');
    if !starts_nocase(rest, b"echo") {
        return false;
    }
    let after = &rest[4..];
    let spaced = skip_while(after, |c| c == b' ');
    spaced.len() < after.len() && starts_nocase(spaced, b"off")
}

/// A ustar-less tar header: printable name, octal numeric fields.
fn tar_header(b: &[u8]) -> bool {
    let Some(h) = b.get(..157) else {
        return false;
    };
    let name_ok = h[..100]
        .iter()
        .all(|&c| c == 0 || (b' '..=b'~').contains(&c));
    let digit_or_space = |c: &u8| c.is_ascii_digit() || *c == b' ';
    let field = |at: usize, len: usize| {
        h[at..at + len - 1].iter().all(digit_or_space) && h[at + len - 1] == 0
    };
    let ids_ok = (0..3).all(|i| field(100 + 8 * i, 8));
    let times_ok = (0..2).all(|i| field(124 + 12 * i, 12));
    let sum = &h[148..156];
    let sum_ok =
        sum[..7].iter().all(|c| digit_or_space(c) || *c == 0) && matches!(sum[7], b' ' | 0);
    let type_ok = matches!(h[156], b'0'..=b'7' | 0);
    name_ok && ids_ok && times_ok && sum_ok && type_ok
}

const ZIP_LOCAL: &[u8] = b"PK\x03\x04";

/// Zip members' names start 30 bytes into their local header.
fn zip_member_name(header: &[u8]) -> Option<&[u8]> {
    seq_len(header, &[Part::Lit(ZIP_LOCAL), Part::Any(26)]).map(|n| &header[n..])
}

/// Word, Excel and PowerPoint 2007+: the first member is the content
/// types, the package rels or the part's folder, and a later member lies in
/// the part's folder.
fn ooxml_part_in(b: &[u8], folder: &[u8]) -> bool {
    let Some(name) = zip_member_name(b) else {
        return false;
    };
    let first_ok = [&b"[Content_Types].xml"[..], b"_rels/.rels", folder]
        .iter()
        .any(|p| name.starts_with(p));
    first_ok
        && (0..name.len()).any(|i| {
            name[i..].starts_with(ZIP_LOCAL)
                && zip_member_name(&name[i..]).is_some_and(|n| n.starts_with(folder))
        })
}

/// A jar: a `META-INF/MANIFEST.MF` member within 200 bytes of the start.
fn jar_manifest(b: &[u8]) -> bool {
    let Some(rest) = b.strip_prefix(ZIP_LOCAL) else {
        return false;
    };
    (1..=200).any(|k| {
        seq_len(
            rest,
            &[
                Part::Any(k),
                Part::Lit(b"\x14\x00"),
                Part::Any(2),
                Part::Lit(b"META-INF/MANIFEST.MF"),
            ],
        )
        .is_some()
    })
}

/// libmagic's jar test: the Java `0xcafe` extra field somewhere.
fn jar_extra_field(b: &[u8]) -> bool {
    b.strip_prefix(ZIP_LOCAL)
        .is_some_and(|rest| find(rest, b"\xfe\xca").is_some())
}

fn jpeg2000_box(b: &[u8], brand: &'static [u8]) -> bool {
    seq_len(b, &[L(b"\x00\x00\x00\x0cjP  \r\n\x87\n"), A(8), L(brand)]).is_some()
}

fn webm(b: &[u8]) -> bool {
    ebml_doc_type(b, b"webm")
}

fn matroska(b: &[u8]) -> bool {
    ebml_doc_type(b, b"matroska")
}

/// An EBML header with a DocType element (`B\x82`, a size byte, the name).
fn ebml_doc_type(b: &[u8], name: &'static [u8]) -> bool {
    b.strip_prefix(b"\x1a\x45\xdf\xa3").is_some_and(|rest| {
        (0..rest.len()).any(|i| seq_len(&rest[i..], &[L(b"B\x82"), A(1), L(name)]).is_some())
    })
}

/// An OpenDocument package: the uncompressed `mimetype` member first,
/// naming `kind`, then `last` (a `-template` suffix or none).
const fn odf(kind: &'static [u8], last: Part) -> [Part; 5] {
    [
        L(ZIP_LOCAL),
        A(22),
        L(b"\x08\x00\x00\x00mimetypeapplication/vnd.oasis.opendocument."),
        L(kind),
        last,
    ]
}

/// An ELF header: class, byte order (`\x01` little-, `\x02` big-endian)
/// and the object type as stored in that order.
const fn elf(order: &'static [u8], object_type: &'static [u8]) -> [Part; 5] {
    [
        L(b"\x7fELF"),
        O(b"\x01\x02"),
        L(order),
        A(10),
        L(object_type),
    ]
}

static SIGNATURES: &[Signature] = &[
    // Text and markup.
    sig("text/plain", -20, Test::Code(plain_text)),
    sig("text/json", 1, Test::Code(json_object)),
    sig("text/json", 1, Test::Code(json_array)),
    sig("text/json", 0, Test::Code(json_empty)),
    sig("application/xml", 10, Test::Code(xml)),
    sig("application/xml", 45, anywhere_nocase(b"<?xml")),
    sig("application/xml", 30, anywhere(b"<?XML")),
    sig("text/html", 100, Test::Code(xhtml)),
    sig("text/html", 49, Test::Code(html_doctype)),
    sig("text/html", 20, Test::Code(html_tag)),
    sig("text/html", 49, anywhere_nocase(b"<!doctype html")),
    sig("text/html", 45, anywhere_nocase(b"<head")),
    sig("text/html", 45, anywhere_nocase(b"<html")),
    sig("text/html", 42, anywhere_nocase(b"<script")),
    sig("text/html", 41, anywhere_nocase(b"<title")),
    sig("text/html", 41, anywhere_nocase(b"<table")),
    sig("text/html", 41, anywhere_nocase(b"<style")),
    sig("text/rss", 90, Test::Code(rss)),
    sig("text/atom", 100, Test::Code(atom)),
    sig("application/soap+xml", 49, Test::Code(soap)),
    sig(
        "text/x-cross-domain-policy",
        49,
        Test::Code(cross_domain_policy),
    ),
    sig("application/xml-rpc", 49, Test::Code(xml_rpc_response)),
    sig("application/f4m", 49, Test::Code(flash_media_manifest)),
    sig("magnus-internal/cold-fusion", 20, Test::Code(coldfusion)),
    sig("text/rtf", 80, Test::Seq(&[L(b"{\\rtf")])),
    sig("text/calendar", 180, Test::Seq(&[L(b"BEGIN:VCALENDAR")])),
    sig("text/x-vcard", 140, Test::Seq(&[L(b"BEGIN:VCARD")])),
    sig(
        "application/x-pem",
        0,
        Test::Seq(&[L(b"-----BEGIN CERTIFICATE-----")]),
    ),
    sig(
        "application/pgp-signature",
        280,
        Test::Seq(&[L(b"-----BEGIN PGP SIGNATURE-")]),
    ),
    sig(
        "application/pgp",
        260,
        Test::Seq(&[L(b"-----BEGIN PGP MESSAGE-")]),
    ),
    sig(
        "application/pgp-keys",
        330,
        Test::Seq(&[A(2), L(b"---BEGIN PGP PUBLIC KEY BLOCK-")]),
    ),
    sig(
        "application/x-bittorrent",
        140,
        Test::Seq(&[L(b"d8:announce")]),
    ),
    sig(
        "application/x-java-jnlp-file",
        100,
        Test::Seq(&[L(b"<jnlp ")]),
    ),
    sig(
        "application/pkcs7-signature",
        100,
        Test::Code(|b| {
            b.starts_with(b"MIME-Version:")
                && find(b, b"protocol=\"application/pkcs7-signature\"").is_some()
        }),
    ),
    // Mail and news.
    sig("message/rfc822", 80, Test::Seq(&[L(b"From:")])),
    sig("message/rfc822", 120, Test::Seq(&[L(b"Received:")])),
    sig(
        "message/rfc822",
        150,
        Test::Code(|b| starts_nocase(b, b"return-path:")),
    ),
    sig(
        "message/rfc822",
        160,
        Test::Code(|b| starts_nocase(b, b"delivered-to:")),
    ),
    sig("message/rfc822", 170, Test::Seq(&[L(b"Relay-Version:")])),
    sig("message/news", 100, Test::Seq(&[L(b"Article")])),
    sig("message/news", 80, Test::Seq(&[L(b"Path:")])),
    sig("message/news", 80, Test::Seq(&[L(b"Xref:")])),
    // Scripts and source code.
    sig(
        "text/x-shellscript",
        250,
        Test::Shebang(&[
            b"sh", b"bash", b"tcsh", b"csh", b"zsh", b"fash", b"aesh", b"ksh",
        ]),
    ),
    sig("text/x-perl", 60, Test::Shebang(&[b"perl"])),
    sig("text/x-ruby", 60, Test::Shebang(&[b"ruby"])),
    sig("text/x-python", 60, Test::Shebang(&[b"python"])),
    sig("text/x-awk", 60, Test::Shebang(&[b"awk", b"gawk", b"nawk"])),
    sig("text/x-tcl", 60, Test::Shebang(&[b"wish", b"tcl"])),
    sig("text/x-lua", 49, Test::Shebang(&[b"lua"])),
    sig("text/x-php", 60, Test::Shebang(&[b"php"])),
    sig("application/javascript", 60, Test::Shebang(&[b"node"])),
    sig(
        "text/x-nawk",
        250,
        Test::Seq(&[L(b"#!"), M(b' '), L(b"/usr/local/bin/nawk")]),
    ),
    sig(
        "text/x-nawk",
        190,
        Test::Seq(&[L(b"#!"), M(b' '), L(b"/usr/bin/nawk")]),
    ),
    sig(
        "text/x-nawk",
        150,
        Test::Seq(&[L(b"#!"), M(b' '), L(b"/bin/nawk")]),
    ),
    sig(
        "text/x-gawk",
        250,
        Test::Seq(&[L(b"#!"), M(b' '), L(b"/usr/local/bin/gawk")]),
    ),
    sig(
        "text/x-gawk",
        190,
        Test::Seq(&[L(b"#!"), M(b' '), L(b"/usr/bin/gawk")]),
    ),
    sig(
        "text/x-gawk",
        150,
        Test::Seq(&[L(b"#!"), M(b' '), L(b"/bin/gawk")]),
    ),
    sig(
        "application/javascript",
        60,
        Test::Code(script_tag_javascript),
    ),
    sig("application/javascript", 60, Test::Code(js_for_ever)),
    sig("application/javascript", 60, Test::Code(js_document_write)),
    sig(
        "application/javascript",
        60,
        Test::Code(js_function_wrapper),
    ),
    sig("application/javascript", 60, Test::Code(js_script_block)),
    sig("text/x-php", 50, anywhere_nocase(b"<?php")),
    sig("text/x-php", 39, anywhere(b"<?\n")),
    sig("text/x-php", 39, anywhere(b"<?\r")),
    sig("text/x-msdos-batch", 120, Test::Code(batch_echo_off)),
    sig(
        "text/x-msdos-batch",
        60,
        Test::Code(|b| b.starts_with(b"@") && starts_nocase(&b[1..], b"rem")),
    ),
    sig(
        "text/x-msdos-batch",
        70,
        Test::Code(|b| b.starts_with(b"@") && starts_nocase(&b[1..], b"set ")),
    ),
    sig("text/x-c", 39, anywhere(b"#include")),
    sig("text/x-c", 40, anywhere(b"main(")),
    sig("text/x-c", 43, c_keyword(b"struct")),
    sig("text/x-c", 43, c_keyword(b"extern")),
    sig("text/x-c", 41, c_keyword(b"char")),
    sig("text/x-tex", 62, anywhere(b"\\documentstyle")),
    sig("text/x-tex", 59, anywhere(b"\\documentclass")),
    sig("text/x-tex", 58, anywhere(b"\\contentsline")),
    sig("text/x-tex", 56, anywhere(b"\\chapter")),
    sig("text/x-tex", 56, anywhere(b"\\section")),
    sig("text/x-tex", 55, anywhere(b"\\setlength")),
    sig("text/x-tex", 51, anywhere(b"\\relax")),
    sig("text/x-tex", 51, anywhere(b"\\begin")),
    sig("text/x-tex", 51, anywhere(b"\\input")),
    sig("text/x-diff", 53, anywhere(b"Common subdirectories: ")),
    sig("text/x-diff", 38, anywhere(b"Only in ")),
    sig("text/x-m4", 40, Test::Seq(&[L(b"dnl ")])),
    sig("text/x-makefile", 40, Test::Seq(&[L(b"all:")])),
    sig("text/troff", 59, Test::Code(troff_request)),
    sig("text/troff", 39, anywhere(b".\\\"")),
    sig("text/troff", 39, anywhere(b"'\\\"")),
    sig("text/troff", 39, anywhere(b"'''")),
    // Images.
    sig("image/png", 110, Test::Seq(&[L(b"\x89PNG")])),
    sig("image/gif", 70, Test::Seq(&[L(b"GIF8")])),
    sig("image/jpeg", 52, Test::Seq(&[L(b"\xff\xd8")])),
    sig(
        "image/x-ms-bmp",
        50,
        Test::Seq(&[L(b"BM"), A(12), O(b"\x0c\x28\x40\x6c\x7c\x80"), L(b"\x00")]),
    ),
    sig("image/x-icon", 70, Test::Seq(&[L(b"\x00\x00\x01\x00")])),
    sig("image/x-cursor", 70, Test::Seq(&[L(b"\x00\x00\x02\x00")])),
    sig(
        "application/x-123",
        70,
        Test::Seq(&[L(b"\x00\x00\x02\x00")]),
    ),
    sig(
        "application/x-123",
        70,
        Test::Seq(&[L(b"\x00\x00\x1a\x00")]),
    ),
    sig("image/tiff", 70, Test::Seq(&[L(b"MM\x00"), O(b"\x2a\x2b")])),
    sig(
        "image/tiff",
        70,
        Test::Seq(&[L(b"II"), O(b"\x2a\x2b"), L(b"\x00")]),
    ),
    sig("image/webp", 70, Test::Seq(&[L(b"RIFF"), A(4), L(b"WEBP")])),
    sig("image/vnd.adobe.photoshop", 70, Test::Seq(&[L(b"8BPS")])),
    sig("image/x-xcf", 110, Test::Seq(&[L(b"gimp xcf")])),
    sig("image/jp2", 70, Test::Code(|b| jpeg2000_box(b, b"jp2 "))),
    sig("image/jpx", 70, Test::Code(|b| jpeg2000_box(b, b"jpx "))),
    sig("image/jpm", 70, Test::Code(|b| jpeg2000_box(b, b"jpm "))),
    sig("image/jp2", 60, Test::Seq(&[A(4), L(b"ftypjp2")])),
    sig("image/jp2", 50, Test::Seq(&[A(4), L(b"jP")])),
    sig(
        "image/svg+xml",
        38,
        Test::Code(|b| {
            seq_len(b, &[L(b"<?xml version=\""), N(b"\x00"), A(3)])
                .is_some_and(|n| find(&b[n..], b"<svg").is_some())
        }),
    ),
    sig(
        "image/vnd.djvu",
        70,
        Test::Seq(&[L(b"AT&TFORM"), A(4), L(b"DJV"), O(b"MUI")]),
    ),
    sig(
        "image/vnd.djvu",
        70,
        Test::Seq(&[L(b"AT&TFORM"), A(4), L(b"THUM")]),
    ),
    // Documents.
    sig("application/pdf", 80, Test::Seq(&[L(b"%PDF-")])),
    sig("application/vnd.fdf", 80, Test::Seq(&[L(b"%FDF-")])),
    sig("application/postscript", 50, Test::Seq(&[L(b"%!")])),
    sig("application/postscript", 60, Test::Seq(&[L(b"\x04%!")])),
    sig(
        "application/msword",
        110,
        Test::Seq(&[L(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")]),
    ),
    sig(
        "application/msword",
        70,
        Test::Seq(&[L(b"\x31\xbe\x00\x00")]),
    ),
    sig("application/msword", 70, Test::Seq(&[L(b"\xfe7\x00#")])),
    sig(
        "application/msword",
        90,
        Test::Seq(&[L(b"\xdb\xa5-\x00\x00\x00")]),
    ),
    sig("application/msword", 70, Test::Seq(&[L(b"\xdb\xa5-\x00")])),
    sig("application/msword", 60, Test::Seq(&[L(b"\x94\xa6.")])),
    sig(
        "application/vnd.ms-excel",
        110,
        Test::Seq(&[L(b"\x09\x04\x06\x00\x00\x00\x10\x00")]),
    ),
    sig(
        "application/x-msaccess",
        180,
        Test::Seq(&[A(4), L(b"Standard Jet DB")]),
    ),
    sig(
        "application/x-msaccess",
        180,
        Test::Seq(&[A(4), L(b"Standard ACE DB")]),
    ),
    sig(
        "application/vnd.openxmlformats-officedocument",
        50,
        Test::Seq(&[L(b"PK\x03\x04\x14\x00\x06\x00")]),
    ),
    sig(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        80,
        Test::Ooxml(b"word/"),
    ),
    sig(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        80,
        Test::Ooxml(b"xl/"),
    ),
    sig(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        80,
        Test::Ooxml(b"ppt/"),
    ),
    sig(
        "application/vnd.oasis.opendocument.text",
        110,
        Test::Seq(&odf(b"text", N(b"-"))),
    ),
    sig(
        "application/vnd.oasis.opendocument.text-template",
        120,
        Test::Seq(&odf(b"text", L(b"-template"))),
    ),
    sig(
        "application/vnd.oasis.opendocument.spreadsheet",
        110,
        Test::Seq(&odf(b"spreadsheet", N(b"-"))),
    ),
    sig(
        "application/vnd.oasis.opendocument.spreadsheet-template",
        120,
        Test::Seq(&odf(b"spreadsheet", L(b"-template"))),
    ),
    sig(
        "application/vnd.oasis.opendocument.presentation",
        110,
        Test::Seq(&odf(b"presentation", N(b"-"))),
    ),
    sig(
        "application/vnd.oasis.opendocument.presentation-template",
        120,
        Test::Seq(&odf(b"presentation", L(b"-template"))),
    ),
    sig(
        "application/vnd.oasis.opendocument.graphics",
        110,
        Test::Seq(&odf(b"graphics", N(b"-"))),
    ),
    sig(
        "application/vnd.oasis.opendocument.graphics-template",
        120,
        Test::Seq(&odf(b"graphics", L(b"-template"))),
    ),
    sig(
        "application/epub+zip",
        110,
        Test::Seq(&[
            L(ZIP_LOCAL),
            A(22),
            L(b"\x08\x00\x00\x00mimetypeapplication/epub+zip"),
        ]),
    ),
    sig(
        "application/vnd.ms-tnef",
        100,
        Test::Seq(&[L(b"\x78\x9f\x3e\x22")]),
    ),
    sig("application/vnd.ms-tnef", 50, Test::Seq(&[L(b"\x78\x9f")])),
    sig(
        "application/x-ms-shortcut",
        49,
        Test::Seq(&[L(
            b"\x4c\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46",
        )]),
    ),
    // Archives and compression.
    sig("application/zip", 10, Test::Seq(&[L(ZIP_LOCAL), A(2)])),
    sig(
        "application/zip",
        110,
        Test::Seq(&[L(b"PK\x07\x08PK\x03\x04")]),
    ),
    sig(
        "application/zip",
        39,
        Test::Seq(&[L(ZIP_LOCAL), A(22), L(b"\x08\x00\x00\x00mimetype")]),
    ),
    sig(
        "application/zip",
        340,
        Test::Seq(&[L(b"MZ"), A(28), L(b"Copyright 1989-1990 PKWARE Inc.")]),
    ),
    sig(
        "application/zip",
        150,
        Test::Seq(&[L(b"MZ"), A(28), L(b"PKLITE Copr.")]),
    ),
    sig("application/java-archive", 100, Test::Code(jar_manifest)),
    sig("application/java-archive", 50, Test::Code(jar_extra_field)),
    sig(
        "application/vnd.google-earth.kmz",
        100,
        Test::Seq(&[L(ZIP_LOCAL), L(b"\x14"), A(25), L(b"doc.kml")]),
    ),
    sig("application/x-gzip", 100, Test::Seq(&[L(b"\x1f\x8b")])),
    sig("application/x-bzip2", 60, Test::Seq(&[L(b"BZh")])),
    sig("application/x-xz", 90, Test::Seq(&[L(b"\xfd7zXZ\x00")])),
    sig(
        "application/x-7z-compressed",
        50,
        Test::Seq(&[L(b"7z\xbc\xaf\x27\x1c")]),
    ),
    sig("application/x-rar", 70, Test::Seq(&[L(b"Rar!")])),
    sig("application/x-tar", 100, Test::Code(tar_header)),
    sig(
        "application/x-tar",
        110,
        Test::Seq(&[A(257), L(b"ustar  \x00")]),
    ),
    sig(
        "application/x-tar",
        90,
        Test::Seq(&[A(257), L(b"ustar\x00")]),
    ),
    sig(
        "application/vnd.ms-cab-compressed",
        110,
        Test::Seq(&[L(b"MSCF\x00\x00\x00\x00")]),
    ),
    sig("application/x-archive", 100, Test::Seq(&[L(b"!<arch>")])),
    sig(
        "application/x-archive",
        70,
        Test::Seq(&[M(b'!'), L(b"<ar>")]),
    ),
    sig("application/x-archive", 70, Test::Seq(&[L(b"<arch>")])),
    sig(
        "application/x-debian-package",
        171,
        Test::Seq(&[L(b"!<arch>\ndebian")]),
    ),
    sig("application/x-rpm", 70, Test::Seq(&[L(b"drpm")])),
    sig(
        "application/x-rpm",
        70,
        Test::Seq(&[L(b"\xed\xab\xee\xdb")]),
    ),
    sig("application/x-lzma", 71, Test::Seq(&[L(b"\x5d\x00\x00")])),
    sig("application/x-compress", 50, Test::Seq(&[L(b"\x1f\x9d")])),
    sig(
        "application/x-lz4",
        70,
        Test::Seq(&[L(b"\x04\x22\x4d\x18")]),
    ),
    sig(
        "application/x-lz4",
        70,
        Test::Seq(&[L(b"\x02\x21\x4c\x18")]),
    ),
    sig("application/x-lzip", 70, Test::Seq(&[L(b"LZIP")])),
    sig("application/x-cpio", 50, Test::Seq(&[L(b"\x71\xc7")])),
    sig("application/x-cpio", 50, Test::Seq(&[L(b"\xc7\x71")])),
    sig("application/x-arj", 50, Test::Seq(&[L(b"\x60\xea")])),
    sig("application/x-stuffit", 70, Test::Seq(&[L(b"SIT!")])),
    sig("application/x-stuffit", 100, Test::Seq(&[L(b"StuffIt")])),
    sig("application/x-xar", 100, Test::Seq(&[L(b"xar!")])),
    sig("application/x-dmg", 100, Test::Code(apple_disk_image)),
    sig("application/x-ace", 100, Test::Seq(&[A(7), L(b"**ACE**")])),
    sig("application/warc", 50, Test::Seq(&[L(b"WARC/")])),
    // Executables and byte code.
    sig("application/x-dosexec", 51, Test::Seq(&[L(b"MZ")])),
    sig(
        "application/x-object",
        50,
        Test::Seq(&elf(b"\x01", b"\x01\x00")),
    ),
    sig(
        "application/x-object",
        50,
        Test::Seq(&elf(b"\x02", b"\x00\x01")),
    ),
    sig(
        "application/x-executable",
        50,
        Test::Seq(&elf(b"\x01", b"\x02\x00")),
    ),
    sig(
        "application/x-executable",
        50,
        Test::Seq(&elf(b"\x02", b"\x00\x02")),
    ),
    sig(
        "application/x-sharedlib",
        50,
        Test::Seq(&elf(b"\x01", b"\x03\x00")),
    ),
    sig(
        "application/x-sharedlib",
        50,
        Test::Seq(&elf(b"\x02", b"\x00\x03")),
    ),
    sig(
        "application/x-coredump",
        50,
        Test::Seq(&elf(b"\x01", b"\x04\x00")),
    ),
    sig(
        "application/x-coredump",
        50,
        Test::Seq(&elf(b"\x02", b"\x00\x04")),
    ),
    sig(
        "application/octet-stream",
        50,
        Test::Seq(&[L(b"\x7fELF"), A(1), O(b"\x01\x02"), A(10), L(b"\x00\x00")]),
    ),
    sig(
        "application/x-mach-o-executable",
        100,
        Test::Seq(&[O(b"\xce\xcf"), L(b"\xfa\xed\xfe")]),
    ),
    sig(
        "application/x-mach-o-executable",
        100,
        Test::Seq(&[L(b"\xca\xfe\xba\xbe"), A(2), L(b"\x00"), R(0x01, 0x14)]),
    ),
    sig(
        "application/x-java-applet",
        71,
        Test::Seq(&[L(b"\xca\xfe\xba\xbe")]),
    ),
    sig(
        "application/x-java-pack200",
        1,
        Test::Seq(&[L(b"\xca\xfe\xd0\x0d"), A(1)]),
    ),
    sig(
        "application/x-java-keystore",
        70,
        Test::Seq(&[L(b"\xfe\xed\xfe\xed")]),
    ),
    sig(
        "application/x-java-jce-keystore",
        70,
        Test::Seq(&[L(b"\xce\xce\xce\xce")]),
    ),
    sig(
        "application/x-shockwave-flash",
        60,
        Test::Seq(&[O(b"FCZ"), L(b"WS")]),
    ),
    sig(
        "application/x-elc",
        10,
        Test::Code(|b| {
            b.starts_with(b";ELC") && b.get(4).is_some_and(|c| !(0x20..0x80).contains(c))
        }),
    ),
    sig(
        "application/vnd.tcpdump.pcap",
        70,
        Test::Seq(&[L(b"\xa1\xb2\xc3\xd4")]),
    ),
    sig(
        "application/vnd.tcpdump.pcap",
        70,
        Test::Seq(&[L(b"\xd4\xc3\xb2\xa1")]),
    ),
    sig(
        "application/vnd.tcpdump.pcap",
        100,
        Test::Code(|b| {
            seq_len(b, &[L(b"\x0a\x0d\x0d\x0a"), A(4)]).is_some_and(|n| {
                b[n..].starts_with(b"\x1a\x2b\x3c\x4d") || b[n..].starts_with(b"\x4d\x3c\x2b\x1a")
            })
        }),
    ),
    // Fonts.
    sig("application/font-woff2", 70, Test::Seq(&[L(b"wOF2")])),
    sig("application/font-woff", 70, Test::Seq(&[L(b"wOFF")])),
    sig(
        "application/x-font-ttf",
        80,
        Test::Seq(&[L(b"\x00\x01\x00\x00\x00")]),
    ),
    sig("application/vnd.ms-opentype", 70, Test::Seq(&[L(b"OTTO")])),
    sig(
        "application/vnd.ms-fontobject",
        50,
        Test::Seq(&[A(34), L(b"LP")]),
    ),
    sig(
        "application/x-font-sfn",
        70,
        Test::Seq(&[L(b"\x00\x00\x00\x04")]),
    ),
    // Audio and video.
    sig(
        "audio/mpeg",
        20,
        Test::Seq(&[L(b"\xff"), O(b"\xe2\xe3\xf2\xf3\xf6\xf7\xfa\xfb\xfc\xfd")]),
    ),
    sig(
        "audio/mpeg",
        40,
        Test::Seq(&[L(b"\xff"), O(b"\xfa\xfb"), R(0x10, 0xef)]),
    ),
    sig(
        "audio/mpeg",
        50,
        Test::Seq(&[L(b"\xff"), O(b"\xe2\xe3\xf6\xf7\xf2\xf3\xfc\xfd")]),
    ),
    sig(
        "audio/x-hx-aac-adts",
        50,
        Test::Seq(&[L(b"\xff"), O(b"\xf0\xf1\xf8\xf9")]),
    ),
    sig("audio/m4a", 70, Test::Seq(&[A(4), L(b"ftypm4a")])),
    sig("audio/mp4", 60, Test::Seq(&[A(4), L(b"ftypM4A")])),
    sig(
        "audio/x-wav",
        70,
        Test::Seq(&[L(b"RIFF"), A(4), L(b"WAVE")]),
    ),
    sig(
        "audio/x-aiff",
        70,
        Test::Seq(&[L(b"FORM"), A(4), L(b"AIF"), O(b"FC")]),
    ),
    sig("audio/x-flac", 70, Test::Seq(&[L(b"fLaC")])),
    sig("audio/midi", 70, Test::Seq(&[L(b"MThd")])),
    sig("application/ogg", 70, Test::Seq(&[L(b"OggS")])),
    sig("video/x-flv", 60, Test::Seq(&[L(b"FLV")])),
    sig(
        "video/mp4",
        70,
        Test::Code(|b| ftyp_brand(b, &[b"isom", b"mp41", b"mp42", b"mmp4"])),
    ),
    sig("video/mp4", 60, Test::Seq(&[A(4), L(b"ftypM4V")])),
    sig(
        "video/3gpp",
        60,
        Test::Seq(&[A(4), L(b"ftyp3g"), O(b"egps2")]),
    ),
    sig("video/3gpp2", 60, Test::Seq(&[A(4), L(b"ftyp3g2")])),
    sig("video/3gpp", 70, Test::Seq(&[A(4), L(b"ftypavc1")])),
    sig("video/quicktime", 70, Test::Seq(&[A(4), L(b"moov")])),
    sig("video/quicktime", 70, Test::Seq(&[A(4), L(b"mdat")])),
    sig("video/quicktime", 50, Test::Seq(&[A(4), L(b"ftypqt")])),
    sig(
        "video/x-msvideo",
        70,
        Test::Seq(&[L(b"RIFF"), A(4), L(b"AVI ")]),
    ),
    sig("video/x-ms-asf", 70, Test::Seq(&[L(b"\x30\x26\xb2\x75")])),
    sig("video/webm", 70, Test::Code(webm)),
    sig("video/x-matroska", 110, Test::Code(matroska)),
    sig(
        "video/mpeg",
        50,
        Test::Seq(&[L(b"\x00\x00\x01"), R(0xb0, 0xbb)]),
    ),
    sig("video/mpeg", 71, Test::Seq(&[L(b"\x00\x00\x01\xbb")])),
    sig("video/mpv", 71, Test::Seq(&[L(b"\x00\x00\x01\xb3")])),
    sig(
        "video/mp4v-es",
        71,
        Test::Seq(&[L(b"\x00\x00\x01"), O(b"\xb0\xb5")]),
    ),
    sig(
        "video/h264",
        41,
        Test::Seq(&[
            L(b"\x00\x00\x00\x01"),
            O(b"\x07\x27\x47\x67\x87\xa7\xc7\xe7"),
        ]),
    ),
    sig("video/mj2", 70, Test::Code(|b| jpeg2000_box(b, b"mjp2"))),
];

/// A troff request line: `.XX` and a blank.
fn troff_request(b: &[u8]) -> bool {
    let alnum = |i: usize| b.get(i).is_some_and(u8::is_ascii_alphanumeric);
    b.starts_with(b".") && alnum(1) && alnum(2) && matches!(b.get(3), Some(b' ' | b'\t'))
}

/// Apple disk images start with one of a few zlib streams.
fn apple_disk_image(b: &[u8]) -> bool {
    const STARTS: [&[u8]; 4] = [
        b"\x78\x01\x73\x0d\x62\x62\x60",
        b"\x78\xda\x63\x60\x18\x05",
        b"\x78\x01\x63\x60\x18\x05",
        b"\x78\xda\x73\x0d",
    ];
    STARTS.iter().any(|s| b.starts_with(s))
        || seq_len(b, &[L(b"\x78"), O(b"\x01\xda"), L(b"\xed"), R(0xd0, 0xd9)]).is_some()
}

/// An ISO media file (`ftyp` box) of one of these brands.
fn ftyp_brand(b: &[u8], brands: &[&'static [u8]]) -> bool {
    brands
        .iter()
        .any(|brand| seq_len(b, &[A(4), L(b"ftyp"), L(brand)]).is_some())
}

#[cfg(test)]
mod tests {
    use super::sniff;

    /// A zip local file header for a member `name` (version `version`).
    fn zip_member(version: &[u8; 2], name: &[u8]) -> Vec<u8> {
        let mut h = b"PK\x03\x04".to_vec();
        h.extend_from_slice(version);
        h.extend_from_slice(&[0; 20]);
        h.extend_from_slice(&(name.len() as u16).to_le_bytes());
        h.extend_from_slice(&[0, 0]);
        h.extend_from_slice(name);
        h.extend_from_slice(b"\x01\x02\x03 compressed data");
        h
    }

    #[test]
    fn images() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some("image/png"));
        assert_eq!(
            sniff(b"GIF89a\x01\x00\x01\x00\x80\x00\x00"),
            Some("image/gif")
        );
        assert_eq!(
            sniff(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"),
            Some("image/jpeg")
        );
        assert_eq!(
            sniff(b"\x00\x00\x01\x00\x01\x00\x10\x10"),
            Some("image/x-icon")
        );
        assert_eq!(sniff(b"RIFF\x24\x0c\x00\x00WEBPVP8 "), Some("image/webp"));
        let bmp = b"BM\x36\x00\x0c\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00";
        assert_eq!(sniff(bmp), Some("image/x-ms-bmp"));
        assert_eq!(sniff(b"II*\x00\x08\x00\x00\x00"), Some("image/tiff"));
    }

    #[test]
    fn fixed_positions_take_any_byte_but_text_searches_stop_at_a_newline() {
        assert_eq!(sniff(b"RIFF\x0a\x0c\x00\x00WEBPVP8 "), Some("image/webp"));
        // Zeek calls a script with markup further down plain text (seen in
        // its HTTP baselines), but finds markup on the first line.
        assert_eq!(
            sniff(b"plain words\nand then <html> later"),
            Some("text/plain")
        );
        assert_eq!(sniff(b"words then <html> on line one"), Some("text/html"));
        assert_eq!(sniff(b"Notes on the C struct layout\n"), Some("text/x-c"));
    }

    #[test]
    fn equal_strengths_pick_the_smallest_name() {
        // Windows cursor and Lotus 1-2-3 share their magic and strength.
        assert_eq!(
            sniff(b"\x00\x00\x02\x00\x01\x00"),
            Some("application/x-123")
        );
    }

    #[test]
    fn documents() {
        assert_eq!(
            sniff(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj"),
            Some("application/pdf")
        );
        assert_eq!(sniff(b"{\\rtf1\\ansi\\deff0 {\\fonttbl"), Some("text/rtf"));
        let ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00\x00\x00";
        assert_eq!(sniff(ole), Some("application/msword"));
        assert_eq!(sniff(b"%!PS-Adobe-3.0\n"), Some("application/postscript"));
    }

    #[test]
    fn zip_and_the_formats_inside_it() {
        assert_eq!(
            sniff(&zip_member(b"\x0a\x00", b"hello.txt")),
            Some("application/zip")
        );
        let mut docx = zip_member(b"\x14\x00", b"[Content_Types].xml");
        docx.extend(zip_member(b"\x14\x00", b"word/document.xml"));
        let docx_mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
        assert_eq!(sniff(&docx), Some(docx_mime));
        let mut xlsx = zip_member(b"\x14\x00", b"_rels/.rels");
        xlsx.extend(zip_member(b"\x14\x00", b"xl/workbook.xml"));
        let xlsx_mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        assert_eq!(sniff(&xlsx), Some(xlsx_mime));
        // Office's own zips start with version 2.0 and flags 6.
        let office = zip_member(b"\x14\x00", b"docProps/app.xml");
        let mut office = office.clone();
        office[6] = 6;
        assert_eq!(
            sniff(&office),
            Some("application/vnd.openxmlformats-officedocument")
        );
        // A manifest member right at the start: the name length (20) is the
        // `\x14\x00` Zeek's jar signature looks for.
        let jar = zip_member(b"\x14\x00", b"META-INF/MANIFEST.MF");
        assert_eq!(sniff(&jar), Some("application/java-archive"));
        let mut odt = b"PK\x03\x04".to_vec();
        odt.extend_from_slice(&[0; 22]);
        odt.extend_from_slice(b"\x08\x00\x00\x00mimetypeapplication/vnd.oasis.opendocument.textPK");
        assert_eq!(sniff(&odt), Some("application/vnd.oasis.opendocument.text"));
    }

    #[test]
    fn executables() {
        assert_eq!(
            sniff(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00"),
            Some("application/x-dosexec")
        );
        let mut elf = b"\x7fELF\x02\x01\x01\x00".to_vec();
        elf.extend_from_slice(&[0; 8]);
        let mut exe = elf.clone();
        exe.extend_from_slice(b"\x02\x00\x3e\x00");
        assert_eq!(sniff(&exe), Some("application/x-executable"));
        let mut lib = elf.clone();
        lib.extend_from_slice(b"\x03\x00\x3e\x00");
        assert_eq!(sniff(&lib), Some("application/x-sharedlib"));
        let mach_o = b"\xcf\xfa\xed\xfe\x07\x00\x00\x01";
        assert_eq!(sniff(mach_o), Some("application/x-mach-o-executable"));
        let class = b"\xca\xfe\xba\xbe\x00\x00\x00\x34\x00\x1d";
        assert_eq!(sniff(class), Some("application/x-java-applet"));
        let fat = b"\xca\xfe\xba\xbe\x00\x00\x00\x02\x01\x00";
        assert_eq!(sniff(fat), Some("application/x-mach-o-executable"));
        assert_eq!(
            sniff(b"CWS\x0a\x10\x00\x00\x00x\x9c"),
            Some("application/x-shockwave-flash")
        );
    }

    #[test]
    fn archives() {
        assert_eq!(
            sniff(b"\x1f\x8b\x08\x00\x00\x00\x00\x00"),
            Some("application/x-gzip")
        );
        assert_eq!(sniff(b"BZh91AY&SY"), Some("application/x-bzip2"));
        assert_eq!(sniff(b"\xfd7zXZ\x00\x00\x04"), Some("application/x-xz"));
        assert_eq!(
            sniff(b"7z\xbc\xaf\x27\x1c\x00\x04"),
            Some("application/x-7z-compressed")
        );
        assert_eq!(sniff(b"Rar!\x1a\x07\x00"), Some("application/x-rar"));
        let mut tar = vec![0u8; 512];
        tar[..9].copy_from_slice(b"hello.txt");
        tar[257..263].copy_from_slice(b"ustar\x00");
        assert_eq!(sniff(&tar), Some("application/x-tar"));
    }

    #[test]
    fn markup() {
        assert_eq!(sniff(b"<!DOCTYPE html>\n<html><head>"), Some("text/html"));
        assert_eq!(
            sniff(b"\r\n  <HTML>\n<head><title>x</title>"),
            Some("text/html")
        );
        assert_eq!(
            sniff(b"<!-- generated -->\n<body>hello</body>"),
            Some("text/html")
        );
        assert_eq!(
            sniff(b"<p>a paragraph that mentions <html"),
            Some("text/html")
        );
        // An XML declaration followed by an HTML doctype is XHTML: Zeek
        // says text/html (seen in its HTTP baselines).
        let xhtml = b"<?xml version=\"1.0\"?>\n<!DOCTYPE html>\n<html>";
        assert_eq!(sniff(xhtml), Some("text/html"));
        assert_eq!(sniff(b"<?xml  version=1?><feed/>"), Some("application/xml"));
        assert_eq!(sniff(b"<rss version=\"2.0\">\n<channel>"), Some("text/rss"));
        let atom = b"<feed xmlns=\"http://www.w3.org/2005/Atom\">";
        assert_eq!(sniff(atom), Some("text/atom"));
        let rss_atom = b"<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">";
        assert_eq!(sniff(rss_atom), Some("text/atom"));
        let soap = b"<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\">";
        assert_eq!(sniff(soap), Some("application/soap+xml"));
    }

    #[test]
    fn json_text_and_scripts() {
        assert_eq!(
            sniff(b"{\"name\": \"shrike\", \"fast\": true}"),
            Some("text/json")
        );
        assert_eq!(sniff(b"\n[\n  {\"a\": 1}\n]"), Some("text/json"));
        assert_eq!(sniff(b"[1.5, 2]"), Some("text/json"));
        assert_eq!(sniff(b"[]"), Some("text/json"));
        assert_eq!(sniff(b"{ key: 'value' }"), Some("text/plain"));
        assert_eq!(sniff(b"just some plain words\r\n"), Some("text/plain"));
        assert_eq!(sniff(b"\xef\xbb\xbfBOM then text"), Some("text/plain"));
        assert_eq!(
            sniff(b"#!/bin/sh\necho hello\n"),
            Some("text/x-shellscript")
        );
        assert_eq!(
            sniff(b"#!/usr/bin/env python3\nprint(1)\n"),
            Some("text/x-python")
        );
        assert_eq!(
            sniff(b"document.write(\"<p>\");"),
            Some("application/javascript")
        );
        assert_eq!(sniff(b"<?php echo 'hi'; ?>"), Some("text/x-php"));
        assert_eq!(sniff(b"@echo off\r\nrem x"), Some("text/x-msdos-batch"));
    }

    #[test]
    fn too_little_or_binary_content_has_no_type() {
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"short"), None);
        assert_eq!(
            sniff(&[0x00, 0x13, 0xff, 0xfe, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85]),
            None
        );
    }

    #[test]
    fn fonts_and_media() {
        assert_eq!(
            sniff(b"wOF2\x00\x01\x00\x00"),
            Some("application/font-woff2")
        );
        assert_eq!(
            sniff(b"\x00\x01\x00\x00\x00\x10\x01\x00"),
            Some("application/x-font-ttf")
        );
        assert_eq!(
            sniff(b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00"),
            Some("video/mp4")
        );
        assert_eq!(sniff(b"OggS\x00\x02\x00\x00"), Some("application/ogg"));
        assert_eq!(sniff(b"FLV\x01\x05\x00\x00\x00\x09"), Some("video/x-flv"));
    }
}
