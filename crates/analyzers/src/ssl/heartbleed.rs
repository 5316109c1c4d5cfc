//! Heartbleed (CVE-2014-0160), as Zeek's `protocols/ssl/heartbleed`
//! detects it from TLS heartbeat records: in the clear, a request whose
//! claimed payload is longer than the record (an exploit attempt) and the
//! response that follows it (its success); once encrypted, heartbeats
//! before any application data, within the first minute, unanswered or
//! unrequested in numbers, shorter than the cipher suite allows, and a
//! response longer than its request (a successful encrypted attack).

use crate::context::Context;
use records::Time;

const NS: i64 = 1_000_000_000;

/// Smallest encrypted heartbeat per cipher suite family (by name suffix):
/// a 16-byte payload with its padding and MAC. TLS 1.1 and 1.2 carry an
/// explicit IV in CBC records.
const MIN_LENGTHS_TLS11: &[(&str, u64)] = &[
    ("_AES_256_GCM_SHA384", 43),
    ("_AES_128_GCM_SHA256", 43),
    ("_256_CBC_SHA384", 96),
    ("_256_CBC_SHA256", 80),
    ("_256_CBC_SHA", 64),
    ("_128_CBC_SHA256", 80),
    ("_128_CBC_SHA", 64),
    ("_3DES_EDE_CBC_SHA", 48),
    ("_SEED_CBC_SHA", 64),
    ("_IDEA_CBC_SHA", 48),
    ("_DES_CBC_SHA", 48),
    ("_DES40_CBC_SHA", 48),
    ("_RC4_128_SHA", 39),
    ("_RC4_128_MD5", 35),
    ("_RC4_40_MD5", 35),
    ("_RC2_CBC_40_MD5", 48),
];
const MIN_LENGTHS: &[(&str, u64)] = &[
    ("_256_CBC_SHA", 48),
    ("_128_CBC_SHA", 48),
    ("_3DES_EDE_CBC_SHA", 40),
    ("_SEED_CBC_SHA", 48),
    ("_IDEA_CBC_SHA", 40),
    ("_DES_CBC_SHA", 40),
    ("_DES40_CBC_SHA", 40),
    ("_RC4_128_SHA", 39),
    ("_RC4_128_MD5", 35),
    ("_RC4_40_MD5", 35),
    ("_RC2_CBC_40_MD5", 40),
];

const ATTACK: &str = "Heartbleed::SSL_Heartbeat_Attack";
const SUCCESS: &str = "Heartbleed::SSL_Heartbeat_Attack_Success";
const ODD_LENGTH: &str = "Heartbleed::SSL_Heartbeat_Odd_Length";
const MANY: &str = "Heartbleed::SSL_Heartbeat_Many_Requests";

/// What the session has agreed on, for the length checks.
pub(super) struct Suite<'a> {
    pub version: Option<&'a str>,
    pub cipher: Option<&'a str>,
    /// The session's (connection's) start.
    pub start: Time,
}

/// One connection's heartbeats.
#[derive(Debug, Default)]
pub(super) struct Heartbleed {
    /// An exploit request was seen in the clear.
    detected: bool,
    client_heartbeats: u64,
    server_heartbeats: u64,
    app_data_records: u64,
    last_client_request: Option<u64>,
    last_server_request: Option<u64>,
}

impl Heartbleed {
    /// A heartbeat in the clear: `record` is the record's length, `kind`
    /// 1 (request) or 2 (response), `payload` the length it claims.
    pub fn plaintext(
        &mut self,
        cx: &mut Context<'_>,
        is_client: bool,
        record: u64,
        kind: u8,
        payload: u64,
    ) {
        let uid = cx.conn.uid;
        if kind == 1 {
            // The type, length and at least 16 bytes of padding.
            let room = if record < 19 { record } else { record - 19 };
            if payload > room {
                self.detected = true;
                let msg = format!("An TLS heartbleed attack was detected! Record length {record}. Payload length {payload}");
                let id = format!("{uid}{record}{payload}");
                cx.notice(ATTACK, msg, None, id);
            } else if is_client {
                let msg = format!("Heartbeat request before encryption. Probable Scan without exploit attempt. Message length: {record}. Payload length: {payload}");
                let id = format!("{uid}{record}");
                cx.notice(ATTACK, msg, Some(record), id);
            }
        }
        if kind == 2 && self.detected {
            let msg = format!("An TLS heartbleed attack detected before was probably exploited. Message length: {record}. Payload length: {payload}");
            cx.notice(SUCCESS, msg, None, uid.to_string());
        }
    }

