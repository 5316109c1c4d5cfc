//! The `shrike` binary: argument parsing and wiring only.

mod analyzers;
mod args;
mod detections;
mod setup;

use clap::Parser;
use std::process::ExitCode;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
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
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("shrike: error: {e}");
            ExitCode::FAILURE
        }
    }
}
