//! Loads arbitrary UTF-8 as a Sigma rule file (YAML documents, detection
//! and correlation rules) and runs whatever compiled over records of the
//! logs rules read: loading may only fail with errors, never panic or
//! blow up, and matching must hold whatever the rule.
#![no_main]

use detect::testing::{dns, ok_conn, SEC, T0};
use detect::Observed;
use libfuzzer_sys::fuzz_target;

fn records() -> Vec<Observed> {
    let mut out = Vec::new();
    for i in 0..40i64 {
        let t = T0 + i * 20 * SEC;
        out.push(Observed::Conn(ok_conn(t, "10.0.0.5", "45.33.32.50", 443)));
        let name = format!("{i:024x}.t.example.net");
        out.push(dns(t, "10.0.0.7", "10.0.0.53", &name, Some("45.33.32.50")));
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let loaded = detect::sigma::load_texts(&[("fuzz.yml", text)]);
    let mut plan = detect::Plan::new(false);
    plan.add_rules(loaded.rules);
    if let Some(mut engine) = plan.engine(&config::private_address_space()) {
        for r in records() {
            engine.observe(&r);
        }
        engine.finish();
        let _ = engine.take_notices();
    }
});
