use records::*;
use std::net::IpAddr;

fn tsv<V: DynValue>(v: &V) -> String {
    let mut o = Vec::new();
    v.write_tsv(&mut o, Ctx::default());
    String::from_utf8(o).unwrap()
}
fn json<V: DynValue>(v: &V) -> String {
    let mut o = Vec::new();
    v.write_json(&mut o, Ctx::default());
    String::from_utf8(o).unwrap()
}
fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn scalar_values() {
    let t = Time(1_300_475_167_096_535_000);
    assert_eq!(tsv(&t), "1300475167.096535");
    assert_eq!(json(&t), "1300475167.096535");
    let mut o = Vec::new();
    t.write_json(
        &mut o,
        Ctx {
            in_collection: false,
            json_iso8601: true,
        },
    );
    assert_eq!(o, b"\"2011-03-18T19:06:07.096535Z\"");

    assert_eq!(tsv(&Interval(91_969_000)), "0.091969");
    assert_eq!(json(&Interval(91_969_000)), "0.091969");
    assert_eq!(tsv(&Interval(-1_500_000_000)), "-1.500000");
    assert_eq!(json(&Interval(300_000_000_000)), "300.0");

    assert_eq!(tsv(&42u64), "42");
    assert_eq!(json(&u64::MAX), "18446744073709551615");
    assert_eq!(tsv(&-7i64), "-7");
    assert_eq!(json(&-7i64), "-7");
    assert_eq!(tsv(&2.5f64), "2.5");
    assert_eq!(tsv(&3.0f64), "3.0");
    assert_eq!(json(&3.0f64), "3.0");
    assert_eq!(tsv(&true), "T");
    assert_eq!(tsv(&false), "F");
    assert_eq!(json(&true), "true");
    assert_eq!(tsv(&Port(53)), "53");
    assert_eq!(json(&Port(53)), "53");
    assert_eq!(tsv(&Enum("tcp")), "tcp");
    assert_eq!(json(&Enum("Notice::ACTION_LOG")), "\"Notice::ACTION_LOG\"");
}

#[test]
fn addresses() {
    assert_eq!(tsv(&ip("192.168.1.28")), "192.168.1.28");
    assert_eq!(tsv(&ip("2001:0db8:0:0:0:0:0:1")), "2001:db8::1");
    assert_eq!(
        tsv(&ip("fe80::216:3eff:fe6a:a257")),
        "fe80::216:3eff:fe6a:a257"
    );
    assert_eq!(tsv(&ip("::ffff:10.1.2.3")), "10.1.2.3");
    assert_eq!(tsv(&ip("::1")), "::1");
    assert_eq!(tsv(&ip("::")), "::");
    assert_eq!(tsv(&ip("::1.2.3.4")), "::1.2.3.4");
    assert_eq!(json(&ip("2001:db8::1")), "\"2001:db8::1\"");
    let s = Subnet {
        addr: ip("10.0.0.0"),
        len: 8,
    };
    assert_eq!(tsv(&s), "10.0.0.0/8");
    assert_eq!(json(&s), "\"10.0.0.0/8\"");
    let s6 = Subnet {
        addr: ip("2001:db8::"),
        len: 32,
    };
    assert_eq!(tsv(&s6), "2001:db8::/32");
}

#[test]
fn strings() {
    assert_eq!(tsv(&String::from("")), "(empty)");
    assert_eq!(json(&String::from("")), "\"\"");
    assert_eq!(tsv(&"-"), "\\x2d");
    assert_eq!(json(&"-"), "\"-\"");
    assert_eq!(tsv(&ZString(b"\xff\x00ab".to_vec())), "\\xff\\x00ab");
    assert_eq!(
        json(&ZString(b"\xff\x00ab".to_vec())),
        "\"\\\\xff\\u0000ab\""
    );
    assert_eq!(tsv(&"a,b"), "a,b");
}

#[test]
fn collections() {
    let s: Set<String> = Set(vec![]);
    assert_eq!(tsv(&s), "(empty)");
    assert_eq!(json(&s), "[]");
    let s = Set(vec![
        "a,b".to_string(),
        "".to_string(),
        "-".to_string(),
        "(empty)".to_string(),
    ]);
    assert_eq!(tsv(&s), "a\\x2cb,(empty),\\x2d,\\x28empty)");
    assert_eq!(json(&s), "[\"a,b\",\"\",\"-\",\"(empty)\"]");
    let v: Vec<Interval> = vec![Interval(300_000_000_000), Interval(30_000_000_000)];
    assert_eq!(tsv(&v), "300.000000,30.000000");
    assert_eq!(json(&v), "[300.0,30.0]");
    let v = vec![Port(80), Port(443)];
    assert_eq!(tsv(&v), "80,443");
    assert_eq!(<Vec<Port> as Value>::zeek_type(), "vector[port]");
    assert_eq!(<Set<Enum> as Value>::zeek_type(), "set[enum]");
    assert_eq!(<Option<Set<String>> as Value>::zeek_type(), "set[string]");
}

