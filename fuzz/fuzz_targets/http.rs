//! The HTTP analyzer over a conversation as `shrike_fuzz::drive` reads
//! it. An odd first byte starts the connection with a real chunked
//! request, so framing states are reached quickly.
#![no_main]
use analyzers::http::HttpAnalyzer;
use analyzers::AnalyzerConfig;
use libfuzzer_sys::fuzz_target;

/// Seeds the fuzzer with real HTTP so it starts from valid framing.
const PROLOGUE: &[u8] = b"POST /u HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let mut input = Vec::new();
    if first & 1 == 1 {
        input.extend_from_slice(&[1, PROLOGUE.len() as u8]);
        input.extend_from_slice(PROLOGUE);
    }
    input.extend_from_slice(rest);
    let mut config = AnalyzerConfig::default();
    config.http.capture_password = true;
    let conn = shrike_fuzz::conn(6, 80);
    shrike_fuzz::drive(&mut HttpAnalyzer::new(), &conn, &config, &input, |_| {});
});
