//! Decoder fuzz target: see `wire::fuzz_input` for the input layout.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = wire::fuzz_input::replay(data);
});
