//! http.log rows of one connection, kept as Zeek's `HTTP::State` keeps
//! them: a table of pending request/response pairs indexed by request and
//! response counters, so pipelined requests meet their responses in order;
//! a row is written when its response ends (or when the connection goes).

use super::body::FileNews;
use super::parser;
use super::software::{self, Plugins};
use super::HttpRecord;
use crate::record::AppRecord;
use crate::websocket::handshake::Request;
use crate::Context;
use records::{Enum, Port, Set, ZString};
use std::collections::BTreeMap;

/// Zeek's `HTTP::max_pending_requests`.
const MAX_PENDING: usize = 100;
/// Zeek's `HTTP::max_files_orig` / `max_files_resp`.
const MAX_FILES: usize = 15;

/// Methods Zeek knows (`HTTP::http_methods`); others raise a weird.
const KNOWN_METHODS: &[&[u8]] = &[
    b"GET",
    b"POST",
    b"HEAD",
    b"OPTIONS",
    b"PUT",
    b"DELETE",
    b"TRACE",
    b"CONNECT",
    b"PROPFIND",
    b"PROPPATCH",
    b"MKCOL",
    b"COPY",
    b"MOVE",
    b"LOCK",
    b"UNLOCK",
    b"POLL",
    b"REPORT",
    b"SUBSCRIBE",
    b"BMOVE",
    b"SEARCH",
    b"QUERY",
];

/// Weirds Zeek's scripts raise carry no analyzer as source.
const SCRIPT_SOURCE: &str = "-";

/// One request/response pair being worked on.
struct Pending {
    row: HttpRecord,
    plugins: Plugins,
}

#[derive(Default)]
pub struct Transactions {
    pending: BTreeMap<u64, Pending>,
    current_request: u64,
    current_response: u64,
    trans_depth: u64,
}

impl Transactions {
    /// The row the originator (`is_orig`) or responder is working on,
    /// created on first use (Zeek's `set_state`).
    fn pair(&mut self, cx: &Context<'_>, is_orig: bool) -> &mut Pending {
        let index = if is_orig {
            self.current_request
        } else {
            self.current_response
        };
        let depth = &mut self.trans_depth;
        self.pending.entry(index).or_insert_with(|| {
            *depth += 1;
            Pending {
                row: new_row(cx, *depth),
                plugins: Plugins::default(),
            }
        })
    }

    /// The http.log row of [`Transactions::pair`].
    fn row(&mut self, cx: &Context<'_>, is_orig: bool) -> &mut HttpRecord {
        &mut self.pair(cx, is_orig).row
    }

    /// A request line (Zeek's `http_request` event).
    pub fn request(&mut self, cx: &mut Context<'_>, method: &[u8], uri: Vec<u8>) {
        if self.current_request < self.current_response {
            cx.weird(SCRIPT_SOURCE, "HTTP_response_before_request", None);
            self.current_request = self.current_response;
        }
        if self.pending.len() > MAX_PENDING {
            cx.weird(SCRIPT_SOURCE, "HTTP_excessive_pipelining", None);
            self.flush_answered_up_to_request(cx);
        }
        self.current_request += 1;
        let sql_injection = cx.config.http.tag_sql_injection && super::sqli::is_sql_injection(&uri);
        let row = self.row(cx, true);
        row.method = Some(ZString(method.to_vec()));
        if sql_injection {
            row.tags.0.push(Enum("HTTP::URI_SQLI"));
        }
        row.uri = Some(ZString(uri));
        if !KNOWN_METHODS.contains(&method) {
            let m = String::from_utf8_lossy(method).into_owned();
            cx.weird(SCRIPT_SOURCE, "unknown_HTTP_method", Some(m));
        }
    }

    /// Too many requests without response: log them all.
    fn flush_answered_up_to_request(&mut self, cx: &mut Context<'_>) {
        self.current_response = self.current_response.max(1);
        while self.current_response < self.current_request {
            if let Some(pair) = self.pending.remove(&self.current_response) {
                log(cx, pair);
            }
            self.current_response += 1;
        }
    }

    /// A status line (Zeek's `http_reply` event); a 1xx keeps its row for
    /// the final response.
    pub fn reply(&mut self, cx: &mut Context<'_>, version: String, code: u16, reason: Vec<u8>) {
        let interim = self
            .pending
            .get(&self.current_response)
            .is_some_and(|p| p.row.status_code.is_none_or(is_informational));
        if !interim {
            self.current_response += 1;
        }
        let row = self.row(cx, false);
        row.status_code = Some(u64::from(code));
        row.status_msg = Some(ZString(reason.clone()));
        row.version = Some(ZString(version.into_bytes()));
        if is_informational(u64::from(code)) {
            row.info_code = Some(u64::from(code));
            row.info_msg = Some(ZString(reason));
        }
    }

    /// The request a protocol switch answers (Zeek's `c$http` then).
    pub fn upgraded_request(&self) -> Request {
        let row = self.pending.get(&self.current_response);
        Request {
            host: row.and_then(|r| r.row.host.clone()),
            uri: row.and_then(|r| r.row.uri.clone()),
            user_agent: row.and_then(|r| r.row.user_agent.clone()),
        }
    }

