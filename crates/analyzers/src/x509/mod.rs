//! x509.log: Zeek's X509 file analyzer and `base/files/x509` for the
//! certificates other analyzers hand over (TLS Certificate messages).
//!
//! Each certificate is a file of its own in Zeek; its row is written when
//! the file ends, which for certificates is at once, with the time the
//! certificate arrived. Rows are deduplicated across the whole run
//! ([`KnownCerts`]), and `protocols/ssl/log-hostcerts-only` keeps only the
//! first certificate of each chain. Certificates are not files.log rows
//! (`X509::log_x509_in_files_log` is off by default).

mod known;
mod record;

pub use known::KnownCerts;
pub use record::X509Record;

use crate::record::AppRecord;
use crate::Context;
use records::{EpochSeconds, Interval, ZString};
use x509::{Certificate, Fingerprint, HostNames, LogFields};

/// Zeek's `X509::*` options.
#[derive(Debug, Clone)]
pub struct X509Config {
    /// `X509::relog_known_certificates_after` (0: log every time).
    pub relog_after: Interval,
    /// `protocols/ssl/log-hostcerts-only` is loaded.
    pub host_certs_only: bool,
    /// Certificates logged recently, shared by all workers.
    pub known: KnownCerts,
}

impl Default for X509Config {
    fn default() -> Self {
        X509Config {
            relog_after: Interval(86_400 * 1_000_000_000),
            host_certs_only: false,
            known: KnownCerts::default(),
        }
    }
}

/// What the TLS analyzer keeps of a certificate that parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertSummary {
    /// x509.log's `fingerprint`.
    pub fingerprint: String,
    pub subject: String,
    pub issuer: String,
    /// The names `sni_matches_cert` checks.
    pub host_names: HostNames,
}

/// How a certificate came: its place in the chain and the side that sent it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertOrigin {
    /// The first certificate of its message (Zeek's user-cert MIME type).
    pub host_cert: bool,
    /// Sent by the TLS client.
    pub client_cert: bool,
}

/// Analyse one certificate: weirds, the x509.log row (unless deduplicated
/// or filtered), and what the TLS analyzer keeps. `None` when it does not
/// parse (Zeek: `x509_cert_parse_error`, no row, no fingerprint).
pub(crate) fn certificate(
    cx: &mut Context<'_>,
    der: &[u8],
    origin: CertOrigin,
) -> Option<CertSummary> {
    let parsed = Certificate::parse(der);
    let Some(fields) = parsed.as_ref().and_then(LogFields::of) else {
        file_weird(cx, "x509_cert_parse_error", None);
        return None;
    };
    for (name, addl) in &fields.weirds {
        file_weird(cx, name, addl.clone());
    }
    let fingerprint = Fingerprint::of(der);
    let rec = row(cx, &fields, fingerprint, origin);
    let summary = CertSummary {
        fingerprint: rec.fingerprint.clone(),
        subject: rec.subject.clone(),
        issuer: rec.issuer.clone(),
        host_names: parsed.as_ref().map(HostNames::of).unwrap_or_default(),
    };
    let x509 = &cx.config.x509;
    let wanted = origin.host_cert || !x509.host_certs_only;
    let key = (fingerprint.0, origin.host_cert, origin.client_cert);
    if wanted && x509.known.admit(key, cx.now, x509.relog_after) {
        cx.emit(AppRecord::X509(Box::new(rec)));
    }
    Some(summary)
}

/// A weird about the certificate file (no connection in weird.log; its
/// `addl` starts with the file's id).
fn file_weird(cx: &mut Context<'_>, name: &'static str, addl: Option<String>) {
    let fuid = cx.new_fuid();
    cx.file_weird(name, fuid, addl);
}

fn row(
    cx: &Context<'_>,
    f: &LogFields<'_>,
    fingerprint: Fingerprint,
    origin: CertOrigin,
) -> X509Record {
    let strings = |v: &Option<Vec<&[u8]>>| {
        v.as_ref()
            .map(|v| v.iter().map(|s| ZString(s.to_vec())).collect())
    };
    let san = f.san.as_ref();
    let bc = f.basic_constraints;
    X509Record {
        ts: cx.now,
        fingerprint: fingerprint.to_string(),
        version: f.version,
        serial: f.serial.clone(),
        subject: f.subject.clone(),
        issuer: f.issuer.clone(),
        not_valid_before: EpochSeconds(f.not_valid_before),
        not_valid_after: EpochSeconds(f.not_valid_after),
        key_alg: f.key_alg.clone(),
        sig_alg: f.sig_alg.clone(),
        key_type: f.key.key_type.map(str::to_string),
        key_length: f.key.key_length,
        exponent: f.key.exponent.clone(),
        curve: f.key.curve.map(str::to_string),
        san_dns: san.and_then(|s| strings(&s.dns)),
        san_uri: san.and_then(|s| strings(&s.uri)),
        san_email: san.and_then(|s| strings(&s.email)),
        san_ip: san.and_then(|s| s.ip.clone()),
        ca: bc.map(|b| b.ca),
        path_len: bc.and_then(|b| b.path_len),
        host_cert: origin.host_cert,
        client_cert: origin.client_cert,
    }
}

#[cfg(test)]
pub(crate) mod tests;
