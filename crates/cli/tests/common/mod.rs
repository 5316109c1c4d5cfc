//! What every end-to-end test needs: running the binary on a synthesized
//! capture and reading its logs.
#![allow(dead_code)] // each test binary uses its own subset

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use testkit::SEC;

pub const T0: i64 = 1_700_000_000 * SEC;

pub fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

pub struct Run {
    pub dir: PathBuf,
    pub out: Output,
}

impl Run {
    pub fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(name)).unwrap_or_default()
    }
    pub fn rows(&self, name: &str) -> Vec<Vec<String>> {
        self.log(name)
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| l.split('\t').map(str::to_string).collect())
            .collect()
    }
    /// The values of the named columns in every row of a log.
    pub fn columns(&self, log: &str, names: &[&str]) -> Vec<Vec<String>> {
        let text = self.log(log);
        let fields: Vec<&str> = text
            .lines()
            .find_map(|l| l.strip_prefix("#fields\t"))
            .map(|f| f.split('\t').collect())
            .unwrap_or_default();
        if fields.is_empty() {
            return Vec::new();
        }
        let cols: Vec<usize> = names
            .iter()
            .map(|n| {
                fields
                    .iter()
                    .position(|f| f == n)
                    .expect("a column of the log")
            })
            .collect();
        self.rows(log)
            .iter()
            .map(|r| cols.iter().map(|&c| r[c].clone()).collect())
            .collect()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
}

pub fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("shrike-cli-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn shrike(input: &Path, dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shrike"))
        .arg("-r")
        .arg(input)
        .arg("--logdir")
        .arg(dir)
        .args(args)
        .output()
        .unwrap()
}

pub fn run_on(bytes: &[u8], tag: &str, args: &[&str]) -> Run {
    let dir = tmpdir(tag);
    let input = dir.join("in.pcap");
    std::fs::write(&input, bytes).unwrap();
    let out = shrike(&input, &dir.join("logs"), args);
    Run {
        dir: dir.join("logs"),
        out,
    }
}
