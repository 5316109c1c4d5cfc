//! Whole exchanges through the analyzer, checked against what Zeek logs.

use super::{HttpAnalyzer, HttpRecord};
use crate::record::AppRecord;
use crate::{Analyzer, AnalyzerConfig, ConnInfo, Context, FuidGen};
use records::Time;

/// Drives one connection's analyzer and keeps what it produced.
/// Stream bytes as (from the originator?, bytes).
type Chunks = Vec<(bool, Vec<u8>)>;

struct Exchange {
    analyzer: HttpAnalyzer,
    config: AnalyzerConfig,
    fuids: FuidGen,
    sink: Vec<AppRecord>,
    confirmed: bool,
    violation: Option<String>,
    /// Hand-overs: the analyzer and the bytes it gets first.
    handed_over: Vec<(crate::Kind, Chunks)>,
    redetect: bool,
    now: i64,
}

impl Exchange {
    fn new() -> Self {
        Self::with_config(AnalyzerConfig::default())
    }

    fn with_config(config: AnalyzerConfig) -> Self {
        Exchange {
            analyzer: HttpAnalyzer::new(),
            config,
            fuids: FuidGen::new(Some(1)),
            sink: Vec::new(),
            confirmed: false,
            violation: None,
            handed_over: Vec::new(),
            redetect: false,
            now: 1_000_000_000,
        }
    }

    fn run(&mut self, f: impl FnOnce(&mut HttpAnalyzer, &mut Context<'_>)) {
        let conn = ConnInfo {
            uid: "Cuid",
            orig_h: "10.0.0.1".parse().unwrap(),
            orig_p: 40000,
            resp_h: "10.0.0.2".parse().unwrap(),
            resp_p: 80,
            proto: 6,
            local_orig: None,
            local_resp: None,
            start: records::Time(0),
        };
        self.now += 1_000_000;
        let mut cx = Context::new(
            &conn,
            Time(self.now),
            &self.config,
            &mut self.fuids,
            &mut self.sink,
        );
        f(&mut self.analyzer, &mut cx);
        self.confirmed |= cx.confirmed;
        if let Some((reason, _)) = cx.violation.take() {
            self.violation.get_or_insert(reason);
        }
        let data = std::mem::take(&mut cx.attach_data);
        for kind in std::mem::take(&mut cx.attach) {
            self.handed_over.push((kind, data.clone()));
        }
        self.redetect |= cx.redetect;
    }

    fn orig(&mut self, data: &[u8]) -> &mut Self {
        self.run(|a, cx| a.deliver(cx, true, data));
        self
    }

    fn resp(&mut self, data: &[u8]) -> &mut Self {
        self.run(|a, cx| a.deliver(cx, false, data));
        self
    }

    /// Delivers `data` in pieces of `n` bytes.
    fn split(&mut self, is_orig: bool, data: &[u8], n: usize) -> &mut Self {
        for piece in data.chunks(n) {
            self.run(|a, cx| a.deliver(cx, is_orig, piece));
        }
        self
    }

    fn gap(&mut self, is_orig: bool, len: u64) -> &mut Self {
        self.run(|a, cx| a.gap(cx, is_orig, len));
        self
    }

    fn eof(&mut self, is_orig: bool) -> &mut Self {
        self.run(|a, cx| a.end_of_stream(cx, is_orig));
        self
    }

    fn finish(&mut self) -> &mut Self {
        self.run(|a, cx| a.finish(cx));
        self
    }

    fn rows(&self) -> Vec<&HttpRecord> {
        self.sink
            .iter()
            .filter_map(|r| match r {
                AppRecord::Http(h) => Some(h.as_ref()),
                _ => None,
            })
            .collect()
    }

    /// Software reports: (type, host, port, unparsed version).
    fn software(&self) -> Vec<(&'static str, String, Option<u16>, String)> {
        crate::test_support::sightings(&self.sink)
            .into_iter()
            .map(|s| {
                (
                    s.kind.name(),
                    s.host.to_string(),
                    s.host_p,
                    String::from_utf8_lossy(&s.unparsed).into_owned(),
                )
            })
            .collect()
    }

    /// The browser plugins reported.
    fn plugins(&self) -> Vec<String> {
        self.software()
            .into_iter()
            .filter(|s| s.0 == "HTTP::BROWSER_PLUGIN")
            .map(|s| s.3)
            .collect()
    }

    fn weirds(&self) -> Vec<&'static str> {
        self.sink
            .iter()
            .filter_map(|r| match r {
                AppRecord::Weird(w) => Some(w.name),
                _ => None,
            })
            .collect()
    }

