//! Each OpenSSL outcome, on real certificates signed at test time.

use certval::testcert::{self, CertBuilder, Key, RsaScheme, KU_SIGNATURE};
use certval::{verify, RootStore, Status, Validator};

/// 2024-01-01T00:00:00Z.
const NOW: i64 = 1_704_067_200;
const YEAR: i64 = 365 * 86_400;

/// A root, an intermediate below it and a leaf below that.
struct Pki {
    root_key: Key,
    inter_key: Key,
    leaf_key: Key,
    root: Vec<u8>,
    inter: Vec<u8>,
    leaf: Vec<u8>,
}

fn pki() -> Pki {
    let (root_key, inter_key, leaf_key) = (Key::p256(1), Key::p256(2), Key::p256(3));
    let root = CertBuilder::new("Test Root")
        .ca(None)
        .self_signed(&root_key);
    let inter = CertBuilder::new("Test Intermediate").ca(Some(0)).issued_by(
        &inter_key,
        "Test Root",
        &root_key,
    );
    let leaf =
        CertBuilder::new("www.example.com").issued_by(&leaf_key, "Test Intermediate", &inter_key);
    Pki {
        root_key,
        inter_key,
        leaf_key,
        root,
        inter,
        leaf,
    }
}

fn store(roots: &[&[u8]]) -> RootStore {
    let mut s = RootStore::new();
    for r in roots {
        s.add_der(r).unwrap();
    }
    s
}

fn status(chain: &[&[u8]], store: &RootStore) -> Status {
    verify(chain[0], &chain[1..], store, NOW)
        .expect("leaf parses")
        .status
}

#[test]
fn chain_to_a_trusted_root_is_ok_and_returns_the_chain() {
    let p = pki();
    let s = store(&[&p.root]);
    let v = verify(&p.leaf, &[&p.inter], &s, NOW).unwrap();
    assert_eq!(v.status, Status::Ok);
    assert_eq!(v.status.message(), "ok");
    assert_eq!(v.chain, vec![&p.leaf[..], &p.inter[..], &p.root[..]]);
    // The root sent along is replaced by the store's copy: still fine.
    assert_eq!(status(&[&p.leaf, &p.inter, &p.root], &s), Status::Ok);
    // Peer certificates in any order.
    let extra = CertBuilder::new("Unrelated").self_signed(&Key::p256(9));
    assert_eq!(status(&[&p.leaf, &extra, &p.inter], &s), Status::Ok);
}

#[test]
fn self_signed_leaf() {
    let key = Key::p256(4);
    let leaf = CertBuilder::new("self.example").self_signed(&key);
    let s = store(&[&pki().root]);
    assert_eq!(status(&[&leaf], &s), Status::DepthZeroSelfSignedCert);
    assert_eq!(
        Status::DepthZeroSelfSignedCert.message(),
        "self signed certificate"
    );
    // Trusted when the store has that very certificate.
    assert_eq!(status(&[&leaf], &store(&[&leaf])), Status::Ok);
}

#[test]
fn untrusted_root_in_chain() {
    let p = pki();
    let s = store(&[]);
    let st = status(&[&p.leaf, &p.inter, &p.root], &s);
    assert_eq!(st, Status::SelfSignedCertInChain);
    assert_eq!(st.message(), "self signed certificate in certificate chain");
}

#[test]
fn root_that_only_mimics_a_trusted_one() {
    let p = pki();
    // Same name as the trusted root, other key: the chain ends in an
    // untrusted self-signed certificate.
    let fake_key = Key::p256(7);
    let fake_root = CertBuilder::new("Test Root")
        .ca(None)
        .self_signed(&fake_key);
    let fake_inter = CertBuilder::new("Test Intermediate").ca(None).issued_by(
        &p.inter_key,
        "Test Root",
        &fake_key,
    );
    let s = store(&[&p.root]);
    // The store's root is tried first and fails the signature check.
    assert_eq!(
        status(&[&p.leaf, &fake_inter, &fake_root], &s),
        Status::CertSignatureFailure
    );
    assert_eq!(status(&[&fake_root], &s), Status::DepthZeroSelfSignedCert);
}

