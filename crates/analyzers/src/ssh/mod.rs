//! SSH: ssh.log and the `ssh` service (Zeek's `base/protocols/ssh` and its
//! binpac analyzer). Version banners, SSH2 binary packets up to NEWKEYS
//! (KEXINIT negotiation, the server host key), then authentication
//! inferred from encrypted packet sizes.

mod auth;
mod hassh;
mod kex;
mod record;
mod software;
mod version;
mod wire;

#[cfg(test)]
mod tests;

pub use kex::KexinitLimits;
pub use record::SshRecord;

use crate::record::AppRecord;
use crate::Context;
use auth::AuthInference;
use kex::{Capabilities, KexMethod, Negotiated};
use records::{Enum, Port, Time, ZString};
use version::Proto;
use wire::{ParseError, Reader};

/// Zeek's SSH options.
#[derive(Debug, Clone)]
pub struct SshConfig {
    /// `SSH::max_packet_length` (0: no limit).
    pub max_packet_length: u32,
    /// `SSH::max_string_length` (0: no limit).
    pub max_string_length: u32,
    /// `SSH::max_kexinit_*`.
    pub kexinit: KexinitLimits,
    /// HASSH columns (the `hassh` package) are logged.
    pub hassh: bool,
}

impl Default for SshConfig {
    fn default() -> Self {
        SshConfig {
            max_packet_length: 1 << 20,
            max_string_length: 1 << 20,
            kexinit: KexinitLimits::default(),
            hassh: false,
        }
    }
}

/// Longest version line buffered before giving up on the banner.
const MAX_BANNER: usize = 8192;
/// Largest binary packet buffered when `SSH::max_packet_length` is 0.
const MAX_BUFFERED_PACKET: u64 = 4 << 20;
/// SSH_MSG_NEWKEYS: what follows is encrypted.
const MSG_NEWKEYS: u8 = 21;
/// SSH1's SSH_SMSG_PUBLIC_KEY and SSH_CMSG_SESSION_KEY.
const SSH1_PUBLIC_KEY: u8 = 2;
const SSH1_SESSION_KEY: u8 = 3;
/// Compression under which packet sizes say nothing about authentication
/// (Zeek's `SSH::compression_algorithms`).
const COMPRESSION_ALGORITHMS: &[&[u8]] = &[b"zlib", b"zlib@openssh.com"];

/// Where one direction's stream is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for the version line.
    Version,
    /// Binary packets before both KEXINITs are known: read as KEXINIT.
    Kexinit,
    /// Binary packets of the negotiated key exchange method.
    Kex(KexMethod),
    /// After NEWKEYS: only sizes are visible.
    Encrypted,
}

/// One direction of the stream.
struct Side {
    phase: Phase,
    /// Bytes not parsed yet (a partial line or packet).
    buf: Vec<u8>,
    /// The last line ended in CR: a following LF is part of its line end.
    pending_lf: bool,
}

impl Side {
    fn new() -> Self {
        Side {
            phase: Phase::Version,
            buf: Vec::new(),
            pending_lf: false,
        }
    }
}

/// What ssh.log will say about the connection (Zeek's `SSH::Info`).
#[derive(Debug, Default)]
struct Session {
    ts: Time,
    direction: Option<&'static str>,
    client: Option<Vec<u8>>,
    server: Option<Vec<u8>>,
    version: Option<u64>,
    negotiated: Option<Negotiated>,
    host_key_fingerprint: Option<String>,
    auth_success: Option<bool>,
    auth_attempts: u64,
    /// HASSH of the client's and of the server's latest KEXINIT.
    hassh: [Option<hassh::Hassh>; 2],
    /// The first KEXINIT seen (from the server when `true`).
    first_capabilities: Option<(bool, Capabilities)>,
    logged: bool,
}

/// SSH analyzer state of one TCP connection.
pub struct SshAnalyzer {
    sides: [Side; 2],
    versions: version::Versions,
    /// The first KEXINIT's kex algorithms and its direction, until the
    /// other side's KEXINIT picks the key exchange method.
    first_kex: Option<(bool, Vec<Vec<u8>>)>,
    session: Option<Session>,
    auth: AuthInference,
    /// A content gap or a violation: nothing more is analysed.
    stopped: bool,
}

impl Default for SshAnalyzer {
    fn default() -> Self {
        Self::new()
    }
}

