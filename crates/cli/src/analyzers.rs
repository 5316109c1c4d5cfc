//! Which application analyzers a run uses and with which options: from the
//! loaded Zeek script packages, `--disable-analyzer`, `--extract-files`
//! and the analyzer options redefined in the Zeek config.

use crate::args::Cli;
use analyzers::software::Hosts;
use analyzers::{AnalyzerConfig, AnalyzerPlan, Kind};
use config::{NetSet, Op, ZValue, ZeekScript};
use pipeline::zeek_scripts;
use std::collections::BTreeSet;

/// Scripts that switch on optional analyzer behaviour (and log columns).
pub const FEATURE_SCRIPTS: &[(&str, &str)] = &[
    ("protocols/dns/auth-addl", "dns-auth-addl"),
    ("protocols/http/header-names", "http-header-names"),
    (
        "protocols/dns/log-original-query-case",
        "dns-original-query",
    ),
    ("base/files/hash", "file-hashes"),
    ("base/files/extract", "file-extract"),
    ("frameworks/files/hash-all-files", "hash-all-files"),
    ("frameworks/files/extract-all-files", "extract-all-files"),
    ("hassh", "hassh"),
    ("packages/hassh", "hassh"),
    ("protocols/ssl/validate-certs", "validate-certs"),
    (
        "protocols/http/detect-sql-injection",
        "detect-sql-injection",
    ),
    ("protocols/ssl/heartbleed", "ssl-heartbleed"),
    ("protocols/http/detect-sqli", "detect-sql-injection"),
    // The ZIP analyzer; only `register` attaches it to ZIP files.
    ("base/files/zip", "zip"),
    ("policy/files/zip/register", "unzip"),
    ("files/zip/register", "unzip"),
    ("protocols/ssl/log-hostcerts-only", "x509-host-certs-only"),
    (
        "protocols/ssl/certificate-request-info",
        "ssl-certificate-request-info",
    ),
    ("protocols/http/software", "http-software"),
    (
        "protocols/http/software-browser-plugins",
        "http-browser-plugins",
    ),
    ("protocols/ssh/software", "ssh-software"),
    ("protocols/smtp/software", "smtp-software"),
    ("protocols/ftp/software", "ftp-software"),
    // zkg packages, loaded by their names: salesforce/ja3 (ja3 and ja3s
    // columns) and FoxIO's ja4 (ja4 and ja4s).
    ("ja3", "ja3"),
    ("packages/ja3", "ja3"),
    ("ja4", "ja4"),
    ("packages/ja4", "ja4"),
];

/// What Zeek's stock local.zeek loads of the feature scripts: software
/// detection, certificate validation and SQL injection tagging.
const LOCAL_ZEEK_FEATURES: [&str; 6] = [
    "ftp-software",
    "smtp-software",
    "ssh-software",
    "http-software",
    "validate-certs",
    "detect-sql-injection",
];

/// Redefs of analyzer options this module honours.
pub const REDEF_NAMES: &[&str] = &[
    "dns_max_queries",
    "dns_skip_all_auth",
    "dns_skip_all_addl",
    "dns_max_compression_chain_depth",
    "DNS::max_pending_msgs",
    "DNS::max_pending_query_ids",
    "HTTP::default_capture_password",
    "FileExtract::default_limit",
    "default_file_bof_buffer_size",
    "HTTP::log_client_header_names",
    "HTTP::log_server_header_names",
    "QUIC::max_history_length",
    "SSL::max_ssl_history_length",
    "SSL::log_include_server_certificate_subject_issuer",
    "SSL::log_include_client_certificate_subject_issuer",
    "X509::relog_known_certificates_after",
    "FileExtract::prefix",
    "SSH::max_packet_length",
    "SSH::max_string_length",
    "SSH::max_kexinit_kex_algorithms",
    "SSH::max_kexinit_hostkey_algorithms",
    "SSH::max_kexinit_encryption_algorithms",
    "SSH::max_kexinit_mac_algorithms",
    "SSH::max_kexinit_compression_algorithms",
    "SSH::max_kexinit_languages",
    "FTP::logged_commands",
    "FTP::guest_ids",
    "FTP::max_pending_commands",
    "FTP::max_user_length",
    "FTP::max_password_length",
    "FTP::max_arg_length",
    "FTP::max_reply_msg_length",
    "FTP::default_capture_password",
    "SSL::root_certs",
    "SSL::ssl_cache_intermediate_ca",
    "Software::asset_tracking",
    "SMTP::detect_clients_in_messages_from",
    "SMB::max_pending_messages",
    "SMB::enable_clear_script_state",
    "SMB::max_dce_rpc_analyzers",
    "SMB::max_andx_depth",
    "SMB::pipe_filenames",
    "DCE_RPC::max_cmd_reassembly",
    "DCE_RPC::max_frag_data",
];

