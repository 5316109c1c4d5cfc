//! Command-line arguments. Flags Zeek users know keep Zeek's meaning.

use clap::Parser;
use std::path::PathBuf;

/// Shrike: a passive network security monitor that writes Zeek-compatible logs.
#[derive(Parser, Debug)]
#[command(name = "shrike", version, about, long_about = None)]
pub struct Cli {
    /// Read packets from a capture file (pcap, pcapng, optionally gzipped; "-" = stdin).
    #[arg(short = 'r', long = "readfile", value_name = "FILE")]
    pub read: PathBuf,

    /// Directory to write logs into (default: the current directory).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub logdir: PathBuf,

    /// Ignore checksums (Zeek's -C).
    #[arg(short = 'C', long = "no-checksums")]
    pub no_checksums: bool,

    /// Capture filter in pcap-filter syntax (Zeek's -f).
    #[arg(short = 'f', long = "filter", value_name = "FILTER")]
    pub filter: Option<String>,

    /// Bare mode: load only what is named explicitly (Zeek's -b).
    #[arg(short = 'b', long = "bare-mode")]
    pub bare: bool,

    /// A Zeek script of @load lines and redefs (a local.zeek); options Shrike knows are honoured.
    #[arg(long = "zeek-config", value_name = "FILE")]
    pub zeek_config: Option<PathBuf>,

    /// Load a Zeek script package by name (repeatable), e.g. policy/protocols/conn/mac-logging.
    #[arg(long = "load", value_name = "SCRIPT")]
    pub load: Vec<String>,

    /// Switch an application analyzer off (repeatable), e.g. `http`.
    #[arg(long = "disable-analyzer", value_name = "NAME")]
    pub disable_analyzer: Vec<String>,

    /// Write every transferred file into DIR (files.log's `extracted` says where).
    #[arg(long = "extract-files", value_name = "DIR")]
    pub extract_files: Option<PathBuf>,

    /// Trusted CA certificates (PEM) for ssl.log's validation_status, added to Mozilla's roots.
    #[arg(long = "ca-bundle", value_name = "FILE")]
    pub ca_bundle: Option<PathBuf>,

    /// Trust only the --ca-bundle certificates (and SSL::root_certs), not Mozilla's roots.
    #[arg(long = "ca-bundle-only", requires = "ca_bundle")]
    pub ca_bundle_only: bool,

    /// Write Zeek's JSON log format instead of TSV.
    #[arg(long)]
    pub json: bool,

    /// With --json, write timestamps as ISO 8601 strings.
    #[arg(long = "json-iso8601")]
    pub json_iso8601: bool,

    /// Shrike's TOML config (detections: `[detect]` and `[detect.<name>]`).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// An intel file in Zeek's format (repeatable), like
    /// `redef Intel::read_files += { FILE }`; hits go to intel.log.
    #[arg(long, value_name = "FILE")]
    pub intel: Vec<PathBuf>,

    /// Sigma rules to run: a rule file or a directory of .yml/.yaml files
    /// (repeatable). A bad rule is reported and skipped.
    #[arg(long, value_name = "FILE|DIR")]
    pub rules: Vec<PathBuf>,

    /// Run no detections (no notice.log).
    #[arg(long = "no-detections")]
    pub no_detections: bool,

    /// Local networks from a file in Zeek's networks.cfg format.
    #[arg(long, value_name = "FILE")]
    pub networks: Option<PathBuf>,

    /// A local network (repeatable), like `redef Site::local_nets += { CIDR }`.
    #[arg(long = "local-net", value_name = "CIDR")]
    pub local_net: Vec<String>,

    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub workers: Option<usize>,

    /// Seed for deterministic connection uids.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Most connections tracked at once (the oldest is evicted beyond it).
    #[arg(
        long = "max-connections",
        value_name = "N",
        default_value_t = 1_000_000
    )]
    pub max_connections: usize,

    /// After the run, write the anomaly report into the log directory (`shrike report`).
    #[arg(long)]
    pub report: bool,

    /// The report's format with --report: report.md or report.html.
    #[arg(long = "report-format", value_enum, default_value_t = analyst::report::ReportFormat::Md, requires = "report")]
    pub report_format: analyst::report::ReportFormat,

    /// No progress line and no summary on stderr.
    #[arg(short = 'q', long)]
    pub quiet: bool,

    /// Zeek scripts to load, as on Zeek's command line (e.g. `local`).
    #[arg(value_name = "SCRIPT")]
    pub scripts: Vec<String>,
}