    fn files(&self) -> usize {
        crate::test_support::files(&self.sink).len()
    }
}

fn text(v: &Option<records::ZString>) -> Option<&str> {
    v.as_ref().map(|s| std::str::from_utf8(&s.0).unwrap())
}

const GET: &[u8] = b"GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: test/1.0\r\n\
Referer: http://r/\r\nOrigin: http://o\r\n\r\n";
const OK_HELLO: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

#[test]
fn simple_exchange_fills_the_row() {
    let mut x = Exchange::new();
    x.orig(GET).resp(OK_HELLO);
    assert!(x.confirmed);
    let rows = x.rows();
    assert_eq!(rows.len(), 1, "logged when the response ends");
    let r = rows[0];
    assert_eq!(r.ts, Time(1_001_000_000), "the request's time");
    assert_eq!(r.trans_depth, 1);
    assert_eq!(text(&r.method), Some("GET"));
    assert_eq!(text(&r.host), Some("example.com"));
    assert_eq!(text(&r.uri), Some("/index.html"));
    assert_eq!(text(&r.referrer), Some("http://r/"));
    assert_eq!(text(&r.origin), Some("http://o"));
    assert_eq!(text(&r.user_agent), Some("test/1.0"));
    assert_eq!(text(&r.version), Some("1.1"));
    assert_eq!((r.request_body_len, r.response_body_len), (0, 5));
    assert_eq!(
        (r.status_code, text(&r.status_msg)),
        (Some(200), Some("OK"))
    );
    assert_eq!(r.resp_fuids.as_ref().map(Vec::len), Some(1));
    assert_eq!(r.orig_fuids, None);
    assert_eq!(x.files(), 1);
}

#[test]
fn pipelined_requests_meet_their_responses_in_order() {
    let mut x = Exchange::new();
    x.orig(b"GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n");
    x.resp(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 404 Nope\r\nContent-Length: 2\r\n\r\nbb");
    let rows = x.rows();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (text(&rows[0].uri), rows[0].trans_depth, rows[0].status_code),
        (Some("/a"), 1, Some(200))
    );
    assert_eq!(
        (text(&rows[1].uri), rows[1].trans_depth, rows[1].status_code),
        (Some("/b"), 2, Some(404))
    );
    assert_eq!(rows[1].response_body_len, 2);
}

#[test]
fn keep_alive_exchanges_split_into_single_bytes() {
    let mut x = Exchange::new();
    for _ in 0..2 {
        x.split(true, GET, 1).split(false, OK_HELLO, 1);
    }
    let rows = x.rows();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].trans_depth, 2);
    assert_eq!(text(&rows[1].host), Some("example.com"));
    assert_eq!(rows[1].response_body_len, 5);
    assert!(x.weirds().is_empty(), "{:?}", x.weirds());
}

#[test]
fn chunked_body_counts_decoded_bytes_and_reads_trailers() {
    let reply = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
5\r\nhello\r\n1a;ext=1\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: t\r\n\r\n";
    let mut x = Exchange::new();
    x.orig(GET).split(false, reply, 3);
    let rows = x.rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].response_body_len, 31);
    // The connection stays in sync: a second exchange parses.
    x.orig(GET).resp(OK_HELLO);
    assert_eq!(x.rows().len(), 2);
}

