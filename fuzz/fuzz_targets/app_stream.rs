//! Every application analyzer on arbitrary traffic. Byte 0 picks the
//! analyzer (`Kind::ALL`), byte 1's low bit the transport (TCP or UDP);
//! the rest is a conversation as `shrike_fuzz::drive` reads it.
#![no_main]
use analyzers::{AnalyzerConfig, Kind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [pick, transport, rest @ ..] = data else {
        return;
    };
    let kind = Kind::ALL[*pick as usize % Kind::ALL.len()];
    let proto = if transport & 1 == 0 { 6 } else { 17 };
    let Some(mut analyzer) = kind.create(proto) else {
        return;
    };
    let conn = shrike_fuzz::conn(proto, 80);
    shrike_fuzz::drive(&mut *analyzer, &conn, &AnalyzerConfig::default(), rest, |_| {});
});
