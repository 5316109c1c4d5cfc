//! SIEM ingestion: every log Shrike writes for a synthesized capture
//! (many protocols, a scan's notice, the run record) parses with
//! `parsezeeklogs` from PyPI, TSV and JSON, every row and field intact.
//! `scripts/test-siem` (run by scripts/test) installs it into a venv and
//! names its Python in `PARSEZEEKLOGS_PYTHON`; without it the test skips,
//! saying so.

mod common;

use common::{ip, run_on, Run, T0};
use std::process::Command;
use testkit::packet::Packet;
use testkit::{Capture, PcapFormat, TcpConversation, MS, SEC};

/// DNS, HTTP with a body (files), SMTP, FTP, SSH banners, a packet with a
/// bad checksum (weird) and a port scan (notice).
fn capture() -> Vec<u8> {
    let mut cap = Capture::new();
    let q = testkit::dns::message(7, "www.example.com", Some(([93, 184, 216, 34], 300)));
    cap.push(
        T0,
        Packet::udp(ip("10.1.0.9"), 20000, ip("10.1.0.53"), 53)
            .payload(&testkit::dns::message(7, "www.example.com", None))
            .build(),
    );
    cap.push(
        T0 + MS,
        Packet::udp(ip("10.1.0.53"), 53, ip("10.1.0.9"), 20000)
            .payload(&q)
            .build(),
    );
    let sessions = [
        TcpConversation::new(ip("10.1.0.9"), 40000, ip("93.184.216.34"), 80, T0 + SEC)
            .handshake()
            .client_sends(b"GET /a.txt HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.5.0\r\n\r\n")
            .server_sends(b"HTTP/1.1 200 OK\r\nServer: nginx/1.25.3\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello")
            .close(),
        TcpConversation::new(ip("10.1.0.9"), 40001, ip("10.1.0.25"), 25, T0 + 2 * SEC)
            .handshake()
            .server_sends(b"220 mail.example.com ESMTP\r\n")
            .client_sends(b"EHLO client.example.com\r\n")
            .server_sends(b"250 mail.example.com\r\n")
            .client_sends(b"MAIL FROM:<a@example.com>\r\n")
            .server_sends(b"250 OK\r\n")
            .client_sends(b"RCPT TO:<b@example.com>\r\n")
            .server_sends(b"250 OK\r\n")
            .client_sends(b"DATA\r\n")
            .server_sends(b"354 go\r\n")
            .client_sends(b"Subject: hi\r\n\r\nhello\r\n.\r\n")
            .server_sends(b"250 queued\r\n")
            .client_sends(b"QUIT\r\n")
            .server_sends(b"221 bye\r\n")
            .close(),
        TcpConversation::new(ip("10.1.0.9"), 40002, ip("10.1.0.21"), 21, T0 + 3 * SEC)
            .handshake()
            .server_sends(b"220 ftp ready\r\n")
            .client_sends(b"USER anonymous\r\n")
            .server_sends(b"331 password please\r\n")
            .client_sends(b"PASS guest@\r\n")
            .server_sends(b"230 welcome\r\n")
            .client_sends(b"RETR a.txt\r\n")
            .server_sends(b"150 sending\r\n")
            .server_sends(b"226 done\r\n")
            .client_sends(b"QUIT\r\n")
            .server_sends(b"221 bye\r\n")
            .close(),
        TcpConversation::new(ip("10.1.0.9"), 40003, ip("10.1.0.22"), 22, T0 + 4 * SEC)
            .handshake()
            .client_sends(b"SSH-2.0-OpenSSH_9.6\r\n")
            .server_sends(b"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3\r\n")
            .close(),
    ];
    for s in sessions {
        cap.extend(s.frames());
    }
    cap.push(
        T0 + 5 * SEC,
        Packet::tcp(ip("10.1.0.9"), 40004, ip("10.1.0.80"), 80)
            .flags(0x02)
            .bad_checksum()
            .build(),
    );
    for port in 1..=40u16 {
        let t = T0 + 6 * SEC + port as i64 * 100 * MS;
        let probe =
            TcpConversation::new(ip("45.33.32.156"), 50000, ip("10.1.0.5"), port, t).rejected();
        cap.extend(probe.frames());
    }
    cap.sorted().to_bytes(PcapFormat::Pcap {
        nanos: false,
        big_endian: false,
    })
}

