//! `shrike cut` against outputs worked out by hand from small logs, as
//! zeek-cut prints them.

use analyst::cut::{parse_args, run, Parsed};
use std::io::Write;
use std::path::PathBuf;

const CONN: &str = "#separator \\x09
#set_separator\t,
#empty_field\t(empty)
#unset_field\t-
#path\tconn
#open\t2024-01-01-00-00-00
#fields\tts\tuid\tid.orig_h\tid.resp_p\tservice\ttunnel_parents
#types\ttime\tstring\taddr\tport\tstring\tset[string]
1258531221.486539\tC1\t10.0.0.1\t80\thttp\t(empty)
1258531222.000000\tC2\t10.0.0.2\t53\t-\ta,b
#close\t2024-01-01-00-00-01
";

const HEADER: &str = "#separator \\x09
#set_separator\t,
#empty_field\t(empty)
#unset_field\t-
#path\tconn
#open\t2024-01-01-00-00-00
";

const DNS: &str = "#separator \\x09
#fields\tts\tquery
#types\ttime\tstring
1258531300.5\texample.com
";

const CONN_JSON: &str = r#"{"ts":1258531221.486539,"uid":"C1","id.orig_h":"10.0.0.1","id.resp_p":80,"service":"http","tunnel_parents":[]}
{"ts":1258531222.0,"uid":"C2","id.orig_h":"10.0.0.2","id.resp_p":53,"tunnel_parents":["a","b"]}
"#;

