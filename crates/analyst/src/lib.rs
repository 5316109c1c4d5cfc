//! The analyst's tools over logs Shrike or Zeek wrote, TSV or JSON lines,
//! plain or gzipped, from files or standard input:
//!
//! * [`cut`]: `shrike cut`, a drop-in for `zeek-cut` (same flags, same
//!   output), that also reads JSON logs, gzip and file arguments.
//! * [`hunt`]: `shrike hunt`, the playbook's threat-hunting recipes and an
//!   ad-hoc filter/select/sort/group-by [`query`] form.
//! * [`report`]: `shrike report`, the playbook's anomaly report in
//!   Markdown or self-contained HTML with charts.
//!
//! Everything streams: [`input`] reads a line at a time with a cap on line
//! length, and [`log`] turns lines into rows of a header's fields.

pub mod cut;
pub mod hunt;
pub mod input;
pub mod json;
pub mod log;
pub mod query;
pub mod report;
pub mod table;
pub mod timefmt;

/// Parses a subcommand's arguments (`command` is how it is named, e.g.
/// `shrike hunt`). `Err` carries the exit status: 0 after `--help` or
/// `--version`, 2 after one clear error line.
pub fn parse_args<T: clap::Parser>(command: &str, args: &[String]) -> Result<T, i32> {
    let argv = std::iter::once(command.to_string()).chain(args.iter().cloned());
    T::try_parse_from(argv).map_err(|e| {
        if !e.use_stderr() {
            let _ = e.print();
            return 0;
        }
        let text = e.to_string();
        let first = text.lines().next().unwrap_or("bad arguments");
        eprintln!(
            "{command}: {} (see {command} --help)",
            first.trim_start_matches("error: ")
        );
        2
    })
}