#[test]
fn missing_intermediate() {
    let p = pki();
    let s = store(&[&p.root]);
    let st = status(&[&p.leaf], &s);
    assert_eq!(st, Status::UnableToGetIssuerCertLocally);
    assert_eq!(st.message(), "unable to get local issuer certificate");
}

#[test]
fn store_chain_without_a_self_signed_top() {
    // The store holds only the intermediate: it is not a trust anchor.
    let p = pki();
    let s = store(&[&p.inter]);
    let st = status(&[&p.leaf], &s);
    assert_eq!(st, Status::UnableToGetIssuerCert);
    assert_eq!(st.message(), "unable to get issuer certificate");
}

#[test]
fn validity_period() {
    let p = pki();
    let s = store(&[&p.root]);
    let expired = CertBuilder::new("old.example")
        .validity(NOW - 2 * YEAR, NOW - YEAR)
        .issued_by(&p.leaf_key, "Test Intermediate", &p.inter_key);
    assert_eq!(status(&[&expired, &p.inter], &s), Status::CertHasExpired);
    assert_eq!(Status::CertHasExpired.message(), "certificate has expired");
    let future = CertBuilder::new("new.example")
        .validity(NOW + YEAR, NOW + 2 * YEAR)
        .issued_by(&p.leaf_key, "Test Intermediate", &p.inter_key);
    assert_eq!(status(&[&future, &p.inter], &s), Status::CertNotYetValid);
    assert_eq!(
        Status::CertNotYetValid.message(),
        "certificate is not yet valid"
    );
    // notAfter itself is already expired (OpenSSL compares with <=).
    let edge = CertBuilder::new("edge.example")
        .validity(NOW - YEAR, NOW)
        .issued_by(&p.leaf_key, "Test Intermediate", &p.inter_key);
    assert_eq!(status(&[&edge, &p.inter], &s), Status::CertHasExpired);
    // An expired trust anchor fails too, and first (top-down).
    let old_root = CertBuilder::new("Test Root")
        .ca(None)
        .validity(NOW - 2 * YEAR, NOW - YEAR)
        .self_signed(&p.root_key);
    assert_eq!(
        status(&[&future, &p.inter], &store(&[&old_root])),
        Status::CertHasExpired
    );
}

#[test]
fn bad_signature() {
    let p = pki();
    let s = store(&[&p.root]);
    let bad = testcert::with_bad_signature(&p.leaf);
    let st = status(&[&bad, &p.inter], &s);
    assert_eq!(st, Status::CertSignatureFailure);
    assert_eq!(st.message(), "certificate signature failure");
    // Signed by another key under the right name.
    let forged = CertBuilder::new("www.example.com").issued_by(
        &p.leaf_key,
        "Test Intermediate",
        &Key::p256(8),
    );
    assert_eq!(
        status(&[&forged, &p.inter], &s),
        Status::CertSignatureFailure
    );
}

#[test]
fn unknown_signature_algorithm_fails_the_signature() {
    let p = pki();
    let s = store(&[&p.root]);
    // 1.2.3.4 as signature algorithm.
    let odd = CertBuilder::new("odd.example")
        .signature_algorithm(vec![0x30, 0x05, 0x06, 0x03, 0x2A, 0x03, 0x04])
        .issued_by(&p.leaf_key, "Test Intermediate", &p.inter_key);
    assert_eq!(status(&[&odd, &p.inter], &s), Status::CertSignatureFailure);
}

#[test]
fn undecodable_issuer_key() {
    let p = pki();
    let s = store(&[&p.root]);
    // rsaEncryption with a key that is not an RSAPublicKey.
    let junk_spki = vec![
        0x30, 0x12, 0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01,
        0x05, 0x00, 0x03, 0x01, 0x00,
    ];
    let inter = CertBuilder::new("Test Intermediate")
        .ca(None)
        .public_key_info(junk_spki)
        .issued_by(&p.inter_key, "Test Root", &p.root_key);
    let st = status(&[&p.leaf, &inter], &s);
    assert_eq!(st, Status::UnableToDecodeIssuerPublicKey);
    assert_eq!(st.message(), "unable to decode issuer public key");
}

