//! `X509_verify_cert` as Zeek's `x509_verify` runs it (OpenSSL 1.1
//! defaults: trusted-first chain building, depth limit 100, no purpose,
//! no CRLs, no partial chains, the verification time given): build the
//! chain, check CA flags and path lengths, then verify signatures and
//! validity top-down. The first error ends verification.

use crate::cert::Cert;
use crate::signature::{self, PublicKey};
use crate::store::RootStore;
use crate::time::{self, Cmp};
use crate::Status;

/// `X509_VERIFY_PARAM`'s default depth.
const MAX_DEPTH: usize = 100;

/// A verification's result and, when it succeeded, the chain it built
/// (leaf first, trust anchor last, as DER).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification<'a> {
    pub status: Status,
    pub chain: Vec<&'a [u8]>,
}

/// Verifies `leaf` with the peer's other certificates `untrusted` against
/// `store` at Unix time `now`. `None` when the leaf is not a certificate;
/// untrusted certificates that do not parse are ignored.
pub fn verify<'a>(
    leaf: &'a [u8],
    untrusted: &[&'a [u8]],
    store: &'a RootStore,
    now: i64,
) -> Option<Verification<'a>> {
    let leaf = Cert::parse(leaf)?;
    let untrusted: Vec<Cert<'a>> = untrusted.iter().filter_map(|d| Cert::parse(d)).collect();
    let mut builder = Builder {
        chain: vec![&leaf],
        num_untrusted: 1,
        untrusted: untrusted.iter().collect(),
        store,
        now,
    };
    let status = builder
        .build()
        .and_then(|()| check_extensions(&builder.chain))
        .and_then(|()| check_signatures_and_times(&builder.chain, now))
        .err()
        .unwrap_or(Status::Ok);
    let chain = match status {
        Status::Ok => builder.chain.iter().map(|c| c.x.der).collect(),
        _ => Vec::new(),
    };
    Some(Verification { status, chain })
}

/// A self-signed certificate as OpenSSL's `cert_self_signed` sees it.
fn self_signed(c: &Cert<'_>) -> bool {
    !c.invalid && c.self_signed
}

/// Within its validity period at `now` (`x509_check_cert_time`, silent).
fn time_valid(c: &Cert<'_>, now: i64) -> bool {
    let (not_before, not_after) = time::validity(c.x.tbs);
    time::compare(not_before, now) == Cmp::NotAfter && time::compare(not_after, now) == Cmp::After
}

struct Builder<'c, 'a> {
    chain: Vec<&'c Cert<'a>>,
    /// How many chain entries came from the peer (the rest: the store).
    num_untrusted: usize,
    /// Peer certificates not used yet.
    untrusted: Vec<&'c Cert<'a>>,
    store: &'a RootStore,
    now: i64,
}

impl<'c, 'a: 'c> Builder<'c, 'a> {
    /// `build_chain`: extend the chain with trusted issuers first, peer
    /// certificates otherwise, until a self-signed trust anchor.
    fn build(&mut self) -> Result<(), Status> {
        let depth = MAX_DEPTH + 1;
        let mut self_signed_top = self_signed(self.chain[0]);
        let mut search_untrusted = true;
        loop {
            let num = self.chain.len();
            let top = self.chain[num - 1];
            let issuer = if depth < num {
                None
            } else {
                self.store_issuer(top)
            };
            if let Some(issuer) = issuer {
                let mut ok = true;
                let mut checked_from = num;
                if !self_signed_top {
                    self.chain.push(issuer);
                    self_signed_top = self_signed(issuer);
                } else if num == self.num_untrusted {
                    // A self-signed peer certificate is trusted only if it
                    // is the very certificate the store has.
                    if top.x.der == issuer.x.der {
                        self.num_untrusted -= 1;
                        checked_from -= 1;
                        self.chain[checked_from] = issuer;
                    } else {
                        ok = false;
                    }
                }
                if ok {
                    search_untrusted = false;
                    if self.chain[checked_from..].iter().any(|c| self_signed(c)) {
                        return Ok(());
                    }
                    if !self_signed_top {
                        continue;
                    }
                }
            }
            if !search_untrusted {
                break;
            }
            let next = if self_signed_top || depth < num {
                None
            } else {
                self.peer_issuer(top)
            };
            match next {
                Some(i) => {
                    let issuer = self.untrusted.remove(i);
                    self.chain.push(issuer);
                    self.num_untrusted += 1;
                    self_signed_top = self_signed(issuer);
                }
                None => search_untrusted = false,
            }
        }
        let num = self.chain.len();
        Err(if num > depth {
            Status::CertChainTooLong
        } else if self_signed_top && num == 1 {
            Status::DepthZeroSelfSignedCert
        } else if self_signed_top {
            Status::SelfSignedCertInChain
        } else if self.num_untrusted < num {
            Status::UnableToGetIssuerCert
        } else {
            Status::UnableToGetIssuerCertLocally
        })
    }

    /// `X509_STORE_CTX_get1_issuer`: the first store certificate that
    /// issued `x` and is within its validity period, else the last one
    /// that issued it.
    fn store_issuer(&self, x: &Cert<'_>) -> Option<&'a Cert<'a>> {
        let mut found = None;
        for c in self.store.with_subject(x.issuer_key()) {
            if x.likely_issued_by(c) {
                found = Some(c);
                if time_valid(c, self.now) {
                    break;
                }
            }
        }
        found
    }

    /// `find_issuer` over the unused peer certificates: as above, and not
    /// already in the chain (unless `x` is a self-issued leaf).
    fn peer_issuer(&self, x: &Cert<'_>) -> Option<usize> {
        let mut found = None;
        for (i, c) in self.untrusted.iter().enumerate() {
            let fresh = (x.self_issued && self.chain.len() == 1)
                || !self.chain.iter().any(|in_chain| in_chain.x.der == c.x.der);
            if x.likely_issued_by(c) && fresh {
                found = Some(i);
                if time_valid(c, self.now) {
                    break;
                }
            }
        }
        found
    }
}

