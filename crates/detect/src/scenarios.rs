//! The scenario suite: three hours of a synthesized enterprise network —
//! browsing, name lookups through a busy resolver, NTP, update checks, a
//! CDN every host polls, backups, database pools, admins logging in,
//! retries to a dead server, Windows service lookups — with the playbook's
//! attacks mixed in and labelled. Every built-in detection runs with its
//! defaults; each labelled attack must raise its notice (recall) and no
//! notice may name anything else (precision).

use crate::detections::testutil::{conn, dns, ok_conn, ssh, tls_session, x509, SEC, T0};
use crate::engine::Observed;
use crate::notice::NoticeRecord;
use crate::Plan;
use analyzers::ssl::SslRecord;
use analyzers::AppRecord;
use records::{Enum, Interval, Time, ZString};
use std::collections::{BTreeMap, BTreeSet};

/// A deterministic pseudo-random source.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        self.next() as f64 / (1u64 << 31) as f64
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const HOURS: i64 = 3;
const DAY: i64 = 86_400;
const END: i64 = T0 + HOURS * 3600 * SEC;

fn at(secs: f64) -> i64 {
    T0 + (secs * 1e9) as i64
}

fn host(i: u64) -> String {
    format!("10.10.{}.{}", 1 + i / 200, 10 + i % 200)
}

/// An established connection with its size, duration and transport.
fn flow(
    ts: i64,
    orig: &str,
    resp: &str,
    port: u16,
    proto: &'static str,
    sent: u64,
    dur: f64,
) -> Observed {
    let mut c = ok_conn(ts, orig, resp, port);
    c.proto = Enum(proto);
    c.orig_bytes = Some(sent);
    c.orig_ip_bytes = Some(sent + 40);
    c.resp_bytes = Some(sent * 3);
    c.duration = Some(Interval((dur * 1e9) as i64));
    if proto == "udp" {
        c.history = Some("Dd".into());
        c.conn_state = Some("SF");
    }
    Observed::Conn(c)
}

/// The ssl.log row of a connection's TLS session to `sni`.
fn tls(c: &flow::ConnRecord, sni: &str) -> Observed {
    Observed::App(AppRecord::Ssl(Box::new(SslRecord {
        ts: c.ts,
        uid: c.uid.clone(),
        orig_h: Some(c.orig_h),
        resp_h: Some(c.resp_h),
        resp_p: c.resp_p,
        server_name: Some(ZString(sni.as_bytes().to_vec())),
        ..Default::default()
    })))
}

