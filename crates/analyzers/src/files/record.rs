use records::{Interval, Port, Set, Time, ZString};
use std::net::IpAddr;

records::record! {
    /// One files.log row (Zeek's `Files::Info`).
    #[derive(Debug, Clone, Default)]
    pub struct FilesRecord : "files" {
        pub ts: Time = "ts",
        pub fuid: String = "fuid",
        pub uid: Option<String> = "uid",
        pub orig_h: Option<IpAddr> = "id.orig_h",
        pub orig_p: Option<Port> = "id.orig_p",
        pub resp_h: Option<IpAddr> = "id.resp_h",
        pub resp_p: Option<Port> = "id.resp_p",
        pub source: Option<String> = "source",
        pub depth: u64 = "depth",
        pub analyzers: Set<String> = "analyzers",
        pub mime_type: Option<String> = "mime_type",
        pub filename: Option<ZString> = "filename",
        pub duration: Interval = "duration",
        pub local_orig: Option<bool> = "local_orig",
        pub is_orig: Option<bool> = "is_orig",
        pub seen_bytes: u64 = "seen_bytes",
        pub total_bytes: Option<u64> = "total_bytes",
        pub missing_bytes: u64 = "missing_bytes",
        pub overflow_bytes: u64 = "overflow_bytes",
        pub timedout: bool = "timedout",
        pub parent_fuid: Option<String> = "parent_fuid",
        pub md5: Option<String> = "md5" if "file-hashes",
        pub sha1: Option<String> = "sha1" if "file-hashes",
        pub sha256: Option<String> = "sha256" if "file-hashes",
        pub extracted: Option<String> = "extracted" if "file-extract",
        pub extracted_cutoff: Option<bool> = "extracted_cutoff" if "file-extract",
        pub extracted_size: Option<u64> = "extracted_size" if "file-extract",
    }
}
