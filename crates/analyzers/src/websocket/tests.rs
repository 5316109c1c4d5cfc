use super::handshake::{Handshake, Request};
use super::*;
use crate::record::AppRecord;
use crate::test_support::{conn, drive};
use crate::{AnalyzerConfig, FuidGen};
use records::{Time, ZString};

/// A frame; masked with `key` when given.
fn frame(fin: bool, opcode: u8, payload: &[u8], key: Option<[u8; 4]>) -> Vec<u8> {
    let mut f = vec![u8::from(fin) << 7 | opcode];
    let mask_bit = if key.is_some() { 0x80 } else { 0 };
    match payload.len() {
        n if n < 126 => f.push(mask_bit | n as u8),
        n => {
            f.push(mask_bit | 126);
            f.extend((n as u16).to_be_bytes());
        }
    }
    match key {
        Some(k) => {
            f.extend(k);
            f.extend(payload.iter().enumerate().map(|(i, b)| b ^ k[i % 4]));
        }
        None => f.extend(payload),
    }
    f
}

fn forwarded_bytes(o: &crate::test_support::Outcome, is_orig: bool) -> Vec<u8> {
    o.forwarded
        .iter()
        .filter(|(d, _)| *d == is_orig)
        .flat_map(|(_, b)| b.clone())
        .collect()
}

#[test]
fn masked_text_frame_is_unmasked_forwarded_and_confirms() {
    let f = frame(true, OPCODE_TEXT, b"hello websocket", Some([1, 2, 3, 4]));
    let o = drive(
        &mut WebSocketAnalyzer::default(),
        &conn(6, 80),
        &[(true, &f)],
    );
    assert!(o.confirmed);
    assert_eq!(forwarded_bytes(&o, true), b"hello websocket");
}

#[test]
fn fragmented_message_with_ping_between_split_anywhere() {
    let payload = vec![0xAB; 300];
    let stream = [
        frame(false, OPCODE_BINARY, &payload[..200], None),
        frame(true, 0x9, b"ping", None),
        frame(true, OPCODE_CONTINUATION, &payload[200..], None),
    ]
    .concat();
    let mut a = WebSocketAnalyzer::default();
    // Until the first frame is complete nothing is confirmed.
    let o = drive(&mut a, &conn(6, 80), &[(false, &stream[..150])]);
    assert!(!o.confirmed);
    let chunks: Vec<(bool, &[u8])> = stream[150..].chunks(7).map(|c| (false, c)).collect();
    let o2 = drive(&mut a, &conn(6, 80), &chunks);
    assert!(o2.confirmed, "the ping is a complete message");
    let mut all = forwarded_bytes(&o, false);
    all.extend(forwarded_bytes(&o2, false));
    assert_eq!(all, payload, "control payload is not forwarded");
}

#[test]
fn gap_ends_the_analysis() {
    let mut a = WebSocketAnalyzer::default();
    a.gap(
        &mut Context::new(
            &conn(6, 80),
            Time(0),
            &AnalyzerConfig::default(),
            &mut FuidGen::new(Some(1)),
            &mut Vec::<AppRecord>::new(),
        ),
        true,
        10,
    );
    let o = drive(&mut a, &conn(6, 80), &[(true, &frame(true, 1, b"x", None))]);
    assert!(!o.confirmed);
    assert!(o.forwarded.is_empty());
}

/// Runs `f` with a context whose records land in the returned vector.
fn with_context(f: impl FnOnce(&mut Context<'_>)) -> Vec<AppRecord> {
    let info = conn(6, 80);
    let config = AnalyzerConfig::default();
    let mut fuids = FuidGen::new(Some(1));
    let mut out = Vec::new();
    f(&mut Context::new(
        &info,
        Time(5),
        &config,
        &mut fuids,
        &mut out,
    ));
    out
}

fn weirds(records: &[AppRecord]) -> Vec<(&'static str, Option<String>)> {
    records
        .iter()
        .filter_map(|r| match r {
            AppRecord::Weird(w) => Some((w.name, w.addl.clone())),
            _ => None,
        })
        .collect()
}

fn request() -> Request {
    Request {
        host: Some(ZString(b"example.com".to_vec())),
        uri: Some(ZString(b"/chat".to_vec())),
        user_agent: None,
    }
}

#[test]
fn handshake_is_checked_and_logged() {
    // RFC 6455's own example key and accept.
    let out = with_context(|cx| {
        let mut h = Handshake::default();
        h.header(cx, true, b"SEC-WEBSOCKET-KEY", b"dGhlIHNhbXBsZSBub25jZQ==");
        h.header(cx, true, b"SEC-WEBSOCKET-PROTOCOL", b"chat, superchat");
        h.header(
            cx,
            false,
            b"SEC-WEBSOCKET-ACCEPT",
            b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
        );
        h.header(cx, false, b"SEC-WEBSOCKET-PROTOCOL", b"chat");
        h.header(cx, true, b"HOST", b"ignored");
        h.established(cx, request());
    });
    assert!(weirds(&out).is_empty());
    let row = out
        .iter()
        .find_map(|r| match r {
            AppRecord::Websocket(w) => Some(w),
            _ => None,
        })
        .expect("websocket.log row");
    assert_eq!(row.subprotocol, Some(ZString(b"chat".to_vec())));
    assert_eq!(
        row.client_protocols,
        Some(vec![
            ZString(b"chat".to_vec()),
            ZString(b"superchat".to_vec())
        ])
    );
    assert_eq!(row.uri, Some(ZString(b"/chat".to_vec())));
    assert_eq!(row.ts, Time(5));
}

#[test]
fn wrong_missing_and_repeated_headers_are_weird() {
    let out = with_context(|cx| {
        let mut h = Handshake::default();
        h.header(cx, true, b"SEC-WEBSOCKET-KEY", b"dGhlIHNhbXBsZSBub25jZQ==");
        h.header(cx, false, b"SEC-WEBSOCKET-ACCEPT", b"x");
        h.header(cx, false, b"SEC-WEBSOCKET-ACCEPT", b"wrong");
        h.established(cx, request());
    });
    assert_eq!(
        weirds(&out),
        vec![
            ("websocket_multiple_accept_headers", None),
            (
                "websocket_wrong_accept_header",
                Some("expected=s3pPLMBiTxaQ9kYGzzhZRbK+xOo=, found=wrong".into())
            ),
        ]
    );
    let out = with_context(|cx| Handshake::default().established(cx, request()));
    let names: Vec<_> = weirds(&out).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        vec![
            "websocket_missing_key_header",
            "websocket_missing_accept_header"
        ]
    );
}
