use records::{Port, Time, ZString};
use std::net::IpAddr;

records::record! {
    /// One ftp.log row (Zeek's `FTP::Info`): a command and its reply.
    #[derive(Debug, Clone)]
    pub struct FtpRecord : "ftp" {
        pub ts: Time = "ts",
        pub uid: String = "uid",
        pub orig_h: IpAddr = "id.orig_h",
        pub orig_p: Port = "id.orig_p",
        pub resp_h: IpAddr = "id.resp_h",
        pub resp_p: Port = "id.resp_p",
        pub user: ZString = "user",
        pub password: Option<ZString> = "password",
        pub command: String = "command",
        pub arg: Option<ZString> = "arg",
        pub mime_type: Option<String> = "mime_type",
        pub file_size: Option<u64> = "file_size",
        pub reply_code: Option<u64> = "reply_code",
        pub reply_msg: Option<ZString> = "reply_msg",
        pub passive: Option<bool> = "data_channel.passive",
        pub data_orig_h: Option<IpAddr> = "data_channel.orig_h",
        pub data_resp_h: Option<IpAddr> = "data_channel.resp_h",
        pub data_resp_p: Option<Port> = "data_channel.resp_p",
        pub fuid: Option<String> = "fuid",
    }
}
