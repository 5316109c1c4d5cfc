//! Just enough X.509 for ssl.log: whether a certificate parses, its
//! SHA-256 fingerprint and the host names it is for (subjectAltName DNS
//! entries, else the subject's common names), to decide
//! `sni_matches_cert` as Zeek's `x509_check_cert_hostname` does.

use sha2::{Digest, Sha256};

/// A DER element: tag byte and content.
struct Tlv<'a> {
    tag: u8,
    body: &'a [u8],
}

/// DER reader over a sequence of elements.
struct Der<'a> {
    data: &'a [u8],
}

impl<'a> Der<'a> {
    fn new(data: &'a [u8]) -> Self {
        Der { data }
    }

    /// The next element; `None` at the end or on a malformed header.
    fn next(&mut self) -> Option<Tlv<'a>> {
        let (&tag, rest) = self.data.split_first()?;
        let (&first, mut rest) = rest.split_first()?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7F);
            if n == 0 || n > 4 || rest.len() < n {
                return None;
            }
            let len = rest[..n]
                .iter()
                .fold(0usize, |a, b| (a << 8) | usize::from(*b));
            rest = &rest[n..];
            len
        };
        if rest.len() < len {
            return None;
        }
        let (body, tail) = rest.split_at(len);
        self.data = tail;
        Some(Tlv { tag, body })
    }

    /// The next element if it has tag `tag`.
    fn expect(&mut self, tag: u8) -> Option<Tlv<'a>> {
        self.next().filter(|t| t.tag == tag)
    }
}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
const OCTET_STRING: u8 = 0x04;
const EXPLICIT_VERSION: u8 = 0xA0;
const EXPLICIT_EXTENSIONS: u8 = 0xA3;
const DNS_NAME: u8 = 0x82;
/// 2.5.4.3, id-at-commonName.
const OID_COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];
/// 2.5.29.17, id-ce-subjectAltName.
const OID_SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1D, 0x11];

/// What ssl.log needs of one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    /// Lower-case hex SHA-256 of the DER bytes (x509.log's fingerprint).
    pub fingerprint: String,
    /// DNS names the certificate is valid for.
    pub host_names: Vec<String>,
}

/// Parse a DER certificate; `None` when it is not a certificate (Zeek then
/// has no x509 info for it and leaves it out of the fingerprints).
pub fn parse(der: &[u8]) -> Option<CertInfo> {
    let mut outer = Der::new(der);
    let cert = outer.expect(SEQUENCE)?;
    let mut parts = Der::new(cert.body);
    let tbs = parts.expect(SEQUENCE)?;
    parts.expect(SEQUENCE)?; // signatureAlgorithm
    let names = host_names(tbs.body)?;
    Some(CertInfo {
        fingerprint: hex(&Sha256::digest(der)),
        host_names: names,
    })
}

/// The names hostnames are checked against (RFC 2818): the
/// subjectAltName DNS names if the certificate has that extension, else
/// the subject's last common name.
fn host_names(tbs: &[u8]) -> Option<Vec<String>> {
    let mut fields = Der::new(tbs);
    let mut field = fields.next()?;
    if field.tag == EXPLICIT_VERSION {
        field = fields.next()?;
    }
    let _serial = field;
    fields.expect(SEQUENCE)?; // signature
    fields.expect(SEQUENCE)?; // issuer
    fields.expect(SEQUENCE)?; // validity
    let subject = fields.expect(SEQUENCE)?;
    fields.expect(SEQUENCE)?; // subjectPublicKeyInfo
    let san = std::iter::from_fn(|| fields.next())
        .filter(|f| f.tag == EXPLICIT_EXTENSIONS)
        .find_map(|f| subject_alt_dns_names(f.body));
    Some(san.unwrap_or_else(|| common_names(subject.body).pop().into_iter().collect()))
}

/// The DNS names of the subjectAltName extension; `None` without one.
fn subject_alt_dns_names(extensions: &[u8]) -> Option<Vec<String>> {
    let list = Der::new(extensions).expect(SEQUENCE)?;
    let mut exts = Der::new(list.body);
    while let Some(ext) = exts.next() {
        let mut parts = Der::new(ext.body);
        if parts.expect(OID).map(|o| o.body) != Some(OID_SUBJECT_ALT_NAME) {
            continue;
        }
        let value = std::iter::from_fn(|| parts.next()).find(|t| t.tag == OCTET_STRING);
        let names = value.and_then(|v| Der::new(v.body).expect(SEQUENCE));
        let mut names = Der::new(names.map_or(&[][..], |n| n.body));
        return Some(
            std::iter::from_fn(|| names.next())
                .filter(|n| n.tag == DNS_NAME)
                .map(|n| String::from_utf8_lossy(n.body).into_owned())
                .collect(),
        );
    }
    None
}