#[test]
fn bad_chunk_size_is_a_weird_and_ends_the_body() {
    let mut x = Exchange::new();
    x.orig(GET)
        .resp(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n");
    assert!(x.weirds().contains(&"HTTP_bad_chunk_size"));
    assert_eq!(x.rows().len(), 1);
}

#[test]
fn interim_100_continue_keeps_the_row_for_the_final_reply() {
    let mut x = Exchange::new();
    x.orig(b"POST /up HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
    x.resp(b"HTTP/1.1 100 Continue\r\n\r\n");
    assert!(x.rows().is_empty(), "a 1xx is not the end");
    x.orig(b"data")
        .resp(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
    let rows = x.rows();
    assert_eq!(rows.len(), 1);
    let r = rows[0];
    assert_eq!(
        (r.info_code, text(&r.info_msg)),
        (Some(100), Some("Continue"))
    );
    assert_eq!(
        (r.status_code, text(&r.status_msg)),
        (Some(201), Some("Created"))
    );
    assert_eq!((r.request_body_len, r.response_body_len), (4, 0));
    assert_eq!(r.orig_fuids.as_ref().map(Vec::len), Some(1));
}

#[test]
fn connect_then_tunnel_stops_parsing() {
    let mut x = Exchange::new();
    x.orig(b"CONNECT mail.example:25 HTTP/1.0\r\nProxy-Connection: keep-alive\r\n\r\n");
    x.resp(b"HTTP/1.0 200 Connection established\r\n\r\n220 smtp ready\r\n");
    x.orig(b"EHLO me\r\n").resp(b"250 ok\r\n");
    assert!(
        x.rows().is_empty(),
        "the reply to CONNECT ends with the connection"
    );
    assert!(x
        .weirds()
        .contains(&"protocol_data_with_HTTP_CONNECT_reply"));
    x.finish();
    let rows = x.rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(text(&rows[0].method), Some("CONNECT"));
    assert_eq!(text(&rows[0].uri), Some("mail.example:25"));
    assert_eq!(rows[0].response_body_len, 0);
    let proxied = rows[0].proxied.as_ref().unwrap();
    assert_eq!(proxied.0[0].0, b"PROXY-CONNECTION -> keep-alive");
    assert_eq!(x.violation, None);
}

#[test]
fn head_reply_has_no_body() {
    let mut x = Exchange::new();
    x.orig(b"HEAD / HTTP/1.1\r\nHost: h\r\n\r\nGET /next HTTP/1.1\r\nHost: h\r\n\r\n");
    x.resp(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
    x.resp(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n");
    let rows = x.rows();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (text(&rows[0].method), rows[0].response_body_len),
        (Some("HEAD"), 0)
    );
    assert_eq!(
        (rows[1].status_code, rows[1].response_body_len),
        (Some(304), 0)
    );
}

#[test]
fn basic_auth_user_and_password_when_captured() {
    let req = b"GET / HTTP/1.0\r\nAuthorization: Basic  dGVzdDoxOjM0\r\n\r\n";
    let mut x = Exchange::new();
    x.orig(req).finish();
    assert_eq!(text(&x.rows()[0].username), Some("test"));
    assert_eq!(x.rows()[0].password, None);

    let mut config = AnalyzerConfig::default();
    config.http.capture_password = true;
    let mut x = Exchange::with_config(config);
    x.orig(req).finish();
    assert_eq!(text(&x.rows()[0].username), Some("test"));
    assert_eq!(text(&x.rows()[0].password), Some("1:34"));
}

#[test]
fn undecodable_basic_auth_is_marked() {
    let mut x = Exchange::new();
    x.orig(b"GET / HTTP/1.0\r\nAuthorization: Basic Zm9v\r\n\r\n")
        .finish();
    assert_eq!(
        text(&x.rows()[0].username),
        Some("<problem-decoding> (Basic Zm9v)")
    );
}

#[test]
fn proxy_headers_mark_the_request_proxied() {
    let mut x = Exchange::new();
    x.orig(b"GET / HTTP/1.1\r\nVia: 1.1 proxy\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n")
        .finish();
    let mut proxied: Vec<_> = x.rows()[0]
        .proxied
        .as_ref()
        .unwrap()
        .0
        .iter()
        .map(|z| z.0.clone())
        .collect();
    proxied.sort();
    assert_eq!(
        proxied,
        vec![
            b"VIA -> 1.1 proxy".to_vec(),
            b"X-FORWARDED-FOR -> 1.2.3.4".to_vec()
        ]
    );
}

#[test]
fn body_lengths_of_both_sides() {
    let mut x = Exchange::new();
    x.split(
        true,
        b"POST /f HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world",
        4,
    );
    x.resp(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nabc")
        .resp(b"defg")
        .eof(false);
    let r = x.rows()[0];
    assert_eq!((r.request_body_len, r.response_body_len), (11, 7));
}

#[test]
fn unframed_reply_body_is_read_as_lines_until_the_end() {
    let mut x = Exchange::new();
    x.orig(GET)
        .resp(b"HTTP/1.1 200 OK\r\n\r\nab\ncd\r\nef")
        .eof(false);
    // Zeek counts each line with a CRLF, the unfinished last one too.
    assert_eq!(x.rows()[0].response_body_len, 12);
}

#[test]
fn request_without_response_is_logged_at_the_end() {
    let mut x = Exchange::new();
    x.orig(b"POST / HTTP/1.1\r\nHost: target\r\nContent-Length: 0\r\n\r\nGET /second HTTP/1.1\r\nHost: target\r\n\r\n");
    assert!(x.rows().is_empty());
    x.finish();
    let rows = x.rows();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (
            text(&rows[0].method),
            rows[0].trans_depth,
            rows[0].status_code
        ),
        (Some("POST"), 1, None)
    );
    assert_eq!(
        (text(&rows[1].uri), rows[1].trans_depth),
        (Some("/second"), 2)
    );
}

#[test]
fn response_without_request_gets_its_own_row() {
    let mut x = Exchange::new();
    x.resp(OK_HELLO);
    assert!(!x.confirmed, "a reply alone does not confirm");
    let rows = x.rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].method.as_ref(), rows[0].status_code),
        (None, Some(200))
    );
    assert_eq!(text(&rows[0].version), Some("1.1"));
}

#[test]
fn gap_inside_a_body_is_tolerated() {
    let mut x = Exchange::new();
    x.orig(GET)
        .resp(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab")
        .gap(false, 5)
        .resp(b"fgh");
    let rows = x.rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].response_body_len, 10);
    x.orig(GET).resp(OK_HELLO);
    assert_eq!(x.rows().len(), 2, "parsing goes on after the body");
}

