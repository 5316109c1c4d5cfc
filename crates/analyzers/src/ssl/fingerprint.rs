//! TLS client and server fingerprints, optional ssl.log columns:
//!
//! * `ja3` and `ja3s` as the salesforce/ja3 Zeek package computes them:
//!   the MD5 of "version,ciphers,extensions,curves,point formats" of the
//!   ClientHello (GREASE values dropped), and of "version,cipher,extensions"
//!   of the ServerHello. Like the package, the lists keep growing with
//!   every hello of the connection (a HelloRetryRequest's second
//!   ClientHello adds to the first's) and the last hello sets the hash.
//! * `ja4` and `ja4s` as FoxIO's JA4 specification defines them, from the
//!   first ClientHello and the first ServerHello.

use super::handshake::{self as hs, ClientHello, Extension, ServerHello};
use super::reader::Reader;
use crate::digest::{hex, md5_hex, sha256_hex};

/// The ja3 package's lists grow with every hello; a hostile connection
/// repeating hellos must not grow memory without bound.
const MAX_LISTED: usize = 4096;

/// What the ssl.log row gets.
#[derive(Debug, Default)]
pub struct Fingerprints {
    ja3_lists: Ja3Lists,
    ja3s_extensions: Vec<u16>,
    ja3: Option<String>,
    ja3s: Option<String>,
    ja4: Option<String>,
    ja4s: Option<String>,
}

/// The ja3 package's per-connection record (`TLSFPStorage`).
#[derive(Debug, Default)]
struct Ja3Lists {
    ciphers: Vec<u16>,
    extensions: Vec<u16>,
    curves: Vec<u16>,
    point_formats: Vec<u8>,
}

/// How the hellos travel, for JA4's first character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Tcp,
    Quic,
}

impl Fingerprints {
    /// A ClientHello; `ja3`/`ja4` say which fingerprints are wanted.
    pub fn client_hello(&mut self, h: &ClientHello<'_>, on: Transport, ja3: bool, ja4: bool) {
        if ja3 {
            self.ja3 = Some(self.ja3_lists.add_hello(h));
        }
        if ja4 && self.ja4.is_none() {
            self.ja4 = Some(ja4_client(h, on));
        }
    }

    /// A ServerHello (a HelloRetryRequest is one too).
    pub fn server_hello(&mut self, h: &ServerHello<'_>, on: Transport, ja3: bool, ja4: bool) {
        if ja3 {
            extend_bounded(
                &mut self.ja3s_extensions,
                h.extensions.iter().map(|e| e.kind),
            );
            let s = format!(
                "{},{},{}",
                h.version,
                h.cipher,
                dashed(&self.ja3s_extensions)
            );
            self.ja3s = Some(md5_hex(s.as_bytes()));
        }
        if ja4 && self.ja4s.is_none() {
            self.ja4s = Some(ja4_server(h, on));
        }
    }
}

impl Fingerprints {
    /// Puts the fingerprints into the ssl.log row.
    pub fn fill(&self, rec: &mut super::SslRecord) {
        rec.ja3.clone_from(&self.ja3);
        rec.ja3s.clone_from(&self.ja3s);
        rec.ja4 = self.ja4.clone().unwrap_or_default();
        rec.ja4s = self.ja4s.clone().unwrap_or_default();
    }
}

impl Ja3Lists {
    /// Adds a ClientHello's values; the JA3 hash of everything so far.
    fn add_hello(&mut self, h: &ClientHello<'_>) -> String {
        extend_bounded(&mut self.ciphers, cipher_suites(h));
        for e in &h.extensions {
            if is_grease(e.kind) {
                continue;
            }
            extend_bounded(&mut self.extensions, [e.kind]);
            match e.kind {
                hs::EXT_SUPPORTED_GROUPS => {
                    let groups = u16_list16(e.data).into_iter().filter(|&g| !is_grease(g));
                    extend_bounded(&mut self.curves, groups);
                }
                hs::EXT_EC_POINT_FORMATS => {
                    let formats = Reader::new(e.data).vec8().unwrap_or_default();
                    extend_bounded(&mut self.point_formats, formats.iter().copied());
                }
                _ => {}
            }
        }
        let s = format!(
            "{},{},{},{},{}",
            h.version,
            dashed(&self.ciphers),
            dashed(&self.extensions),
            dashed(&self.curves),
            dashed(&self.point_formats)
        );
        md5_hex(s.as_bytes())
    }
}

/// GREASE values (RFC 8701): 0x0a0a, 0x1a1a, ..., 0xfafa.
fn is_grease(v: u16) -> bool {
    v & 0x0f0f == 0x0a0a && v >> 8 == v & 0xff
}

fn extend_bounded<T>(list: &mut Vec<T>, items: impl IntoIterator<Item = T>) {
    let room = MAX_LISTED.saturating_sub(list.len());
    list.extend(items.into_iter().take(room));
}

/// Decimal values joined by '-'.
fn dashed<T: ToString>(values: &[T]) -> String {
    values
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("-")
}

/// The ClientHello's cipher suites without GREASE.
fn cipher_suites(h: &ClientHello<'_>) -> Vec<u16> {
    Reader::new(h.ciphers)
        .u16_list()
        .into_iter()
        .filter(|&c| !is_grease(c))
        .collect()
}

/// A list of 16-bit values with a 16-bit length (supported groups,
/// signature algorithms).
fn u16_list16(data: &[u8]) -> Vec<u16> {
    Reader::new(data)
        .vec16()
        .map(|l| Reader::new(l).u16_list())
        .unwrap_or_default()
}

