//! FTP sessions written out in full, checked row by row.

use super::*;
use crate::context::{AnalyzerConfig, ConnInfo, Expectation, FuidGen};
use crate::dpd::Kind;
use crate::files::FilesRecord;
use crate::record::AppRecord;
use records::{Port, Time};
use std::net::IpAddr;

const CLIENT: &str = "10.0.0.1";
const SERVER: &str = "10.0.0.2";

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn conn<'a>(uid: &'a str, orig: &str, resp: &str, resp_p: u16) -> ConnInfo<'a> {
    ConnInfo {
        uid,
        orig_h: ip(orig),
        orig_p: 40000,
        resp_h: ip(resp),
        resp_p,
        proto: 6,
        local_orig: None,
        local_resp: None,
        start: records::Time(0),
    }
}

/// One analyzer fed by hand, with everything it produced.
struct Run {
    analyzer: Box<dyn Analyzer>,
    config: AnalyzerConfig,
    fuids: FuidGen,
    records: Vec<AppRecord>,
    expectations: Vec<Expectation>,
    confirmed: bool,
    violation: Option<(String, Option<Vec<u8>>)>,
}

impl Run {
    fn new(analyzer: Box<dyn Analyzer>, config: AnalyzerConfig) -> Self {
        Run {
            analyzer,
            config,
            fuids: FuidGen::new(Some(1)),
            records: Vec::new(),
            expectations: Vec::new(),
            confirmed: false,
            violation: None,
        }
    }

    /// Runs `f` on the analyzer at second `t` of connection `c`.
    fn at(
        &mut self,
        c: &ConnInfo<'_>,
        t: i64,
        f: impl FnOnce(&mut dyn Analyzer, &mut Context<'_>),
    ) {
        let mut cx = Context::new(
            c,
            Time(t * 1_000_000_000),
            &self.config,
            &mut self.fuids,
            &mut self.records,
        );
        f(&mut *self.analyzer, &mut cx);
        self.expectations.extend(cx.take_expectations());
        self.confirmed |= cx.confirmed;
        if let Some(v) = cx.violation.take() {
            self.violation = Some(v);
        }
    }

    fn send(&mut self, c: &ConnInfo<'_>, t: i64, is_orig: bool, data: &[u8]) {
        self.at(c, t, |a, cx| a.deliver(cx, is_orig, data));
    }

    fn rows(&self) -> Vec<&FtpRecord> {
        self.records
            .iter()
            .filter_map(|r| match r {
                AppRecord::Ftp(r) => Some(&**r),
                _ => None,
            })
            .collect()
    }

    fn files(&self) -> Vec<&FilesRecord> {
        self.records
            .iter()
            .filter_map(|r| match r {
                AppRecord::Files(r) => Some(&**r),
                _ => None,
            })
            .collect()
    }

    fn weirds(&self) -> Vec<(&'static str, Option<String>)> {
        self.records
            .iter()
            .filter_map(|r| match r {
                AppRecord::Weird(w) => Some((w.name, w.addl.clone())),
                _ => None,
            })
            .collect()
    }
}

/// A control connection from CLIENT to SERVER:21.
struct Control<'c> {
    run: Run,
    conn: ConnInfo<'c>,
}

impl<'c> Control<'c> {
    fn new(config: AnalyzerConfig) -> Self {
        Control {
            run: Run::new(Box::new(FtpAnalyzer::new()), config),
            conn: conn("CCtrl", CLIENT, SERVER, 21),
        }
    }
    fn client(&mut self, t: i64, data: &str) -> &mut Self {
        self.run.send(&self.conn, t, true, data.as_bytes());
        self
    }
    fn server(&mut self, t: i64, data: &str) -> &mut Self {
        self.run.send(&self.conn, t, false, data.as_bytes());
        self
    }
    fn finish(&mut self, t: i64) -> &mut Self {
        self.run.at(&self.conn, t, |a, cx| a.finish(cx));
        self
    }
}

fn logging(commands: &[&str]) -> AnalyzerConfig {
    let mut config = AnalyzerConfig::default();
    config
        .ftp
        .logged_commands
        .extend(commands.iter().map(|c| c.to_string()));
    config
}

fn text(z: &Option<records::ZString>) -> Option<&str> {
    z.as_ref().map(|z| std::str::from_utf8(&z.0).unwrap())
}

fn secs(t: i64) -> Time {
    Time(t * 1_000_000_000)
}

