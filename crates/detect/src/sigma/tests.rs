//! Rules loaded from text and run over synthesized records, the
//! playbook's rule files against the built-in detections.

use super::*;
use crate::detections::testutil::{self, dns, notes, ok_conn, set, srcs, SEC, T0};
use crate::notice::NoticeRecord;
use crate::settings::Setting;

const PLAYBOOK_DNS: &str = include_str!("../../../../rules/playbook/dns_tunneling.yml");
const PLAYBOOK_BEACON: &str = include_str!("../../../../rules/playbook/beaconing.yml");

/// Loads rule texts; every rule must compile.
fn rules(texts: &[&str]) -> RuleSet {
    let named: Vec<(String, &str)> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("r{i}.yml"), *t))
        .collect();
    let refs: Vec<(&str, &str)> = named.iter().map(|(n, t)| (n.as_str(), *t)).collect();
    let loaded = load_texts(&refs);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    loaded.rules
}

/// Runs rules alone over records (private address space local).
fn run(set: RuleSet, records: impl IntoIterator<Item = Observed>) -> Vec<NoticeRecord> {
    let mut plan = crate::Plan::new(false);
    plan.add_rules(set);
    testutil::run_plan(&plan, records)
}

const MINING: &str = r#"
title: Mining pool lookup
id: mining-1
logsource:
    product: zeek
    service: dns
detection:
    selection:
        query|endswith:
            - '.minexmr.com'
            - '.nanopool.org'
    filter_answers:
        answers:
            - '127.0.0.1'
            - '0.0.0.0'
    condition: selection and not 1 of filter_*
level: low
"#;

#[test]
fn a_rule_match_is_a_notice_with_title_level_fields_and_connection() {
    let records = vec![
        dns(
            T0,
            "10.0.0.5",
            "10.0.0.53",
            "pool.minexmr.com",
            Some("1.2.3.4"),
        ),
        dns(
            T0 + SEC,
            "10.0.0.5",
            "10.0.0.53",
            "pool.minexmr.com",
            Some("1.2.3.4"),
        ),
        dns(
            T0 + 2 * SEC,
            "10.0.0.6",
            "10.0.0.53",
            "xmr.nanopool.org",
            Some("127.0.0.1"),
        ),
        dns(
            T0 + 3 * SEC,
            "10.0.0.6",
            "10.0.0.53",
            "www.example.com",
            Some("1.2.3.4"),
        ),
    ];
    let n = run(rules(&[MINING]), records);
    assert_eq!(notes(&n), ["Sigma::Rule_Match"], "{n:?}");
    let r = &n[0];
    assert_eq!(
        r.msg.as_deref(),
        Some("Mining pool lookup (low): query=pool.minexmr.com answers=1.2.3.4")
    );
    assert_eq!(r.sub.as_deref(), Some("mining-1"));
    assert_eq!(r.src, Some(testutil::ip("10.0.0.5")));
    assert_eq!(r.dst, Some(testutil::ip("10.0.0.53")));
    assert!(r.uid.is_some(), "the dns row's connection");
    assert_eq!(r.p.map(|p| p.0), Some(53));
}

/// An http.log row with a method, user agent and uri.
fn http(src: &str, method: &str, agent: &str, uri: &str) -> Observed {
    use analyzers::http::HttpRecord;
    use records::ZString;
    let z = |s: &str| Some(ZString(s.as_bytes().to_vec()));
    Observed::App(analyzers::AppRecord::Http(Box::new(HttpRecord {
        ts: records::Time(T0),
        uid: "CHttp".into(),
        orig_h: Some(testutil::ip(src)),
        resp_h: Some(testutil::ip("192.0.2.80")),
        method: z(method),
        user_agent: z(agent),
        uri: z(uri),
        ..Default::default()
    })))
}

