//! Zeek's software framework (`base/frameworks/software`) and the scripts
//! that feed it (`policy/protocols/{http,ssh,smtp,ftp}/software`,
//! `policy/protocols/http/software-browser-plugins`): software.log.
//!
//! Analyzers report what they see with [`found`] (Zeek's
//! `Software::found`): the host, the kind of software and the unparsed
//! version string, filtered by `Software::asset_tracking`. Whether a
//! sighting is logged depends on every sighting of that host before it,
//! whichever connection (and worker) it came from, so that decision is not
//! taken here but by one [`Tracker`] that sees all sightings in capture
//! order (the pipeline's job).

mod parse;
mod track;

#[cfg(test)]
mod tests;

pub use parse::{parse, Description, Version};
pub use track::Tracker;

use crate::record::AppRecord;
use crate::Context;
use records::{Enum, Port, Time, ZString};
use std::net::IpAddr;

/// Zeek's `Software::Type` values the loaded scripts define.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SoftwareType {
    HttpServer,
    HttpAppserver,
    HttpBrowser,
    HttpBrowserPlugin,
    SshServer,
    SshClient,
    FtpClient,
    SmtpMailClient,
    SmtpWebmailServer,
}

impl SoftwareType {
    /// The enum value as software.log writes it.
    pub fn name(self) -> &'static str {
        match self {
            SoftwareType::HttpServer => "HTTP::SERVER",
            SoftwareType::HttpAppserver => "HTTP::APPSERVER",
            SoftwareType::HttpBrowser => "HTTP::BROWSER",
            SoftwareType::HttpBrowserPlugin => "HTTP::BROWSER_PLUGIN",
            SoftwareType::SshServer => "SSH::SERVER",
            SoftwareType::SshClient => "SSH::CLIENT",
            SoftwareType::FtpClient => "FTP::CLIENT",
            SoftwareType::SmtpMailClient => "SMTP::MAIL_CLIENT",
            SoftwareType::SmtpWebmailServer => "SMTP::WEBMAIL_SERVER",
        }
    }
}

/// Zeek's `Host` choices (`LOCAL_HOSTS`, ...), as used by
/// `Software::asset_tracking`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Hosts {
    #[default]
    Local,
    Remote,
    All,
    None,
}

impl Hosts {
    /// The value of a Zeek enum name (`ALL_HOSTS`, `Site::...` prefixes
    /// are not used for these).
    pub fn from_name(name: &str) -> Option<Hosts> {
        match name.rsplit("::").next()? {
            "LOCAL_HOSTS" => Some(Hosts::Local),
            "REMOTE_HOSTS" => Some(Hosts::Remote),
            "ALL_HOSTS" => Some(Hosts::All),
            "NO_HOSTS" => Some(Hosts::None),
            _ => None,
        }
    }

    /// `addr_matches_host`, given whether the address is local.
    pub fn matches(self, local: bool) -> bool {
        match self {
            Hosts::Local => local,
            Hosts::Remote => !local,
            Hosts::All => true,
            Hosts::None => false,
        }
    }
}

/// Which software scripts are loaded and their options.
#[derive(Debug, Clone, Default)]
pub struct SoftwareConfig {
    /// `policy/protocols/http/software`.
    pub http: bool,
    /// `policy/protocols/http/software-browser-plugins`.
    pub http_plugins: bool,
    /// `policy/protocols/ssh/software`.
    pub ssh: bool,
    /// `policy/protocols/ftp/software`.
    pub ftp: bool,
    /// `policy/protocols/smtp/software` (also smtp.log's `is_webmail`).
    pub smtp: bool,
    /// `Software::asset_tracking`.
    pub asset_tracking: Hosts,
    /// `SMTP::detect_clients_in_messages_from`.
    pub smtp_clients_from: Hosts,
}

impl SoftwareConfig {
    /// Whether any script reports software (software.log may be written).
    pub fn any(&self) -> bool {
        self.http || self.http_plugins || self.ssh || self.ftp || self.smtp
    }
}

/// One `Software::found` call that passed asset tracking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    pub ts: Time,
    pub host: IpAddr,
    /// The port, for server software.
    pub host_p: Option<u16>,
    pub kind: SoftwareType,
    pub unparsed: Vec<u8>,
}

/// Zeek's `Software::found`: reports `unparsed` as software of `kind` on
/// `host` if `Software::asset_tracking` covers the host.
pub(crate) fn found(
    cx: &mut Context<'_>,
    kind: SoftwareType,
    host: IpAddr,
    host_p: Option<u16>,
    unparsed: &[u8],
) {
    let tracked = cx.config.software.asset_tracking;
    if !tracked.matches(cx.config.is_local(host)) {
        return;
    }
    cx.emit(AppRecord::Software(Box::new(Sighting {
        ts: cx.now,
        host,
        host_p,
        kind,
        unparsed: unparsed.to_vec(),
    })));
}

records::record! {
    /// One software.log row (Zeek's `Software::Info`).
    #[derive(Debug, Clone, PartialEq)]
    pub struct SoftwareRecord : "software" {
        pub ts: Time = "ts",
        pub host: IpAddr = "host",
        pub host_p: Option<Port> = "host_p",
        pub software_type: Enum = "software_type",
        pub name: Option<ZString> = "name",
        pub major: Option<u64> = "version.major",
        pub minor: Option<u64> = "version.minor",
        pub minor2: Option<u64> = "version.minor2",
        pub minor3: Option<u64> = "version.minor3",
        pub addl: Option<ZString> = "version.addl",
        pub unparsed_version: Option<ZString> = "unparsed_version",
    }
}

impl SoftwareRecord {
    fn new(s: Sighting, d: Description) -> Self {
        let v = d.version;
        SoftwareRecord {
            ts: s.ts,
            host: s.host,
            host_p: s.host_p.map(Port),
            software_type: Enum(s.kind.name()),
            name: Some(ZString(d.name)),
            major: v.major,
            minor: v.minor,
            minor2: v.minor2,
            minor3: v.minor3,
            addl: v.addl.map(ZString),
            unparsed_version: Some(ZString(s.unparsed)),
        }
    }
}
