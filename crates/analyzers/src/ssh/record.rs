use records::{Enum, Port, Time, ZString};
use std::net::IpAddr;

records::record! {
    /// One ssh.log row (Zeek's `SSH::Info`).
    #[derive(Debug, Clone, Default)]
    pub struct SshRecord : "ssh" {
        pub ts: Time = "ts",
        pub uid: String = "uid",
        pub orig_h: Option<IpAddr> = "id.orig_h",
        pub orig_p: Port = "id.orig_p",
        pub resp_h: Option<IpAddr> = "id.resp_h",
        pub resp_p: Port = "id.resp_p",
        pub version: Option<u64> = "version",
        pub auth_success: Option<bool> = "auth_success",
        pub auth_attempts: u64 = "auth_attempts",
        pub direction: Option<Enum> = "direction",
        pub client: Option<ZString> = "client",
        pub server: Option<ZString> = "server",
        pub cipher_alg: Option<ZString> = "cipher_alg",
        pub mac_alg: Option<ZString> = "mac_alg",
        pub compression_alg: Option<ZString> = "compression_alg",
        pub kex_alg: Option<ZString> = "kex_alg",
        pub host_key_alg: Option<ZString> = "host_key_alg",
        pub host_key_fingerprint: Option<ZString> = "host_key_fingerprint",
        pub hassh_version: Option<String> = "hasshVersion" if "hassh",
        pub hassh: Option<String> = "hassh" if "hassh",
        pub hassh_server: Option<String> = "hasshServer" if "hassh",
        pub cshka: Option<ZString> = "cshka" if "hassh",
        pub hassh_algorithms: Option<ZString> = "hasshAlgorithms" if "hassh",
        pub sshka: Option<ZString> = "sshka" if "hassh",
        pub hassh_server_algorithms: Option<ZString> = "hasshServerAlgorithms" if "hassh",
    }
}
