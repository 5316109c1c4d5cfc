//! Server certificates, as Zeek's `protocols/ssl/validate-certs` and
//! `protocols/ssl/expiring-certs` judge them when a TLS session is logged:
//!
//! * `invalid_certs`: `SSL::Invalid_Server_Cert` when ssl.log's
//!   `validation_status` is not `ok` (self-signed, expired, unknown issuer,
//!   ...), one per server, port, certificate and failure.
//! * `expiring_certs`: `SSL::Certificate_Not_Valid_Yet`,
//!   `SSL::Certificate_Expired` and `SSL::Certificate_Expires_Soon` (within
//!   `notify_when_cert_expiring_in`) for servers of the
//!   `notify_certs_expiration` hosts, suppressed for a day per server, port
//!   and certificate.
//!
//! Both read the server's certificate from the x509.log row with the
//! fingerprint that heads ssl.log's `cert_chain_fps`.

use crate::config::{Builtin, Common, Meta, Setup, Shared, Spec};
use crate::engine::{Ctx, Detection, Observed};
use crate::notice::{ConnRef, Notices, Proto};
use crate::settings::{FromSetting, Setting, Span};
use crate::state::Table;
use analyzers::ssl::SslRecord;
use analyzers::x509::X509Record;
use analyzers::AppRecord;
use std::net::IpAddr;

const NS: i64 = 1_000_000_000;

/// Which servers a detection cares about: Zeek's `Host` choices for
/// `addr_matches_host`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hosts {
    Local,
    Remote,
    All,
    None,
}

impl Hosts {
    fn matches(self, ip: IpAddr, cx: &Ctx) -> bool {
        match self {
            Hosts::Local => cx.is_local(ip),
            Hosts::Remote => !cx.is_local(ip),
            Hosts::All => true,
            Hosts::None => false,
        }
    }
}

impl FromSetting for Hosts {
    fn from_setting(s: &Setting) -> Result<Self, String> {
        let text = String::from_setting(s)?;
        match text.trim_start_matches("Site::") {
            "LOCAL_HOSTS" => Ok(Hosts::Local),
            "REMOTE_HOSTS" => Ok(Hosts::Remote),
            "ALL_HOSTS" => Ok(Hosts::All),
            "NO_HOSTS" => Ok(Hosts::None),
            other => Err(format!(
                "\"{other}\" is not one of LOCAL_HOSTS, REMOTE_HOSTS, ALL_HOSTS, NO_HOSTS"
            )),
        }
    }
}

crate::options! {
    /// `[detect.invalid_certs]`
    pub struct InvalidCertsOptions {
    }
}

crate::options! {
    /// `[detect.expiring_certs]`
    pub struct ExpiringCertsOptions {
        /// Servers whose certificates are checked: LOCAL_HOSTS, REMOTE_HOSTS, ALL_HOSTS or NO_HOSTS.
        notify_certs_expiration: Hosts = Hosts::Local, zeek "SSL::notify_certs_expiration";
        /// How long before its end a certificate counts as expiring soon.
        notify_when_cert_expiring_in: Span = Span::hours(30 * 24), zeek "SSL::notify_when_cert_expiring_in";
    }
}

pub static INVALID_META: Meta = Meta {
    name: "invalid_certs",
    scripts: &["protocols/ssl/validate-certs"],
    notes: &["SSL::Invalid_Server_Cert"],
    summary: "server certificates that fail validation (self-signed, expired, unknown issuer)",
};

pub static EXPIRING_META: Meta = Meta {
    name: "expiring_certs",
    scripts: &["protocols/ssl/expiring-certs"],
    notes: &[
        "SSL::Certificate_Expired",
        "SSL::Certificate_Expires_Soon",
        "SSL::Certificate_Not_Valid_Yet",
    ],
    summary: "server certificates that expired, expire within 30 days or are not valid yet",
};

pub fn invalid_spec() -> Box<dyn Spec> {
    Box::new(Builtin {
        meta: &INVALID_META,
        common: Common::addresses_only(),
        opts: InvalidCertsOptions::default(),
        make: CertCheck::build,
    })
}

pub fn expiring_spec() -> Box<dyn Spec> {
    Box::new(Builtin {
        meta: &EXPIRING_META,
        common: Common {
            suppress_for: Some(Span::hours(24)),
            ..Common::addresses_only()
        },
        opts: ExpiringCertsOptions::default(),
        make: CertCheck::build,
    })
}

/// What the checks read of a server certificate (x509.log keeps much
/// more).
struct Leaf {
    subject: String,
    /// Seconds since the epoch.
    not_valid_before: i64,
    not_valid_after: i64,
}

impl Leaf {
    fn of(x: &X509Record) -> Leaf {
        Leaf {
            subject: x.subject.clone(),
            not_valid_before: x.not_valid_before.0,
            not_valid_after: x.not_valid_after.0,
        }
    }
}

/// A finding about one session's server certificate.
struct Finding {
    note: &'static str,
    msg: String,
    sub: Option<String>,
    /// What, besides the server, port and certificate, makes it another
    /// incident.
    detail: String,
}