/// The analyzer plan of a run. `packages` are the loaded script packages
/// (their analyzers are on unless disabled); `only`, when given, the
/// analyzers `Analyzer::disable_all` leaves on; `options` the optional
/// features switched on so far (extended with "file-extract" when
/// `--extract-files` asks for it).
pub fn plan(
    cli: &Cli,
    packages: &[&'static zeek_scripts::ScriptPackage],
    script: Option<&ZeekScript>,
    only: Option<&[String]>,
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
    // `Analyzer::disable_all` leaves only the requested analyzers.
    let requested =
        |k: &Kind| only.is_none_or(|names| names.iter().any(|n| Kind::from_name(n) == Some(*k)));
    for k in Kind::ALL
        .iter()
        .copied()
        .filter(|k| !disabled.contains(k) && requested(k))
    {
        let Some(pkg) = packages.iter().find(|p| p.path == k.package()) else {
            continue;
        };
        enabled.push(k);
        let mut own = pkg.ports.to_vec();
        for (kind, op, redef) in script.map(port_redefs).unwrap_or_default() {
            if kind == k {
                apply_port_set(&mut own, op, &redef);
            }
        }
        ports.extend(own.into_iter().map(|p| (p, k)));
    }
    if enabled.is_empty() {
        return Ok(None);
    }
    let has = |options: &[String], o: &str| options.iter().any(|x| x == o);
    let mut config = AnalyzerConfig::default();
    // Shrike's own default is Zeek's local.zeek, which hashes every file
    // and reports software; a Zeek config given by the user says for
    // itself.
    let local_zeek = !cli.bare && cli.zeek_config.is_none();
    if local_zeek {
        options.extend(LOCAL_ZEEK_FEATURES.iter().map(|o| o.to_string()));
    }
    config.files.hash = has(options, "hash-all-files") || local_zeek;
    config.software.http = has(options, "http-software");
    config.software.http_plugins = has(options, "http-browser-plugins");
    config.software.ssh = has(options, "ssh-software");
    config.software.smtp = has(options, "smtp-software");
    config.software.ftp = has(options, "ftp-software");
    config.ssh.hassh = options.iter().any(|o| o == "hassh");
    config.files.unzip = has(options, "unzip");
    config.http.websocket = enabled.contains(&Kind::WebSocket);
    config.http.tag_sql_injection = has(options, "detect-sql-injection");
    config.ssl.ja3 = has(options, "ja3");
    config.ssl.ja4 = has(options, "ja4");
    config.ssl.heartbleed = has(options, "ssl-heartbleed");
    // header-names logs the client's header names unless told otherwise.
    config.http.log_client_header_names = has(options, "http-header-names");
    // auth-addl turns off Zeek's skipping of those sections.
    if options.iter().any(|o| o == "dns-auth-addl") {
        config.dns.skip_all_auth = false;
        config.dns.skip_all_addl = false;
    }
    let validating = has(options, "validate-certs");
    let trust = trust_settings(cli, script, validating)?;
    if validating {
        let validator = certval::Validator::new(trust.store, trust.cache_intermediates);
        config.ssl.validator = Some(std::sync::Arc::new(validator));
    }
    config.x509.host_certs_only = has(options, "x509-host-certs-only");
    let mut extract_prefix = "extract_files".to_string();
    if let Some(script) = script {
        apply_redefs(script, &mut config, &mut extract_prefix);
        options.extend(column_options(script));
    }
    if let Some(dir) = &cli.extract_files {
        config.files.extract_dir = Some(dir.clone());
    } else if has(options, "extract-all-files") {
        config.files.extract_dir = Some(cli.logdir.join(extract_prefix));
    }
    // files.log has the hash and extraction columns whenever Zeek's
    // base/files/hash and base/files/extract are loaded (always, unless in
    // bare mode), filled or not.
    if !cli.bare || config.files.hash {
        options.push("file-hashes".into());
    }
    if !cli.bare || config.files.extract_dir.is_some() {
        options.push("file-extract".into());
    }
    options.sort();
    options.dedup();
    Ok(Some(AnalyzerPlan {
        config,
        ports,
        enabled,
        seed: cli.seed,
    }))
}

/// What certificate validation trusts, and how it caches.
struct Trust {
    store: certval::RootStore,
    cache_intermediates: bool,
}

/// The trust store: Mozilla's roots (unless `--ca-bundle-only` or
/// `redef SSL::root_certs = ...` replaces them), `--ca-bundle`, and the
/// certificates `SSL::root_certs` adds. The bundle is read even when
/// validation is off, so that a bad one is reported; Mozilla's roots are
/// loaded only for validation.
fn trust_settings(
    cli: &Cli,
    script: Option<&ZeekScript>,
    validating: bool,
) -> Result<Trust, String> {
    let mut builtin = !cli.ca_bundle_only;
    let mut extra = certval::RootStore::new();
    let mut cache_intermediates = true;
    if let Some(path) = &cli.ca_bundle {
        let pem = std::fs::read(path)
            .map_err(|e| format!("cannot read CA bundle {}: {e}", path.display()))?;
        extra
            .add_pem(&pem)
            .map_err(|e| format!("CA bundle {}: {e}", path.display()))?;
    }
    for r in script.map(|s| s.redefs.as_slice()).unwrap_or_default() {
        match (r.name.as_str(), &r.value, r.op) {
            ("SSL::root_certs", ZValue::Table(entries), op @ (Op::Assign | Op::Add)) => {
                builtin &= op == Op::Add;
                for (_, der) in entries {
                    let ZValue::String(der) = der else { continue };
                    extra
                        .add_der(der)
                        .map_err(|e| format!("SSL::root_certs (line {}): {e}", r.line))?;
                }
            }
            ("SSL::ssl_cache_intermediate_ca", ZValue::Bool(b), Op::Assign) => {
                cache_intermediates = *b
            }
            _ => {}
        }
    }
    let mut store = if builtin && validating {
        certval::RootStore::mozilla()
    } else {
        certval::RootStore::new()
    };
    store.extend(extra);
    Ok(Trust {
        store,
        cache_intermediates,
    })
}

/// Where a run's local networks matter to analyzers (ssh.log's
/// `direction`, software asset tracking).
pub fn set_local_nets(plan: &mut AnalyzerPlan, nets: Option<&NetSet>) {
    plan.config.local_nets = nets.map(|n| n.cidrs().iter().map(|c| (c.addr, c.len)).collect());
}

/// `SSH::max_*` length and list limits.
fn ssh_redef(name: &str, n: u64, config: &mut AnalyzerConfig) {
    let ssh = &mut config.ssh;
    let count = n as usize;
    match name {
        "SSH::max_packet_length" => ssh.max_packet_length = n.min(u32::MAX as u64) as u32,
        "SSH::max_string_length" => ssh.max_string_length = n.min(u32::MAX as u64) as u32,
        "SSH::max_kexinit_kex_algorithms" => ssh.kexinit.kex = count,
        "SSH::max_kexinit_hostkey_algorithms" => ssh.kexinit.hostkey = count,
        "SSH::max_kexinit_encryption_algorithms" => ssh.kexinit.encryption = count,
        "SSH::max_kexinit_mac_algorithms" => ssh.kexinit.mac = count,
        "SSH::max_kexinit_compression_algorithms" => ssh.kexinit.compression = count,
        "SSH::max_kexinit_languages" => ssh.kexinit.languages = count,
        _ => {}
    }
}

fn apply_redefs(script: &ZeekScript, config: &mut AnalyzerConfig, extract_prefix: &mut String) {
    for r in &script.redefs {
        match (r.name.as_str(), &r.value) {
            ("dns_max_queries", ZValue::Count(n)) => config.dns.max_queries = *n as usize,
            ("dns_skip_all_auth", ZValue::Bool(b)) => config.dns.skip_all_auth = *b,
            ("dns_skip_all_addl", ZValue::Bool(b)) => config.dns.skip_all_addl = *b,
            ("dns_max_compression_chain_depth", ZValue::Count(n)) => {
                config.dns.max_compression_chain_depth = *n as usize
            }
            ("DNS::max_pending_msgs", ZValue::Count(n)) => {
                config.dns.max_pending_msgs = *n as usize
            }
            ("DNS::max_pending_query_ids", ZValue::Count(n)) => {
                config.dns.max_pending_query_ids = *n as usize
            }
            ("HTTP::default_capture_password", ZValue::Bool(b)) => {
                config.http.capture_password = *b
            }
            ("HTTP::log_client_header_names", ZValue::Bool(b)) => {
                config.http.log_client_header_names = *b
            }
            ("HTTP::log_server_header_names", ZValue::Bool(b)) => {
                config.http.log_server_header_names = *b
            }
            ("FileExtract::default_limit", ZValue::Count(n)) => config.files.extract_limit = *n,
            ("SSL::max_ssl_history_length", ZValue::Count(n)) => {
                config.ssl.max_history_length = *n as usize
            }
            ("X509::relog_known_certificates_after", ZValue::Interval(ns)) => {
                config.x509.relog_after.0 = *ns
            }
            ("QUIC::max_history_length", ZValue::Count(n)) => {
                config.quic.max_history_length = *n as usize
            }
            ("default_file_bof_buffer_size", ZValue::Count(n)) => {
                config.files.bof_buffer_size = *n as usize
            }
            (name, ZValue::Count(n)) if name.starts_with("SSH::") => ssh_redef(name, *n, config),
            ("FileExtract::prefix", ZValue::String(s)) => {
                *extract_prefix = String::from_utf8_lossy(s).trim_end_matches('/').to_string()
            }
            ("FTP::logged_commands", ZValue::Set(items)) => {
                apply_string_set(&mut config.ftp.logged_commands, r.op, items)
            }
            ("FTP::guest_ids", ZValue::Set(items)) => {
                apply_string_set(&mut config.ftp.guest_ids, r.op, items)
            }
            ("FTP::max_pending_commands", ZValue::Count(n)) => {
                config.ftp.max_pending_commands = *n as usize
            }
            ("FTP::max_user_length", ZValue::Count(n)) => config.ftp.max_user_length = *n as usize,
            ("FTP::max_password_length", ZValue::Count(n)) => {
                config.ftp.max_password_length = *n as usize
            }
            ("FTP::max_arg_length", ZValue::Count(n)) => config.ftp.max_arg_length = *n as usize,
            ("FTP::max_reply_msg_length", ZValue::Count(n)) => {
                config.ftp.max_reply_msg_length = *n as usize
            }
            ("FTP::default_capture_password", ZValue::Bool(b)) => config.ftp.capture_password = *b,
            ("SMB::max_pending_messages", ZValue::Count(n)) => {
                config.smb.max_pending_messages = *n as usize
            }
            ("SMB::enable_clear_script_state", ZValue::Bool(b)) => {
                config.smb.enable_clear_script_state = *b
            }
            ("SMB::max_dce_rpc_analyzers", ZValue::Count(n)) => {
                config.smb.max_dce_rpc_analyzers = *n as usize
            }
            ("SMB::max_andx_depth", ZValue::Count(n)) => config.smb.max_andx_depth = *n as usize,
            ("SMB::pipe_filenames", ZValue::Set(items)) => {
                let mut names = config.smb.pipe_filenames.iter().cloned().collect();
                apply_string_set(&mut names, r.op, items);
                config.smb.pipe_filenames = names.into_iter().collect();
            }
            ("DCE_RPC::max_cmd_reassembly", ZValue::Count(n)) => {
                config.dce_rpc.max_cmd_reassembly = *n as usize
            }
            ("DCE_RPC::max_frag_data", ZValue::Count(n)) => {
                config.dce_rpc.max_frag_data = *n as usize
            }
            ("Software::asset_tracking", ZValue::Enum(e)) => {
                if let Some(h) = Hosts::from_name(e) {
                    config.software.asset_tracking = h;
                }
            }
            ("SMTP::detect_clients_in_messages_from", ZValue::Enum(e)) => {
                if let Some(h) = Hosts::from_name(e) {
                    config.software.smtp_clients_from = h;
                }
            }
            _ => {}
        }
    }
}

/// Optional log columns that redefs switch on: ssl.log's certificate
/// subjects and issuers.
fn column_options(script: &ZeekScript) -> Vec<String> {
    let mut out = Vec::new();
    for r in &script.redefs {
        let option = match r.name.as_str() {
            "SSL::log_include_server_certificate_subject_issuer" => "ssl-server-subject",
            "SSL::log_include_client_certificate_subject_issuer" => "ssl-client-subject",
            _ => continue,
        };
        match r.value {
            ZValue::Bool(true) => out.push(option.to_string()),
            ZValue::Bool(false) => out.retain(|o| o != option),
            _ => {}
        }
    }
    out
}

/// A `redef` of a `set[string]` option: `=` replaces, `+=` adds, `-=`
/// removes; elements that are not strings are ignored.
/// A `redef <Analyzer>::ports ...` (e.g. `Redis::ports += { 10625/tcp }`):
/// the analyzer, how its set changes, and the (port, IP protocol) given.
pub type PortRedef = (Kind, Op, Vec<(u16, u8)>);

/// The script's [`PortRedef`]s, in order.
pub fn port_redefs(script: &ZeekScript) -> Vec<PortRedef> {
    script
        .redefs
        .iter()
        .filter_map(|r| {
            let kind = Kind::from_name(r.name.strip_suffix("::ports")?)?;
            let ZValue::Set(items) = &r.value else {
                return None;
            };
            let ports = items
                .iter()
                .filter_map(|v| match v {
                    ZValue::Port(n, proto) => Some((*n, proto.number())),
                    _ => None,
                })
                .collect();
            Some((kind, r.op, ports))
        })
        .collect()
}

/// Whether `name` is a redef [`port_redefs`] honours.
pub fn is_port_redef(name: &str) -> bool {
    name.strip_suffix("::ports")
        .is_some_and(|m| Kind::from_name(m).is_some())
}

fn apply_port_set(set: &mut Vec<(u16, u8)>, op: Op, ports: &[(u16, u8)]) {
    match op {
        Op::Assign => *set = ports.to_vec(),
        Op::Add => {
            for p in ports {
                if !set.contains(p) {
                    set.push(*p);
                }
            }
        }
        Op::Remove => set.retain(|p| !ports.contains(p)),
    }
}

fn apply_string_set(set: &mut BTreeSet<String>, op: Op, items: &[ZValue]) {
    let strings = items.iter().filter_map(|v| match v {
        ZValue::String(s) => Some(String::from_utf8_lossy(s).into_owned()),
        _ => None,
    });
    match op {
        Op::Assign => *set = strings.collect(),
        Op::Add => set.extend(strings),
        Op::Remove => {
            for s in strings {
                set.remove(&s);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ftp_redefs() {
        let script = config::parse_zeek_script(
            r#"
            redef FTP::logged_commands += { "<init>", "AUTH" };
            redef FTP::logged_commands -= { "PORT" };
            redef FTP::guest_ids = { "visitor" };
            redef FTP::max_pending_commands = 5;
            redef FTP::max_user_length = 4;
            redef FTP::max_password_length = 2;
            redef FTP::max_arg_length = 13;
            redef FTP::max_reply_msg_length = 17;
            redef FTP::default_capture_password = T;
            "#,
        )
        .unwrap();
        let mut config = AnalyzerConfig::default();
        apply_redefs(&script, &mut config, &mut String::new());
        let ftp = &config.ftp;
        assert!(ftp.logged_commands.contains("<init>") && ftp.logged_commands.contains("AUTH"));
        assert!(ftp.logged_commands.contains("RETR") && !ftp.logged_commands.contains("PORT"));
        assert_eq!(ftp.guest_ids.iter().collect::<Vec<_>>(), ["visitor"]);
        assert_eq!(
            (
                ftp.max_pending_commands,
                ftp.max_user_length,
                ftp.max_password_length,
                ftp.max_arg_length,
                ftp.max_reply_msg_length
            ),
            (5, 4, 2, 13, 17)
        );
        assert!(ftp.capture_password);
    }

    #[test]
    fn smb_and_dce_rpc_redefs() {
        let script = config::parse_zeek_script(
            r#"
            redef SMB::max_pending_messages = 20;
            redef SMB::enable_clear_script_state = F;
            redef SMB::max_dce_rpc_analyzers = 5;
            redef SMB::pipe_filenames += { "mypipe" };
            redef DCE_RPC::max_cmd_reassembly = 24;
            redef DCE_RPC::max_frag_data = 100;
            "#,
        )
        .unwrap();
        let mut config = AnalyzerConfig::default();
        apply_redefs(&script, &mut config, &mut String::new());
        let smb = &config.smb;
        assert_eq!(
            (smb.max_pending_messages, smb.max_dce_rpc_analyzers),
            (20, 5)
        );
        assert!(!smb.enable_clear_script_state);
        assert!(smb.pipe_filenames.iter().any(|p| p == "mypipe"));
        assert!(smb.pipe_filenames.iter().any(|p| p == "srvsvc"));
        let dce_rpc = &config.dce_rpc;
        assert_eq!(
            (dce_rpc.max_cmd_reassembly, dce_rpc.max_frag_data),
            (24, 100)
        );
    }

    #[test]
    fn analyzer_port_redefs() {
        let script = config::parse_zeek_script(
            "redef Redis::ports += { 10625/tcp, };\n\
             redef SOCKS::ports = { 9050/tcp };\n\
             redef Nope::ports += { 1/tcp };\n",
        )
        .unwrap();
        let redefs = port_redefs(&script);
        assert_eq!(
            redefs,
            vec![
                (Kind::Redis, Op::Add, vec![(10625, 6)]),
                (Kind::Socks, Op::Assign, vec![(9050, 6)]),
            ]
        );
        assert!(is_port_redef("Redis::ports") && !is_port_redef("Nope::ports"));
        let mut ports = vec![(1080, 6)];
        apply_port_set(&mut ports, Op::Add, &[(1080, 6), (9050, 6)]);
        assert_eq!(ports, [(1080, 6), (9050, 6)]);
        apply_port_set(&mut ports, Op::Remove, &[(1080, 6)]);
        assert_eq!(ports, [(9050, 6)]);
    }
}
