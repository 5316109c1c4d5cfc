//! Inputs the fuzzers found crashing, replayed through the same harness as
//! the `decode` fuzz target, so they stay fixed.

#[test]
fn fragment_eviction_does_not_use_a_stale_index() {
    wire::fuzz_input::replay(include_bytes!("regressions/frag-evict-stale-index.bin"));
}
