use records::{Port, Time, ZString};
use std::net::IpAddr;

records::record! {
    /// One ssl.log row (Zeek's `SSL::Info`): one TLS/DTLS session.
    #[derive(Debug, Clone, Default)]
    pub struct SslRecord : "ssl" {
        pub ts: Time = "ts",
        pub uid: String = "uid",
        pub orig_h: Option<IpAddr> = "id.orig_h",
        pub orig_p: Port = "id.orig_p",
        pub resp_h: Option<IpAddr> = "id.resp_h",
        pub resp_p: Port = "id.resp_p",
        pub version: Option<String> = "version",
        pub cipher: Option<String> = "cipher",
        pub curve: Option<String> = "curve",
        pub server_name: Option<ZString> = "server_name",
        pub resumed: bool = "resumed",
        pub last_alert: Option<String> = "last_alert",
        pub next_protocol: Option<ZString> = "next_protocol",
        pub established: bool = "established",
        pub ssl_history: String = "ssl_history",
        pub cert_chain_fps: Option<Vec<String>> = "cert_chain_fps",
        pub client_cert_chain_fps: Option<Vec<String>> = "client_cert_chain_fps",
        pub subject: Option<String> = "subject" if "ssl-server-subject",
        pub issuer: Option<String> = "issuer" if "ssl-server-subject",
        pub client_subject: Option<String> = "client_subject" if "ssl-client-subject",
        pub client_issuer: Option<String> = "client_issuer" if "ssl-client-subject",
        pub sni_matches_cert: Option<bool> = "sni_matches_cert",
        /// `protocols/ssl/validate-certs`: OpenSSL's verdict on the chain.
        pub validation_status: Option<String> = "validation_status" if "validate-certs",
        /// `protocols/ssl/certificate-request-info`: the CAs the server
        /// accepts client certificates from.
        pub requested_client_certificate_authorities: Option<Vec<String>> =
            "requested_client_certificate_authorities" if "ssl-certificate-request-info",
        /// The ja3 package's columns.
        pub ja3: Option<String> = "ja3" if "ja3",
        pub ja3s: Option<String> = "ja3s" if "ja3",
        /// The ja4 package's columns ("" without a hello, as it logs them).
        pub ja4: String = "ja4" if "ja4",
        pub ja4s: String = "ja4s" if "ja4",
    }
}
