//! Whether a certificate is for a host name, as Zeek's
//! `x509_check_cert_hostname` decides it (ssl.log's `sni_matches_cert`).

use crate::name::Name;
use crate::{oid, san, Certificate};

/// Longest common name Zeek reads (`BIO_gets` into 2048 bytes).
const MAX_CN: usize = 2047;

/// The names a certificate is checked against (RFC 2818): the DNS names of
/// its (first) subjectAltName extension when it has one, else the last
/// common name of its subject.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostNames(Vec<Vec<u8>>);

impl HostNames {
    pub fn of(cert: &Certificate<'_>) -> HostNames {
        if let Some(ext) = cert.extension(oid::SUBJECT_ALT_NAME) {
            // A subjectAltName that does not decode matches nothing.
            let names = san::dns_names(ext.value).unwrap_or_default();
            return HostNames(names.into_iter().map(<[u8]>::to_vec).collect());
        }
        let cn = Name::parse(cert.subject)
            .and_then(|n| n.last(oid::COMMON_NAME).map(|a| a.print_ascii()));
        HostNames(cn.map(first_line).into_iter().collect())
    }

    /// Whether `host` matches one of the names.
    pub fn matches(&self, host: &[u8]) -> bool {
        self.0.iter().any(|name| check_hostname(host, name))
    }
}

/// What `BIO_gets` returns of the printed name: up to and including the
/// first line feed, at most [`MAX_CN`] bytes.
fn first_line(mut s: String) -> Vec<u8> {
    if let Some(i) = s.find('\n') {
        s.truncate(i + 1);
    }
    let mut bytes = s.into_bytes();
    bytes.truncate(MAX_CN);
    bytes
}

/// Zeek's `check_hostname`: equal names (case matters), or a wildcard
/// name whose `*` ends its leftmost label and which has at least three
/// labels; the host's labels after its first must equal the name's, and
/// the host must start with the characters before the `*`.
pub fn check_hostname(host: &[u8], name: &[u8]) -> bool {
    if host == name {
        return true;
    }
    let Some(star) = name.iter().position(|c| *c == b'*') else {
        return false;
    };
    let Some(dot) = name.iter().position(|c| *c == b'.') else {
        return false;
    };
    if !name[dot + 1..].contains(&b'.') || star + 1 != dot {
        return false;
    }
    let Some(host_dot) = host.iter().position(|c| *c == b'.') else {
        return false;
    };
    host[host_dot..] == name[dot..] && host.get(..star).unwrap_or(host) == &name[..star]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_rules() {
        let m = |p: &str, h: &str| check_hostname(h.as_bytes(), p.as_bytes());
        assert!(m("*.zeek.org", "www.zeek.org"));
        assert!(m("ww*.zeek.org", "www.zeek.org"));
        assert!(!m("wa*.zeek.org", "www.zeek.org"));
        assert!(!m("*.org", "zeek.org"));
        assert!(!m("*", "www.zeek.org"));
        assert!(!m("*.*.org", "www.zeek.org"));
        assert!(!m("w*w.zeek.org", "www.zeek.org"));
        assert!(!m("*.zeek.org", "zeek.org"));
        assert!(!m("*.zeek.org", "a.b.zeek.org"));
    }

    /// Zeek compares bytes: no case folding.
    #[test]
    fn case_matters() {
        assert!(!check_hostname(b"host.example", b"Host.Example"));
        assert!(check_hostname(b"Host.Example", b"Host.Example"));
    }

    #[test]
    fn common_name_is_one_line() {
        assert_eq!(first_line("a.example\nb".into()), b"a.example\n");
        assert_eq!(first_line("x".repeat(3000)).len(), MAX_CN);
    }
}
