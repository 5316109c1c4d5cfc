//! Turn the command line, the Zeek-style config and networks.cfg into one
//! `RunConfig`. Anything a user asked for that Shrike does not implement is
//! reported once on stderr and otherwise ignored.

use crate::args::Cli;
use config::{NetSet, Settings};
use flow::FlowConfig;
use logs::Format;
use pipeline::{zeek_scripts, RunConfig};
use wire::DecodeConfig;

/// Script packages that switch on optional behaviour, by the names users
/// load them with.
const FEATURE_SCRIPTS: &[(&str, &str)] = &[
    ("protocols/conn/mac-logging", "mac-logging"),
    ("protocols/conn/speculative-service", "speculative-service"),
    ("protocols/conn/vlan-logging", "vlan-logging"),
    ("protocols/conn/community-id-logging", "community-id"),
    ("frameworks/conn_key/vlan_fivetuple", "vlan-key"),
];

fn normalise(script: &str) -> &str {
    let s = script
        .trim()
        .trim_end_matches(".zeek")
        .trim_end_matches("/main");
    s.strip_prefix("policy/").unwrap_or(s)
}

fn read(path: &std::path::Path, what: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {what} {}: {e}", path.display()))
}

pub fn run_config(cli: &Cli) -> Result<RunConfig, String> {
    let mut settings = Settings::default();
    let mut engine = EngineRedefs::default();
    let mut script = None;
    // Without a Zeek config Shrike runs as Zeek's local.zeek plus the
    // playbook: every detection on. A Zeek config says for itself.
    let mut detections = detect::Plan::new(!cli.bare && cli.zeek_config.is_none());
    if let Some(path) = &cli.zeek_config {
        let parsed = config::parse_zeek_script(&read(path, "Zeek config")?)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        settings.apply_script(&parsed);
        engine = EngineRedefs::from_script(&parsed);
        let detection_redefs = crate::detections::apply_redefs(&mut detections, &parsed);
        settings.unknown.retain(|name| {
            !EngineRedefs::NAMES.contains(&name.as_str())
                && !crate::analyzers::REDEF_NAMES.contains(&name.as_str())
                && !crate::analyzers::is_port_redef(name)
                && !detection_redefs.consumed.contains(name)
        });
        settings.unknown.extend(detection_redefs.rejected);
        script = Some(parsed);
    }
    crate::detections::apply_cli(&mut detections, cli)?;
    let mut loads: Vec<String> = settings.loads.clone();
    loads.extend(cli.load.iter().cloned());
    loads.extend(cli.scripts.iter().cloned());

    let mut options = Vec::new();
    let mut vlan_key = engine.vlan_key;
    let mut unknown: Vec<String> = settings.unknown.clone();
    for l in &loads {
        let name = normalise(l);
        let features = FEATURE_SCRIPTS
            .iter()
            .chain(crate::analyzers::FEATURE_SCRIPTS);
        let detection = detections.load(name);
        if let Some((_, feature)) = features.clone().find(|(s, _)| *s == name) {
            if *feature == "vlan-key" {
                vlan_key = true;
            }
            options.push(feature.to_string());
        } else if zeek_scripts::find(name).is_none() && !is_known_framework(name) && !detection {
            unknown.push(format!("@load {l}"));
        }
    }
    if !unknown.is_empty() {
        eprintln!(
            "shrike: ignoring what it does not implement: {}",
            unknown.join(", ")
        );
    }

    let local_nets = local_nets(cli, &settings)?;
    let load_refs: Vec<&str> = loads.iter().map(|l| normalise(l)).collect();
    let packages = zeek_scripts::loaded_packages(cli.bare, &load_refs);
    let only = engine
        .analyzers_disabled
        .then_some(engine.requested_analyzers.as_slice());
    let mut analyzers =
        crate::analyzers::plan(cli, &packages, script.as_ref(), only, &mut options)?;
    if let Some(plan) = analyzers.as_mut() {
        crate::analyzers::set_local_nets(plan, local_nets.as_ref());
    }
    let mut likely: std::collections::HashSet<(u16, u8)> =
        zeek_scripts::likely_server_ports(cli.bare, &load_refs)
            .into_iter()
            .collect();
    likely.extend(settings.likely_server_ports.iter().copied());
    // Zeek registers an analyzer's ports as likely server ports too.
    for (_, op, ports) in script.iter().flat_map(crate::analyzers::port_redefs) {
        if op != config::Op::Remove {
            likely.extend(ports);
        }
    }

    let flow = FlowConfig {
        timeouts: flow::Timeouts {
            tcp_inactivity: settings.tcp_inactivity_timeout,
            udp_inactivity: settings.udp_inactivity_timeout,
            icmp_inactivity: settings.icmp_inactivity_timeout,
            tcp_close_delay: settings.tcp_close_delay,
            tcp_reset_delay: settings.tcp_reset_delay,
            tcp_partial_close_delay: settings.tcp_partial_close_delay,
            tcp_attempt_delay: settings.tcp_attempt_delay,
            tcp_syn_timeout: settings.tcp_syn_timeout,
            tcp_connection_linger: settings.tcp_connection_linger,
            dns_session: settings.dns_session_timeout,
            ..flow::Timeouts::default()
        },
        ignore_checksums: cli.no_checksums || settings.ignore_checksums,
        ignore_checksums_nets: settings.ignore_checksums_nets.clone(),
        local_nets,
        likely_server_ports: likely,
        vlan_in_key: vlan_key,
        count_sizes: !engine.conn_size_disabled,
        mac_logging: options.iter().any(|o| o == "mac-logging"),
        community_id_seed: options.iter().any(|o| o == "community-id").then_some(0),
        max_connections: cli.max_connections.max(1),
        uid_seed: cli.seed,
    };
    let decode = DecodeConfig {
        verify_checksums: !flow.ignore_checksums,
        max_tunnel_depth: settings.tunnel_max_depth,
        ..DecodeConfig::default()
    };
    let format = if cli.json || settings.use_json {
        Format::Json {
            iso8601: cli.json_iso8601,
        }
    } else {
        Format::Tsv
    };
    let workers = cli
        .workers
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
        .max(1);
    Ok(RunConfig {
        input: cli.read.clone(),
        logdir: cli.logdir.clone(),
        format,
        options,
        workers,
        filter: combined_filter(cli.filter.as_deref(), engine.restricted_filter.as_deref()),
        decode,
        flow,
        analyzers,
        progress: !cli.quiet,
        detect: (!detections.enabled().is_empty()).then(|| std::sync::Arc::new(detections)),
    })
}

