//! Running one analyzer on scripted traffic, for the analyzers' tests.

use crate::{Analyzer, AnalyzerConfig, AppRecord, ConnInfo, Context, FuidGen, Kind};
use records::Time;

/// What an analyzer made of the traffic.
#[derive(Debug, Default)]
pub struct Outcome {
    pub confirmed: bool,
    pub violated: bool,
    pub handed_over: Vec<Kind>,
    pub records: Vec<AppRecord>,
    /// Payload passed on for detection (see `Context::forward`).
    pub forwarded: Vec<(bool, Vec<u8>)>,
    /// Detection asked to start over.
    pub redetect: bool,
}

/// A connection 10.0.0.1:40000 → 10.0.0.2:`resp_p` over `proto`.
pub fn conn(proto: u8, resp_p: u16) -> ConnInfo<'static> {
    ConnInfo {
        uid: "CTest",
        orig_h: "10.0.0.1".parse().expect("address"),
        orig_p: 40000,
        resp_h: "10.0.0.2".parse().expect("address"),
        resp_p,
        proto,
        local_orig: None,
        local_resp: None,
        start: records::Time(0),
    }
}

/// Delivers each (from the originator?, bytes) in turn.
pub fn drive(a: &mut dyn Analyzer, info: &ConnInfo<'_>, traffic: &[(bool, &[u8])]) -> Outcome {
    deliver_all(&AnalyzerConfig::default(), a, info, traffic)
}

/// [`drive`] with options, then the end of the connection.
pub fn drive_with(
    config: &AnalyzerConfig,
    a: &mut dyn Analyzer,
    info: &ConnInfo<'_>,
    traffic: &[(bool, &[u8])],
) -> Outcome {
    let mut out = deliver_all(config, a, info, traffic);
    let mut fuids = FuidGen::new(Some(1));
    let mut cx = Context::new(
        info,
        Time(i64::MAX / 2),
        config,
        &mut fuids,
        &mut out.records,
    );
    a.finish(&mut cx);
    out
}

fn deliver_all(
    config: &AnalyzerConfig,
    a: &mut dyn Analyzer,
    info: &ConnInfo<'_>,
    traffic: &[(bool, &[u8])],
) -> Outcome {
    let mut fuids = FuidGen::new(Some(1));
    let mut out = Outcome::default();
    for (i, (is_orig, bytes)) in traffic.iter().enumerate() {
        let mut cx = Context::new(info, Time(i as i64), config, &mut fuids, &mut out.records);
        a.deliver(&mut cx, *is_orig, bytes);
        out.confirmed |= cx.confirmed;
        out.violated |= cx.violation.is_some();
        out.handed_over.append(&mut cx.attach);
        out.forwarded.append(&mut cx.forwarded);
        out.redetect |= cx.redetect;
    }
    out
}

/// The files.log rows among `records`.
pub fn files(records: &[AppRecord]) -> Vec<&crate::files::FilesRecord> {
    records
        .iter()
        .filter_map(|r| match r {
            AppRecord::Files(f) => Some(&**f),
            _ => None,
        })
        .collect()
}

/// The software reports among `records`.
pub fn sightings(records: &[AppRecord]) -> Vec<&crate::software::Sighting> {
    records
        .iter()
        .filter_map(|r| match r {
            AppRecord::Software(s) => Some(&**s),
            _ => None,
        })
        .collect()
}

/// A config with every host's software tracked.
pub fn tracking_all_hosts() -> AnalyzerConfig {
    let mut config = AnalyzerConfig::default();
    config.software.asset_tracking = crate::software::Hosts::All;
    config
}
