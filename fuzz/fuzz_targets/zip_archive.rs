//! Arbitrary bytes as a ZIP archive (they always start like one) in a file
//! transfer with member extraction on: nothing may panic, and every row
//! but the archive's own is a member of it.
#![no_main]

use analyzers::files::{FilesConfig, Transfer};
use analyzers::{AnalyzerConfig, AppRecord, Context, FuidGen};
use libfuzzer_sys::fuzz_target;
use records::Time;

fuzz_target!(|data: &[u8]| {
    let conn = shrike_fuzz::conn(6, 80);
    let config = AnalyzerConfig {
        files: FilesConfig {
            hash: false,
            unzip: true,
            ..FilesConfig::default()
        },
        ..AnalyzerConfig::default()
    };
    let mut fuids = FuidGen::new(Some(1));
    let mut sink: Vec<AppRecord> = Vec::new();
    let mut cx = Context::new(&conn, Time(0), &config, &mut fuids, &mut sink);
    let mut t = Transfer::begin(&mut cx, "HTTP", false, None);
    let chunk = data.first().map_or(1, |&b| usize::from(b).max(1));
    t.data(&mut cx, b"PK\x03\x04");
    for piece in data.chunks(chunk) {
        t.data(&mut cx, piece);
    }
    t.end(&mut cx);
    let files: Vec<_> = sink
        .iter()
        .filter_map(|r| match r {
            AppRecord::Files(f) => Some(f),
            _ => None,
        })
        .collect();
    let (archive, members) = files.split_last().expect("the archive's row");
    assert_eq!(archive.source.as_deref(), Some("HTTP"));
    for m in members {
        assert!(m.depth >= 1 && m.parent_fuid.is_some());
        if m.depth == 1 {
            assert_eq!(m.parent_fuid.as_ref(), Some(&archive.fuid));
        }
    }
});
