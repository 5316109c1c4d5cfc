//! The records analyzers produce and where they go.

use crate::dns::DnsRecord;
use crate::files::FilesRecord;
use crate::ftp::FtpRecord;
use crate::http::HttpRecord;
use crate::smb::SmbMappingRecord;
use crate::smtp::SmtpRecord;
use crate::ssh::SshRecord;
use crate::ssl::SslRecord;
use crate::websocket::WebsocketRecord;
use crate::x509::X509Record;
use records::{Port, Time};
use std::net::IpAddr;

records::record! {
    /// One analyzer.log row (Zeek's `Analyzer::Logging::Info`): an
    /// analyzer that had confirmed its protocol failed on a violation.
    #[derive(Debug, Clone)]
    pub struct AnalyzerRecord : "analyzer" {
        pub ts: Time = "ts",
        pub analyzer_kind: String = "analyzer_kind",
        pub analyzer_name: String = "analyzer_name",
        pub uid: Option<String> = "uid",
        pub fuid: Option<String> = "fuid",
        pub orig_h: Option<IpAddr> = "id.orig_h",
        pub orig_p: Option<Port> = "id.orig_p",
        pub resp_h: Option<IpAddr> = "id.resp_h",
        pub resp_p: Option<Port> = "id.resp_p",
        pub proto: Option<records::Enum> = "proto",
        pub failure_reason: String = "failure_reason",
        pub failure_data: Option<records::ZString> = "failure_data",
    }
}

/// A weird an analyzer raises about its connection; the flows stage adds
/// the connection's identity and Zeek's per-connection deduplication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppWeird {
    /// The analyzer, as weird.log's `source` (e.g. "DNS", "HTTP"); "" for
    /// weirds Zeek raises from its scripts, which have none.
    pub source: &'static str,
    pub name: &'static str,
    pub addl: Option<String>,
    /// The file it is about (its fuid), for weirds about files.
    pub file: Option<String>,
}

/// A tunnel an analyzer found (HTTP CONNECT), for tunnel.log: Zeek logs
/// it between the two hosts and the responder's port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppTunnel {
    pub ts: Time,
    pub orig_h: IpAddr,
    pub resp_h: IpAddr,
    pub resp_p: u16,
    pub tunnel_type: &'static str,
}

/// A notice an analyzer raises itself, as Zeek scripts do from protocol
/// events (heartbleed): the pipeline passes it through the notice
/// framework's suppression into notice.log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppNotice {
    pub ts: Time,
    pub note: &'static str,
    pub msg: String,
    pub n: Option<u64>,
    /// One incident: later notices with the same note and identifier are
    /// suppressed.
    pub identifier: String,
    pub uid: String,
    pub orig_h: IpAddr,
    pub orig_p: u16,
    pub resp_h: IpAddr,
    pub resp_p: u16,
    /// IP protocol number.
    pub proto: u8,
}

/// Everything the analyzers stage writes.
#[derive(Debug, Clone)]
pub enum AppRecord {
    Dns(Box<DnsRecord>),
    Http(Box<HttpRecord>),
    Ssl(Box<SslRecord>),
    Websocket(Box<WebsocketRecord>),
    X509(Box<X509Record>),
    Smtp(Box<SmtpRecord>),
    Files(Box<FilesRecord>),
    Ssh(Box<SshRecord>),
    Ftp(Box<FtpRecord>),
    SmbMapping(Box<SmbMappingRecord>),
    /// A `Software::found` report; the pipeline decides whether it is a
    /// software.log row.
    Software(Box<crate::software::Sighting>),
    Analyzer(Box<AnalyzerRecord>),
    Weird(AppWeird),
    Tunnel(AppTunnel),
    Notice(Box<AppNotice>),
}

impl AppRecord {
    /// The log a record is a row of (`"dns"` for dns.log); weirds and
    /// tunnels become weird.log and tunnel.log rows in the flows stage.
    pub fn path(&self) -> &'static str {
        use records::Record;
        match self {
            AppRecord::Dns(_) => DnsRecord::PATH,
            AppRecord::Http(_) => HttpRecord::PATH,
            AppRecord::Ssl(_) => SslRecord::PATH,
            AppRecord::Websocket(_) => WebsocketRecord::PATH,
            AppRecord::Smtp(_) => SmtpRecord::PATH,
            AppRecord::Files(_) => FilesRecord::PATH,
            AppRecord::Ssh(_) => SshRecord::PATH,
            AppRecord::Ftp(_) => FtpRecord::PATH,
            AppRecord::SmbMapping(_) => SmbMappingRecord::PATH,
            AppRecord::Analyzer(_) => AnalyzerRecord::PATH,
            AppRecord::X509(_) => X509Record::PATH,
            AppRecord::Software(_) => "software",
            AppRecord::Weird(_) => "weird",
            AppRecord::Tunnel(_) => "tunnel",
            AppRecord::Notice(_) => "notice",
        }
    }

    /// The row's timestamp (none for weirds, which get theirs downstream).
    pub fn ts(&self) -> Option<Time> {
        use records::Record;
        Some(match self {
            AppRecord::Dns(r) => r.ts(),
            AppRecord::Http(r) => r.ts(),
            AppRecord::Ssl(r) => r.ts(),
            AppRecord::Websocket(r) => r.ts(),
            AppRecord::Smtp(r) => r.ts(),
            AppRecord::Files(r) => r.ts(),
            AppRecord::Ssh(r) => r.ts(),
            AppRecord::Ftp(r) => r.ts(),
            AppRecord::SmbMapping(r) => r.ts(),
            AppRecord::Analyzer(r) => r.ts(),
            AppRecord::X509(r) => r.ts(),
            AppRecord::Software(s) => s.ts,
            AppRecord::Tunnel(t) => t.ts,
            AppRecord::Notice(n) => n.ts,
            AppRecord::Weird(_) => return None,
        })
    }
}

/// Where analyzer records go.
pub trait AppSink {
    fn app(&mut self, rec: AppRecord);
}

impl AppSink for Vec<AppRecord> {
    fn app(&mut self, rec: AppRecord) {
        self.push(rec);
    }
}