#[test]
fn keywords_lists_of_maps_and_taxonomy_names() {
    let rule = r#"
title: Suspicious agent
logsource: {category: proxy}
detection:
    agents:
        - c-useragent|contains: curl
        - cs-method: PUT
    keywords:
        - 'evil-marker'
    condition: agents or keywords
"#;
    let records = vec![
        http("10.0.0.1", "GET", "curl/8.0", "/"),
        http("10.0.0.2", "PUT", "Mozilla/5.0", "/upload"),
        http("10.0.0.3", "GET", "Mozilla/5.0", "/x?evil-marker=1"),
        http("10.0.0.4", "GET", "Mozilla/5.0", "/index.html"),
    ];
    let n = run(rules(&[rule]), records);
    let expect: Vec<_> = ["10.0.0.1", "10.0.0.2", "10.0.0.3"]
        .iter()
        .map(|a| testutil::ip(a))
        .collect();
    assert_eq!(srcs(&n), expect, "{n:?}");
}

/// Rules written the way SigmaHQ's Zeek rules are: metadata the engine
/// does not use, taxonomy names, `AND`, quoted bools.
const SIGMAHQ_STYLE: &str = r#"
title: Executable fetched over WebDAV
id: 3f0c9a52-1d7e-4c55-9a0b-5e2f8d6c7b10
status: experimental
description: An executable downloaded by a WebDAV client.
references:
    - https://example.org/webdav
author: Shrike tests
date: 2024/05/01
tags:
    - attack.command_and_control
logsource:
    product: zeek
    service: http
detection:
    selection_webdav:
        - c-useragent: '*WebDAV*'
        - c-uri: '*webdav*'
    selection_executable:
        - resp_mime_types: '*dosexec*'
        - c-uri: '*.exe'
    condition: selection_webdav AND selection_executable
fields:
    - id.orig_h
falsepositives:
    - unknown
level: medium
---
title: Lookup that was not rejected
logsource:
    service: dns
    product: zeek
detection:
    selection:
        query|endswith: '.pool.example'
    exclude_rejected:
        rejected: 'true'
    condition: selection and not 1 of exclude_*
level: low
"#;

#[test]
fn sigmahq_style_rules_load_and_match() {
    let records = vec![
        http(
            "10.0.0.1",
            "GET",
            "Microsoft-WebDAV-MiniRedir/10.0",
            "/share/tool.exe",
        ),
        http(
            "10.0.0.2",
            "GET",
            "Microsoft-WebDAV-MiniRedir/10.0",
            "/share/readme.txt",
        ),
        http("10.0.0.3", "GET", "Mozilla/5.0", "/tool.exe"),
        dns(T0, "10.0.0.4", "10.0.0.53", "eu.pool.example", None),
    ];
    let n = run(rules(&[SIGMAHQ_STYLE]), records);
    let expect: Vec<_> = ["10.0.0.1", "10.0.0.4"]
        .iter()
        .map(|a| testutil::ip(a))
        .collect();
    assert_eq!(srcs(&n), expect, "{n:?}");
}

#[test]
fn weird_log_rules() {
    let rule = "title: Bad TCP checksums\nlogsource: {product: zeek, service: weird}\ndetection:\n  s:\n    name: bad_TCP_checksum\n  condition: s\nlevel: low\n";
    let weird = |name: &str, src: &str| {
        Observed::Weird(flow::WeirdRecord {
            ts: records::Time(T0),
            uid: Some("CWeird".into()),
            orig_h: Some(testutil::ip(src)),
            orig_p: Some(records::Port(1234)),
            resp_h: Some(testutil::ip("192.0.2.1")),
            resp_p: Some(records::Port(80)),
            name: name.into(),
            addl: None,
            notice: false,
            peer: None,
            source: None,
        })
    };
    let n = run(
        rules(&[rule]),
        [
            weird("bad_TCP_checksum", "10.0.0.1"),
            weird("window_recision", "10.0.0.2"),
        ],
    );
    assert_eq!(srcs(&n), [testutil::ip("10.0.0.1")]);
    assert_eq!(
        n[0].msg.as_deref(),
        Some("Bad TCP checksums (low): name=bad_TCP_checksum")
    );
    assert_eq!(
        n[0].uid, None,
        "weird.log has no proto: no connection claimed"
    );
}

