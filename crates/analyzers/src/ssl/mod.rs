//! SSL/TLS over TCP: ssl.log and the `ssl` service (Zeek's
//! `base/protocols/ssl` with its binpac SSL analyzer).
//!
//! Two layers, as in Zeek: the record layer (per-direction framing, the
//! plaintext/encrypted state of each side, SSLv2 records) and the handshake
//! layer (messages reassembled across records). Events of both update a
//! [`Session`], the script-level view that becomes the ssl.log row. The row
//! is written when the session is established (then the analyzer detaches,
//! like Zeek's `SSL::disable_analyzer_after_detection`), on a protocol
//! violation, or when the connection goes away.

mod dtls;
mod fingerprint;
mod handshake;
mod heartbleed;
mod names;
mod reader;
mod record;
mod session;
mod signature;

pub use record::SslRecord;

/// Zeek's SSL options.
#[derive(Debug, Clone)]
pub struct SslConfig {
    /// `SSL::max_ssl_history_length`.
    pub max_history_length: usize,
    /// Certificate validation (`protocols/ssl/validate-certs`), shared by
    /// all workers.
    pub validator: Option<std::sync::Arc<certval::Validator>>,
    /// The ja3 package: ssl.log's `ja3` and `ja3s`.
    pub ja3: bool,
    /// The ja4 package: ssl.log's `ja4` and `ja4s`.
    pub ja4: bool,
    /// `protocols/ssl/heartbleed`: heartbeats are watched for the whole
    /// connection (Zeek's `SSL::disable_analyzer_after_detection = F`).
    pub heartbleed: bool,
}

impl Default for SslConfig {
    fn default() -> Self {
        SslConfig {
            max_history_length: session::MAX_HISTORY,
            validator: None,
            ja3: false,
            ja4: false,
            heartbleed: false,
        }
    }
}
pub(crate) use dtls::client_hello_signature as dtls_signature;
pub(crate) use signature::signature;

use crate::record::AppRecord;
use crate::x509::CertOrigin;
use crate::{Analyzer, Context};
use handshake as hs;
use reader::Reader;
use session::Session;

const CHANGE_CIPHER_SPEC: u16 = 20;
const ALERT: u16 = 21;
const HANDSHAKE: u16 = 22;
const APPLICATION_DATA: u16 = 23;
const HEARTBEAT: u16 = 24;
/// SSLv2 message types, offset by 300 as Zeek numbers them.
const V2_ERROR: u16 = 300;
const V2_CLIENT_HELLO: u16 = 301;
const V2_CLIENT_MASTER_KEY: u16 = 302;
const V2_SERVER_HELLO: u16 = 304;

const SSL_V2: u16 = 0x0002;
const TLS_V13: u16 = 0x0304;
/// Largest handshake message buffered (certificate chains included).
const MAX_HANDSHAKE_MESSAGE: usize = 1 << 20;
/// `SSL::max_alerts_per_record`.
const MAX_ALERTS_PER_RECORD: usize = 10;

/// The record-layer framing of the connection, fixed by its first record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    Unknown,
    SslV2,
    Tls,
    /// DTLS over UDP: whole records per datagram.
    Dtls,
}

/// A record header: content type (SSLv2 message types offset by 300),
/// body length and the header bytes some SSLv2 messages use as fields.
#[derive(Debug, Clone, Copy)]
struct Header {
    content: u16,
    len: usize,
    head3: u8,
    head4: u8,
}

/// One direction of the stream.
#[derive(Debug, Default)]
struct Side {
    /// Stream bytes not yet framed into a whole record.
    records: Vec<u8>,
    /// Handshake bytes not yet a whole message.
    handshake: Vec<u8>,
    /// This side switched to encrypted records.
    encrypted: bool,
}

