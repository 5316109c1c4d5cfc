//! Zeek's intelligence framework: indicators read from intel files
//! (`--intel FILE`, `redef Intel::read_files`), matched where
//! `policy/frameworks/intel/seen/*` matches them, each hit an intel.log
//! row; with `frameworks/intel/do_notice` an `Intel::Notice` for items
//! with `meta.do_notice`, with `frameworks/intel/whitelist` no row for
//! indicators an item whitelists. Files are read at the start and again
//! when they change (checked as network time passes).
//!
//! * [`file`]: the intel file format; [`store`]: the loaded indicators and
//!   their lookups; [`seen`]: the sightings of each record;
//!   [`log`]: intel.log; [`types`]: indicator types, where-locations.

pub mod file;
pub mod log;
pub mod seen;
pub mod store;
pub mod types;

use crate::config::{Common, Meta as SpecMeta, Shared, Spec};
use crate::engine::{Ctx, Detection, Observed};
use crate::notice::{ConnRef, Notice, Notices, Proto};
use crate::settings::{Options, Span};
use crate::state::{Every, Table};
use analyzers::AppRecord;
use log::IntelRecord;
use records::{Enum, Port, Set, Time, ZString};
use seen::{Await, Context, What};
use std::path::PathBuf;
use std::time::SystemTime;
use store::{Hits, Store};

pub use types::{Kind, Parts, Where};

/// What a run's Zeek config loaded of the framework's policy scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loaded {
    pub parts: Parts,
    pub do_notice: bool,
    pub whitelist: bool,
}

impl Loaded {
    /// Shrike's default (no Zeek config): what the playbook's local.zeek
    /// loads — every `seen` script and `do_notice` — and `whitelist`.
    pub const DEFAULT: Loaded = Loaded {
        parts: Parts::ALL,
        do_notice: true,
        whitelist: true,
    };
    const NOTHING: Loaded = Loaded {
        parts: Parts::NONE,
        do_notice: false,
        whitelist: false,
    };
}

crate::options! {
    /// `[detect.intel]`
    pub struct IntelOptions {
        /// Intel files to read (relative paths from the working directory).
        read_files: Vec<String> = Vec::new(), zeek "Intel::read_files";
        /// How often (in network time) the files are checked for changes.
        reload_every: Span = Span::secs(30);
    }
}

pub static META: SpecMeta = SpecMeta {
    name: "intel",
    scripts: &[
        "frameworks/intel/seen",
        "frameworks/intel/do_notice",
        "frameworks/intel/whitelist",
    ],
    notes: &["Intel::Notice"],
    summary: "indicators from intel files matched in traffic (intel.log)",
};

/// The intel framework's configuration before it runs.
pub struct IntelSpec {
    common: Common,
    opts: IntelOptions,
    /// `None`: nothing loaded explicitly, [`Loaded::DEFAULT`].
    loaded: Option<Loaded>,
}

pub fn spec() -> Box<dyn Spec> {
    Box::new(IntelSpec {
        common: Common::default(),
        opts: IntelOptions::default(),
        loaded: None,
    })
}

impl Spec for IntelSpec {
    fn meta(&self) -> &'static SpecMeta {
        &META
    }
    crate::spec_fields!();

    fn load_script(&mut self, script: &str) -> bool {
        let Some(rest) = script.strip_prefix("frameworks/intel/") else {
            return false;
        };
        let loaded = self.loaded.get_or_insert(Loaded::NOTHING);
        match rest {
            "seen" => loaded.parts = Parts::ALL,
            "do_notice" => loaded.do_notice = true,
            "whitelist" => loaded.whitelist = true,
            other => match other.strip_prefix("seen/").and_then(Parts::of_script) {
                Some(p) => loaded.parts.add(p),
                None => return false,
            },
        }
        true
    }

    fn build(&self, shared: &Shared) -> Box<dyn Detection> {
        let files = self.opts.read_files.iter().map(PathBuf::from).collect();
        Box::new(Intel::new(
            files,
            self.loaded.unwrap_or(Loaded::DEFAULT),
            shared.suppress_for(&self.common),
            self.opts.reload_every.0,
            self.common.max_keys,
        ))
    }
}

