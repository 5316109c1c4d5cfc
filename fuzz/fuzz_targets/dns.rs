//! DNS fuzz target: the message parser on arbitrary bytes, then the whole
//! analyzer (UDP datagrams and TCP stream framing) on the same bytes. The
//! first byte picks the options: NetBIOS port, auth/addl parsing, TCP.
#![no_main]
use analyzers::dns::{parse_message, DnsAnalyzer, ParseOptions};
use analyzers::{Analyzer, AnalyzerConfig, AppRecord, ConnInfo, Context, FuidGen};
use libfuzzer_sys::fuzz_target;
use records::Time;
use std::net::{IpAddr, Ipv4Addr};

fuzz_target!(|data: &[u8]| {
    let Some((&knobs, msg)) = data.split_first() else { return };
    let netbios = knobs & 1 != 0;
    let parse_sections = knobs & 2 != 0;
    let tcp = knobs & 4 != 0;
    let opts = ParseOptions {
        netbios,
        udp: !tcp,
        max_queries: 25,
        max_compression_depth: 100,
        skip_all_auth: !parse_sections,
        skip_all_addl: !parse_sections,
    };
    let _ = parse_message(msg, &opts);

    let mut config = AnalyzerConfig::default();
    config.dns.skip_all_auth = !parse_sections;
    config.dns.skip_all_addl = !parse_sections;
    config.dns.max_pending_query_ids = 3;
    config.dns.max_pending_msgs = 3;
    let proto = if tcp { 6 } else { 17 };
    let conn = ConnInfo {
        uid: "CFuzz",
        orig_h: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
        orig_p: 53,
        resp_h: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
        resp_p: if netbios { 137 } else { 53 },
        proto,
        local_orig: None,
        local_resp: None,
        start: records::Time(0),
    };
    let mut fuids = FuidGen::new(Some(1));
    let mut sink: Vec<AppRecord> = Vec::new();
    let mut analyzer = DnsAnalyzer::new(proto);
    // Chunks alternate direction; chunk sizes come from the data itself.
    let mut rest = msg;
    let mut is_orig = true;
    while !rest.is_empty() {
        let n = (usize::from(rest[0]) + 1).min(rest.len());
        let (chunk, tail) = rest.split_at(n);
        let mut cx = Context::new(&conn, Time(1), &config, &mut fuids, &mut sink);
        analyzer.deliver(&mut cx, is_orig, chunk);
        rest = tail;
        is_orig = !is_orig;
    }
    let mut cx = Context::new(&conn, Time(2), &config, &mut fuids, &mut sink);
    analyzer.end_of_stream(&mut cx, true);
    analyzer.finish(&mut cx);
});