#[test]
fn gap_in_headers_gives_up_on_the_message() {
    let mut x = Exchange::new();
    x.orig(GET)
        .resp(b"HTTP/1.1 200 OK\r\nContent-Le")
        .gap(false, 20)
        .resp(b"\r\n\r\nhello");
    let rows = x.rows();
    assert_eq!(rows.len(), 1, "the interrupted reply is logged");
    assert_eq!(
        (rows[0].status_code, rows[0].response_body_len),
        (Some(200), 0)
    );
    x.resp(OK_HELLO).finish();
    assert_eq!(x.rows().len(), 1, "that direction is no longer parsed");
}

#[test]
fn garbage_after_confirmation_is_a_violation() {
    let mut x = Exchange::new();
    x.orig(GET).resp(b"<html>not http</html>\r\n");
    assert_eq!(x.violation.as_deref(), Some("not a http reply line"));
    let rows = x.rows();
    assert_eq!(rows.len(), 1, "pending rows are written on removal");
    assert_eq!(
        (rows[0].status_code, rows[0].version.as_ref()),
        (None, None)
    );
}

#[test]
fn garbage_without_http_is_reported_once_both_sides_stopped() {
    let mut x = Exchange::new();
    x.orig(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n");
    assert_eq!(x.violation, None, "Zeek keeps an unconfirmed analyzer");
    assert!(x.weirds().contains(&"bad_HTTP_request"));
    x.resp(b"\x16\x03\x03\x00\x5a\x02\r\n");
    assert_eq!(x.violation.as_deref(), Some("not a http request line"));
    assert!(!x.confirmed);
    assert!(x.rows().is_empty());
}

#[test]
fn bad_request_line_still_logs_the_reply() {
    let mut x = Exchange::new();
    x.orig(b"OPTIONSHTTP/1.1\nHost: www.google.com\n\n");
    x.resp(b"HTTP/1.0 400 Bad Request\r\nContent-Length: 3\r\n\r\nbad");
    let rows = x.rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].method.as_ref(), rows[0].status_code),
        (None, Some(400))
    );
    assert_eq!(x.weirds(), vec!["bad_HTTP_request"]);
}

#[test]
fn http09_request_and_raw_reply() {
    let mut x = Exchange::new();
    x.orig(b"GET /old\r\n")
        .resp(b"<html>\nold\n</html>\n")
        .eof(false);
    let rows = x.rows();
    assert_eq!(rows.len(), 1);
    let r = rows[0];
    assert_eq!(
        (text(&r.version), r.status_code, text(&r.status_msg)),
        (Some("0.9"), Some(0), Some("<empty>"))
    );
    assert_eq!(r.response_body_len, 19);
}

#[test]
fn unknown_methods_and_uri_escapes_are_weird() {
    let mut x = Exchange::new();
    x.orig(b"FOO /a%20b%zz HTTP/1.1\r\n\r\n").finish();
    assert_eq!(text(&x.rows()[0].uri), Some("/a b%zz"));
    let w = x.weirds();
    assert!(
        w.contains(&"unknown_HTTP_method") && w.contains(&"unescaped_%_in_URI"),
        "{w:?}"
    );
}

