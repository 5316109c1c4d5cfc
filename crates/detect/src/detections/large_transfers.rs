//! Large transfers, a playbook hunt: a connection that moved more than
//! `min_bytes` in either direction raises `Conn::Large_Transfer` when it
//! is logged. By default only connections with an end outside the local
//! networks count (backups inside the site are large by design).

use crate::config::{Builtin, Common, Meta, Spec};
use crate::detections::per_conn::{self, ConnRule, Finding};
use crate::detections::{human_duration, megabytes};
use flow::ConnRecord;

crate::options! {
    /// `[detect.large_transfers]`
    pub struct LargeTransfersOptions {
        /// Bytes in either direction (conn.log orig_bytes or resp_bytes) above which a connection is reported.
        min_bytes: u64 = 100_000_000, zeek "Conn::large_transfer_bytes";
        /// Only connections with an end outside the local networks.
        external_only: bool = true, zeek "Conn::large_transfer_external_only";
    }
}

pub static META: Meta = Meta {
    name: "large_transfers",
    scripts: &["shrike/large-transfers"],
    notes: &["Conn::Large_Transfer"],
    summary: "connections moving more than 100 MB either way",
};

pub fn spec() -> Box<dyn Spec> {
    Box::new(Builtin {
        meta: &META,
        common: Common::default(),
        opts: LargeTransfersOptions::default(),
        make: per_conn::build,
    })
}

fn bytes(c: &ConnRecord) -> (u64, u64) {
    (c.orig_bytes.unwrap_or(0), c.resp_bytes.unwrap_or(0))
}

impl ConnRule for LargeTransfersOptions {
    fn external_only(&self) -> bool {
        self.external_only
    }

    fn matches(&self, c: &ConnRecord) -> bool {
        let (sent, received) = bytes(c);
        sent.max(received) > self.min_bytes
    }

    fn finding(&self, c: &ConnRecord, desc: String) -> Finding {
        let (sent, received) = bytes(c);
        let msg = format!(
            "{desc} transferred {} out and {} in over {}",
            megabytes(sent),
            megabytes(received),
            human_duration(c.duration.map_or(0, |d| d.0))
        );
        Finding {
            note: "Conn::Large_Transfer",
            msg,
            n: Some(sent.max(received)),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::detections::testutil::*;
    use crate::engine::Observed;
    use analyzers::dns::DnsRecord;
    use analyzers::AppRecord;
    use records::{Time, ZString};

    fn transfer(orig: &str, resp: &str, sent: u64, received: u64) -> Observed {
        let mut c = ok_conn(T0, orig, resp, 443);
        c.orig_bytes = Some(sent);
        c.resp_bytes = Some(received);
        Observed::Conn(c)
    }

    #[test]
    fn exfiltration_is_reported_and_small_or_internal_transfers_are_not() {
        let records = [
            transfer("10.0.0.5", "45.33.32.50", 250_000_000, 10_000),
            transfer("10.0.0.6", "45.33.32.51", 90_000_000, 90_000_000),
            transfer("10.0.0.7", "10.0.0.200", 900_000_000, 0),
        ];
        let n = run("large_transfers", |_| {}, records);
        assert_eq!(notes(&n), ["Conn::Large_Transfer"]);
        assert_eq!(
            n[0].msg.as_deref(),
            Some("10.0.0.5 -> 45.33.32.50:443/tcp transferred 250.0 MB out and 0.0 MB in over 0s")
        );
        assert_eq!(n[0].n, Some(250_000_000));
    }

    #[test]
    fn update_downloads_resolved_from_allowlisted_names_are_not_reported() {
        let answer = DnsRecord {
            ts: Time(T0 - SEC),
            orig_h: Some(ip("10.0.0.5")),
            query: Some(ZString(b"download.windowsupdate.com".to_vec())),
            answers: Some(vec![ZString(b"45.33.32.80".to_vec())]),
            ..Default::default()
        };
        let records = [
            app(AppRecord::Dns(Box::new(answer))),
            transfer("10.0.0.5", "45.33.32.80", 10_000, 2_000_000_000),
        ];
        assert!(run("large_transfers", |_| {}, records).is_empty());
    }
}