/// Connections every `every` seconds (± `jitter` of it) from `start` to
/// `end` (seconds into the scenario).
fn periodic(
    rng: &mut Rng,
    (orig, resp, port, proto): (&str, &str, u16, &'static str),
    every: f64,
    jitter: f64,
    (start, end): (f64, f64),
    sent: u64,
) -> Vec<Observed> {
    let mut out = Vec::new();
    let mut t = start;
    while t < end {
        out.push(flow(at(t), orig, resp, port, proto, sent, 0.2));
        t += every * (1.0 + jitter * (2.0 * rng.unit() - 1.0));
    }
    out
}

const HOSTS: u64 = 40;
const RESOLVER: &str = "10.10.0.53";

/// What every enterprise network does all day.
fn background(rng: &mut Rng) -> Vec<Observed> {
    let mut out = Vec::new();
    let sites = [
        ("www.google.com", "142.250.74.36"),
        ("outlook.office365.com", "52.97.146.162"),
        ("www.bbc.co.uk", "151.101.0.81"),
        ("api.github.com", "140.82.121.6"),
        ("static.xx.fbcdn.net", "157.240.8.19"),
        ("en.wikipedia.org", "185.15.59.224"),
        ("slack.com", "34.194.164.123"),
        ("docs.python.org", "151.101.64.223"),
    ];
    let span = (HOURS * 3600) as f64;
    for h in 0..HOSTS {
        let me = host(h);
        // Browsing: bursts of lookups and connections at random times.
        let mut t = rng.unit() * 300.0;
        while t < span {
            let (name, addr) = sites[rng.below(sites.len() as u64) as usize];
            out.push(dns(at(t), &me, RESOLVER, name, Some(addr)));
            for k in 0..(1 + rng.below(6)) {
                let sent = 300 + rng.below(20_000);
                out.push(flow(
                    at(t + k as f64 * rng.unit() * 2.0),
                    &me,
                    addr,
                    443,
                    "tcp",
                    sent,
                    rng.unit() * 30.0,
                ));
            }
            t += 20.0 + rng.unit() * 400.0;
        }
        // NTP every 64 s, an update check every 5 minutes.
        out.extend(periodic(
            rng,
            (&me, "162.159.200.1", 123, "udp"),
            64.0,
            0.01,
            (0.0, span),
            48,
        ));
        out.extend(periodic(
            rng,
            (&me, "142.250.74.46", 443, "tcp"),
            300.0,
            0.02,
            (0.0, span),
            900,
        ));
        // Every host polls the same CDN address twice a minute.
        out.extend(periodic(
            rng,
            (&me, "151.101.1.140", 443, "tcp"),
            30.0,
            0.05,
            (0.0, span),
            600,
        ));
        // Windows service lookups and secure-update key names: long.
        out.push(dns(
            at(rng.unit() * span),
            &me,
            RESOLVER,
            "_ldap._tcp.Default-First-Site-Name._sites.dc._msdcs.corp.example.com",
            None,
        ));
        out.push(dns(
            at(rng.unit() * span),
            &me,
            RESOLVER,
            "1068-ms-7.309-2c6e448.7a9463b8-b109-11ed-26a3-080027f220e5",
            None,
        ));
    }
    // Every host keeps a chat client polling one service behind a CDN.
    for h in 0..HOSTS {
        let mut t = rng.unit() * 60.0;
        while t < span {
            let addr = format!("52.112.{}.{}", rng.below(4), 1 + rng.below(200));
            if let Observed::Conn(c) = flow(at(t), &host(h), &addr, 443, "tcp", 900, 1.0) {
                out.push(tls(&c, "chat.collab.example"));
                out.push(Observed::Conn(c));
            }
            t += 60.0 * (1.0 + 0.02 * (2.0 * rng.unit() - 1.0));
        }
    }
    // A few hosts check for Windows updates every minute: periodic, but an
    // update service (its address was resolved from an allowlisted name).
    out.push(dns(
        at(1.0),
        &host(3),
        RESOLVER,
        "ctldl.windowsupdate.com",
        Some("13.107.4.50"),
    ));
    for h in 3..6 {
        out.extend(periodic(
            rng,
            (&host(h), "13.107.4.50", 80, "tcp"),
            60.0,
            0.0,
            (2.0, span),
            350,
        ));
    }
    // A host retries a dead server every minute: failed attempts.
    let mut t = 0.0;
    while t < span {
        out.push(Observed::Conn(conn(
            at(t),
            &host(7),
            "198.199.1.9",
            8443,
            "S",
            "S0",
        )));
        t += 60.0;
    }
    // The resolver forwards lookups upstream: thousands of ordinary names.
    for i in 0..40_000u64 {
        let (name, addr) = sites[(i % sites.len() as u64) as usize];
        let name = if i % 3 == 0 {
            format!("cdn{}.{name}", i % 40)
        } else {
            name.to_string()
        };
        out.push(dns(
            at(i as f64 * span / 40_000.0),
            RESOLVER,
            "8.8.8.8",
            &name,
            Some(addr),
        ));
    }
    // Inside the site: a nightly backup, a database pool, admins.
    out.push(flow(
        at(600.0),
        "10.10.0.20",
        "10.10.0.30",
        873,
        "tcp",
        800_000_000,
        1500.0,
    ));
    out.push(flow(
        at(30.0),
        "10.10.0.40",
        "10.10.0.41",
        5432,
        "tcp",
        5_000_000,
        3.0 * 3600.0 - 60.0,
    ));
    for i in 0..10 {
        let t = at(1000.0 + i as f64 * 700.0);
        if i == 4 {
            out.push(ssh(t - SEC * 20, "10.10.0.5", "10.10.20.11", false));
        }
        out.push(ssh(t, "10.10.0.5", "10.10.20.11", true));
    }
    // Web browsing over plain HTTP with the site's two browsers, a shared
    // updater, and TLS sessions to servers with good certificates.
    let browsers = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
    ];
    for h in 0..HOSTS {
        for k in 0..20 {
            let t = at(rng.unit() * span);
            out.push(http(
                t,
                &host(h),
                "151.101.0.81",
                "www.bbc.co.uk",
                browsers[((h + k) % 2) as usize],
            ));
        }
        if h % 10 == 0 {
            out.push(http(
                at(rng.unit() * span),
                &host(h),
                "20.50.1.7",
                "updates.vendor.example",
                "VendorUpdater/4.2",
            ));
        }
        let t = at(rng.unit() * span);
        out.push(x509(
            t,
            "fp-wikipedia",
            "CN=*.wikipedia.org",
            T0 / SEC - 30 * DAY,
            T0 / SEC + 60 * DAY,
        ));
        out.push(tls_session(
            t,
            &host(h),
            "185.15.59.224",
            "fp-wikipedia",
            "ok",
        ));
    }
    // The intranet's own names point inside.
    for h in 0..HOSTS {
        let t = at(rng.unit() * span);
        out.push(dns(
            t,
            &host(h),
            RESOLVER,
            "intranet.corp.example",
            Some("10.10.0.80"),
        ));
    }
    // A CDN's machine-named distributions, looked up by everyone.
    for i in 0..200u64 {
        let name = format!("d{:x}.cloudfront.net", rng.next() * 7_919 + i);
        out.push(dns(
            at(rng.unit() * span),
            &host(i % HOSTS),
            RESOLVER,
            &name,
            Some("13.224.0.1"),
        ));
    }
    // A vulnerability scanner the site runs: allowlisted in real life, here
    // under the local threshold: 120 probes.
    for i in 0..120u64 {
        out.push(Observed::Conn(conn(
            at(5000.0 + i as f64),
            "10.10.0.99",
            &host(i % 40),
            1000 + i as u16,
            "Sr",
            "REJ",
        )));
    }
    out
}

