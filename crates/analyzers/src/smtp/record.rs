use records::{Port, Set, Time, ZString};
use std::net::IpAddr;

records::record! {
    /// One smtp.log row (Zeek's `SMTP::Info`): one mail transaction.
    #[derive(Debug, Clone, Default)]
    pub struct SmtpRecord : "smtp" {
        pub ts: Time = "ts",
        pub uid: String = "uid",
        pub orig_h: Option<IpAddr> = "id.orig_h",
        pub orig_p: Port = "id.orig_p",
        pub resp_h: Option<IpAddr> = "id.resp_h",
        pub resp_p: Port = "id.resp_p",
        pub trans_depth: u64 = "trans_depth",
        pub helo: Option<ZString> = "helo",
        pub mailfrom: Option<ZString> = "mailfrom",
        pub rcptto: Option<Set<ZString>> = "rcptto",
        pub date: Option<ZString> = "date",
        pub from: Option<ZString> = "from",
        pub to: Option<Set<ZString>> = "to",
        pub cc: Option<Set<ZString>> = "cc",
        pub reply_to: Option<ZString> = "reply_to",
        pub msg_id: Option<ZString> = "msg_id",
        pub in_reply_to: Option<ZString> = "in_reply_to",
        pub subject: Option<ZString> = "subject",
        pub x_originating_ip: Option<IpAddr> = "x_originating_ip",
        pub first_received: Option<ZString> = "first_received",
        pub second_received: Option<ZString> = "second_received",
        pub last_reply: Option<ZString> = "last_reply",
        pub path: Option<Vec<IpAddr>> = "path",
        pub user_agent: Option<ZString> = "user_agent",
        pub tls: bool = "tls",
        pub fuids: Vec<String> = "fuids",
        /// policy/protocols/smtp/software's field.
        pub is_webmail: bool = "is_webmail" if "smtp-software",
    }
}
