use records::{Port, Time, ZString};
use std::net::IpAddr;

records::record! {
    /// One smb_mapping.log row (Zeek's `SMB::TreeInfo`): a share the
    /// client connected to.
    #[derive(Debug, Clone, Default)]
    pub struct SmbMappingRecord : "smb_mapping" {
        pub ts: Time = "ts",
        pub uid: String = "uid",
        pub orig_h: Option<IpAddr> = "id.orig_h",
        pub orig_p: Port = "id.orig_p",
        pub resp_h: Option<IpAddr> = "id.resp_h",
        pub resp_p: Port = "id.resp_p",
        pub path: Option<ZString> = "path",
        pub service: Option<ZString> = "service",
        pub native_file_system: Option<ZString> = "native_file_system",
        pub share_type: String = "share_type",
    }
}