#[test]
fn anonymous_passive_download() {
    let mut s = Control::new(AnalyzerConfig::default());
    s.server(1, "220 ready\r\n")
        .client(2, "USER anonymous\r\n")
        .server(3, "331 Guest login ok\r\n")
        .client(4, "PASS me@example.org\r\n")
        .server(5, "230 ok\r\n")
        .client(6, "PASV\r\n")
        .server(7, "227 Entering Passive Mode (10,0,0,2,221,90)\r\n")
        .client(8, "RETR robots.txt\r\n")
        .server(
            9,
            "150 Opening BINARY mode data connection for robots.txt (77 bytes).\r\n",
        )
        .server(10, "226 Transfer complete.\r\n")
        .client(11, "QUIT\r\n")
        .finish(12);
    assert!(s.run.confirmed);
    let rows = s.run.rows();
    assert_eq!(rows.len(), 2);
    let pasv = rows[0];
    assert_eq!(pasv.ts, secs(6));
    assert_eq!(pasv.command, "PASV");
    assert_eq!(std::str::from_utf8(&pasv.user.0).unwrap(), "anonymous");
    assert_eq!(text(&pasv.password), Some("me@example.org"));
    assert_eq!(pasv.arg, None);
    assert_eq!(pasv.reply_code, Some(227));
    assert_eq!(
        text(&pasv.reply_msg),
        Some("Entering Passive Mode (10,0,0,2,221,90)")
    );
    assert_eq!(pasv.passive, Some(true));
    assert_eq!(pasv.data_orig_h, Some(ip(CLIENT)));
    assert_eq!(pasv.data_resp_h, Some(ip(SERVER)));
    assert_eq!(pasv.data_resp_p, Some(Port(56666)));
    let retr = rows[1];
    assert_eq!(retr.ts, secs(8));
    assert_eq!(text(&retr.arg), Some("ftp://10.0.0.2/./robots.txt"));
    assert_eq!(retr.file_size, Some(77));
    assert_eq!(retr.reply_code, Some(226));
    assert_eq!(text(&retr.reply_msg), Some("Transfer complete."));
    assert_eq!(retr.passive, None);
    let e = &s.run.expectations;
    assert_eq!(e.len(), 1);
    assert_eq!(
        (e[0].orig_h, e[0].resp_h, e[0].resp_p, e[0].kind),
        (Some(ip(CLIENT)), ip(SERVER), 56666, Kind::FtpData)
    );
    assert_eq!(e[0].timeout.0, 300_000_000_000);
}

#[test]
fn named_user_passwords_are_hidden() {
    let mut s = Control::new(logging(&["USER", "PASS"]));
    s.server(1, "220 ready\r\n")
        .client(2, "USER Alice\r\n")
        .server(3, "331 Password required\r\n")
        .client(4, "PASS secret\r\n")
        .server(5, "230 Logged in\r\n")
        .finish(6);
    let rows = s.run.rows();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0].command.as_str(), text(&rows[0].arg)),
        ("USER", Some("Alice"))
    );
    assert_eq!(rows[0].password, None);
    assert_eq!(
        (rows[1].command.as_str(), text(&rows[1].arg)),
        ("PASS", Some("<hidden>"))
    );
    assert_eq!(text(&rows[1].password), Some("<hidden>"));

    let mut config = logging(&["PASS"]);
    config.ftp.capture_password = true;
    let mut s = Control::new(config);
    s.client(1, "USER Alice\r\nPASS secret\r\n")
        .server(2, "331 x\r\n230 y\r\n")
        .finish(3);
    assert_eq!(text(&s.run.rows()[0].password), Some("secret"));
}

#[test]
fn active_and_extended_data_channels() {
    let v6c = "2001:db8::1";
    let v6s = "2001:db8::21";
    let c = conn("C6", v6c, v6s, 21);
    let mut run = Run::new(Box::new(FtpAnalyzer::new()), AnalyzerConfig::default());
    run.send(&c, 1, true, b"PORT 10,0,0,1,131,46\r\n");
    run.send(&c, 2, false, b"200 PORT command successful.\r\n");
    run.send(&c, 3, true, b"EPRT |2|2001:db8::1|49189|\r\n");
    run.send(&c, 4, false, b"200 EPRT command successful.\r\n");
    run.send(&c, 5, true, b"EPSV\r\n");
    run.send(
        &c,
        6,
        false,
        b"229 Entering Extended Passive Mode (|||57086|)\r\n",
    );
    run.send(&c, 7, true, b"EPRT |9|bogus|1|\r\n");
    run.at(&c, 8, |a, cx| a.finish(cx));
    let got: Vec<_> = run
        .expectations
        .iter()
        .map(|e| (e.orig_h, e.resp_h, e.resp_p))
        .collect();
    assert_eq!(
        got,
        vec![
            (Some(ip(v6s)), ip("10.0.0.1"), 33582),
            (Some(ip(v6s)), ip(v6c), 49189),
            (Some(ip(v6c)), ip(v6s), 57086),
        ]
    );
    let rows = run.rows();
    let cmds: Vec<_> = rows.iter().map(|r| r.command.as_str()).collect();
    assert_eq!(cmds, ["PORT", "EPRT", "EPSV", "EPRT"]);
    assert_eq!(
        (rows[0].passive, rows[0].data_resp_p),
        (Some(false), Some(Port(33582)))
    );
    assert_eq!(text(&rows[1].arg), Some("|2|2001:db8::1|49189|"));
    assert_eq!(
        (rows[2].passive, rows[2].data_resp_h),
        (Some(true), Some(ip(v6s)))
    );
    // Unparsable: no channel; the last reply is all it has.
    assert_eq!((rows[3].passive, rows[3].reply_code), (None, Some(229)));
}

