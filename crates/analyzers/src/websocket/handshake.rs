//! The WebSocket opening handshake as Zeek's `base/protocols/websocket`
//! script follows it: the `Sec-WebSocket-*` headers of the HTTP exchange,
//! checked when HTTP switches the connection over (weirds for missing,
//! repeated or wrong headers) and written to websocket.log.

use super::WebsocketRecord;
use crate::record::AppRecord;
use crate::Context;
use records::{Port, ZString};
use sha1::{Digest, Sha1};

/// RFC 6455's GUID the server hashes the client's key with.
const HANDSHAKE_GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const SOURCE: &str = "WebSocket";

/// What the `Sec-WebSocket-*` headers said so far.
#[derive(Debug, Default)]
pub struct Handshake {
    client_key: Option<Vec<u8>>,
    server_accept: Option<Vec<u8>>,
    subprotocol: Option<Vec<u8>>,
    client_protocols: Option<Vec<ZString>>,
    client_extensions: Option<Vec<ZString>>,
    server_extensions: Option<Vec<ZString>>,
}

/// The HTTP request the upgrade answers (http.log's columns of it).
pub struct Request {
    pub host: Option<ZString>,
    pub uri: Option<ZString>,
    pub user_agent: Option<ZString>,
}

/// Zeek's `split_string(value, / *, */)`.
fn list(value: &[u8]) -> impl Iterator<Item = ZString> + '_ {
    value
        .split(|c| *c == b',')
        .map(|item| ZString(item.trim_ascii_start().trim_ascii_end().to_vec()))
}

fn extend(list_field: &mut Option<Vec<ZString>>, value: &[u8]) {
    list_field.get_or_insert_with(Vec::new).extend(list(value));
}

impl Handshake {
    /// An HTTP header (upper-case `name`); only `Sec-WebSocket-*` ones
    /// matter.
    pub fn header(&mut self, cx: &mut Context<'_>, is_orig: bool, name: &[u8], value: &[u8]) {
        let Some(field) = name.strip_prefix(b"SEC-WEBSOCKET-") else {
            return;
        };
        let set = |cx: &mut Context<'_>, slot: &mut Option<Vec<u8>>, weird: &'static str| {
            if slot.is_some() {
                cx.weird(SOURCE, weird, None);
            }
            *slot = Some(value.to_vec());
        };
        match (is_orig, field) {
            (true, b"PROTOCOL") => extend(&mut self.client_protocols, value),
            (true, b"EXTENSIONS") => extend(&mut self.client_extensions, value),
            (true, b"KEY") => set(cx, &mut self.client_key, "websocket_multiple_key_headers"),
            (false, b"PROTOCOL") => set(
                cx,
                &mut self.subprotocol,
                "websocket_multiple_protocol_headers",
            ),
            (false, b"EXTENSIONS") => extend(&mut self.server_extensions, value),
            (false, b"ACCEPT") => set(
                cx,
                &mut self.server_accept,
                "websocket_multiple_accept_headers",
            ),
            _ => {}
        }
    }

    /// HTTP switched the connection to WebSocket (Zeek's
    /// `websocket_established`): check the headers, write the log row.
    pub fn established(self, cx: &mut Context<'_>, request: Request) {
        if self.client_key.is_none() {
            cx.weird(SOURCE, "websocket_missing_key_header", None);
        }
        if self.server_accept.is_none() {
            cx.weird(SOURCE, "websocket_missing_accept_header", None);
        }
        if let (Some(key), Some(accept)) = (&self.client_key, &self.server_accept) {
            let expected = expected_accept(key);
            if accept[..] != *expected.as_bytes() {
                let found = String::from_utf8_lossy(accept);
                cx.weird(
                    SOURCE,
                    "websocket_wrong_accept_header",
                    Some(format!("expected={expected}, found={found}")),
                );
            }
        }
        let c = cx.conn;
        let row = WebsocketRecord {
            ts: cx.now,
            uid: c.uid.to_string(),
            orig_h: Some(c.orig_h),
            orig_p: Port(c.orig_p),
            resp_h: Some(c.resp_h),
            resp_p: Port(c.resp_p),
            host: request.host,
            uri: request.uri,
            user_agent: request.user_agent,
            subprotocol: self.subprotocol.map(ZString),
            client_protocols: self.client_protocols,
            server_extensions: self.server_extensions,
            client_extensions: self.client_extensions,
        };
        cx.emit(AppRecord::Websocket(Box::new(row)));
    }
}

/// base64(SHA-1(key + GUID)), the `Sec-WebSocket-Accept` a server owes.
fn expected_accept(key: &[u8]) -> String {
    let mut h = Sha1::new();
    h.update(key);
    h.update(HANDSHAKE_GUID);
    records::base64(&h.finalize())
}
