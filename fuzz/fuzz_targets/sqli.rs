//! Judges arbitrary URIs for SQL injection: nothing may panic, and a
//! path in front (no `?` or `&` in it) changes nothing.
#![no_main]

use analyzers::http::sqli::is_sql_injection;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let verdict = is_sql_injection(data);
    if data.len() < 16_000 {
        let mut prefixed = b"/index.php".to_vec();
        prefixed.extend_from_slice(data);
        assert_eq!(is_sql_injection(&prefixed), verdict);
    }
});
