//! Where Zeek's `policy/frameworks/intel/seen/*` scripts call
//! `Intel::seen`, read off the typed records: each record yields its
//! sightings (an address or a typed string, the where-location, and the
//! connection or file it was seen in).

use super::{Kind, Parts, Where};
use crate::engine::Observed;
use crate::notice::Proto;
use analyzers::files::FilesRecord;
use analyzers::http::HttpRecord;
use analyzers::smtp::SmtpRecord;
use analyzers::ssh::SshRecord;
use analyzers::ssl::SslRecord;
use analyzers::x509::X509Record;
use analyzers::AppRecord;
use flow::ConnRecord;
use records::{Time, ZString};
use std::net::IpAddr;

/// The connection of a record with Zeek's `uid` and `id.*` columns.
macro_rules! conn_of {
    ($r:expr, $proto:expr) => {
        conn_id(
            &$r.uid,
            $r.orig_h,
            $r.orig_p.0,
            $r.resp_h,
            $r.resp_p.0,
            $proto,
        )
    };
}

/// What was seen.
#[derive(Debug, Clone, Copy)]
pub enum What<'a> {
    Host(IpAddr),
    Text(Kind, &'a [u8]),
}

/// The connection a sighting was in (Zeek's `Seen$conn`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnId<'a> {
    pub uid: &'a str,
    pub orig_h: IpAddr,
    pub orig_p: u16,
    pub resp_h: IpAddr,
    pub resp_p: u16,
    pub proto: Proto,
}

/// The file a sighting was in (Zeek's `Seen$f`).
#[derive(Debug, Clone, Copy)]
pub struct FileId<'a> {
    pub fuid: Option<&'a str>,
    pub mime_type: Option<&'a str>,
    /// `Files::describe`, when known now.
    pub desc: Option<&'a str>,
}

/// What a hit still waits for before it is logged: an HTTP file's
/// description (its request's URL, from http.log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Await<'a> {
    HttpFile(&'a str),
}

/// The circumstances of a record's sightings.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub ts: Time,
    pub conn: Option<ConnId<'a>>,
    pub file: Option<FileId<'a>>,
    pub awaits: Option<Await<'a>>,
}

impl<'a> Context<'a> {
    fn conn(ts: Time, conn: Option<ConnId<'a>>) -> Self {
        Context {
            ts,
            conn,
            file: None,
            awaits: None,
        }
    }
}

pub type Emit<'e> = dyn FnMut(&Context, What, Where) + 'e;

/// Calls `emit` for every sighting of `rec` the loaded scripts make.
pub fn sightings(rec: &Observed, parts: Parts, emit: &mut Emit) {
    match rec {
        Observed::Conn(c) if parts.has(Parts::CONN) => conn(c, emit),
        Observed::App(AppRecord::Dns(d)) if parts.has(Parts::DNS) => {
            let id = conn_of!(d, Proto::Udp);
            if let Some(q) = &d.query {
                let cx = Context::conn(d.ts, id);
                emit(&cx, What::Text(Kind::Domain, &q.0), Where::DNS_REQUEST);
            }
        }
        Observed::App(AppRecord::Http(h)) => http(h, parts, emit),
        Observed::App(AppRecord::Ssl(s)) if parts.has(Parts::SSL) => ssl(s, emit),
        Observed::App(AppRecord::Files(f)) => files(f, parts, emit),
        Observed::App(AppRecord::Smtp(s)) if parts.has(Parts::SMTP) => smtp(s, emit),
        Observed::App(AppRecord::Ssh(s)) if parts.has(Parts::PUBKEY_HASHES) => ssh(s, emit),
        _ => {}
    }
}

fn conn_id(
    uid: &str,
    orig_h: Option<IpAddr>,
    orig_p: u16,
    resp_h: Option<IpAddr>,
    resp_p: u16,
    proto: Proto,
) -> Option<ConnId<'_>> {
    Some(ConnId {
        uid,
        orig_h: orig_h?,
        orig_p,
        resp_h: resp_h?,
        resp_p,
        proto,
    })
}