#[test]
fn multi_line_replies_end_with_their_code() {
    let mut s = Control::new(logging(&["<init>", "USER"]));
    s.server(
        1,
        "220-Welcome\r\n220-This is\r\n  a banner\r\n220 FTP server ready.\r\n",
    )
    .client(2, "USER anonymous\r\n")
    .server(
        3,
        "331-Guest login ok,\r\n331 send your email address as password.\r\n",
    )
    .finish(4);
    let rows = s.run.rows();
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0].command.as_str(), rows[0].ts), ("<init>", secs(1)));
    assert_eq!(text(&rows[0].reply_msg), Some("FTP server ready."));
    assert_eq!(std::str::from_utf8(&rows[0].user.0).unwrap(), "<unknown>");
    assert_eq!(rows[1].reply_code, Some(331));
    assert_eq!(
        text(&rows[1].reply_msg),
        Some("send your email address as password.")
    );
}

#[test]
fn working_directory_follows_cwd_pwd_cdup() {
    let mut s = Control::new(logging(&["CWD"]));
    s.client(1, "PWD\r\n")
        .server(2, "257 \"/pub\" is the current directory\r\n")
        .client(3, "CWD sub/dir\r\n")
        .server(4, "250 ok\r\n")
        .client(5, "CWD ..\r\n")
        .server(6, "250 ok\r\n")
        .client(7, "RETR x.gz\r\n")
        .server(8, "550 no\r\n")
        .client(9, "CWD nope\r\n")
        .server(10, "550 no such dir\r\n")
        .client(11, "DELE y\r\n")
        .server(12, "250 deleted\r\n")
        .client(13, "CDUP\r\n")
        .server(14, "250 ok\r\n")
        .client(15, "DELE z\r\n")
        .server(16, "250 deleted\r\n")
        .finish(17);
    let args: Vec<_> = s
        .run
        .rows()
        .iter()
        .map(|r| text(&r.arg).unwrap().to_string())
        .collect();
    assert_eq!(
        args,
        [
            // A CWD row is written after its reply moved the directory, so
            // its URL applies the argument twice (as Zeek's does).
            "ftp://10.0.0.2/pub/sub/dir/sub/dir",
            "ftp://10.0.0.2/pub",
            "ftp://10.0.0.2/pub/sub/x.gz",
            "ftp://10.0.0.2/pub/sub/nope",
            "ftp://10.0.0.2/pub/sub/y",
            // Zeek's CDUP joins "/..", an absolute path.
            "ftp://10.0.0.2/../z",
        ]
    );
}

#[test]
fn pipelined_commands_match_replies_by_code() {
    let mut s = Control::new(logging(&["USER", "PASS", "SYST"]));
    s.server(1, "220 ready\r\n")
        .client(2, "USER anonymous\r\nPASS x@y\r\nSYST\r\n")
        .server(3, "215 UNIX Type: L8\r\n")
        .server(4, "331 Guest login ok\r\n")
        .server(5, "230 Logged in\r\n")
        .finish(6);
    let rows: Vec<_> = s
        .run
        .rows()
        .iter()
        .map(|r| (r.command.clone(), r.reply_code, r.ts))
        .collect();
    assert_eq!(
        rows,
        [
            ("SYST".to_string(), Some(215), secs(2)),
            ("USER".to_string(), Some(331), secs(2)),
            ("PASS".to_string(), Some(230), secs(2)),
        ]
    );
}

