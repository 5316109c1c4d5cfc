use super::*;
use crate::context::{AnalyzerConfig, ConnInfo, FuidGen};
use crate::files::FilesRecord;
use crate::record::{AppRecord, AppWeird};
use crate::Analyzer;
use records::{Time, ZString};
use std::net::IpAddr;

fn conn() -> ConnInfo<'static> {
    ConnInfo {
        uid: "CSmtpTest",
        orig_h: "10.0.0.1".parse().unwrap(),
        orig_p: 40000,
        resp_h: "192.0.2.25".parse().unwrap(),
        resp_p: 25,
        proto: 6,
        local_orig: None,
        local_resp: None,
        start: records::Time(0),
    }
}

/// An analyzer fed through real contexts; collects what it emits.
struct Session {
    an: SmtpAnalyzer,
    out: Vec<AppRecord>,
    config: AnalyzerConfig,
    fuids: FuidGen,
    now: f64,
    confirmed: bool,
    violation: Option<String>,
}

impl Session {
    fn new() -> Self {
        Session {
            an: SmtpAnalyzer::new(),
            out: Vec::new(),
            config: AnalyzerConfig::default(),
            fuids: FuidGen::new(Some(1)),
            now: 1_000.0,
            confirmed: false,
            violation: None,
        }
    }

