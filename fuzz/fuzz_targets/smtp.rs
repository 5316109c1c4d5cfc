//! SMTP analyzer fuzz target. The input scripts one connection: each event
//! is an op byte (bit 0: from the originator; bits 1-2: 0-1 data, 2 gap,
//! 3 end of stream) and, for data and gaps, a length byte; data bytes
//! follow their length.
#![no_main]
use analyzers::smtp::SmtpAnalyzer;
use analyzers::{Analyzer, AnalyzerConfig, AppRecord, ConnInfo, Context, FuidGen};
use libfuzzer_sys::fuzz_target;
use records::Time;

fuzz_target!(|data: &[u8]| {
    let conn = ConnInfo {
        uid: "CFuzz",
        orig_h: [10, 0, 0, 1].into(),
        orig_p: 40000,
        resp_h: [10, 0, 0, 2].into(),
        resp_p: 25,
        proto: 6,
        local_orig: None,
        local_resp: None,
    };
    let config = AnalyzerConfig::default();
    let mut fuids = FuidGen::new(Some(1));
    let mut sink: Vec<AppRecord> = Vec::new();
    let mut smtp = SmtpAnalyzer::new();
    let mut rest = data;
    let mut now = 0;
    while let Some((&op, tail)) = rest.split_first() {
        now += 1_000;
        let mut cx = Context::new(&conn, Time(now), &config, &mut fuids, &mut sink);
        let is_orig = op & 1 == 1;
        let len = usize::from(tail.first().copied().unwrap_or(0));
        let after_len = tail.get(1..).unwrap_or_default();
        match (op >> 1) & 3 {
            0 | 1 => {
                let n = len.min(after_len.len());
                smtp.deliver(&mut cx, is_orig, &after_len[..n]);
                rest = &after_len[n..];
            }
            2 => {
                smtp.gap(&mut cx, is_orig, len as u64 + 1);
                rest = after_len;
            }
            _ => {
                smtp.end_of_stream(&mut cx, is_orig);
                rest = tail;
            }
        }
        sink.clear();
    }
    let mut cx = Context::new(&conn, Time(now + 1_000), &config, &mut fuids, &mut sink);
    smtp.finish(&mut cx);
});
