use config::*;
use std::net::IpAddr;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn cidr_parse_and_contains() {
    let c = Cidr::parse("10.0.0.0/8").unwrap();
    assert!(c.contains(ip("10.255.1.2")));
    assert!(!c.contains(ip("11.0.0.1")));
    assert!(c.contains(ip("::ffff:10.1.1.1")));
    let c6 = Cidr::parse("[2001:db8::]/32").unwrap();
    assert_eq!(c6, Cidr::parse("2001:db8::/32").unwrap());
    assert!(c6.contains(ip("2001:db8:1::5")));
    assert!(!c6.contains(ip("2001:db9::5")));
    assert!(!c6.contains(ip("10.0.0.1")));
    let h = Cidr::parse("192.168.1.5").unwrap();
    assert_eq!(h.len, 32);
    assert!(h.contains(ip("192.168.1.5")) && !h.contains(ip("192.168.1.6")));
    assert_eq!(Cidr::parse("[::1]").unwrap().len, 128);
    assert_eq!(Cidr::parse("10.1.2.3/8").unwrap().addr, ip("10.0.0.0"));
    assert!(Cidr::parse("10.0.0.0/33").is_none());
    assert!(Cidr::parse("nonsense").is_none());
    assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(ip("1.2.3.4")));
}

#[test]
fn netset() {
    let s = NetSet::from_cidrs(
        ["10.0.0.0/8", "192.168.0.0/16", "[fe80::]/10", "1.2.3.4"]
            .iter()
            .map(|x| Cidr::parse(x).unwrap()),
    );
    assert!(s.contains(ip("10.1.1.1")));
    assert!(s.contains(ip("192.168.200.1")));
    assert!(s.contains(ip("fe80::1")));
    assert!(s.contains(ip("1.2.3.4")));
    assert!(!s.contains(ip("1.2.3.5")));
    assert!(!s.contains(ip("2001::1")));
    assert!(!NetSet::new().contains(ip("10.0.0.1")));
    let p = private_address_space();
    assert!(p.contains(ip("172.20.0.1")) && p.contains(ip("fd00::1")) && p.contains(ip("::1")));
    assert!(!p.contains(ip("8.8.8.8")) && !p.contains(ip("2600::1")));
    // Zeek's list plus the link-local multicast block its baselines treat as local.
    assert_eq!(p.len(), 38);
    assert!(p.contains(ip("224.0.0.251")) && !p.contains(ip("224.2.127.254")));
}

#[test]
fn networks_cfg() {
    let text = "# local networks\n10.0.0.0/8          Private IP space\n\n192.168.0.0/16\tPrivate IP space # comment\n[2001:db8::]/32\n";
    let cfg = parse_networks_cfg(text).unwrap();
    assert_eq!(cfg.entries.len(), 3);
    assert_eq!(cfg.entries[0].1, "Private IP space");
    assert_eq!(cfg.entries[2].1, "");
    assert!(cfg.nets.contains(ip("192.168.3.3")));
    assert!(cfg.nets.contains(ip("2001:db8::7")));
    let err = parse_networks_cfg("10.0.0.0/8\nbogus stuff\n").unwrap_err();
    assert_eq!(err.line, 2);
}

