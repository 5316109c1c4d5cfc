//! `shrike cut` over every log Zeek wrote for the conformance suite
//! (`/work/shared/conformance`, skipped when absent): with all headers and
//! no columns it reproduces the log byte for byte, and chosen columns
//! match the log's fields picked out by an independent split.

use analyst::cut::{parse_args, run, Parsed};
use std::path::{Path, PathBuf};

const ROOT: &str = "/work/shared/conformance/cases";

fn logs() -> Option<Vec<PathBuf>> {
    let cases = std::fs::read_dir(ROOT).ok()?;
    let mut out = Vec::new();
    for case in cases.flatten() {
        for f in std::fs::read_dir(case.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let p = f.path();
            if p.extension().is_some_and(|e| e == "log") {
                out.push(p);
            }
        }
    }
    out.sort();
    Some(out)
}

fn cut(args: &[&str], file: &Path) -> String {
    let mut argv: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    argv.extend(["-r".into(), file.display().to_string()]);
    let Parsed::Run(o) = parse_args(&argv, None).unwrap() else {
        panic!()
    };
    let mut out = Vec::new();
    assert_eq!(run(&o, &mut out, &mut Vec::new()), 0, "{}", file.display());
    String::from_utf8_lossy(&out).into_owned()
}

/// The chosen columns of each data line, "" for a missing one.
fn picked(log: &str, cols: &[&str]) -> String {
    let mut fields: Vec<&str> = Vec::new();
    let mut out = String::new();
    for line in log.lines() {
        if let Some(names) = line.strip_prefix("#fields\t") {
            fields = names.split('\t').collect();
        }
        if line.starts_with('#') {
            continue;
        }
        let values: Vec<&str> = line.split('\t').collect();
        let row: Vec<&str> = cols
            .iter()
            .map(|c| fields.iter().position(|f| f == c).map_or("", |i| values[i]))
            .collect();
        out.push_str(&row.join("\t"));
        out.push('\n');
    }
    out
}

#[test]
fn cut_agrees_with_the_conformance_logs() {
    let Some(logs) = logs() else {
        eprintln!("skipped: {ROOT} is absent");
        return;
    };
    assert!(!logs.is_empty());
    for log in &logs {
        let text = std::fs::read_to_string(log).unwrap();
        if !text.ends_with('\n') || text.contains('\r') {
            continue;
        }
        assert_eq!(cut(&["-C"], log), text, "{}", log.display());
        let Some(names) = text.lines().find_map(|l| l.strip_prefix("#fields\t")) else {
            continue;
        };
        let names: Vec<&str> = names.split('\t').collect();
        let cols = [names[names.len() - 1], "no_such_field", names[0]];
        assert_eq!(cut(&cols, log), picked(&text, &cols), "{}", log.display());
    }
    eprintln!("checked {} logs", logs.len());
}