/// An intel file and the modification time it was read at.
struct Watched {
    path: PathBuf,
    mtime: Option<SystemTime>,
}

impl Watched {
    fn mtime(&self) -> Option<SystemTime> {
        std::fs::metadata(&self.path)
            .and_then(|m| m.modified())
            .ok()
    }
}

/// Reads intel files into a store; problems are warnings, never errors.
pub fn load(paths: &[PathBuf]) -> (Store, Vec<String>) {
    let mut store = Store::default();
    let mut warnings = Vec::new();
    for path in paths {
        let text = match std::fs::read(path) {
            Ok(t) => t,
            Err(e) => {
                warnings.push(format!("cannot read intel file {}: {e}", path.display()));
                continue;
            }
        };
        let (items, bad) = file::parse(&text);
        for b in bad {
            warnings.push(format!(
                "intel file {}, line {}: {} (line skipped)",
                path.display(),
                b.line,
                b.reason
            ));
        }
        items.into_iter().for_each(|i| store.insert(i));
    }
    (store, warnings)
}

/// A hit ready to be logged, or waiting for what its row still lacks.
struct Hit {
    row: IntelRecord,
    /// Written to intel.log (not whitelisted).
    log: bool,
    /// Raises `Intel::Notice`.
    notice: bool,
    proto: Proto,
}

/// How long a hit waits for its HTTP request or certificate's connection.
const AWAIT_NS: i64 = 60_000_000_000;

/// The logs whose records have sightings.
const TOPICS: &[&str] = &["conn", "dns", "http", "ssl", "x509", "files", "smtp", "ssh"];

/// The running framework.
pub struct Intel {
    files: Vec<Watched>,
    store: Store,
    loaded: Loaded,
    suppress_for: i64,
    reload_every: i64,
    reload: Every,
    /// Hits waiting, by the fuid or certificate fingerprint they wait on.
    waiting: Table<String, Vec<Hit>>,
    /// HTTP requests' URLs by the fuids of their files.
    http_urls: Table<String, Vec<u8>>,
    /// Certificates' names by fingerprint.
    certs: Table<String, seen::CertNames>,
    lower: Vec<u8>,
}

impl Intel {
    pub fn new(
        paths: Vec<PathBuf>,
        loaded: Loaded,
        suppress_for: i64,
        reload_every: i64,
        max_keys: usize,
    ) -> Intel {
        let mut intel = Intel {
            files: paths
                .into_iter()
                .map(|path| Watched { path, mtime: None })
                .collect(),
            store: Store::default(),
            loaded,
            suppress_for,
            reload_every,
            reload: Every::default(),
            waiting: Table::new(max_keys),
            http_urls: Table::new(max_keys),
            certs: Table::new(max_keys),
            lower: Vec::new(),
        };
        intel.read_files();
        intel
    }

