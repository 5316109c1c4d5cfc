use records::{Enum, Port, Set, Time, ZString};
use std::net::IpAddr;

records::record! {
    /// One http.log row (Zeek's `HTTP::Info`): one request/response pair.
    #[derive(Debug, Clone, Default)]
    pub struct HttpRecord : "http" {
        pub ts: Time = "ts",
        pub uid: String = "uid",
        pub orig_h: Option<IpAddr> = "id.orig_h",
        pub orig_p: Port = "id.orig_p",
        pub resp_h: Option<IpAddr> = "id.resp_h",
        pub resp_p: Port = "id.resp_p",
        pub trans_depth: u64 = "trans_depth",
        pub method: Option<ZString> = "method",
        pub host: Option<ZString> = "host",
        pub uri: Option<ZString> = "uri",
        pub referrer: Option<ZString> = "referrer",
        pub version: Option<ZString> = "version",
        pub user_agent: Option<ZString> = "user_agent",
        pub origin: Option<ZString> = "origin",
        pub request_body_len: u64 = "request_body_len",
        pub response_body_len: u64 = "response_body_len",
        pub status_code: Option<u64> = "status_code",
        pub status_msg: Option<ZString> = "status_msg",
        pub info_code: Option<u64> = "info_code",
        pub info_msg: Option<ZString> = "info_msg",
        pub tags: Set<Enum> = "tags",
        pub username: Option<ZString> = "username",
        pub password: Option<ZString> = "password",
        pub proxied: Option<Set<ZString>> = "proxied",
        pub orig_fuids: Option<Vec<String>> = "orig_fuids",
        pub orig_filenames: Option<Vec<ZString>> = "orig_filenames",
        pub orig_mime_types: Option<Vec<String>> = "orig_mime_types",
        pub resp_fuids: Option<Vec<String>> = "resp_fuids",
        pub resp_filenames: Option<Vec<ZString>> = "resp_filenames",
        pub resp_mime_types: Option<Vec<String>> = "resp_mime_types",
        // policy/protocols/http/header-names
        pub client_header_names: Option<Vec<ZString>> = "client_header_names" if "http-header-names",
        pub server_header_names: Option<Vec<ZString>> = "server_header_names" if "http-header-names",
    }
}