/// SSL/TLS analysis of one TCP connection.
#[derive(Debug)]
pub struct SslAnalyzer {
    sides: [Side; 2],
    framing: Framing,
    /// Version the server chose (first ServerHello wins).
    negotiated: Option<u16>,
    /// Cipher suite of the latest ServerHello.
    cipher: Option<u16>,
    /// The originator turned out to be the server.
    flipped: bool,
    flip_reported: bool,
    established: bool,
    /// No more parsing: violation, content gap or established.
    stopped: bool,
    session: Option<Session>,
    fingerprints: fingerprint::Fingerprints,
    logged: bool,
    /// The protocol was confirmed (a client hello parsed).
    confirmed: bool,
    dtls: dtls::Dtls,
    /// Heartbeats seen, with `protocols/ssl/heartbleed`.
    heartbleed: Option<Box<heartbleed::Heartbleed>>,
}

impl Default for SslAnalyzer {
    fn default() -> Self {
        Self::new()
    }
}

impl SslAnalyzer {
    pub fn new() -> Self {
        SslAnalyzer {
            sides: Default::default(),
            framing: Framing::Unknown,
            negotiated: None,
            cipher: None,
            flipped: false,
            flip_reported: false,
            established: false,
            stopped: false,
            session: None,
            fingerprints: fingerprint::Fingerprints::default(),
            logged: false,
            confirmed: false,
            dtls: dtls::Dtls::default(),
            heartbleed: None,
        }
    }

    /// DTLS over UDP.
    pub fn new_dtls() -> Self {
        SslAnalyzer {
            framing: Framing::Dtls,
            ..Self::new()
        }
    }

    fn side(&mut self, is_orig: bool) -> &mut Side {
        &mut self.sides[usize::from(!is_orig)]
    }

    /// Frame and process every whole record buffered for one direction.
    fn process_records(&mut self, cx: &mut Context<'_>, is_orig: bool) {
        let mut buf = std::mem::take(&mut self.side(is_orig).records);
        let mut off = 0;
        while !self.stopped && buf.len() - off >= 5 {
            let head: [u8; 5] = buf[off..off + 5].try_into().unwrap_or_default();
            let header = match self.header(is_orig, head) {
                Ok(h) => h,
                Err(reason) => return self.fail(cx, reason),
            };
            let Some(body) = buf.get(off + 5..off + 5 + header.len) else {
                break;
            };
            self.record(cx, is_orig, header, body);
            off += 5 + header.len;
        }
        if !self.stopped {
            buf.drain(..off);
            self.side(is_orig).records = buf;
        }
    }

    /// Check a record header as Zeek does, fixing the framing with the
    /// first valid record.
    fn header(&mut self, is_orig: bool, h: [u8; 5]) -> Result<Header, String> {
        let version = u16::from_be_bytes([h[1], h[2]]);
        match self.framing {
            Framing::SslV2 => return v2_header(h),
            Framing::Tls if !is_record_version(version) => {
                return Err(format!(
                    "Invalid version late in TLS connection. Packet reported version: {version}"
                ))
            }
            Framing::Tls | Framing::Dtls => return Ok(tls_header(h)),
            Framing::Unknown => {}
        }
        if h[0] & 0x80 != 0 {
            return self.first_v2_header(is_orig, h);
        }
        if !is_record_version(version) {
            return Err(format!(
                "Invalid version in TLS connection. Version: {version}"
            ));
        }
        if !(20..=30).contains(&h[0]) {
            return Err(format!(
                "Invalid type in TLS connection. Version: {version}, Type: {}",
                h[0]
            ));
        }
        self.framing = Framing::Tls;
        Ok(tls_header(h))
    }

    /// An SSLv2 header before the framing is known: a client hello (the
    /// framing stays open) or a server hello (the connection stays SSLv2).
    fn first_v2_header(&mut self, is_orig: bool, h: [u8; 5]) -> Result<Header, String> {
        let hello_version = u16::from_be_bytes([h[3], h[4]]);
        if h[2] == 0x01 && is_orig {
            if hello_version != SSL_V2 && !is_record_version(hello_version) {
                return Err(format!(
                    "Invalid version in SSL client hello. Version: {hello_version}"
                ));
            }
            return v2_header(h);
        }
        if h[2] == 0x04 && h[4] < 2 && !is_orig {
            self.framing = Framing::SslV2;
            return v2_header(h);
        }
        Err(format!(
            "Invalid headers in SSL connection. Head1: {}, head2: {}, head3: {}",
            h[1], h[2], h[3]
        ))
    }

