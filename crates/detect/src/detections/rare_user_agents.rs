//! Rare user agents, the playbook's hunt for malware speaking HTTP: a
//! `User-Agent` that only one host sends (`max_hosts`) while at least
//! `min_clients` hosts speak HTTP raises `HTTP::Rare_User_Agent`, once the
//! agent has been around for `observation_window` without others adopting
//! it (or when the run ends). Browsers and updaters are shared by many
//! hosts; an implant's hand-made agent is not. Requests to allowlisted
//! services (update and CDN names) do not count.

use crate::config::{Builtin, Common, Meta, Setup, Shared, Spec};
use crate::engine::{Ctx, Detection, Observed};
use crate::notice::Notices;
use crate::settings::Span;
use crate::state::Table;
use analyzers::http::HttpRecord;
use analyzers::AppRecord;
use foldhash::fast::FixedState;
use hashbrown::HashSet;
use records::Time;
use std::net::IpAddr;

crate::options! {
    /// `[detect.rare_user_agents]`
    pub struct RareUserAgentsOptions {
        /// An agent sent by at most this many hosts is rare.
        max_hosts: u64 = 1;
        /// Hosts that must speak HTTP before rarity means anything.
        min_clients: u64 = 10;
        /// How long an agent is watched, from its first request, before it is judged.
        observation_window: Span = Span::hours(1);
    }
}

pub static META: Meta = Meta {
    name: "rare_user_agents",
    scripts: &["shrike/rare-user-agents"],
    notes: &["HTTP::Rare_User_Agent"],
    summary: "HTTP user agents only one host sends",
};

pub fn spec() -> Box<dyn Spec> {
    Box::new(Builtin {
        meta: &META,
        common: Common::default(),
        opts: RareUserAgentsOptions::default(),
        make: |b, shared| Box::new(RareUserAgents::new(b, shared)),
    })
}

/// Clients remembered for the population count (beyond, it is large
/// enough).
const MAX_CLIENTS: usize = 10_000;

/// One user agent: who sent it and where.
struct Agent {
    hosts: Vec<IpAddr>,
    requests: u64,
    server: Option<String>,
    first_seen: Time,
    judged: bool,
}

struct RareUserAgents {
    cfg: Setup<RareUserAgentsOptions>,
    agents: Table<String, Agent>,
    clients: HashSet<IpAddr, FixedState>,
}

impl RareUserAgents {
    fn new(b: &Builtin<RareUserAgentsOptions>, shared: &Shared) -> Self {
        let cfg = b.setup(shared);
        RareUserAgents {
            agents: Table::new(cfg.max_keys),
            clients: HashSet::default(),
            cfg,
        }
    }

    fn request(&mut self, r: &HttpRecord, src: IpAddr, ua: &str) {
        let host = r.host.as_ref().map(|h| String::from_utf8_lossy(&h.0));
        if host.as_deref().is_some_and(|h| self.cfg.allow.name(h)) {
            return;
        }
        if self.clients.len() < MAX_CLIENTS {
            self.clients.insert(src);
        }
        // Agents are few and seen again and again: no copy of a known one.
        if self.agents.get(ua).is_none() {
            let agent = Agent {
                hosts: Vec::new(),
                requests: 0,
                server: host.map(|h| h.into_owned()),
                first_seen: r.ts,
                judged: false,
            };
            self.agents.insert(ua.to_string(), agent, r.ts);
        }
        let Some(a) = self.agents.get_mut(ua, r.ts) else {
            return;
        };
        a.requests += 1;
        // One more than `max_hosts` is enough to know it is common.
        let max = self.cfg.opts.max_hosts as usize;
        if a.hosts.len() <= max && !a.hosts.contains(&src) {
            a.hosts.push(src);
        }
    }

