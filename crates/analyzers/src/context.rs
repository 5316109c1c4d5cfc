//! What an analyzer sees of its connection and of the run while it works.

use crate::dpd::Kind;
use crate::record::{AppRecord, AppSink, AppTunnel, AppWeird};
use crate::Analyzer;
use records::{Interval, Time};
use std::net::IpAddr;

/// The connection an analyzer is attached to, as logged in `id.*`.
#[derive(Debug, Clone, Copy)]
pub struct ConnInfo<'a> {
    pub uid: &'a str,
    pub orig_h: IpAddr,
    pub orig_p: u16,
    pub resp_h: IpAddr,
    pub resp_p: u16,
    /// IP protocol number (6 = TCP, 17 = UDP).
    pub proto: u8,
    /// conn.log's `local_orig` (unset without local networks).
    pub local_orig: Option<bool>,
    /// conn.log's `local_resp`.
    pub local_resp: Option<bool>,
    /// The connection's first packet (Zeek's `c$start_time`).
    pub start: Time,
}

impl ConnInfo<'_> {
    /// conn.log's `proto` name.
    pub fn proto_name(&self) -> &'static str {
        match self.proto {
            6 => "tcp",
            17 => "udp",
            1 | 58 => "icmp",
            _ => "unknown_transport",
        }
    }
}

/// Options of every analyzer (Zeek's `redef`-able options), shared by all
/// connections of a worker.
#[derive(Debug, Clone, Default)]
pub struct AnalyzerConfig {
    pub dns: crate::dns::DnsConfig,
    pub http: crate::http::HttpConfig,
    pub files: crate::files::FilesConfig,
    pub ssl: crate::ssl::SslConfig,
    pub ssh: crate::ssh::SshConfig,
    pub ftp: crate::ftp::FtpConfig,
    pub quic: crate::quic::QuicConfig,
    pub x509: crate::x509::X509Config,
    pub software: crate::software::SoftwareConfig,
    pub smb: crate::smb::SmbConfig,
    pub dce_rpc: crate::dce_rpc::DceRpcConfig,
    /// `Site::local_nets` as (network, prefix length); `None` when no
    /// network is local.
    pub local_nets: Option<Vec<(IpAddr, u8)>>,
}

impl AnalyzerConfig {
    /// `Site::is_local_addr`.
    pub fn is_local(&self, a: IpAddr) -> bool {
        self.local_nets
            .as_ref()
            .is_some_and(|nets| nets.iter().any(|&(net, bits)| in_net(a, net, bits)))
    }
}

/// Whether `a` is in `net`/`bits`.
fn in_net(a: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (a, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => prefix_eq(&a.octets(), &n.octets(), bits),
        (IpAddr::V6(a), IpAddr::V6(n)) => prefix_eq(&a.octets(), &n.octets(), bits),
        _ => false,
    }
}

fn prefix_eq(a: &[u8], b: &[u8], bits: u8) -> bool {
    let bits = usize::from(bits).min(a.len() * 8);
    let (whole, rest) = (bits / 8, bits % 8);
    if a[..whole] != b[..whole] {
        return false;
    }
    rest == 0 || (a[whole] ^ b[whole]) >> (8 - rest) == 0
}

/// File ids (Zeek's `fuid`: "F" + base62). With a seed they are a hash of
/// the seed, the connection's uid, the time and a counter, so the same
/// capture gives the same fuids whatever the number of workers.
#[derive(Debug, Clone)]
pub struct FuidGen {
    seed: u64,
    last: (u64, i64),
    count: u64,
}

impl FuidGen {
    /// `seed` gives reproducible fuids; `None` seeds from the clock.
    pub fn new(seed: Option<u64>) -> Self {
        let seed = seed.map(|s| s ^ 0x5f49_4445_4e54_4946).unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        });
        FuidGen {
            seed,
            last: (0, 0),
            count: 0,
        }
    }

    /// A new file id for a file of connection `uid` starting at `now`.
    pub fn next(&mut self, uid: &str, now: Time) -> String {
        let u = uid.bytes().fold(self.seed, |h, b| mix(h ^ b as u64));
        if self.last == (u, now.0) {
            self.count += 1;
        } else {
            self.last = (u, now.0);
            self.count = 0;
        }
        let h1 = mix(u ^ mix(now.0 as u64 ^ mix(self.count)));
        let h2 = mix(h1 ^ self.seed);
        const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let mut s = String::with_capacity(18);
        s.push('F');
        for mut v in [h1, h2 >> 32] {
            while v > 0 {
                s.push(DIGITS[(v % 62) as usize] as char);
                v /= 62;
            }
        }
        s
    }
}

