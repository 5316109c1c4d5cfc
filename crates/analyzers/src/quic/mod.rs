//! QUIC (RFC 9000, v2 RFC 9369) over UDP, with Zeek's semantics
//! (`base/protocols/quic`): long header packets are parsed, client and
//! server Initial packets decrypted with the keys derived from the
//! client's first Destination Connection ID, and their CRYPTO frames
//! reassembled into the TLS ClientHello and ServerHello. A decrypted
//! Initial confirms QUIC; a complete hello confirms the TLS handshake
//! inside (Zeek's SSL analyzer, a child of QUIC), so conn.log says
//! `quic,ssl`.
//! quic.log is not written; its history is tracked only for Zeek's
//! `QUIC_max_history_length_reached` weird.

mod crypto_stream;
mod frames;
mod packet;
mod protection;

use crate::{Analyzer, Context};
use crypto_stream::{is_hello, CryptoStream};
use frames::{frames, Frame};
use packet::{LongError, LongPacket, LongType, Malformed};
use protection::InitialKeys;
use std::borrow::Cow;

/// Zeek's `QUIC::` options.
#[derive(Debug, Clone)]
pub struct QuicConfig {
    /// `QUIC::max_history_length`: quic.log's history stops growing (with
    /// a weird) at this many letters.
    pub max_history_length: usize,
}

impl Default for QuicConfig {
    fn default() -> Self {
        QuicConfig {
            max_history_length: 100,
        }
    }
}

/// `QUIC::max_discarded_packet_events`: discarded packets reported at most.
const MAX_DISCARDED_EVENTS: u64 = 100;

/// What one direction of the connection has shown.
#[derive(Default)]
struct Side {
    crypto: CryptoStream,
    /// Initial keys of this direction with the version they are for.
    keys: Option<(u32, InitialKeys)>,
    short_packets: u64,
}

#[derive(Default)]
pub struct QuicAnalyzer {
    /// [client, server].
    sides: [Side; 2],
    /// The first Destination Connection ID of the client's Initial, which
    /// both sides' Initial keys derive from.
    initial_dcid: Option<Vec<u8>>,
    /// Connection ID length of short header packets (the client's, as Zeek
    /// reads every short header with it).
    client_cid_len: usize,
    decrypted: u64,
    discarded: u64,
    /// quic.log's history length while a quic.log entry is open (Zeek's
    /// `c$quic`).
    history: Option<usize>,
    /// Stopped after a violation.
    done: bool,
    /// The TLS handshake carried in the CRYPTO frames, for ssl.log.
    tls: crate::ssl::SslAnalyzer,
}

impl Analyzer for QuicAnalyzer {
    fn deliver(&mut self, cx: &mut Context<'_>, is_orig: bool, data: &[u8]) {
        if self.done {
            return;
        }
        // A datagram holds one or more packets; each consumes at least its
        // first byte, so this ends.
        let mut rest = data;
        while !rest.is_empty() {
            match self.packet(cx, is_orig, rest) {
                Ok(used) => rest = &rest[used..],
                Err(reason) => {
                    cx.violation(reason, None);
                    self.done = true;
                    return;
                }
            }
        }
    }

    fn finish(&mut self, cx: &mut Context<'_>) {
        let tls = &mut self.tls;
        cx.embedded(|cx| tls.finish(cx));
    }
}

