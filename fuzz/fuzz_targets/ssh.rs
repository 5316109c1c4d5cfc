//! SSH analyzer: arbitrary bytes in chunks of arbitrary size to either
//! side, optionally after valid banners (to reach the binary packets) and
//! with small length caps and HASSH.
#![no_main]
use analyzers::ssh::SshAnalyzer;
use analyzers::{Analyzer, AnalyzerConfig, AppRecord, ConnInfo, Context, FuidGen};
use libfuzzer_sys::fuzz_target;
use records::Time;

const BANNERS: [(&[u8], &[u8]); 2] = [
    (b"SSH-2.0-fuzz\r\n", b"SSH-2.0-fuzz\r\n"),
    (b"SSH-1.5-fuzz\n", b"SSH-1.99-fuzz\n"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, mut rest)) = data.split_first() else { return };
    let mut config = AnalyzerConfig::default();
    if mode & 1 != 0 {
        config.ssh.max_packet_length = 256;
        config.ssh.max_string_length = 64;
        config.ssh.kexinit.kex = 2;
    }
    config.ssh.hassh = mode & 8 != 0;
    let conn = ConnInfo {
        uid: "Cfuzz",
        orig_h: "10.0.0.1".parse().unwrap(),
        orig_p: 40000,
        resp_h: "10.0.0.2".parse().unwrap(),
        resp_p: 22,
        proto: 6,
        local_orig: None,
        local_resp: None,
        start: records::Time(0),
    };
    let mut sink: Vec<AppRecord> = Vec::new();
    let mut fuids = FuidGen::new(Some(1));
    let mut a = SshAnalyzer::new();
    let mut cx = Context::new(&conn, Time(0), &config, &mut fuids, &mut sink);
    if mode & 2 != 0 {
        let (client, server) = BANNERS[usize::from(mode & 4 != 0)];
        a.deliver(&mut cx, false, server);
        a.deliver(&mut cx, true, client);
    }
    // Each chunk: one header byte (direction, length - 1), then the bytes;
    // 0xff is a content gap.
    while let Some((&h, tail)) = rest.split_first() {
        if h == 0xff {
            a.gap(&mut cx, true, 1);
        }
        let n = usize::from(h & 0x7f) + 1;
        let (chunk, after) = tail.split_at(n.min(tail.len()));
        a.deliver(&mut cx, h & 0x80 != 0, chunk);
        rest = after;
    }
    a.finish(&mut cx);
});
