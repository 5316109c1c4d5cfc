//! Which application analyzers a run uses and with which options: from the
//! loaded Zeek script packages, `--disable-analyzer`, `--extract-files`
//! and the analyzer options redefined in the Zeek config.

use crate::args::Cli;
use analyzers::{AnalyzerConfig, AnalyzerPlan, Kind};
use config::{ZValue, ZeekScript};
use pipeline::zeek_scripts;

/// Scripts that switch on optional analyzer behaviour (and log columns).
pub const FEATURE_SCRIPTS: &[(&str, &str)] = &[
    ("protocols/dns/auth-addl", "dns-auth-addl"),
    ("frameworks/files/hash-all-files", "file-hashes"),
    ("frameworks/files/extract-all-files", "file-extract"),
];

/// Redefs of analyzer options this module honours.
pub const REDEF_NAMES: &[&str] = &[
    "dns_max_queries",
    "DNS::max_pending_msgs",
    "DNS::max_pending_query_ids",
    "HTTP::default_capture_password",
    "FileExtract::default_limit",
    "FileExtract::prefix",
];

/// The analyzer plan of a run. `packages` are the loaded script packages
/// (their analyzers are on unless disabled); `options` the optional
/// features switched on so far (extended with "file-extract" when
/// `--extract-files` asks for it).
pub fn plan(
    cli: &Cli,
    packages: &[&'static zeek_scripts::ScriptPackage],
    script: Option<&ZeekScript>,
    options: &mut Vec<String>,
) -> Result<Option<AnalyzerPlan>, String> {
    let mut disabled = Vec::new();
    for name in &cli.disable_analyzer {
        let k = Kind::from_name(name).ok_or_else(|| {
            let known: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
            format!(
                "unknown analyzer '{name}' for --disable-analyzer (known: {})",
                known.join(", ")
            )
        })?;
        disabled.push(k);
    }
    let mut enabled = Vec::new();
    let mut ports = Vec::new();
    for k in Kind::ALL.iter().copied().filter(|k| !disabled.contains(k)) {
        let Some(pkg) = packages.iter().find(|p| p.path == k.package()) else {
            continue;
        };
        enabled.push(k);
        ports.extend(pkg.ports.iter().map(|p| (*p, k)));
    }
    if enabled.is_empty() {
        return Ok(None);
    }
    let mut config = AnalyzerConfig::default();
    config.files.hash = options.iter().any(|o| o == "file-hashes");
    let mut extract_prefix = "extract_files".to_string();
    if let Some(script) = script {
        apply_redefs(script, &mut config, &mut extract_prefix);
    }
    if let Some(dir) = &cli.extract_files {
        config.files.extract_dir = Some(dir.clone());
    } else if options.iter().any(|o| o == "file-extract") {
        config.files.extract_dir = Some(cli.logdir.join(extract_prefix));
    }
    if config.files.extract_dir.is_some() && !options.iter().any(|o| o == "file-extract") {
        options.push("file-extract".into());
    }
    Ok(Some(AnalyzerPlan {
        config,
        ports,
        enabled,
        seed: cli.seed,
    }))
}

fn apply_redefs(script: &ZeekScript, config: &mut AnalyzerConfig, extract_prefix: &mut String) {
    for r in &script.redefs {
        match (r.name.as_str(), &r.value) {
            ("dns_max_queries", ZValue::Count(n)) => config.dns.max_queries = *n as usize,
            ("DNS::max_pending_msgs", ZValue::Count(n)) => {
                config.dns.max_pending_msgs = *n as usize
            }
            ("DNS::max_pending_query_ids", ZValue::Count(n)) => {
                config.dns.max_pending_query_ids = *n as usize
            }
            ("HTTP::default_capture_password", ZValue::Bool(b)) => {
                config.http.capture_password = *b
            }
            ("FileExtract::default_limit", ZValue::Count(n)) => config.files.extract_limit = *n,
            ("FileExtract::prefix", ZValue::String(s)) => {
                *extract_prefix = String::from_utf8_lossy(s).trim_end_matches('/').to_string()
            }
            _ => {}
        }
    }
}