#[test]
fn ca_flags_and_path_length() {
    let p = pki();
    let s = store(&[&p.root]);
    let not_ca =
        CertBuilder::new("Test Intermediate").issued_by(&p.inter_key, "Test Root", &p.root_key);
    assert_eq!(status(&[&p.leaf, &not_ca], &s), Status::InvalidCa);
    assert_eq!(Status::InvalidCa.message(), "invalid CA certificate");
    let no_cert_sign = CertBuilder::new("Test Intermediate")
        .ca(None)
        .key_usage(KU_SIGNATURE)
        .issued_by(&p.inter_key, "Test Root", &p.root_key);
    assert_eq!(status(&[&p.leaf, &no_cert_sign], &s), Status::InvalidCa);
    // Test Intermediate (pathlen 0) → Sub CA → leaf: one CA too many.
    let sub_key = Key::p256(5);
    let sub =
        CertBuilder::new("Sub CA")
            .ca(None)
            .issued_by(&sub_key, "Test Intermediate", &p.inter_key);
    let leaf = CertBuilder::new("deep.example").issued_by(&p.leaf_key, "Sub CA", &sub_key);
    let st = status(&[&leaf, &sub, &p.inter], &s);
    assert_eq!(st, Status::PathLengthExceeded);
    assert_eq!(st.message(), "path length constraint exceeded");
}

#[test]
fn unhandled_critical_extension() {
    let p = pki();
    let s = store(&[&p.root]);
    let leaf = CertBuilder::new("crit.example")
        .extension(&[0x2A, 0x03, 0x04], true, &[0x05, 0x00])
        .issued_by(&p.leaf_key, "Test Intermediate", &p.inter_key);
    assert_eq!(
        status(&[&leaf, &p.inter], &s),
        Status::UnhandledCriticalExtension
    );
    // Not critical: ignored.
    let leaf = CertBuilder::new("crit.example")
        .extension(&[0x2A, 0x03, 0x04], false, &[0x05, 0x00])
        .issued_by(&p.leaf_key, "Test Intermediate", &p.inter_key);
    assert_eq!(status(&[&leaf, &p.inter], &s), Status::Ok);
}

#[test]
fn rsa_pkcs1_sha1_1024_and_sha256_2048() {
    let root_key = Key::rsa(2048);
    let root = CertBuilder::new("RSA Root").ca(None).self_signed(&root_key);
    let inter_key = Key::rsa(1024);
    let inter = CertBuilder::new("RSA Legacy CA")
        .ca(None)
        .issued_by(&inter_key, "RSA Root", &root_key);
    let leaf = CertBuilder::new("rsa.example")
        .rsa_scheme(RsaScheme::Pkcs1Sha1)
        .issued_by(&Key::p256(6), "RSA Legacy CA", &inter_key);
    let s = store(&[&root]);
    assert_eq!(status(&[&leaf, &inter], &s), Status::Ok);
    let bad = testcert::with_bad_signature(&leaf);
    assert_eq!(status(&[&bad, &inter], &s), Status::CertSignatureFailure);
}

#[test]
fn rsa_pss_and_its_parameters() {
    let root_key = Key::rsa(1024);
    let root = CertBuilder::new("PSS Root").ca(None).self_signed(&root_key);
    let pss = CertBuilder::new("pss.example").rsa_scheme(RsaScheme::PssSha256);
    let leaf = pss.issued_by(&Key::p256(6), "PSS Root", &root_key);
    let s = store(&[&root]);
    assert_eq!(status(&[&leaf], &s), Status::Ok);
    // CVE-2015-3194: MGF1 without its hash parameter.
    let cve = pss
        .signature_algorithm(testcert::pss_sha256_algorithm(false))
        .issued_by(&Key::p256(6), "PSS Root", &root_key);
    assert_eq!(status(&[&cve], &s), Status::CertSignatureFailure);
}

