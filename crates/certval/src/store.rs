//! The trusted certificates: Mozilla's roots as the `webpki-root-certs`
//! crate ships them, PEM bundles, and DER certificates from Zeek's
//! `SSL::root_certs`. A store is built once per run; its certificates are
//! parsed once and live as long as the process.

use crate::cert::Cert;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use std::collections::HashMap;

/// Trusted certificates, looked up by (canonical) subject name.
#[derive(Debug, Default)]
pub struct RootStore {
    certs: Vec<Cert<'static>>,
    by_subject: HashMap<Vec<u8>, Vec<usize>>,
}

impl RootStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Mozilla's current root program.
    pub fn mozilla() -> Self {
        let mut store = Self::new();
        for der in webpki_root_certs::TLS_SERVER_ROOT_CERTS {
            let bytes: &'static [u8] = der.as_ref();
            // The crate ships parseable certificates; skip any that are not.
            if let Some(c) = Cert::parse(bytes) {
                store.insert(c);
            }
        }
        store
    }

    pub fn len(&self) -> usize {
        self.certs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
    }

    /// Adds one DER certificate (a copy kept for the process's lifetime).
    pub fn add_der(&mut self, der: &[u8]) -> Result<(), String> {
        let owned: &'static [u8] = Box::leak(der.to_vec().into_boxed_slice());
        let cert = Cert::parse(owned).ok_or("not a DER X.509 certificate")?;
        self.insert(cert);
        Ok(())
    }

    /// Adds every certificate of a PEM bundle; an error when one does not
    /// decode or there is none.
    pub fn add_pem(&mut self, pem: &[u8]) -> Result<usize, String> {
        let mut added = 0;
        for item in CertificateDer::pem_slice_iter(pem) {
            let der = item.map_err(|e| format!("bad PEM: {e}"))?;
            self.add_der(der.as_ref())
                .map_err(|e| format!("certificate {}: {e}", added + 1))?;
            added += 1;
        }
        if added == 0 {
            return Err("no PEM certificate found".into());
        }
        Ok(added)
    }

    /// Adds another store's certificates.
    pub fn extend(&mut self, other: RootStore) {
        other.certs.into_iter().for_each(|c| self.insert(c));
    }

    /// Stores a certificate unless the same one is there already (as
    /// `X509_STORE_add_cert` does).
    fn insert(&mut self, cert: Cert<'static>) {
        let key = cert.subject_key().to_vec();
        let same = self.by_subject.get(&key).into_iter().flatten();
        if same.clone().any(|i| self.certs[*i].x.der == cert.x.der) {
            return;
        }
        self.by_subject
            .entry(key)
            .or_default()
            .push(self.certs.len());
        self.certs.push(cert);
    }

    /// The certificates whose subject is `name` (a canonical key).
    pub(crate) fn with_subject<'s>(
        &'s self,
        name: &[u8],
    ) -> impl Iterator<Item = &'s Cert<'static>> {
        self.by_subject
            .get(name)
            .into_iter()
            .flatten()
            .map(|i| &self.certs[*i])
    }
}
