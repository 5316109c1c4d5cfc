//! intel.log: one row per intelligence hit (Zeek's `Intel::Info`).

use records::{Enum, Port, Set, Time, ZString};
use std::net::IpAddr;

records::record! {
    /// One intel.log row.
    #[derive(Debug, Clone, Default)]
    pub struct IntelRecord : "intel" {
        pub ts: Time = "ts",
        pub uid: Option<String> = "uid",
        pub orig_h: Option<IpAddr> = "id.orig_h",
        pub orig_p: Option<Port> = "id.orig_p",
        pub resp_h: Option<IpAddr> = "id.resp_h",
        pub resp_p: Option<Port> = "id.resp_p",
        pub indicator: ZString = "seen.indicator",
        pub indicator_type: Enum = "seen.indicator_type",
        pub seen_where: Enum = "seen.where",
        pub node: String = "seen.node",
        pub matched: Set<Enum> = "matched",
        pub sources: Set<String> = "sources",
        pub fuid: Option<String> = "fuid",
        pub file_mime_type: Option<String> = "file_mime_type",
        pub file_desc: Option<String> = "file_desc",
    }
}