#[test]
fn value_kinds() {
    assert_eq!(parse_value("T"), ZValue::Bool(true));
    assert_eq!(parse_value("F"), ZValue::Bool(false));
    assert_eq!(parse_value("42"), ZValue::Count(42));
    assert_eq!(parse_value("0x10"), ZValue::Count(16));
    assert_eq!(parse_value("-3"), ZValue::Int(-3));
    assert_eq!(parse_value("2.5"), ZValue::Double(2.5));
    assert_eq!(parse_value("5 min"), ZValue::Interval(300_000_000_000));
    assert_eq!(parse_value("5min"), ZValue::Interval(300_000_000_000));
    assert_eq!(parse_value("30 secs"), ZValue::Interval(30_000_000_000));
    assert_eq!(parse_value("1hr"), ZValue::Interval(3_600_000_000_000));
    assert_eq!(parse_value("2 days"), ZValue::Interval(172_800_000_000_000));
    assert_eq!(parse_value("100 msec"), ZValue::Interval(100_000_000));
    assert_eq!(parse_value("0secs"), ZValue::Interval(0));
    assert_eq!(parse_value("1.5 usecs"), ZValue::Interval(1_500));
    assert_eq!(
        parse_value("\"a\\x41\\tb\\\"\""),
        ZValue::String(b"aA\tb\"".to_vec())
    );
    assert_eq!(parse_value("\"\\xff\""), ZValue::String(vec![0xff]));
    assert_eq!(parse_value("40190/udp"), ZValue::Port(40190, Proto::Udp));
    assert_eq!(parse_value("80/tcp"), ZValue::Port(80, Proto::Tcp));
    assert_eq!(
        parse_value("10.0.0.0/8"),
        ZValue::Subnet(Cidr::parse("10.0.0.0/8").unwrap())
    );
    assert_eq!(
        parse_value("[2001:db8::]/32"),
        ZValue::Subnet(Cidr::parse("2001:db8::/32").unwrap())
    );
    assert_eq!(parse_value("1.2.3.4"), ZValue::Addr(ip("1.2.3.4")));
    assert_eq!(parse_value("[::1]"), ZValue::Addr(ip("::1")));
    assert_eq!(
        parse_value("Analyzer::ANALYZER_HTTP"),
        ZValue::Enum("Analyzer::ANALYZER_HTTP".into())
    );
    assert_eq!(parse_value("ALL_HOSTS"), ZValue::Enum("ALL_HOSTS".into()));
    assert_eq!(parse_value("{}"), ZValue::Set(vec![]));
    assert_eq!(
        parse_value("{ 1.2.3.0/24, 10.0.0.1, }"),
        ZValue::Set(vec![
            ZValue::Subnet(Cidr::parse("1.2.3.0/24").unwrap()),
            ZValue::Addr(ip("10.0.0.1"))
        ])
    );
    assert_eq!(
        parse_value("set(\"a,b\", \"c\")"),
        ZValue::Set(vec![
            ZValue::String(b"a,b".to_vec()),
            ZValue::String(b"c".to_vec())
        ])
    );
    assert_eq!(
        parse_value("{ [\"x\"] = \"\\x30\\x01\", [\"y, z\"] = \"w\" }"),
        ZValue::Table(vec![
            (
                ZValue::String(b"x".to_vec()),
                ZValue::String(vec![0x30, 0x01])
            ),
            (
                ZValue::String(b"y, z".to_vec()),
                ZValue::String(b"w".to_vec())
            ),
        ])
    );
    assert!(matches!(parse_value("{ [\"x\"] = a + b }"), ZValue::Raw(_)));
    assert!(matches!(parse_value("a + b"), ZValue::Raw(_)));
    assert!(matches!(parse_value("/foo/"), ZValue::Raw(_)));
}

#[test]
fn script_structure() {
    let text = r#"
##! Local site policy.
@load base/protocols/conn   # the conn log
@load policy/protocols/conn/mac-logging

# A comment with redef x = 1; inside
redef Site::local_nets += {
    141.142.0.0/16,   # campus
    [2001:db8::]/32,
};
redef ignore_checksums = T;
redef tcp_inactivity_timeout = 10 min &redef;

event zeek_init()
    {
    print "hello; world {";
    }

@if ( Version::number >= 50000 )
redef LogAscii::use_json = T;
@endif

function f(x: count): count { return x + 1; }
redef record Conn::Info += { foo: string &log &optional; };
const my_const = 5 &redef;
redef FTP::logged_commands += { "USER", "PASS" };
redef likely_server_ports += { 40190/udp };
redef Tunnel::max_depth = 1;
"#;
    let s = parse_zeek_script(text).unwrap();
    assert_eq!(
        s.loads,
        vec!["base/protocols/conn", "policy/protocols/conn/mac-logging"]
    );
    let names: Vec<&str> = s.redefs.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "Site::local_nets",
            "ignore_checksums",
            "tcp_inactivity_timeout",
            "FTP::logged_commands",
            "likely_server_ports",
            "Tunnel::max_depth"
        ]
    );
    assert_eq!(s.redefs[0].op, Op::Add);
    assert_eq!(s.redefs[0].line, 7);
    assert_eq!(s.redefs[2].value, ZValue::Interval(600_000_000_000));
    assert!(
        s.ignored
            .iter()
            .any(|i| i.starts_with("line 14: event zeek_init()")),
        "{:?}",
        s.ignored
    );
    assert!(s
        .ignored
        .iter()
        .any(|i| i.contains("@if") && i.contains("conditional")));
    assert!(s.ignored.iter().any(|i| i.contains("function f")));
    assert!(s
        .ignored
        .iter()
        .any(|i| i.contains("redef record Conn::Info")));
    assert!(s.ignored.iter().any(|i| i.contains("const my_const")));
    assert!(!names.contains(&"LogAscii::use_json"));

    let mut st = Settings::default();
    st.apply_script(&s);
    assert!(st.ignore_checksums);
    assert!(st.local_nets.contains(ip("141.142.3.4")));
    assert!(st.local_nets.contains(ip("2001:db8::1")));
    assert!(!st.local_nets.contains(ip("10.0.0.1")));
    assert!(st.effective_local_nets().contains(ip("10.0.0.1")));
    assert_eq!(st.tcp_inactivity_timeout, 600_000_000_000);
    assert_eq!(st.likely_server_ports, vec![(40190, 17)]);
    assert_eq!(st.tunnel_max_depth, 1);
    assert_eq!(st.unknown, vec!["FTP::logged_commands"]);
    assert_eq!(st.loads.len(), 2);
}