/// A labelled attack: what it did and the notice it must raise.
struct Attack {
    records: Vec<Observed>,
    note: &'static str,
    src: &'static str,
}

fn attacks(rng: &mut Rng) -> Vec<Attack> {
    let span = (HOURS * 3600) as f64;
    let mut out = Vec::new();
    // An implant beaconing over HTTPS every 60 s for the whole capture.
    out.push(Attack {
        records: periodic(
            rng,
            ("10.10.5.12", "185.220.101.50", 443, "tcp"),
            60.0,
            0.03,
            (100.0, span),
            512,
        ),
        note: "BeaconDetection::Possible_Beaconing",
        src: "10.10.5.12",
    });
    // Another with 20 % jitter every 30 s for an hour.
    out.push(Attack {
        records: periodic(
            rng,
            ("10.10.5.13", "91.219.236.18", 8443, "tcp"),
            30.0,
            0.2,
            (3000.0, 6700.0),
            1200,
        ),
        note: "BeaconDetection::Possible_Beaconing",
        src: "10.10.5.13",
    });
    // An implant behind a CDN: one TLS server name, rotating addresses.
    let mut fronted = Vec::new();
    let mut t = 500.0;
    while t < 500.0 + 2.0 * 3600.0 {
        let addr = format!("104.16.{}.{}", 80 + rng.below(4), 1 + rng.below(4));
        if let Observed::Conn(c) = flow(at(t), "10.10.5.14", &addr, 443, "tcp", 700, 0.3) {
            fronted.push(tls(&c, "cdn-front.attacker-cloud.net"));
            fronted.push(Observed::Conn(c));
        }
        t += 45.0 * (1.0 + 0.05 * (2.0 * rng.unit() - 1.0));
    }
    out.push(Attack {
        records: fronted,
        note: "BeaconDetection::Possible_Beaconing",
        src: "10.10.5.14",
    });
    // dnscat2-style tunnel: 847 queries in five minutes, encrypted data
    // as hex in every name (and so, long names too).
    let tunnel: Vec<Observed> = (0..847u64)
        .map(|i| {
            let data: String = (0..4).map(|_| format!("{:08x}", rng.next())).collect();
            let name = format!("{}.{}.suspect-domain.xyz", &data[..24], &data[24..]);
            dns(
                at(2000.0 + i as f64 * 0.35),
                "10.10.3.45",
                RESOLVER,
                &name,
                None,
            )
        })
        .collect();
    out.push(Attack {
        records: tunnel,
        note: "DNSTunneling::DNS_Tunneling_Detected",
        src: "10.10.3.45",
    });
    out.push(Attack {
        records: Vec::new(),
        note: "DNSTunneling::DNS_Long_Query",
        src: "10.10.3.45",
    });
    // SSH password guessing: 487 failures in 30 minutes, then a login.
    let mut guessing: Vec<Observed> = (0..487)
        .map(|i| {
            ssh(
                at(4000.0 + i as f64 * 3.6),
                "45.33.32.156",
                "10.10.20.11",
                false,
            )
        })
        .collect();
    guessing.push(ssh(
        at(4000.0 + 1800.0),
        "45.33.32.156",
        "10.10.20.11",
        true,
    ));
    out.push(Attack {
        records: guessing,
        note: "SSH::Password_Guessing",
        src: "45.33.32.156",
    });
    out.push(Attack {
        records: Vec::new(),
        note: "SSH::Login_By_Password_Guesser",
        src: "45.33.32.156",
    });
    // A remote port scan and an internal worm-like address scan on 445.
    out.push(Attack {
        records: (0..1000u64)
            .map(|p| {
                Observed::Conn(conn(
                    at(7000.0 + p as f64 * 0.01),
                    "193.32.162.7",
                    "10.10.1.10",
                    p as u16 + 1,
                    "S",
                    "S0",
                ))
            })
            .collect(),
        note: "Scan::Port_Scan",
        src: "193.32.162.7",
    });
    out.push(Attack {
        records: (0..400u64)
            .map(|i| {
                Observed::Conn(conn(
                    at(8000.0 + i as f64 * 0.5),
                    "10.10.9.9",
                    &format!("10.10.{}.{}", 50 + i / 200, i % 200),
                    445,
                    "S",
                    "S0",
                ))
            })
            .collect(),
        note: "Scan::Address_Scan",
        src: "10.10.9.9",
    });
    // A reverse shell held open for hours, and an exfiltration.
    out.push(Attack {
        records: vec![flow(
            at(50.0),
            "10.10.7.7",
            "104.248.50.87",
            443,
            "tcp",
            90_000,
            2.5 * 3600.0,
        )],
        note: "Conn::Long_Connection",
        src: "10.10.7.7",
    });
    out.push(Attack {
        records: vec![flow(
            at(9000.0),
            "10.10.8.8",
            "5.188.206.14",
            443,
            "tcp",
            600_000_000,
            900.0,
        )],
        note: "Conn::Large_Transfer",
        src: "10.10.8.8",
    });
    out.push(Attack {
        records: Vec::new(),
        note: "DNS::C2_Over_DNS",
        src: "10.10.3.45",
    });
    // DNS rebinding: an outside name answered with an inside address.
    out.push(Attack {
        records: vec![dns(
            at(5200.0),
            "10.10.6.10",
            RESOLVER,
            "cdn.rebind-attacker.example",
            Some("10.10.0.80"),
        )],
        note: "DNS::External_Name",
        src: "10.10.6.10",
    });
    // Malware cycling through generated domains, most of them unregistered.
    let dga_names: Vec<Observed> = (0..30u64)
        .map(|i| {
            let label: String = (0..12)
                .map(|_| (b'a' + rng.below(26) as u8) as char)
                .collect();
            let mut d = dns(
                at(600.0 + i as f64 * 20.0),
                "10.10.6.6",
                RESOLVER,
                &format!("{label}.com"),
                None,
            );
            if let Observed::App(AppRecord::Dns(r)) = &mut d {
                r.rcode_name = Some("NXDOMAIN".into());
            }
            d
        })
        .collect();
    out.push(Attack {
        records: dga_names,
        note: "DNS::Possible_DGA",
        src: "10.10.6.6",
    });
    // An implant with a hand-made user agent polling every ten minutes.
    out.push(Attack {
        records: (0..12)
            .map(|i| {
                http(
                    at(1200.0 + i as f64 * 600.0),
                    "10.10.6.7",
                    "45.77.1.1",
                    "cdn-update.example",
                    "Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 5.1) svc",
                )
            })
            .collect(),
        note: "HTTP::Rare_User_Agent",
        src: "10.10.6.7",
    });
    // A phishing kit on a self-signed certificate, and a server whose
    // certificate expired.
    out.push(Attack {
        records: vec![
            x509(
                at(3000.0),
                "fp-self",
                "CN=login.micros0ft.example",
                T0 / SEC - DAY,
                T0 / SEC + 300 * DAY,
            ),
            tls_session(
                at(3000.0),
                "10.10.6.8",
                "45.77.1.2",
                "fp-self",
                "self signed certificate",
            ),
        ],
        note: "SSL::Invalid_Server_Cert",
        src: "10.10.6.8",
    });
    let expired = vec![
        x509(
            at(4000.0),
            "fp-old",
            "CN=old.shop.example",
            T0 / SEC - 400 * DAY,
            T0 / SEC - 3 * DAY,
        ),
        tls_session(
            at(4000.0),
            "10.10.6.9",
            "45.77.1.3",
            "fp-old",
            "certificate has expired",
        ),
    ];
    out.push(Attack {
        records: expired,
        note: "SSL::Certificate_Expired",
        src: "10.10.6.9",
    });
    out.push(Attack {
        records: Vec::new(),
        note: "SSL::Invalid_Server_Cert",
        src: "10.10.6.9",
    });
    out
}

