//! Parses arbitrary UTF-8 as Shrike's TOML config and as a Zeek script of
//! detection redefs and loads, then runs the detections so configured over
//! records that reach every one of them: nothing may panic, whatever the
//! options (zero windows, huge intervals, empty lists).
#![no_main]

use detect::testing::{conn, dns, ok_conn, ssh, SEC, T0};
use detect::Observed;
use libfuzzer_sys::fuzz_target;

/// A little of everything: failed and established connections, a long and
/// a large one, lookups and logins, in and out of order.
fn records() -> Vec<Observed> {
    let mut out = Vec::new();
    for i in 0..60i64 {
        let t = T0 + i * 30 * SEC;
        out.push(Observed::Conn(ok_conn(t, "10.0.0.5", "45.33.32.50", 443)));
        out.push(Observed::Conn(conn(t, "45.33.32.9", "10.0.0.9", 1000 + i as u16, "S", "S0")));
        out.push(dns(t, "10.0.0.7", "10.0.0.53", &format!("{i:032x}.t.example.net"), Some("45.33.32.50")));
        out.push(ssh(t, "45.33.32.9", "10.0.0.9", i % 20 == 19));
    }
    let mut long = ok_conn(T0 - 3600 * SEC, "10.0.0.6", "45.33.32.51", 22);
    long.duration = Some(records::Interval(5 * 3600 * SEC));
    long.orig_bytes = Some(u64::MAX);
    out.push(Observed::Conn(long));
    out.push(Observed::Conn(ok_conn(i64::MIN / 2, "10.0.0.5", "45.33.32.50", 443)));
    out
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut plan = detect::Plan::new(true);
    let _ = plan.apply_toml(text);
    if let Ok(script) = config::parse_zeek_script(text) {
        for l in &script.loads {
            plan.load(l);
        }
        for r in &script.redefs {
            let _ = plan.redef(r);
        }
    }
    if let Some(mut engine) = plan.engine(&config::private_address_space()) {
        for r in records() {
            engine.observe(&r);
        }
        engine.finish();
        let _ = engine.take_notices();
    }
});
