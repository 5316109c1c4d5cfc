//! Zeek's `protocols/ssl/validate-certs` around `x509_verify`: a result
//! per chain cached for five minutes after its last use, and a cache of
//! intermediate CAs by issuer name, tried first for later leaves of the
//! same issuer (as Firefox does). Shared by all workers of a run.

use crate::chain::verify;
use crate::store::RootStore;
use crate::Status;
use sha1::Digest;
use std::collections::HashMap;
use std::sync::Mutex;
use x509::Certificate;

/// `SSL::recently_validated_certs`'s `&read_expire=5mins`.
const RESULT_LIFETIME: i64 = 300;
/// Bounds of the caches (Zeek's are unbounded; hostile traffic must not
/// grow memory without limit).
const MAX_RESULTS: usize = 100_000;
const MAX_INTERMEDIATE_SETS: usize = 10_000;

/// A cached chain result and when it was last read or written.
#[derive(Debug, Clone, Copy)]
struct Recent {
    status: Status,
    used: i64,
}

/// Certificate validation for a run.
#[derive(Debug)]
pub struct Validator {
    store: RootStore,
    /// `SSL::ssl_cache_intermediate_ca`.
    cache_intermediates: bool,
    recent: Mutex<HashMap<Vec<u8>, Recent>>,
    /// SHA-256 of an intermediate's subject → the intermediates above it.
    intermediates: Mutex<HashMap<[u8; 32], Vec<Vec<u8>>>>,
}

impl Validator {
    pub fn new(store: RootStore, cache_intermediates: bool) -> Self {
        Validator {
            store,
            cache_intermediates,
            recent: Mutex::default(),
            intermediates: Mutex::default(),
        }
    }

    pub fn store(&self) -> &RootStore {
        &self.store
    }

    /// `validation_status` of a server chain (leaf first; only the
    /// certificates Zeek parsed) at network time `now` (Unix seconds, as
    /// `time_t`). `None` when there is no parseable leaf: Zeek then does
    /// not validate.
    pub fn validate(&self, chain: &[&[u8]], now: i64) -> Option<Status> {
        let leaf = Certificate::parse(chain.first()?)?;
        if self.cache_intermediates {
            if let Some(known) = self.intermediates_for(leaf.issuer) {
                let mut with_known: Vec<&[u8]> = vec![leaf.der];
                with_known.extend(known.iter().map(Vec::as_slice));
                if self.cached_verify(&with_known, now) == Status::Ok {
                    return Some(Status::Ok);
                }
            }
        }
        Some(self.cached_verify(chain, now))
    }

    fn intermediates_for(&self, issuer: &[u8]) -> Option<Vec<Vec<u8>>> {
        let cache = self.intermediates.lock().unwrap_or_else(|e| e.into_inner());
        cache.get(&sha256(issuer)).cloned()
    }

    /// `cache_validate`: the recent result of this exact chain, or a new
    /// verification (remembering the intermediates of a good chain).
    fn cached_verify(&self, chain: &[&[u8]], now: i64) -> Status {
        let id: Vec<u8> = chain.iter().flat_map(sha1::Sha1::digest).collect();
        if let Some(status) = self.recent_result(&id, now) {
            return status;
        }
        let Some(v) = verify(chain[0], &chain[1..], &self.store, now) else {
            return Status::UnableToGetIssuerCertLocally;
        };
        self.remember(id, v.status, now);
        if self.cache_intermediates && v.status == Status::Ok && v.chain.len() > 2 {
            self.remember_intermediates(&v.chain[1..v.chain.len() - 1]);
        }
        v.status
    }

    fn recent_result(&self, id: &[u8], now: i64) -> Option<Status> {
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        let entry = recent.get_mut(id)?;
        if now - entry.used >= RESULT_LIFETIME {
            recent.remove(id);
            return None;
        }
        entry.used = now;
        Some(entry.status)
    }

    fn remember(&self, id: Vec<u8>, status: Status, now: i64) {
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        if recent.len() >= MAX_RESULTS {
            recent.retain(|_, r| now - r.used < RESULT_LIFETIME);
            if recent.len() >= MAX_RESULTS {
                recent.clear();
            }
        }
        recent.insert(id, Recent { status, used: now });
    }

    /// Keyed by the first intermediate's subject, as Zeek keys it.
    fn remember_intermediates(&self, intermediates: &[&[u8]]) {
        let Some(first) = intermediates.first().and_then(|d| Certificate::parse(d)) else {
            return;
        };
        let key = sha256(first.subject);
        let mut cache = self.intermediates.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() < MAX_INTERMEDIATE_SETS && !cache.contains_key(&key) {
            cache.insert(key, intermediates.iter().map(|d| d.to_vec()).collect());
        }
    }
}

fn sha256(data: &[u8]) -> [u8; 32] {
    sha2::Sha256::digest(data).into()
}
