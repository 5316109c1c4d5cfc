//! SSH password guessing, as Zeek's `protocols/ssh/detect-bruteforcing`:
//! failed logins (ssh.log rows with `auth_success = F` for which Zeek
//! raises `ssh_auth_failed`) are counted per client in SumStats epochs of
//! `guessing_timeout`; reaching `password_guesses_limit` raises
//! `SSH::Password_Guessing` with five sampled servers. A guesser that then
//! logs in successfully raises `SSH::Login_By_Password_Guesser` (declared,
//! but never raised, by Zeek's script).

use crate::config::{Builtin, Common, Meta, Setup, Shared, Spec};
use crate::engine::{Ctx, Detection, Observed};
use crate::notice::{ConnRef, Notices, Proto};
use crate::settings::Span;
use crate::state::{Epochs, Table};
use analyzers::ssh::SshRecord;
use analyzers::AppRecord;
use records::Time;
use std::net::IpAddr;

crate::options! {
    /// `[detect.ssh_guessing]`
    pub struct SshGuessingOptions {
        /// Failed logins from one client within an epoch that make it a guesser.
        password_guesses_limit: f64 = 30.0, zeek "SSH::password_guesses_limit";
        /// The epoch failed logins are counted in.
        guessing_timeout: Span = Span::mins(30), zeek "SSH::guessing_timeout";
    }
}

pub static META: Meta = Meta {
    name: "ssh_guessing",
    scripts: &["protocols/ssh/detect-bruteforcing"],
    notes: &["SSH::Password_Guessing", "SSH::Login_By_Password_Guesser"],
    summary: "clients failing SSH logins again and again, and their later successful logins",
};

pub fn spec() -> Box<dyn Spec> {
    Box::new(Builtin {
        meta: &META,
        common: Common::addresses_only(),
        opts: SshGuessingOptions::default(),
        make: |b, shared| Box::new(SshGuessing::new(b, shared)),
    })
}

/// Zeek's SumStats `SAMPLE` reducer keeps this many observations.
const SAMPLES: usize = 5;

/// One client's failed logins in the current epoch.
#[derive(Default)]
struct Failures {
    count: u64,
    sampled_servers: Vec<IpAddr>,
    crossed: bool,
}

struct SshGuessing {
    cfg: Setup<SshGuessingOptions>,
    epochs: Epochs,
    failures: Table<IpAddr, Failures>,
    /// Clients that crossed the limit → their failed logins then.
    guessers: Table<IpAddr, u64>,
}

impl SshGuessing {
    fn new(b: &Builtin<SshGuessingOptions>, shared: &Shared) -> Self {
        let cfg = b.setup(shared);
        SshGuessing {
            epochs: Epochs::new(cfg.opts.guessing_timeout.0),
            failures: Table::new(cfg.max_keys),
            guessers: Table::new(cfg.max_keys),
            cfg,
        }
    }

    fn failed(&mut self, client: IpAddr, server: IpAddr, ts: Time, out: &mut Notices) {
        let f = self.failures.entry(client, ts, Failures::default);
        f.count += 1;
        if f.sampled_servers.len() < SAMPLES {
            f.sampled_servers.push(server);
        }
        if f.crossed || (f.count as f64) < self.cfg.opts.password_guesses_limit {
            return;
        }
        f.crossed = true;
        let sub = f
            .sampled_servers
            .iter()
            .enumerate()
            .fold("Sampled servers: ".to_string(), |acc, (i, s)| {
                format!("{acc}{} {s}", if i == 0 { "" } else { "," })
            });
        let count = f.count;
        let msg =
            format!("{client} appears to be guessing SSH passwords (seen in {count} connections).");
        let mut n = self
            .cfg
            .notice(ts, "SSH::Password_Guessing", msg, client.to_string());
        n.sub = Some(sub);
        n.src = Some(client);
        out.raise(n);
        self.guessers.insert(client, count, ts);
    }

    fn logged_in(&mut self, r: &SshRecord, client: IpAddr, server: IpAddr, out: &mut Notices) {
        let Some(&failed) = self.guessers.get(&client) else {
            return;
        };
        let msg = format!(
            "{client} logged in to {server} after guessing SSH passwords ({failed} failed logins)."
        );
        let id = format!("{client}-{server}");
        let mut n = self
            .cfg
            .notice(r.ts, "SSH::Login_By_Password_Guesser", msg, id);
        n.conn = Some(ConnRef {
            uid: r.uid.clone(),
            orig_h: client,
            orig_p: r.orig_p.0,
            resp_h: server,
            resp_p: r.resp_p.0,
            proto: Proto::Tcp,
        });
        out.raise(n);
    }
}