impl QuicAnalyzer {
    /// Handles the packet at the start of `data`; returns its length.
    fn packet(
        &mut self,
        cx: &mut Context<'_>,
        is_orig: bool,
        data: &[u8],
    ) -> Result<usize, Cow<'static, str>> {
        const FIXED_BIT: u8 = 0x40;
        const LONG_HEADER: u8 = 0x80;
        if data[0] & FIXED_BIT == 0 {
            // Not a QUIC packet of these versions: the rest is dropped.
            self.discarded_packet(cx);
            return Ok(data.len());
        }
        if data[0] & LONG_HEADER == 0 {
            self.short_packet(cx, is_orig, data)?;
            return Ok(data.len());
        }
        let p = match packet::parse_long(data) {
            Ok(p) => p,
            Err(LongError::UnhandledVersion { version }) => {
                self.open_history();
                self.add_history(cx);
                self.history = None;
                return Err(format!("unhandled QUIC version 0x{version:x}").into());
            }
            Err(LongError::Malformed(m)) => return Err(m.into()),
        };
        self.open_history();
        self.add_history(cx);
        match p.kind {
            LongType::Retry => {
                // Zeek logs the entry and starts over with the client's
                // next Initial (and its new connection ID).
                self.history = None;
                self.reset_crypto();
            }
            LongType::Initial if self.can_decrypt(is_orig) => self.initial(cx, is_orig, &p)?,
            _ => {}
        }
        Ok(p.bytes.len())
    }

    /// Zeek decrypts a direction's Initial packets until its hello is
    /// complete; the server's only once the client's connection ID is known.
    fn can_decrypt(&self, is_orig: bool) -> bool {
        (is_orig || self.initial_dcid.is_some()) && !self.side(is_orig).crypto.is_complete()
    }

    fn initial(
        &mut self,
        cx: &mut Context<'_>,
        is_orig: bool,
        p: &LongPacket<'_>,
    ) -> Result<(), Malformed> {
        if is_orig {
            self.client_cid_len = p.scid.len();
            self.initial_dcid.get_or_insert_with(|| p.dcid.to_vec());
        } else {
            self.client_cid_len = p.dcid.len();
        }
        let payload = self.decrypt(is_orig, p).ok_or("decryption failed")?;
        cx.confirm();
        self.decrypted += 1;
        for frame in frames(&payload) {
            match frame? {
                Frame::Crypto { offset, data } => {
                    self.side_mut(is_orig).crypto.write(offset, data)?;
                }
                Frame::ConnectionClose => self.connection_close(cx),
                Frame::Skipped => {}
            }
        }
        self.check_hellos(cx, is_orig);
        Ok(())
    }

    fn decrypt(&mut self, is_orig: bool, p: &LongPacket<'_>) -> Option<Vec<u8>> {
        let dcid = self.initial_dcid.as_deref()?;
        let side = &mut self.sides[usize::from(!is_orig)];
        if side.keys.as_ref().is_none_or(|(v, _)| *v != p.version) {
            side.keys = Some((p.version, InitialKeys::derive(p.version, dcid, is_orig)));
        }
        let (_, keys) = side.keys.as_ref()?;
        keys.open(p.bytes, p.pn_offset)
    }

    /// A direction's hello is in (its stream is complete, so this happens
    /// once): Zeek's SSL analyzer raises its hello event and confirms on
    /// the first hello of a TLS version it supports (a ClientHello alone is
    /// enough, e.g. when the server's Initial is lost).
    fn check_hellos(&mut self, cx: &mut Context<'_>, is_orig: bool) {
        if !self.has_hello(is_orig) {
            return;
        }
        if self.history.is_some() {
            self.add_history(cx);
        }
        cx.confirm_also("ssl");
        if let Some(hello) = self.side(is_orig).crypto.message() {
            let hello = hello.to_vec();
            let tls = &mut self.tls;
            cx.embedded(|cx| tls.handshake_messages(cx, is_orig, &hello));
        }
    }

    /// The ClientHello (`is_orig`) or the ServerHello is complete.
    fn has_hello(&self, is_orig: bool) -> bool {
        let kind = if is_orig { 1 } else { 2 };
        self.side(is_orig)
            .crypto
            .message()
            .is_some_and(|m| is_hello(m, kind))
    }

    fn short_packet(
        &mut self,
        cx: &mut Context<'_>,
        is_orig: bool,
        data: &[u8],
    ) -> Result<(), Malformed> {
        if data.len() < 1 + self.client_cid_len {
            return Err("short header packet truncated");
        }
        let side = self.side_mut(is_orig);
        side.short_packets += 1;
        let count = side.short_packets;
        // Reported at 1, 2, 4, 8, ... of them.
        if !count.is_power_of_two() {
            return Ok(());
        }
        if self.history.is_some() {
            self.add_history(cx);
        } else {
            // Initial packets were not seen, yet packets parse.
            cx.weird(
                "",
                "QUIC_spurious_short_packet_threshold_crossed",
                Some(count.to_string()),
            );
        }
        Ok(())
    }

    /// A packet without the fixed bit; reported (as Zeek does) only after
    /// Initial packets were decrypted, and only so often.
    fn discarded_packet(&mut self, cx: &mut Context<'_>) {
        self.discarded += 1;
        if self.decrypted == 0 || self.discarded > MAX_DISCARDED_EVENTS {
            return;
        }
        if self.history.is_some() {
            self.add_history(cx);
        } else {
            cx.weird("", "QUIC_spurious_discarded_packet", None);
        }
    }

    /// A CONNECTION_CLOSE closes the current quic.log entry.
    fn connection_close(&mut self, cx: &mut Context<'_>) {
        if self.history.is_some() {
            self.add_history(cx);
            self.history = None;
        }
    }

    /// Forgets the Initial keys and CRYPTO data (packet counts stay).
    fn reset_crypto(&mut self) {
        for side in &mut self.sides {
            side.crypto = CryptoStream::default();
            side.keys = None;
        }
        self.initial_dcid = None;
    }

    /// A long header packet opens a quic.log entry if none is open.
    fn open_history(&mut self) {
        self.history.get_or_insert(0);
    }

    /// One more letter in the open entry's history, up to the limit.
    fn add_history(&mut self, cx: &mut Context<'_>) {
        let max = cx.config.quic.max_history_length;
        let Some(len) = self.history.as_mut().filter(|len| **len < max) else {
            return;
        };
        *len += 1;
        if *len == max {
            cx.weird("", "QUIC_max_history_length_reached", None);
        }
    }

    fn side(&self, is_orig: bool) -> &Side {
        &self.sides[usize::from(!is_orig)]
    }

    fn side_mut(&mut self, is_orig: bool) -> &mut Side {
        &mut self.sides[usize::from(!is_orig)]
    }
}