#[test]
fn too_many_pending_commands() {
    let mut config = logging(&["USER", "SYST", "NOOP"]);
    config.ftp.max_pending_commands = 3;
    let mut s = Control::new(config);
    s.client(1, "USER a\r\nSYST\r\nNOOP\r\nNOOP\r\n").finish(2);
    let over = ("FTP_too_many_pending_commands", Some("3".to_string()));
    assert_eq!(s.run.weirds(), [over.clone(), over]);
    // <init> took the first slot: only USER and SYST were queued.
    let cmds: Vec<_> = s.run.rows().iter().map(|r| r.command.clone()).collect();
    assert_eq!(cmds, ["USER", "SYST"]);
}

#[test]
fn long_values_are_cut_with_weirds() {
    let mut config = logging(&["USER"]);
    config.ftp.max_user_length = 4;
    config.ftp.max_arg_length = 13;
    config.ftp.max_reply_msg_length = 5;
    let mut s = Control::new(config);
    s.client(1, "USER anonymous\r\n")
        .server(2, "331 Guest login ok\r\n")
        .finish(3);
    let row = s.run.rows()[0];
    assert_eq!(std::str::from_utf8(&row.user.0).unwrap(), "anon");
    assert_eq!(text(&row.arg), Some("anonymous"));
    assert_eq!(text(&row.reply_msg), Some("Guest"));
    assert_eq!(
        s.run.weirds(),
        [
            ("FTP_user_too_long", Some("9".to_string())),
            ("FTP_reply_msg_too_long", Some("14".to_string()))
        ]
    );
}

#[test]
fn confirmation_needs_a_command_and_bad_replies_are_violations() {
    let mut s = Control::new(logging(&["USER"]));
    s.server(1, "220 ready\r\n");
    assert!(!s.run.confirmed);
    s.client(2, "X\r\n");
    assert!(!s.run.confirmed && s.run.weirds().is_empty());
    s.client(3, "USER zeek\r\n");
    assert!(s.run.confirmed);
    s.client(4, "\x01\x02\x03\r\n")
        .client(5, &format!("{}\r\n", "A".repeat(132)));
    assert_eq!(
        s.run.weirds(),
        [
            ("FTP_invalid_command", None),
            (
                "FTP_max_command_length_exceeded",
                Some("132 > 100".to_string())
            )
        ]
    );
    s.server(6, "230_no_space\r\n");
    assert_eq!(
        s.run.violation,
        Some((
            "invalid reply line".to_string(),
            Some(b"230_no_space".to_vec())
        ))
    );
    // What was pending is written right away: the host stops calling.
    assert_eq!(s.run.rows().len(), 1);
    s.server(7, "230 late\r\n")
        .client(8, "USER other\r\n")
        .finish(9);
    assert_eq!(s.run.rows().len(), 1);
}

#[test]
fn auth_tls_stops_parsing() {
    let mut s = Control::new(logging(&["<init>", "AUTH", "USER"]));
    s.server(1, "220 (vsFTPd 3.0.5)\r\n")
        .client(2, "AUTH TLS\r\n")
        .server(3, "234 Proceed with negotiation.\r\n")
        .client(4, "USER\x16\x03\x01 binary\r\n")
        .server(5, "\x16\x03\x03 hello\r\n")
        .finish(6);
    assert!(s.run.violation.is_none());
    let rows: Vec<_> = s
        .run
        .rows()
        .iter()
        .map(|r| (r.command.clone(), r.reply_code))
        .collect();
    assert_eq!(
        rows,
        [
            ("<init>".to_string(), Some(220)),
            ("AUTH".to_string(), Some(234))
        ]
    );
}

#[test]
fn data_connection_file_reaches_the_next_row() {
    let mut s = Control::new(AnalyzerConfig::default());
    s.server(0, "220 ready\r\n")
        .client(1, "PASV\r\n")
        .server(2, "227 Entering Passive Mode (10,0,0,2,200,1)\r\n")
        .client(3, "RETR a.txt\r\n")
        .server(4, "150 Opening (5 bytes)\r\n");
    let e = s.run.expectations.pop().unwrap();
    let data_conn = conn("CData", CLIENT, SERVER, 51201);
    let mut data = Run::new((e.make)(), AnalyzerConfig::default());
    data.send(&data_conn, 5, false, b"hel");
    data.send(&data_conn, 5, false, b"lo");
    data.at(&data_conn, 6, |a, cx| a.end_of_stream(cx, false));
    // The file ends with the connection, as in Zeek.
    assert!(data.files().is_empty());
    data.at(&data_conn, 7, |a, cx| a.finish(cx));
    let files = data.files();
    assert_eq!(files.len(), 1);
    let f = files[0];
    assert_eq!(
        (f.source.as_deref(), f.is_orig, f.seen_bytes),
        (Some("FTP_DATA"), Some(false), 5)
    );
    assert_eq!(f.uid.as_deref(), Some("CData"));
    s.server(7, "226 done\r\n").client(8, "PASV\r\n").finish(9);
    let rows = s.run.rows();
    assert_eq!(rows[1].command, "RETR");
    assert_eq!(rows[1].fuid.as_deref(), Some(f.fuid.as_str()));
    assert_eq!(rows[1].file_size, Some(5));
    // The sniffed type, or Zeek's "<unknown>" for content it cannot name.
    assert_eq!(
        rows[1].mime_type.as_deref(),
        Some(f.mime_type.as_deref().unwrap_or("<unknown>"))
    );
    // Cleared once written.
    assert_eq!(rows[2].fuid, None);
}

