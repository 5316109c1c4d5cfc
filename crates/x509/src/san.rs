//! The subjectAltName extension as Zeek's X509 analyzer reads it
//! (`ParseSAN`): DNS names, URIs, e-mail addresses and IP addresses; the
//! other kinds of names only set a flag.

use crate::der::{self, Der, Tlv};
use crate::name::Name;
use crate::objects::is_valid_oid;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// x509.log's `san.*` columns. A list is `None` when the extension has no
/// name of its kind (Zeek then leaves the column unset).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubjectAltName<'a> {
    pub dns: Option<Vec<&'a [u8]>>,
    pub uri: Option<Vec<&'a [u8]>>,
    pub email: Option<Vec<&'a [u8]>>,
    pub ip: Option<Vec<IpAddr>>,
    /// Names of other kinds were present.
    pub other_fields: bool,
    /// Addresses Zeek skipped (`x509_san_ip_length`): their lengths.
    pub bad_ip_lengths: Vec<usize>,
}

const EMAIL: u8 = 0x81;
const DNS: u8 = 0x82;
const URI: u8 = 0x86;
const IP: u8 = 0x87;
const REGISTERED_ID: u8 = 0x88;
const OTHER_NAME: u8 = 0xA0;
const X400_ADDRESS: u8 = 0xA3;
const DIRECTORY_NAME: u8 = 0xA4;
const EDI_PARTY_NAME: u8 = 0xA5;

/// Decode the extension's value (GeneralNames); `None` when OpenSSL
/// would not (Zeek: `x509_san_parse_error`).
pub fn parse(value: &[u8]) -> Option<SubjectAltName<'_>> {
    let mut san = SubjectAltName::default();
    for name in general_names(value)? {
        match name.tag {
            DNS => san.dns.get_or_insert_with(Vec::new).push(name.body),
            URI => san.uri.get_or_insert_with(Vec::new).push(name.body),
            EMAIL => san.email.get_or_insert_with(Vec::new).push(name.body),
            IP => {
                let ips = san.ip.get_or_insert_with(Vec::new);
                match ip(name.body) {
                    Some(a) => ips.push(a),
                    None => san.bad_ip_lengths.push(name.body.len()),
                }
            }
            _ => san.other_fields = true,
        }
    }
    Some(san)
}

/// The DNS names of a GeneralNames value, `None` if it does not decode.
pub fn dns_names(value: &[u8]) -> Option<Vec<&[u8]>> {
    let names = general_names(value)?;
    Some(
        names
            .iter()
            .filter(|n| n.tag == DNS)
            .map(|n| n.body)
            .collect(),
    )
}

/// GeneralNames ::= SEQUENCE OF GeneralName, every one well-formed.
fn general_names(value: &[u8]) -> Option<Vec<Tlv<'_>>> {
    let seq = Der::new(value).expect_list(der::SEQUENCE)?;
    let mut items = Der::new(seq.body);
    let mut names = Vec::new();
    while !items.is_empty() {
        let name = items.next()?;
        if !well_formed(name) {
            return None;
        }
        names.push(name);
    }
    Some(names)
}

/// Whether a GeneralName has a known tag and the form its kind requires.
fn well_formed(name: Tlv<'_>) -> bool {
    match name.tag {
        EMAIL | DNS | URI | IP => true,
        REGISTERED_ID => is_valid_oid(name.body),
        OTHER_NAME => other_name(name.body).is_some(),
        X400_ADDRESS | EDI_PARTY_NAME => true,
        DIRECTORY_NAME => {
            let mut inner = Der::new(name.body);
            let ok = inner.next().is_some_and(|n| Name::parse(n.raw).is_some());
            ok && inner.is_empty()
        }
        _ => false,
    }
}

/// OtherName ::= SEQUENCE { type-id OID, value [0] EXPLICIT ANY }
fn other_name(body: &[u8]) -> Option<()> {
    let mut parts = Der::new(body);
    let type_id = parts.expect(der::OID)?;
    let value = parts.expect(0xA0)?;
    let mut inner = Der::new(value.body);
    inner.next()?;
    (is_valid_oid(type_id.body) && inner.is_empty() && parts.is_empty()).then_some(())
}

fn ip(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes)
            .ok()
            .map(|a| IpAddr::V4(Ipv4Addr::from(a))),
        16 => <[u8; 16]>::try_from(bytes)
            .ok()
            .map(|a| IpAddr::V6(Ipv6Addr::from(a))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
        [&[tag, body.len() as u8][..], body].concat()
    }

    #[test]
    fn kinds_of_names() {
        let names = [
            tlv(DNS, b"a.example"),
            tlv(URI, b"https://a.example/"),
            tlv(EMAIL, b"me@a.example"),
            tlv(IP, &[192, 0, 2, 1]),
            tlv(IP, &[1, 2, 3]),
            tlv(REGISTERED_ID, &[0x2A, 0x03]),
            tlv(DNS, b"b.example"),
        ]
        .concat();
        let value = tlv(der::SEQUENCE, &names);
        let san = parse(&value).unwrap();
        assert_eq!(san.dns, Some(vec![&b"a.example"[..], b"b.example"]));
        assert_eq!(san.uri, Some(vec![&b"https://a.example/"[..]]));
        assert_eq!(san.email, Some(vec![&b"me@a.example"[..]]));
        assert_eq!(san.ip, Some(vec!["192.0.2.1".parse().unwrap()]));
        assert_eq!(san.bad_ip_lengths, vec![3]);
        assert!(san.other_fields);
        assert_eq!(dns_names(&value).unwrap().len(), 2);
    }

    #[test]
    fn only_a_bad_address_still_makes_the_list() {
        let value = tlv(der::SEQUENCE, &tlv(IP, &[1, 2]));
        assert_eq!(parse(&value).unwrap().ip, Some(vec![]));
    }

    #[test]
    fn malformed_names_fail_the_extension() {
        for bad in [
            tlv(0x89, b"x"),                      // no such kind
            tlv(REGISTERED_ID, &[0x2A, 0x83]),    // unterminated OID
            tlv(DIRECTORY_NAME, &tlv(0x31, &[])), // not a Name
            tlv(OTHER_NAME, &tlv(der::OID, &[0x2A])),
        ] {
            assert_eq!(parse(&tlv(der::SEQUENCE, &bad)), None, "{bad:02x?}");
        }
        assert_eq!(parse(&[0x30, 0x05, 0x82]), None);
        assert_eq!(parse(&[]), None);
    }
}