/// `check_chain_extensions` without a purpose: unhandled critical
/// extensions, proxy certificates, CA flags above the leaf (implicitly
/// strict below the top), path length constraints.
fn check_extensions(chain: &[&Cert<'_>]) -> Result<(), Status> {
    let mut path_len = 0u64;
    for (i, c) in chain.iter().enumerate() {
        if c.unhandled_critical {
            return Err(Status::UnhandledCriticalExtension);
        }
        if c.proxy {
            return Err(Status::ProxyCertificatesNotAllowed);
        }
        let ca = c.check_ca();
        if i > 0 && (ca == 0 || (i + 1 < chain.len() && ca != 1)) {
            return Err(Status::InvalidCa);
        }
        if i > 1 && c.path_len.is_some_and(|max| path_len > max) {
            return Err(Status::PathLengthExceeded);
        }
        if i > 0 && !c.self_issued {
            path_len += 1;
        }
    }
    Ok(())
}

/// `internal_verify`: from the top down, each signature with its
/// issuer's key (a self-issued top is not checked), then each validity.
/// (Its key usage check cannot fail here: `check_extensions` already
/// refused CAs whose key usage lacks keyCertSign, and proxies.)
fn check_signatures_and_times(chain: &[&Cert<'_>], now: i64) -> Result<(), Status> {
    let top = chain.len() - 1;
    let mut n = top;
    if !chain[top].likely_issued_by(chain[top]) {
        if top == 0 {
            return Err(Status::UnableToVerifyLeafSignature);
        }
        n -= 1;
    }
    loop {
        let (subject, issuer) = (chain[n], chain[(n + 1).min(top)]);
        if n != top {
            check_signature(subject, issuer)?;
        }
        check_times(subject, now)?;
        if n == 0 {
            return Ok(());
        }
        n -= 1;
    }
}

fn check_signature(subject: &Cert<'_>, issuer: &Cert<'_>) -> Result<(), Status> {
    let key = PublicKey::of(&issuer.x).ok_or(Status::UnableToDecodeIssuerPublicKey)?;
    if !signature::verify(&subject.x, &key) {
        return Err(Status::CertSignatureFailure);
    }
    Ok(())
}

fn check_times(c: &Cert<'_>, now: i64) -> Result<(), Status> {
    let (not_before, not_after) = time::validity(c.x.tbs);
    match time::compare(not_before, now) {
        Cmp::Malformed => return Err(Status::ErrorInCertNotBeforeField),
        Cmp::After => return Err(Status::CertNotYetValid),
        Cmp::NotAfter => {}
    }
    match time::compare(not_after, now) {
        Cmp::Malformed => Err(Status::ErrorInCertNotAfterField),
        Cmp::NotAfter => Err(Status::CertHasExpired),
        Cmp::After => Ok(()),
    }
}