/// One judgement of a session and its server certificate (the options of
/// the detection that makes it).
trait CertRule: Clone + Send + Sync + 'static {
    fn judge(&self, ssl: &SslRecord, leaf: &Leaf, cx: &Ctx) -> Option<Finding>;
}

impl CertRule for InvalidCertsOptions {
    // Zeek validates every session that presented certificates, when the
    // session ends, established or not.
    fn judge(&self, ssl: &SslRecord, leaf: &Leaf, _cx: &Ctx) -> Option<Finding> {
        let status = ssl.validation_status.as_deref()?;
        (status != "ok").then(|| Finding {
            note: "SSL::Invalid_Server_Cert",
            msg: format!("SSL certificate validation failed with ({status})"),
            sub: Some(leaf.subject.clone()),
            detail: format!("-{status}"),
        })
    }
}

impl CertRule for ExpiringCertsOptions {
    fn judge(&self, ssl: &SslRecord, leaf: &Leaf, cx: &Ctx) -> Option<Finding> {
        let server = ssl.resp_h?;
        if !ssl.established || !self.notify_certs_expiration.matches(server, cx) {
            return None;
        }
        let now = ssl.ts.0;
        let (before, after) = (leaf.not_valid_before, leaf.not_valid_after);
        let subject = &leaf.subject;
        let (note, msg) = if before.saturating_mul(NS) > now {
            let msg = format!(
                "Certificate {subject} isn't valid until {}",
                zeek_time(before)
            );
            ("SSL::Certificate_Not_Valid_Yet", msg)
        } else if after.saturating_mul(NS) < now {
            let msg = format!("Certificate {subject} expired at {}", zeek_time(after));
            ("SSL::Certificate_Expired", msg)
        } else if after
            .saturating_mul(NS)
            .saturating_sub(self.notify_when_cert_expiring_in.0)
            < now
        {
            let msg = format!(
                "Certificate {subject} is going to expire at {}",
                zeek_time(after)
            );
            ("SSL::Certificate_Expires_Soon", msg)
        } else {
            return None;
        };
        Some(Finding {
            note,
            msg,
            sub: None,
            detail: String::new(),
        })
    }
}

/// Zeek's `%T`: `2014-03-04-23:59:59.000000000` (UTC).
fn zeek_time(secs: i64) -> String {
    let (y, mo, d, h, mi, s) = records::num::utc_parts(secs);
    format!("{y:04}-{mo:02}-{d:02}-{h:02}:{mi:02}:{s:02}.000000000")
}

/// Certificates remembered by fingerprint: x509.log rows arrive before the
/// ssl.log row of their session.
const MAX_CERTS: usize = 50_000;

/// A check of each logged TLS session's server certificate.
struct CertCheck<R> {
    cfg: Setup<R>,
    certs: Table<String, Leaf>,
}

impl<R: CertRule> CertCheck<R> {
    fn build(b: &Builtin<R>, shared: &Shared) -> Box<dyn Detection> {
        let cfg = b.setup(shared);
        let certs = Table::new(MAX_CERTS.min(cfg.max_keys.max(1)));
        Box::new(CertCheck { cfg, certs })
    }

    fn session(&mut self, ssl: &SslRecord, cx: &Ctx, out: &mut Notices) {
        let Some(fp) = ssl.cert_chain_fps.as_ref().and_then(|c| c.first()) else {
            return;
        };
        let (Some(orig_h), Some(resp_h)) = (ssl.orig_h, ssl.resp_h) else {
            return;
        };
        if self.cfg.allow.addr(orig_h) || self.cfg.allow.addr(resp_h) {
            return;
        }
        let Some(leaf) = self.certs.get(fp) else {
            return;
        };
        let Some(f) = self.cfg.opts.judge(ssl, leaf, cx) else {
            return;
        };
        let id = format!("{resp_h}-{}-{fp}{}", ssl.resp_p.0, f.detail);
        let mut n = self.cfg.notice(ssl.ts, f.note, f.msg, id);
        n.sub = f.sub;
        let dtls = ssl
            .version
            .as_deref()
            .is_some_and(|v| v.starts_with("DTLS"));
        n.conn = Some(ConnRef {
            uid: ssl.uid.clone(),
            orig_h,
            orig_p: ssl.orig_p.0,
            resp_h,
            resp_p: ssl.resp_p.0,
            proto: if dtls { Proto::Udp } else { Proto::Tcp },
        });
        out.raise(n);
    }
}

impl<R: CertRule> Detection for CertCheck<R> {
    fn topics(&self) -> &'static [&'static str] {
        &["x509", "ssl"]
    }

    fn observe(&mut self, rec: &Observed, cx: &Ctx, out: &mut Notices) {
        match rec {
            Observed::App(AppRecord::X509(x)) if self.certs.get(&x.fingerprint).is_none() => {
                self.certs.insert(x.fingerprint.clone(), Leaf::of(x), x.ts);
            }
            Observed::App(AppRecord::Ssl(s)) => self.session(s, cx, out),
            _ => {}
        }
    }

    fn evicted(&self) -> u64 {
        self.certs.evicted
    }
}