    /// Indicators loaded.
    pub fn len(&self) -> usize {
        self.store.len()
    }

    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }

    fn read_files(&mut self) {
        for f in &mut self.files {
            f.mtime = f.mtime();
        }
        let paths: Vec<PathBuf> = self.files.iter().map(|f| f.path.clone()).collect();
        let (store, warnings) = load(&paths);
        for w in warnings {
            eprintln!("shrike: warning: {w}");
        }
        self.store = store;
    }

    /// Reads the files again if one changed since it was read.
    fn reload_if_changed(&mut self) {
        if self.files.iter().any(|f| f.mtime() != f.mtime) {
            self.read_files();
        }
    }

    /// Records that complete hits waiting for them; certificates' names.
    fn before_sightings(&mut self, rec: &Observed, now: Time, out: &mut Notices) {
        match rec {
            Observed::App(AppRecord::Http(h)) => {
                let fuids = h.orig_fuids.iter().chain(&h.resp_fuids).flatten();
                let url = seen::build_url(h);
                for fuid in fuids {
                    for mut hit in self.waiting.remove(fuid.as_str()).unwrap_or_default() {
                        hit.row.file_desc = Some(http_desc(&url));
                        self.emit(hit, out);
                    }
                    self.http_urls.insert(fuid.clone(), url.clone(), now);
                }
            }
            Observed::App(AppRecord::X509(x)) => {
                self.certs
                    .insert(x.fingerprint.clone(), seen::CertNames::of(x), now);
            }
            Observed::App(AppRecord::Ssl(s)) => self.ssl_certs(s, out),
            _ => {}
        }
    }

    /// An ssl.log row: the certificates of its chains are seen in its
    /// connection (x509.zeek; their files' type by position, described
    /// by the server's address as `SSL::describe_file` does), and the
    /// first one's common name once established (ssl.zeek).
    fn ssl_certs(&mut self, s: &analyzers::ssl::SslRecord, out: &mut Notices) {
        let conn = seen::ssl_conn(s);
        let desc = conn.map(|c| format!("{}:{}/tcp", c.resp_h, c.resp_p));
        let chains = [(true, &s.cert_chain_fps), (false, &s.client_cert_chain_fps)];
        let parts = self.loaded.parts;
        for (server, fps) in chains {
            for (i, fp) in fps.iter().flatten().enumerate() {
                let Some(names) = self.certs.get(fp).cloned() else {
                    continue;
                };
                let file = seen::FileId {
                    fuid: None,
                    mime_type: Some(if i == 0 { USER_CERT } else { CA_CERT }),
                    desc: desc.as_deref(),
                };
                let mut cx = Context {
                    ts: s.ts,
                    conn,
                    file: Some(file),
                    awaits: None,
                };
                if parts.has(Parts::X509) {
                    seen::cert_sightings(&names, &cx, &mut |c, w, at| self.sighting(c, w, at, out));
                }
                let host_cert = server && i == 0 && s.established;
                if let Some(cn) = names
                    .cn
                    .as_deref()
                    .filter(|_| host_cert && parts.has(Parts::SSL))
                {
                    cx.file = None;
                    let cn = What::Text(Kind::Domain, cn.as_bytes());
                    self.sighting(&cx, cn, Where::X509_CERT, out);
                }
            }
        }
    }

    /// `Intel::seen`: looks the sighting up; a hit is logged (unless
    /// whitelisted) and noticed (if an item asks), now or once what it
    /// waits for arrives.
    fn sighting(&mut self, cx: &Context, what: What, at: Where, out: &mut Notices) {
        let hits = match what {
            What::Host(ip) => self.store.host(ip),
            What::Text(kind, s) => self.store.text(kind, s, &mut self.lower),
        };
        if hits.is_empty() {
            return;
        }
        let hit = Hit {
            row: row(cx, what, at, &hits),
            log: !(self.loaded.whitelist && hits.metas().any(|m| m.whitelist)),
            notice: self.loaded.do_notice
                && hits
                    .metas()
                    .any(|m| m.do_notice && m.if_in.is_none_or(|w| w == at)),
            proto: cx.conn.map_or(Proto::Tcp, |c| c.proto),
        };
        let now = cx.ts;
        match cx.awaits {
            Some(Await::HttpFile(fuid)) => match self.http_urls.get(&fuid.to_string()) {
                Some(url) => {
                    let mut hit = hit;
                    hit.row.file_desc = Some(http_desc(url));
                    self.emit(hit, out);
                }
                None => self.wait(fuid, hit, now),
            },
            None => self.emit(hit, out),
        }
    }

    fn wait(&mut self, key: &str, hit: Hit, now: Time) {
        self.waiting.entry(key.to_string(), now, Vec::new).push(hit);
    }

    fn emit(&self, hit: Hit, out: &mut Notices) {
        if hit.notice {
            out.raise(self.notice(&hit));
        }
        if hit.log {
            out.intel(hit.row);
        }
    }

    /// `frameworks/intel/do_notice`'s notice: one per indicator and pair
    /// of hosts (either direction) per suppression interval.
    fn notice(&self, hit: &Hit) -> Notice {
        let r = &hit.row;
        let indicator = String::from_utf8_lossy(&r.indicator.0).into_owned();
        let msg = format!("Intel hit on {indicator} at {}", r.seen_where.0);
        let mut n = Notice::new(r.ts, "Intel::Notice", msg);
        n.sub = Some(indicator.clone());
        let mut identifier = indicator;
        if let (Some(uid), Some(o), Some(rh)) = (&r.uid, r.orig_h, r.resp_h) {
            let (lo, hi) = if o < rh { (o, rh) } else { (rh, o) };
            identifier.push_str(&format!("{lo}{hi}"));
            n.conn = Some(ConnRef {
                uid: uid.clone(),
                orig_h: o,
                orig_p: r.orig_p.map_or(0, |p| p.0),
                resp_h: rh,
                resp_p: r.resp_p.map_or(0, |p| p.0),
                proto: hit.proto,
            });
        }
        n.identifier = Some(identifier);
        n.suppress_for = Some(self.suppress_for);
        n
    }

    /// Hits that waited long enough are logged as they are.
    fn flush_waiting(&mut self, now: Option<Time>, out: &mut Notices) {
        let mut gone = Vec::new();
        match now {
            Some(now) => self
                .waiting
                .expire_created(now, AWAIT_NS, |_, hits| gone.extend(hits)),
            None => self.waiting.drain(|_, hits| gone.extend(hits)),
        }
        for hit in gone {
            self.emit(hit, out);
        }
    }
}