/// Local networks: `Site::local_nets` from the config, networks.cfg and
/// --local-net, plus private address space unless the config turned
/// `Site::private_address_space_is_local` off (Zeek's rule).
fn local_nets(cli: &Cli, settings: &Settings) -> Result<Option<NetSet>, String> {
    let mut settings = settings.clone();
    if let Some(path) = &cli.networks {
        let parsed = config::parse_networks_cfg(&read(path, "networks file")?)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        settings
            .local_nets
            .extend(parsed.nets.cidrs().iter().copied());
    }
    for cidr in &cli.local_net {
        let c = config::Cidr::parse(cidr)
            .ok_or_else(|| format!("bad --local-net {cidr}: not an address or CIDR"))?;
        settings.local_nets.insert(c);
    }
    let nets = settings.effective_local_nets();
    Ok((!nets.is_empty()).then_some(nets))
}

fn is_known_framework(name: &str) -> bool {
    name.starts_with("base/frameworks/")
        || name.starts_with("base/utils/")
        || name == "base/protocols/conn"
        // x509.log comes with the SSL analyzer.
        || name == "base/files/x509"
}

/// Redefs of engine options that are not plain settings.
#[derive(Debug, Default)]
struct EngineRedefs {
    /// `Analyzer::disable_all = T` without re-enabling the size analyzer:
    /// conn.log has no packet counts.
    conn_size_disabled: bool,
    /// `ConnKey::factory = ConnKey::CONNKEY_VLAN_FIVETUPLE`.
    vlan_key: bool,
    /// `PacketFilter::restricted_filter`.
    restricted_filter: Option<String>,
    /// `Analyzer::disable_all = T`: only the requested analyzers run.
    analyzers_disabled: bool,
    /// `Analyzer::requested_analyzers`: names like `HTTP`.
    requested_analyzers: Vec<String>,
}

impl EngineRedefs {
    const NAMES: &'static [&'static str] = &[
        "Analyzer::disable_all",
        "Analyzer::requested_analyzers",
        "ConnKey::factory",
        "PacketFilter::restricted_filter",
    ];

    fn from_script(script: &config::ZeekScript) -> Self {
        use config::ZValue;
        let mut e = EngineRedefs::default();
        let mut requested_conn_size = false;
        for r in &script.redefs {
            match (r.name.as_str(), &r.value) {
                ("Analyzer::disable_all", ZValue::Bool(b)) => {
                    e.conn_size_disabled = *b;
                    e.analyzers_disabled = *b;
                }
                ("Analyzer::requested_analyzers", v) => {
                    let text = format!("{v:?}");
                    requested_conn_size |= text.contains("ANALYZER_CONNSIZE");
                    e.requested_analyzers
                        .extend(text.split("ANALYZER_").skip(1).map(|t| {
                            t.chars()
                                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                                .collect()
                        }));
                }
                ("ConnKey::factory", ZValue::Enum(f)) => {
                    e.vlan_key = f.ends_with("CONNKEY_VLAN_FIVETUPLE")
                }
                ("PacketFilter::restricted_filter", ZValue::String(f)) => {
                    e.restricted_filter = Some(String::from_utf8_lossy(f).into_owned())
                }
                _ => {}
            }
        }
        e.conn_size_disabled &= !requested_conn_size;
        e
    }
}

/// Zeek ANDs its restricted filter with the capture filter.
fn combined_filter(capture: Option<&str>, restricted: Option<&str>) -> Option<String> {
    match (capture, restricted.filter(|r| !r.trim().is_empty())) {
        (Some(c), Some(r)) => Some(format!("({c}) and ({r})")),
        (Some(c), None) => Some(c.to_string()),
        (None, Some(r)) => Some(r.to_string()),
        (None, None) => None,
    }
}
