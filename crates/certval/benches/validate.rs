//! Validation cost per chain: the bare verifier (every signature checked)
//! against Zeek's per-chain result cache, for P-256 and RSA-2048 chains,
//! plus loading Mozilla's roots. `cargo bench -p certval`.

use certval::testcert::{CertBuilder, Key};
use certval::{verify, RootStore, Validator};
use std::hint::black_box;
use std::time::Instant;

const NOW: i64 = 1_704_067_200;

/// Mean time per call of `f` over `n` calls, in microseconds.
fn per_call(n: u32, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed().as_secs_f64() * 1e6 / f64::from(n)
}

/// Root, intermediate and leaf, all keys of one kind.
fn chain(make_key: impl Fn(u8) -> Key) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let (root_key, inter_key) = (make_key(1), make_key(2));
    let root = CertBuilder::new("Bench Root")
        .ca(None)
        .self_signed(&root_key);
    let inter =
        CertBuilder::new("Bench CA")
            .ca(None)
            .issued_by(&inter_key, "Bench Root", &root_key);
    let leaf = CertBuilder::new("bench.example").issued_by(&make_key(3), "Bench CA", &inter_key);
    (root, inter, leaf)
}

fn report(kind: &str, (root, inter, leaf): (Vec<u8>, Vec<u8>, Vec<u8>)) {
    let mut store = RootStore::mozilla();
    store.add_der(&root).unwrap();
    let uncached = per_call(200, || {
        black_box(verify(&leaf, &[&inter], &store, NOW));
    });
    let validator = Validator::new(store, true);
    let chain: [&[u8]; 2] = [&leaf, &inter];
    let cached = per_call(20_000, || {
        black_box(validator.validate(&chain, NOW));
    });
    println!("{kind:>9} chain: uncached {uncached:8.1} µs   cached {cached:6.2} µs");
}

fn main() {
    let load = per_call(20, || {
        black_box(RootStore::mozilla());
    });
    println!("Mozilla root store load: {:.2} ms", load / 1000.0);
    report("P-256", chain(Key::p256));
    report("RSA-2048", chain(|_| Key::rsa(2048)));
}
