//! Names and the strings OpenSSL 3 prints for them (checked against
//! `X509_NAME_print_ex(.., XN_FLAG_RFC2253)` when the cases were made).

use super::*;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn printed(name_hex: &str) -> String {
    Name::parse(&hex(name_hex)).expect("decodes").rfc2253()
}

#[test]
fn reverse_order_and_short_names() {
    // C=US, O=Org, CN=host (in encoding order)
    let n = "302f310b3009060355040613025553310c300a060355040a0c034f726731123010060355040\
             30c09686f73742e74657374";
    assert_eq!(printed(n), "CN=host.test,O=Org,C=US");
}

#[test]
fn unknown_types_print_dotted_oid_and_der() {
    let n = "3019310b300906032a03040c026869310a30080603550403130178";
    assert_eq!(printed(n), "CN=x,1.2.3.4=#0C026869");
}

#[test]
fn values_that_are_not_strings_print_der() {
    // A BIT STRING keeps its unused-bit count and loses the unused bits.
    let n = "301b310b3009060355040a030203a5310c300a06035504033003020101";
    assert_eq!(printed(n), "CN=#3003020101,O=#030203A0");
}

#[test]
fn rfc2253_escapes() {
    let n = "3019310a30080603550403130123310b3009060355040a13022320";
    // A one-character value counts as its last character, not its first.
    assert_eq!(printed(n), "O=\\#\\ ,CN=#");
}

#[test]
fn control_and_non_ascii_bytes_are_hex() {
    let utf8 = "3010310e300c06035504030c0561007fc3a9";
    assert_eq!(printed(utf8), "CN=a\\00\\7F\\C3\\A9");
    let universal = "30133111300f06035504031c08000003a900000078";
    assert_eq!(printed(universal), "CN=\\CE\\A9x");
}

#[test]
fn empty_rdns_and_values() {
    assert_eq!(printed("300d31003109300706035504030c00"), "CN=");
    assert_eq!(printed("3000"), "");
}

#[test]
fn long_dotted_oids_are_cut_at_79_characters() {
    let n = "302c312a302806232b060104010a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212\
             22324252627130176";
    assert_eq!(
        printed(n),
        "1.3.6.1.4.1.10.11.12.13.14.15.16.17.18.19.20.21.22.23.24.25.26.27.28.29.30.31.3=#130176"
    );
}

#[test]
fn a_set_of_in_primitive_form_is_accepted() {
    assert_eq!(printed("300c110a300806035504030c0178"), "CN=x");
}

#[test]
fn names_openssl_rejects() {
    for (why, n) in [
        ("BMP surrogate", "300f310d300b06035504031e04d83dde00"),
        ("invalid UTF-8", "300c310a300806035504030c01c3"),
        ("OCTET STRING value", "300c310a30080603550403040178"),
        ("odd BMP length", "300c310a300806035504031e0100"),
        ("primitive SEQUENCE value", "300b3109300706035504031000"),
        ("RDN not a SET", "300c300a300806035504030c0178"),
        ("trailing garbage", "300e310a300806035504030c01780000"),
    ] {
        assert_eq!(Name::parse(&hex(n)), None, "{why}");
    }
}

#[test]
fn last_common_name_as_ascii() {
    // CN=a, CN="b\x01é" (UTF-8)
    let n = hex("301f310a30080603550403130161311130\
                 0f06035504030c0862016cc3a90a7a7a");
    let name = Name::parse(&n).unwrap();
    let cn = name.last(&[0x55, 0x04, 0x03]).unwrap();
    assert_eq!(cn.print_ascii(), "b.l..\nzz");
}
