//! Parses arbitrary text as a Sigma condition over a few selection names
//! and evaluates it: errors are fine, panics and stack exhaustion are not.
#![no_main]

use detect::sigma::condition;
use libfuzzer_sys::fuzz_target;

const NAMES: &[&str] = &["selection", "sel_a", "sel_b", "filter", "_private"];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(expr) = condition::parse(text, NAMES) {
        let mut n = 0u32;
        let _ = expr.eval(&mut |i| {
            n = n.wrapping_mul(31).wrapping_add(i as u32);
            n % 3 == 0
        });
    }
});
