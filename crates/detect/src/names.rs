//! Which name a server address was reached by: learned from DNS answers,
//! HTTP `Host` headers and TLS SNI, so detections over conn.log can apply
//! domain allowlists and name the server in their messages.

use crate::domain::normalize;
use crate::engine::Observed;
use crate::state::Table;
use analyzers::AppRecord;
use records::{Time, ZString};
use std::net::IpAddr;

/// Most addresses remembered.
const MAX_NAMES: usize = 200_000;

/// Address → the latest name it was reached by.
pub struct NameCache {
    names: Table<IpAddr, Box<str>>,
}

impl Default for NameCache {
    fn default() -> Self {
        NameCache {
            names: Table::new(MAX_NAMES),
        }
    }
}

fn text(z: &ZString) -> Option<String> {
    let s = std::str::from_utf8(&z.0).ok()?.trim();
    (!s.is_empty()).then(|| normalize(s).into_owned())
}

impl NameCache {
    /// The logs names are learned from.
    pub const TOPICS: [&'static str; 3] = ["dns", "http", "ssl"];

    pub fn get(&self, ip: IpAddr) -> Option<&str> {
        self.names.get(&ip).map(|n| &**n)
    }

    pub fn evicted(&self) -> u64 {
        self.names.evicted
    }

    pub fn learn(&mut self, rec: &Observed, now: Time) {
        let Observed::App(app) = rec else { return };
        match app {
            AppRecord::Dns(d) => {
                let addrs = d
                    .answers
                    .iter()
                    .flatten()
                    .filter_map(|a| std::str::from_utf8(&a.0).ok()?.parse::<IpAddr>().ok());
                let mut name = None;
                for ip in addrs {
                    let Some(n) = name.get_or_insert_with(|| d.query.as_ref().and_then(text))
                    else {
                        return;
                    };
                    self.names.insert(ip, n.as_str().into(), now);
                }
            }
            AppRecord::Http(h) => {
                if let (Some(ip), Some(host)) = (h.resp_h, h.host.as_ref().and_then(text)) {
                    // A Host header may carry a port.
                    let host = host.rsplit_once(':').map_or(host.as_str(), |(h, _)| h);
                    self.remember(ip, host, now);
                }
            }
            AppRecord::Ssl(s) => {
                if let (Some(ip), Some(sni)) = (s.resp_h, s.server_name.as_ref().and_then(text)) {
                    self.remember(ip, &sni, now);
                }
            }
            _ => {}
        }
    }

    fn remember(&mut self, ip: IpAddr, name: &str, now: Time) {
        if self.get(ip) != Some(name) {
            self.names.insert(ip, name.into(), now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use analyzers::dns::DnsRecord;

    #[test]
    fn dns_answers_name_their_addresses() {
        let dns = DnsRecord {
            query: Some(ZString(b"Update.Example.COM".to_vec())),
            answers: Some(vec![
                ZString(b"cdn.example.net".to_vec()),
                ZString(b"192.0.2.9".to_vec()),
            ]),
            ..Default::default()
        };
        let mut names = NameCache::default();
        names.learn(&Observed::App(AppRecord::Dns(Box::new(dns))), Time(1));
        assert_eq!(
            names.get("192.0.2.9".parse().unwrap()),
            Some("update.example.com")
        );
        assert_eq!(names.get("192.0.2.10".parse().unwrap()), None);
    }
}