#[test]
fn upgrade_101_stops_parsing() {
    let mut x = Exchange::new();
    x.orig(b"GET /ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
    x.resp(b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x05hello");
    x.orig(b"\x81\x85garbage").finish();
    let rows = x.rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].status_code, rows[0].info_code),
        (Some(101), Some(101))
    );
    assert_eq!(x.violation, None);
}

const WEBSOCKET_REQUEST: &[u8] = b"GET /chat HTTP/1.1\r\nHost: example.com\r\n\
    Connection: Upgrade\r\nUpgrade: websocket\r\n\
    Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
const WEBSOCKET_REPLY: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\n\
    Connection: Upgrade\r\nUpgrade: WebSocket\r\n\
    Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

#[test]
fn websocket_upgrade_hands_over_with_the_bytes_after_the_reply() {
    let mut config = AnalyzerConfig::default();
    config.http.websocket = true;
    let mut x = Exchange::with_config(config);
    x.orig(WEBSOCKET_REQUEST);
    x.resp(&[WEBSOCKET_REPLY, b"\x89\x00"].concat());
    assert_eq!(
        x.handed_over,
        vec![(crate::Kind::WebSocket, vec![(false, b"\x89\x00".to_vec())])]
    );
    assert_eq!(x.weirds(), vec!["protocol_data_with_HTTP_upgrade_reply"]);
    let ws = x
        .sink
        .iter()
        .find_map(|r| match r {
            AppRecord::Websocket(w) => Some(w),
            _ => None,
        })
        .expect("websocket.log row");
    assert_eq!(
        ws.host.as_ref().map(|h| &h.0[..]),
        Some(&b"example.com"[..])
    );
    assert!(!x.redetect);
}

#[test]
fn other_upgrades_go_to_protocol_detection() {
    let mut x = Exchange::new();
    x.orig(WEBSOCKET_REQUEST);
    x.resp(WEBSOCKET_REPLY);
    assert!(
        x.redetect,
        "without the WebSocket package, detection starts over"
    );
    assert!(x.handed_over.is_empty());
}

/// A message head (its lines, without Content-Length) and a body of
/// that length.
fn with_body(head: &str, body: &[u8]) -> Vec<u8> {
    let mut m = format!("{head}Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    m.extend_from_slice(body);
    m
}

#[test]
fn multipart_parts_are_files_with_names() {
    let body = b"--XX\r\nContent-Disposition: form-data; name=\"a\"; filename=\"one.txt\"\r\n\r\nfirst\r\n\
--XX\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\nsecond\r\n--XX--\r\n";
    let req = with_body(
        "POST /up HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=XX\r\n",
        body,
    );
    let mut x = Exchange::new();
    x.split(true, &req, 7)
        .resp(b"HTTP/1.1 204 No Content\r\n\r\n");
    let r = x.rows()[0];
    assert_eq!(r.request_body_len, body.len() as u64);
    assert_eq!(r.orig_fuids.as_ref().map(Vec::len), Some(2));
    let names: Vec<_> = r
        .orig_filenames
        .as_ref()
        .unwrap()
        .iter()
        .map(|z| z.0.clone())
        .collect();
    assert_eq!(names, vec![b"one.txt".to_vec()]);
}

#[test]
fn gzip_body_length_is_the_decoded_length() {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&[b'z'; 1000]).unwrap();
    let gz = enc.finish().unwrap();
    let reply = with_body("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n", &gz);
    let mut x = Exchange::new();
    x.orig(GET).split(false, &reply, 10);
    assert_eq!(x.rows()[0].response_body_len, 1000);
}

#[test]
fn smuggling_variants_keep_the_second_request() {
    for (req, weird) in [
        (&b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 50\r\n\r\n0\r\n\r\n"[..], "HTTP_content_length_and_chunked"),
        (b"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n", "HTTP_bad_content_length"),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n\r\n", ""),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n", "HTTP_obsolete_line_folding"),
    ] {
        let mut x = Exchange::new();
        x.orig(req).orig(b"GET /smuggled HTTP/1.1\r\nHost: target\r\n\r\n").finish();
        let uris: Vec<_> = x.rows().iter().map(|r| text(&r.uri).unwrap().to_string()).collect();
        assert_eq!(uris, vec!["/", "/smuggled"]);
        assert!(weird.is_empty() || x.weirds().contains(&weird), "{weird}: {:?}", x.weirds());
    }
}

