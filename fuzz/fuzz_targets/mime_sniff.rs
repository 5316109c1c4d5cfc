//! Sniffs arbitrary bytes, and feeds them to a file transfer in two chunks:
//! nothing may panic, and the transfer must find the type `sniff_mime`
//! finds for the whole content.
#![no_main]

use analyzers::files::{sniff_mime, FilesConfig, Transfer};
use analyzers::{AnalyzerConfig, AppRecord, Context, FuidGen};
use libfuzzer_sys::fuzz_target;
use records::Time;

fuzz_target!(|data: &[u8]| {
    let expected = sniff_mime(data);
    let conn = shrike_fuzz::conn(6, 80);
    let config = AnalyzerConfig {
        files: FilesConfig {
            hash: false,
            ..FilesConfig::default()
        },
        ..AnalyzerConfig::default()
    };
    let mut fuids = FuidGen::new(Some(1));
    let mut sink: Vec<AppRecord> = Vec::new();
    let mut cx = Context::new(&conn, Time(0), &config, &mut fuids, &mut sink);
    let mut t = Transfer::begin(&mut cx, "HTTP", false, None);
    let split = data.first().map_or(0, |&b| usize::from(b).min(data.len()));
    t.data(&mut cx, &data[..split]);
    t.data(&mut cx, &data[split..]);
    t.end(&mut cx);
    let Some(AppRecord::Files(f)) = sink.last() else {
        panic!("no files.log row");
    };
    assert_eq!(f.mime_type.as_deref(), expected);
});
