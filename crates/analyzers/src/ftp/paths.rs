//! Path and URL helpers of Zeek's `base/utils/paths.zeek` and FTP's
//! `build_url_ftp`, on raw bytes (FTP paths need not be UTF-8).

use std::net::IpAddr;

/// Zeek's `compress_path`: drops empty and `.` components (a leading `.`
/// stays), resolves `..` against the previous component where it can and
/// keeps a leading `/`.
pub fn compress_path(path: &[u8]) -> Vec<u8> {
    let mut kept: Vec<&[u8]> = Vec::new();
    for (i, part) in path.split(|&b| b == b'/').enumerate() {
        if part.is_empty() || (part == b"." && i > 0) {
            continue;
        }
        kept.push(part);
        if part == b".." {
            fold_parent(&mut kept);
        }
    }
    let mut out = Vec::with_capacity(path.len());
    if path.first() == Some(&b'/') {
        out.push(b'/');
    }
    for (i, part) in kept.iter().enumerate() {
        if i > 0 {
            out.push(b'/');
        }
        out.extend_from_slice(part);
    }
    out
}

/// A `..` was just pushed: cancel it against the component before it,
/// unless that is a root-like component (`~`, `..`) it cannot go above.
fn fold_parent(kept: &mut Vec<&[u8]>) {
    let n = kept.len();
    if n < 2 {
        return;
    }
    match kept[n - 2] {
        b"~" | b".." => {}
        b"." => {
            kept.pop();
            kept[n - 2] = b"..";
        }
        _ => {
            kept.truncate(n - 2);
        }
    }
}

/// Zeek's `absolute_path_pat`: `/...` or a drive letter path `C:\...`,
/// `C:/...`.
fn is_absolute(path: &[u8]) -> bool {
    match path {
        [b'/', ..] => true,
        [d, b':', b'\\' | b'/', ..] => d.is_ascii_alphabetic(),
        _ => false,
    }
}

/// Zeek's `build_path_compressed`: `file_name` relative to `dir` unless it
/// is absolute, compressed.
pub fn build_path_compressed(dir: &[u8], file_name: &[u8]) -> Vec<u8> {
    if is_absolute(file_name) || dir.is_empty() {
        return compress_path(file_name);
    }
    let mut joined = dir.to_vec();
    if !dir.ends_with(b"/") {
        joined.push(b'/');
    }
    joined.extend_from_slice(file_name);
    compress_path(&joined)
}

/// `ftp://<server>`, the start of every URL of a session.
pub fn ftp_base(server: IpAddr) -> Vec<u8> {
    match server {
        IpAddr::V4(a) => format!("ftp://{a}"),
        IpAddr::V6(a) => format!("ftp://[{a}]"),
    }
    .into_bytes()
}

/// FTP's `build_url_ftp`: `<base>/<path of arg from cwd>`, `base` from
/// [`ftp_base`].
pub fn ftp_url(base: &[u8], cwd: &[u8], arg: &[u8]) -> Vec<u8> {
    let path = build_path_compressed(cwd, arg);
    let mut url = Vec::with_capacity(base.len() + 1 + path.len());
    url.extend_from_slice(base);
    if path.first() != Some(&b'/') {
        url.push(b'/');
    }
    url.extend_from_slice(&path);
    url
}

/// Zeek's `extract_path`: the first quoted absolute path in `input`
/// (quotes removed), else the first absolute path running up to a quote or
/// an unescaped space; empty if there is none.
pub fn extract_path(input: &[u8]) -> Vec<u8> {
    if let Some(quoted) = first_quoted_path(input) {
        return quoted.to_vec();
    }
    (0..input.len())
        .find(|&i| is_absolute(&input[i..]))
        .map(|i| unquoted_path(&input[i..]).to_vec())
        .unwrap_or_default()
}

/// `"<absolute path without quotes>"`: the path inside the first such
/// quotes.
fn first_quoted_path(input: &[u8]) -> Option<&[u8]> {
    input.iter().enumerate().find_map(|(i, &b)| {
        if b != b'"' || !is_absolute(&input[i + 1..]) {
            return None;
        }
        let rest = &input[i + 1..];
        let end = rest.iter().position(|&b| b == b'"')?;
        Some(&rest[..end])
    })
}

/// The longest run from the start of `s` (which starts with an absolute
/// path) of bytes other than quote and space, where `\ ` counts as part of
/// the path.
fn unquoted_path(s: &[u8]) -> &[u8] {
    let mut end = 0;
    while end < s.len() {
        match s[end] {
            b'"' => break,
            b' ' if end == 0 || s[end - 1] != b'\\' => break,
            _ => end += 1,
        }
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(p: &str) -> String {
        String::from_utf8(compress_path(p.as_bytes())).unwrap()
    }

    #[test]
    fn compress_path_matches_zeek() {
        for (input, want) in [
            ("./../foo", "../foo"),
            ("././../foo", "../foo"),
            ("/1/./2/3", "/1/2/3"),
            ("/1/2/../3", "/1/3"),
            ("1/2//3///", "1/2/3"),
            ("~jon/./zeek/testing", "~jon/zeek/testing"),
            ("~/zeek/testing/../././.", "~/zeek"),
            ("./zeek", "./zeek"),
            ("../zeek/testing/..", "../zeek"),
            ("./zeek/..", "."),
            ("./zeek/../..", ".."),
            ("./zeek/../../..", "../.."),
            ("/..", "/.."),
            ("~/..", "~/.."),
            ("/../..", "/../.."),
            ("zeek/..", ""),
            ("zeek/../..", ".."),
            ("./", "."),
            ("/", "/"),
        ] {
            assert_eq!(c(input), want, "compress_path({input})");
        }
    }

    #[test]
    fn urls_follow_the_working_directory() {
        let v4: IpAddr = "10.0.0.2".parse().unwrap();
        let v6: IpAddr = "2001:db8::21".parse().unwrap();
        assert_eq!(
            ftp_url(&ftp_base(v4), b".", b"robots.txt"),
            b"ftp://10.0.0.2/./robots.txt"
        );
        assert_eq!(ftp_url(&ftp_base(v4), b".", b""), b"ftp://10.0.0.2/.");
        assert_eq!(
            ftp_url(&ftp_base(v6), b"/pub", b"a.gz"),
            b"ftp://[2001:db8::21]/pub/a.gz"
        );
        assert_eq!(
            ftp_url(&ftp_base(v4), b"/pub/", b"/etc/x"),
            b"ftp://10.0.0.2/etc/x"
        );
        assert_eq!(
            ftp_url(&ftp_base(v4), b"/pub/sub", b"../x"),
            b"ftp://10.0.0.2/pub/x"
        );
        assert_eq!(ftp_url(&ftp_base(v4), b"zeek", b".."), b"ftp://10.0.0.2/");
    }

    #[test]
    fn paths_extracted_from_pwd_replies() {
        assert_eq!(
            extract_path(b"\"/pub/x y\" is current directory."),
            b"/pub/x y"
        );
        assert_eq!(extract_path(b"/home/a is cwd"), b"/home/a");
        assert_eq!(extract_path(b"now in /a\\ b/c ok"), b"/a\\ b/c");
        assert_eq!(extract_path(b"\"C:\\dir\" ok"), b"C:\\dir");
        assert_eq!(extract_path(b"no path here"), b"");
    }
}