/// Zeek's `dpd_quic_initial` and `dpd_quic_v2_initial` signatures: the
/// originator's first datagram starts with an Initial packet of QUIC v1 or
/// v2.
pub fn signature(orig: &[u8]) -> Option<bool> {
    let (&first, version) = orig.split_first()?;
    // Long header, fixed bit, and the version's Initial packet type.
    let initial = match version.get(..4) {
        Some([0, 0, 0, 1]) => 0xc0,
        Some([0x6b, 0x33, 0x43, 0xcf]) => 0xd0,
        _ => return Some(false),
    };
    Some(first & 0xf0 == initial)
}

/// A protected QUIC v1 Initial packet (no token, a 2-byte packet number
/// `pn`) from the client or the server, keyed by the client's original
/// `key_dcid`: lets tests and fuzzing reach what lies behind decryption.
/// `payload` takes 2 (the header protection sample) to 16000 bytes.
#[cfg(any(test, feature = "fuzzing"))]
pub fn seal_initial(
    client: bool,
    key_dcid: &[u8],
    dcid: &[u8],
    pn: u16,
    payload: &[u8],
) -> Vec<u8> {
    let mut header = vec![0xc1, 0, 0, 0, 1, dcid.len() as u8];
    header.extend_from_slice(dcid);
    header.extend_from_slice(&[0, 0]); // no SCID, no token
    let len = 2 + payload.len() + 16;
    header.extend_from_slice(&(0x4000 | len as u16).to_be_bytes());
    let pn_offset = header.len();
    header.extend_from_slice(&pn.to_be_bytes());
    InitialKeys::derive(packet::VERSION_1, key_dcid, client).seal(&header, pn_offset, payload)
}

#[cfg(test)]
mod tests {
    use super::protection::tests::{unhex, CLIENT_INITIAL, SERVER_INITIAL};
    use super::*;
    use crate::{AnalyzerConfig, AppRecord, FuidGen};
    use records::Time;

