//! Reads arbitrary bytes as a Zeek intel file: nothing may panic, every
//! skipped line is a line of the input, and every item read is found again
//! by the lookups `Intel::seen` makes. The bytes are also searched for
//! email addresses as SMTP headers are.
#![no_main]

use detect::intel::file::{self, Indicator};
use detect::intel::seen::email_addrs;
use detect::intel::store::Store;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (items, bad) = file::parse(data);
    let lines = data.split(|&b| b == b'\n').count();
    assert!(bad.iter().all(|b| b.line >= 1 && b.line <= lines));
    let mut store = Store::default();
    for item in items.iter().cloned() {
        store.insert(item);
    }
    let mut buf = Vec::new();
    for item in &items {
        let found = match &item.indicator {
            Indicator::Addr(a) => !store.host(*a).is_empty(),
            Indicator::Subnet(c) => !store.host(c.addr).is_empty(),
            Indicator::Text(kind, s) => !store.text(*kind, s, &mut buf).is_empty(),
        };
        assert!(found, "{item:?}");
    }
    for addr in email_addrs(data) {
        assert!(addr.contains(&b'@'));
    }
});
