//! Long connections, the playbook's first hunt ("possible C2"): a
//! connection that lasted longer than `min_duration` raises
//! `Conn::Long_Connection` when it is logged. By default only connections
//! with an end outside the local networks count (a database pool or a
//! file share inside the site stays open by design).

use crate::config::{Builtin, Common, Meta, Spec};
use crate::detections::human_duration;
use crate::detections::per_conn::{self, ConnRule, Finding};
use crate::settings::Span;
use flow::ConnRecord;

crate::options! {
    /// `[detect.long_connections]`
    pub struct LongConnectionsOptions {
        /// Connections lasting longer than this are reported.
        min_duration: Span = Span::hours(1), zeek "Conn::long_connection_duration";
        /// Only connections with an end outside the local networks.
        external_only: bool = true, zeek "Conn::long_connection_external_only";
    }
}

pub static META: Meta = Meta {
    name: "long_connections",
    scripts: &["shrike/long-connections"],
    notes: &["Conn::Long_Connection"],
    summary: "connections open for more than an hour",
};

pub fn spec() -> Box<dyn Spec> {
    Box::new(Builtin {
        meta: &META,
        common: Common::default(),
        opts: LongConnectionsOptions::default(),
        make: per_conn::build,
    })
}

impl ConnRule for LongConnectionsOptions {
    fn external_only(&self) -> bool {
        self.external_only
    }

    fn matches(&self, c: &ConnRecord) -> bool {
        c.duration.is_some_and(|d| d.0 > self.min_duration.0)
    }

    fn finding(&self, c: &ConnRecord, desc: String) -> Finding {
        let msg = format!(
            "{desc} lasted {} ({} bytes sent, {} received)",
            human_duration(c.duration.map_or(0, |d| d.0)),
            c.orig_bytes.unwrap_or(0),
            c.resp_bytes.unwrap_or(0)
        );
        Finding {
            note: "Conn::Long_Connection",
            msg,
            n: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::detections::testutil::*;
    use crate::engine::Observed;
    use crate::settings::Setting;
    use records::Interval;

    fn lasting(secs: i64, orig: &str, resp: &str) -> Observed {
        let mut c = ok_conn(T0, orig, resp, 443);
        c.duration = Some(Interval(secs * SEC));
        Observed::Conn(c)
    }

    #[test]
    fn long_external_connection_is_reported() {
        let records = [
            lasting(3 * 3600 + 62, "10.0.0.5", "45.33.32.50"),
            lasting(3599, "10.0.0.6", "45.33.32.50"),
            lasting(5 * 3600, "10.0.0.7", "10.0.0.8"),
        ];
        let n = run("long_connections", |_| {}, records);
        assert_eq!(notes(&n), ["Conn::Long_Connection"]);
        assert_eq!(
            n[0].msg.as_deref(),
            Some("10.0.0.5 -> 45.33.32.50:443/tcp lasted 3h1m2s (100 bytes sent, 200 received)")
        );
        assert_eq!((n[0].src, n[0].uid.is_some()), (Some(ip("10.0.0.5")), true));
    }

    #[test]
    fn options_change_what_counts() {
        let records = [lasting(700, "10.0.0.7", "10.0.0.8")];
        let n = run(
            "long_connections",
            |s| {
                set(s, "min_duration", Setting::Text("10min".into()));
                set(s, "external_only", Setting::Bool(false));
            },
            records,
        );
        assert_eq!(n.len(), 1);
    }
}
