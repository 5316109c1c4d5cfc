//! Arbitrary text as a `shrike hunt query` expression: parsing either
//! fails with a message or gives a filter that evaluates on any row.
#![no_main]

use analyst::log::{Columns, LogReader};
use analyst::query::Filter;
use libfuzzer_sys::fuzz_target;

const LOG: &[u8] = b"#fields\tts\tid.orig_h\tid.resp_p\tservice\tduration\ttunnel_parents\n\
1.0\t10.0.0.1\t443\tssl\t4000.5\t(empty)\n\
2.0\t2001:db8::1\t53\t-\t-\ta,b\n\
{\"ts\":3.0,\"id.orig_h\":\"192.168.0.1\",\"service\":\"dns\",\"local_orig\":true}\n";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let filter = match Filter::parse(text) {
        Ok(f) => f,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    let mut cols = Columns::new(&filter.fields);
    let mut hits = 0;
    let _ = LogReader::new().read_bytes(LOG, &mut |row| {
        let idx = cols.resolve(row.header);
        let _ = filter.unknown_field(idx);
        hits += usize::from(filter.matches(row, idx));
        Ok(())
    });
    std::hint::black_box(hits);
});
