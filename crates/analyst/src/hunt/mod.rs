//! `shrike hunt`: the playbook's hunting recipes over a log directory, and
//! `shrike hunt query` for everything else. Each hunt streams its logs
//! (TSV or JSON, gzipped or not, rotated files too) and keeps only what
//! its answer needs.

mod query_cmd;
mod recipes;
mod scored;

use crate::input::Source;
use crate::log::{Columns, LogReader, Row};
use crate::table::Format;
use clap::{CommandFactory, Parser, Subcommand};
use std::hash::BuildHasher;
use std::path::{Path, PathBuf};

#[derive(Parser, Debug)]
#[command(
    name = "shrike hunt",
    about = "Threat-hunting recipes over Zeek/Shrike logs",
    disable_version_flag = true
)]
pub struct HuntArgs {
    /// Directory holding the logs (and dated subdirectories of rotated logs).
    #[arg(long, global = true, default_value = ".")]
    pub logdir: PathBuf,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Rows to show (0: all); hunts default to 20, queries to all.
    #[arg(long, global = true)]
    pub top: Option<usize>,
    /// One line about each hunt.
    #[arg(long)]
    pub list: bool,
    #[command(subcommand)]
    pub hunt: Option<Hunt>,
}

#[derive(Subcommand, Debug)]
pub enum Hunt {
    /// conn.log: connections lasting longer than --min-duration, longest first (possible C2).
    LongConnections(recipes::LongConnections),
    /// conn.log: connections sending or receiving more than --min-bytes, largest first.
    LargeTransfers(recipes::LargeTransfers),
    /// http.log: user agents used by at most --max-hosts hosts, rarest first (possible malware).
    RareUserAgents(recipes::RareUserAgents),
    /// ssl.log: servers whose certificate did not validate, with server names.
    BadCerts(recipes::BadCerts),
    /// dns.log: registered domains whose label looks machine-generated (scored).
    DgaDomains(scored::DgaDomains),
    /// ssh.log: failed SSH logins per source, most first.
    SshBruteforce(recipes::SshBruteforce),
    /// conn.log: services on ports they do not usually use (proto/port/service counts).
    UnusualPorts(recipes::UnusualPorts),
    /// conn.log: source→destination pairs scored as the beaconing detection scores them (RITA's score).
    Beacons(scored::Beacons),
    /// dns.log: per registered domain, different names, their entropy and query volume.
    DnsTunneling(scored::DnsTunneling),
    /// Any log: filter, select, sort, group: query conn 'duration > 3600' --select ts,uid.
    Query(query_cmd::Query),
}

/// The `hunt` command; returns the exit status.
pub fn main(args: &[String]) -> i32 {
    let cli = match crate::parse_args::<HuntArgs>("shrike hunt", args) {
        Ok(cli) => cli,
        Err(status) => return status,
    };
    let stdout = std::io::stdout();
    match run(&cli, &mut stdout.lock()) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("shrike hunt: {e}");
            1
        }
    }
}

/// Runs the hunt the arguments name and writes its answer to `out`.
pub fn run(cli: &HuntArgs, out: &mut dyn std::io::Write) -> Result<(), String> {
    if cli.list {
        return list(out).map_err(|e| e.to_string());
    }
    let Some(hunt) = &cli.hunt else {
        return Err("name a hunt (shrike hunt --list) or use --list".into());
    };
    let cx = Ctx {
        logdir: cli.logdir.clone(),
        top: cli.top,
    };
    let table = match hunt {
        Hunt::LongConnections(h) => h.run(&cx),
        Hunt::LargeTransfers(h) => h.run(&cx),
        Hunt::RareUserAgents(h) => h.run(&cx),
        Hunt::BadCerts(h) => h.run(&cx),
        Hunt::DgaDomains(h) => h.run(&cx),
        Hunt::SshBruteforce(h) => h.run(&cx),
        Hunt::UnusualPorts(h) => h.run(&cx),
        Hunt::Beacons(h) => h.run(&cx),
        Hunt::DnsTunneling(h) => h.run(&cx),
        Hunt::Query(q) => q.run(&cx),
    }?;
    table.write(cli.format, out).map_err(|e| e.to_string())
}

fn list(out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let cmd = HuntArgs::command();
    let hunts: Vec<(String, String)> = cmd
        .get_subcommands()
        .filter(|c| c.get_name() != "help")
        .map(|c| {
            let about = c.get_about().map(|a| a.to_string()).unwrap_or_default();
            (c.get_name().to_string(), about)
        })
        .collect();
    let width = hunts.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    for (name, about) in hunts {
        writeln!(out, "{name:<width$}  {about}")?;
    }
    Ok(())
}

/// What every hunt gets: where the logs are and how many rows to show.
pub struct Ctx {
    pub logdir: PathBuf,
    pub top: Option<usize>,
}