#[test]
fn ed25519_chain() {
    let root_key = Key::ed25519(1);
    let root = CertBuilder::new("Ed Root").ca(None).self_signed(&root_key);
    let leaf = CertBuilder::new("ed.example").issued_by(&Key::ed25519(2), "Ed Root", &root_key);
    let s = store(&[&root]);
    assert_eq!(status(&[&leaf], &s), Status::Ok);
    assert_eq!(
        status(&[&testcert::with_bad_signature(&leaf)], &s),
        Status::CertSignatureFailure
    );
}

#[test]
fn garbage_never_panics() {
    let p = pki();
    let s = store(&[&p.root]);
    assert!(verify(b"\x30\x03\x02\x01\x00", &[], &s, NOW).is_none());
    for n in 0..p.inter.len() {
        let v = verify(&p.leaf, &[&p.inter[..n]], &s, NOW).unwrap();
        assert_eq!(v.status, Status::UnableToGetIssuerCertLocally, "prefix {n}");
    }
}

#[test]
fn mozilla_roots_are_trust_anchors() {
    let s = RootStore::mozilla();
    assert!(s.len() > 100, "{} roots", s.len());
    // A root the server sends is trusted as itself.
    let root = webpki_root_certs::TLS_SERVER_ROOT_CERTS[0].as_ref();
    assert_eq!(status(&[root], &s), Status::Ok);
}

#[test]
fn pem_bundle_adds_and_rejects() {
    let p = pki();
    let pem = testcert::pem(&p.root);
    let mut s = RootStore::new();
    assert_eq!(s.add_pem(pem.as_bytes()), Ok(1));
    assert_eq!(status(&[&p.leaf, &p.inter], &s), Status::Ok);
    assert!(RootStore::new().add_pem(b"not pem").is_err());
    let broken = pem.replace("MI", "!!");
    assert!(RootStore::new().add_pem(broken.as_bytes()).is_err());
}

#[test]
fn validator_caches_intermediates_per_issuer() {
    let p = pki();
    let v = Validator::new(store(&[&p.root]), true);
    // A leaf alone cannot be validated...
    let other_leaf = CertBuilder::new("other.example").serial(2).issued_by(
        &Key::p256(10),
        "Test Intermediate",
        &p.inter_key,
    );
    assert_eq!(
        v.validate(&[&other_leaf], NOW),
        Some(Status::UnableToGetIssuerCertLocally)
    );
    // ...until a full chain through its issuer has been seen.
    assert_eq!(v.validate(&[&p.leaf, &p.inter], NOW), Some(Status::Ok));
    assert_eq!(v.validate(&[&other_leaf], NOW + 1), Some(Status::Ok));
    // Without the intermediate cache it stays unvalidated.
    let plain = Validator::new(store(&[&p.root]), false);
    assert_eq!(plain.validate(&[&p.leaf, &p.inter], NOW), Some(Status::Ok));
    assert_eq!(
        plain.validate(&[&other_leaf], NOW + 1),
        Some(Status::UnableToGetIssuerCertLocally)
    );
    assert_eq!(plain.validate(&[b"junk"], NOW), None);
}

#[test]
fn validator_reuses_a_result_until_five_minutes_unused() {
    let p = pki();
    let v = Validator::new(store(&[&p.root]), false);
    let leaf = CertBuilder::new("short.example")
        .validity(NOW - YEAR, NOW + 100)
        .issued_by(&p.leaf_key, "Test Intermediate", &p.inter_key);
    let chain: [&[u8]; 2] = [&leaf, &p.inter];
    assert_eq!(v.validate(&chain, NOW), Some(Status::Ok));
    // Expired meanwhile, but read again within five minutes: cached.
    assert_eq!(v.validate(&chain, NOW + 200), Some(Status::Ok));
    assert_eq!(v.validate(&chain, NOW + 450), Some(Status::Ok));
    // Unused for five minutes: validated anew at network time.
    assert_eq!(v.validate(&chain, NOW + 750), Some(Status::CertHasExpired));
}
