//! Matching Sigma rules allocates nothing per record in the common path:
//! records of a subscribed log that match no rule, and matches that only
//! feed a correlation's existing window.

use detect::testing::{dns, ok_conn, SEC, T0};
use detect::Observed;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.with(|a| a.set(a.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        ALLOCS.with(|a| a.set(a.get() + 1));
        unsafe { System.realloc(ptr, layout, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const RULES: &str = r#"
title: Mining pool lookup
logsource: {product: zeek, service: dns}
detection:
    selection:
        query|endswith: ['.minexmr.com', '.nanopool.org']
    long:
        query|re: '^.{200,}$'
    condition: selection or long
"#;

#[test]
fn matching_allocates_nothing_per_record() {
    let dns_rules = include_str!("../../../rules/playbook/dns_tunneling.yml");
    let beacon_rules = include_str!("../../../rules/playbook/beaconing.yml");
    let loaded = detect::sigma::load_texts(&[
        ("a.yml", RULES),
        ("b.yml", dns_rules),
        ("c.yml", beacon_rules),
    ]);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let mut plan = detect::Plan::new(false);
    plan.add_rules(loaded.rules);
    let mut engine = plan.engine(&config::private_address_space()).unwrap();
    // Queries and connections under the correlations' thresholds, from
    // sources whose windows the first records open.
    let records: Vec<Observed> = (0..45i64)
        .flat_map(|i| {
            let t = T0 + i * SEC;
            [
                dns(
                    t,
                    "10.0.0.7",
                    "10.0.0.53",
                    "www.example.com",
                    Some("1.2.3.4"),
                ),
                Observed::Conn(ok_conn(t, "10.0.0.8", "45.33.32.50", 443)),
                Observed::Conn(ok_conn(t, "10.0.0.8", "10.0.0.80", 445)),
            ]
        })
        .collect();
    let (warm, measured) = records.split_at(30);
    let start = ALLOCS.with(Cell::get);
    for r in warm {
        engine.observe(r);
    }
    let before = ALLOCS.with(Cell::get);
    assert!(before > start, "opening windows allocates: the count works");
    for r in measured {
        engine.observe(r);
    }
    let after = ALLOCS.with(Cell::get);
    assert!(engine.take_notices().is_empty());
    assert_eq!(
        after - before,
        0,
        "allocations while matching {} records",
        measured.len()
    );
}