fn extension<'h, 'a>(exts: &'h [Extension<'a>], kind: u16) -> Option<&'h Extension<'a>> {
    exts.iter().find(|e| e.kind == kind)
}

/// The extension types without GREASE, in order.
fn extension_kinds(exts: &[Extension<'_>]) -> Vec<u16> {
    exts.iter()
        .map(|e| e.kind)
        .filter(|&k| !is_grease(k))
        .collect()
}

/// The first protocol of the ALPN extension.
fn first_alpn<'a>(exts: &[Extension<'a>]) -> Option<&'a [u8]> {
    extension(exts, hs::EXT_ALPN).and_then(|e| hs::alpn_protocols(e.data).first().copied())
}

/// JA4 of a ClientHello.
fn ja4_client(h: &ClientHello<'_>, on: Transport) -> String {
    let ciphers = cipher_suites(h);
    let kinds = extension_kinds(&h.extensions);
    let offered = extension(&h.extensions, hs::EXT_SUPPORTED_VERSIONS)
        .and_then(|e| {
            hs::supported_versions(e.data, true)
                .into_iter()
                .filter(|&v| !is_grease(v))
                .max()
        })
        .unwrap_or(h.version);
    let sni = if kinds.contains(&hs::EXT_SERVER_NAME) {
        'd'
    } else {
        'i'
    };
    let alpn = first_alpn(&h.extensions);
    let sigalgs: Vec<u16> = extension(&h.extensions, hs::EXT_SIGNATURE_ALGORITHMS)
        .map(|e| u16_list16(e.data))
        .unwrap_or_default()
        .into_iter()
        .filter(|&s| !is_grease(s))
        .collect();
    let mut sorted_ciphers = ciphers.clone();
    sorted_ciphers.sort_unstable();
    let mut hashed_kinds: Vec<u16> = kinds
        .iter()
        .copied()
        .filter(|&k| k != hs::EXT_SERVER_NAME && k != hs::EXT_ALPN)
        .collect();
    hashed_kinds.sort_unstable();
    let extensions_part = if hashed_kinds.is_empty() {
        ZEROS.to_string()
    } else if sigalgs.is_empty() {
        hash12(&hex_list(&hashed_kinds))
    } else {
        hash12(&format!(
            "{}_{}",
            hex_list(&hashed_kinds),
            hex_list(&sigalgs)
        ))
    };
    format!(
        "{}{}{sni}{:02}{:02}{}_{}_{extensions_part}",
        protocol(on, offered),
        version_code(offered),
        ciphers.len().min(99),
        kinds.len().min(99),
        alpn_code(alpn),
        list_hash(&sorted_ciphers),
    )
}

/// JA4S of a ServerHello.
fn ja4_server(h: &ServerHello<'_>, on: Transport) -> String {
    let kinds = extension_kinds(&h.extensions);
    let chosen = extension(&h.extensions, hs::EXT_SUPPORTED_VERSIONS)
        .and_then(|e| hs::supported_versions(e.data, false).first().copied())
        .unwrap_or(h.version);
    let alpn = first_alpn(&h.extensions);
    format!(
        "{}{}{:02}{}_{:04x}_{}",
        protocol(on, chosen),
        version_code(chosen),
        kinds.len().min(99),
        alpn_code(alpn),
        h.cipher,
        list_hash(&kinds),
    )
}

/// What JA4 prints for a list with nothing in it.
const ZEROS: &str = "000000000000";

/// The first 12 hex digits of the SHA-256 of `s`.
fn hash12(s: &str) -> String {
    sha256_hex(s.as_bytes())[..12].to_string()
}

/// 4-digit hex values joined by ','.
fn hex_list(values: &[u16]) -> String {
    values
        .iter()
        .map(|v| format!("{v:04x}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// [`hash12`] of [`hex_list`], or zeros for an empty list.
fn list_hash(values: &[u16]) -> String {
    if values.is_empty() {
        ZEROS.to_string()
    } else {
        hash12(&hex_list(values))
    }
}

/// 'q' for QUIC, 'd' for DTLS, 't' for TLS over TCP.
fn protocol(on: Transport, version: u16) -> char {
    match (on, version) {
        (_, 0xFEFF | 0xFEFD | 0xFEFC) => 'd',
        (Transport::Quic, _) => 'q',
        (Transport::Tcp, _) => 't',
    }
}

fn version_code(v: u16) -> &'static str {
    match v {
        0x0304 => "13",
        0x0303 => "12",
        0x0302 => "11",
        0x0301 => "10",
        0x0300 => "s3",
        0x0002 => "s2",
        0xFEFF => "d1",
        0xFEFD => "d2",
        0xFEFC => "d3",
        _ => "00",
    }
}

/// The first and last characters of the first ALPN value: "00" without
/// one; the first and last hex digits of the value when either end is
/// not alphanumeric.
fn alpn_code(alpn: Option<&[u8]>) -> String {
    let Some(v) = alpn.filter(|v| !v.is_empty()) else {
        return "00".to_string();
    };
    let (first, last) = (v[0], v[v.len() - 1]);
    if first.is_ascii_alphanumeric() && last.is_ascii_alphanumeric() {
        return format!("{}{}", char::from(first), char::from(last));
    }
    let digits = hex(v);
    let d = digits.as_bytes();
    format!("{}{}", char::from(d[0]), char::from(d[d.len() - 1]))
}

#[cfg(test)]
mod tests;
