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
