//! SQL injection attackers and victims, as Zeek's
//! `protocols/http/detect-sql-injection`: the HTTP analyzer tags requests
//! whose URI looks like SQL injection `HTTP::URI_SQLI`; a client sending
//! `sqli_requests_threshold` of them within a SumStats epoch of
//! `sqli_requests_interval` raises `HTTP::SQL_Injection_Attacker`, a server
//! receiving that many `HTTP::SQL_Injection_Victim` (each naming the other
//! end and the connection of the first such request).

use crate::config::{Builtin, Common, Meta, Setup, Shared, Spec};
use crate::engine::{Ctx, Detection, Observed};
use crate::notice::Notices;
use crate::settings::Span;
use crate::state::{Epochs, Table};
use analyzers::http::HttpRecord;
use analyzers::AppRecord;
use std::net::IpAddr;

crate::options! {
    /// `[detect.sql_injection]`
    pub struct SqlInjectionOptions {
        /// Tagged requests from a client (or to a server) within an epoch that raise the notice.
        sqli_requests_threshold: f64 = 50.0, zeek "HTTP::sqli_requests_threshold";
        /// The epoch they are counted in.
        sqli_requests_interval: Span = Span::mins(5), zeek "HTTP::sqli_requests_interval";
    }
}

pub static META: Meta = Meta {
    name: "sql_injection",
    scripts: &[
        "protocols/http/detect-sql-injection",
        "protocols/http/detect-sqli",
    ],
    notes: &["HTTP::SQL_Injection_Attacker", "HTTP::SQL_Injection_Victim"],
    summary: "clients sending, and servers receiving, many SQL injection requests",
};

pub fn spec() -> Box<dyn Spec> {
    Box::new(Builtin {
        meta: &META,
        common: Common::addresses_only(),
        opts: SqlInjectionOptions::default(),
        make: |b, shared| Box::new(SqlInjection::new(b, shared)),
    })
}

/// One host's tagged requests in the epoch, and the first one's other end
/// and connection (SumStats' one sample).
struct Tally {
    count: u64,
    peer: IpAddr,
    uid: String,
    crossed: bool,
}

/// Which end of the requests a tally counts.
#[derive(Clone, Copy)]
enum Role {
    Attacker,
    Victim,
}

struct SqlInjection {
    cfg: Setup<SqlInjectionOptions>,
    epochs: Epochs,
    attackers: Table<IpAddr, Tally>,
    victims: Table<IpAddr, Tally>,
}

impl SqlInjection {
    fn new(b: &Builtin<SqlInjectionOptions>, shared: &Shared) -> Self {
        let cfg = b.setup(shared);
        SqlInjection {
            epochs: Epochs::new(cfg.opts.sqli_requests_interval.0),
            attackers: Table::new(cfg.max_keys),
            victims: Table::new(cfg.max_keys),
            cfg,
        }
    }

    fn count(&mut self, r: &HttpRecord, role: Role, host: IpAddr, peer: IpAddr, out: &mut Notices) {
        let table = match role {
            Role::Attacker => &mut self.attackers,
            Role::Victim => &mut self.victims,
        };
        let t = table.entry(host, r.ts, || Tally {
            count: 0,
            peer,
            uid: r.uid.clone(),
            crossed: false,
        });
        t.count += 1;
        if t.crossed || (t.count as f64) < self.cfg.opts.sqli_requests_threshold {
            return;
        }
        t.crossed = true;
        let (note, msg, src, dst) = match role {
            Role::Attacker => (
                "HTTP::SQL_Injection_Attacker",
                "An SQL injection attacker was discovered!",
                host,
                t.peer,
            ),
            Role::Victim => (
                "HTTP::SQL_Injection_Victim",
                "An SQL injection victim was discovered!",
                t.peer,
                host,
            ),
        };
        let mut n = self.cfg.notice(r.ts, note, msg.into(), host.to_string());
        n.uid = Some(t.uid.clone());
        n.src = Some(src);
        n.dst = Some(dst);
        out.raise(n);
    }
}

impl Detection for SqlInjection {
    fn topics(&self) -> &'static [&'static str] {
        &["http"]
    }

    fn observe(&mut self, rec: &Observed, cx: &Ctx, out: &mut Notices) {
        let Observed::App(AppRecord::Http(r)) = rec else {
            return;
        };
        if !r.tags.0.iter().any(|t| t.0 == "HTTP::URI_SQLI") {
            return;
        }
        let (Some(client), Some(server)) = (r.orig_h, r.resp_h) else {
            return;
        };
        if self.cfg.allow.addr(client) || self.cfg.allow.addr(server) {
            return;
        }
        if self.epochs.roll(cx.now) {
            self.attackers.clear();
            self.victims.clear();
        }
        self.count(r, Role::Attacker, client, server, out);
        self.count(r, Role::Victim, server, client, out);
    }

    fn tick(&mut self, cx: &Ctx, _out: &mut Notices) {
        if self.epochs.roll(cx.now) {
            self.attackers.clear();
            self.victims.clear();
        }
    }

    fn evicted(&self) -> u64 {
        self.attackers.evicted + self.victims.evicted
    }
}

#[cfg(test)]
mod tests {
    use crate::detections::testutil::*;
    use crate::engine::Observed;
    use analyzers::http::HttpRecord;
    use analyzers::AppRecord;
    use records::{Enum, Set, Time};

    fn request(ts: i64, client: &str, server: &str, tagged: bool) -> Observed {
        let tags = if tagged {
            vec![Enum("HTTP::URI_SQLI")]
        } else {
            Vec::new()
        };
        app(AppRecord::Http(Box::new(HttpRecord {
            ts: Time(ts),
            uid: format!("H{ts:x}"),
            orig_h: Some(ip(client)),
            resp_h: Some(ip(server)),
            tags: Set(tags),
            ..Default::default()
        })))
    }

    #[test]
    fn attacker_and_victim_once_the_threshold_is_reached() {
        let mut records: Vec<Observed> = (0..60)
            .map(|i| request(T0 + i * SEC, "45.33.32.9", "10.0.0.80", true))
            .collect();
        records.extend((0..200).map(|i| request(T0 + i * SEC, "10.0.0.7", "10.0.0.80", false)));
        let n = run("sql_injection", |_| {}, records);
        assert_eq!(
            notes(&n),
            ["HTTP::SQL_Injection_Attacker", "HTTP::SQL_Injection_Victim"]
        );
        for notice in &n {
            assert_eq!(
                (notice.src, notice.dst),
                (Some(ip("45.33.32.9")), Some(ip("10.0.0.80")))
            );
            assert_eq!(notice.uid.as_deref(), Some(format!("H{T0:x}").as_str()));
        }
    }

    #[test]
    fn a_few_tagged_requests_per_epoch_are_not_an_attack() {
        // 40 in each of two epochs.
        let records = (0..80).map(|i| request(T0 + i * 7 * SEC, "45.33.32.9", "10.0.0.80", true));
        assert!(run("sql_injection", |_| {}, records).is_empty());
    }
}
