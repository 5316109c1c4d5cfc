//! The framework end to end over typed records: every where-location,
//! subnet matching, whitelisting, do_notice, waiting hits and reloads.

use super::*;
use crate::engine::Engine;
use crate::notice::NoticeRecord;
use crate::testing::*;
use analyzers::files::FilesRecord;
use analyzers::http::HttpRecord;
use analyzers::smtp::SmtpRecord;
use analyzers::ssh::SshRecord;
use analyzers::ssl::SslRecord;
use analyzers::x509::X509Record;
use std::sync::atomic::{AtomicU32, Ordering};

const FIELDS: &str =
    "#fields\tindicator\tindicator_type\tmeta.source\tmeta.do_notice\tmeta.whitelist\n";

/// An intel file of `lines` (`indicator type source [do_notice [whitelist]]`,
/// space separated) in the temp directory.
fn intel_file(lines: &[&str]) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let path = std::env::temp_dir().join(format!(
        "shrike-intel-{}-{}.dat",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let mut text = FIELDS.to_string();
    for l in lines {
        let mut cols: Vec<&str> = l.split(' ').collect();
        cols.resize(5, "F");
        text.push_str(&cols.join("\t"));
        text.push('\n');
    }
    std::fs::write(&path, text).unwrap();
    path
}

struct Run {
    rows: Vec<IntelRecord>,
    notices: Vec<NoticeRecord>,
}

fn run_with(loaded: Loaded, lines: &[&str], records: Vec<Observed>) -> Run {
    let path = intel_file(lines);
    let intel = Intel::new(vec![path.clone()], loaded, 3600 * SEC, 30 * SEC, 1000);
    let mut engine = Engine::new(vec![Box::new(intel)], config::NetSet::new(), 3600 * SEC);
    let mut out = Run {
        rows: Vec::new(),
        notices: Vec::new(),
    };
    for r in &records {
        engine.observe(r);
        out.rows.extend(engine.take_intel());
        out.notices.extend(engine.take_notices());
    }
    engine.finish();
    out.rows.extend(engine.take_intel());
    out.notices.extend(engine.take_notices());
    let _ = std::fs::remove_file(path);
    out
}

fn run(lines: &[&str], records: Vec<Observed>) -> Run {
    run_with(Loaded::DEFAULT, lines, records)
}

/// (indicator, type, where) of each row.
fn seen(rows: &[IntelRecord]) -> Vec<(String, &'static str, &'static str)> {
    rows.iter()
        .map(|r| {
            (
                String::from_utf8_lossy(&r.indicator.0).into_owned(),
                r.indicator_type.0,
                r.seen_where.0,
            )
        })
        .collect()
}

fn z(s: &str) -> Option<ZString> {
    Some(ZString(s.as_bytes().to_vec()))
}

fn http(host: &str, uri: &str, resp_p: u16) -> HttpRecord {
    HttpRecord {
        ts: Time(T0),
        uid: "CHttp".into(),
        orig_h: Some(ip("10.0.0.1")),
        orig_p: Port(50000),
        resp_h: Some(ip("192.0.2.80")),
        resp_p: Port(resp_p),
        method: z("GET"),
        host: z(host),
        uri: z(uri),
        ..Default::default()
    }
}

#[test]
fn established_tcp_connections_match_both_ends_and_networks() {
    let out = run(
        &[
            "192.0.2.1 Intel::ADDR feed",
            "10.0.0.0/8 Intel::SUBNET nets",
        ],
        vec![
            Observed::Conn(ok_conn(T0, "10.1.1.1", "192.0.2.1", 443)),
            Observed::Conn(conn(T0, "10.1.1.1", "192.0.2.1", 443, "S", "S0")),
        ],
    );
    assert_eq!(
        seen(&out.rows),
        [
            ("10.1.1.1".into(), "Intel::ADDR", "Conn::IN_ORIG"),
            ("192.0.2.1".into(), "Intel::ADDR", "Conn::IN_RESP"),
        ],
        "an unanswered SYN is no established connection"
    );
    assert_eq!(out.rows[0].matched.0, [Enum("Intel::SUBNET")]);
    assert_eq!(out.rows[0].sources.0, ["nets"]);
    assert_eq!(out.rows[1].matched.0, [Enum("Intel::ADDR")]);
    assert_eq!(out.rows[0].node, "zeek");
    assert_eq!(out.rows[0].resp_p, Some(Port(443)));
}

#[test]
fn dns_queries_match_domains_case_insensitively() {
    let out = run(
        &["evil.example Intel::DOMAIN feed"],
        vec![
            dns(T0, "10.0.0.1", "10.0.0.53", "EVIL.example", None),
            dns(T0, "10.0.0.1", "10.0.0.53", "sub.evil.example", None),
        ],
    );
    assert_eq!(
        seen(&out.rows),
        [("EVIL.example".into(), "Intel::DOMAIN", "DNS::IN_REQUEST")],
        "the indicator as seen; no suffix matching"
    );
    assert_eq!(out.rows[0].resp_p, Some(Port(53)));
}

#[test]
fn http_headers_and_url() {
    let mut h = http("evil.example:8080", "/x.php", 8080);
    h.referrer = z("https://ref.example/page");
    h.user_agent = z("EvilBot/1.0");
    let mut by_ip = http("192.0.2.80", "/", 80);
    by_ip.uid = "CIp".into();
    let out = run(
        &[
            "evil.example Intel::DOMAIN f",
            "ref.example/page Intel::URL f",
            "EvilBot/1.0 Intel::SOFTWARE f",
            // Zeek's build_url adds the port to a Host that has it already.
            "evil.example:8080:8080/x.php Intel::URL f",
            "192.0.2.80 Intel::ADDR f",
        ],
        vec![
            app(AppRecord::Http(Box::new(h))),
            app(AppRecord::Http(Box::new(by_ip))),
        ],
    );
    assert_eq!(
        seen(&out.rows),
        [
            (
                "evil.example".into(),
                "Intel::DOMAIN",
                "HTTP::IN_HOST_HEADER"
            ),
            (
                "ref.example/page".into(),
                "Intel::URL",
                "HTTP::IN_REFERRER_HEADER"
            ),
            (
                "EvilBot/1.0".into(),
                "Intel::SOFTWARE",
                "HTTP::IN_USER_AGENT_HEADER"
            ),
            (
                "evil.example:8080:8080/x.php".into(),
                "Intel::URL",
                "HTTP::IN_URL"
            ),
            ("192.0.2.80".into(), "Intel::ADDR", "HTTP::IN_HOST_HEADER"),
        ]
    );
}

#[test]
fn ssl_server_names_and_certificates() {
    let x509 = X509Record {
        ts: Time(T0),
        fingerprint: "fp1".into(),
        subject: "CN=cert.example,O=Evil,emailAddress=ca@evil.example".into(),
        san_dns: Some(vec![ZString(b"alt.example".to_vec())]),
        ..Default::default()
    };
    let ssl = SslRecord {
        ts: Time(T0 + SEC),
        uid: "CSsl".into(),
        orig_h: Some(ip("10.0.0.1")),
        orig_p: Port(50001),
        resp_h: Some(ip("192.0.2.43")),
        resp_p: Port(443),
        server_name: z("sni.example"),
        established: true,
        cert_chain_fps: Some(vec!["fp1".into()]),
        ..Default::default()
    };
    let out = run(
        &[
            "sni.example Intel::DOMAIN f",
            "cert.example Intel::DOMAIN f",
            "alt.example Intel::DOMAIN f",
            "ca@evil.example Intel::EMAIL f",
        ],
        vec![
            app(AppRecord::X509(Box::new(x509))),
            app(AppRecord::Ssl(Box::new(ssl.clone()))),
            // The certificate again, without another x509.log row.
            app(AppRecord::Ssl(Box::new(SslRecord {
                uid: "CSsl2".into(),
                server_name: None,
                ..ssl
            }))),
        ],
    );
    let (first, again): (Vec<_>, Vec<_>) = out
        .rows
        .iter()
        .partition(|r| r.uid.as_deref() == Some("CSsl"));
    assert_eq!(again.len(), 3, "a certificate matches in every connection");
    let san = first
        .iter()
        .find(|r| r.indicator.0 == b"alt.example")
        .unwrap();
    assert_eq!(
        san.file_mime_type.as_deref(),
        Some("application/x-x509-user-cert")
    );
    assert_eq!(san.file_desc.as_deref(), Some("192.0.2.43:443/tcp"));
    let cn = first
        .iter()
        .find(|r| r.indicator.0 == b"cert.example")
        .unwrap();
    assert_eq!(
        cn.file_desc, None,
        "the common name is seen in the connection"
    );
    let out = Run {
        rows: first.into_iter().cloned().collect(),
        notices: out.notices,
    };
    let mut got = seen(&out.rows);
    got.sort();
    assert_eq!(
        got,
        [
            ("alt.example".into(), "Intel::DOMAIN", "X509::IN_CERT"),
            ("ca@evil.example".into(), "Intel::EMAIL", "X509::IN_CERT"),
            ("cert.example".into(), "Intel::DOMAIN", "X509::IN_CERT"),
            ("sni.example".into(), "Intel::DOMAIN", "SSL::IN_SERVER_NAME"),
        ]
    );
}

fn file(source: &str, name: Option<&str>) -> FilesRecord {
    FilesRecord {
        ts: Time(T0),
        fuid: "Ffile".into(),
        uid: Some("CHttp".into()),
        orig_h: Some(ip("192.0.2.80")),
        orig_p: Some(Port(80)),
        resp_h: Some(ip("10.0.0.1")),
        resp_p: Some(Port(50000)),
        source: Some(source.into()),
        mime_type: Some("application/x-dosexec".into()),
        filename: name.map(ZString::from),
        md5: Some("d41d8cd98f00b204e9800998ecf8427e".into()),
        ..Default::default()
    }
}

#[test]
fn smb_file_names_are_seen_by_their_last_element() {
    let out = run(
        &["putty.exe Intel::FILE_NAME f"],
        vec![app(AppRecord::Files(Box::new(file(
            "SMB",
            Some("tools\\putty.exe"),
        ))))],
    );
    assert_eq!(
        seen(&out.rows),
        [("putty.exe".into(), "Intel::FILE_NAME", "SMB::IN_FILE_NAME")]
    );
    let row = &out.rows[0];
    assert_eq!(row.file_desc.as_deref(), Some("tools\\putty.exe"));
    assert_eq!(row.file_mime_type, None, "seen as the file starts");
    assert_eq!(row.fuid.as_deref(), Some("Ffile"));
}

#[test]
fn files_names_and_hashes_with_http_descriptions() {
    let mut h = http("dl.example", "/putty.exe", 80);
    h.resp_fuids = Some(vec!["Ffile".into()]);
    let out = run(
        &[
            "PUTTY.EXE Intel::FILE_NAME f",
            "d41d8cd98f00b204e9800998ecf8427e Intel::FILE_HASH f",
        ],
        vec![
            app(AppRecord::Files(Box::new(file("HTTP", Some("putty.exe"))))),
            app(AppRecord::Http(Box::new(h))),
            app(AppRecord::Files(Box::new(file("SMB", Some("putty.exe"))))),
        ],
    );
    let by_where = |w: &str| out.rows.iter().filter(|r| r.seen_where.0 == w).count();
    assert_eq!(
        by_where("Files::IN_NAME"),
        1,
        "SMB names are smb-filenames' business"
    );
    assert_eq!(by_where("Files::IN_HASH"), 2);
    let name = out
        .rows
        .iter()
        .find(|r| r.seen_where.0 == "Files::IN_NAME")
        .unwrap();
    assert_eq!(
        name.file_desc.as_deref(),
        Some("http://dl.example/putty.exe")
    );
    assert_eq!(
        name.file_mime_type, None,
        "the name is seen before the type"
    );
    assert_eq!(name.fuid.as_deref(), Some("Ffile"));
    let hash = out
        .rows
        .iter()
        .find(|r| r.seen_where.0 == "Files::IN_HASH")
        .unwrap();
    assert_eq!(
        hash.file_mime_type.as_deref(),
        Some("application/x-dosexec")
    );
}

#[test]
fn smtp_addresses_headers_and_path() {
    let s = SmtpRecord {
        ts: Time(T0),
        uid: "CSmtp".into(),
        orig_h: Some(ip("10.0.0.1")),
        orig_p: Port(50002),
        resp_h: Some(ip("192.0.2.25")),
        resp_p: Port(25),
        mailfrom: z("bad@evil.example"),
        rcptto: Some(Set(vec![ZString::from("victim@corp.example")])),
        from: z("\"Bad\" <bad@evil.example>"),
        to: Some(Set(vec![ZString::from("\"V\" <victim@corp.example>")])),
        reply_to: z("bad@evil.example"),
        path: Some(vec![ip("192.0.2.99")]),
        user_agent: z("EvilMailer/1.0"),
        ..Default::default()
    };
    let out = run(
        &[
            "bad@evil.example Intel::EMAIL f",
            "victim@corp.example Intel::EMAIL f",
            "192.0.2.99 Intel::ADDR f",
            "EvilMailer/1.0 Intel::SOFTWARE f",
        ],
        vec![
            app(AppRecord::Smtp(Box::new(s))),
            app(AppRecord::Smtp(Box::new(SmtpRecord {
                uid: "CRejected".into(),
                mailfrom: z("bad@evil.example"),
                ..Default::default()
            }))),
        ],
    );
    let wheres: Vec<&str> = out.rows.iter().map(|r| r.seen_where.0).collect();
    assert_eq!(
        wheres,
        [
            "SMTP::IN_RECEIVED_HEADER",
            "SMTP::IN_HEADER",
            "SMTP::IN_MAIL_FROM",
            "SMTP::IN_RCPT_TO",
            "SMTP::IN_FROM",
            "SMTP::IN_TO",
            "SMTP::IN_REPLY_TO",
        ],
        "a transaction without message data has no MIME entity to match at"
    );
}

#[test]
fn ssh_host_keys_match_without_colons() {
    let s = SshRecord {
        ts: Time(T0),
        uid: "CSsh".into(),
        orig_h: Some(ip("10.0.0.1")),
        resp_h: Some(ip("192.0.2.22")),
        resp_p: Port(22),
        host_key_fingerprint: z("aa:bb:cc"),
        ..Default::default()
    };
    let out = run(
        &["aabbcc Intel::PUBKEY_HASH f"],
        vec![app(AppRecord::Ssh(Box::new(s)))],
    );
    assert_eq!(
        seen(&out.rows),
        [(
            "aabbcc".into(),
            "Intel::PUBKEY_HASH",
            "SSH::IN_SERVER_HOST_KEY"
        )]
    );
}

#[test]
fn email_addresses_are_extracted_like_zeek() {
    let addrs = |s: &str| -> Vec<String> {
        seen::email_addrs(s.as_bytes())
            .into_iter()
            .map(|a| String::from_utf8(a).unwrap())
            .collect()
    };
    assert_eq!(addrs("\"A\" <a@x.example>"), ["a@x.example"]);
    assert_eq!(addrs("\"Group\":b@x.example"), ["b@x.example"]);
    assert_eq!(addrs("\"M\" <c@x.example>;"), ["c@x.example"]);
    assert_eq!(
        addrs("d@x.example (D), e@y.example"),
        ["d@x.example", "e@y.example"]
    );
    assert!(addrs("no address @ here").is_empty());
}

#[test]
fn whitelisted_indicators_are_not_logged_but_others_are() {
    let records = || {
        vec![
            dns(T0, "10.0.0.1", "10.0.0.53", "meta.example", None),
            dns(T0, "10.0.0.1", "10.0.0.53", "upload.example", None),
        ]
    };
    let lines = [
        "upload.example Intel::DOMAIN s1",
        "meta.example Intel::DOMAIN s1",
        "meta.example Intel::DOMAIN s2 F T",
    ];
    let out = run(&lines, records());
    assert_eq!(
        seen(&out.rows),
        [("upload.example".into(), "Intel::DOMAIN", "DNS::IN_REQUEST")]
    );
    let noticed = run(&["meta.example Intel::DOMAIN s1 T T"], records());
    assert!(noticed.rows.is_empty());
    assert_eq!(
        noticed.notices.len(),
        1,
        "as in Zeek, whitelisting keeps the row out of intel.log, not the notice"
    );
    let without = Loaded {
        whitelist: false,
        ..Loaded::DEFAULT
    };
    let out = run_with(without, &lines, records());
    assert_eq!(
        out.rows.len(),
        2,
        "without the whitelist script the column means nothing"
    );
    assert_eq!(out.rows[0].sources.0, ["s1", "s2"]);
}

#[test]
fn do_notice_items_raise_one_intel_notice_per_indicator_and_host_pair() {
    let out = run(
        &[
            "evil.example Intel::DOMAIN feed T",
            "quiet.example Intel::DOMAIN feed",
        ],
        vec![
            dns(T0, "10.0.0.1", "10.0.0.53", "evil.example", None),
            dns(T0 + SEC, "10.0.0.1", "10.0.0.53", "evil.example", None),
            dns(T0, "10.0.0.1", "10.0.0.53", "quiet.example", None),
        ],
    );
    assert_eq!(out.rows.len(), 3);
    assert_eq!(out.notices.len(), 1, "suppressed for the same pair");
    let n = &out.notices[0];
    assert_eq!(n.note.0, "Intel::Notice");
    assert_eq!(
        n.msg.as_deref(),
        Some("Intel hit on evil.example at DNS::IN_REQUEST")
    );
    assert_eq!(n.sub.as_deref(), Some("evil.example"));
    assert_eq!(n.src, Some(ip("10.0.0.1")));
    assert_eq!(n.proto, Some(Enum("udp")));
    let off = Loaded {
        do_notice: false,
        ..Loaded::DEFAULT
    };
    let out = run_with(
        off,
        &["evil.example Intel::DOMAIN feed T"],
        vec![dns(T0, "10.0.0.1", "10.0.0.53", "evil.example", None)],
    );
    assert!(out.notices.is_empty(), "do_notice not loaded");
}

#[test]
fn if_in_restricts_notices_to_one_location() {
    let path = std::env::temp_dir().join(format!("shrike-intel-ifin-{}.dat", std::process::id()));
    std::fs::write(
        &path,
        "#fields\tindicator\tindicator_type\tmeta.source\tmeta.do_notice\tmeta.if_in\n\
         192.0.2.1\tIntel::ADDR\tf\tT\tConn::IN_RESP\n",
    )
    .unwrap();
    let intel = Intel::new(vec![path.clone()], Loaded::DEFAULT, SEC, 30 * SEC, 100);
    let mut engine = Engine::new(vec![Box::new(intel)], config::NetSet::new(), SEC);
    engine.observe(&Observed::Conn(ok_conn(T0, "192.0.2.1", "10.0.0.1", 80)));
    assert!(engine.take_notices().is_empty(), "seen as originator");
    engine.observe(&Observed::Conn(ok_conn(T0, "10.0.0.1", "192.0.2.1", 80)));
    assert_eq!(engine.take_notices().len(), 1);
    let _ = std::fs::remove_file(path);
}

#[test]
fn only_loaded_seen_scripts_match() {
    let mut spec = IntelSpec {
        common: Common::default(),
        opts: IntelOptions::default(),
        loaded: None,
    };
    assert!(spec.load_script("frameworks/intel/seen/dns"));
    assert!(!spec.load_script("frameworks/intel/seen/nope"));
    assert!(!spec.load_script("protocols/dns/detect-external-names"));
    let loaded = spec.loaded.unwrap();
    assert_eq!(loaded.parts, Parts::DNS);
    assert!(!loaded.do_notice);
    let out = run_with(
        loaded,
        &["192.0.2.1 Intel::ADDR f", "evil.example Intel::DOMAIN f"],
        vec![
            Observed::Conn(ok_conn(T0, "10.0.0.1", "192.0.2.1", 80)),
            dns(T0, "10.0.0.1", "10.0.0.53", "evil.example", None),
        ],
    );
    assert_eq!(seen(&out.rows).len(), 1);
    assert_eq!(out.rows[0].seen_where.0, "DNS::IN_REQUEST");
}

#[test]
fn missing_files_warn_and_changed_files_are_read_again() {
    let (store, warnings) = load(&[PathBuf::from("/nonexistent/intel.dat")]);
    assert!(store.is_empty());
    assert!(warnings[0].contains("cannot read intel file /nonexistent/intel.dat"));

    let path = intel_file(&["a.example Intel::DOMAIN f"]);
    let mut intel = Intel::new(vec![path.clone()], Loaded::DEFAULT, SEC, SEC, 100);
    assert_eq!(intel.len(), 1);
    intel.reload_if_changed();
    assert_eq!(intel.len(), 1, "unchanged");
    let text =
        format!("{FIELDS}a.example\tIntel::DOMAIN\tf\tF\tF\nb.example\tIntel::DOMAIN\tf\tF\tF\n");
    std::fs::write(&path, text).unwrap();
    // A file system with coarse timestamps may not show the change.
    intel.files[0].mtime = None;
    let mut engine = Engine::new(vec![Box::new(intel)], config::NetSet::new(), SEC);
    engine.observe(&dns(T0, "10.0.0.1", "10.0.0.53", "x.example", None));
    engine.observe(&dns(
        T0 + 20 * SEC,
        "10.0.0.1",
        "10.0.0.53",
        "b.example",
        None,
    ));
    assert_eq!(
        engine.take_intel().len(),
        1,
        "b.example came with the reload"
    );
    let _ = std::fs::remove_file(path);
}

#[test]
fn without_files_it_subscribes_to_nothing() {
    let intel = Intel::new(Vec::new(), Loaded::DEFAULT, SEC, SEC, 100);
    assert!(intel.topics().is_empty());
}