impl Detection for SshGuessing {
    fn topics(&self) -> &'static [&'static str] {
        &["ssh"]
    }

    fn observe(&mut self, rec: &Observed, cx: &Ctx, out: &mut Notices) {
        let Observed::App(AppRecord::Ssh(r)) = rec else {
            return;
        };
        let (Some(client), Some(server)) = (r.orig_h, r.resp_h) else {
            return;
        };
        if self.cfg.allow.addr(client) || self.cfg.allow.addr(server) {
            return;
        }
        if self.epochs.roll(cx.now) {
            self.failures.clear();
        }
        match r.auth_success {
            // Zeek raises ssh_auth_failed only when both versions were seen.
            Some(false) if r.client.is_some() && r.server.is_some() => {
                self.failed(client, server, r.ts, out)
            }
            Some(true) => self.logged_in(r, client, server, out),
            _ => {}
        }
    }

    fn tick(&mut self, cx: &Ctx, _out: &mut Notices) {
        // A guesser is remembered for an epoch after it last failed.
        let timeout = self.cfg.opts.guessing_timeout.0;
        self.guessers.expire_idle(cx.now, timeout, |_, _| {});
        if self.epochs.roll(cx.now) {
            self.failures.clear();
        }
    }

    fn evicted(&self) -> u64 {
        self.failures.evicted + self.guessers.evicted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detections::testutil::*;
    use crate::settings::Setting;
    use records::Port;

    #[test]
    fn guesser_crosses_the_limit_once_per_incident() {
        let records = (0..100).map(|i| ssh(T0 + i * SEC, "45.33.32.9", "10.0.0.5", false));
        let notices = run("ssh_guessing", |_| {}, records);
        assert_eq!(notices.len(), 1);
        let n = &notices[0];
        assert_eq!(n.note.0, "SSH::Password_Guessing");
        assert_eq!(
            n.msg.as_deref(),
            Some("45.33.32.9 appears to be guessing SSH passwords (seen in 30 connections).")
        );
        assert_eq!(
            n.sub.as_deref(),
            Some("Sampled servers:  10.0.0.5, 10.0.0.5, 10.0.0.5, 10.0.0.5, 10.0.0.5")
        );
        assert_eq!(n.src, Some(ip("45.33.32.9")));
        assert_eq!(n.ts, Time(T0 + 29 * SEC));
    }

    #[test]
    fn redefined_limit_and_benign_clients() {
        let mut records = Vec::new();
        for i in 0..20 {
            records.push(ssh(T0 + i * SEC, "93.184.216.1", "10.0.0.5", false));
            // A user mistyping twice, then logging in.
            if i < 2 {
                records.push(ssh(T0 + i * SEC, "10.0.0.20", "10.0.0.5", false));
            }
            records.push(ssh(T0 + i * SEC, "10.0.0.21", "10.0.0.5", true));
        }
        let notices = run(
            "ssh_guessing",
            |s| set(s, "password_guesses_limit", Setting::Int(10)),
            records,
        );
        assert_eq!(notes(&notices), ["SSH::Password_Guessing"]);
        assert_eq!(srcs(&notices), [ip("93.184.216.1")]);
    }

    #[test]
    fn failures_are_counted_per_epoch() {
        // 20 failures in each of three 30-minute epochs: never 30 in one.
        let records = (0..60).map(|i| ssh(T0 + i * 90 * SEC, "45.33.32.9", "10.0.0.5", false));
        assert!(run("ssh_guessing", |_| {}, records).is_empty());
    }

    #[test]
    fn guesser_logging_in_is_its_own_notice() {
        let mut records: Vec<Observed> = (0..30)
            .map(|i| ssh(T0 + i * SEC, "45.33.32.9", "10.0.0.5", false))
            .collect();
        records.push(ssh(T0 + 40 * SEC, "45.33.32.9", "10.0.0.5", true));
        let notices = run("ssh_guessing", |_| {}, records);
        assert_eq!(
            notes(&notices),
            ["SSH::Password_Guessing", "SSH::Login_By_Password_Guesser"]
        );
        let login = &notices[1];
        assert_eq!(
            login.uid.as_deref(),
            Some(&*format!("S{:x}", T0 + 40 * SEC))
        );
        assert_eq!(
            (login.resp_p, login.dst),
            (Some(Port(22)), Some(ip("10.0.0.5")))
        );
    }

    #[test]
    fn allowlisted_scanner_is_ignored() {
        let records = (0..100).map(|i| ssh(T0 + i * SEC, "45.33.32.9", "10.0.0.5", false));
        let notices = run(
            "ssh_guessing",
            |s| {
                set(
                    s,
                    "allow_networks",
                    Setting::List(vec![Setting::Text("45.33.32.0/24".into())]),
                )
            },
            records,
        );
        assert!(notices.is_empty());
    }
}
