//! Certificate chain validation with OpenSSL's outcomes, for ssl.log's
//! `validation_status` (Zeek's `protocols/ssl/validate-certs`).
//!
//! [`verify`] is `X509_verify_cert` as Zeek's `x509_verify` calls it;
//! [`Validator`] adds what the Zeek script does around it (result and
//! intermediate-CA caches); [`RootStore`] holds the trust anchors.
//! Results are OpenSSL's error strings ([`Status::message`]).
//!
//! Not modelled: name constraints, RFC 3779 extensions, DSA/Ed448 keys
//! and curves other than P-256/P-384/P-521 (their certificates cannot be
//! verified here).

mod cert;
mod chain;
mod hash;
mod name;
mod rsa;
mod signature;
mod status;
mod store;
mod time;
mod validator;

#[cfg(feature = "test-support")]
pub mod testcert;

pub use chain::{verify, Verification};
pub use status::Status;
pub use store::RootStore;
pub use validator::Validator;
