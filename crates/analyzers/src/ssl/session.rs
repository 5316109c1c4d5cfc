//! What Zeek's ssl scripts keep about a session (`SSL::Info` and its
//! helper flags) and how each analyzer event updates it.

use super::handshake as hs;
use super::names;
use super::SslRecord;
use crate::context::ConnInfo;
use crate::x509::CertSummary;
use records::{Port, Time, ZString};

/// `SSL::max_ssl_history_length`'s default.
pub const MAX_HISTORY: usize = 100;
const TLS_V13: u16 = 0x0304;
/// Certificates kept per side: real chains are a handful; hostile input
/// repeating Certificate messages must not grow memory without bound.
const MAX_CHAIN: usize = 64;
const SSL_V2: u16 = 0x0002;
/// ServerHello.random of a HelloRetryRequest (RFC 8446, 4.1.3).
pub(super) const HELLO_RETRY_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

/// Certificates seen, per side; created on the first certificate of
/// either side (so both columns then log, possibly empty).
#[derive(Debug, Default)]
struct Chains {
    server: Chain,
    client: Chain,
    /// DER of the server certificates that parsed, when validating.
    server_ders: Vec<Vec<u8>>,
}

/// One side's certificates (Zeek's `cert_chain`).
#[derive(Debug, Default)]
struct Chain {
    /// Fingerprints, `None` for certificates that did not parse.
    fingerprints: Vec<Option<String>>,
    /// The first certificate, when it parsed (`cert_chain[0]$x509`).
    first: Option<CertSummary>,
}

impl Chain {
    fn extend(&mut self, certs: Vec<Option<CertSummary>>) {
        let room = MAX_CHAIN.saturating_sub(self.fingerprints.len());
        for cert in certs.into_iter().take(room) {
            if self.fingerprints.is_empty() {
                self.first = cert.clone();
            }
            self.fingerprints.push(cert.map(|c| c.fingerprint));
        }
    }

    fn fingerprints(&self) -> Vec<String> {
        self.fingerprints.iter().flatten().cloned().collect()
    }
}

#[derive(Debug)]
pub struct Session {
    ts: Time,
    /// `SSL::max_ssl_history_length`.
    max_history: usize,
    version_num: Option<u16>,
    cipher: Option<String>,
    curve: Option<String>,
    server_name: Option<Vec<u8>>,
    /// The client's non-trivial session id, to spot resumption.
    session_id: Option<Vec<u8>>,
    resumed: bool,
    client_ticket_empty_session_seen: bool,
    client_key_exchange_seen: bool,
    client_psk_seen: bool,
    last_alert: Option<String>,
    next_protocol: Option<Vec<u8>>,
    hrr_seen: bool,
    history: String,
    chains: Option<Chains>,
    keep_server_certificates: bool,
    requested_authorities: Option<Vec<String>>,
}

impl Session {
    pub fn new(ts: Time, max_history: usize) -> Self {
        Session {
            ts,
            max_history,
            version_num: None,
            cipher: None,
            curve: None,
            server_name: None,
            session_id: None,
            resumed: false,
            client_ticket_empty_session_seen: false,
            client_key_exchange_seen: false,
            client_psk_seen: false,
            last_alert: None,
            next_protocol: None,
            hrr_seen: false,
            history: String::new(),
            chains: None,
            keep_server_certificates: false,
            requested_authorities: None,
        }
    }

    /// Append a history letter (upper case for the client). True when this
    /// reached the length limit (Zeek then raises a weird).
    #[must_use]
    pub fn add_history(&mut self, is_client: bool, letter: char) -> bool {
        if self.history.len() >= self.max_history {
            return false;
        }
        self.history.push(if is_client {
            letter.to_ascii_uppercase()
        } else {
            letter
        });
        self.history.len() == self.max_history
    }

    pub fn max_history(&self) -> usize {
        self.max_history
    }

    /// Client and server turned out to be the other way round.
    pub fn flipped(&mut self) {
        self.history.push('^');
    }

    pub fn client_hello(&mut self, session_id: &[u8]) {
        if !session_id.is_empty() && session_id != [0u8; 32] {
            self.session_id = Some(session_id.to_vec());
            self.client_ticket_empty_session_seen = false;
        }
    }