    fn record(&mut self, cx: &mut Context<'_>, is_orig: bool, header: Header, body: &[u8]) {
        if !self.side(is_orig).encrypted
            && header.content == APPLICATION_DATA
            && !self.negotiated.is_some_and(is_pre_tls13)
        {
            // TLS 1.3 has no meaningful ChangeCipherSpec: the first
            // application data record of a side starts its encryption.
            self.side(is_orig).encrypted = true;
        }
        if self.side(is_orig).encrypted {
            self.ciphertext(cx);
            return self.encrypted_record(cx, is_orig, header);
        }
        self.session(cx);
        let is_client = self.is_client(is_orig);
        match header.content {
            CHANGE_CIPHER_SPEC => self.change_cipher_spec(cx, is_orig),
            ALERT => self.alerts(cx, is_client, body),
            HANDSHAKE if self.framing == Framing::Dtls => self.dtls_handshake(cx, is_orig, body),
            HANDSHAKE => self.handshake_data(cx, is_orig, body),
            APPLICATION_DATA => self.early_application_data(cx),
            HEARTBEAT if body.len() >= 3 => {
                self.history(cx, is_client, 'b');
                if let Some(hb) = self.heartbeats(cx) {
                    let claimed = u16::from_be_bytes([body[1], body[2]]);
                    hb.plaintext(cx, is_client, body.len() as u64, body[0], claimed.into());
                }
            }
            HEARTBEAT => {}
            V2_ERROR => self.alert(
                cx,
                is_client,
                u16::from_be_bytes([header.head3, header.head4]),
            ),
            V2_CLIENT_HELLO => self.v2_client_hello(cx, body),
            V2_CLIENT_MASTER_KEY => self.sides.iter_mut().for_each(|s| s.encrypted = true),
            V2_SERVER_HELLO => self.v2_server_hello(cx, body),
            other => self.fail(
                cx,
                format!(
                    "unknown SSL record type ({other}) from {}",
                    side_label(is_orig)
                ),
            ),
        }
    }

    /// An encrypted record: once both sides encrypt, the session is
    /// established, logged, and analysis ends.
    fn ciphertext(&mut self, cx: &mut Context<'_>) {
        if self.established || !self.sides.iter().all(|s| s.encrypted) {
            return;
        }
        self.established = true;
        self.session(cx);
        self.log(cx);
        self.stopped = !cx.config.ssl.heartbleed;
    }

    /// The heartbeat watch, with `protocols/ssl/heartbleed`.
    fn heartbeats(&mut self, cx: &Context<'_>) -> Option<&mut heartbleed::Heartbleed> {
        if !cx.config.ssl.heartbleed {
            return None;
        }
        Some(self.heartbleed.get_or_insert_with(Default::default))
    }

    /// An encrypted record (Zeek's `ssl_encrypted_data`), for heartbleed.
    fn encrypted_record(&mut self, cx: &mut Context<'_>, is_orig: bool, header: Header) {
        let is_client = self.is_client(is_orig);
        let (version, cipher) = (self.negotiated, self.cipher);
        let Some(hb) = self.heartbeats(cx) else {
            return;
        };
        match header.content {
            HEARTBEAT => {
                // The suite's names matter only for heartbeats (rare).
                let version = version.map(names::version_name);
                let cipher = cipher.map(|c| names::cipher_name(c.into()));
                let suite = heartbleed::Suite {
                    version: version.as_deref(),
                    cipher: cipher.as_deref(),
                    start: cx.conn.start,
                };
                hb.encrypted(cx, is_client, header.len as u64, &suite);
            }
            APPLICATION_DATA => hb.app_data(header.len),
            _ => {}
        }
    }

    fn change_cipher_spec(&mut self, cx: &mut Context<'_>, is_orig: bool) {
        if !self.is_tls13() {
            self.side(is_orig).encrypted = true;
        }
        let is_client = self.is_client(is_orig);
        let full = self.session(cx).change_cipher_spec(is_client);
        self.history_limit(cx, full);
    }

