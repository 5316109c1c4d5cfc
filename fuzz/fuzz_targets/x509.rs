//! The X.509 parser and every x509.log value derived from a certificate:
//! names, serial, times, key, subjectAltName, basicConstraints, host-name
//! check, fingerprint. The input is a certificate; its first byte also
//! picks a host name to check. Name printing must stay ASCII, and what
//! parses must give log fields.
#![no_main]
use libfuzzer_sys::fuzz_target;
use x509::{Certificate, Fingerprint, HostNames, LogFields, Name};

fuzz_target!(|data: &[u8]| {
    // The same bytes as a bare Name and as a subjectAltName value.
    if let Some(name) = Name::parse(data) {
        assert!(name.rfc2253().is_ascii());
    }
    let _ = x509::san::parse(data);
    let _ = Fingerprint::of(data).to_string();
    let Some(cert) = Certificate::parse(data) else {
        return;
    };
    let fields = LogFields::of(&cert).expect("a parsed certificate has log fields");
    assert!(fields.subject.is_ascii() && fields.issuer.is_ascii());
    assert!(fields.subject.len() <= 2047 && fields.serial.len() <= 2048);
    let host: &[u8] = match data.first() {
        Some(b) if b % 2 == 0 => b"www.example.com",
        _ => b"a.b.example",
    };
    let _ = HostNames::of(&cert).matches(host);
});
