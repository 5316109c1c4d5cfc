//! End-to-end: application analyzers on synthesized traffic — dns.log,
//! http.log, files.log, conn.log's service, and the switches users have.

mod common;

use common::{ip, run_on, tmpdir, Run, T0};
use testkit::packet::Packet;
use testkit::{Capture, PcapFormat, TcpConversation, MS, SEC};

fn pcap(cap: Capture) -> Vec<u8> {
    cap.sorted().to_bytes(PcapFormat::Pcap {
        nanos: false,
        big_endian: false,
    })
}

fn column<'a>(r: &'a Run, log: &str, row: &'a [String], name: &str) -> &'a str {
    let fields = r
        .log(log)
        .lines()
        .find(|l| l.starts_with("#fields"))
        .map(|l| {
            l.split('\t')
                .skip(1)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let i = fields
        .iter()
        .position(|f| f == name)
        .unwrap_or_else(|| panic!("{log} has no column {name}"));
    &row[i]
}

fn dns_over_udp() -> Capture {
    let mut cap = Capture::new();
    cap.push(
        T0,
        Packet::udp(ip("10.0.0.1"), 33333, ip("10.0.0.53"), 53)
            .payload(&testkit::dns::message(0x1234, "www.example.com", None))
            .build(),
    );
    cap.push(
        T0 + 20 * MS,
        Packet::udp(ip("10.0.0.53"), 53, ip("10.0.0.1"), 33333)
            .payload(&testkit::dns::message(
                0x1234,
                "www.example.com",
                Some(([93, 184, 216, 34], 300)),
            ))
            .build(),
    );
    cap
}

#[test]
fn dns_query_and_answer_make_one_dns_log_row() {
    let r = run_on(&pcap(dns_over_udp()), "dns-udp", &["--seed", "1"]);
    assert!(r.out.status.success(), "{}", r.stderr());
    let rows = r.rows("dns.log");
    assert_eq!(rows.len(), 1, "{}", r.log("dns.log"));
    let row = &rows[0];
    assert_eq!(column(&r, "dns.log", row, "query"), "www.example.com");
    assert_eq!(column(&r, "dns.log", row, "trans_id"), "4660");
    assert_eq!(column(&r, "dns.log", row, "qtype_name"), "A");
    assert_eq!(column(&r, "dns.log", row, "rcode_name"), "NOERROR");
    assert_eq!(column(&r, "dns.log", row, "answers"), "93.184.216.34");
    assert_eq!(column(&r, "dns.log", row, "TTLs"), "300.000000");
    assert_eq!(column(&r, "dns.log", row, "rtt"), "0.020000");
    let conns = r.rows("conn.log");
    assert_eq!(column(&r, "conn.log", &conns[0], "service"), "dns");
}

fn http_exchange(port: u16) -> Capture {
    let body = b"<html><body>hello</body></html>";
    let response = [
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes(),
        body.to_vec(),
    ]
    .concat();
    let mut cap = Capture::new();
    cap.extend(
        TcpConversation::new(ip("10.0.0.1"), 40001, ip("10.0.0.80"), port, T0)
            .handshake()
            .client_sends(
                b"GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: test/1.0\r\n\r\n",
            )
            .server_sends(&response)
            .close()
            .frames(),
    );
    cap
}

fn assert_one_http_row(r: &Run) {
    let rows = r.rows("http.log");
    assert_eq!(rows.len(), 1, "{}", r.log("http.log"));
    let row = &rows[0];
    assert_eq!(column(r, "http.log", row, "method"), "GET");
    assert_eq!(column(r, "http.log", row, "host"), "example.com");
    assert_eq!(column(r, "http.log", row, "uri"), "/index.html");
    assert_eq!(column(r, "http.log", row, "user_agent"), "test/1.0");
    assert_eq!(column(r, "http.log", row, "status_code"), "200");
    assert_eq!(column(r, "http.log", row, "response_body_len"), "31");
    assert_eq!(column(r, "http.log", row, "resp_mime_types"), "text/html");
    let conns = r.rows("conn.log");
    assert_eq!(column(r, "conn.log", &conns[0], "service"), "http");
}

#[test]
fn http_on_its_port_is_analyzed() {
    let r = run_on(&pcap(http_exchange(80)), "http-80", &["--seed", "1"]);
    assert!(r.out.status.success(), "{}", r.stderr());
    assert_one_http_row(&r);
    let files = r.rows("files.log");
    assert_eq!(files.len(), 1, "{}", r.log("files.log"));
    assert_eq!(column(&r, "files.log", &files[0], "mime_type"), "text/html");
    assert_eq!(column(&r, "files.log", &files[0], "seen_bytes"), "31");
    assert_eq!(column(&r, "files.log", &files[0], "source"), "HTTP");
}

#[test]
fn http_on_an_unusual_port_is_found_by_its_payload() {
    let r = run_on(&pcap(http_exchange(8081)), "http-8081", &["--seed", "1"]);
    assert!(r.out.status.success(), "{}", r.stderr());
    assert_one_http_row(&r);
}

#[test]
fn a_disabled_analyzer_stays_off() {
    let r = run_on(
        &pcap(http_exchange(80)),
        "http-off",
        &["--disable-analyzer", "http"],
    );
    assert!(r.out.status.success(), "{}", r.stderr());
    assert!(r.rows("http.log").is_empty());
    let conns = r.rows("conn.log");
    assert_eq!(column(&r, "conn.log", &conns[0], "service"), "-");
}

#[test]
fn an_unknown_analyzer_name_is_one_clear_error() {
    let r = run_on(
        &pcap(http_exchange(80)),
        "http-bad",
        &["--disable-analyzer", "htp"],
    );
    assert!(!r.out.status.success());
    let err = r.stderr();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("htp") && err.contains("HTTP"), "{err}");
}

#[test]
fn bare_mode_loads_no_analyzer_unless_asked() {
    let r = run_on(&pcap(dns_over_udp()), "dns-bare", &["-b"]);
    assert!(r.rows("dns.log").is_empty());
    let r = run_on(
        &pcap(dns_over_udp()),
        "dns-bare-load",
        &["-b", "--load", "base/protocols/dns"],
    );
    assert_eq!(r.rows("dns.log").len(), 1, "{}", r.stderr());
}

#[test]
fn extracted_files_land_in_the_directory_asked_for() {
    let dir = tmpdir("extract-target");
    let r = run_on(
        &pcap(http_exchange(80)),
        "http-extract",
        &["--extract-files", dir.to_str().unwrap(), "--seed", "1"],
    );
    assert!(r.out.status.success(), "{}", r.stderr());
    let files = r.rows("files.log");
    assert_eq!(files.len(), 1, "{}", r.log("files.log"));
    let name = column(&r, "files.log", &files[0], "extracted");
    assert!(!name.contains('/') && name != "-", "{name}");
    let content = std::fs::read(dir.join(name)).unwrap();
    assert_eq!(content, b"<html><body>hello</body></html>");
}

#[test]
fn dns_over_tcp_carries_several_messages() {
    let mut framed = Vec::new();
    for (id, name) in [(1u16, "a.example"), (2, "b.example")] {
        let q = testkit::dns::message(id, name, None);
        framed.extend_from_slice(&(q.len() as u16).to_be_bytes());
        framed.extend_from_slice(&q);
    }
    let mut replies = Vec::new();
    for (id, name) in [(1u16, "a.example"), (2, "b.example")] {
        let a = testkit::dns::message(id, name, Some(([192, 0, 2, id as u8], 60)));
        replies.extend_from_slice(&(a.len() as u16).to_be_bytes());
        replies.extend_from_slice(&a);
    }
    let mut cap = Capture::new();
    cap.extend(
        TcpConversation::new(ip("10.0.0.1"), 40002, ip("10.0.0.53"), 53, T0 + SEC)
            .handshake()
            .client_sends(&framed)
            .server_sends(&replies)
            .close()
            .frames(),
    );
    let r = run_on(&pcap(cap), "dns-tcp", &["--seed", "1"]);
    let rows = r.rows("dns.log");
    let mut queries: Vec<&str> = rows
        .iter()
        .map(|row| column(&r, "dns.log", row, "query"))
        .collect();
    queries.sort();
    assert_eq!(queries, ["a.example", "b.example"], "{}", r.log("dns.log"));
    assert!(rows
        .iter()
        .all(|row| column(&r, "dns.log", row, "proto") == "tcp"));
}

#[test]
fn a_connect_tunnel_is_logged_and_its_payload_detected_afresh() {
    let mut cap = Capture::new();
    cap.extend(
        TcpConversation::new(ip("10.0.0.1"), 40003, ip("10.0.0.8"), 3128, T0)
            .handshake()
            .client_sends(
                b"CONNECT mail.example.com:25 HTTP/1.1\r\nHost: mail.example.com:25\r\n\r\n",
            )
            .server_sends(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .server_sends(b"220 mail.example.com ESMTP ready\r\n")
            .client_sends(b"EHLO client.example.com\r\n")
            .server_sends(b"250 mail.example.com\r\n")
            .client_sends(b"MAIL FROM:<a@example.com>\r\n")
            .server_sends(b"250 ok\r\n")
            .client_sends(b"RCPT TO:<b@example.com>\r\n")
            .server_sends(b"250 ok\r\n")
            .client_sends(b"DATA\r\n")
            .server_sends(b"354 go\r\n")
            .client_sends(b"Subject: hi\r\n\r\nhello\r\n.\r\n")
            .server_sends(b"250 queued\r\n")
            .client_sends(b"QUIT\r\n")
            .server_sends(b"221 bye\r\n")
            .close()
            .frames(),
    );
    let r = run_on(&pcap(cap), "http-connect", &["--seed", "1"]);
    assert!(r.out.status.success(), "{}", r.stderr());
    let conns = r.rows("conn.log");
    assert_eq!(column(&r, "conn.log", &conns[0], "service"), "http,smtp");
    let tunnels = r.rows("tunnel.log");
    assert_eq!(tunnels.len(), 1, "{}", r.log("tunnel.log"));
    assert_eq!(
        column(&r, "tunnel.log", &tunnels[0], "tunnel_type"),
        "Tunnel::HTTP"
    );
    assert_eq!(column(&r, "tunnel.log", &tunnels[0], "id.resp_p"), "3128");
    let smtp = r.rows("smtp.log");
    assert_eq!(smtp.len(), 1, "{}", r.log("smtp.log"));
    assert_eq!(
        column(&r, "smtp.log", &smtp[0], "helo"),
        "client.example.com"
    );
}

#[test]
fn starttls_hands_the_connection_to_tls() {
    let mut cap = Capture::new();
    // A TLS 1.2 ClientHello record (minimal, no extensions).
    let mut hello = vec![0x01, 0x00, 0x00, 0x2d, 0x03, 0x03];
    hello.extend_from_slice(&[0x11; 32]);
    hello.extend_from_slice(&[0x00, 0x00, 0x02, 0xc0, 0x2f, 0x01, 0x00]);
    hello[3] = (hello.len() - 4) as u8;
    let mut record = vec![0x16, 0x03, 0x01, 0x00, hello.len() as u8];
    record.extend_from_slice(&hello);
    cap.extend(
        TcpConversation::new(ip("10.0.0.1"), 40004, ip("10.0.0.25"), 25, T0)
            .handshake()
            .server_sends(b"220 mail.example.com ESMTP\r\n")
            .client_sends(b"EHLO client.example.com\r\n")
            .server_sends(b"250-mail.example.com\r\n250 STARTTLS\r\n")
            .client_sends(b"STARTTLS\r\n")
            .server_sends(b"220 go ahead\r\n")
            .client_sends(&record)
            .close()
            .frames(),
    );
    let r = run_on(&pcap(cap), "starttls", &["--seed", "1"]);
    assert!(r.out.status.success(), "{}", r.stderr());
    let conns = r.rows("conn.log");
    assert_eq!(column(&r, "conn.log", &conns[0], "service"), "smtp,ssl");
    let smtp = r.rows("smtp.log");
    assert_eq!(column(&r, "smtp.log", &smtp[0], "tls"), "T");
}

/// One client fetching from eight servers, 100 ms apart, with two
/// User-Agents; the servers all run the same nginx.
fn browsing_capture() -> Capture {
    let mut cap = Capture::new();
    for i in 0..8u16 {
        let ua = if i % 3 == 2 {
            "curl/8.0"
        } else {
            "curl/7.81.0"
        };
        let request = format!("GET / HTTP/1.1\r\nHost: s{i}\r\nUser-Agent: {ua}\r\n\r\n");
        let server = ip(&format!("10.0.1.{}", i + 1));
        cap.extend(
            TcpConversation::new(
                ip("10.0.0.1"),
                41000 + i,
                server,
                80,
                T0 + i as i64 * 100 * MS,
            )
            .handshake()
            .client_sends(request.as_bytes())
            .server_sends(b"HTTP/1.1 200 OK\r\nServer: nginx/1.18.0\r\nContent-Length: 0\r\n\r\n")
            .close()
            .frames(),
        );
    }
    cap
}

#[test]
fn software_is_logged_once_per_host_whatever_the_workers() {
    let bytes = pcap(browsing_capture());
    let sorted = |r: &Run| {
        let mut rows = r.rows("software.log");
        rows.sort();
        rows
    };
    // Shrike's default is Zeek's local.zeek, which loads the software
    // scripts; these private addresses are local.
    let one = run_on(&bytes, "software-1", &["--seed", "1", "--workers", "1"]);
    assert!(one.out.status.success(), "{}", one.stderr());
    let rows = sorted(&one);
    let browsers: Vec<_> = rows.iter().filter(|r| r[3] == "HTTP::BROWSER").collect();
    let servers = rows.iter().filter(|r| r[3] == "HTTP::SERVER").count();
    // Each User-Agent once, at its first request; nginx once per server.
    assert_eq!(browsers.len(), 2, "{}", one.log("software.log"));
    assert_eq!(servers, 8);
    let first = |ua: &str| -> f64 {
        let row = browsers.iter().find(|r| r[10] == ua).expect("row");
        row[0].parse().expect("ts")
    };
    let conn_start = |i: i64| (T0 + i * 100 * MS) as f64 / SEC as f64;
    // From the first connection, and from the third.
    assert!(first("curl/7.81.0") < conn_start(1));
    assert!(first("curl/8.0") > conn_start(2) && first("curl/8.0") < conn_start(3));
    for workers in ["2", "3"] {
        let many = run_on(
            &bytes,
            &format!("software-{workers}"),
            &["--seed", "1", "--workers", workers],
        );
        assert_eq!(sorted(&many), rows, "{workers} workers");
    }
}

#[test]
fn software_needs_the_scripts_with_a_zeek_config() {
    let bytes = pcap(browsing_capture());
    let dir = tmpdir("software-config");
    let config = dir.join("local.zeek");
    std::fs::write(&config, "@load protocols/ssh/software\n").unwrap();
    let r = run_on(
        &bytes,
        "software-config-run",
        &["--zeek-config", config.to_str().unwrap()],
    );
    assert!(r.out.status.success(), "{}", r.stderr());
    assert!(r.rows("software.log").is_empty());
    std::fs::write(
        &config,
        "@load protocols/http/software\nredef Software::asset_tracking = REMOTE_HOSTS;\n",
    )
    .unwrap();
    let r = run_on(
        &bytes,
        "software-config-run",
        &["--zeek-config", config.to_str().unwrap()],
    );
    assert!(r.rows("software.log").is_empty(), "all hosts are local");
}

/// A TLS 1.2 ClientHello (one cipher, SNI) and ServerHello on port 443.
fn tls_hellos() -> Capture {
    let record = |msg_type: u8, body: &[u8]| {
        let mut m = vec![msg_type, 0];
        m.extend((body.len() as u16).to_be_bytes());
        m.extend(body);
        let mut r = vec![22, 3, 1];
        r.extend((m.len() as u16).to_be_bytes());
        r.extend(m);
        r
    };
    let mut hello = vec![3, 3];
    hello.extend([7; 32]);
    hello.extend([0, 0, 2, 0xc0, 0x2f, 1, 0]);
    let name = b"example.com";
    let mut sni = vec![0, 0, 0, name.len() as u8 + 5, 0, name.len() as u8 + 3, 0, 0];
    sni.push(name.len() as u8);
    sni.extend(name);
    hello.extend((sni.len() as u16).to_be_bytes());
    hello.extend(sni);
    let mut server = vec![3, 3];
    server.extend([9; 32]);
    server.extend([0, 0xc0, 0x2f, 0, 0, 0]);
    let mut cap = Capture::new();
    cap.extend(
        TcpConversation::new(ip("10.0.0.1"), 40443, ip("10.0.0.80"), 443, T0)
            .handshake()
            .client_sends(&record(1, &hello))
            .server_sends(&record(2, &server))
            .close()
            .frames(),
    );
    cap
}

#[test]
fn ja3_and_ja4_columns_come_with_their_packages() {
    let bytes = pcap(tls_hellos());
    let r = run_on(&bytes, "ja-none", &["--seed", "1"]);
    assert!(r.out.status.success(), "{}", r.stderr());
    assert!(!r.log("ssl.log").contains("ja3"), "{}", r.log("ssl.log"));
    let dir = tmpdir("ja-config");
    let config = dir.join("local.zeek");
    std::fs::write(&config, "@load ja3\n@load packages/ja4\n").unwrap();
    let r = run_on(
        &bytes,
        "ja-both",
        &["--zeek-config", config.to_str().unwrap()],
    );
    assert!(r.out.status.success(), "{}", r.stderr());
    let rows = r.rows("ssl.log");
    assert_eq!(rows.len(), 1, "{}", r.log("ssl.log"));
    let ja3 = column(&r, "ssl.log", &rows[0], "ja3");
    assert!(
        ja3.len() == 32 && ja3.bytes().all(|c| c.is_ascii_hexdigit()),
        "{ja3}"
    );
    assert_eq!(column(&r, "ssl.log", &rows[0], "ja3s").len(), 32);
    let ja4 = column(&r, "ssl.log", &rows[0], "ja4");
    assert!(ja4.starts_with("t12d010100_"), "{ja4}");
    assert!(column(&r, "ssl.log", &rows[0], "ja4s").starts_with("t120000_c02f_"));
}