    fn alerts(&mut self, cx: &mut Context<'_>, is_client: bool, body: &[u8]) {
        let max = if self.is_tls13() {
            1
        } else {
            MAX_ALERTS_PER_RECORD
        };
        let count = body.len() / 2;
        if body.len() > max * 2 {
            cx.weird(
                "SSL",
                "SSL_excessive_alerts_in_record",
                Some(count.to_string()),
            );
        }
        for alert in body.chunks_exact(2).take(max) {
            self.alert(cx, is_client, alert[1].into());
        }
    }

    fn alert(&mut self, cx: &mut Context<'_>, is_client: bool, desc: u16) {
        let full = self.session(cx).alert(is_client, desc);
        self.history_limit(cx, full);
    }

    fn early_application_data(&mut self, cx: &mut Context<'_>) {
        if self.session(cx).has_version() && !self.established {
            cx.weird("SSL", "ssl_early_application_data", None);
        }
    }

    /// Handshake messages that came without TLS records (QUIC's CRYPTO
    /// frames carry them directly).
    pub fn handshake_messages(&mut self, cx: &mut Context<'_>, is_orig: bool, data: &[u8]) {
        if !self.stopped {
            self.handshake_data(cx, is_orig, data);
        }
    }

    /// Handshake record content: reassemble messages across records.
    fn handshake_data(&mut self, cx: &mut Context<'_>, is_orig: bool, body: &[u8]) {
        let mut buf = std::mem::take(&mut self.side(is_orig).handshake);
        buf.extend_from_slice(body);
        let mut off = 0;
        while !self.stopped && buf.len() - off >= 4 {
            let mut r = Reader::new(&buf[off..]);
            let msg_type = r.u8().unwrap_or_default();
            let len = r.u24().unwrap_or_default() as usize;
            if len > MAX_HANDSHAKE_MESSAGE {
                return self.fail(cx, format!("handshake message of {len} bytes is too large"));
            }
            let Some(msg) = r.bytes(len) else { break };
            self.handshake_message(cx, is_orig, msg_type, msg);
            off += 4 + len;
        }
        if !self.stopped {
            buf.drain(..off);
            self.side(is_orig).handshake = buf;
        }
    }

    fn handshake_message(
        &mut self,
        cx: &mut Context<'_>,
        is_orig: bool,
        msg_type: u8,
        body: &[u8],
    ) {
        match msg_type {
            hs::HELLO_REQUEST => self.direction_check(cx, false, is_orig),
            hs::CLIENT_HELLO => self.client_hello(cx, is_orig, body),
            hs::SERVER_HELLO => self.server_hello(cx, is_orig, body),
            hs::CERTIFICATE => self.certificate(cx, is_orig, body),
            hs::SERVER_KEY_EXCHANGE => self.server_key_exchange(cx, body),
            hs::CERTIFICATE_REQUEST if !self.is_client(is_orig) => {
                self.certificate_request(cx, body)
            }
            t if !hs::is_known_type(t) => {
                return self.fail(
                    cx,
                    format!(
                        "unknown handshake message ({t}) from {}",
                        side_label(is_orig)
                    ),
                )
            }
            _ => {}
        }
        if !self.stopped {
            let is_client = self.is_client(is_orig);
            let full = self.session(cx).handshake_message(is_client, msg_type);
            self.history_limit(cx, full);
        }
    }

    fn client_hello(&mut self, cx: &mut Context<'_>, is_orig: bool, body: &[u8]) {
        self.direction_check(cx, true, is_orig);
        let Some(hello) = hs::client_hello(body) else {
            return self.fail(cx, out_of_bound("ClientHello"));
        };
        let (ssl, on) = (&cx.config.ssl, transport(cx));
        self.fingerprints.client_hello(&hello, on, ssl.ja3, ssl.ja4);
        self.extensions(cx, is_orig, hs::CLIENT_HELLO, &hello.extensions);
        if !version_ok(hello.version) {
            return self.fail(
                cx,
                format!("unsupported client SSL version 0x{:04x}", hello.version),
            );
        }
        self.confirm(cx);
        self.session(cx).client_hello(hello.session_id);
    }

