//! Names outside the site pointing at hosts inside it, as Zeek's
//! `protocols/dns/detect-external-names`: an A or AAAA answer with a local
//! address for a name in none of `Site::local_zones` raises
//! `DNS::External_Name` (a sign of DNS rebinding, or of a name an outsider
//! controls naming an inside host). Nothing is raised while no local zones
//! are set; mDNS (224.0.0.251 and ff02::fb, port 5353) is Zeek's default
//! exception.

use crate::config::{Builtin, Common, Meta, Setup, Shared, Spec};
use crate::detections::DnsQuestion;
use crate::domain::DomainSet;
use crate::engine::{Ctx, Detection, Observed};
use crate::notice::{ConnRef, Notices, Proto};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

crate::options! {
    /// `[detect.external_names]`
    pub struct ExternalNamesOptions {
        /// The site's own DNS zones (names in them may point anywhere).
        local_zones: Vec<String> = Vec::new(), zeek "Site::local_zones";
    }
}

pub static META: Meta = Meta {
    name: "external_names",
    scripts: &["protocols/dns/detect-external-names"],
    notes: &["DNS::External_Name"],
    summary: "outside names resolving to inside addresses (needs local_zones)",
};

pub fn spec() -> Box<dyn Spec> {
    Box::new(Builtin {
        meta: &META,
        common: Common::addresses_only(),
        opts: ExternalNamesOptions::default(),
        make: |b, shared| Box::new(ExternalNames::new(b, shared)),
    })
}

const MDNS_PORT: u16 = 5353;
const MDNS_V4: IpAddr = IpAddr::V4(Ipv4Addr::new(224, 0, 0, 251));
const MDNS_V6: IpAddr = IpAddr::V6(Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0xfb));

struct ExternalNames {
    cfg: Setup<ExternalNamesOptions>,
    zones: DomainSet,
}

impl ExternalNames {
    fn new(b: &Builtin<ExternalNamesOptions>, shared: &Shared) -> Self {
        let cfg = b.setup(shared);
        let zones = DomainSet::new(cfg.opts.local_zones.iter().map(String::as_str));
        ExternalNames { cfg, zones }
    }
}

impl Detection for ExternalNames {
    fn topics(&self) -> &'static [&'static str] {
        &["dns"]
    }

    fn observe(&mut self, rec: &Observed, cx: &Ctx, out: &mut Notices) {
        if self.zones.is_empty() {
            return;
        }
        let Some(DnsQuestion { r, src, query }) = DnsQuestion::of(rec, &self.cfg.allow) else {
            return;
        };
        let Some(server) = r.resp_h else { return };
        if r.resp_p.0 == MDNS_PORT && (server == MDNS_V4 || server == MDNS_V6) {
            return;
        }
        if self.zones.matches(&query) {
            return;
        }
        let addrs = r
            .answers
            .iter()
            .flatten()
            .filter_map(|a| std::str::from_utf8(&a.0).ok()?.parse::<IpAddr>().ok());
        for a in addrs.filter(|a| cx.is_local(*a)) {
            let msg = format!("{query} is pointing to a local host - {a}.");
            let mut n = self
                .cfg
                .notice(r.ts, "DNS::External_Name", msg, format!("{a}{query}"));
            n.conn = Some(ConnRef {
                uid: r.uid.clone(),
                orig_h: src,
                orig_p: r.orig_p.0,
                resp_h: server,
                resp_p: r.resp_p.0,
                proto: if r.proto.0 == "tcp" {
                    Proto::Tcp
                } else {
                    Proto::Udp
                },
            });
            out.raise(n);
        }
    }

    fn evicted(&self) -> u64 {
        0
    }
}

#[cfg(test)]
mod tests {
    use crate::detections::testutil::*;
    use crate::settings::Setting;

    fn zones(s: &mut dyn crate::config::Spec) {
        set(
            s,
            "local_zones",
            Setting::List(vec![Setting::Text("corp.example".into())]),
        );
    }

    #[test]
    fn outside_name_pointing_inside_is_reported_once() {
        let records = [
            dns(
                T0,
                "10.0.0.5",
                "10.0.0.53",
                "rebind.attacker.example",
                Some("10.0.0.20"),
            ),
            dns(
                T0 + SEC,
                "10.0.0.6",
                "10.0.0.53",
                "rebind.attacker.example",
                Some("10.0.0.20"),
            ),
            dns(
                T0,
                "10.0.0.5",
                "10.0.0.53",
                "intranet.corp.example",
                Some("10.0.0.21"),
            ),
            dns(
                T0,
                "10.0.0.5",
                "10.0.0.53",
                "www.example.org",
                Some("93.184.216.34"),
            ),
        ];
        let n = run("external_names", zones, records);
        assert_eq!(notes(&n), ["DNS::External_Name"]);
        assert_eq!(
            n[0].msg.as_deref(),
            Some("rebind.attacker.example is pointing to a local host - 10.0.0.20.")
        );
        assert_eq!(n[0].src, Some(ip("10.0.0.5")));
    }

    #[test]
    fn nothing_without_local_zones_and_for_mdns() {
        let inside = || {
            dns(
                T0,
                "10.0.0.5",
                "10.0.0.53",
                "x.example.net",
                Some("10.0.0.20"),
            )
        };
        assert!(run("external_names", |_| {}, [inside()]).is_empty());
        let mut mdns = dns(
            T0,
            "10.0.0.5",
            "224.0.0.251",
            "printer.local",
            Some("10.0.0.9"),
        );
        if let crate::engine::Observed::App(analyzers::AppRecord::Dns(r)) = &mut mdns {
            r.resp_p = records::Port(5353);
        }
        assert!(run("external_names", zones, [mdns]).is_empty());
    }
}
