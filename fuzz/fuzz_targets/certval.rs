//! Chain validation on arbitrary DER. Byte 0 moves the verification time
//! (months around 2024), byte 1 picks the input: even, certificates from
//! the input (u16-length-prefixed, leaf first); odd, a real chain (test
//! root, intermediate, leaf) with the input's patches (cert, offset, byte).
//! Both the bare verifier and the caching validator run; neither may panic.
#![no_main]
use certval::testcert::{CertBuilder, Key};
use certval::{RootStore, Validator};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

struct Fixture {
    validator: Validator,
    chain: Vec<Vec<u8>>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let (root_key, inter_key) = (Key::p256(1), Key::p256(2));
        let root = CertBuilder::new("Fuzz Root").ca(Some(1)).self_signed(&root_key);
        let inter = CertBuilder::new("Fuzz CA").ca(None).issued_by(&inter_key, "Fuzz Root", &root_key);
        let leaf = CertBuilder::new("fuzz.example").issued_by(&Key::p256(3), "Fuzz CA", &inter_key);
        let mut store = RootStore::mozilla();
        store.add_der(&root).expect("test root");
        Fixture {
            validator: Validator::new(store, true),
            chain: vec![leaf, inter, root],
        }
    })
}

/// Up to 8 u16-length-prefixed pieces.
fn pieces(mut data: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while let [hi, lo, rest @ ..] = data {
        let n = usize::from(u16::from_be_bytes([*hi, *lo])).min(rest.len());
        out.push(rest[..n].to_vec());
        data = &rest[n..];
        if out.len() == 8 {
            break;
        }
    }
    out
}

/// The fixture's chain with byte patches applied.
fn patched(chain: &[Vec<u8>], patches: &[u8]) -> Vec<Vec<u8>> {
    let mut certs = chain.to_vec();
    for p in patches.chunks_exact(4) {
        let cert = &mut certs[usize::from(p[0]) % chain.len()];
        let at = usize::from(u16::from_be_bytes([p[1], p[2]])) % cert.len();
        cert[at] = p[3];
    }
    certs
}

fuzz_target!(|data: &[u8]| {
    let [when, mode, rest @ ..] = data else {
        return;
    };
    let f = fixture();
    let certs = if mode & 1 == 0 {
        pieces(rest)
    } else {
        patched(&f.chain, rest)
    };
    let Some((leaf, others)) = certs.split_first() else {
        return;
    };
    let now = 1_704_067_200 + (i64::from(*when) - 128) * 30 * 86_400;
    let others: Vec<&[u8]> = others.iter().map(Vec::as_slice).collect();
    let _ = certval::verify(leaf, &others, f.validator.store(), now);
    let chain: Vec<&[u8]> = certs.iter().map(Vec::as_slice).collect();
    let _ = f.validator.validate(&chain, now);
});
