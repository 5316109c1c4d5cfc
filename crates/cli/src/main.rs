//! The `shrike` binary: argument parsing and wiring only.

mod analyzers;
mod args;
mod detections;
mod setup;

use clap::Parser;
use std::ffi::OsString;
use std::process::ExitCode;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    if let Some(status) = analyst_command() {
        return ExitCode::from(status);
    }
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => {
            // One clear line, not a usage screen.
            let text = e.to_string();
            let first = text
                .lines()
                .next()
                .unwrap_or("bad arguments")
                .trim_start_matches("error: ");
            eprintln!("shrike: error: {first} (see shrike --help)");
            return ExitCode::from(2);
        }
    };
    let quiet = cli.quiet;
    match setup::run_config(&cli).and_then(|cfg| pipeline::run(&cfg).map_err(|e| e.to_string())) {
        Ok(summary) => {
            for w in &summary.warnings {
                eprintln!("shrike: warning: {w}");
            }
            if !quiet {
                eprintln!("{}", summary.line());
            }
            if cli.report {
                return write_report(&cli);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("shrike: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `--report`: the anomaly report of the logs just written, into their directory.
fn write_report(cli: &args::Cli) -> ExitCode {
    match analyst::report::write_into(&cli.logdir, cli.report_format) {
        Ok(path) => {
            if !cli.quiet {
                eprintln!("shrike: report written to {}", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("shrike: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `shrike cut ...`, `shrike hunt ...` and `shrike report ...` take their own arguments (cut's
/// are zeek-cut's, which clap cannot express); the exit status when the
/// first argument names one.
fn analyst_command() -> Option<u8> {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let rest = || -> Vec<String> {
        args[1..]
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    };
    let status = match args.first()?.to_str()? {
        "cut" => analyst::cut::main(&rest()),
        "hunt" => analyst::hunt::main(&rest()),
        "report" => analyst::report::main(&rest()),
        _ => return None,
    };
    Some(u8::try_from(status).unwrap_or(1))
}