/// The types the SSL analyzer gives certificate files: the first of a
/// chain, the others.
const USER_CERT: &str = "application/x-x509-user-cert";
const CA_CERT: &str = "application/x-x509-ca-cert";

/// `Files::describe` of an HTTP file: its request's URL.
fn http_desc(url: &[u8]) -> String {
    format!("http://{}", String::from_utf8_lossy(url))
}

/// The intel.log row of a hit (Zeek's `Intel::Info` after `extend_match`).
fn row(cx: &Context, what: What, at: Where, hits: &Hits) -> IntelRecord {
    let (indicator, kind) = match what {
        What::Host(ip) => (ZString(ip.to_string().into_bytes()), Kind::Addr),
        What::Text(kind, s) => (ZString(s.to_vec()), kind),
    };
    let mut matched: Vec<Kind> = hits.items.iter().map(|(k, _)| *k).collect();
    matched.sort();
    matched.dedup();
    let mut sources: Vec<String> = hits.metas().map(|m| m.source.clone()).collect();
    sources.sort();
    sources.dedup();
    let conn = cx.conn.as_ref();
    IntelRecord {
        ts: cx.ts,
        uid: conn.map(|c| c.uid.to_string()),
        orig_h: conn.map(|c| c.orig_h),
        orig_p: conn.map(|c| Port(c.orig_p)),
        resp_h: conn.map(|c| c.resp_h),
        resp_p: conn.map(|c| Port(c.resp_p)),
        indicator,
        indicator_type: Enum(kind.name()),
        seen_where: Enum(at.0),
        node: "zeek".to_string(),
        matched: Set(matched.into_iter().map(|k| Enum(k.name())).collect()),
        sources: Set(sources),
        fuid: cx.file.and_then(|f| f.fuid).map(str::to_string),
        file_mime_type: cx.file.and_then(|f| f.mime_type.map(str::to_string)),
        file_desc: cx.file.and_then(|f| f.desc).map(str::to_string),
    }
}

impl Detection for Intel {
    fn topics(&self) -> &'static [&'static str] {
        if self.files.is_empty() {
            &[]
        } else {
            TOPICS
        }
    }

    fn observe(&mut self, rec: &Observed, cx: &Ctx, out: &mut Notices) {
        self.before_sightings(rec, cx.now, out);
        if self.store.is_empty() {
            return;
        }
        let parts = self.loaded.parts;
        seen::sightings(rec, parts, &mut |scx, what, at| {
            self.sighting(scx, what, at, out)
        });
    }

    fn tick(&mut self, cx: &Ctx, out: &mut Notices) {
        if self.reload.due(cx.now, self.reload_every) {
            self.reload_if_changed();
        }
        self.flush_waiting(Some(cx.now), out);
    }

    fn finish(&mut self, _cx: &Ctx, out: &mut Notices) {
        self.flush_waiting(None, out);
    }

    fn evicted(&self) -> u64 {
        self.waiting.evicted + self.http_urls.evicted + self.certs.evicted
    }
}

#[cfg(test)]
mod tests;