/// `connection_established` with both ends established: the states
/// conn.log gives a completed handshake.
fn conn(c: &ConnRecord, emit: &mut Emit) {
    let established = matches!(
        c.conn_state,
        Some("S1" | "S2" | "S3" | "SF" | "RSTO" | "RSTR")
    );
    if c.proto.0 != "tcp" || !established {
        return;
    }
    let id = conn_id(
        &c.uid,
        Some(c.orig_h),
        c.orig_p.0,
        Some(c.resp_h),
        c.resp_p.0,
        Proto::Tcp,
    );
    let cx = Context::conn(c.ts, id);
    emit(&cx, What::Host(c.orig_h), Where::CONN_ORIG);
    emit(&cx, What::Host(c.resp_h), Where::CONN_RESP);
}

fn http(h: &HttpRecord, parts: Parts, emit: &mut Emit) {
    let cx = Context::conn(h.ts, conn_of!(h, Proto::Tcp));
    if parts.has(Parts::HTTP_HEADERS) {
        if let Some(host) = &h.host {
            let host = strip_port(&host.0);
            match parse_ip(host) {
                Some(ip) => emit(&cx, What::Host(ip), Where::HTTP_HOST),
                None => emit(&cx, What::Text(Kind::Domain, host), Where::HTTP_HOST),
            }
        }
        if let Some(r) = &h.referrer {
            emit(
                &cx,
                What::Text(Kind::Url, strip_scheme(&r.0)),
                Where::HTTP_REFERRER,
            );
        }
        if let Some(ua) = &h.user_agent {
            for kind in [Kind::Software, Kind::UserAgent] {
                emit(&cx, What::Text(kind, &ua.0), Where::HTTP_USER_AGENT);
            }
        }
    }
    if parts.has(Parts::HTTP_URL) && h.method.is_some() {
        let url = build_url(h);
        emit(&cx, What::Text(Kind::Url, &url), Where::HTTP_URL);
    }
}

/// Zeek's `HTTP::build_url`: host (the responder's address without a Host
/// header), `:port` unless 80, then the URI.
pub fn build_url(h: &HttpRecord) -> Vec<u8> {
    let mut url = match (&h.host, h.resp_h) {
        (Some(host), _) => host.0.clone(),
        (None, Some(IpAddr::V6(a))) => format!("[{a}]").into_bytes(),
        (None, Some(a)) => a.to_string().into_bytes(),
        (None, None) => Vec::new(),
    };
    if h.resp_p.0 != 80 {
        url.extend_from_slice(format!(":{}", h.resp_p.0).as_bytes());
    }
    match &h.uri {
        Some(u) => url.extend_from_slice(&u.0),
        None => url.extend_from_slice(b"/<missed_request>"),
    }
    url
}

/// A Host header without its trailing `:port`.
fn strip_port(host: &[u8]) -> &[u8] {
    match host.iter().rposition(|&b| b == b':') {
        Some(i) if i + 1 < host.len() && host[i + 1..].iter().all(u8::is_ascii_digit) => &host[..i],
        _ => host,
    }
}

/// Everything up to and including the last `://` removed.
fn strip_scheme(url: &[u8]) -> &[u8] {
    url.windows(3)
        .rposition(|w| w == b"://")
        .map_or(url, |i| &url[i + 3..])
}

fn parse_ip(s: &[u8]) -> Option<IpAddr> {
    std::str::from_utf8(s).ok()?.parse().ok()
}

fn ssl(s: &SslRecord, emit: &mut Emit) {
    let id = conn_of!(s, Proto::Tcp);
    if let Some(name) = &s.server_name {
        let cx = Context::conn(s.ts, id);
        emit(
            &cx,
            What::Text(Kind::Domain, &name.0),
            Where::SSL_SERVER_NAME,
        );
    }
}

/// What a certificate offers `Intel::seen` (x509.zeek, ssl.zeek): its SAN
/// DNS names, its subject's email address and common name. Kept by
/// fingerprint: x509.log rows are not repeated for every connection that
/// carries the certificate, Zeek's matches are.
#[derive(Debug, Clone, Default)]
pub struct CertNames {
    pub san_dns: Vec<Vec<u8>>,
    pub email: Option<String>,
    pub cn: Option<String>,
}