fn side_index(is_orig: bool) -> usize {
    usize::from(!is_orig)
}

impl SshAnalyzer {
    pub fn new() -> Self {
        SshAnalyzer {
            sides: [Side::new(), Side::new()],
            versions: version::Versions::default(),
            first_kex: None,
            session: None,
            auth: AuthInference::default(),
            stopped: false,
        }
    }

    /// Parses what `is_orig`'s buffer holds, as far as it goes.
    fn parse(&mut self, cx: &mut Context<'_>, is_orig: bool) -> Result<(), ParseError> {
        let i = side_index(is_orig);
        let buf = std::mem::take(&mut self.sides[i].buf);
        let mut pos = 0;
        let result = loop {
            if self.sides[i].pending_lf && pos < buf.len() {
                self.sides[i].pending_lf = false;
                pos += usize::from(buf[pos] == b'\n');
            }
            let step = match self.sides[i].phase {
                Phase::Encrypted => break Ok(()),
                Phase::Version => self.version_line(cx, is_orig, &buf[pos..]),
                Phase::Kexinit | Phase::Kex(_) => self.packet(cx, is_orig, &buf[pos..]),
            };
            match step {
                Ok(Some(used)) => pos += used,
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        let side = &mut self.sides[i];
        side.buf = buf;
        side.buf.drain(..pos);
        result
    }

    /// One version line, if complete; returns the bytes it took.
    fn version_line(
        &mut self,
        cx: &mut Context<'_>,
        is_orig: bool,
        buf: &[u8],
    ) -> Result<Option<usize>, ParseError> {
        let Some((line, used, pending_lf)) = wire::split_line(buf) else {
            if buf.len() > MAX_BANNER {
                return Err(ParseError("version line too long"));
            }
            return Ok(None);
        };
        self.sides[side_index(is_orig)].pending_lf = pending_lf;
        if is_orig {
            self.client_version(cx, line);
        } else if line.starts_with(b"SSH-") {
            self.server_version(cx, line);
        }
        // Other server lines come before the banner (RFC 4253 4.2).
        Ok(Some(used))
    }

    fn client_version(&mut self, cx: &mut Context<'_>, line: &[u8]) {
        software::client_version(cx, line);
        self.sides[0].phase = Phase::Kexinit;
        self.versions.update(line, true);
        let s = self.session(cx);
        s.client = Some(line.to_vec());
        s.set_version();
    }

    fn server_version(&mut self, cx: &mut Context<'_>, line: &[u8]) {
        software::server_version(cx, line);
        self.sides[1].phase = Phase::Kexinit;
        self.versions.update(line, false);
        let s = self.session(cx);
        s.server = Some(line.to_vec());
        s.set_version();
    }

    /// The ssh.log record being filled, created on first use (Zeek's
    /// `set_session`).
    fn session(&mut self, cx: &Context<'_>) -> &mut Session {
        self.session.get_or_insert_with(|| Session {
            ts: cx.now,
            direction: direction(cx),
            ..Session::default()
        })
    }

    /// One binary packet, if complete; returns the bytes it took.
    fn packet(
        &mut self,
        cx: &mut Context<'_>,
        is_orig: bool,
        buf: &[u8],
    ) -> Result<Option<usize>, ParseError> {
        let proto = self.versions.proto();
        if proto == Proto::Unknown {
            // Zeek cannot tell SSH1 from SSH2 framing without both banners.
            return if buf.is_empty() {
                Ok(None)
            } else {
                Err(ParseError("binary packet before the SSH version is known"))
            };
        }
        let Some(header) = buf.get(..4) else {
            return Ok(None);
        };
        let raw_len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        let max = cx.config.ssh.max_packet_length;
        let len = if max > 0 { raw_len.min(max) } else { raw_len };
        let unit = match proto {
            Proto::V1 => u64::from(len) + 4 + 8 - u64::from(len % 8),
            _ => u64::from(len) + 4,
        };
        if unit > MAX_BUFFERED_PACKET {
            return Err(ParseError("packet too large"));
        }
        let Some(body) = buf.get(4..unit as usize) else {
            return Ok(None);
        };
        if len < raw_len {
            // Zeek reads on with the capped length.
            cx.analysis_partial();
            cx.weird(
                "SSH",
                "SSH_max_packet_length_exceeded",
                Some(format!("{raw_len} > {max}")),
            );
        }
        match proto {
            Proto::V1 => self.ssh1_packet(cx, is_orig, body, len)?,
            _ => self.ssh2_packet(cx, is_orig, body, len)?,
        }
        Ok(Some(unit as usize))
    }

    /// An SSH2 packet: padding length, message type, payload, padding.
    fn ssh2_packet(
        &mut self,
        cx: &mut Context<'_>,
        is_orig: bool,
        body: &[u8],
        len: u32,
    ) -> Result<(), ParseError> {
        let mut r = Reader::new(body, 0);
        let padding = r.u8()?;
        let msg_type = r.u8()?;
        let payload_len = len
            .checked_sub(u32::from(padding) + 2)
            .ok_or(ParseError("padding longer than packet"))?;
        let payload = r.bytes(payload_len as usize)?;
        let i = side_index(is_orig);
        if msg_type == MSG_NEWKEYS {
            self.sides[i].phase = Phase::Encrypted;
        }
        match self.sides[i].phase {
            Phase::Kexinit => self.kexinit(cx, is_orig, payload)?,
            Phase::Kex(method) => self.kex_message(cx, method, msg_type, payload)?,
            Phase::Version | Phase::Encrypted => {}
        }
        if msg_type == MSG_NEWKEYS {
            self.confirm(cx);
        }
        Ok(())
    }

    /// An SSH1 packet: the server's public key or the client's session
    /// key, after which that direction is encrypted.
    fn ssh1_packet(
        &mut self,
        cx: &mut Context<'_>,
        is_orig: bool,
        body: &[u8],
        len: u32,
    ) -> Result<(), ParseError> {
        let mut r = Reader::new(body, 0);
        r.bytes(8 - (len % 8) as usize)?;
        let msg_type = r.u8()?;
        if !matches!(msg_type, SSH1_PUBLIC_KEY | SSH1_SESSION_KEY) {
            return Err(ParseError("unknown SSH1 message type"));
        }
        self.sides[side_index(is_orig)].phase = Phase::Encrypted;
        if msg_type == SSH1_SESSION_KEY {
            self.confirm(cx);
        }
        Ok(())
    }

    /// The protocol is SSH (Zeek confirms on NEWKEYS or SSH1's session key).
    fn confirm(&mut self, cx: &mut Context<'_>) {
        cx.confirm();
        self.session(cx);
    }

    fn kexinit(
        &mut self,
        cx: &mut Context<'_>,
        is_orig: bool,
        payload: &[u8],
    ) -> Result<(), ParseError> {
        let mut r = Reader::new(payload, cx.config.ssh.max_string_length);
        let mut cut = Vec::new();
        let parsed = kex::parse_kexinit(&mut r, &cx.config.ssh.kexinit, &mut cut);
        report_capped_strings(cx, &r);
        let caps = parsed?;
        for c in cut {
            cx.analysis_partial();
            cx.weird("SSH", c.weird, Some(c.addl));
        }
        self.pick_kex_method(cx, is_orig, &caps.kex);
        self.capabilities(is_orig, caps, cx.config.ssh.hassh);
        Ok(())
    }

    /// Once both sides' KEXINIT are known, the agreed kex algorithm decides
    /// how both directions' next messages are read.
    fn pick_kex_method(&mut self, cx: &mut Context<'_>, is_orig: bool, kex: &[Vec<u8>]) {
        let Some((first_orig, first)) = &self.first_kex else {
            self.first_kex = Some((is_orig, kex.to_vec()));
            return;
        };
        if *first_orig == is_orig {
            return;
        }
        let (client, server) = if is_orig {
            (kex, &first[..])
        } else {
            (&first[..], kex)
        };
        let Some(alg) = kex::find_alg(client, server) else {
            return;
        };
        match kex::kex_method(alg) {
            Some(m) => self.sides.iter_mut().for_each(|s| s.phase = Phase::Kex(m)),
            None => cx.weird(
                "SSH",
                "ssh_unknown_kex_algorithm",
                Some(String::from_utf8_lossy(alg).into_owned()),
            ),
        }
    }

    /// A KEXINIT's offer, as Zeek's `ssh_capabilities` handler keeps it:
    /// the first side's is kept until the other side's arrives.
    fn capabilities(&mut self, is_orig: bool, caps: Capabilities, with_hassh: bool) {
        let Some(s) = self.session.as_mut() else {
            return;
        };
        let is_server = !is_orig;
        if with_hassh {
            s.hassh[side_index(is_orig)] = Some(hassh::of(&caps, is_server));
        }
        match &s.first_capabilities {
            None => s.first_capabilities = Some((is_server, caps)),
            Some((first_is_server, _)) if *first_is_server == is_server => {}
            Some((_, first)) => {
                let (client, server) = if is_server {
                    (first, &caps)
                } else {
                    (&caps, first)
                };
                s.negotiated = Some(kex::negotiate(client, server));
            }
        }
    }

    fn kex_message(
        &mut self,
        cx: &mut Context<'_>,
        method: KexMethod,
        msg_type: u8,
        payload: &[u8],
    ) -> Result<(), ParseError> {
        let mut r = Reader::new(payload, cx.config.ssh.max_string_length);
        let key = kex::host_key(method, msg_type, &mut r);
        report_capped_strings(cx, &r);
        if let (Some(key), Some(s)) = (key?, self.session.as_mut()) {
            s.host_key_fingerprint = Some(fingerprint(key));
        }
        Ok(())
    }

    /// An encrypted segment of `len` bytes.
    fn encrypted(&mut self, cx: &mut Context<'_>, is_orig: bool, len: usize) {
        if self.versions.proto() != Proto::V2 {
            return;
        }
        if let Some(authenticated) = self.auth.segment(is_orig, len) {
            self.auth_attempted(cx, authenticated);
        }
    }

    /// Zeek's `ssh_auth_attempted` handlers: count the attempt; a success
    /// writes the row right away.
    fn auth_attempted(&mut self, cx: &mut Context<'_>, authenticated: bool) {
        let Some(s) = self.session.as_mut() else {
            return;
        };
        if s.auth_success == Some(true) || s.compressed() {
            return;
        }
        s.auth_success = Some(authenticated);
        s.auth_attempts += 1;
        if authenticated {
            self.log(cx);
        }
    }

    /// Writes the ssh.log row once.
    fn log(&mut self, cx: &mut Context<'_>) {
        let Some(s) = self.session.as_mut() else {
            return;
        };
        if s.logged {
            return;
        }
        s.logged = true;
        let rec = s.record(cx);
        cx.emit(AppRecord::Ssh(Box::new(rec)));
    }

    /// Stops analysis on a parse failure. The row is written now: the
    /// host does not call back an analyzer that reported a violation.
    fn fail(&mut self, cx: &mut Context<'_>, e: ParseError) {
        self.stopped = true;
        cx.violation(format!("Binpac exception: {}", e.0), None);
        self.log(cx);
    }
}

impl Session {
    /// Zeek's `set_version`: the protocol version both banners imply.
    fn set_version(&mut self) {
        if let (Some(c), Some(s)) = (&self.client, &self.server) {
            if let Some(v) = version::log_version(c, s) {
                self.version = Some(v);
            }
        }
    }

    fn compressed(&self) -> bool {
        self.negotiated
            .as_ref()
            .is_some_and(|n| COMPRESSION_ALGORITHMS.contains(&n.compression.as_slice()))
    }

    fn record(&self, cx: &Context<'_>) -> SshRecord {
        let c = cx.conn;
        let text = |v: &Option<Vec<u8>>| v.as_deref().map(ZString::from);
        let [client, server] = self.hassh.each_ref().map(Option::as_ref);
        let alg = |f: fn(&Negotiated) -> &Vec<u8>| {
            self.negotiated
                .as_ref()
                .map(|n| ZString::from(f(n).as_slice()))
        };
        SshRecord {
            ts: self.ts,
            uid: c.uid.to_string(),
            orig_h: Some(c.orig_h),
            orig_p: Port(c.orig_p),
            resp_h: Some(c.resp_h),
            resp_p: Port(c.resp_p),
            version: self.version,
            auth_success: self.auth_success,
            auth_attempts: self.auth_attempts,
            direction: self.direction.map(Enum),
            client: text(&self.client),
            server: text(&self.server),
            cipher_alg: alg(|n| &n.cipher),
            mac_alg: alg(|n| &n.mac),
            compression_alg: alg(|n| &n.compression),
            kex_alg: alg(|n| &n.kex),
            host_key_alg: alg(|n| &n.host_key),
            host_key_fingerprint: self.host_key_fingerprint.as_deref().map(ZString::from),
            hassh_version: self
                .hassh
                .iter()
                .any(Option::is_some)
                .then(|| hassh::VERSION.into()),
            hassh: client.map(|h| h.hash.clone()),
            hassh_server: server.map(|h| h.hash.clone()),
            cshka: client.map(|h| ZString::from(h.host_key_algorithms.as_slice())),
            hassh_algorithms: client.map(|h| ZString::from(h.algorithms.as_slice())),
            sshka: server.map(|h| ZString::from(h.host_key_algorithms.as_slice())),
            hassh_server_algorithms: server.map(|h| ZString::from(h.algorithms.as_slice())),
        }
    }
}

fn report_capped_strings(cx: &mut Context<'_>, r: &Reader<'_>) {
    for c in &r.capped {
        cx.analysis_partial();
        cx.weird(
            "SSH",
            "SSH_max_string_length_exceeded",
            Some(format!("{} > {}", c.len, c.max)),
        );
    }
}

/// OUTBOUND or INBOUND when exactly one side is local (unset without
/// local networks).
fn direction(cx: &Context<'_>) -> Option<&'static str> {
    cx.config.local_nets.as_ref()?;
    let (orig, resp) = (
        cx.config.is_local(cx.conn.orig_h),
        cx.config.is_local(cx.conn.resp_h),
    );
    (orig != resp).then_some(if orig { "OUTBOUND" } else { "INBOUND" })
}

/// The host key fingerprint as ssh.log shows it: "SHA256:" and the
/// unpadded base64 of the key's SHA-256, cut to 32 characters.
fn fingerprint(key: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(key);
    let mut s = String::from("SHA256:");
    s.push_str(&records::base64(&digest[..24]));
    s
}

impl crate::Analyzer for SshAnalyzer {
    fn deliver(&mut self, cx: &mut Context<'_>, is_orig: bool, data: &[u8]) {
        if self.stopped || data.is_empty() {
            return;
        }
        let i = side_index(is_orig);
        if self.sides[i].phase == Phase::Encrypted {
            self.encrypted(cx, is_orig, data.len());
            return;
        }
        self.sides[i].buf.extend_from_slice(data);
        if let Err(e) = self.parse(cx, is_orig) {
            self.fail(cx, e);
            return;
        }
        // Bytes after NEWKEYS in this delivery are its encrypted part.
        let side = &mut self.sides[i];
        if side.phase == Phase::Encrypted && !side.buf.is_empty() {
            let len = std::mem::take(&mut side.buf).len();
            self.encrypted(cx, is_orig, len);
        }
    }

    fn gap(&mut self, _cx: &mut Context<'_>, _is_orig: bool, _len: u64) {
        // Zeek stops analysing both directions after a content gap.
        self.stopped = true;
    }

    fn finish(&mut self, cx: &mut Context<'_>) {
        self.log(cx);
    }
}

/// Zeek's `dpd_ssh_client` + `dpd_ssh_server`: both sides start with
/// `SSH-1.` or `SSH-2.` (any case of "SSH").
pub(crate) fn signature(orig: &[u8], resp: &[u8]) -> Option<bool> {
    match (ssh_banner_start(orig), ssh_banner_start(resp)) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// Whether `b` starts like an SSH banner; `None` while too short to say.
fn ssh_banner_start(b: &[u8]) -> Option<bool> {
    let fits = |i: usize, c: &u8| match i {
        0..=2 => c.eq_ignore_ascii_case(&b"ssh"[i]),
        3 => *c == b'-',
        4 => matches!(c, b'1' | b'2'),
        _ => *c == b'.',
    };
    if !b.iter().take(6).enumerate().all(|(i, c)| fits(i, c)) {
        return Some(false);
    }
    (b.len() >= 6).then_some(true)
}

#[cfg(test)]
mod signature_tests {
    use super::signature;

    #[test]
    fn ssh_signature_needs_both_banners() {
        assert_eq!(signature(b"SSH-2.0-OpenSSH_6.2\r\n", b""), None);
        assert_eq!(signature(b"ssh-1.5-x", b"SSH-1.99-y"), Some(true));
        assert_eq!(signature(b"SSH-2.0-x", b"SSH-2"), None);
        assert_eq!(signature(b"SSH-3.0-x", b"SSH-2.0-y"), Some(false));
        assert_eq!(signature(b"GET / HTTP/1.1", b"SSH-2.0-y"), Some(false));
    }
}