    /// What the analyzer told the host over a run.
    #[derive(Debug, Default, PartialEq)]
    struct Outcome {
        confirmed: bool,
        also: Vec<&'static str>,
        violation: Option<String>,
        weirds: Vec<&'static str>,
    }

    fn run_with(config: &AnalyzerConfig, datagrams: &[(bool, Vec<u8>)]) -> Outcome {
        let info = crate::test_support::conn(17, 443);
        let mut fuids = FuidGen::new(Some(1));
        let mut sink: Vec<AppRecord> = Vec::new();
        let mut a = QuicAnalyzer::default();
        let mut out = Outcome::default();
        for (is_orig, d) in datagrams {
            let mut cx = Context::new(&info, Time(0), config, &mut fuids, &mut sink);
            a.deliver(&mut cx, *is_orig, d);
            out.confirmed |= cx.confirmed;
            // Listed once, as the host does.
            for service in cx.also_confirmed.drain(..) {
                if !out.also.contains(&service) {
                    out.also.push(service);
                }
            }
            if let Some((reason, _)) = cx.violation.take() {
                out.violation.get_or_insert(reason);
            }
        }
        out.weirds = sink
            .iter()
            .filter_map(|r| match r {
                AppRecord::Weird(w) => Some(w.name),
                _ => None,
            })
            .collect();
        out
    }

    fn run(datagrams: &[(bool, Vec<u8>)]) -> Outcome {
        run_with(&AnalyzerConfig::default(), datagrams)
    }

    fn crypto_frame(offset: u16, data: &[u8]) -> Vec<u8> {
        let mut f = vec![0x06];
        f.extend_from_slice(&(0x4000 | offset).to_be_bytes());
        f.extend_from_slice(&(0x4000 | data.len() as u16).to_be_bytes());
        f.extend_from_slice(data);
        f
    }

    /// A handshake message of `kind` that looks like a hello.
    fn hello(kind: u8, body_len: u16) -> Vec<u8> {
        let mut m = vec![kind, 0];
        m.extend_from_slice(&body_len.to_be_bytes());
        m.extend_from_slice(&[3, 3]);
        m.resize(4 + usize::from(body_len), 0x5a);
        m
    }

    fn server_hello_datagram(key_dcid: &[u8]) -> Vec<u8> {
        seal_initial(false, key_dcid, b"", 0, &crypto_frame(0, &hello(2, 90)))
    }

    #[test]
    fn rfc9001_handshake_confirms_quic_and_ssl() {
        let got = run(&[
            (true, unhex(CLIENT_INITIAL)),
            (false, unhex(SERVER_INITIAL)),
        ]);
        assert_eq!(
            got,
            Outcome {
                confirmed: true,
                also: vec!["ssl"],
                ..Outcome::default()
            }
        );
    }

    /// The ssl.log row of RFC 9001's Initial exchange.
    fn rfc9001_ssl_row(config: &AnalyzerConfig) -> crate::ssl::SslRecord {
        let info = crate::test_support::conn(17, 443);
        let mut fuids = FuidGen::new(Some(1));
        let mut sink: Vec<AppRecord> = Vec::new();
        let mut a = QuicAnalyzer::default();
        for (is_orig, d) in [
            (true, unhex(CLIENT_INITIAL)),
            (false, unhex(SERVER_INITIAL)),
        ] {
            let mut cx = Context::new(&info, Time(0), config, &mut fuids, &mut sink);
            a.deliver(&mut cx, is_orig, &d);
        }
        let mut cx = Context::new(&info, Time(1), config, &mut fuids, &mut sink);
        a.finish(&mut cx);
        sink.into_iter()
            .find_map(|r| match r {
                AppRecord::Ssl(s) => Some(*s),
                _ => None,
            })
            .expect("an ssl.log row")
    }