impl CertNames {
    pub fn of(x: &X509Record) -> CertNames {
        CertNames {
            san_dns: x.san_dns.iter().flatten().map(|n| n.0.clone()).collect(),
            email: subject_email(&x.subject).map(str::to_string),
            cn: subject_cn(&x.subject).map(str::to_string),
        }
    }
}

/// A certificate's names as its file is seen in a connection.
pub fn cert_sightings(names: &CertNames, cx: &Context, emit: &mut Emit) {
    for name in &names.san_dns {
        emit(cx, What::Text(Kind::Domain, name), Where::X509_CERT);
    }
    if let Some(email) = &names.email {
        emit(
            cx,
            What::Text(Kind::Email, email.as_bytes()),
            Where::X509_CERT,
        );
    }
}

/// The connection of an ssl.log row.
pub fn ssl_conn(s: &SslRecord) -> Option<ConnId<'_>> {
    conn_of!(s, Proto::Tcp)
}

/// `emailAddress=` of a subject, up to the next comma.
fn subject_email(subject: &str) -> Option<&str> {
    let at = subject.rfind("emailAddress=")?;
    let rest = &subject[at + "emailAddress=".len()..];
    Some(rest.split(',').next().unwrap_or(rest))
}

/// A certificate's common name, from its subject.
fn subject_cn(subject: &str) -> Option<&str> {
    subject
        .split(',')
        .find_map(|part| part.trim_start().strip_prefix("CN="))
}

fn files(f: &FilesRecord, parts: Parts, emit: &mut Emit) {
    let uid = f.uid.as_deref().unwrap_or_default();
    let id = f.uid.as_ref().and_then(|_| {
        conn_id(
            uid,
            f.orig_h,
            f.orig_p.map_or(0, |p| p.0),
            f.resp_h,
            f.resp_p.map_or(0, |p| p.0),
            Proto::Tcp,
        )
    });
    let source = f.source.as_deref().unwrap_or_default();
    let awaits = (source == "HTTP").then_some(Await::HttpFile(&f.fuid));
    let mut cx = Context {
        ts: f.ts,
        conn: id,
        file: Some(FileId {
            fuid: Some(&f.fuid),
            mime_type: None,
            desc: None,
        }),
        awaits,
    };
    // The name is seen as the file starts, before its type is known. SMB
    // names come later in Zeek than `Files::IN_NAME` looks; smb-filenames
    // sees their last path element, the file described by its whole name.
    if let Some(name) = &f.filename {
        if source != "SMB" && parts.has(Parts::FILE_NAMES) {
            emit(&cx, What::Text(Kind::FileName, &name.0), Where::FILES_NAME);
        } else if source == "SMB" && parts.has(Parts::SMB_FILE_NAMES) {
            let base = name.0.rsplit(|&b| b == b'\\').next().unwrap_or(&name.0);
            let described = Context {
                file: Some(FileId {
                    fuid: Some(&f.fuid),
                    mime_type: None,
                    desc: std::str::from_utf8(&name.0).ok(),
                }),
                ..cx
            };
            emit(
                &described,
                What::Text(Kind::FileName, base),
                Where::SMB_FILE_NAME,
            );
        }
    }
    cx.file = Some(FileId {
        fuid: Some(&f.fuid),
        mime_type: f.mime_type.as_deref(),
        desc: None,
    });
    let hashes = [&f.md5, &f.sha1, &f.sha256];
    if parts.has(Parts::FILE_HASHES) {
        for h in hashes.into_iter().flatten() {
            emit(
                &cx,
                What::Text(Kind::FileHash, h.as_bytes()),
                Where::FILES_HASH,
            );
        }
    }
    let is_cert = f
        .mime_type
        .as_deref()
        .is_some_and(|m| m.starts_with("application/x-x509"));
    if parts.has(Parts::X509) && is_cert {
        if let Some(sha1) = &f.sha1 {
            emit(
                &cx,
                What::Text(Kind::CertHash, sha1.as_bytes()),
                Where::X509_CERT,
            );
        }
    }
}