#[test]
fn long_lines_are_cut_not_buffered() {
    let mut x = Exchange::new();
    x.orig(b"GET /");
    let filler = vec![b'a'; 1 << 20];
    x.orig(&filler).orig(b" HTTP/1.1\r\n\r\n").finish();
    assert!(x.weirds().contains(&"contentline_size_exceeded"));
}

#[test]
fn mime_body_ends_at_its_length_even_inside_a_line() {
    let body = b"\r\n--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.bin\"\r\n\r\nab\ncd\x00\x00";
    let mut req = with_body(
        "POST /a HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=B\r\n",
        body,
    );
    req.extend_from_slice(b"POST /b HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    let mut x = Exchange::new();
    x.split(true, &req, 13).finish();
    let rows = x.rows();
    assert_eq!(rows.len(), 2);
    // Zeek hands the cut last line over as a line, counted with a CRLF.
    assert_eq!(rows[0].request_body_len, body.len() as u64 + 2);
    assert_eq!(text(&rows[1].uri), Some("/b"));
    let names: Vec<_> = rows[0]
        .orig_filenames
        .as_ref()
        .unwrap()
        .iter()
        .map(|z| z.0.clone())
        .collect();
    assert_eq!(names, vec![b"x.bin".to_vec()]);
    assert!(x.weirds().contains(&"line_terminated_without_CRLF"));
}

#[test]
fn message_rfc822_bodies_nest_entities() {
    let body = b"Content-Type: multipart/mixed; boundary=\"O\"\r\n\r\n--O\r\nContent-Type: text/plain\r\n\r\none\r\n\
--O\r\nContent-Type: message/rfc822\r\n\r\nContent-Type: text/plain\r\n\r\ntwo\r\n--O--\r\n";
    let req = with_body("POST / HTTP/1.0\r\nContent-Type: message/rfc822\r\n", body);
    let mut x = Exchange::new();
    x.orig(&req).finish();
    let r = x.rows()[0];
    assert_eq!(r.request_body_len, body.len() as u64);
    assert_eq!(r.orig_fuids.as_ref().map(Vec::len), Some(2));
}

#[test]
fn byte_range_parts_are_one_file() {
    let body = b"--R\r\nContent-Range: bytes 0-1/10\r\n\r\nab\r\n--R\r\nContent-Range: bytes 5-6/10\r\n\r\nfg\r\n--R--\r\n";
    let reply = with_body(
        "HTTP/1.1 206 Partial Content\r\nContent-Type: multipart/byteranges; boundary=R\r\n",
        body,
    );
    let mut x = Exchange::new();
    x.orig(b"GET /f HTTP/1.1\r\nRange: bytes=0-1,5-6\r\n\r\n")
        .resp(&reply);
    let r = x.rows()[0];
    assert_eq!(r.resp_fuids.as_ref().map(Vec::len), Some(1));
    assert_eq!(r.response_body_len, body.len() as u64);
}

/// A byte-range part of known length is read as it arrives, not as lines:
/// its file begins with the part's first segment even when no CRLF ends
/// it there (Zeek's file `ts`, and so its duration).
#[test]
fn byte_range_part_data_is_delivered_as_it_arrives() {
    let reply =
        b"HTTP/1.1 206 Partial Content\r\nContent-Type: multipart/byteranges; boundary=R\r\n\r\n\
--R\r\nContent-Range: bytes 100-109/1000\r\n\r\nab\ncd";
    let mut x = Exchange::new();
    x.orig(b"GET /f HTTP/1.1\r\nRange: bytes=100-109\r\n\r\n")
        .resp(reply);
    let first_segment = x.now;
    x.resp(b"\nefghi\r\n--R--\r\n").eof(false).finish();
    let files = crate::test_support::files(&x.sink);
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].ts, Time(first_segment));
    assert_eq!(files[0].seen_bytes, 10);
    assert_eq!(files[0].total_bytes, Some(1000));
}

