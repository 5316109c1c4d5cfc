use records::{Enum, Interval, Port, Set, Time, ZString};
use std::net::IpAddr;

records::record! {
    /// One dns.log row (Zeek's `DNS::Info`).
    #[derive(Debug, Clone, Default)]
    pub struct DnsRecord : "dns" {
        pub ts: Time = "ts",
        pub uid: String = "uid",
        pub orig_h: Option<IpAddr> = "id.orig_h",
        pub orig_p: Port = "id.orig_p",
        pub resp_h: Option<IpAddr> = "id.resp_h",
        pub resp_p: Port = "id.resp_p",
        pub proto: Enum = "proto",
        pub trans_id: Option<u64> = "trans_id",
        pub rtt: Option<Interval> = "rtt",
        pub query: Option<ZString> = "query",
        pub qclass: Option<u64> = "qclass",
        pub qclass_name: Option<String> = "qclass_name",
        pub qtype: Option<u64> = "qtype",
        pub qtype_name: Option<String> = "qtype_name",
        pub rcode: Option<u64> = "rcode",
        pub rcode_name: Option<String> = "rcode_name",
        pub aa: bool = "AA",
        pub tc: bool = "TC",
        pub rd: bool = "RD",
        pub ra: bool = "RA",
        pub z: u64 = "Z",
        pub answers: Option<Vec<ZString>> = "answers",
        pub ttls: Option<Vec<Interval>> = "TTLs",
        pub rejected: bool = "rejected",
        pub opcode: Option<u64> = "opcode",
        pub opcode_name: Option<String> = "opcode_name",
        pub auth: Option<Set<ZString>> = "auth" if "dns-auth-addl",
        pub addl: Option<Set<ZString>> = "addl" if "dns-auth-addl",
        pub original_query: Option<ZString> = "original_query" if "dns-original-query",
    }
}
