//! Which detections a run has: the Zeek config's redefs of their options,
//! `--config` (the TOML file's `[detect]` sections), `--intel` and
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

/// `--config FILE` and `--no-detections`.
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