#[test]
fn header_names_are_logged_when_asked() {
    let mut config = AnalyzerConfig::default();
    config.http.log_client_header_names = true;
    let mut x = Exchange::with_config(config);
    x.orig(GET).resp(OK_HELLO);
    let names: Vec<_> = x.rows()[0]
        .client_header_names
        .as_ref()
        .unwrap()
        .iter()
        .map(|z| z.0.clone())
        .collect();
    assert_eq!(names, [&b"HOST"[..], b"USER-AGENT", b"REFERER", b"ORIGIN"]);
    assert_eq!(x.rows()[0].server_header_names, None);
}

/// A config with the HTTP software scripts loaded and every host tracked.
fn software_config(plugins: bool) -> AnalyzerConfig {
    let mut config = crate::test_support::tracking_all_hosts();
    config.software.http = true;
    config.software.http_plugins = plugins;
    config
}

#[test]
fn software_from_user_agent_server_and_powered_by() {
    let mut x = Exchange::with_config(software_config(false));
    x.orig(b"GET / HTTP/1.1\r\nUser-Agent: curl/7.81.0\r\nX-Flash-Version: 11,1,102,63\r\n\r\n")
        .resp(b"HTTP/1.1 200 OK\r\nServer: nginx/1.18.0 (Ubuntu)\r\nX-Powered-By: PHP/8.0.26\r\nMicrosoftSharePointTeamServices: 15.0.0.4420\r\nContent-Length: 0\r\n\r\n");
    let client = |v: &str| ("HTTP::BROWSER", "10.0.0.1".to_string(), None, v.to_string());
    let server = |t, v: &str| (t, "10.0.0.2".to_string(), Some(80), v.to_string());
    // Without the browser-plugins script, X-Flash-Version means nothing.
    assert_eq!(
        x.software(),
        [
            client("curl/7.81.0"),
            server("HTTP::SERVER", "nginx/1.18.0 (Ubuntu)"),
            server("HTTP::APPSERVER", "PHP/8.0.26"),
            server("HTTP::APPSERVER", "SharePoint/15.0.0.4420"),
        ]
    );
}

#[test]
fn software_needs_its_script_and_a_tracked_host() {
    let request = b"GET / HTTP/1.1\r\nUser-Agent: curl/7.81.0\r\n\r\n";
    let mut x = Exchange::new();
    x.orig(request);
    assert!(x.software().is_empty());
    // Tracking local hosts, with none local.
    let mut config = software_config(false);
    config.software.asset_tracking = crate::software::Hosts::Local;
    let mut x = Exchange::with_config(config.clone());
    x.orig(request);
    assert!(x.software().is_empty());
    config.local_nets = Some(vec![("10.0.0.0".parse().unwrap(), 8)]);
    let mut x = Exchange::with_config(config);
    x.orig(request);
    assert_eq!(x.software().len(), 1);
    // `HTTP::ignored_user_agents` keeps its default.
    let mut x = Exchange::with_config(software_config(false));
    x.orig(b"GET / HTTP/1.1\r\nUser-Agent: x NO_DEFAULT\r\n\r\n");
    assert!(x.software().is_empty());
}

#[test]
fn flash_is_reported_when_the_request_ends() {
    let mut x = Exchange::with_config(software_config(true));
    x.orig(b"GET / HTTP/1.1\r\nX-Flash-Version: 10,2,159,1\r\nUser-Agent: Mozilla/5.0 (Macintosh) AdobeAIR/2.6\r\n\r\n");
    x.orig(b"GET /2 HTTP/1.1\r\nX-Requested-With: ShockwaveFlash/11.1.102.63\r\n\r\n");
    x.orig(b"GET /3 HTTP/1.1\r\nX-Requested-With: XMLHttpRequest\r\n\r\n");
    let plugins = x.plugins();
    // AIR's own Flash is told apart (the User-Agent came after the
    // Flash header: it is read when the request is done).
    assert_eq!(
        plugins,
        ["AdobeAIR-Flash/10,2,159,1", "ShockwaveFlash/11.1.102.63"]
    );
}

#[test]
fn omniture_requests_list_plugins() {
    let mut x = Exchange::with_config(software_config(true));
    x.orig(b"GET /b/ss/x?AQB=1&p=Shockwave Flash;Java Plug-in 1.6;&r=1 HTTP/1.1\r\n\r\n")
        .resp(b"HTTP/1.1 200 OK\r\nServer: Omniture DC/2.0.0\r\nContent-Length: 0\r\n\r\n");
    let plugins = x.plugins();
    assert_eq!(plugins, ["Shockwave Flash", "Java Plug-in 1.6"]);
}