#[test]
fn settings_defaults_and_ops() {
    let d = Settings::default();
    assert_eq!(d.tcp_inactivity_timeout, 300_000_000_000);
    assert_eq!(d.udp_inactivity_timeout, 60_000_000_000);
    assert_eq!(d.icmp_inactivity_timeout, 60_000_000_000);
    assert_eq!(d.tcp_partial_close_delay, 3_000_000_000);
    assert_eq!(d.tcp_syn_timeout, 5_000_000_000);
    assert_eq!(d.tunnel_max_depth, 4);
    assert_eq!(d.dns_session_timeout, 10_000_000_000);
    assert!(d.likely_server_ports.is_empty());
    assert!(!d.use_json);

    let s = parse_zeek_script(
        "redef ignore_checksums_nets += {192.168.0.0/16, 192.169.0.0/16};\n\
         redef ignore_checksums_nets -= {192.169.0.0/16};\n\
         redef Site::local_nets = { 125.190.109.0/24 };\n\
         redef LogAscii::use_json = T;\n\
         redef LogAscii::json_timestamps = JSON::TS_ISO8601;\n\
         redef Site::private_address_space_is_local = F;\n\
         redef dns_session_timeout = 3 sec;\n\
         redef udp_inactivity_timeout = \"oops\";\n",
    )
    .unwrap();
    let mut st = Settings::default();
    st.apply_script(&s);
    assert!(st.ignore_checksums_nets.contains(ip("192.168.1.1")));
    assert!(!st.ignore_checksums_nets.contains(ip("192.169.1.1")));
    assert!(st.use_json && st.json_iso8601);
    assert!(!st.effective_local_nets().contains(ip("10.0.0.1")));
    assert!(st.effective_local_nets().contains(ip("125.190.109.9")));
    assert_eq!(
        st.unknown,
        vec!["udp_inactivity_timeout (unexpected value)"]
    );
    assert_eq!(st.udp_inactivity_timeout, 60_000_000_000);
    assert_eq!(st.dns_session_timeout, 3_000_000_000);
}

#[test]
fn broken_redefs_are_errors() {
    let e =
        parse_zeek_script("@load foo\n\nredef Site::local_nets += { 10.0.0.0/8 }\n").unwrap_err();
    assert_eq!(e.line, 3);
    assert!(e.to_string().contains("missing ';'"));
    assert_eq!(parse_zeek_script("redef = 5;").unwrap_err().line, 1);
    assert_eq!(parse_zeek_script("x;\nredef foo 5;").unwrap_err().line, 2);
    assert_eq!(parse_zeek_script("redef foo = ;").unwrap_err().line, 1);
    assert_eq!(
        parse_zeek_script("redef foo = { 1 ]; };").unwrap_err().line,
        1
    );
    // Unterminated other constructs are not errors.
    let s = parse_zeek_script("event foo() { print 1;").unwrap();
    assert_eq!(s.ignored.len(), 1);
    assert!(parse_zeek_script("").unwrap().redefs.is_empty());
}

/// Extracts the JSON strings of every `"redefs": [...]` array.
fn manifest_redefs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(p) = rest.find("\"redefs\":") {
        rest = &rest[p + 9..];
        let Some(open) = rest.find('[') else { break };
        let b = rest.as_bytes();
        let mut i = open + 1;
        loop {
            while i < b.len() && (b[i] == b' ' || b[i] == b',' || b[i] == b'\n') {
                i += 1;
            }
            if i >= b.len() || b[i] == b']' {
                break;
            }
            assert_eq!(b[i], b'"');
            i += 1;
            let mut s = String::new();
            while b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                    match b[i] {
                        b'n' => s.push('\n'),
                        b't' => s.push('\t'),
                        c => s.push(c as char),
                    }
                } else {
                    let ch = rest[i..].chars().next().unwrap();
                    s.push(ch);
                    i += ch.len_utf8() - 1;
                }
                i += 1;
            }
            i += 1;
            out.push(s);
        }
        rest = &rest[i.min(rest.len())..];
    }
    out
}

#[test]
fn corpus_redefs_parse() {
    let p = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/manifest.json");
    let Ok(text) = std::fs::read_to_string(p) else {
        eprintln!("conformance corpus absent; skipped");
        return;
    };
    let redefs = manifest_redefs(&text);
    assert!(redefs.len() > 50, "found {}", redefs.len());
    for r in &redefs {
        let s = parse_zeek_script(r).unwrap_or_else(|e| panic!("{r}: {e}"));
        assert_eq!(s.redefs.len(), 1, "{r}: {:?}", s);
        assert!(s.ignored.is_empty(), "{r}: {:?}", s.ignored);
        let mut st = Settings::default();
        st.apply_script(&s);
    }
    let s = parse_zeek_script("redef ignore_checksums_nets += {192.168.0.0/16, 192.169.0.0/16};")
        .unwrap();
    assert!(matches!(&s.redefs[0].value, ZValue::Set(v) if v.len() == 2));
}

#[test]
fn non_ascii_values_survive() {
    let s = parse_zeek_script("redef Site::local_zones += {\"exämple.org\"};").unwrap();
    assert_eq!(
        s.redefs[0].value,
        ZValue::Set(vec![ZValue::String("exämple.org".as_bytes().to_vec())])
    );
}
