//! Any bytes as one HTTP connection: the input is cut into pieces, each
//! going to the originator or the responder (or being a content gap or an
//! end of stream), so every framing state meets arbitrary data split
//! anywhere. The analyzer must not panic, loop or grow without bound.
#![no_main]
use analyzers::http::HttpAnalyzer;
use analyzers::{Analyzer, AnalyzerConfig, AppRecord, ConnInfo, Context, FuidGen};
use libfuzzer_sys::fuzz_target;

/// Seeds the fuzzer with real HTTP so it starts from valid framing.
const PROLOGUE: &[u8] = b"POST /u HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";

fuzz_target!(|data: &[u8]| {
    let conn = ConnInfo {
        uid: "Cfuzz",
        orig_h: [10, 0, 0, 1].into(),
        orig_p: 1234,
        resp_h: [10, 0, 0, 2].into(),
        resp_p: 80,
        proto: 6,
        local_orig: None,
        local_resp: None,
    };
    let mut config = AnalyzerConfig::default();
    config.http.capture_password = true;
    let mut fuids = FuidGen::new(Some(1));
    let mut sink: Vec<AppRecord> = Vec::new();
    let mut analyzer = HttpAnalyzer::new();
    let mut now = 0;
    let mut run = |sink: &mut Vec<AppRecord>, f: &mut dyn FnMut(&mut HttpAnalyzer, &mut Context<'_>)| {
        now += 1000;
        let mut cx = Context::new(&conn, records::Time(now), &config, &mut fuids, sink);
        f(&mut analyzer, &mut cx);
    };
    if data.first().is_some_and(|b| b & 0x80 != 0) {
        run(&mut sink, &mut |a, cx| a.deliver(cx, true, PROLOGUE));
    }
    // Each piece: one control byte (direction, action, length) and data.
    let mut rest = data;
    while let Some((&control, tail)) = rest.split_first() {
        let is_orig = control & 1 == 0;
        let len = usize::from(control >> 3) * 7 + 1;
        let (piece, next) = tail.split_at(len.min(tail.len()));
        rest = next;
        match (control >> 1) & 3 {
            0 | 1 => run(&mut sink, &mut |a, cx| a.deliver(cx, is_orig, piece)),
            2 => run(&mut sink, &mut |a, cx| a.gap(cx, is_orig, piece.len() as u64 * 97)),
            _ => run(&mut sink, &mut |a, cx| a.end_of_stream(cx, is_orig)),
        }
        // Bounded memory: output is drained as a writer would.
        sink.clear();
    }
    run(&mut sink, &mut |a, cx| a.finish(cx));
});