    fn run(&mut self, f: impl FnOnce(&mut SmtpAnalyzer, &mut Context<'_>)) {
        self.now += 0.5;
        let c = conn();
        let mut cx = Context::new(
            &c,
            Time::from_secs_f64(self.now),
            &self.config,
            &mut self.fuids,
            &mut self.out,
        );
        f(&mut self.an, &mut cx);
        self.confirmed |= cx.confirmed;
        if let Some((reason, _)) = cx.violation.take() {
            self.violation.get_or_insert(reason);
        }
    }

    fn client(&mut self, data: &str) -> &mut Self {
        self.run(|a, cx| a.deliver(cx, true, data.as_bytes()));
        self
    }

    fn server(&mut self, data: &str) -> &mut Self {
        self.run(|a, cx| a.deliver(cx, false, data.as_bytes()));
        self
    }

    fn finish(&mut self) -> &mut Self {
        self.run(|a, cx| a.finish(cx));
        self
    }

    fn rows(&self) -> Vec<&SmtpRecord> {
        self.out
            .iter()
            .filter_map(|r| match r {
                AppRecord::Smtp(s) => Some(&**s),
                _ => None,
            })
            .collect()
    }

    fn files(&self) -> Vec<&FilesRecord> {
        crate::test_support::files(&self.out)
    }

    fn weirds(&self) -> Vec<&AppWeird> {
        self.out
            .iter()
            .filter_map(|r| match r {
                AppRecord::Weird(w) => Some(w),
                _ => None,
            })
            .collect()
    }
}

fn s(v: &Option<ZString>) -> Option<&str> {
    v.as_ref().map(|z| std::str::from_utf8(&z.0).unwrap())
}

fn set(v: &Option<records::Set<ZString>>) -> Vec<&str> {
    v.as_ref()
        .map(|s| {
            s.0.iter()
                .map(|z| std::str::from_utf8(&z.0).unwrap())
                .collect()
        })
        .unwrap_or_default()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

const MAIL_WITH_ATTACHMENT: &str = concat!(
    "Received: from relay.example.net (relay.example.net [203.0.113.7])\r\n",
    "\tby mx.example.com; Mon, 5 Oct 2009 11:36:07 +0530\r\n",
    "Received: from [10.0.0.1] (helo=me) by relay.example.net\r\n",
    "From: \"Alice A.\" <alice@example.com>\r\n",
    "To: bob@example.org,\"Carol, C\" <carol@example.org>\r\n",
    "Cc: dave@example.org\r\n",
    "Subject: =?UTF-8?B?SGk=?= and\r\n",
    " more\r\n",
    "Date: Mon, 5 Oct 2009 11:36:07 +0530\r\n",
    "Message-ID: <1@example.com>\r\n",
    "X-Mailer: TestMailer 1.0\r\n",
    "X-Originating-IP: [198.51.100.9]\r\n",
    "Content-Type: multipart/mixed; boundary=\"=_b\"\r\n",
    "\r\n",
    "--=_b\r\n",
    "Content-Type: text/plain\r\n",
    "\r\n",
    "Hello Bob.\r\n",
    "..leading dot\r\n",
    "--=_b\r\n",
    "Content-Type: application/octet-stream; name=\"x.bin\"\r\n",
    "Content-Disposition: attachment; filename=\"report.bin\"\r\n",
    "Content-Transfer-Encoding: base64\r\n",
    "\r\n",
    "AAECAwQF\r\n",
    "BgcICQ==\r\n",
    "--=_b--\r\n",
    ".\r\n",
);

fn send_attachment_mail(t: &mut Session) {
    t.server("220 mx.example.com ESMTP\r\n")
        .client("EHLO client.example.com\r\n")
        .server("250-mx.example.com\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
        .client("MAIL FROM:<alice@example.com> SIZE=100\r\n")
        .server("250 OK\r\n")
        .client("RCPT TO:<bob@example.org>\r\n")
        .server("250 OK\r\n")
        .client("RCPT TO:<carol@example.org> ORCPT=rfc822;carol@example.org\r\n")
        .server("250 OK\r\n")
        .client("DATA\r\n")
        .server("354 go ahead\r\n")
        .client(MAIL_WITH_ATTACHMENT)
        .server("250 OK id=42\r\n")
        .client("QUIT\r\n")
        .server("221 bye\r\n")
        .finish();
}

#[test]
fn mail_with_headers_and_base64_attachment() {
    let mut t = Session::new();
    send_attachment_mail(&mut t);
    assert!(t.confirmed);
    assert_eq!(t.violation, None);
    let rows = t.rows();
    assert_eq!(rows.len(), 1);
    let r = rows[0];
    assert_eq!(r.trans_depth, 1);
    assert_eq!(s(&r.helo), Some("client.example.com"));
    assert_eq!(s(&r.mailfrom), Some("alice@example.com"));
    assert_eq!(set(&r.rcptto), ["bob@example.org", "carol@example.org"]);
    assert_eq!(s(&r.from), Some("\"Alice A.\" <alice@example.com>"));
    assert_eq!(
        set(&r.to),
        ["bob@example.org", "\"Carol, C\" <carol@example.org>"]
    );
    assert_eq!(set(&r.cc), ["dave@example.org"]);
    // Folded lines are joined as they are; encoded words stay encoded.
    assert_eq!(s(&r.subject), Some("=?UTF-8?B?SGk=?= and more"));
    assert_eq!(s(&r.date), Some("Mon, 5 Oct 2009 11:36:07 +0530"));
    assert_eq!(s(&r.msg_id), Some("<1@example.com>"));
    assert_eq!(s(&r.user_agent), Some("TestMailer 1.0"));
    assert_eq!(r.x_originating_ip, Some(ip("198.51.100.9")));
    assert_eq!(
        s(&r.first_received),
        Some("from [10.0.0.1] (helo=me) by relay.example.net")
    );
    assert!(s(&r.second_received)
        .unwrap()
        .starts_with("from relay.example.net"));
    assert_eq!(
        r.path,
        Some(vec![
            ip("192.0.2.25"),
            ip("10.0.0.1"),
            ip("203.0.113.7"),
            ip("10.0.0.1")
        ])
    );
    assert_eq!(s(&r.last_reply), Some("250 OK id=42"));
    assert!(!r.tls);

    let files = t.files();
    assert_eq!(files.len(), 2);
    // The CRLF before a boundary belongs to the boundary; ".." unstuffed.
    assert_eq!(
        files[0].seen_bytes,
        "Hello Bob.\r\n.leading dot".len() as u64
    );
    assert_eq!(files[0].filename, None);
    assert_eq!(files[1].seen_bytes, 10);
    assert_eq!(files[1].filename, Some(ZString(b"report.bin".to_vec())));
    assert!(files.iter().all(|f| f.source.as_deref() == Some("SMTP")));
    assert!(files.iter().all(|f| f.is_orig == Some(true)));
    assert_eq!(r.fuids, [files[0].fuid.clone(), files[1].fuid.clone()]);
}

#[test]
fn byte_by_byte_delivery_gives_the_same_result() {
    let mut whole = Session::new();
    send_attachment_mail(&mut whole);
    let mut t = Session::new();
    t.server("220 mx\r\n");
    let client = "EHLO c\r\nMAIL FROM:<alice@example.com>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n";
    for b in client.chars().chain(MAIL_WITH_ATTACHMENT.chars()) {
        t.client(&b.to_string());
    }
    t.server("250 c\r\n250 OK\r\n250 OK\r\n354 go\r\n250 OK id=42\r\n")
        .finish();
    let (a, b) = (whole.rows()[0], t.rows()[0]);
    assert_eq!(a.subject, b.subject);
    assert_eq!(a.to, b.to);
    assert_eq!(a.path, b.path);
    let sizes = |t: &Session| t.files().iter().map(|f| f.seen_bytes).collect::<Vec<_>>();
    assert_eq!(sizes(&whole), sizes(&t));
}

#[test]
fn pipelined_commands_are_matched_to_their_replies() {
    let mut t = Session::new();
    t.server("220 mx\r\n")
        .client("EHLO c\r\n")
        .server("250-mx\r\n250 PIPELINING\r\n")
        .client("MAIL FROM:<a@x.org>\r\nRCPT TO:<b@y.org>\r\nRCPT TO:<c@y.org>\r\nDATA\r\n")
        .server("250 sender ok\r\n250 rcpt ok\r\n550 no such user\r\n354 data\r\n")
        .client("Subject: pipelined\r\n\r\nbody\r\n.\r\n")
        .server("250 queued\r\n");
    let rows = t.rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(s(&rows[0].subject), Some("pipelined"));
    assert_eq!(set(&rows[0].rcptto), ["b@y.org", "c@y.org"]);
    assert_eq!(s(&rows[0].last_reply), Some("250 queued"));
    // Nothing is pending any more: finishing writes nothing new.
    t.finish();
    assert_eq!(t.rows().len(), 1);
}

#[test]
fn rset_transaction_is_written_at_the_next_mail_from() {
    let mut t = Session::new();
    t.server("220 mx\r\n")
        .client("HELO c\r\n")
        .server("250 mx\r\n")
        .client("MAIL FROM:<first@x.org>\r\n")
        .server("250 ok\r\n")
        .client("RCPT TO:<b@y.org>\r\n")
        .server("250 ok\r\n")
        .client("RSET\r\n")
        .server("250 reset\r\n")
        .client("MAIL FROM:<second@x.org>\r\n");
    let rows = t.rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(s(&rows[0].mailfrom), Some("first@x.org"));
    assert_eq!(s(&rows[0].last_reply), Some("250 reset"));
    assert_eq!(rows[0].trans_depth, 1);
    t.server("250 ok\r\n")
        .client("RCPT TO:<c@y.org>\r\nDATA\r\n")
        .server("250 ok\r\n354 go\r\n")
        .client("Subject: two\r\n\r\nx\r\n.\r\n")
        .server("250 done\r\n");
    let rows = t.rows();
    assert_eq!(rows.len(), 2);
    assert_eq!(s(&rows[1].mailfrom), Some("second@x.org"));
    assert_eq!(set(&rows[1].rcptto), ["c@y.org"]);
    assert_eq!(rows[1].trans_depth, 1);
    assert_eq!(rows[1].helo, Some(ZString(b"c".to_vec())));
}

#[test]
fn invalid_transactions_raise_weirds() {
    let mut t = Session::new();
    t.server("220 mx\r\n")
        .client("HELO c\r\nRCPT TO:<b@y.org>\r\n")
        .server("250 mx\r\n503 need MAIL\r\n");
    let w = t.weirds();
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].name, "smtp_mail_transaction_invalid");
    assert_eq!(w[0].addl.as_deref(), Some("rcpt to missing mail from"));
    assert_eq!(w[0].source, "SMTP");
}

#[test]
fn starttls_marks_the_transaction_and_stops_parsing() {
    let mut t = Session::new();
    t.server("220 mx\r\n")
        .client("EHLO c\r\n")
        .server("250-mx\r\n250 STARTTLS\r\n")
        .client("STARTTLS\r\n")
        .server("220 2.0.0 Ready to start TLS\r\n")
        .client("\x16\x03\x01\x00\x05hello")
        .server("\x16\x03\x03 not a reply")
        .finish();
    assert_eq!(t.violation, None);
    let rows = t.rows();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].tls);
    assert_eq!(s(&rows[0].helo), Some("c"));
    assert_eq!(rows[0].mailfrom, None);
    assert_eq!(s(&rows[0].last_reply), Some("220 2.0.0 Ready to start TLS"));
}

