//! The built-in detections, one module each, and the one list that
//! registers them. A new detection is a module with a `spec()` (its
//! [`Meta`](crate::config::Meta), options and constructor) added to
//! [`BUILTINS`].

pub mod beaconing;
pub mod certificates;
pub mod dga;
pub mod dns_c2;
pub mod dns_tunneling;
pub mod external_names;
pub mod large_transfers;
pub mod long_connections;
pub mod per_conn;
pub mod rare_user_agents;
pub mod scan;
pub mod sql_injection;
pub mod ssh_guessing;

use crate::allow::Allowlist;
use crate::config::Spec;
use crate::domain::normalize;
use crate::engine::{Ctx, Observed};
use crate::notice::{ConnRef, Proto};
use analyzers::dns::DnsRecord;
use analyzers::AppRecord;
use flow::ConnRecord;
use std::borrow::Cow;
use std::net::IpAddr;

/// Every built-in detection.
pub const BUILTINS: &[fn() -> Box<dyn Spec>] = &[
    ssh_guessing::spec,
    scan::spec,
    dns_tunneling::spec,
    long_connections::spec,
    large_transfers::spec,
    beaconing::spec,
    certificates::invalid_spec,
    certificates::expiring_spec,
    external_names::spec,
    dga::spec,
    dns_c2::spec,
    rare_user_agents::spec,
    sql_injection::spec,
    crate::intel::spec,
];

const NS: i64 = 1_000_000_000;

/// Zeek's `duration_to_mins_secs`: whole minutes and seconds, `"3m34s"`.
pub fn mins_secs(ns: i64) -> String {
    let secs = ns.max(0) / NS;
    format!("{}m{}s", secs / 60, secs % 60)
}

/// A readable duration: `"1h2m3s"`, `"4m5s"`, `"6s"`.
pub fn human_duration(ns: i64) -> String {
    let secs = ns.max(0) / NS;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m{s}s"),
        _ => format!("{h}h{m}m{s}s"),
    }
}

/// A byte count in MB with one decimal.
pub fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// `"10.0.0.1 -> 192.0.2.1:443/tcp"`, with the server's name when known.
pub fn pair_desc(src: IpAddr, dst: IpAddr, port: u16, proto: Proto, name: Option<&str>) -> String {
    let name = name.map(|n| format!(" ({n})")).unwrap_or_default();
    format!("{src} -> {dst}:{port}/{}{name}", proto.name())
}

/// A connection as [`pair_desc`] describes it.
pub fn conn_desc(c: &ConnRef, name: Option<&str>) -> String {
    pair_desc(c.orig_h, c.resp_h, c.resp_p, c.proto, name)
}

/// Whether neither, one or both ends of a connection are local.
pub fn has_external_end(c: &ConnRecord, cx: &Ctx) -> bool {
    !cx.is_local(c.orig_h) || !cx.is_local(c.resp_h)
}

/// Whether an allowlist covers either end of a connection or the name its
/// server was reached by.
pub fn allowed(allow: &Allowlist, c: &ConnRef, cx: &Ctx) -> bool {
    allow.addr(c.orig_h)
        || allow.addr(c.resp_h)
        || cx.names.get(c.resp_h).is_some_and(|n| allow.name(n))
}

/// A dns.log row's question as the DNS detections read it: the record,
/// its source and the query name, normalized (lowercase, no trailing dot;
/// borrowed from the record when it already is).
/// Rows without either, from an allowlisted source or for an allowlisted
/// name are none.
pub struct DnsQuestion<'a> {
    pub r: &'a DnsRecord,
    pub src: IpAddr,
    pub query: Cow<'a, str>,
}

impl<'a> DnsQuestion<'a> {
    pub fn of(rec: &'a Observed, allow: &Allowlist) -> Option<DnsQuestion<'a>> {
        let Observed::App(AppRecord::Dns(r)) = rec else {
            return None;
        };
        let (src, q) = (r.orig_h?, r.query.as_ref()?);
        if allow.addr(src) {
            return None;
        }
        let query = match std::str::from_utf8(&q.0) {
            Ok(text) => normalize(text),
            Err(_) => Cow::Owned(normalize(&String::from_utf8_lossy(&q.0)).into_owned()),
        };
        (!query.is_empty() && !allow.name(&query)).then_some(DnsQuestion { r, src, query })
    }
}

#[cfg(test)]
pub(crate) mod testutil {
    //! A harness for the detections' unit tests.

    use crate::config::{Plan, Spec};
    use crate::engine::Observed;
    use crate::notice::NoticeRecord;
    use crate::settings::Options;
    use std::net::IpAddr;

    pub use crate::testing::*;

    /// Runs one detection (by its section name), default options changed
    /// by `configure`, over `records`; local networks are the private
    /// address space.
    pub fn run(
        name: &str,
        configure: impl FnOnce(&mut dyn Spec),
        records: impl IntoIterator<Item = Observed>,
    ) -> Vec<NoticeRecord> {
        let mut plan = Plan::new(false);
        let spec = plan.spec_mut(name).expect("a built-in detection");
        configure(spec);
        spec.common_mut().enabled = Some(true);
        run_plan(&plan, records)
    }

    /// Runs a plan's detections over `records` (local networks: the
    /// private address space) and returns every notice.
    pub fn run_plan(plan: &Plan, records: impl IntoIterator<Item = Observed>) -> Vec<NoticeRecord> {
        let local = config::private_address_space();
        let mut engine = plan.engine(&local).expect("a detection runs");
        let mut out = Vec::new();
        for r in records {
            engine.observe(&r);
            out.extend(engine.take_notices());
        }
        engine.finish();
        out.extend(engine.take_notices());
        out
    }

    /// Sets one option of a spec (common or its own) or panics.
    pub fn set(spec: &mut dyn Spec, key: &str, v: crate::settings::Setting) {
        let op = crate::settings::Op::Assign;
        if spec.common_mut().set(key, op, &v).is_none() {
            spec.options_mut().set(key, op, &v).unwrap().unwrap();
        }
    }

    pub fn notes(n: &[NoticeRecord]) -> Vec<&'static str> {
        n.iter().map(|r| r.note.0).collect()
    }

    pub fn srcs(n: &[NoticeRecord]) -> Vec<IpAddr> {
        n.iter().filter_map(|r| r.src).collect()
    }
}
