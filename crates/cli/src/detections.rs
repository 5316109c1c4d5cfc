//! Which detections a run has: the Zeek config's redefs of their options,
//! `--config` (the TOML file's `[detect]` sections), `--intel`, `--rules` and
//! `--no-detections`.

use crate::args::Cli;
use config::ZeekScript;

/// What the detections made of a Zeek config's redefs.
#[derive(Debug, Default)]
pub struct DetectionRedefs {
    /// Redef names that are detection options.
    pub consumed: Vec<String>,
    /// Those whose value did not fit: `"NAME (unexpected value: why)"`.
    pub rejected: Vec<String>,
}

pub fn apply_redefs(plan: &mut detect::Plan, script: &ZeekScript) -> DetectionRedefs {
    let mut out = DetectionRedefs::default();
    for r in &script.redefs {
        match plan.redef(r) {
            Some(Ok(())) => out.consumed.push(r.name.clone()),
            Some(Err(e)) => {
                out.consumed.push(r.name.clone());
                out.rejected
                    .push(format!("{} (unexpected value: {e})", r.name));
            }
            None => {}
        }
    }
    out
}

/// `--config FILE`, `--rules` and `--no-detections`.
pub fn apply_cli(plan: &mut detect::Plan, cli: &Cli) -> Result<(), String> {
    if let Some(path) = &cli.config {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read config {}: {e}", path.display()))?;
        plan.apply_toml(&text)
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    add_intel_files(plan, &cli.intel)?;
    if cli.no_detections {
        plan.global.enabled = false;
    }
    if !cli.rules.is_empty() {
        plan.add_rules(load_rules(&cli.rules, cli.quiet));
    }
    Ok(())
}

/// `--intel FILE`s: read by the intel framework, which then runs.
fn add_intel_files(plan: &mut detect::Plan, files: &[std::path::PathBuf]) -> Result<(), String> {
    if files.is_empty() {
        return Ok(());
    }
    let spec = plan
        .spec_mut(detect::intel::META.name)
        .ok_or("the intel framework is missing")?;
    let list = detect::settings::Setting::List(
        files
            .iter()
            .map(|f| detect::settings::Setting::Text(f.display().to_string()))
            .collect(),
    );
    spec.options_mut()
        .set("read_files", detect::settings::Op::Add, &list)
        .unwrap_or(Ok(()))?;
    spec.common_mut().enabled = Some(true);
    Ok(())
}

/// Loads `--rules`; each rule that does not compile is reported on stderr
/// (file and line) and left out, never stopping the run.
fn load_rules(paths: &[std::path::PathBuf], quiet: bool) -> detect::sigma::RuleSet {
    let loaded = detect::sigma::load(paths);
    for e in &loaded.errors {
        eprintln!("shrike: warning: rule skipped: {e}");
    }
    let (rules, correlations) = loaded.rules.counts();
    if rules == 0 {
        eprintln!("shrike: warning: no Sigma rule loaded from --rules");
    } else if !quiet {
        eprintln!("shrike: {rules} Sigma rules and {correlations} correlations loaded");
    }
    loaded.rules
}
