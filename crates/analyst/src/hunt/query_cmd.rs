//! `shrike hunt query LOG [EXPR]`: filter rows with an expression
//! ([`crate::query`]), show chosen columns or group them with counts,
//! sums and distinct counts, sort, cut to the top N.

use super::{shown, Ctx, Distinct, Groups};
use crate::log::{Columns, Header, LogReader, Row};
use crate::query::Filter;
use crate::table::{SortKey, Table};
use clap::Args;

#[derive(Args, Debug)]
pub struct Query {
    /// The log: a name in --logdir (conn, dns, ...), a file, or - for standard input.
    pub log: String,
    /// Filter expression, e.g. 'duration > 3600 and id.resp_p in (443, 8443)'.
    pub expr: Option<String>,
    /// Columns to show (comma-separated; default all).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Columns to group by; shows them with a count (and --sum, --distinct).
    #[arg(long, value_delimiter = ',')]
    pub group_by: Vec<String>,
    /// With --group-by: sum of these columns per group.
    #[arg(long, value_delimiter = ',')]
    pub sum: Vec<String>,
    /// With --group-by: different values of these columns per group.
    #[arg(long, value_delimiter = ',')]
    pub distinct: Vec<String>,
    /// Output columns to sort by, `-` first for descending: --sort=-count,id.orig_h.
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub sort: Vec<String>,
}

/// A group's count, sums and distinct sets.
struct Agg {
    count: u64,
    sums: Vec<f64>,
    distinct: Vec<Distinct>,
}

/// The fields the query reads, in one list: filter words first, then
/// selected, grouped, summed, distinct columns.
struct Plan {
    filter: Option<Filter>,
    names: Vec<String>,
    /// Where each part's columns start in `names`.
    select_at: usize,
    group_at: usize,
    sum_at: usize,
    distinct_at: usize,
}

impl Plan {
    fn new(q: &Query) -> Result<Plan, String> {
        let filter = q
            .expr
            .as_deref()
            .map(Filter::parse)
            .transpose()
            .map_err(|e| e.to_string())?;
        let mut names: Vec<String> = filter.iter().flat_map(|f| f.fields.clone()).collect();
        let select_at = names.len();
        names.extend(q.select.iter().cloned());
        let group_at = names.len();
        names.extend(q.group_by.iter().cloned());
        let sum_at = names.len();
        names.extend(q.sum.iter().cloned());
        let distinct_at = names.len();
        names.extend(q.distinct.iter().cloned());
        Ok(Plan {
            filter,
            names,
            select_at,
            group_at,
            sum_at,
            distinct_at,
        })
    }

    /// The first named column the header lacks (filter fields only where
    /// they must be fields).
    fn unknown(&self, idx: &[Option<usize>]) -> Option<&str> {
        let f = self.filter.as_ref().and_then(|f| f.unknown_field(idx));
        f.or_else(|| {
            (self.select_at..self.names.len())
                .find(|&i| idx[i].is_none())
                .map(|i| self.names[i].as_str())
        })
    }
}

fn unknown_field_error(name: &str, log: &str, header: &Header) -> String {
    format!(
        "unknown field '{name}' in the {log} log (its fields: {})",
        header.fields.join(", ")
    )
}

impl Query {
    pub fn run(&self, cx: &Ctx) -> Result<Table, String> {
        if self.group_by.is_empty() && !(self.sum.is_empty() && self.distinct.is_empty()) {
            return Err("--sum and --distinct need --group-by".into());
        }
        let plan = Plan::new(self)?;
        let mut out = Output::new(self, cx.top(0));
        let mut reader = LogReader::new();
        let mut cols = Columns::new(&plan.names);
        // Fields checked when a header comes; JSON lines lack unset
        // fields, so there a field is unknown only if no row had it.
        let mut checked = u64::MAX;
        let mut seen = vec![false; plan.names.len()];
        let mut any_json = false;
        for src in cx.sources(&self.log)? {
            reader.read(&src, &mut |row| {
                let idx = cols.resolve(row.header);
                if row.header.generation != checked {
                    checked = row.header.generation;
                    let json = row.header.types.is_empty();
                    any_json |= json;
                    if let (false, Some(name)) = (json, plan.unknown(idx)) {
                        return Err(unknown_field_error(name, &self.log, row.header));
                    }
                    seen.iter_mut()
                        .zip(idx)
                        .for_each(|(s, i)| *s |= i.is_some());
                }
                if plan.filter.as_ref().is_none_or(|f| f.matches(row, idx)) {
                    out.row(&plan, row, idx);
                }
                Ok(())
            })?;
        }
        if any_json && reader.stats.rows > 0 {
            let resolved: Vec<Option<usize>> = seen.iter().map(|&s| s.then_some(0)).collect();
            if let Some(name) = plan.unknown(&resolved) {
                return Err(format!("unknown field '{name}' in the {} log", self.log));
            }
        }
        out.finish(self)
    }
}

