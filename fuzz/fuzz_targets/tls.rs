//! The SSL/TLS analyzer over a conversation as `shrike_fuzz::drive` reads
//! it, with the JA3/JA4 fingerprints on; a connection never gets more
//! than one ssl.log row.
#![no_main]
use analyzers::ssl::SslAnalyzer;
use analyzers::{AnalyzerConfig, AppRecord};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let conn = shrike_fuzz::conn(6, 443);
    let mut tls = SslAnalyzer::new();
    let mut config = AnalyzerConfig::default();
    config.ssl.ja3 = true;
    config.ssl.ja4 = true;
    let mut rows = 0;
    shrike_fuzz::drive(&mut tls, &conn, &config, data, |records| {
        rows += records
            .iter()
            .filter(|r| matches!(r, AppRecord::Ssl(_)))
            .count();
    });
    assert!(rows <= 1);
});