fn common_names(name: &[u8]) -> Vec<String> {
    let mut rdns = Der::new(name);
    let mut out = Vec::new();
    while let Some(rdn) = rdns.next().filter(|r| r.tag == SET) {
        let mut attrs = Der::new(rdn.body);
        while let Some(attr) = attrs.next() {
            let mut parts = Der::new(attr.body);
            if parts.expect(OID).map(|o| o.body) == Some(OID_COMMON_NAME) {
                if let Some(v) = parts.next() {
                    out.push(String::from_utf8_lossy(v.body).into_owned());
                }
            }
        }
    }
    out
}

/// Whether `host` matches one of `names` (Zeek's `x509_check_hostname`
/// rules, case-insensitive).
pub fn matches_host(names: &[String], host: &str) -> bool {
    names.iter().any(|n| name_matches(n, host))
}

/// A wildcard may only end the leftmost label ("*.a.b", "ww*.a.b"), stands
/// for part of exactly one label, and needs two labels after it.
fn name_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    let host = host.to_ascii_lowercase();
    if !pattern.contains('*') {
        return pattern == host;
    }
    let (Some((first, rest)), Some((label, host_rest))) =
        (pattern.split_once('.'), host.split_once('.'))
    else {
        return false;
    };
    let Some(prefix) = first.strip_suffix('*') else {
        return false;
    };
    !prefix.contains('*')
        && !rest.contains('*')
        && rest.contains('.')
        && rest == host_rest
        && !label.is_empty()
        && label.starts_with(prefix)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut v = vec![tag];
        if body.len() < 0x80 {
            v.push(body.len() as u8);
        } else {
            v.push(0x82);
            v.extend_from_slice(&(body.len() as u16).to_be_bytes());
        }
        v.extend_from_slice(body);
        v
    }

    fn name(cn: &str) -> Vec<u8> {
        let attr = [tlv(OID, OID_COMMON_NAME), tlv(0x0C, cn.as_bytes())].concat();
        tlv(SEQUENCE, &tlv(SET, &tlv(SEQUENCE, &attr)))
    }

    /// A structurally valid certificate for `cn` with optional SAN names.
    pub(crate) fn certificate(cn: &str, san: &[&str]) -> Vec<u8> {
        let seq = |b: &[u8]| tlv(SEQUENCE, b);
        let mut tbs = [
            tlv(EXPLICIT_VERSION, &tlv(0x02, &[2])),
            tlv(0x02, &[1]),
            seq(&tlv(OID, &[0x2A])),
            name("issuer"),
            seq(&[]),
            name(cn),
            seq(&[]),
        ]
        .concat();
        if !san.is_empty() {
            let names: Vec<u8> = san
                .iter()
                .flat_map(|n| tlv(DNS_NAME, n.as_bytes()))
                .collect();
            let ext = seq(&[
                tlv(OID, OID_SUBJECT_ALT_NAME),
                tlv(OCTET_STRING, &seq(&names)),
            ]
            .concat());
            tbs.extend(tlv(EXPLICIT_EXTENSIONS, &seq(&ext)));
        }
        seq(&[seq(&tbs), seq(&tlv(OID, &[0x2A])), tlv(0x03, &[0])].concat())
    }

    #[test]
    fn san_names_win_over_common_name() {
        let c = parse(&certificate("cn.example", &["a.example", "*.b.example"])).unwrap();
        assert_eq!(c.host_names, vec!["a.example", "*.b.example"]);
        assert_eq!(c.fingerprint.len(), 64);
        assert!(matches_host(&c.host_names, "x.b.example"));
        assert!(!matches_host(&c.host_names, "x.y.b.example"));
        assert!(!matches_host(&c.host_names, "cn.example"));
    }

    #[test]
    fn common_name_without_san() {
        let c = parse(&certificate("Host.Example", &[])).unwrap();
        assert_eq!(c.host_names, vec!["Host.Example"]);
        assert!(matches_host(&c.host_names, "host.example"));
    }

    #[test]
    fn wildcard_rules() {
        let m = |p: &str, h: &str| name_matches(p, h);
        assert!(m("*.zeek.org", "www.zeek.org"));
        assert!(m("ww*.zeek.org", "www.zeek.org"));
        assert!(!m("wa*.zeek.org", "www.zeek.org"));
        assert!(!m("*.org", "zeek.org"));
        assert!(!m("*", "www.zeek.org"));
        assert!(!m("*.*.org", "www.zeek.org"));
        assert!(!m("w*w.zeek.org", "www.zeek.org"));
        assert!(!m("*.zeek.org", "zeek.org"));
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        assert_eq!(parse(b"\x30\x03\x02\x01"), None);
        assert_eq!(parse(&[]), None);
        assert_eq!(
            hex(&Sha256::digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
