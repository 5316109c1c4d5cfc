//! End-to-end: `--rules` runs Sigma rules (the playbook's shipped rule
//! files and a user's) over a synthesized capture; bad rules are reported
//! by file and line and the run goes on.

mod common;

use common::{ip, run_on, Run, T0};
use std::collections::BTreeSet;
use std::path::PathBuf;
use testkit::packet::Packet;
use testkit::{Capture, PcapFormat, TcpConversation, MS, SEC};

const TUNNELER: &str = "10.2.0.7";
const CURL: &str = "10.2.0.8";

/// A host sending 220 long DNS names in 90 s, and another fetching a page
/// with curl between ordinary browsing.
fn capture() -> Vec<u8> {
    let mut cap = Capture::new();
    for i in 0..220u32 {
        let name = format!(
            "{:08x}{:08x}{:08x}.{:08x}{:08x}.d.example.org",
            i.wrapping_mul(0x9e37_79b9),
            i ^ 0x1234_5678,
            i.rotate_left(7),
            i.wrapping_mul(2_654_435_761),
            i * 31
        );
        let q = testkit::dns::message(i as u16, &name, None);
        cap.push(
            T0 + i as i64 * 400 * MS,
            Packet::udp(ip(TUNNELER), 30000 + i as u16, ip("10.2.0.53"), 53)
                .payload(&q)
                .build(),
        );
    }
    for (i, agent) in ["curl/8.5.0", "Mozilla/5.0", "Mozilla/5.0"]
        .iter()
        .enumerate()
    {
        let request =
            format!("GET /x HTTP/1.1\r\nHost: example.com\r\nUser-Agent: {agent}\r\n\r\n");
        let client = if i == 0 { CURL } else { "10.2.0.9" };
        let web = TcpConversation::new(
            ip(client),
            41000 + i as u16,
            ip("93.184.216.34"),
            80,
            T0 + i as i64 * SEC,
        )
        .handshake()
        .client_sends(request.as_bytes())
        .server_sends(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        .close();
        cap.extend(web.frames());
    }
    cap.sorted().to_bytes(PcapFormat::Pcap {
        nanos: false,
        big_endian: false,
    })
}

/// (note, src, sub) of every Sigma notice.
fn sigma_notices(run: &Run) -> BTreeSet<(String, String, String)> {
    run.columns("notice.log", &["note", "src", "sub"])
        .into_iter()
        .filter(|r| r[0].starts_with("Sigma::"))
        .map(|r| (r[0].clone(), r[1].clone(), r[2].clone()))
        .collect()
}

fn playbook_rules() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../rules/playbook")
}

const CURL_RULE: &str = "title: curl user agent
id: curl-ua
logsource:
    product: zeek
    service: http
detection:
    selection:
        user_agent|startswith: 'curl/'
    condition: selection
level: low
";

#[test]
fn rules_from_files_and_directories_raise_notices_and_bad_ones_are_skipped() {
    let dir = common::tmpdir("sigma-rules");
    let mine = dir.join("mine");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join("curl.yml"), CURL_RULE).unwrap();
    std::fs::write(
        mine.join("broken.yml"),
        "title: broken\nlogsource: {product: zeek, service: http}\ndetection:\n  s:\n    user_agent|windash: x\n  condition: s\n",
    )
    .unwrap();
    let playbook = playbook_rules();
    let run = run_on(
        &capture(),
        "sigma-run",
        &[
            "--workers",
            "2",
            "-q",
            "--rules",
            playbook.to_str().unwrap(),
            "--rules",
            mine.to_str().unwrap(),
        ],
    );
    assert!(run.out.status.success(), "{}", run.stderr());
    let expected: BTreeSet<(String, String, String)> = [
        (
            "Sigma::Correlation",
            TUNNELER,
            "1c7f3b8e-2a0e-4f4c-8d1e-6b5a9e0c4d11",
        ),
        (
            "Sigma::Rule_Match",
            TUNNELER,
            "8b2d4e61-7c3a-4b59-9f0e-2d6c1a8e5f21",
        ),
        ("Sigma::Rule_Match", CURL, "curl-ua"),
    ]
    .iter()
    .map(|(n, s, r)| (n.to_string(), s.to_string(), r.to_string()))
    .collect();
    assert_eq!(sigma_notices(&run), expected, "{}", run.log("notice.log"));
    let err = run.stderr();
    assert!(
        err.contains("broken.yml:5: modifier `windash` is not supported"),
        "{err}"
    );
    assert!(run
        .log("notice.log")
        .contains("curl user agent (low): user_agent=curl/8.5.0"));
}

#[test]
fn no_detections_also_switches_rules_off() {
    let run = run_on(
        &capture(),
        "sigma-off",
        &[
            "-q",
            "--no-detections",
            "--rules",
            playbook_rules().to_str().unwrap(),
        ],
    );
    assert!(run.out.status.success(), "{}", run.stderr());
    assert!(!run.dir.join("notice.log").exists());
}