    /// Judges the agents first seen `age` or more before `now`.
    fn judge(&mut self, now: Time, age: i64, out: &mut Notices) {
        if (self.clients.len() as u64) < self.cfg.opts.min_clients {
            return;
        }
        let max = self.cfg.opts.max_hosts as usize;
        let mut rare = Vec::new();
        self.agents.retain(|ua, a| {
            if !a.judged && now.0.saturating_sub(a.first_seen.0) >= age {
                a.judged = true;
                if a.hosts.len() <= max {
                    rare.push((ua.clone(), a.hosts.clone(), a.requests, a.server.clone()));
                }
            }
            true
        });
        for (ua, hosts, requests, server) in rare {
            let Some(&src) = hosts.first() else { continue };
            let server = server
                .map(|s| format!(", first to {s}"))
                .unwrap_or_default();
            let msg = format!(
                "{src} is the only host sending user agent \"{ua}\" ({requests} requests{server})"
            );
            let mut n = self
                .cfg
                .notice(now, "HTTP::Rare_User_Agent", msg, ua.clone());
            n.src = Some(src);
            n.sub = Some(ua);
            n.n = Some(requests);
            out.raise(n);
        }
    }
}

impl Detection for RareUserAgents {
    fn topics(&self) -> &'static [&'static str] {
        &["http"]
    }

    fn observe(&mut self, rec: &Observed, _cx: &Ctx, _out: &mut Notices) {
        let Observed::App(AppRecord::Http(r)) = rec else {
            return;
        };
        let (Some(src), Some(ua)) = (r.orig_h, r.user_agent.as_ref()) else {
            return;
        };
        if self.cfg.allow.addr(src) || r.resp_h.is_some_and(|h| self.cfg.allow.addr(h)) {
            return;
        }
        let ua = String::from_utf8_lossy(&ua.0);
        let ua = ua.trim();
        if !ua.is_empty() {
            self.request(r, src, ua);
        }
    }

    fn tick(&mut self, cx: &Ctx, out: &mut Notices) {
        self.judge(cx.now, self.cfg.opts.observation_window.0, out);
    }

    fn finish(&mut self, cx: &Ctx, out: &mut Notices) {
        self.judge(cx.now, 0, out);
    }

    fn evicted(&self) -> u64 {
        self.agents.evicted
    }
}

#[cfg(test)]
mod tests {
    use crate::detections::testutil::*;
    use crate::engine::Observed;
    use analyzers::http::HttpRecord;
    use analyzers::AppRecord;
    use records::{Time, ZString};

    fn get(ts: i64, src: &str, host: &str, ua: &str) -> Observed {
        app(AppRecord::Http(Box::new(HttpRecord {
            ts: Time(ts),
            uid: format!("H{ts:x}"),
            orig_h: Some(ip(src)),
            resp_h: Some(ip("93.184.216.34")),
            host: Some(ZString(host.as_bytes().to_vec())),
            user_agent: Some(ZString(ua.as_bytes().to_vec())),
            ..Default::default()
        })))
    }

    const BROWSER: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/128.0";

    fn office(hosts: u64) -> Vec<Observed> {
        (0..hosts)
            .flat_map(|h| {
                let me = format!("10.0.1.{h}");
                (0..5).map(move |k| {
                    get(
                        T0 + (h * 60 + k) as i64 * SEC,
                        &me,
                        "www.example.org",
                        BROWSER,
                    )
                })
            })
            .collect()
    }

    #[test]
    fn an_agent_only_one_host_sends() {
        let mut records = office(12);
        for k in 0..3 {
            records.push(get(
                T0 + k * 600 * SEC,
                "10.0.1.99",
                "update.badcdn.example",
                "Mozilla/4.0 (compatible; MSIE 6.0; Win32) xz",
            ));
        }
        // The same updater on two hosts is shared, not rare.
        records.push(get(
            T0,
            "10.0.1.1",
            "upd.vendor.example",
            "VendorUpdater/2.1",
        ));
        records.push(get(
            T0,
            "10.0.1.2",
            "upd.vendor.example",
            "VendorUpdater/2.1",
        ));
        let n = run("rare_user_agents", |_| {}, records);
        assert_eq!(notes(&n), ["HTTP::Rare_User_Agent"]);
        assert_eq!(n[0].src, Some(ip("10.0.1.99")));
        assert_eq!(
            n[0].msg.as_deref(),
            Some("10.0.1.99 is the only host sending user agent \"Mozilla/4.0 (compatible; MSIE 6.0; Win32) xz\" (3 requests, first to update.badcdn.example)")
        );
    }

    #[test]
    fn a_small_network_says_nothing_about_rarity() {
        let mut records = office(3);
        records.push(get(T0, "10.0.1.99", "x.example", "curl/8.5.0"));
        assert!(run("rare_user_agents", |_| {}, records).is_empty());
    }
}