    pub fn server_hello(&mut self, h: &hs::ServerHello<'_>) {
        if self.version_num.is_none() {
            self.version_num = Some(h.version);
        }
        self.cipher = Some(names::cipher_name(h.cipher.into()));
        if h.random == HELLO_RETRY_RANDOM {
            self.hrr_seen = true;
        }
        self.check_session_id_resumption(h.session_id);
    }

    /// An SSLv2 ServerHello (its cipher list is 24-bit cipher kinds).
    pub fn server_hello_v2(&mut self, cipher: u32) {
        if self.version_num.is_none() {
            self.version_num = Some(SSL_V2);
        }
        self.cipher = Some(names::cipher_name(cipher));
    }

    fn check_session_id_resumption(&mut self, server_id: Option<&[u8]>) {
        let version = self.version_num.unwrap_or(0);
        let echoed = self.session_id.as_deref() == Some(server_id.unwrap_or_default());
        if echoed && !names::is_tls13_draft(version) && version != TLS_V13 {
            self.resumed = true;
        }
    }

    /// The server's supported_versions: the negotiated version.
    pub fn server_supported_version(&mut self, v: u16) {
        self.version_num = Some(v);
    }

    /// The CAs of the server's certificate request (the last one counts).
    pub fn requested_authorities(&mut self, names: Vec<String>) {
        self.requested_authorities = Some(names);
    }

    pub fn curve(&mut self, group: u16) {
        self.curve = Some(names::curve_name(group));
    }

    /// The client's server_name extension; true when it named several
    /// hosts (a weird).
    pub fn server_names(&mut self, names: &[&[u8]]) -> bool {
        if let Some(first) = names.first() {
            self.server_name = Some(first.to_vec());
        }
        names.len() > 1
    }

    pub fn server_alpn(&mut self, protocols: &[&[u8]]) {
        if let Some(first) = protocols.first() {
            self.next_protocol = Some(first.to_vec());
        }
    }

    /// Any extension, before the specific handling of its hello.
    pub fn extension(&mut self, is_client: bool, kind: u16, data: &[u8]) {
        match (is_client, kind) {
            (true, hs::EXT_SESSION_TICKET) if !data.is_empty() => {
                self.client_ticket_empty_session_seen = true
            }
            (true, hs::EXT_PRE_SHARED_KEY) => self.client_psk_seen = true,
            (false, hs::EXT_PRE_SHARED_KEY) if self.client_psk_seen => self.resumed = true,
            _ => {}
        }
    }

    /// A handshake message was seen; true when the history limit was hit.
    #[must_use]
    pub fn handshake_message(&mut self, is_client: bool, msg_type: u8) -> bool {
        if is_client && msg_type == hs::CLIENT_KEY_EXCHANGE {
            self.client_key_exchange_seen = true;
        }
        let letter = match msg_type {
            hs::SERVER_HELLO if self.hrr_seen => {
                self.hrr_seen = false;
                'j'
            }
            _ => history_letter(msg_type),
        };
        self.add_history(is_client, letter)
    }

    #[must_use]
    pub fn change_cipher_spec(&mut self, is_client: bool) -> bool {
        if is_client && self.client_ticket_empty_session_seen && !self.client_key_exchange_seen {
            self.resumed = true;
        }
        self.add_history(is_client, 'i')
    }

    #[must_use]
    pub fn alert(&mut self, is_client: bool, desc: u16) -> bool {
        self.last_alert = Some(match u8::try_from(desc) {
            Ok(d) => names::alert_name(d),
            Err(_) => format!("unknown-{desc}"),
        });
        self.add_history(is_client, 'l')
    }

    /// The certificates of one Certificate message (those of zero length
    /// left out), as the X.509 analysis summed them up.
    pub fn certificates(&mut self, is_client: bool, certs: Vec<(Option<CertSummary>, &[u8])>) {
        if certs.is_empty() {
            return;
        }
        let keep_ders = self.keep_server_certificates && !is_client;
        let chains = self.chains.get_or_insert_with(Chains::default);
        if keep_ders {
            let room = MAX_CHAIN.saturating_sub(chains.server.fingerprints.len());
            let parsed = certs
                .iter()
                .take(room)
                .filter(|(summary, _)| summary.is_some());
            chains
                .server_ders
                .extend(parsed.map(|(_, der)| der.to_vec()));
        }
        let chain = if is_client {
            &mut chains.client
        } else {
            &mut chains.server
        };
        chain.extend(certs.into_iter().map(|(summary, _)| summary).collect());
    }