#[cfg(test)]
mod tests {
    use crate::detections::testutil::*;
    use crate::settings::Setting;

    /// 2023-11-14T22:13:20Z, the tests' network time.
    const NOW: i64 = T0 / SEC;
    const DAY: i64 = 86_400;

    #[test]
    fn failed_validation_is_one_notice_per_server_and_certificate() {
        let records = [
            x509(T0, "fp-self", "CN=self.example", NOW - DAY, NOW + 300 * DAY),
            x509(T0, "fp-good", "CN=good.example", NOW - DAY, NOW + 300 * DAY),
            tls_session(
                T0,
                "10.0.0.5",
                "203.0.113.9",
                "fp-self",
                "self signed certificate",
            ),
            tls_session(
                T0 + SEC,
                "10.0.0.6",
                "203.0.113.9",
                "fp-self",
                "self signed certificate",
            ),
            tls_session(T0 + SEC, "10.0.0.6", "198.51.100.7", "fp-good", "ok"),
            tls_session(
                T0 + SEC,
                "10.0.0.6",
                "198.51.100.8",
                "fp-unseen",
                "unable to get local issuer certificate",
            ),
        ];
        let n = run("invalid_certs", |_| {}, records);
        assert_eq!(notes(&n), ["SSL::Invalid_Server_Cert"]);
        assert_eq!(
            n[0].msg.as_deref(),
            Some("SSL certificate validation failed with (self signed certificate)")
        );
        assert_eq!(n[0].sub.as_deref(), Some("CN=self.example"));
        assert_eq!(
            (n[0].src, n[0].dst),
            (Some(ip("10.0.0.5")), Some(ip("203.0.113.9")))
        );
        assert_eq!(n[0].p.map(|p| p.0), Some(443));
    }

    fn expiry_records() -> Vec<crate::engine::Observed> {
        vec![
            x509(T0, "fp-old", "CN=old.example", NOW - 400 * DAY, NOW - DAY),
            x509(
                T0,
                "fp-soon",
                "CN=soon.example",
                NOW - 300 * DAY,
                NOW + 10 * DAY,
            ),
            x509(
                T0,
                "fp-future",
                "CN=future.example",
                NOW + DAY,
                NOW + 400 * DAY,
            ),
            x509(T0, "fp-fine", "CN=fine.example", NOW - DAY, NOW + 100 * DAY),
            tls_session(T0, "10.0.0.5", "93.184.216.1", "fp-old", "ok"),
            tls_session(T0, "10.0.0.5", "93.184.216.2", "fp-soon", "ok"),
            tls_session(T0, "10.0.0.5", "10.0.0.3", "fp-future", "ok"),
            tls_session(T0, "10.0.0.5", "93.184.216.4", "fp-fine", "ok"),
            tls_session(T0 + SEC, "10.0.0.7", "93.184.216.1", "fp-old", "ok"),
        ]
    }

    #[test]
    fn expired_expiring_and_future_certificates() {
        let all = |s: &mut dyn crate::config::Spec| {
            set(
                s,
                "notify_certs_expiration",
                Setting::Text("ALL_HOSTS".into()),
            )
        };
        let n = run("expiring_certs", all, expiry_records());
        assert_eq!(
            notes(&n),
            [
                "SSL::Certificate_Expired",
                "SSL::Certificate_Expires_Soon",
                "SSL::Certificate_Not_Valid_Yet"
            ]
        );
        assert_eq!(
            n[0].msg.as_deref(),
            Some("Certificate CN=old.example expired at 2023-11-13-22:13:20.000000000")
        );
        assert_eq!(
            n[1].msg.as_deref(),
            Some("Certificate CN=soon.example is going to expire at 2023-11-24-22:13:20.000000000")
        );
        assert_eq!(
            n[2].msg.as_deref(),
            Some("Certificate CN=future.example isn't valid until 2023-11-15-22:13:20.000000000")
        );
        assert_eq!(n[0].suppress_for.map(|s| s.0), Some(DAY * SEC));
    }

    #[test]
    fn zeek_s_default_checks_only_local_servers() {
        let n = run("expiring_certs", |_| {}, expiry_records());
        assert_eq!(notes(&n), ["SSL::Certificate_Not_Valid_Yet"]);
        let shrike = crate::Plan::new(true);
        let mut zeek = crate::Plan::new(false);
        assert!(zeek.load("protocols/ssl/expiring-certs"));
        assert_eq!(
            (
                shrike.enabled().contains(&"expiring_certs"),
                zeek.enabled().contains(&"expiring_certs")
            ),
            (true, true)
        );
    }

    #[test]
    fn hosts_choices_are_zeek_s() {
        use crate::settings::FromSetting;
        let parse = |t: &str| super::Hosts::from_setting(&Setting::Text(t.into()));
        assert_eq!(parse("REMOTE_HOSTS"), Ok(super::Hosts::Remote));
        assert_eq!(parse("NO_HOSTS"), Ok(super::Hosts::None));
        assert!(parse("SOME_HOSTS").unwrap_err().contains("ALL_HOSTS"));
    }
}