/// An http.log row of a GET from `src` to `server` (`host` header).
fn http(ts: i64, src: &str, server: &str, host: &str, ua: &str) -> Observed {
    Observed::App(AppRecord::Http(Box::new(analyzers::http::HttpRecord {
        ts: Time(ts),
        uid: format!("H{ts:x}"),
        orig_h: Some(crate::testing::ip(src)),
        resp_h: Some(crate::testing::ip(server)),
        host: Some(ZString(host.as_bytes().to_vec())),
        user_agent: Some(ZString(ua.as_bytes().to_vec())),
        ..Default::default()
    })))
}

/// Runs every built-in detection with its defaults over the records in
/// the order the pipeline hands them over (when each row is logged).
fn detect(plan: &Plan, mut records: Vec<Observed>) -> Vec<NoticeRecord> {
    records.sort_by_key(|r| r.time().unwrap_or(Time(END)));
    let local = config::private_address_space();
    let mut engine = plan.engine(&local).expect("detections");
    let mut notices = Vec::new();
    for r in &records {
        engine.observe(r);
        notices.extend(engine.take_notices());
    }
    engine.finish();
    notices.extend(engine.take_notices());
    notices
}

/// Shrike's defaults plus what a site configures: its own DNS zones.
fn site_plan() -> Plan {
    let mut plan = Plan::new(true);
    let zones =
        crate::settings::Setting::List(vec![crate::settings::Setting::Text("corp.example".into())]);
    plan.spec_mut("external_names")
        .expect("external_names")
        .options_mut()
        .set("local_zones", crate::settings::Op::Assign, &zones)
        .expect("an option")
        .expect("a list of names");
    plan
}