/// splitmix64's finaliser.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Per-call view handed to an analyzer: its connection, network time, the
/// options, and where its records go. It also collects the analyzer's
/// verdict on the protocol (confirmation or violation).
pub struct Context<'a> {
    pub conn: &'a ConnInfo<'a>,
    /// Network time of the packet being processed.
    pub now: Time,
    pub config: &'a AnalyzerConfig,
    pub fuids: &'a mut FuidGen,
    sink: &'a mut dyn AppSink,
    pub(crate) confirmed: bool,
    /// Further services confirmed by this analyzer (see [`Context::confirm_also`]).
    pub(crate) also_confirmed: Vec<&'static str>,
    /// How many of `also_confirmed` came before this analyzer's own.
    pub(crate) confirmed_after: usize,
    pub(crate) violation: Option<(String, Option<Vec<u8>>)>,
    /// The violation came after this call's confirmation (see
    /// [`Context::violation`]).
    pub(crate) violation_after_confirm: bool,
    pub(crate) expected: Vec<Expectation>,
    pub(crate) partial: bool,
    pub(crate) flip: bool,
    pub(crate) attach: Vec<Kind>,
    /// Stream bytes the analyzers handed over to get first.
    pub(crate) attach_data: Vec<(bool, Vec<u8>)>,
    pub(crate) redetect: bool,
    /// Payload of a protocol carried inside this one (WebSocket messages),
    /// for protocol detection: (from the originator?, bytes).
    pub(crate) forwarded: Vec<(bool, Vec<u8>)>,
    /// How many of `forwarded` came before this analyzer's confirmation.
    pub(crate) confirmed_after_forwarded: usize,
}

/// A connection an analyzer announces (an FTP data channel, ...): when a
/// TCP connection from `orig_h` (any host when `None`) to
/// `resp_h`:`resp_p` starts within `timeout`, it gets the analyzer `make`
/// builds, and `kind`'s service (Zeek's `Analyzer::schedule_analyzer`).
pub struct Expectation {
    pub orig_h: Option<IpAddr>,
    pub resp_h: IpAddr,
    pub resp_p: u16,
    pub kind: Kind,
    pub timeout: Interval,
    pub make: Box<dyn FnOnce() -> Box<dyn Analyzer> + Send>,
}

impl std::fmt::Debug for Expectation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Expectation")
            .field("orig_h", &self.orig_h)
            .field("resp_h", &self.resp_h)
            .field("resp_p", &self.resp_p)
            .field("kind", &self.kind)
            .finish()
    }
}

impl<'a> Context<'a> {
    pub fn new(
        conn: &'a ConnInfo<'a>,
        now: Time,
        config: &'a AnalyzerConfig,
        fuids: &'a mut FuidGen,
        sink: &'a mut dyn AppSink,
    ) -> Self {
        Context {
            conn,
            now,
            config,
            fuids,
            sink,
            confirmed: false,
            also_confirmed: Vec::new(),
            confirmed_after: 0,
            violation: None,
            violation_after_confirm: false,
            expected: Vec::new(),
            partial: false,
            flip: false,
            attach: Vec::new(),
            attach_data: Vec::new(),
            redetect: false,
            forwarded: Vec::new(),
            confirmed_after_forwarded: 0,
        }
    }

    /// The traffic is this analyzer's protocol (Zeek's
    /// `analyzer_confirmation`): it joins conn.log's `service`.
    pub fn confirm(&mut self) {
        if !self.confirmed {
            self.confirmed = true;
            self.confirmed_after = self.also_confirmed.len();
            self.confirmed_after_forwarded = self.forwarded.len();
        }
    }

    /// A protocol carried inside this analyzer's is confirmed too (QUIC's
    /// TLS handshake, Kerberos or NTLM inside an LDAP bind): `service`
    /// joins conn.log's `service` in the order of the calls, this
    /// analyzer's own taking its place at [`Context::confirm`].
    pub fn confirm_also(&mut self, service: &'static str) {
        if !self.also_confirmed.contains(&service) {
            self.also_confirmed.push(service);
        }
    }

    /// The traffic breaks the protocol (Zeek's `analyzer_violation`):
    /// `reason` and the offending bytes go to analyzer.log if the protocol
    /// was confirmed; the analyzer is removed from the connection. A
    /// violation raised before this call's [`Context::confirm`] leaves the
    /// service that confirmation adds: Zeek fails only a service confirmed
    /// by the time of the violation.
    pub fn violation(&mut self, reason: impl Into<String>, data: Option<&[u8]>) {
        if self.violation.is_none() {
            self.violation_after_confirm = self.confirmed;
            self.violation = Some((reason.into(), data.map(<[u8]>::to_vec)));
        }
    }