    fn server_hello(&mut self, cx: &mut Context<'_>, is_orig: bool, body: &[u8]) {
        self.direction_check(cx, false, is_orig);
        let Some(hello) = hs::server_hello(body) else {
            return self.fail(cx, out_of_bound("ServerHello"));
        };
        let (ssl, on) = (&cx.config.ssl, transport(cx));
        self.fingerprints.server_hello(&hello, on, ssl.ja3, ssl.ja4);
        self.extensions(cx, is_orig, hs::SERVER_HELLO, &hello.extensions);
        self.negotiated.get_or_insert(hello.version);
        self.cipher = Some(hello.cipher);
        if !version_ok(hello.version) {
            return self.fail(
                cx,
                format!("unsupported server SSL version 0x{:04x}", hello.version),
            );
        }
        self.session(cx).server_hello(&hello);
    }

    fn extensions(
        &mut self,
        cx: &mut Context<'_>,
        is_orig: bool,
        msg_type: u8,
        exts: &[hs::Extension<'_>],
    ) {
        let is_client = self.is_client(is_orig);
        for ext in exts {
            match ext.kind {
                hs::EXT_SERVER_NAME if is_client => self.server_names(cx, ext.data),
                hs::EXT_ALPN if !is_client => {
                    self.session(cx).server_alpn(&hs::alpn_protocols(ext.data))
                }
                hs::EXT_SUPPORTED_VERSIONS if !is_client => {
                    if let [v] = hs::supported_versions(ext.data, false)[..] {
                        self.negotiated.get_or_insert(v);
                        self.session(cx).server_supported_version(v);
                    }
                }
                hs::EXT_KEY_SHARE | hs::EXT_KEY_SHARE_OLD if !is_client => {
                    if let [group] = hs::key_share_groups(ext.data, msg_type)[..] {
                        self.session(cx).curve(group);
                    }
                }
                _ => {}
            }
            self.session(cx).extension(is_client, ext.kind, ext.data);
        }
    }

    fn server_names(&mut self, cx: &mut Context<'_>, data: &[u8]) {
        let (names, other_type) = hs::server_names(data);
        if let Some(t) = other_type {
            cx.weird(
                "SSL",
                "ssl_ext_unknown_server_name_type",
                Some(t.to_string()),
            );
        }
        if self.session(cx).server_names(&names) {
            let list: Vec<_> = names.iter().map(|n| String::from_utf8_lossy(n)).collect();
            cx.weird(
                "SSL",
                "SSL_many_server_names",
                Some(format!("[{}]", list.join(", "))),
            );
        }
    }

    fn certificate(&mut self, cx: &mut Context<'_>, is_orig: bool, body: &[u8]) {
        let Some(certs) = hs::certificates(body) else {
            return self.fail(cx, out_of_bound("Certificate"));
        };
        let is_client = self.is_client(is_orig);
        self.certificates(cx, is_client, &certs);
    }

    /// Each certificate goes to the X.509 analysis (x509.log) in order;
    /// the session keeps what ssl.log needs.
    fn certificates(&mut self, cx: &mut Context<'_>, is_client: bool, certs: &[&[u8]]) {
        let mut summaries = Vec::with_capacity(certs.len());
        for (i, der) in certs.iter().enumerate() {
            if der.is_empty() {
                cx.weird("SSL", "zero_length_certificate", None);
                continue;
            }
            let origin = CertOrigin {
                host_cert: i == 0,
                client_cert: is_client,
            };
            summaries.push((crate::x509::certificate(cx, der, origin), *der));
        }
        self.session(cx).certificates(is_client, summaries);
    }

    /// The server asks for a client certificate, naming the CAs it takes
    /// (before TLS 1.3, whose request carries them in an extension).
    fn certificate_request(&mut self, cx: &mut Context<'_>, body: &[u8]) {
        let with_algorithms = self
            .negotiated
            .is_some_and(|v| matches!(v, 0x0303 | 0xFEFD));
        let Some(names) = hs::certificate_authorities(body, with_algorithms) else {
            return self.fail(cx, out_of_bound("CertificateRequest"));
        };
        let names = names
            .iter()
            .map(|der| x509::name::Name::parse(der).map_or_else(String::new, |n| n.rfc2253()))
            .collect();
        self.session(cx).requested_authorities(names);
    }

    /// ECDH(E) suites name their curve in the ServerKeyExchange.
    fn server_key_exchange(&mut self, cx: &mut Context<'_>, body: &[u8]) {
        let ecdh = self.cipher.is_some_and(|c| {
            let name = names::cipher_name(c.into());
            (name.starts_with("TLS_ECDHE_") || name.starts_with("TLS_ECDH_ANON_"))
                && !name.ends_with("_OLD")
        });
        if let Some(curve) = hs::server_key_exchange_curve(body).filter(|_| ecdh) {
            self.session(cx).curve(curve);
        }
    }

    fn v2_client_hello(&mut self, cx: &mut Context<'_>, body: &[u8]) {
        let mut r = Reader::new(body);
        let lens = (r.u16(), r.u16(), r.u16());
        let (Some(ciphers), Some(session), Some(challenge)) = lens else {
            return self.fail(cx, out_of_bound("V2ClientHello"));
        };
        let session_id = r
            .bytes(ciphers.into())
            .and_then(|_| r.bytes(session.into()));
        let Some(session_id) = session_id.filter(|_| r.bytes(challenge.into()).is_some()) else {
            return self.fail(cx, out_of_bound("V2ClientHello"));
        };
        self.confirm(cx);
        let s = self.session(cx);
        s.client_hello(session_id);
        let full = s.add_history(true, 'c');
        self.history_limit(cx, full);
    }

    fn v2_server_hello(&mut self, cx: &mut Context<'_>, body: &[u8]) {
        let mut r = Reader::new(body);
        let fields = (r.u16(), r.u16(), r.u16(), r.u16());
        let (Some(version), Some(cert_len), Some(cipher_len), Some(_conn_id_len)) = fields else {
            return self.fail(cx, out_of_bound("V2ServerHello"));
        };
        if version != SSL_V2 {
            return self.fail(
                cx,
                format!("Invalid version in SSL server hello. Version: {version}"),
            );
        }
        let (Some(cert), Some(ciphers)) = (r.bytes(cert_len.into()), r.bytes(cipher_len.into()))
        else {
            return self.fail(cx, out_of_bound("V2ServerHello"));
        };
        let first_cipher = Reader::new(ciphers).u24().unwrap_or(0);
        let s = self.session(cx);
        s.server_hello_v2(first_cipher);
        let full = s.add_history(false, 's');
        self.certificates(cx, false, &[cert]);
        self.history_limit(cx, full);
    }

    /// Zeek's check that hellos come from the expected side; a client
    /// hello from the responder flips the roles.
    fn direction_check(&mut self, cx: &mut Context<'_>, from_client: bool, is_orig: bool) {
        if self.flipped == (from_client != is_orig) {
            return;
        }
        self.flipped = !self.flipped;
        self.session(cx).flipped();
        if !self.flipped && !self.flip_reported {
            self.flip_reported = true;
            cx.weird("SSL", "SSL_unclear_connection_direction", None);
        }
    }

    fn history(&mut self, cx: &mut Context<'_>, is_client: bool, letter: char) {
        let full = self.session(cx).add_history(is_client, letter);
        self.history_limit(cx, full);
    }

    fn history_limit(&mut self, cx: &mut Context<'_>, reached: bool) {
        if reached {
            let len = self.session(cx).max_history().to_string();
            cx.weird("SSL", "SSL_max_ssl_history_length_reached", Some(len));
        }
    }

    fn confirm(&mut self, cx: &mut Context<'_>) {
        self.confirmed = true;
        cx.confirm();
    }

    /// Whether `is_orig` data comes from the TLS client.
    fn is_client(&self, is_orig: bool) -> bool {
        is_orig != self.flipped
    }

    fn is_tls13(&self) -> bool {
        self.negotiated
            .is_some_and(|v| v == TLS_V13 || names::is_tls13_draft(v))
    }

    /// The session, started at the first event about it.
    fn session(&mut self, cx: &Context<'_>) -> &mut Session {
        let max_history = cx.config.ssl.max_history_length;
        let validating = cx.config.ssl.validator.is_some();
        self.session.get_or_insert_with(|| {
            let mut s = Session::new(cx.now, max_history);
            if validating {
                s.keep_server_certificates();
            }
            s
        })
    }

    /// A protocol violation: report it, log what was seen, stop.
    fn fail(&mut self, cx: &mut Context<'_>, reason: String) {
        cx.violation(reason, None);
        self.log(cx);
        self.stopped = true;
    }

    fn log(&mut self, cx: &mut Context<'_>) {
        if self.logged {
            return;
        }
        if let Some(s) = &self.session {
            self.logged = true;
            let mut rec = s.to_record(cx.conn, self.established);
            // Zeek validates in `ssl_finishing`, right before logging.
            if let Some(v) = &cx.config.ssl.validator {
                rec.validation_status = s.validation_status(v, cx.now);
            }
            self.fingerprints.fill(&mut rec);
            cx.emit(AppRecord::Ssl(Box::new(rec)));
        }
    }
}

impl Analyzer for SslAnalyzer {
    fn deliver(&mut self, cx: &mut Context<'_>, is_orig: bool, data: &[u8]) {
        if self.stopped {
            return;
        }
        if self.framing == Framing::Dtls {
            return self.datagram(cx, is_orig, data);
        }
        self.side(is_orig).records.extend_from_slice(data);
        self.process_records(cx, is_orig);
    }