#[test]
fn substring_search() {
    use super::session::contains;
    assert!(contains(b"abc", b""));
    assert!(contains(b"xxaabaabaaby", b"aabaaby"));
    assert!(contains(b"Fake response USER anonymous", b"USER"));
    assert!(!contains(b"aabaabaab", b"aabaaby"));
    assert!(!contains(b"ab", b"abc"));
    let hay = vec![b'a'; 100_000];
    let mut needle = vec![b'a'; 50_000];
    needle.push(b'b');
    assert!(!contains(&hay, &needle));
}

#[test]
fn last_line_without_newline_counts_at_end_of_stream() {
    let mut s = Control::new(logging(&["QUIT"]));
    s.client(1, "QUIT");
    let c = s.conn;
    s.run.at(&c, 2, |a, cx| a.end_of_stream(cx, true));
    s.server(3, "221 Bye").finish(4);
    let rows = s.run.rows();
    assert_eq!(
        (rows[0].command.as_str(), rows[0].reply_code),
        ("QUIT", None)
    );
}

#[test]
fn host_finds_ftp_by_signature_and_attaches_data_connections() {
    use crate::host::AnalyzerSet;
    let mut set = AnalyzerSet::new(
        AnalyzerConfig::default(),
        FuidGen::new(Some(1)),
        &[],
        &[Kind::Ftp],
    );
    let control = conn("CSig", CLIENT, SERVER, 2121);
    let mut sink: Vec<AppRecord> = Vec::new();
    let mut app = set
        .attach(6, control.orig_h, control.resp_h, 2121, secs(1), false)
        .expect("FTP is tried by signature");
    let mut say =
        |app: &mut crate::ConnAnalyzers, set: &mut AnalyzerSet, t, is_orig, text: &str| {
            app.deliver(set, &control, secs(t), is_orig, text.as_bytes(), &mut sink)
        };
    say(&mut app, &mut set, 1, false, "220 ready\r\n");
    say(&mut app, &mut set, 2, true, "USER anonymous\r\n");
    assert_eq!(app.service(), None, "no login reply yet");
    say(&mut app, &mut set, 3, false, "331 Guest login ok\r\n");
    assert_eq!(app.service().as_deref(), Some("ftp"));
    say(&mut app, &mut set, 4, true, "PASV\r\n");
    say(
        &mut app,
        &mut set,
        5,
        false,
        "227 Entering Passive Mode (10,0,0,2,4,1)\r\n",
    );
    let data = conn("CData", CLIENT, SERVER, 1025);
    let mut data_app = set
        .attach(6, data.orig_h, data.resp_h, 1025, secs(6), false)
        .expect("the announced connection gets FTP_DATA");
    assert_eq!(data_app.service().as_deref(), Some("ftp-data"));
    data_app.deliver(&mut set, &data, secs(6), false, b"file body", &mut sink);
    data_app.finish(&mut set, &data, secs(7), &mut sink);
    let files = crate::test_support::files(&sink);
    assert_eq!(files.len(), 1);
    assert_eq!(
        (files[0].seen_bytes, files[0].source.as_deref()),
        (9, Some("FTP_DATA"))
    );
}

#[test]
fn clnt_names_the_client_software() {
    let mut config = crate::test_support::tracking_all_hosts();
    let mut c = Control::new(config.clone());
    c.server(1, "220 ready\r\n")
        .client(2, "CLNT Total Commander\r\n");
    assert!(crate::test_support::sightings(&c.run.records).is_empty());
    config.software.ftp = true;
    let mut c = Control::new(config);
    c.server(1, "220 ready\r\n")
        .client(2, "CLNT Total Commander\r\n");
    let seen = crate::test_support::sightings(&c.run.records);
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].kind, crate::software::SoftwareType::FtpClient);
    assert_eq!((seen[0].host, seen[0].host_p), (ip(CLIENT), None));
    assert_eq!(seen[0].unparsed, b"Total Commander");
}
