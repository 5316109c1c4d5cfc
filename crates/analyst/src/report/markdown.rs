//! The report in Markdown, laid out as the playbook's report (section 8):
//! sensor, interface, period and connection count, the anomalies table
//! and the numbered recommendations.

use super::advice::Advice;
use super::gather::Report;
use super::{when, Facts};
use std::fmt::Write;

pub fn render(r: &Report, facts: &Facts, advice: &[Advice]) -> String {
    let mut out = String::new();
    let _ = write_md(&mut out, r, facts, advice);
    out
}

fn write_md(out: &mut String, r: &Report, f: &Facts, advice: &[Advice]) -> std::fmt::Result {
    writeln!(out, "## {}\n", super::TITLE)?;
    for (label, value) in f.lines() {
        writeln!(out, "**{label}**: {}  ", inline(&value))?;
    }
    writeln!(out, "\n### Anomalies Detected\n")?;
    if r.incidents.is_empty() {
        writeln!(out, "{}", f.no_anomalies())?;
    } else {
        writeln!(
            out,
            "| Notice Type | Source | Destination | Details | Count | First Seen (UTC) | Last Seen (UTC) |"
        )?;
        writeln!(
            out,
            "|-------------|--------|-------------|---------|------:|------------------|-----------------|"
        )?;
        for i in &r.incidents {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                cell(&i.note),
                cell(&i.src),
                cell(&i.dst),
                cell(&i.details),
                i.count,
                when(i.first),
                when(i.last)
            )?;
        }
    }
    writeln!(out, "\n### Recommendations\n")?;
    if advice.is_empty() {
        writeln!(out, "No action needed: no anomalies were detected.")?;
    }
    for (n, a) in advice.iter().enumerate() {
        writeln!(
            out,
            "{}. {} ({})",
            n + 1,
            inline(&a.text),
            inline(&a.evidence)
        )?;
    }
    if r.skipped > 0 {
        writeln!(
            out,
            "\n_{} log rows were unreadable or past the report's limits and were left out._",
            r.skipped
        )?;
    }
    Ok(())
}

/// Text in a table cell: pipes escaped, no line breaks.
fn cell(s: &str) -> String {
    inline(s).replace('|', "\\|")
}

/// Text on one line, Markdown's own characters taken literally.
fn inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            // `_` inside words is literal in CommonMark; notice types have many.
            '*' | '`' | '[' | ']' | '<' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_table() {
        assert_eq!(cell("a|b\nc*d"), "a\\|b c\\*d");
    }
}