    #[test]
    fn the_tls_handshake_in_crypto_frames_is_logged_in_ssl_log() {
        let ssl = rfc9001_ssl_row(&AnalyzerConfig::default());
        assert_eq!(ssl.version.as_deref(), Some("TLSv13"));
        assert_eq!(
            ssl.server_name.as_ref().map(|n| n.0.as_slice()),
            Some(&b"example.com"[..])
        );
        assert_eq!(ssl.ssl_history.as_str(), "Cs");
    }

    #[test]
    fn ja4_of_a_quic_hello_starts_with_q() {
        let mut config = AnalyzerConfig::default();
        config.ssl.ja4 = true;
        let ssl = rfc9001_ssl_row(&config);
        // TLS 1.3, SNI, 2 ciphers, 11 extensions, ALPN "alpn".
        assert!(ssl.ja4.starts_with("q13d0211an_"), "{}", ssl.ja4);
        assert!(ssl.ja4s.starts_with("q1302"), "{}", ssl.ja4s);
    }

    #[test]
    fn complete_client_hello_alone_confirms_ssl() {
        let got = run(&[(true, unhex(CLIENT_INITIAL))]);
        assert!(got.confirmed);
        assert_eq!(got.also, vec!["ssl"]);
        assert_eq!(got.violation, None);
    }

    #[test]
    fn hello_of_an_unknown_tls_version_does_not_confirm_ssl() {
        let dcid = [5u8; 8];
        let mut msg = hello(1, 100);
        msg[4..6].copy_from_slice(&[0x12, 0x34]);
        let got = run(&[(
            true,
            seal_initial(true, &dcid, &dcid, 0, &crypto_frame(0, &msg)),
        )]);
        assert!(got.confirmed);
        assert!(got.also.is_empty());
    }

    #[test]
    fn server_initial_without_the_clients_is_not_decrypted() {
        let got = run(&[(false, unhex(SERVER_INITIAL))]);
        assert_eq!(got, Outcome::default());
    }

    #[test]
    fn fragmented_out_of_order_crypto_in_coalesced_packets() {
        let dcid = [7u8; 8];
        let msg = hello(1, 1500);
        // The tail first, padded; then the head in two frames, in reverse,
        // coalesced into the same datagram; then a datagram padded with
        // zeros after its packet.
        let mut tail = crypto_frame(1000, &msg[1000..]);
        tail.extend_from_slice(&[0; 100]);
        let mut d1 = seal_initial(true, &dcid, &dcid, 0, &tail);
        let mut head = crypto_frame(400, &msg[400..1000]);
        head.push(0x01); // PING
        d1.extend(seal_initial(true, &dcid, &dcid, 1, &head));
        let mut d2 = seal_initial(true, &dcid, &dcid, 2, &crypto_frame(0, &msg[..400]));
        d2.extend_from_slice(&[0; 30]);
        let got = run(&[(true, d1.clone()), (true, d2)]);
        assert_eq!(got.also, vec!["ssl"]);
        assert!(got.confirmed);
        assert_eq!(got.violation, None);
        // Without the head the ClientHello is incomplete: no ssl.
        let got = run(&[(true, d1)]);
        assert!(got.confirmed);
        assert!(got.also.is_empty());
    }

    #[test]
    fn server_switches_connection_id_client_keeps_keys() {
        let dcid = [1u8; 8];
        let msg = hello(1, 200);
        let first = seal_initial(true, &dcid, &dcid, 0, &crypto_frame(0, &msg[..100]));
        // The client's second Initial goes to the server's chosen ID but is
        // still protected with the keys of the original one.
        let second = seal_initial(true, &dcid, &[9; 4], 1, &crypto_frame(100, &msg[100..]));
        let got = run(&[(true, first.clone()), (true, second)]);
        assert_eq!(got.also, vec!["ssl"]);
        // The server's Initial opens with them too; its ServerHello
        // confirms when the ClientHello is incomplete.
        let got = run(&[(true, first), (false, server_hello_datagram(&dcid))]);
        assert_eq!(got.also, vec!["ssl"]);
    }