    /// Zeek's SSL analyzer stops parsing after a content gap.
    fn gap(&mut self, _cx: &mut Context<'_>, _is_orig: bool, _len: u64) {
        self.stopped = true;
        self.sides = Default::default();
    }

    fn finish(&mut self, cx: &mut Context<'_>) {
        self.log(cx);
        self.stopped = true;
    }
}

fn tls_header(h: [u8; 5]) -> Header {
    Header {
        content: h[0].into(),
        len: u16::from_be_bytes([h[3], h[4]]).into(),
        head3: h[3],
        head4: h[4],
    }
}

/// SSLv2: a two-byte length with the high bit set, then the message type;
/// Zeek reads five header bytes, so the body is the length minus three.
fn v2_header(h: [u8; 5]) -> Result<Header, String> {
    let len = usize::from(u16::from_be_bytes([h[0] & 0x7F, h[1]]));
    let len = len
        .checked_sub(3)
        .ok_or_else(|| format!("SSLv2 record too short ({len} bytes)"))?;
    Ok(Header {
        content: 300 + u16::from(h[2]),
        len,
        head3: h[3],
        head4: h[4],
    })
}

/// Record-layer versions Zeek accepts: SSLv3 to TLS 1.2.
fn is_record_version(v: u16) -> bool {
    (0x0300..=0x0303).contains(&v)
}

/// Negotiated versions where ChangeCipherSpec (not application data)
/// starts encryption.
fn is_pre_tls13(v: u16) -> bool {
    v == SSL_V2 || is_record_version(v) || matches!(v, 0xFEFF | 0xFEFD)
}

/// Hello versions Zeek knows: SSLv2 to TLS 1.3, DTLS, and TLS 1.3 drafts
/// and experiments.
fn version_ok(v: u16) -> bool {
    matches!(
        v,
        SSL_V2 | 0x0300..=0x0304 | 0xFEFF | 0xFEFD | 0xFEFC | 0x7E01 | 0x7E02 | 0xFB17 | 0xFB1A
    ) || v >> 8 == 0x7F
}

/// QUIC hands its CRYPTO frames to this analyzer: the only UDP it sees.
fn transport(cx: &Context<'_>) -> fingerprint::Transport {
    match cx.conn.proto {
        17 => fingerprint::Transport::Quic,
        _ => fingerprint::Transport::Tcp,
    }
}

fn side_label(is_orig: bool) -> &'static str {
    if is_orig {
        "originator"
    } else {
        "responder"
    }
}

/// Violation text for a message that ends before its fields do.
fn out_of_bound(what: &str) -> String {
    format!("Binpac exception: binpac exception: out_of_bound: {what}")
}

#[cfg(test)]
mod tests;
