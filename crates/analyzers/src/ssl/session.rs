//! What Zeek's ssl scripts keep about a session (`SSL::Info` and its
//! helper flags) and how each analyzer event updates it.

use super::handshake as hs;
use super::names;
use super::x509::{self, CertInfo};
use super::SslRecord;
use crate::context::ConnInfo;
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
    server: Vec<Option<CertInfo>>,
    client: Vec<Option<CertInfo>>,
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

    pub fn certificates(&mut self, is_client: bool, ders: &[&[u8]]) {
        let ders: Vec<&[u8]> = ders.iter().copied().filter(|d| !d.is_empty()).collect();
        if ders.is_empty() {
            return;
        }
        let chains = self.chains.get_or_insert_with(Chains::default);
        let chain = if is_client {
            &mut chains.client
        } else {
            &mut chains.server
        };
        let room = MAX_CHAIN.saturating_sub(chain.len());
        chain.extend(ders.iter().take(room).map(|d| x509::parse(d)));
    }

    /// Whether a version has been chosen (Zeek's `c$ssl?$version`).
    pub fn has_version(&self) -> bool {
        self.version_num.is_some()
    }

    /// The ssl.log row, as Zeek's `ssl_finishing` completes it.
    pub fn to_record(&self, conn: &ConnInfo<'_>, established: bool) -> SslRecord {
        let fps = |chain: &[Option<CertInfo>]| {
            chain
                .iter()
                .flatten()
                .map(|c| c.fingerprint.clone())
                .collect::<Vec<_>>()
        };
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
            cert_chain_fps: self.chains.as_ref().map(|c| fps(&c.server)),
            client_cert_chain_fps: self.chains.as_ref().map(|c| fps(&c.client)),
            sni_matches_cert: self.sni_matches_cert(),
            ..SslRecord::default()
        }
    }

    /// Set when the server sent a parseable certificate and the client
    /// named a server.
    fn sni_matches_cert(&self) -> Option<bool> {
        let first = self.chains.as_ref()?.server.first()?.as_ref()?;
        let name = self.server_name.as_ref()?;
        Some(x509::matches_host(
            &first.host_names,
            &String::from_utf8_lossy(name),
        ))
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