fn file(name: &str, data: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("shrike-cut-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Runs cut with `args` over `files`; (stdout, stderr, status).
fn cut(args: &str, files: &[&PathBuf]) -> (String, String, i32) {
    let mut argv: Vec<String> = args.split_whitespace().map(String::from).collect();
    for f in files {
        argv.push("-r".into());
        argv.push(f.display().to_string());
    }
    let Parsed::Run(o) = parse_args(&argv, None).unwrap() else {
        panic!("help")
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = run(&o, &mut out, &mut err);
    (
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
        status,
    )
}

fn out(args: &str, files: &[&PathBuf]) -> String {
    let (o, e, s) = cut(args, files);
    assert_eq!((s, e.as_str()), (0, ""), "{args}");
    o
}

#[test]
fn columns_in_the_order_named() {
    let conn = file("c1.log", CONN.as_bytes());
    assert_eq!(
        out("id.resp_p ts uid", &[&conn]),
        "80\t1258531221.486539\tC1\n53\t1258531222.000000\tC2\n"
    );
}

#[test]
fn all_columns_without_names() {
    let conn = file("c2.log", CONN.as_bytes());
    assert_eq!(
        out("", &[&conn]),
        "1258531221.486539\tC1\t10.0.0.1\t80\thttp\t(empty)\n1258531222.000000\tC2\t10.0.0.2\t53\t-\ta,b\n"
    );
}

#[test]
fn missing_column_is_an_empty_field() {
    let conn = file("c3.log", CONN.as_bytes());
    assert_eq!(out("uid nope id.resp_p", &[&conn]), "C1\t\t80\nC2\t\t53\n");
    assert_eq!(out("nope", &[&conn]), "\n\n");
}

#[test]
fn negate_prints_the_others() {
    let conn = file("c4.log", CONN.as_bytes());
    assert_eq!(
        out("-n ts uid service", &[&conn]),
        "10.0.0.1\t80\t(empty)\n10.0.0.2\t53\ta,b\n"
    );
}

#[test]
fn first_header_block() {
    let conn = file("c5.log", CONN.as_bytes());
    let want = format!("{HEADER}#fields\tuid\tts\n#types\tstring\ttime\nC1\t1258531221.486539\nC2\t1258531222.000000\n");
    assert_eq!(out("-c uid ts", &[&conn]), want);
}

#[test]
fn all_header_blocks() {
    let conn = file("c6.log", CONN.as_bytes());
    let want =
        format!("{HEADER}#fields\tuid\n#types\tstring\nC1\nC2\n#close\t2024-01-01-00-00-01\n");
    assert_eq!(out("-C uid", &[&conn]), want);
}

#[test]
fn minimal_view_prints_only_names() {
    let conn = file("c7.log", CONN.as_bytes());
    let dns = file("d7.log", DNS.as_bytes());
    assert_eq!(
        out("-m uid ts", &[&conn, &dns]),
        "uid\tts\nC1\t1258531221.486539\nC2\t1258531222.000000\n\t1258531300.5\n"
    );
    assert_eq!(
        out("-M ts", &[&conn, &dns]),
        "ts\n1258531221.486539\n1258531222.000000\nts\n1258531300.5\n"
    );
}

#[test]
fn several_files_with_other_layouts() {
    let conn = file("c8.log", CONN.as_bytes());
    let dns = file("d8.log", DNS.as_bytes());
    // The second file's header continues the block the #close started;
    // a column the first log lacks is empty in its header too.
    assert_eq!(
        out("-c query ts", &[&conn, &dns]),
        format!("{HEADER}#fields\t\tts\n#types\t\ttime\n\t1258531221.486539\n\t1258531222.000000\nexample.com\t1258531300.5\n")
    );
    let all = out("-C query", &[&conn, &dns]);
    assert!(all.contains("#close\t2024-01-01-00-00-01\n#separator \\x09\n#fields\tquery\n#types\tstring\nexample.com\n"), "{all}");
}

#[test]
fn utc_times_and_types() {
    let conn = file("c9.log", CONN.as_bytes());
    assert_eq!(
        out("-u -c ts uid", &[&conn]),
        format!("{HEADER}#fields\tts\tuid\n#types\tstring\tstring\n2009-11-18T08:00:21+0000\tC1\n2009-11-18T08:00:22+0000\tC2\n")
    );
    assert_eq!(
        out("-U %s|%H uid ts", &[&conn]),
        "C1\t1258531221|08\nC2\t1258531222|08\n"
    );
}

#[test]
fn bad_time_values_print_as_they_are() {
    let log = "#fields\tts\tt2\n#types\ttime\ttime\n-\t(empty)\n-5.0\t12\n";
    let f = file("t.log", log.as_bytes());
    let (o, e, s) = cut("-u", &[&f]);
    assert_eq!(o, "-\t(empty)\n-5.0\t12\n");
    assert_eq!(s, 0);
    assert_eq!(
        e,
        "shrike cut: time field is not valid: (empty)\nshrike cut: time value out-of-range: -5.0\nshrike cut: time field is not valid: 12\n"
    );
}

#[test]
fn output_separator_follows_the_separator_line() {
    let conn = file("c10.log", CONN.as_bytes());
    assert_eq!(out("-F , uid id.resp_p", &[&conn]), "C1,80\nC2,53\n");
    let pipes = "#separator |\n#fields|a|b\n#types|count|count\n1|2\n";
    let p = file("p.log", pipes.as_bytes());
    assert_eq!(out("b a", &[&p]), "2|1\n");
    assert_eq!(out("-F: b a", &[&p]), "2:1\n");
}

#[test]
fn short_lines_are_skipped() {
    let log = "#fields\ta\tb\n#types\tcount\tcount\n1\n1\t2\n";
    let f = file("short.log", log.as_bytes());
    let (o, e, s) = cut("b", &[&f]);
    assert_eq!((o.as_str(), s), ("2\n", 0));
    assert_eq!(e, "shrike cut: skipping log line (not enough fields)\n");
    // Fields past the header's are dropped.
    let long = file(
        "long.log",
        b"#fields\ta\tb\n#types\tcount\tcount\n1\t2\t3\n",
    );
    assert_eq!(out("", &[&long]), "1\t2\n");
    assert_eq!(out("b", &[&long]), "2\n");
}

#[test]
fn bad_headers_stop_with_status_1() {
    let no_types = file("nt.log", b"#fields\ta\n1\n");
    let (o, e, s) = cut("", &[&no_types]);
    assert_eq!(
        (o.as_str(), e.as_str(), s),
        ("", "shrike cut: bad log header (missing #types line)\n", 1)
    );
    let bad_sep = file("bs.log", b"#separator \\x00\n");
    assert_eq!(cut("", &[&bad_sep]).2, 1);
    let no_fields = file("nf.log", b"#types\tcount\n");
    assert_eq!(
        cut("", &[&no_fields]).1,
        "shrike cut: bad log header (missing #fields line)\n"
    );
}

#[test]
fn gzip_by_content() {
    let conn = file("c11.log.gz", &gzip(CONN.as_bytes()));
    assert_eq!(out("uid", &[&conn]), "C1\nC2\n");
}

#[test]
fn json_lines_as_tsv() {
    let j = file("conn.json", CONN_JSON.as_bytes());
    assert_eq!(
        out("ts uid service tunnel_parents", &[&j]),
        "1258531221.486539\tC1\thttp\t(empty)\n1258531222.0\tC2\t-\ta,b\n"
    );
    assert_eq!(
        out("-c -u ts uid", &[&j]),
        "#fields\tts\tuid\n2009-11-18T08:00:21+0000\tC1\n2009-11-18T08:00:22+0000\tC2\n"
    );
    // The header comes from the first line's keys; the second lacks service.
    assert_eq!(
        out("-m -n ts uid id.orig_h id.resp_p", &[&j]),
        "service\ttunnel_parents\nhttp\t(empty)\na,b\n"
    );
}

#[test]
fn file_arguments_among_columns() {
    let conn = file("c12.log", CONN.as_bytes());
    let argv = vec!["uid".to_string(), conn.display().to_string()];
    let Parsed::Run(o) = parse_args(&argv, None).unwrap() else {
        panic!()
    };
    assert_eq!(o.columns, [b"uid".to_vec()]);
    assert_eq!(o.inputs.len(), 1);
}

#[test]
fn unreadable_file_is_reported_and_others_still_cut() {
    let conn = file("c13.log", CONN.as_bytes());
    let gone = PathBuf::from("/nonexistent/x.log");
    let (o, e, s) = cut("uid", &[&gone, &conn]);
    assert_eq!((o.as_str(), s), ("C1\nC2\n", 1));
    assert!(e.starts_with("shrike cut: /nonexistent/x.log: "), "{e}");
}
