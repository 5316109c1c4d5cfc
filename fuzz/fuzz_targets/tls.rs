//! SSL/TLS analyzer fuzz target. The input is a conversation: each chunk
//! starts with a control byte whose low bit is the direction (1 =
//! originator) and whose other bits give the chunk length minus one; a
//! control byte of 0xFF is a content gap. The connection ends with the
//! input.
#![no_main]
use analyzers::ssl::SslAnalyzer;
use analyzers::{Analyzer, AnalyzerConfig, AppRecord, ConnInfo, Context, FuidGen};
use libfuzzer_sys::fuzz_target;
use records::Time;
use std::net::{IpAddr, Ipv4Addr};

fuzz_target!(|data: &[u8]| {
    let conn = ConnInfo {
        uid: "CFuzz",
        orig_h: IpAddr::V4(Ipv4Addr::LOCALHOST),
        orig_p: 40000,
        resp_h: IpAddr::V4(Ipv4Addr::LOCALHOST),
        resp_p: 443,
        proto: 6,
        local_orig: None,
        local_resp: None,
    };
    let config = AnalyzerConfig::default();
    let mut fuids = FuidGen::new(Some(1));
    let mut sink: Vec<AppRecord> = Vec::new();
    let mut analyzer = SslAnalyzer::new();
    let mut rest = data;
    let mut now = 0;
    while let Some((&control, tail)) = rest.split_first() {
        now += 1;
        let mut cx = Context::new(&conn, Time(now), &config, &mut fuids, &mut sink);
        if control == 0xFF {
            analyzer.gap(&mut cx, true, 1);
            rest = tail;
            continue;
        }
        let len = usize::from(control >> 1) + 1;
        let (chunk, tail) = tail.split_at(len.min(tail.len()));
        analyzer.deliver(&mut cx, control & 1 == 1, chunk);
        rest = tail;
    }
    let mut cx = Context::new(&conn, Time(now + 1), &config, &mut fuids, &mut sink);
    analyzer.finish(&mut cx);
    assert!(sink.iter().filter(|r| matches!(r, AppRecord::Ssl(_))).count() <= 1);
});