    /// Application data once encrypted.
    pub fn app_data(&mut self, len: usize) {
        self.app_data_records += u64::from(len > 0);
    }

    /// An encrypted heartbeat record of `len` bytes.
    pub fn encrypted(
        &mut self,
        cx: &mut Context<'_>,
        is_client: bool,
        len: u64,
        suite: &Suite<'_>,
    ) {
        if is_client {
            self.client_heartbeats += 1;
        } else {
            self.server_heartbeats += 1;
        }
        let uid = cx.conn.uid.to_string();
        let secs = (cx.now.0 - suite.start.0) as f64 / NS as f64;
        self.early(cx, is_client, len, secs, &uid);
        self.unbalanced(cx, &uid);
        if is_client && len < 19 {
            if let Some(cipher) = suite.cipher {
                let msg = format!("Heartbeat message smaller than minimum required length. Probable attack or scan. Message length: {len}. Cipher: {cipher}. Time: {secs:.6}");
                cx.notice(ODD_LENGTH, msg, Some(len), format!("{uid}-weak-{len}"));
            }
        }
        self.too_short(cx, len, suite, &uid);
        self.request_and_response(cx, is_client, len, secs, &uid);
    }

    fn early(&self, cx: &mut Context<'_>, is_client: bool, len: u64, secs: f64, uid: &str) {
        let client = u8::from(is_client);
        let msg = if self.app_data_records == 0 {
            format!("Heartbeat before ciphertext. Probable attack or scan. Length: {len}, is_client: {client}")
        } else if secs < 60.0 {
            format!("Heartbeat within first minute. Possible attack or scan. Length: {len}, is_client: {client}, time: {secs:.6} secs")
        } else {
            return;
        };
        cx.notice(ATTACK, msg, Some(len), format!("{uid}early"));
    }

    fn unbalanced(&self, cx: &mut Context<'_>, uid: &str) {
        let (c, s) = (self.client_heartbeats, self.server_heartbeats);
        // Raised again every thousand heartbeats.
        let id = format!("{uid}{}", s / 1000);
        if c > s + 3 {
            let msg = format!("More than 3 heartbeat requests without replies from server. Possible attack. Client count: {c}, server count: {s}");
            cx.notice(MANY, msg, Some(c - s), id);
        } else if s > c + 3 {
            let msg = format!("Server sending more heartbeat responses than requests seen. Possible attack. Client count: {c}, server count: {s}");
            cx.notice(MANY, msg, Some(s - c), id);
        }
    }

    /// Shorter than the smallest heartbeat the cipher suite can carry.
    fn too_short(&self, cx: &mut Context<'_>, len: u64, suite: &Suite<'_>, uid: &str) {
        let Some(cipher) = suite.cipher else { return };
        let table = match suite.version {
            Some("TLSv11" | "TLSv12") => MIN_LENGTHS_TLS11,
            _ => MIN_LENGTHS,
        };
        let Some(&(suffix, min)) = table.iter().find(|(suffix, _)| cipher.ends_with(suffix)) else {
            return;
        };
        if len < min {
            let msg = format!("Heartbeat message smaller than minimum required length. Probable attack. Message length: {len}. Required length: {min}. Cipher: {cipher}. Cipher match: /^?({suffix}$)$?/");
            cx.notice(ODD_LENGTH, msg, Some(len), format!("{uid}-weak-{len}"));
        }
    }