/// The scenario's notices as (note, source), and the labelled ones.
type Found = BTreeSet<(&'static str, String)>;

fn scenario(plan: &Plan) -> (Found, Found, Vec<NoticeRecord>) {
    let mut rng = Rng(0x5eed);
    let attacks = attacks(&mut rng);
    let mut records = background(&mut rng);
    let expected: Found = attacks
        .iter()
        .map(|a| (a.note, a.src.to_string()))
        .collect();
    for a in attacks {
        records.extend(a.records);
    }
    let notices = detect(plan, records);
    let found: Found = notices
        .iter()
        .map(|n| (n.note.0, n.src.map(|s| s.to_string()).unwrap_or_default()))
        .collect();
    (found, expected, notices)
}

/// Prints true positives, false positives and misses per note, and
/// returns (precision, recall).
fn report(found: &Found, expected: &Found, notices: &[NoticeRecord]) -> (f64, f64) {
    let mut table: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    for f in found {
        let e = table.entry(f.0).or_default();
        if expected.contains(f) {
            e.0 += 1
        } else {
            e.1 += 1
        }
    }
    for e in expected.difference(found) {
        table.entry(e.0).or_default().2 += 1;
    }
    println!("note: true positives / false positives / missed");
    for (note, (tp, fp, missed)) in &table {
        println!("  {note}: {tp} / {fp} / {missed}");
    }
    let tp = found.intersection(expected).count() as f64;
    let (precision, recall) = (tp / found.len().max(1) as f64, tp / expected.len() as f64);
    println!(
        "precision {precision:.3}, recall {recall:.3} ({} notices raised)",
        notices.len()
    );
    (precision, recall)
}

#[test]
fn every_attack_is_found_and_nothing_else() {
    let (found, expected, notices) = scenario(&site_plan());
    report(&found, &expected, &notices);
    for n in &notices {
        println!(
            "  {} {:?} {}",
            n.note.0,
            n.src,
            n.msg.as_deref().unwrap_or("")
        );
    }
    assert_eq!(found, expected);
}

#[test]
fn the_playbook_s_plain_thresholds_flag_the_background() {
    // The same traffic with the playbook's scripts as written: counts
    // only, no allowlists. The background is not vacuous: a busy resolver,
    // NTP, the CDN and the update checks all cross the plain thresholds.
    let mut plan = site_plan();
    plan.global.default_allowlist = false;
    let set = |plan: &mut Plan, name: &str, key: &str, v: bool| {
        let spec = plan.spec_mut(name).unwrap();
        let op = crate::settings::Op::Assign;
        spec.options_mut()
            .set(key, op, &crate::settings::Setting::Bool(v))
            .unwrap()
            .unwrap();
    };
    set(&mut plan, "dns_tunneling", "smart", false);
    set(&mut plan, "beaconing", "playbook_only", true);
    let (found, expected, notices) = scenario(&plan);
    let (precision, recall) = report(&found, &expected, &notices);
    assert!(found.contains(&("DNSTunneling::DNS_Tunneling_Detected", RESOLVER.to_string())));
    let beacons = found
        .iter()
        .filter(|f| f.0 == "BeaconDetection::Possible_Beaconing")
        .count();
    assert!(beacons > 40, "{beacons} plain-count beacons");
    assert!(precision < 0.2 && recall == 1.0, "{precision} {recall}");
}
