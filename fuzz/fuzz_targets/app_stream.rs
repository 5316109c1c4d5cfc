//! Every application analyzer on arbitrary traffic. Input layout: byte 0
//! picks the analyzer (`Kind::ALL`), byte 1's low bit the transport (TCP or
//! UDP); then records of [flags, len, bytes...]: flags bit 0 = from the
//! originator, bit 1 = a gap of `len` bytes instead of data.
#![no_main]
use analyzers::{AnalyzerConfig, AppRecord, ConnInfo, Context, FuidGen, Kind};
use libfuzzer_sys::fuzz_target;
use records::Time;

fuzz_target!(|data: &[u8]| {
    let (Some(&pick), Some(&transport)) = (data.first(), data.get(1)) else {
        return;
    };
    let kind = Kind::ALL[pick as usize % Kind::ALL.len()];
    let proto = if transport & 1 == 0 { 6 } else { 17 };
    let Some(mut analyzer) = kind.create(proto) else {
        return;
    };
    let info = ConnInfo {
        uid: "CFuzz",
        orig_h: "10.0.0.1".parse().unwrap(),
        orig_p: 40000,
        resp_h: "10.0.0.2".parse().unwrap(),
        resp_p: 80,
        proto,
        local_orig: None,
        local_resp: None,
    };
    let config = AnalyzerConfig::default();
    let mut fuids = FuidGen::new(Some(1));
    let mut sink: Vec<AppRecord> = Vec::new();
    let mut rest = &data[2..];
    let mut now = 0;
    while let [flags, len, tail @ ..] = rest {
        let n = (*len as usize).min(tail.len());
        now += 1_000_000;
        let mut cx = Context::new(&info, Time(now), &config, &mut fuids, &mut sink);
        let is_orig = flags & 1 == 1;
        if flags & 2 == 2 && proto == 6 {
            analyzer.gap(&mut cx, is_orig, *len as u64);
        } else {
            analyzer.deliver(&mut cx, is_orig, &tail[..n]);
        }
        rest = &tail[n..];
        sink.clear();
    }
    let mut cx = Context::new(&info, Time(now), &config, &mut fuids, &mut sink);
    analyzer.finish(&mut cx);
});
