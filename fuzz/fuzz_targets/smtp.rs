//! The SMTP analyzer over a conversation as `shrike_fuzz::drive` reads it.
#![no_main]
use analyzers::smtp::SmtpAnalyzer;
use analyzers::AnalyzerConfig;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let conn = shrike_fuzz::conn(6, 25);
    let mut smtp = SmtpAnalyzer::new();
    shrike_fuzz::drive(&mut smtp, &conn, &AnalyzerConfig::default(), data, |_| {});
});