#[test]
fn bdat_chunks_make_one_mail() {
    let body1 = "Subject: chunked\r\nFrom: a@x.org\r\n\r\nfirst ";
    let body2 = "part\r\nsecond line\r\n";
    let mut t = Session::new();
    t.server("220 mx\r\n")
        .client("EHLO c\r\n")
        .server("250-mx\r\n250 CHUNKING\r\n")
        .client("MAIL FROM:<a@x.org>\r\nRCPT TO:<b@y.org>\r\n")
        .server("250 ok\r\n250 ok\r\n")
        .client(&format!("BDAT {}\r\n{body1}", body1.len()))
        .server("250 got chunk\r\n")
        // Pipelined: the last chunk and the command after it.
        .client(&format!("BDAT {} LAST\r\n{body2}QUIT\r\n", body2.len()))
        .server("250 2.0.0 queued\r\n221 bye\r\n")
        .finish();
    let rows = t.rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(s(&rows[0].subject), Some("chunked"));
    assert_eq!(s(&rows[0].last_reply), Some("250 2.0.0 queued"));
    let files = t.files();
    assert_eq!(files.len(), 1);
    assert_eq!(
        files[0].seen_bytes,
        "first part\r\nsecond line\r\n".len() as u64
    );
    assert_eq!(rows[0].fuids, [files[0].fuid.clone()]);
    assert!(t.weirds().is_empty());
}

