use records::{EpochSeconds, Time, ZString};
use std::net::IpAddr;

records::record! {
    /// One x509.log row (Zeek's `X509::Info`): a certificate seen in a
    /// connection.
    #[derive(Debug, Clone, Default)]
    pub struct X509Record : "x509" {
        pub ts: Time = "ts",
        pub fingerprint: String = "fingerprint",
        pub version: u64 = "certificate.version",
        pub serial: String = "certificate.serial",
        pub subject: String = "certificate.subject",
        pub issuer: String = "certificate.issuer",
        pub not_valid_before: EpochSeconds = "certificate.not_valid_before",
        pub not_valid_after: EpochSeconds = "certificate.not_valid_after",
        pub key_alg: String = "certificate.key_alg",
        pub sig_alg: String = "certificate.sig_alg",
        pub key_type: Option<String> = "certificate.key_type",
        pub key_length: Option<u64> = "certificate.key_length",
        pub exponent: Option<String> = "certificate.exponent",
        pub curve: Option<String> = "certificate.curve",
        pub san_dns: Option<Vec<ZString>> = "san.dns",
        pub san_uri: Option<Vec<ZString>> = "san.uri",
        pub san_email: Option<Vec<ZString>> = "san.email",
        pub san_ip: Option<Vec<IpAddr>> = "san.ip",
        pub ca: Option<bool> = "basic_constraints.ca",
        pub path_len: Option<u64> = "basic_constraints.path_len",
        pub host_cert: bool = "host_cert",
        pub client_cert: bool = "client_cert",
    }
}