    /// Keep the server's certificates for validation.
    pub fn keep_server_certificates(&mut self) {
        self.keep_server_certificates = true;
    }

    /// `validation_status` as validate-certs sets it at network time `now`:
    /// only when the server's first certificate parsed.
    pub fn validation_status(&self, v: &certval::Validator, now: Time) -> Option<String> {
        let chains = self.chains.as_ref()?;
        chains.server.first.as_ref()?;
        let ders: Vec<&[u8]> = chains.server_ders.iter().map(Vec::as_slice).collect();
        let seconds = now.0.div_euclid(1_000_000_000);
        v.validate(&ders, seconds).map(|s| s.message().to_string())
    }

    /// Whether a version has been chosen (Zeek's `c$ssl?$version`).
    pub fn has_version(&self) -> bool {
        self.version_num.is_some()
    }

    /// The ssl.log row, as Zeek's `ssl_finishing` completes it.
    pub fn to_record(&self, conn: &ConnInfo<'_>, established: bool) -> SslRecord {
        let server = self.chains.as_ref().and_then(|c| c.server.first.as_ref());
        let client = self.chains.as_ref().and_then(|c| c.client.first.as_ref());
        SslRecord {
            ts: self.ts,
            uid: conn.uid.to_string(),
            orig_h: Some(conn.orig_h),
            orig_p: Port(conn.orig_p),
            resp_h: Some(conn.resp_h),
            resp_p: Port(conn.resp_p),
            version: self.version_num.map(names::version_name),
            cipher: self.cipher.clone(),
            curve: self.curve.clone(),
            server_name: self.server_name.clone().map(ZString),
            resumed: self.resumed,
            last_alert: self.last_alert.clone(),
            next_protocol: self.next_protocol.clone().map(ZString),
            established,
            ssl_history: self.history.clone(),
            cert_chain_fps: self.chains.as_ref().map(|c| c.server.fingerprints()),
            client_cert_chain_fps: self.chains.as_ref().map(|c| c.client.fingerprints()),
            subject: server.map(|c| c.subject.clone()),
            issuer: server.map(|c| c.issuer.clone()),
            client_subject: client.map(|c| c.subject.clone()),
            client_issuer: client.map(|c| c.issuer.clone()),
            sni_matches_cert: self.sni_matches_cert(server),
            requested_client_certificate_authorities: self.requested_authorities.clone(),
            ..SslRecord::default()
        }
    }

    /// Set when the server's first certificate parsed and the client
    /// named a server.
    fn sni_matches_cert(&self, server: Option<&CertSummary>) -> Option<bool> {
        let name = self.server_name.as_ref()?;
        Some(server?.host_names.matches(name))
    }
}

/// Zeek's ssl_history letter of a handshake message type.
fn history_letter(msg_type: u8) -> char {
    match msg_type {
        hs::HELLO_REQUEST => 'h',
        hs::CLIENT_HELLO => 'c',
        hs::SERVER_HELLO => 's',
        hs::HELLO_VERIFY_REQUEST => 'v',
        hs::SESSION_TICKET => 't',
        5 => 'e', // end_of_early_data
        6 => 'j', // hello_retry_request (drafts)
        8 => 'o', // encrypted_extensions
        hs::CERTIFICATE => 'x',
        hs::SERVER_KEY_EXCHANGE => 'k',
        hs::CERTIFICATE_REQUEST => 'r',
        hs::SERVER_HELLO_DONE => 'n',
        hs::CERTIFICATE_VERIFY => 'y',
        hs::CLIENT_KEY_EXCHANGE => 'g',
        hs::FINISHED => 'f',
        hs::CERTIFICATE_URL => 'w',
        hs::CERTIFICATE_STATUS => 'u',
        23 => 'a',  // supplemental_data
        24 => 'p',  // key_update
        254 => 'm', // message_hash
        _ => 'z',
    }
}