#[test]
fn bad_rules_are_errors_naming_file_and_line_and_the_good_ones_load() {
    let good = "title: ok\nlogsource: {product: zeek, service: conn}\ndetection:\n  s:\n    id.resp_p: 22\n  condition: s\n";
    let bad_field = "title: bad\nlogsource: {product: zeek, service: conn}\ndetection:\n  s:\n    nope: 22\n  condition: s\n";
    let bad_cond = "title: bad\nlogsource: {product: zeek, service: conn}\ndetection:\n  s:\n    id.resp_p: 22\n  condition: s and\n";
    let bad_yaml = "title: bad\ndetection: [\n";
    let bad_ref = "title: c\ncorrelation:\n  type: event_count\n  rules:\n    - missing\n  timespan: 5m\n  condition: {gte: 3}\n";
    let bad_source =
        "title: w\nlogsource:\n  product: windows\ndetection:\n  s: {a: b}\n  condition: s\n";
    let loaded = load_texts(&[
        ("good.yml", good),
        ("field.yml", bad_field),
        ("cond.yml", bad_cond),
        ("yaml.yml", bad_yaml),
        ("ref.yml", bad_ref),
        ("source.yml", bad_source),
    ]);
    assert_eq!(loaded.rules.counts(), (1, 0));
    let e = &loaded.errors;
    assert_eq!(e.len(), 5, "{e:?}");
    assert_eq!(e[0], "field.yml:5: conn.log has no field `nope`");
    assert_eq!(e[1], "cond.yml:6: the condition ends too early");
    assert!(e[2].starts_with("yaml.yml:"), "{}", e[2]);
    assert_eq!(
        e[3],
        "source.yml:3: logsource product `windows` is not zeek"
    );
    assert_eq!(
        e[4],
        "ref.yml:5: no loaded rule has the id or name `missing`"
    );
}

