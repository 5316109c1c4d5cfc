//! Zeek's x509.log deduplication (`X509::known_log_certs`): a certificate
//! is logged once per `X509::relog_known_certificates_after` for each
//! (fingerprint, host_cert, client_cert). The set is shared by every
//! worker of a run, as Zeek's set is global to the process: each
//! certificate gets the same number of rows whatever the number of
//! workers. (With several workers, which of two sightings close in time
//! comes first, and so gives the row its `ts`, depends on scheduling.)

use records::{Interval, Time};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// `X509::known_log_certs_maximum_size`: beyond it, certificates are
/// logged without being remembered.
const MAX_KNOWN: usize = 1_000_000;
/// Expired entries are dropped when the set reaches this size, then when
/// it has doubled since.
const FIRST_PURGE: usize = 1024;

/// What identifies a logged certificate.
pub type CertKey = ([u8; 32], bool, bool);

/// The certificates logged recently; clones share the set.
#[derive(Debug, Clone, Default)]
pub struct KnownCerts(Arc<Mutex<Known>>);

#[derive(Debug, Default)]
struct Known {
    /// When each was added.
    added: HashMap<CertKey, Time>,
    purge_at: usize,
}

impl KnownCerts {
    /// Whether the certificate is to be logged at `now`, remembering it
    /// when it is. `relog` 0 turns deduplication off.
    pub fn admit(&self, key: CertKey, now: Time, relog: Interval) -> bool {
        if relog.0 <= 0 {
            return true;
        }
        let mut known = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let fresh = |added: Time| now.0 < added.0.saturating_add(relog.0);
        if known.added.get(&key).is_some_and(|t| fresh(*t)) {
            return false;
        }
        if known.added.len() >= known.purge_at.max(FIRST_PURGE) {
            known.added.retain(|_, t| fresh(*t));
            known.purge_at = known.added.len() * 2;
        }
        if known.added.len() < MAX_KNOWN || known.added.contains_key(&key) {
            known.added.insert(key, now);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Interval = Interval(86_400_000_000_000);

    #[test]
    fn once_a_day_per_key() {
        let known = KnownCerts::default();
        let key = ([1; 32], true, false);
        let t0 = Time(1_000_000_000_000_000_000);
        assert!(known.admit(key, t0, DAY));
        assert!(!known.admit(key, Time(t0.0 + 1), DAY));
        assert!(known.admit(([1; 32], false, false), Time(t0.0 + 1), DAY));
        assert!(known.admit(key, Time(t0.0 + DAY.0), DAY));
        assert!(!known.admit(key, Time(t0.0 + DAY.0 + 1), DAY));
    }

    #[test]
    fn zero_interval_logs_everything() {
        let known = KnownCerts::default();
        let key = ([2; 32], true, false);
        assert!(known.admit(key, Time(5), Interval(0)));
        assert!(known.admit(key, Time(5), Interval(0)));
    }

    #[test]
    fn clones_share_the_set() {
        let a = KnownCerts::default();
        let b = a.clone();
        let key = ([3; 32], false, true);
        assert!(a.admit(key, Time(0), DAY));
        assert!(!b.admit(key, Time(1), DAY));
    }

    #[test]
    fn expired_entries_are_purged() {
        let known = KnownCerts::default();
        for i in 0..FIRST_PURGE as u32 {
            let mut fp = [0; 32];
            fp[..4].copy_from_slice(&i.to_be_bytes());
            known.admit((fp, false, false), Time(0), DAY);
        }
        known.admit(([9; 32], false, false), Time(DAY.0 * 2), DAY);
        assert_eq!(known.0.lock().unwrap().added.len(), 1);
    }
}