    /// A response longer than the request before it leaked memory.
    fn request_and_response(
        &mut self,
        cx: &mut Context<'_>,
        is_client: bool,
        len: u64,
        secs: f64,
        uid: &str,
    ) {
        if is_client {
            if self.last_server_request.take().is_none() {
                self.last_client_request = Some(len);
            }
            return;
        }
        match self.last_client_request.take() {
            Some(request) if request < len => {
                let msg = format!("An encrypted TLS heartbleed attack was probably detected! First packet client record length {request}, first packet server record length {len}. Time: {secs:.6}");
                cx.notice(SUCCESS, msg, None, uid.to_string());
            }
            Some(_) => {}
            None => self.last_server_request = Some(len),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::conn;
    use crate::{AnalyzerConfig, AppRecord, FuidGen};

    /// Runs `steps` on one watch; the notes and messages raised.
    fn watch(
        steps: impl FnOnce(&mut Heartbleed, &mut Context<'_>),
    ) -> Vec<(String, String, Option<u64>)> {
        let info = conn(6, 443);
        let config = AnalyzerConfig::default();
        let mut fuids = FuidGen::new(Some(1));
        let mut records: Vec<AppRecord> = Vec::new();
        let mut cx = Context::new(&info, Time(NS / 2), &config, &mut fuids, &mut records);
        steps(&mut Heartbleed::default(), &mut cx);
        records
            .iter()
            .filter_map(|r| match r {
                AppRecord::Notice(n) => Some((n.note.to_string(), n.msg.clone(), n.n)),
                _ => None,
            })
            .collect()
    }

    const SUITE: Suite<'static> = Suite {
        version: Some("TLSv12"),
        cipher: Some("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
        start: Time(0),
    };

    #[test]
    fn plaintext_exploit_and_its_response() {
        let n = watch(|hb, cx| {
            hb.plaintext(cx, true, 3, 1, 16384);
            hb.plaintext(cx, false, 16384, 2, 16384);
        });
        assert_eq!(n[0].0, ATTACK);
        assert_eq!(
            n[0].1,
            "An TLS heartbleed attack was detected! Record length 3. Payload length 16384"
        );
        assert_eq!(n[1].0, SUCCESS);
        assert_eq!(n.len(), 2);
    }

    #[test]
    fn plaintext_scan_without_exploit() {
        let n = watch(|hb, cx| hb.plaintext(cx, true, 40, 1, 16));
        assert_eq!(n.len(), 1);
        assert_eq!((n[0].0.as_str(), n[0].2), (ATTACK, Some(40)));
        assert!(n[0].1.starts_with("Heartbeat request before encryption."));
    }

    #[test]
    fn encrypted_short_request_answered_long() {
        let n = watch(|hb, cx| {
            hb.app_data(100);
            hb.encrypted(cx, true, 32, &SUITE);
            hb.encrypted(cx, false, 16416, &SUITE);
        });
        let notes: Vec<&str> = n.iter().map(|(note, _, _)| note.as_str()).collect();
        // The response is early too: the same identifier, which the
        // notice framework suppresses.
        assert_eq!(notes, [ATTACK, ODD_LENGTH, ATTACK, SUCCESS]);
        assert!(n[0].1.starts_with("Heartbeat within first minute."));
        assert!(n[1].1.contains("Required length: 64. Cipher: TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA. Cipher match: /^?(_128_CBC_SHA$)$?/"));
        assert_eq!(
            n[3].1,
            "An encrypted TLS heartbleed attack was probably detected! First packet client record length 32, first packet server record length 16416. Time: 0.500000"
        );
    }

    #[test]
    fn unanswered_requests() {
        let n = watch(|hb, cx| {
            hb.app_data(100);
            for _ in 0..4 {
                hb.encrypted(cx, true, 64, &SUITE);
            }
        });
        let many: Vec<_> = n.iter().filter(|(note, _, _)| note == MANY).collect();
        assert_eq!(many.len(), 1);
        assert_eq!(many[0].2, Some(4));
    }
}