#[test]
fn options() {
    let n: Option<u64> = None;
    assert!(n.is_unset());
    assert_eq!(tsv(&n), "-");
    assert_eq!(tsv(&Some(5u64)), "5");
    assert!(!Some(5u64).is_unset());
}

record! {
    /// A test record.
    #[derive(Debug, Clone)]
    pub struct Conn : "conn" {
        pub ts: Time = "ts",
        pub uid: String = "uid",
        pub orig_h: IpAddr = "id.orig_h",
        pub orig_p: Port = "id.orig_p",
        pub proto: Enum = "proto",
        pub service: Option<String> = "service",
        pub duration: Option<Interval> = "duration",
        pub local_orig: Option<bool> = "local_orig",
        pub tunnel_parents: Set<String> = "tunnel_parents",
        pub orig_l2_addr: Option<String> = "orig_l2_addr" if "mac-logging",
        pub ip_proto: Option<u64> = "ip_proto",
    }
}

fn conn() -> Conn {
    Conn {
        ts: Time(1_300_475_167_096_535_000),
        uid: "CHhAvVGS1DHFjwGM9".into(),
        orig_h: ip("192.168.1.28"),
        orig_p: Port(53246),
        proto: Enum("tcp"),
        service: None,
        duration: Some(Interval(91_969_000)),
        local_orig: Some(true),
        tunnel_parents: Set(vec![]),
        orig_l2_addr: Some("00:11:22:33:44:55".into()),
        ip_proto: Some(6),
    }
}

#[test]
fn record_columns_and_schema() {
    let cols = Conn::columns();
    assert_eq!(cols.len(), 11);
    assert_eq!(cols[2].name, "id.orig_h");
    assert_eq!(cols[2].zeek_type, "addr");
    assert_eq!(cols[9].option, Some("mac-logging"));
    assert_eq!(cols[0].option, None);
    assert_eq!(Conn::PATH, "conn");
    assert_eq!(conn().ts(), Time(1_300_475_167_096_535_000));

    let s = Schema::new::<Conn>(&[]);
    assert_eq!(
        s.names_joined("\t"),
        "ts\tuid\tid.orig_h\tid.orig_p\tproto\tservice\tduration\tlocal_orig\ttunnel_parents\tip_proto"
    );
    assert_eq!(
        s.types_joined("\t"),
        "time\tstring\taddr\tport\tenum\tstring\tinterval\tbool\tset[string]\tcount"
    );
    let s2 = Schema::new::<Conn>(&["mac-logging"]);
    assert!(s2.names_joined(",").contains("orig_l2_addr"));
}

#[test]
fn record_rows() {
    let c = conn();
    let s = Schema::new::<Conn>(&[]);
    let mut o = Vec::new();
    write_tsv_row(&c, &s, &mut o);
    assert_eq!(
        String::from_utf8(o).unwrap(),
        "1300475167.096535\tCHhAvVGS1DHFjwGM9\t192.168.1.28\t53246\ttcp\t-\t0.091969\tT\t(empty)\t6\n"
    );
    let mut o = Vec::new();
    write_json_row(&c, &s, false, &mut o);
    assert_eq!(
        String::from_utf8(o).unwrap(),
        "{\"ts\":1300475167.096535,\"uid\":\"CHhAvVGS1DHFjwGM9\",\"id.orig_h\":\"192.168.1.28\",\
         \"id.orig_p\":53246,\"proto\":\"tcp\",\"duration\":0.091969,\"local_orig\":true,\
         \"tunnel_parents\":[],\"ip_proto\":6}\n"
    );
    let s2 = Schema::new::<Conn>(&["mac-logging"]);
    let mut o = Vec::new();
    write_tsv_row(&c, &s2, &mut o);
    assert!(String::from_utf8(o)
        .unwrap()
        .ends_with("\t(empty)\t00:11:22:33:44:55\t6\n"));
    let mut o = Vec::new();
    write_json_row(&c, &s2, true, &mut o);
    let j = String::from_utf8(o).unwrap();
    assert!(j.starts_with("{\"ts\":\"2011-03-18T19:06:07.096535Z\","));
    assert!(j.contains("\"orig_l2_addr\":\"00:11:22:33:44:55\""));
}