#[test]
fn bad_bdat_sizes_are_weirds() {
    let mut t = Session::new();
    t.server("220 mx\r\n")
        .client("EHLO c\r\nMAIL FROM:<a@x.org>\r\nRCPT TO:<b@y.org>\r\n")
        .server("250 mx\r\n250 ok\r\n250 ok\r\n")
        .client("BDAT -42 LAST\r\n")
        .server("521 5.5.4 Syntax: BDAT count [LAST]\r\n")
        .client("BDAT 15555555557777777777\r\n")
        .finish();
    let w: Vec<_> = t
        .weirds()
        .into_iter()
        .filter(|w| w.name != "smtp_mail_transaction_invalid")
        .collect();
    assert_eq!(w[0].name, "smtp_invalid_bdat_command");
    assert_eq!(
        w[0].addl.as_deref(),
        Some("BDAT not followed by a valid chunk-size")
    );
    assert_eq!(w[1].name, "smtp_huge_bdat_chunk");
    assert_eq!(w[1].addl.as_deref(), Some("15555555557777777777"));
    // The reply to a "LAST" BDAT ends the transaction.
    let rows = t.rows();
    assert_eq!(
        s(&rows[0].last_reply),
        Some("521 5.5.4 Syntax: BDAT count [LAST]")
    );
    assert_eq!(rows[0].subject, None);
}

#[test]
fn gap_in_bdat_chunk_ends_the_mail() {
    let mut t = Session::new();
    t.server("220 mx\r\n")
        .client("EHLO c\r\nMAIL FROM:<a@x.org>\r\nRCPT TO:<b@y.org>\r\n")
        .server("250 mx\r\n250 ok\r\n250 ok\r\n")
        .client("BDAT 30\r\nSubject: gap\r\n\r\nabc");
    t.run(|a, cx| a.gap(cx, true, 5));
    t.client("tail\r\n")
        .server("250 ok\r\n")
        .client("BDAT 11 LAST\r\n\r\nnew one\r\n")
        .server("250 queued\r\n");
    let names: Vec<_> = t.weirds().iter().map(|w| (w.source, w.name)).collect();
    assert_eq!(
        names,
        [
            ("SMTP", "smtp_bdat_remaining_at_end_data"),
            ("SMTP_BDAT", "smtp_bdat_undelivered_at_done")
        ]
    );
    let files = t.files();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0].missing_bytes, 5);
    assert_eq!(files[0].seen_bytes, 3);
    assert_eq!(files[1].seen_bytes, 9);
    let rows = t.rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].fuids,
        [files[0].fuid.clone(), files[1].fuid.clone()]
    );
}

#[test]
fn client_side_only_writes_each_transaction() {
    let mut t = Session::new();
    t.client(concat!(
        "HELO c\r\nMAIL FROM:<a@x.org>\r\nRCPT TO:<b@y.org>\r\nDATA\r\n",
        "Subject: one\r\n\r\nbody\r\n.\r\n",
        "MAIL FROM:<a@x.org>\r\nRCPT TO:<c@y.org>\r\nDATA\r\n",
        "Subject: two\r\n\r\nbody\r\n.\r\nQUIT\r\n",
    ))
    .finish();
    let rows = t.rows();
    assert_eq!(rows.len(), 2);
    assert_eq!(s(&rows[0].subject), Some("one"));
    assert_eq!(s(&rows[1].subject), Some("two"));
    assert!(rows
        .iter()
        .all(|r| r.trans_depth == 1 && r.last_reply.is_none()));
}

#[test]
fn server_garbage_is_a_violation() {
    let mut t = Session::new();
    t.server("SSH-2.0-OpenSSH\r\n")
        .client("EHLO c\r\n")
        .finish();
    assert_eq!(t.violation.as_deref(), Some("reply code -1 out of range"));
    assert!(!t.confirmed);
    assert!(t.rows().is_empty());
}