    #[test]
    fn retry_starts_over_with_the_new_connection_id() {
        let (old, new) = ([1u8; 8], [2u8; 8]);
        let msg = hello(1, 100);
        let mut retry = vec![0xf0, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4];
        retry.extend_from_slice(b"token");
        retry.extend_from_slice(&[0xee; 16]); // integrity tag
        let got = run(&[
            (
                true,
                seal_initial(true, &old, &old, 0, &crypto_frame(0, &msg[..50])),
            ),
            (false, retry),
            (
                true,
                seal_initial(true, &new, &new, 1, &crypto_frame(0, &msg)),
            ),
        ]);
        assert_eq!(got.also, vec!["ssl"]);
        assert_eq!(got.violation, None);
    }

    #[test]
    fn non_quic_datagrams_are_violations() {
        let mut unknown = vec![0xc0, 0xff, 0xff, 0xff, 0xff, 0, 0];
        unknown.resize(40, 0xff);
        let unknown_version = run(&[(true, unknown)]);
        assert_eq!(
            unknown_version.violation.as_deref(),
            Some("unhandled QUIC version 0xffffffff")
        );
        assert!(!unknown_version.confirmed);
        let mut tampered = unhex(CLIENT_INITIAL);
        tampered[100] ^= 0xff;
        let got = run(&[(true, tampered)]);
        assert_eq!(got.violation.as_deref(), Some("decryption failed"));
        assert!(!got.confirmed);
        let truncated = unhex(CLIENT_INITIAL)[..600].to_vec();
        assert_eq!(
            run(&[(true, truncated)]).violation.as_deref(),
            Some("packet truncated")
        );
        // Zeek's analyzer drops packets without the fixed bit quietly.
        assert_eq!(run(&[(true, vec![0x12, 0x34, 0, 0])]), Outcome::default());
    }

    #[test]
    fn stream_frame_in_an_initial_is_a_violation_after_confirmation() {
        let dcid = [3u8; 8];
        let got = run(&[(true, seal_initial(true, &dcid, &dcid, 0, &[0x08, 0, 0]))]);
        assert!(got.confirmed);
        assert_eq!(got.violation.as_deref(), Some("unhandled frame type"));
    }

    #[test]
    fn history_limit_raises_zeeks_weird_once() {
        let mut config = AnalyzerConfig::default();
        config.quic.max_history_length = 3;
        // I, S (ClientHello), i, s (ServerHello), then short packets.
        let got = run_with(
            &config,
            &[
                (true, unhex(CLIENT_INITIAL)),
                (false, unhex(SERVER_INITIAL)),
                (true, vec![0x40; 30]),
                (true, vec![0x40; 30]),
            ],
        );
        assert_eq!(got.weirds, vec!["QUIC_max_history_length_reached"]);
        assert_eq!(
            run(&[(true, unhex(CLIENT_INITIAL))]).weirds,
            Vec::<&str>::new()
        );
    }

    #[test]
    fn short_packets_before_any_initial_are_spurious() {
        let got = run(&[
            (true, vec![0x40; 30]),
            (true, vec![0x40; 30]),
            (true, vec![0x40; 30]),
        ]);
        // Reported at the 1st and 2nd packet, not the 3rd.
        assert_eq!(
            got.weirds,
            vec!["QUIC_spurious_short_packet_threshold_crossed"; 2]
        );
    }

    #[test]
    fn signature_matches_v1_and_v2_initials_only() {
        assert_eq!(signature(b""), None);
        assert_eq!(signature(&unhex(CLIENT_INITIAL)), Some(true));
        assert_eq!(signature(&[0xd3, 0x6b, 0x33, 0x43, 0xcf, 8]), Some(true));
        // v1 Handshake, v2 with v1's Initial type, an unknown version.
        assert_eq!(signature(&[0xe0, 0, 0, 0, 1]), Some(false));
        assert_eq!(signature(&[0xc3, 0x6b, 0x33, 0x43, 0xcf]), Some(false));
        assert_eq!(signature(&[0xc3, 0, 0, 0, 2]), Some(false));
        assert_eq!(signature(&[0xc3]), Some(false));
    }
}
