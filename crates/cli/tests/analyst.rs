//! `shrike cut` and `shrike hunt` as subcommands of the binary.

use std::io::Write;
use std::process::{Command, Output, Stdio};

const LOG: &str =
    "#separator \\x09\n#fields\tts\tuid\n#types\ttime\tstring\n1258531221.486539\tC1\n";

fn shrike(args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_shrike"))
        .args(args)
        .env_remove("ZEEK_CUT_TIMEFMT")
        .env_remove("BRO_CUT_TIMEFMT")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that rejects its arguments exits without reading its input.
    let written = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    if let Err(e) = written {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap()
}

#[test]
fn cut_reads_standard_input_in_local_time() {
    let out = shrike(&["cut", "-d", "ts", "uid"], LOG, &[("TZ", "EST5")]);
    assert_eq!(text(&out.stdout), "2009-11-18T03:00:21-0500\tC1\n");
    assert!(out.status.success());
    let out = shrike(
        &["cut", "-d", "ts"],
        LOG,
        &[("TZ", "UTC0"), ("ZEEK_CUT_TIMEFMT", "%H:%M")],
    );
    assert_eq!(text(&out.stdout), "08:00\n");
}

#[test]
fn cut_bad_argument_is_one_line_and_status_1() {
    let out = shrike(&["cut", "-F", "ab"], LOG, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "shrike cut: field separator must be a single character (see shrike cut -h)\n"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn sensor_arguments_still_need_a_capture() {
    let out = shrike(&["--logdir", "/nonexistent"], "", &[]);
    assert_ne!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stderr).lines().count(),
        1,
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn hunt_lists_and_rejects_unknown_hunts() {
    let out = shrike(&["hunt", "--list"], "", &[]);
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("beacons"));
    let out = shrike(&["hunt", "no-such-hunt"], "", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr).lines().count(),
        1,
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn hunt_query_reads_standard_input() {
    let out = shrike(
        &[
            "hunt",
            "query",
            "-",
            "uid == C1",
            "--select",
            "uid",
            "--format",
            "csv",
        ],
        LOG,
        &[],
    );
    assert_eq!(text(&out.stdout), "uid\nC1\n");
}