/// Zeek's seen/smtp matches as each MIME entity ends: a transaction
/// without message data (no files, no headers) has none.
fn had_message(s: &SmtpRecord) -> bool {
    !s.fuids.is_empty()
        || s.date.is_some()
        || s.from.is_some()
        || s.to.is_some()
        || s.cc.is_some()
        || s.reply_to.is_some()
        || s.msg_id.is_some()
        || s.subject.is_some()
        || s.first_received.is_some()
        || s.user_agent.is_some()
        || s.x_originating_ip.is_some()
}

fn smtp(s: &SmtpRecord, emit: &mut Emit) {
    if !had_message(s) {
        return;
    }
    let id = conn_of!(s, Proto::Tcp);
    let cx = Context::conn(s.ts, id);
    for ip in s.path.iter().flatten() {
        emit(&cx, What::Host(*ip), Where::SMTP_RECEIVED);
    }
    if let Some(ip) = s.x_originating_ip {
        emit(&cx, What::Host(ip), Where::SMTP_X_ORIGINATING_IP);
    }
    if let Some(ua) = &s.user_agent {
        emit(&cx, What::Text(Kind::Software, &ua.0), Where::SMTP_HEADER);
    }
    let mut email = |v: &[u8], w: Where| emit(&cx, What::Text(Kind::Email, v), w);
    if let Some(m) = &s.mailfrom {
        email(&m.0, Where::SMTP_MAIL_FROM);
    }
    for r in set(&s.rcptto) {
        email(&r.0, Where::SMTP_RCPT_TO);
    }
    if let Some(from) = &s.from {
        // A set in Zeek: each address once.
        let mut addrs = email_addrs(&from.0);
        addrs.sort();
        addrs.dedup();
        for a in &addrs {
            email(a, Where::SMTP_FROM);
        }
    }
    for to in set(&s.to) {
        let first = email_addrs(&to.0).into_iter().next().unwrap_or_default();
        email(&first, Where::SMTP_TO);
    }
    for cc in set(&s.cc) {
        email(&cc.0, Where::SMTP_CC);
    }
    if let Some(r) = &s.reply_to {
        email(&r.0, Where::SMTP_REPLY_TO);
    }
}

fn set(s: &Option<records::Set<ZString>>) -> impl Iterator<Item = &ZString> {
    s.iter().flat_map(|s| s.0.iter())
}

/// SSH host key fingerprints as `ssh2_server_host_key` hashes them: the
/// MD5 in hex, without ssh.log's colons.
fn ssh(s: &SshRecord, emit: &mut Emit) {
    let Some(fp) = &s.host_key_fingerprint else {
        return;
    };
    let hex: Vec<u8> = fp.0.iter().copied().filter(|&b| b != b':').collect();
    let id = conn_of!(s, Proto::Tcp);
    let cx = Context::conn(s.ts, id);
    emit(&cx, What::Text(Kind::PubkeyHash, &hex), Where::SSH_HOST_KEY);
}

/// Zeek's `extract_email_addrs_vec`: every `local@domain` in a header
/// value, in order, delimiters stripped.
pub fn email_addrs(v: &[u8]) -> Vec<Vec<u8>> {
    let local_end = |b: u8| matches!(b, b'<' | b',' | b':' | b' ' | b'\t' | b'@');
    let domain_end = |b: u8| matches!(b, b'>' | b',' | b';' | b' ' | b'\t');
    let mut out = Vec::new();
    let mut i = 0;
    while i < v.len() {
        if v[i] != b'@' {
            i += 1;
            continue;
        }
        let start = v[..i]
            .iter()
            .rposition(|&b| local_end(b))
            .map_or(0, |p| p + 1);
        let end = v[i + 1..]
            .iter()
            .position(|&b| domain_end(b))
            .map_or(v.len(), |p| i + 1 + p);
        if start < i && end > i + 1 {
            let addr: Vec<u8> = v[start..end]
                .iter()
                .copied()
                .filter(|b| !matches!(b, b'<' | b'>' | b',' | b':' | b';' | b' ' | b'\t'))
                .collect();
            out.push(addr);
            i = end;
        } else {
            i += 1;
        }
    }
    out
}