    /// A header field of a request or reply head (Zeek's `http_header`).
    pub fn header(&mut self, cx: &mut Context<'_>, is_orig: bool, name: &[u8], value: &[u8]) {
        let capture_password = cx.config.http.capture_password;
        let proxied = cx
            .config
            .http
            .proxy_headers
            .iter()
            .any(|h| h.as_bytes() == name);
        let http = &cx.config.http;
        let log_name = if is_orig {
            http.log_client_header_names
        } else {
            http.log_server_header_names
        };
        let Pending { row, plugins } = self.pair(cx, is_orig);
        software::header(cx, plugins, is_orig, name, value);
        if log_name {
            let names = if is_orig {
                &mut row.client_header_names
            } else {
                &mut row.server_header_names
            };
            names
                .get_or_insert_with(Vec::new)
                .push(ZString(name.to_vec()));
        }
        if !is_orig {
            return;
        }
        let text = || Some(ZString(value.to_vec()));
        match name {
            b"REFERER" => row.referrer = text(),
            b"HOST" => row.host = text(),
            b"ORIGIN" => row.origin = text(),
            b"USER-AGENT" => row.user_agent = text(),
            _ if proxied => {
                let mut entry = name.to_vec();
                entry.extend_from_slice(b" -> ");
                entry.extend_from_slice(value);
                let set = row.proxied.get_or_insert_with(|| Set(Vec::new()));
                if !set.0.iter().any(|e| e.0 == entry) {
                    set.0.push(ZString(entry));
                }
            }
            b"AUTHORIZATION" | b"PROXY-AUTHORIZATION" => basic_auth(row, value, capture_password),
            _ => {}
        }
    }

    /// A body's file started or was sniffed (Zeek's
    /// `file_over_new_connection` and `file_sniff` in entities.zeek).
    pub fn file(&mut self, cx: &mut Context<'_>, is_orig: bool, news: FileNews) {
        let row = self.row(cx, is_orig);
        let (fuids, names, mimes) = if is_orig {
            (
                &mut row.orig_fuids,
                &mut row.orig_filenames,
                &mut row.orig_mime_types,
            )
        } else {
            (
                &mut row.resp_fuids,
                &mut row.resp_filenames,
                &mut row.resp_mime_types,
            )
        };
        match news {
            FileNews::Begun { fuid, filename } => {
                push_bounded(fuids, fuid);
                if let Some(name) = filename {
                    push_bounded(names, ZString(name));
                }
            }
            FileNews::MimeType(m) => push_bounded(mimes, m),
        }
    }

    /// A request or reply is complete (Zeek's `http_message_done`): the
    /// row is written when a final response is.
    pub fn message_done(&mut self, cx: &mut Context<'_>, is_orig: bool, body_len: u64) {
        let Pending { row, plugins } = self.pair(cx, is_orig);
        if is_orig {
            row.request_body_len = body_len;
            let ua = row.user_agent.as_ref().map(|u| u.0.as_slice());
            software::request_done(cx, plugins, ua);
            return;
        }
        row.response_body_len = body_len;
        if row.status_code.is_some_and(is_informational) {
            return;
        }
        if let Some(pair) = self.pending.remove(&self.current_response) {
            log(cx, pair);
        }
    }

    /// The connection is gone: pairs still pending are written as they are.
    pub fn flush(&mut self, cx: &mut Context<'_>) {
        for (_, pair) in std::mem::take(&mut self.pending) {
            log(cx, pair);
        }
    }
}

/// Writes a pair's http.log row (and what `log_http` handlers find in it).
fn log(cx: &mut Context<'_>, pair: Pending) {
    let uri = pair.row.uri.as_ref().map(|u| u.0.as_slice());
    software::logged(cx, &pair.plugins, uri);
    cx.emit(AppRecord::Http(Box::new(pair.row)));
}

/// Files beyond Zeek's per-row limit are not listed.
fn push_bounded<T>(list: &mut Option<Vec<T>>, item: T) {
    let list = list.get_or_insert_with(Vec::new);
    if list.len() < MAX_FILES {
        list.push(item);
    }
}

fn is_informational(code: u64) -> bool {
    (100..=199).contains(&code)
}

fn new_row(cx: &Context<'_>, trans_depth: u64) -> HttpRecord {
    let c = cx.conn;
    HttpRecord {
        ts: cx.now,
        uid: c.uid.to_string(),
        orig_h: Some(c.orig_h),
        orig_p: Port(c.orig_p),
        resp_h: Some(c.resp_h),
        resp_p: Port(c.resp_p),
        trans_depth,
        tags: Set(Vec::<Enum>::new()),
        ..HttpRecord::default()
    }
}

/// "Basic base64(user:password)" as main.zeek splits it; undecodable
/// credentials log a marker as the user name.
fn basic_auth(row: &mut HttpRecord, value: &[u8], capture_password: bool) {
    let Some(rest) = value
        .get(..6)
        .filter(|p| p.eq_ignore_ascii_case(b"basic "))
        .map(|_| &value[5..])
    else {
        return;
    };
    let userpass = parser::base64_decode(&rest[parser::skip_ws(rest, 0)..]);
    match userpass.iter().position(|&c| c == b':') {
        Some(colon) => {
            row.username = Some(ZString(userpass[..colon].to_vec()));
            if capture_password {
                row.password = Some(ZString(userpass[colon + 1..].to_vec()));
            }
        }
        None => {
            let mut marker = b"<problem-decoding> (".to_vec();
            marker.extend_from_slice(value);
            marker.push(b')');
            row.username = Some(ZString(marker));
            if capture_password {
                row.password = Some(ZString(userpass));
            }
        }
    }
}
