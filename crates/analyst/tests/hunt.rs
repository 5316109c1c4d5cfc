//! Each hunt on small logs written here, with the answers asserted.

use analyst::hunt::{run, HuntArgs};
use clap::Parser;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const CONN_FIELDS: &str = "ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service duration orig_bytes resp_bytes conn_state";
const CONN_TYPES: &str = "time string addr port addr port enum string interval count count string";
const T0: f64 = 1_700_000_000.0;

fn logdir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("shrike-hunt-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A Zeek TSV log with the given fields and rows (space-separated cells).
fn tsv(dir: &Path, name: &str, fields: &str, types: &str, rows: &[String]) {
    let tab = |s: &str| s.split(' ').collect::<Vec<_>>().join("\t");
    let mut s = format!(
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t{name}\n#fields\t{}\n#types\t{}\n",
        tab(fields),
        tab(types)
    );
    for r in rows {
        writeln!(s, "{}", tab(r)).unwrap();
    }
    s.push_str("#close\t2024-01-01-00-00-00\n");
    std::fs::write(dir.join(format!("{name}.log")), s).unwrap();
}

/// A conn.log row; `rest` is "service duration orig_bytes resp_bytes conn_state".
fn conn(ts: f64, orig: &str, resp: &str, port: u16, rest: &str) -> String {
    format!("{ts:.6} C{ts} {orig} 50000 {resp} {port} tcp {rest}")
}

/// Runs `shrike hunt ARGS` (split at spaces) over `dir`.
fn hunt(dir: &Path, args: &str) -> Result<Vec<String>, String> {
    let args: Vec<&str> = args.split(' ').filter(|a| !a.is_empty()).collect();
    hunt_args(dir, &args)
}

/// Runs `shrike hunt ARGS` over `dir` as TSV; the rows without the header.
fn hunt_args(dir: &Path, args: &[&str]) -> Result<Vec<String>, String> {
    let mut argv = vec![
        "shrike hunt".to_string(),
        "--logdir".into(),
        dir.display().to_string(),
    ];
    argv.extend(["--format".into(), "tsv".into()]);
    argv.extend(args.iter().map(|a| a.to_string()));
    let cli = HuntArgs::try_parse_from(argv).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    run(&cli, &mut out)?;
    let text = String::from_utf8(out).unwrap();
    Ok(text.lines().skip(1).map(String::from).collect())
}

fn conn_log(dir: &Path) {
    let mut rows = vec![
        conn(T0, "10.0.0.1", "198.51.100.1", 443, "ssl 4000 10 20 SF"),
        conn(
            T0 + 1.0,
            "10.0.0.2",
            "198.51.100.2",
            22,
            "ssh 7200 10 20 SF",
        ),
        conn(
            T0 + 2.0,
            "10.0.0.3",
            "198.51.100.3",
            80,
            "http 10 200000000 5 SF",
        ),
        conn(
            T0 + 3.0,
            "10.0.0.3",
            "198.51.100.4",
            4444,
            "http 1 5 150000000 SF",
        ),
        conn(T0 + 4.0, "10.0.0.4", "198.51.100.5", 2222, "ssh 1 5 5 SF"),
    ];
    // A beacon: every 60 s, 512 bytes, for an hour.
    for i in 0..60 {
        let t = T0 + 10.0 + 60.0 * i as f64;
        rows.push(conn(
            t,
            "10.0.0.5",
            "203.0.113.50",
            443,
            "ssl 0.5 512 2000 SF",
        ));
    }
    // Retries to a dead host are no beacon.
    for i in 0..60 {
        let t = T0 + 20.0 + 60.0 * i as f64;
        rows.push(conn(t, "10.0.0.7", "203.0.113.99", 445, "- 0 0 0 S0"));
    }
    // A person browsing: bursts and pauses, varied sizes.
    for i in 0..60u64 {
        let t = T0 + ((i / 10) * 600 + (i % 10) * (1 + i % 4)) as f64 + 0.37 * (i % 7) as f64;
        let rest = format!("http 0.2 {} 100 SF", 300 + (i * i * 97) % 20_000);
        rows.push(conn(t, "10.0.0.6", "198.51.100.7", 80, &rest));
    }
    tsv(dir, "conn", CONN_FIELDS, CONN_TYPES, &rows);
}

#[test]
fn long_connections_longest_first() {
    let dir = logdir("long");
    conn_log(&dir);
    let rows = hunt(&dir, "long-connections").unwrap();
    let hosts: Vec<&str> = rows.iter().map(|r| r.split('\t').nth(2).unwrap()).collect();
    assert_eq!(hosts, ["10.0.0.2", "10.0.0.1"]);
    assert_eq!(
        hunt(&dir, "long-connections --min-duration 5000")
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn large_transfers_either_way() {
    let dir = logdir("large");
    conn_log(&dir);
    let rows = hunt(&dir, "large-transfers").unwrap();
    let got: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| {
            let c: Vec<&str> = r.split('\t').collect();
            (c[4], c[11])
        })
        .collect();
    assert_eq!(
        got,
        [("198.51.100.3", "200000000"), ("198.51.100.4", "150000000")]
    );
    assert_eq!(
        hunt(&dir, "large-transfers --min-bytes 160000000")
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn unusual_ports_name_services_off_their_ports() {
    let dir = logdir("ports");
    conn_log(&dir);
    let rows = hunt(&dir, "unusual-ports").unwrap();
    assert_eq!(
        rows,
        [
            "tcp\t2222\tssh\tno\t1\t1\t1",
            "tcp\t4444\thttp\tno\t1\t1\t1"
        ]
    );
    let all = hunt(&dir, "unusual-ports --all --top 0").unwrap();
    assert!(
        all.contains(&"tcp\t443\tssl\tyes\t61\t2\t2".to_string()),
        "{all:?}"
    );
    assert!(
        all.contains(&"tcp\t445\t-\t?\t60\t1\t1".to_string()),
        "{all:?}"
    );
}

#[test]
fn beacons_scored_as_the_detection_scores() {
    let dir = logdir("beacons");
    conn_log(&dir);
    let rows = hunt(&dir, "beacons").unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let c: Vec<&str> = rows[0].split('\t').collect();
    assert_eq!(&c[..5], ["10.0.0.5", "203.0.113.50", "443", "tcp", "60"]);
    assert!(c[5].parse::<f64>().unwrap() > 0.95, "{c:?}");
    assert_eq!(c[10], "60.0", "mean interval");
    // With the bar lowered the browsing shows, below the beacon.
    let low = hunt(&dir, "beacons --min-score 0 --max-jitter 100").unwrap();
    assert_eq!(low.len(), 2, "{low:?}");
    assert!(low[1].starts_with("10.0.0.6\t198.51.100.7"), "{low:?}");
}

#[test]
fn rare_user_agents_rarest_first() {
    let dir = logdir("ua");
    let mut rows = Vec::new();
    for h in 1..=5 {
        rows.push(format!("{T0} 10.1.0.{h} Mozilla/5.0"));
    }
    for _ in 0..3 {
        rows.push(format!("{T0} 10.1.0.9 EvilBot/1.0"));
    }
    rows.push(format!("{T0} 10.1.0.1 curl/7"));
    rows.push(format!("{T0} 10.1.0.2 curl/7"));
    rows.push(format!("{T0} 10.1.0.2 -"));
    tsv(
        &dir,
        "http",
        "ts id.orig_h user_agent",
        "time addr string",
        &rows,
    );
    assert_eq!(
        hunt(&dir, "rare-user-agents").unwrap(),
        ["EvilBot/1.0\t1\t3\t10.1.0.9", "curl/7\t2\t2\t10.1.0.1"]
    );
    assert_eq!(
        hunt(&dir, "rare-user-agents --max-hosts 1").unwrap().len(),
        1
    );
}

#[test]
fn bad_certs_from_json_logs() {
    let dir = logdir("certs");
    let line = |ts: f64, orig: &str, resp: &str, port: u16, sni: &str, status: Option<&str>| {
        let status = status.map_or(String::new(), |s| format!(",\"validation_status\":\"{s}\""));
        format!("{{\"ts\":{ts},\"id.orig_h\":\"{orig}\",\"id.resp_h\":\"{resp}\",\"id.resp_p\":{port},\"server_name\":\"{sni}\"{status}}}\n")
    };
    let log = [
        line(
            T0,
            "10.2.0.1",
            "93.184.216.34",
            443,
            "example.com",
            Some("ok"),
        ),
        line(
            T0 + 1.0,
            "10.2.0.1",
            "198.51.100.33",
            443,
            "localhost",
            Some("self signed certificate"),
        ),
        line(
            T0 + 2.0,
            "10.2.0.2",
            "198.51.100.33",
            443,
            "localhost",
            Some("self signed certificate"),
        ),
        line(
            T0 + 3.0,
            "10.2.0.2",
            "203.0.113.9",
            8443,
            "old.example",
            Some("certificate has expired"),
        ),
        line(
            T0 + 4.0,
            "10.2.0.2",
            "203.0.113.10",
            443,
            "corp.example",
            Some("unable to get local issuer certificate"),
        ),
        line(
            T0 + 5.0,
            "10.2.0.2",
            "203.0.113.11",
            443,
            "nocheck.example",
            None,
        ),
    ]
    .concat();
    std::fs::write(dir.join("ssl.json"), log).unwrap();
    assert_eq!(
        hunt(&dir, "bad-certs").unwrap(),
        [
            format!(
                "198.51.100.33\t443\tlocalhost\tself signed certificate\t2\t2\t{}",
                T0 + 1.0
            ),
            format!(
                "203.0.113.9\t8443\told.example\tcertificate has expired\t1\t1\t{}",
                T0 + 3.0
            ),
        ]
    );
    assert_eq!(
        hunt(&dir, "bad-certs --include-unknown-issuer")
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn ssh_bruteforce_counts_failures_per_source() {
    let dir = logdir("ssh");
    let mut rows = Vec::new();
    for i in 0..35 {
        let server = if i % 2 == 0 { "10.3.0.1" } else { "10.3.0.2" };
        rows.push(format!("{:.6} 45.33.32.156 {server} F", T0 + i as f64));
    }
    rows.push(format!("{:.6} 45.33.32.156 10.3.0.1 T", T0 + 40.0));
    for i in 0..5 {
        rows.push(format!("{:.6} 10.8.8.8 10.3.0.1 F", T0 + i as f64));
    }
    rows.push(format!("{:.6} 10.7.7.7 10.3.0.1 -", T0));
    tsv(
        &dir,
        "ssh",
        "ts id.orig_h id.resp_h auth_success",
        "time addr addr bool",
        &rows,
    );
    assert_eq!(
        hunt(&dir, "ssh-bruteforce").unwrap(),
        [format!("45.33.32.156\t35\t2\t1\t{T0:.6}\t{:.6}", T0 + 40.0)]
    );
    assert_eq!(
        hunt(&dir, "ssh-bruteforce --min-failures 5").unwrap().len(),
        2
    );
}

fn dns_log(dir: &Path) {
    let mut rows = Vec::new();
    for i in 0..150u64 {
        let label = format!("{:016x}", (i + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        rows.push(format!(
            "{T0} 10.4.0.1 {label}.t.tunnel-example.com NOERROR"
        ));
    }
    for _ in 0..200 {
        rows.push(format!("{T0} 10.4.0.2 www.google.com NOERROR"));
    }
    for d in ["xjwqkzvtpbr.com", "qzkxvwjtrmpl.net"] {
        rows.push(format!("{T0} 10.4.0.3 {d} NXDOMAIN"));
        rows.push(format!("{T0} 10.4.0.4 www.{d} NXDOMAIN"));
    }
    // A hosting zone's labels are the provider's, not a DGA's.
    rows.push(format!("{T0} 10.4.0.5 xq7kzvbwjtpq.cloudfront.net NOERROR"));
    for d in [
        "wikipedia.org",
        "microsoft.com",
        "cloudflare.com",
        "stackoverflow.com",
    ] {
        rows.push(format!("{T0} 10.4.0.3 {d} NOERROR"));
    }
    tsv(
        dir,
        "dns",
        "ts id.orig_h query rcode_name",
        "time addr string string",
        &rows,
    );
}

#[test]
fn dns_tunneling_per_domain() {
    let dir = logdir("tunnel");
    dns_log(&dir);
    let rows = hunt(&dir, "dns-tunneling").unwrap();
    assert_eq!(
        rows.len(),
        1,
        "{rows:?} {:?}",
        hunt(&dir, "dns-tunneling --min-unique 1 --min-entropy 0")
    );
    let c: Vec<&str> = rows[0].split('\t').collect();
    assert_eq!(
        (c[0], c[1], c[3], c[4]),
        ("tunnel-example.com", "150", "150", "1"),
        "{c:?}"
    );
    assert!(c[2].parse::<f64>().unwrap() >= 3.0, "{c:?}");
    assert!(hunt(&dir, "dns-tunneling --min-unique 151")
        .unwrap()
        .is_empty());
}

#[test]
fn dga_domains_scored() {
    let dir = logdir("dga");
    dns_log(&dir);
    let rows = hunt(&dir, "dga-domains").unwrap();
    let domains: Vec<&str> = rows.iter().map(|r| r.split('\t').next().unwrap()).collect();
    let mut sorted = domains.clone();
    sorted.sort();
    assert_eq!(sorted, ["qzkxvwjtrmpl.net", "xjwqkzvtpbr.com"], "{rows:?}");
    let c: Vec<&str> = rows[0].split('\t').collect();
    assert_eq!((c[3], c[4], c[5]), ("2", "2", "2"), "{rows:?}");
    // The playbook's crude test: second-level labels over 10 characters.
    let crude = hunt(&dir, "dga-domains --min-label-length 10").unwrap();
    let mut names: Vec<&str> = crude
        .iter()
        .map(|r| r.split('\t').next().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "qzkxvwjtrmpl.net",
            "stackoverflow.com",
            "tunnel-example.com",
            "xjwqkzvtpbr.com"
        ]
    );
}

#[test]
fn query_filters_selects_and_sorts() {
    let dir = logdir("query");
    conn_log(&dir);
    let rows = hunt(
        &dir,
        "query conn duration>3600||id.resp_p==4444 --select id.orig_h,duration --sort=-duration",
    )
    .unwrap();
    assert_eq!(rows, ["10.0.0.2\t7200", "10.0.0.1\t4000", "10.0.0.3\t1"]);
    let args = [
        "query",
        "conn.log",
        "id.resp_h in 203.0.113.0/24",
        "--group-by",
        "id.orig_h,conn_state",
        "--sum",
        "orig_bytes",
        "--distinct",
        "id.resp_p",
        "--sort=-sum(orig_bytes)",
    ];
    let rows = hunt_args(&dir, &args).unwrap();
    assert_eq!(
        rows,
        ["10.0.0.5\tSF\t60\t30720\t1", "10.0.0.7\tS0\t60\t0\t1"]
    );
    let all = hunt(&dir, "query conn --top 2").unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].split('\t').count(), 12);
}

#[test]
fn query_errors_are_clear() {
    let dir = logdir("qerr");
    conn_log(&dir);
    let err = hunt(&dir, "query conn durations>3").unwrap_err();
    assert!(
        err.starts_with("unknown field 'durations' in the conn log (its fields: ts, uid,"),
        "{err}"
    );
    assert_eq!(
        hunt(&dir, "query conn duration>").unwrap_err(),
        "bad expression at character 10: expected a field or a value, found the end"
    );
    assert!(hunt(&dir, "query conn --select nope")
        .unwrap_err()
        .contains("unknown field 'nope'"));
    assert!(hunt(&dir, "query conn --sort=-count")
        .unwrap_err()
        .starts_with("cannot sort by 'count'"));
    assert_eq!(
        hunt(&dir, "query http").unwrap_err(),
        format!(
            "no http log in {} (looked for http.log, http.*.log.gz, http.json, ...)",
            dir.display()
        )
    );
}

#[test]
fn list_explains_every_hunt() {
    let mut out = Vec::new();
    run(
        &HuntArgs::try_parse_from(["shrike hunt", "--list"]).unwrap(),
        &mut out,
    )
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    for h in [
        "long-connections",
        "large-transfers",
        "rare-user-agents",
        "bad-certs",
        "dga-domains",
        "ssh-bruteforce",
        "unusual-ports",
        "beacons",
        "dns-tunneling",
        "query",
    ] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(h) && l.len() > h.len() + 10),
            "{h}: {text}"
        );
    }
}