/// Default rows of a hunt's answer.
const HUNT_TOP: usize = 20;

impl Ctx {
    fn top(&self, default: usize) -> usize {
        self.top.unwrap_or(default)
    }

    /// The files of log `name` (`conn`, `conn.log`, a path, or `-`).
    pub fn sources(&self, name: &str) -> Result<Vec<Source>, String> {
        if name == "-" {
            return Ok(vec![Source::Stdin]);
        }
        if Path::new(name).is_file() {
            return Ok(vec![Source::from_arg(name)]);
        }
        let stem = name.strip_suffix(".log").unwrap_or(name);
        let mut files = Vec::new();
        collect_logs(&self.logdir, stem, true, &mut files);
        files.sort();
        if files.is_empty() {
            return Err(format!(
                "no {stem} log in {} (looked for {stem}.log, {stem}.*.log.gz, {stem}.json, ...)",
                self.logdir.display()
            ));
        }
        Ok(files.into_iter().map(Source::Path).collect())
    }

    /// Streams every row of log `name` with `names` resolved to indices.
    pub fn scan(
        &self,
        name: &str,
        names: &[&str],
        visit: &mut dyn FnMut(&Row, &[Option<usize>]),
    ) -> Result<(), String> {
        let mut reader = LogReader::new();
        let mut cols = Columns::new(names);
        for src in self.sources(name)? {
            reader.read(&src, &mut |row| {
                visit(row, cols.resolve(row.header));
                Ok(())
            })?;
        }
        Ok(())
    }
}

/// `stem.log`, `stem.json`, rotated `stem.<anything>.log` and their `.gz`;
/// one level of subdirectories (Zeek's dated archive directories).
fn collect_logs(dir: &Path, stem: &str, descend: bool, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            if descend {
                collect_logs(&path, stem, false, out);
            }
            continue;
        }
        let name = e.file_name().to_string_lossy().into_owned();
        let base = name.strip_suffix(".gz").unwrap_or(&name);
        let Some(rest) = base.strip_prefix(stem) else {
            continue;
        };
        let is_log = [".log", ".json"].contains(&rest)
            || (rest.starts_with('.') && (rest.ends_with(".log") || rest.ends_with(".json")));
        if is_log {
            out.push(path);
        }
    }
}

/// Groups kept by a hunt; more are dropped (and said so) so a hostile or
/// huge log cannot exhaust memory.
const MAX_GROUPS: usize = 1_000_000;

/// Different values remembered per group (enough to rank by).
const MAX_DISTINCT: usize = 10_000;

/// Groups by key with a cap on their number.
pub struct Groups<K, V> {
    map: hashbrown::HashMap<K, V, foldhash::fast::RandomState>,
    pub dropped: u64,
}

impl<K: std::hash::Hash + Eq, V> Groups<K, V> {
    pub fn new() -> Self {
        Groups {
            map: hashbrown::HashMap::default(),
            dropped: 0,
        }
    }

    /// The group of `key`, made with `make` while there is room.
    pub fn entry(&mut self, key: K, make: impl FnOnce() -> V) -> Option<&mut V> {
        let full = self.map.len() >= MAX_GROUPS;
        if full && !self.map.contains_key(&key) {
            self.dropped += 1;
            return None;
        }
        Some(self.map.entry(key).or_insert_with(make))
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.map.values_mut()
    }

    /// The groups, saying first how many rows did not fit.
    pub fn finish(self) -> impl Iterator<Item = (K, V)> {
        if self.dropped > 0 {
            eprintln!(
                "shrike hunt: warning: more than {MAX_GROUPS} groups; {} rows of new groups were left out",
                self.dropped
            );
        }
        self.map.into_iter()
    }
}

impl<V> Groups<Vec<u8>, V> {
    /// [`Groups::entry`] by a borrowed key, copied only for a new group.
    pub fn entry_bytes(&mut self, key: &[u8], make: impl FnOnce() -> V) -> Option<&mut V> {
        if self.map.len() >= MAX_GROUPS && !self.map.contains_key(key) {
            self.dropped += 1;
            return None;
        }
        Some(self.map.entry_ref(key).or_insert_with(make))
    }
}

impl<K: std::hash::Hash + Eq, V> Default for Groups<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

/// Different values, counted up to [`MAX_DISTINCT`].
#[derive(Default)]
pub struct Distinct(hashbrown::HashSet<u64>);

impl Distinct {
    pub fn add(&mut self, v: &[u8]) {
        if self.0.len() < MAX_DISTINCT {
            self.0
                .insert(foldhash::fast::FixedState::default().hash_one(v));
        }
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The row's value at `i` as shown in TSV.
fn shown(row: &Row, i: Option<usize>) -> String {
    String::from_utf8_lossy(row.at(i).shown()).into_owned()
}

/// Number formatting for answers.
fn fixed(x: f64, places: usize) -> String {
    format!("{x:.places$}")
}