/// For each log file: the rows parsezeeklogs read, lines it skipped, and
/// whether every record has every field (TSV) with a numeric `ts`.
const PARSE: &str = r#"
import json, sys
from parsezeeklogs import ZeekLog
out = {}
for path in sys.argv[1:]:
    with ZeekLog(path) as log:
        rows = list(log)
        fields = log.fields
        complete = all(len(r) == len(fields) for r in rows) if fields else all(r for r in rows)
        out[path] = {"rows": len(rows), "skipped": log.skipped, "fields": fields,
                     "complete": complete,
                     "ts_numeric": all(isinstance(r.get("ts"), float) for r in rows)}
print(json.dumps(out))
"#;

fn parse_with_parsezeeklogs(python: &str, run: &Run) -> (Vec<String>, String) {
    let mut logs: Vec<String> = std::fs::read_dir(&run.dir)
        .unwrap()
        .flatten()
        .map(|e| e.path().display().to_string())
        .filter(|p| p.ends_with(".log"))
        .collect();
    logs.sort();
    let out = Command::new(python)
        .arg("-c")
        .arg(PARSE)
        .args(&logs)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (logs, String::from_utf8(out.stdout).unwrap())
}

fn python() -> Option<String> {
    let p = std::env::var("PARSEZEEKLOGS_PYTHON").ok();
    if p.is_none() {
        eprintln!("skipped: PARSEZEEKLOGS_PYTHON is not set (scripts/test-siem installs parsezeeklogs from PyPI and sets it)");
    }
    p
}

/// Every log type the capture should produce.
const EXPECTED: [&str; 11] = [
    "conn",
    "dns",
    "files",
    "ftp",
    "http",
    "notice",
    "shrike_run",
    "smtp",
    "software",
    "ssh",
    "weird",
];

#[test]
fn parsezeeklogs_reads_every_tsv_log() {
    let Some(python) = python() else { return };
    let run = run_on(&capture(), "siem-tsv", &["-q", "--local-net", "10.0.0.0/8"]);
    assert!(run.out.status.success(), "{}", run.stderr());
    let (logs, parsed) = parse_with_parsezeeklogs(&python, &run);
    let written: Vec<&str> = logs
        .iter()
        .map(|p| p.rsplit('/').next().unwrap().trim_end_matches(".log"))
        .collect();
    for want in EXPECTED {
        assert!(
            written.contains(&want),
            "{want}.log not written: {written:?}"
        );
    }
    for path in &logs {
        let text = std::fs::read_to_string(path).unwrap();
        let rows = text.lines().filter(|l| !l.starts_with('#')).count();
        let fields = text
            .lines()
            .find_map(|l| l.strip_prefix("#fields\t"))
            .unwrap();
        let fields_json = format!(
            "\"fields\": [{}]",
            fields
                .split('\t')
                .map(|f| format!("\"{f}\""))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let entry = format!("\"{path}\": {{\"rows\": {rows}, \"skipped\": 0, {fields_json}, \"complete\": true, \"ts_numeric\": true}}");
        assert!(
            parsed.contains(&entry),
            "{path}: want {entry}\n in {parsed}"
        );
    }
}

#[test]
fn parsezeeklogs_reads_every_json_log() {
    let Some(python) = python() else { return };
    let run = run_on(
        &capture(),
        "siem-json",
        &["-q", "--json", "--local-net", "10.0.0.0/8"],
    );
    assert!(run.out.status.success(), "{}", run.stderr());
    let (logs, parsed) = parse_with_parsezeeklogs(&python, &run);
    assert!(logs.len() >= EXPECTED.len(), "{logs:?}");
    for path in &logs {
        let rows = std::fs::read_to_string(path).unwrap().lines().count();
        let entry = format!("\"{path}\": {{\"rows\": {rows}, \"skipped\": 0, \"fields\": [], \"complete\": true, \"ts_numeric\": true}}");
        assert!(
            parsed.contains(&entry),
            "{path}: want {entry}\n in {parsed}"
        );
    }
}