#[test]
fn connection_end_writes_the_open_mail() {
    let mut t = Session::new();
    t.server("220 mx\r\n")
        .client("HELO c\r\nMAIL FROM:<a@x.org>\r\nRCPT TO:<b@y.org>\r\nDATA\r\n")
        .server("250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n")
        .client("Subject: cut\r\n\r\npartial bo")
        .finish();
    let rows = t.rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(s(&rows[0].subject), Some("cut"));
    // The unterminated last line never reached the mail.
    assert_eq!(t.files().len(), 0);
}

#[test]
fn empty_last_chunk_ends_the_mail_at_once() {
    let mut t = Session::new();
    t.server("220 mx\r\n")
        .client("EHLO c\r\nMAIL FROM:<a@x.org>\r\nRCPT TO:<b@y.org>\r\nBDAT 0 LAST\r\n")
        .server("250 mx\r\n250 ok\r\n250 ok\r\n250 2.0.0 Ok: 0 bytes queued\r\n")
        .client("QUIT\r\n")
        .server("221 bye\r\n")
        .finish();
    assert!(t.weirds().is_empty());
    let rows = t.rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(s(&rows[0].last_reply), Some("250 2.0.0 Ok: 0 bytes queued"));
    assert!(rows[0].fuids.is_empty());
}

#[test]
fn oversized_header_is_dropped() {
    let mut t = Session::new();
    t.server("220 mx\r\n")
        .client("HELO c\r\nMAIL FROM:<a@x.org>\r\nRCPT TO:<b@y.org>\r\nDATA\r\n")
        .server("250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n")
        .client("From: a@x.org\r\nSubject: big\r\n");
    t.client(&" x\r\n".repeat(40_000))
        .client("\r\nbody\r\n.\r\n")
        .server("250 queued\r\n")
        .finish();
    let w = t.weirds();
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].name, "exceeded_mime_max_header_bytes");
    assert_eq!(w[0].addl.as_deref(), Some("65536"));
    let rows = t.rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(s(&rows[0].from), Some("a@x.org"));
    assert_eq!(rows[0].subject, None);
    assert_eq!(s(&rows[0].last_reply), Some("250 queued"));
    assert_eq!(t.files()[0].seen_bytes, b"body\r\n".len() as u64);
}

fn software_session(clients_from: crate::software::Hosts) -> Session {
    let mut t = Session::new();
    t.config = crate::test_support::tracking_all_hosts();
    t.config.software.smtp = true;
    t.config.software.smtp_clients_from = clients_from;
    t
}

#[test]
fn the_mail_client_is_the_first_host_of_the_path() {
    use crate::software::{Hosts, SoftwareType};
    let mut t = software_session(Hosts::All);
    send_attachment_mail(&mut t);
    let seen = crate::test_support::sightings(&t.out);
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].kind, SoftwareType::SmtpMailClient);
    assert_eq!(seen[0].host, ip("10.0.0.1"));
    assert_eq!(seen[0].unparsed, b"TestMailer 1.0");
    assert!(!t.rows()[0].is_webmail);
    // Only messages from local hosts by default; none is local here.
    let mut t = software_session(Hosts::Local);
    send_attachment_mail(&mut t);
    assert!(crate::test_support::sightings(&t.out).is_empty());
}

#[test]
fn webmail_user_agents_mark_the_message() {
    use crate::software::{Hosts, SoftwareType};
    let mut t = software_session(Hosts::All);
    t.server("220 mx\r\n")
        .client("HELO c\r\n")
        .server("250 ok\r\n")
        .client("MAIL FROM:<a@example.com>\r\n")
        .server("250 ok\r\n")
        .client("RCPT TO:<b@example.org>\r\n")
        .server("250 ok\r\n")
        .client("DATA\r\n")
        .server("354 go\r\n")
        .client(concat!(
            "Received: from [198.51.100.7] by webmail.example.com via HTTP\r\n",
            "User-Agent: SquirrelMail/1.4.22\r\n",
            "\r\n",
            "hi\r\n",
            ".\r\n"
        ))
        .server("250 ok\r\n")
        .finish();
    assert!(t.rows()[0].is_webmail);
    let seen = crate::test_support::sightings(&t.out);
    assert_eq!(seen[0].kind, SoftwareType::SmtpWebmailServer);
    // Behind the HTTP hop: the host before the last of the path.
    assert_eq!(t.rows()[0].path.as_ref().map(Vec::len), Some(3));
    assert_eq!(seen[0].host, ip("10.0.0.1"));
}
