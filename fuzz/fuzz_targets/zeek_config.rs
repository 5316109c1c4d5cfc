//! Parses arbitrary UTF-8 as a Zeek site script, applies it to the settings,
//! and parses it as networks.cfg: none of it may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(script) = config::parse_zeek_script(text) {
        let mut settings = config::Settings::default();
        settings.apply_script(&script);
        let _ = settings.effective_local_nets();
    }
    let _ = config::parse_networks_cfg(text);
    let _ = config::parse_value(text);
});