#[test]
fn loading_from_a_directory_walks_yaml_files_only() {
    let dir = std::env::temp_dir().join(format!("shrike-sigma-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("a.yml"), MINING).unwrap();
    std::fs::write(dir.join("sub/b.yaml"), PLAYBOOK_DNS).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a rule").unwrap();
    std::fs::write(dir.join("broken.yml"), "title: [").unwrap();
    let loaded = load(std::slice::from_ref(&dir));
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(loaded.rules.counts(), (3, 1));
    assert_eq!(loaded.errors.len(), 1, "{:?}", loaded.errors);
    assert!(loaded.errors[0].contains("broken.yml:"));
}

/// `n` dns queries from `src`, `every` seconds apart, with names `f(i)`.
fn queries(src: &str, n: i64, every: f64, name: impl Fn(i64) -> String) -> Vec<Observed> {
    (0..n)
        .map(|i| {
            let ts = T0 + (i as f64 * every * 1e9) as i64;
            dns(ts, src, "10.0.0.53", &name(i), None)
        })
        .collect()
}

#[test]
fn event_count_fires_once_per_group_within_its_window() {
    let rule = r#"
title: q
name: q
logsource: {product: zeek, service: dns}
detection:
    s:
        query|endswith: .example
    condition: s
---
title: Many queries
correlation:
    type: event_count
    rules: q
    group-by: [id.orig_h]
    timespan: 1m
    condition:
        gt: 9
level: high
"#;
    // 10 in 45 s: fires; 10 spread over 100 s never reach 10 in one window.
    let mut records = queries("10.0.0.1", 10, 5.0, |i| format!("{i}.example"));
    records.extend(queries("10.0.0.2", 10, 10.0, |i| format!("{i}.example")));
    records.sort_by_key(|r| r.time());
    let n = run(rules(&[rule]), records);
    assert_eq!(notes(&n), ["Sigma::Correlation"]);
    assert_eq!(srcs(&n), [testutil::ip("10.0.0.1")]);
    assert_eq!(
        n[0].msg.as_deref(),
        Some("Many queries (high): 10 matching events in 45s from id.orig_h=10.0.0.1")
    );
    assert_eq!(n[0].n, Some(10));
    assert_eq!(n[0].sub.as_deref(), Some("Many queries"));
}

#[test]
fn value_count_counts_distinct_values() {
    let rule = r#"
title: q
name: q
logsource: {product: zeek, service: dns}
detection:
    s:
        query|exists: true
    condition: s
---
title: Many names
correlation:
    type: value_count
    rules: [q]
    group-by: [id.orig_h]
    timespan: 5m
    condition:
        field: query
        gte: 20
"#;
    // One host repeats two names; another asks 25 different ones.
    let mut records = queries("10.0.0.1", 40, 1.0, |i| format!("n{}.example", i % 2));
    records.extend(queries("10.0.0.2", 25, 1.0, |i| format!("n{i}.example")));
    let n = run(rules(&[rule]), records);
    assert_eq!(srcs(&n), [testutil::ip("10.0.0.2")]);
    assert!(n[0]
        .msg
        .as_deref()
        .unwrap()
        .contains("20 distinct query values"));
}

#[test]
fn upper_bounds_are_judged_when_the_window_closes() {
    let rule = r#"
title: q
name: q
logsource: {product: zeek, service: dns}
detection:
    s:
        query: '*'
    condition: s
---
title: Few
correlation:
    type: event_count
    rules: [q]
    group-by: [id.orig_h]
    timespan: 1m
    condition:
        range: 2..3
"#;
    let mut records = queries("10.0.0.1", 2, 1.0, |_| "a.example".into());
    records.extend(queries("10.0.0.2", 5, 1.0, |_| "a.example".into()));
    records.extend(queries("10.0.0.3", 1, 1.0, |_| "a.example".into()));
    // Time moves on: the windows close on the tick.
    records.push(dns(
        T0 + 300 * SEC,
        "10.0.0.9",
        "10.0.0.53",
        "b.example",
        None,
    ));
    let n = run(rules(&[rule]), records);
    assert_eq!(srcs(&n), [testutil::ip("10.0.0.1")]);
    assert!(
        n[0].ts.0 < T0 + 300 * SEC,
        "judged at the tick, not the end"
    );
}

#[test]
fn temporal_needs_every_rule_within_the_window() {
    let rule = r#"
title: lookup
name: lookup
logsource: {product: zeek, service: dns}
detection:
    s:
        query: c2.example
    condition: s
---
title: connect
name: connect
logsource: {product: zeek, service: conn}
detection:
    s:
        id.resp_p: 4444
    condition: s
---
title: Lookup then connect
correlation:
    type: temporal
    rules: [lookup, connect]
    group-by: [id.orig_h]
    timespan: 2m
"#;
    let records = vec![
        dns(T0, "10.0.0.1", "10.0.0.53", "c2.example", None),
        Observed::Conn(ok_conn(T0 + 60 * SEC, "10.0.0.1", "192.0.2.1", 4444)),
        dns(T0, "10.0.0.2", "10.0.0.53", "c2.example", None),
        Observed::Conn(ok_conn(T0 + 600 * SEC, "10.0.0.2", "192.0.2.1", 4444)),
    ];
    let n = run(rules(&[rule]), records);
    assert_eq!(notes(&n), ["Sigma::Correlation"], "{n:?}");
    assert_eq!(srcs(&n), [testutil::ip("10.0.0.1")]);
    assert!(n[0]
        .msg
        .as_deref()
        .unwrap()
        .contains("2 of 2 rules (lookup, connect)"));
}

#[test]
fn correlated_rules_raise_no_notice_of_their_own_unless_generate() {
    let base = "title: q\nname: q\nlogsource: {product: zeek, service: dns}\ndetection:\n  s: {query: x.example}\n  condition: s\n";
    let corr = "title: c\ncorrelation:\n  type: event_count\n  rules: [q]\n  timespan: 1m\n  condition: {gte: 100}\n";
    let records = || queries("10.0.0.1", 3, 1.0, |_| "x.example".into());
    assert!(run(rules(&[base, corr]), records()).is_empty());
    let generating = base.replace("name: q\n", "name: q\ngenerate: true\n");
    assert_eq!(
        run(rules(&[&generating, corr]), records()).len(),
        1,
        "suppressed repeats"
    );
    let corr_generating = corr.replace("  type:", "  generate: true\n  type:");
    assert_eq!(run(rules(&[base, &corr_generating]), records()).len(), 1);
}

#[test]
fn routes_only_the_logs_rules_read() {
    let d = SigmaDetection::new(&rules(&[MINING, PLAYBOOK_BEACON]), 100, SEC);
    let mut t = d.topics().to_vec();
    t.sort();
    assert_eq!(t, ["conn", "dns"]);
}

/// The playbook's DNSTunneling script as rules fires where the built-in
/// detection in its playbook mode does (`smart = false`).
#[test]
fn playbook_dns_rules_fire_like_the_builtin() {
    let mut records = Vec::new();
    // A tunnel: 250 queries in about 2 minutes, long random names.
    records.extend(queries("10.0.0.7", 250, 0.5, |i| {
        format!(
            "{:016x}{:016x}{:016x}.t.evil.example",
            i * 7_919_993,
            i * 104_729_777,
            (i + 1) * 0x5bd1_e995_1234
        )
    }));
    // A normal host: 30 short queries.
    records.extend(queries("10.0.0.8", 30, 3.0, |i| {
        format!("www{i}.example.com")
    }));
    records.sort_by_key(|r| r.time());
    let sigma = run(rules(&[PLAYBOOK_DNS]), records.clone());
    let builtin = testutil::run(
        "dns_tunneling",
        |s| set(s, "smart", Setting::Bool(false)),
        records,
    );
    // (kind, source, time) of each notice, for either naming.
    let summary = |n: &[NoticeRecord]| -> Vec<(&'static str, Option<std::net::IpAddr>, i64)> {
        let mut v: Vec<_> = n
            .iter()
            .map(|r| {
                let kind = match r.note.0 {
                    "Sigma::Correlation" | "DNSTunneling::DNS_Tunneling_Detected" => "tunnel",
                    _ => "long",
                };
                (kind, r.src, r.ts.0)
            })
            .collect();
        v.sort();
        v
    };
    let (s, b) = (summary(&sigma), summary(&builtin));
    assert!(s.iter().any(|(k, _, _)| *k == "tunnel"), "{sigma:?}");
    assert!(s.iter().any(|(k, _, _)| *k == "long"), "{sigma:?}");
    assert_eq!(
        s.iter().filter(|x| x.0 == "tunnel").collect::<Vec<_>>(),
        b.iter().filter(|x| x.0 == "tunnel").collect::<Vec<_>>(),
        "the same source at the same query"
    );
    let long_srcs = |v: &[(&str, Option<std::net::IpAddr>, i64)]| {
        let mut x: Vec<_> = v.iter().filter(|x| x.0 == "long").map(|x| x.1).collect();
        x.dedup();
        x
    };
    assert_eq!(long_srcs(&s), long_srcs(&b));
    assert_eq!(long_srcs(&s), [Some(testutil::ip("10.0.0.7"))]);
}

/// The playbook's BeaconDetection script as rules fires where the
/// built-in detection in its playbook mode does.
#[test]
fn playbook_beacon_rules_fire_like_the_builtin() {
    let mut records = Vec::new();
    for i in 0..62i64 {
        // A beacon every 55 s to an outside server.
        records.push(Observed::Conn(ok_conn(
            T0 + i * 55 * SEC,
            "10.0.0.12",
            "45.33.32.50",
            443,
        )));
        // Internal traffic just as often: not counted.
        records.push(Observed::Conn(ok_conn(
            T0 + i * 55 * SEC,
            "10.0.0.13",
            "10.0.0.80",
            445,
        )));
    }
    // Thirty connections to an outside server: under the threshold.
    for i in 0..30i64 {
        records.push(Observed::Conn(ok_conn(
            T0 + i * 100 * SEC,
            "10.0.0.14",
            "45.33.32.51",
            443,
        )));
    }
    records.sort_by_key(|r| r.time());
    let sigma = run(rules(&[PLAYBOOK_BEACON]), records.clone());
    let builtin = testutil::run(
        "beaconing",
        |s| set(s, "playbook_only", Setting::Bool(true)),
        records,
    );
    assert_eq!(notes(&sigma), ["Sigma::Correlation"]);
    let pair = |n: &NoticeRecord| (n.src, n.dst);
    assert_eq!(
        sigma.iter().map(pair).collect::<Vec<_>>(),
        builtin.iter().map(pair).collect::<Vec<_>>()
    );
    assert_eq!(
        sigma[0].msg.as_deref(),
        Some("Possible beaconing (playbook BeaconDetection::Possible_Beaconing) (high): 50 matching events in 44m55s from id.orig_h=10.0.0.12 id.resp_h=45.33.32.50 id.resp_p=443")
    );
}
