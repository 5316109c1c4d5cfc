//! What the analyzer fuzz targets share: a connection and the driver that
//! plays fuzz input to an analyzer as a conversation.

use analyzers::{Analyzer, AnalyzerConfig, AppRecord, ConnInfo, Context, FuidGen};
use records::Time;

/// A connection 10.0.0.1:40000 → 10.0.0.2:`resp_p` over `proto`.
pub fn conn(proto: u8, resp_p: u16) -> ConnInfo<'static> {
    ConnInfo {
        uid: "CFuzz",
        orig_h: [10, 0, 0, 1].into(),
        orig_p: 40000,
        resp_h: [10, 0, 0, 2].into(),
        resp_p,
        proto,
        local_orig: None,
        local_resp: None,
        start: records::Time(0),
    }
}

/// Plays `input` to `analyzer` and finishes the connection. The input is
/// a list of steps `[flags, len, bytes...]`: flags bit 0 = from the
/// originator, bit 1 = a gap of `len` bytes (TCP only), bit 2 = end of
/// that direction's stream; otherwise `len` bytes of data follow. `each`
/// sees the records of every step before they are dropped.
pub fn drive(
    analyzer: &mut dyn Analyzer,
    conn: &ConnInfo<'_>,
    config: &AnalyzerConfig,
    input: &[u8],
    mut each: impl FnMut(&[AppRecord]),
) {
    let mut fuids = FuidGen::new(Some(1));
    let mut sink: Vec<AppRecord> = Vec::new();
    let mut rest = input;
    let mut now = 0;
    while let [flags, len, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        now += 1_000_000;
        let mut cx = Context::new(conn, Time(now), config, &mut fuids, &mut sink);
        let is_orig = flags & 1 == 1;
        rest = tail;
        if flags & 2 == 2 && conn.proto == 6 {
            analyzer.gap(&mut cx, is_orig, u64::from(*len));
        } else if flags & 4 == 4 {
            analyzer.end_of_stream(&mut cx, is_orig);
        } else {
            analyzer.deliver(&mut cx, is_orig, &tail[..n]);
            rest = &tail[n..];
        }
        // Bounded memory: output is drained as a log writer would.
        each(&sink);
        sink.clear();
    }
    let mut cx = Context::new(conn, Time(now + 1), config, &mut fuids, &mut sink);
    analyzer.finish(&mut cx);
    each(&sink);
}