    /// Analysis of this connection is now partial: a limit was exceeded
    /// and some of the traffic goes unanalysed. conn.log's history gets
    /// Zeek's `X`.
    pub fn analysis_partial(&mut self) {
        self.partial = true;
    }

    /// The rest of the stream is another protocol this analyzer hands over
    /// to (STARTTLS: TLS): the host attaches that analyzer, which gets the
    /// stream from the next bytes on.
    pub fn hand_over(&mut self, kind: Kind) {
        self.attach.push(kind);
    }

    /// As [`Context::hand_over`], when the switch came with bytes of the
    /// new protocol in the same delivery: the new analyzer gets them first.
    pub fn hand_over_with(&mut self, kind: Kind, is_orig: bool, data: &[u8]) {
        self.attach.push(kind);
        if !data.is_empty() {
            self.attach_data.push((is_orig, data.to_vec()));
        }
    }

    /// The rest of the stream is a tunnel whose payload is unknown (HTTP
    /// CONNECT): protocol detection starts again on the next bytes.
    pub fn redetect(&mut self) {
        self.redetect = true;
    }

    /// This connection carries a tunnel (tunnel.log's `Tunnel::DISCOVER`
    /// row; `kind` is Zeek's tunnel type, e.g. `Tunnel::HTTP`).
    pub fn tunnel(&mut self, kind: &'static str) {
        let c = self.conn;
        self.sink.app(AppRecord::Tunnel(AppTunnel {
            ts: self.now,
            orig_h: c.orig_h,
            resp_h: c.resp_h,
            resp_p: c.resp_p,
            tunnel_type: kind,
        }));
    }

    /// Payload of a protocol this one carries, whose kind is unknown: it
    /// goes through protocol detection of its own, as a stream per
    /// direction (Zeek's `ForwardStream` to a PIA).
    /// Bytes already owned (a WebSocket payload unmasked) are not copied.
    pub fn forward(&mut self, is_orig: bool, data: impl Into<Vec<u8>>) {
        let data = data.into();
        if !data.is_empty() {
            self.forwarded.push((is_orig, data));
        }
    }

    /// The connection's roles are the wrong way round (the analyzer saw the
    /// "originator" answer): swap them, as Zeek's analyzers may. `cx.conn`
    /// keeps the old roles for the rest of this call.
    pub fn flip_roles(&mut self) {
        self.flip = true;
    }

    /// A weird.log row about this connection.
    pub fn weird(&mut self, source: &'static str, name: &'static str, addl: Option<String>) {
        self.sink.app(AppRecord::Weird(AppWeird {
            source,
            name,
            addl,
            file: None,
        }));
    }

    /// A weird.log row about a file (Zeek's `file_weird`): no connection,
    /// `addl` is the file id, then `: ` and `addl` if given.
    pub fn file_weird(&mut self, name: &'static str, fuid: String, addl: Option<String>) {
        self.sink.app(AppRecord::Weird(AppWeird {
            source: "",
            name,
            addl,
            file: Some(fuid),
        }));
    }

    /// Runs an embedded analyzer (QUIC's TLS handshake): its records and
    /// weirds go out as usual, but its verdicts on its protocol are its
    /// own, not the carrier's.
    pub(crate) fn embedded<R>(&mut self, f: impl FnOnce(&mut Context<'_>) -> R) -> R {
        let mut inner = Context::new(self.conn, self.now, self.config, self.fuids, self.sink);
        f(&mut inner)
    }

    /// Announce a connection to come (see [`Expectation`]).
    pub fn expect(&mut self, e: Expectation) {
        self.expected.push(e);
    }

    /// The expectations announced so far (tests look at them).
    pub fn take_expectations(&mut self) -> Vec<Expectation> {
        std::mem::take(&mut self.expected)
    }

    /// A new file id for this connection.
    pub fn new_fuid(&mut self) -> String {
        self.fuids.next(self.conn.uid, self.now)
    }

    /// A log record (dns.log, http.log, files.log, ...).
    /// Raises a notice about this connection (Zeek's `NOTICE` with
    /// `$conn`), one per `identifier` while it is suppressed.
    pub fn notice(&mut self, note: &'static str, msg: String, n: Option<u64>, identifier: String) {
        let c = self.conn;
        self.emit(AppRecord::Notice(Box::new(crate::record::AppNotice {
            ts: self.now,
            note,
            msg,
            n,
            identifier,
            uid: c.uid.to_string(),
            orig_h: c.orig_h,
            orig_p: c.orig_p,
            resp_h: c.resp_h,
            resp_p: c.resp_p,
            proto: c.proto,
        })));
    }

    pub fn emit(&mut self, rec: AppRecord) {
        self.sink.app(rec);
    }
}
