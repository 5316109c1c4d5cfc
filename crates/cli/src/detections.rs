//! Which detections a run has: the Zeek config's redefs of their options,
//! `--config` (the TOML file's `[detect]` sections) and `--no-detections`.

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
    if cli.no_detections {
        plan.global.enabled = false;
    }
    Ok(())
}
