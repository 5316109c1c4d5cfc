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

fn common() -> Common {
    Common {
        default_allowlist: false,
        ..Common::default()
    }
}

pub fn invalid_spec() -> Box<dyn Spec> {
    Box::new(Builtin {
        meta: &INVALID_META,
        common: common(),
        opts: InvalidCertsOptions::default(),
        make: CertCheck::build,
    })
}

pub fn expiring_spec() -> Box<dyn Spec> {
    Box::new(Builtin {
        meta: &EXPIRING_META,
        common: Common {
            suppress_for: Some(Span::hours(24)),
            ..common()
        },
        opts: ExpiringCertsOptions::default(),
        make: CertCheck::build,
    })
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
    fn judge(&self, ssl: &SslRecord, leaf: &X509Record, cx: &Ctx) -> Option<Finding>;
}

impl CertRule for InvalidCertsOptions {
    // Zeek validates every session that presented certificates, when the
    // session ends, established or not.
    fn judge(&self, ssl: &SslRecord, leaf: &X509Record, _cx: &Ctx) -> Option<Finding> {
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
    fn judge(&self, ssl: &SslRecord, leaf: &X509Record, cx: &Ctx) -> Option<Finding> {
        let server = ssl.resp_h?;
        if !ssl.established || !self.notify_certs_expiration.matches(server, cx) {
            return None;
        }
        let now = ssl.ts.0;
        let before = leaf.not_valid_before.0;
        let after = leaf.not_valid_after.0;
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
    certs: Table<String, X509Record>,
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
                self.certs
                    .insert(x.fingerprint.clone(), (**x).clone(), x.ts);
            }
            Observed::App(AppRecord::Ssl(s)) => self.session(s, cx, out),
            _ => {}
        }
    }

    fn evicted(&self) -> u64 {
        self.certs.evicted
    }
}