/// Rows or groups collected as they come.
struct Output {
    /// Shown columns (None until the first row fixes "all columns").
    columns: Option<Vec<String>>,
    rows: Table,
    groups: Groups<Vec<String>, Agg>,
    grouped: bool,
    top: usize,
}

impl Output {
    fn new(q: &Query, top: usize) -> Output {
        Output {
            columns: None,
            rows: Table::new(&[] as &[&str], Vec::new(), 0),
            groups: Groups::new(),
            grouped: !q.group_by.is_empty(),
            top,
        }
    }

    fn row(&mut self, plan: &Plan, row: &Row, idx: &[Option<usize>]) {
        if self.grouped {
            return self.group(plan, row, idx);
        }
        let values: Vec<String> = if plan.select_at == plan.group_at {
            (0..row.header.fields.len())
                .map(|i| shown(row, Some(i)))
                .collect()
        } else {
            idx[plan.select_at..plan.group_at]
                .iter()
                .map(|&i| shown(row, i))
                .collect()
        };
        if self.columns.is_none() {
            let cols = match plan.select_at == plan.group_at {
                true => row.header.fields.clone(),
                false => plan.names[plan.select_at..plan.group_at].to_vec(),
            };
            self.columns = Some(cols);
        }
        self.rows.rows.push(values);
        // Unsorted with a limit: enough rows already.
        if self.top > 0 && self.rows.rows.len() > self.top.saturating_mul(2).max(1024) {
            self.rows.rows.truncate(self.top);
        }
    }

    fn group(&mut self, plan: &Plan, row: &Row, idx: &[Option<usize>]) {
        let key: Vec<String> = idx[plan.group_at..plan.sum_at]
            .iter()
            .map(|&i| shown(row, i))
            .collect();
        let (sums, distinct) = (
            plan.distinct_at - plan.sum_at,
            plan.names.len() - plan.distinct_at,
        );
        let make = || Agg {
            count: 0,
            sums: vec![0.0; sums],
            distinct: (0..distinct).map(|_| Distinct::default()).collect(),
        };
        let Some(agg) = self.groups.entry(key, make) else {
            return;
        };
        agg.count += 1;
        for (s, &i) in agg.sums.iter_mut().zip(&idx[plan.sum_at..plan.distinct_at]) {
            *s += row.at(i).f64().unwrap_or(0.0);
        }
        for (d, &i) in agg.distinct.iter_mut().zip(&idx[plan.distinct_at..]) {
            d.add(row.at(i).shown());
        }
    }

    fn finish(self, q: &Query) -> Result<Table, String> {
        let (columns, rows) = if self.grouped {
            let mut cols = q.group_by.clone();
            cols.push("count".into());
            cols.extend(q.sum.iter().map(|s| format!("sum({s})")));
            cols.extend(q.distinct.iter().map(|d| format!("distinct({d})")));
            let rows = self
                .groups
                .finish()
                .map(|(mut key, agg)| {
                    key.push(agg.count.to_string());
                    key.extend(agg.sums.iter().map(|s| format_sum(*s)));
                    key.extend(agg.distinct.iter().map(|d| d.len().to_string()));
                    key
                })
                .collect();
            (cols, rows)
        } else {
            let cols = self.columns.unwrap_or_else(|| q.select.clone());
            (cols, self.rows.rows)
        };
        let sort = q
            .sort
            .iter()
            .map(|s| {
                let (name, descending) = match s.strip_prefix('-') {
                    Some(n) => (n, true),
                    None => (s.strip_prefix('+').unwrap_or(s), false),
                };
                let column = columns.iter().position(|c| c == name).ok_or_else(|| {
                    format!(
                        "cannot sort by '{name}': not an output column ({})",
                        columns.join(", ")
                    )
                })?;
                Ok(SortKey { column, descending })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let mut t = Table::new(&columns, sort, self.top);
        for r in rows {
            t.push(r);
        }
        t.finish();
        Ok(t)
    }
}

/// Whole sums without a fraction.
fn format_sum(s: f64) -> String {
    if s.fract() == 0.0 && s.abs() < 1e15 {
        format!("{}", s as i64)
    } else {
        format!("{s:.6}")
    }
}
